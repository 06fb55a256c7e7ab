"""``manage.py generate_scale``: a province of synthetic data, in bulk, for the benchmark.

Each app generates its own rows (``<app>/scale.py``) through ``congress_portal.scale``; this
command orders them (areas → stations → delegates → units → suggestions → meetings), holds them
in one transaction, then rebuilds the rollups and refreshes the planner's statistics.
"""

import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from congress_portal.scale import BENCH_PASSWORD, Progress, Scale, Sizes

# The apps whose tables hold the portal's data: --flush empties them (and only them; the
# migrations, content types, permissions and the task schedule stay).
DATA_APPS = (
    "accounts",
    "stations",
    "delegates",
    "suggestions",
    "meetings",
    "dashboard",
    "otp_totp",
    "admin",
    "axes",
)


def _data_models():
    models = []
    for label in DATA_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        models += list(config.get_models(include_auto_created=True))
    return models


class Command(BaseCommand):
    help = _(
        "Fill an empty, migrated database with a province of synthetic data for the benchmark "
        "(COPY on PostgreSQL, large batches on SQLite), then rebuild the rollups."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--suggestions", type=int, default=1_000_000, help=_("Number of suggestions.")
        )
        parser.add_argument("--stations", type=int, default=5_000, help=_("Number of stations."))
        parser.add_argument("--delegates", type=int, default=20_000, help=_("Number of delegates."))
        parser.add_argument(
            "--seed", type=int, default=7, help=_("Random seed: the same seed gives the same data.")
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help=_("Empty the portal's data tables first (every account, area and suggestion)."),
        )
        parser.add_argument("--no-progress", action="store_true", help=_("No progress bar."))

    def handle(self, *args, **options):
        sizes = Sizes(
            suggestions=options["suggestions"],
            stations=options["stations"],
            delegates=options["delegates"],
        )
        if sizes.stations < 3 or sizes.suggestions < 0 or sizes.delegates < 1:
            raise CommandError(_("Ask for at least 3 stations, 1 delegate and 0 suggestions."))
        from accounts.models import User
        from stations.models import Region
        from suggestions.models import Suggestion

        if Region.objects.exists() or Suggestion.objects.exists() or User.objects.exists():
            if not options["flush"]:
                raise CommandError(
                    _(
                        "The database already holds data (areas, suggestions or accounts). "
                        "generate_scale fills an empty, migrated database; run it with --flush "
                        "to empty the portal's data tables first."
                    )
                )
            self._flush()
        progress = Progress(
            self.stdout, enabled=options["verbosity"] > 0 and not options["no_progress"]
        )
        started = time.monotonic()
        scale = Scale.start(sizes=sizes, seed=options["seed"], progress=progress)
        with transaction.atomic():
            self._generate(scale)
        progress.phase(_("rollups"))
        from dashboard.rollups import rebuild

        result = rebuild()
        progress.phase(_("statistics"))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        progress.finish()
        if options["verbosity"] > 0:
            self._report(scale, progress, result, time.monotonic() - started)

    def _generate(self, scale: Scale) -> None:
        from delegates import scale as delegates_scale
        from meetings import scale as meetings_scale
        from stations import scale as stations_scale
        from suggestions import scale as suggestions_scale

        progress, sizes = scale.progress, scale.sizes
        progress.phase(_("areas"))
        stations_scale.generate_areas(scale)
        progress.phase(_("stations"), sizes.stations)
        stations_scale.generate_stations(scale)
        progress.phase(_("reception days"))
        stations_scale.generate_reception(scale)
        progress.phase(_("delegates"), max(sizes.delegates, sizes.stations))
        delegates_scale.generate(scale)
        progress.phase(_("duties"))
        stations_scale.generate_duties(scale)
        progress.phase(_("handling units"))
        suggestions_scale.generate_units(scale)
        progress.phase(_("suggestions"), sizes.suggestions)
        suggestions_scale.generate_suggestions(scale)
        activities = max(20, sizes.suggestions // 20)
        progress.phase(_("activities"), activities)
        delegates_scale.generate_activities(scale, activities)
        meetings = max(10, sizes.suggestions // 250)
        progress.phase(_("meetings"), meetings)
        meetings_scale.generate(scale, meetings)
        progress.phase(_("accounts"))
        self._accounts(scale)
        scale.writer.reset_sequences()

    def _accounts(self, scale: Scale) -> None:
        """The office account (with a confirmed TOTP device: office logins need a second
        factor), then every account reserved by the apps' generators."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.models import Role

        office = scale.user("bench-office", Role.OFFICE, "省人大常委会办公室 压测", is_staff=True)
        scale.write_users()
        TOTPDevice.objects.create(user_id=office, name="bench", confirmed=True)

    def _flush(self) -> None:
        models = _data_models()
        qn = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # TRUNCATE fires no row trigger: the append-only tables empty too.
                tables = ", ".join(qn(m._meta.db_table) for m in models)
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            else:
                for model in models:
                    cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608

    def _report(self, scale: Scale, progress: Progress, result, seconds: float) -> None:
        self.stdout.write(self.style.SUCCESS(_("Generated in %(s).0f s:") % {"s": seconds}))
        for label, phase_seconds in progress.phases:
            self.stdout.write(f"  {label:<22} {phase_seconds:7.1f} s")
        for table, n in sorted(scale.writer.written.items()):
            self.stdout.write(f"  {table:<40} {n:>10,}")
        self.stdout.write(
            _("Rollups: %(rows)s suggestion rows, %(area)s area rows.")
            % {"rows": f"{result.rows:,}", "area": f"{result.area_rows:,}"}
        )
        self.stdout.write(
            _(
                "Benchmark accounts (password %(password)s): "
                "bench-office, bench-staff, bench-delegate, bench-unit."
            )
            % {"password": BENCH_PASSWORD}
        )
