"""Re-encrypt every encrypted column with the newest of FIELD_ENCRYPTION_KEYS (README: 'Keys
for residents' data'), and recompute the phones' keyed digests under FIELD_HASH_KEY."""

from django.core.management.base import BaseCommand, CommandError

from congress_portal.crypto import DecryptionError
from congress_portal.rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt residents' encrypted data with the newest FIELD_ENCRYPTION_KEYS key and "
        "recompute the phone digests, in batches. Safe to run again and to interrupt: rows "
        "already on the newest key are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="Rows per transaction.")

    def handle(self, *args, batch=2000, **options):
        try:
            for report in rotate_all(batch=batch):
                self.stdout.write(
                    f"{report.label}: {report.rows} rows, {report.reencrypted} values "
                    f"re-encrypted, {report.digests} digests recomputed"
                )
        except DecryptionError as error:
            raise CommandError(str(error)) from error
