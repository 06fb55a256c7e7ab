"""``manage.py rebuild_performance [--year YEAR]``: recompute the kept performance files."""

from django.core.management.base import BaseCommand, CommandError

from congress_portal.clock import today
from delegates.forms import MIN_YEAR
from delegates.performance import performance_refresh_missing, performance_refresh_year


class Command(BaseCommand):
    help = (
        "Recompute every serving delegate's performance file of a year (the current one by "
        "default) into the table the office's list reads. Safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="the year (default: the current year)")
        parser.add_argument(
            "--missing",
            action="store_true",
            help="only the delegates without figures for the year (quick after loading data)",
        )

    def handle(self, *args, year=None, missing=False, **options):
        year = year or today().year
        if not MIN_YEAR <= year <= 2100:
            raise CommandError(f"The year must be between {MIN_YEAR} and 2100.")
        refresh = performance_refresh_missing if missing else performance_refresh_year
        written = refresh(year)
        self.stdout.write(f"Performance figures of {year}: {written} delegates computed.")
