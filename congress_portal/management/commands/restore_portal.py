from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congress_portal.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by backup_portal into the configured database (replacing "
        "its content) or into the database --target names. Stop the portal first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--target", help="A database URL to restore into instead.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask before replacing the data."
        )

    def handle(self, *args, archive, target=None, yes=False, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No archive at {path}")
        if not yes and not target:
            answer = input("This replaces the configured database's content. Type yes: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing restored.")
        try:
            manifest = restore(path, target_url=target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored the backup of {manifest['created']}.")
