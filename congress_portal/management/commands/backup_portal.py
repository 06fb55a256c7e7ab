import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from congress_portal.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write the database and uploaded files to one archive encrypted with "
        "BACKUP_ENCRYPTION_KEY (safe while serving)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="Archive path (default: backups/portal-<UTC time>.tar.gz.enc under the project).",
        )

    def handle(self, *args, output=None, **options):
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = Path(output or settings.BASE_DIR / "backups" / f"portal-{stamp}.tar.gz.enc")
        try:
            manifest = backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup of the {manifest['database']} database written to {path}")
