from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from suggestions import files


class Command(BaseCommand):
    help = _(
        "Delete uploaded files of the recent months that no attachment names (left by a failed "
        "transaction). Runs daily in the background worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months", type=int, default=2, help=_("How many recent upload folders to look at.")
        )

    def handle(self, *args, months, **options):
        removed = files.sweep_orphans(months=months)
        self.stdout.write(_("Removed %(n)d files.") % {"n": len(removed)})
