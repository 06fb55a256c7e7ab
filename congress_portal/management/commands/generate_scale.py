"""``manage.py generate_scale``: a province of synthetic data, in bulk, for the benchmark.

Each app generates its own rows (``<app>/scale.py``) through ``congress_portal.scale``; this
command orders them (areas → stations → delegates → units → suggestions → meetings), holds them
in one transaction, then rebuilds the rollups and refreshes the planner's statistics.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from congress_portal.scale import BENCH_PASSWORD, Progress, Scale, Sizes, data_models


class Figures:
    """Each suggestion's rollup figures, computed from its trail as it is generated.

    ``dashboard.rollups.rebuild`` reads the events back and builds a model per suggestion
    (many minutes at a million); this computes what ``dashboard.rollups.event_delta`` adds per
    event, on whole local days as integers, COPYs the rows, and lets the database sum them as
    ``rebuild`` does. ``rebuild_rollups --check`` (and the tests) compare the result with a
    fresh computation by the dashboard's own code.
    """

    def __init__(self, scale: Scale):
        from dashboard.models import COUNTERS, SuggestionFigures

        self.scale = scale
        self.model = SuggestionFigures
        self.columns = ["suggestion_id", "unit_key", "state", "overdue", *COUNTERS]
        self.index = {name: i for i, name in enumerate(COUNTERS)}
        self.size = len(COUNTERS)
        self.rows: list[tuple] = []

    def suggestion(self, pk, submitted, state, unit, deadline, trail) -> None:
        from suggestions.models import WITH_UNIT_STATES

        offset, index = self.scale.offset, self.index
        values = [0] * self.size
        submitted_day = (submitted + offset) // 86400
        dispatched_day = None
        reopened = False
        for verb, data, at in trail:
            day = (at + offset) // 86400
            if verb == "submit":
                values[index["received"]] += 1
            elif verb == "dispatch":
                dispatched_day = day
            elif verb in ("handle_on_spot", "explain", "publish"):
                values[index["replies"]] += 1
                values[index["reply_days"]] += day - submitted_day
            elif verb == "unit_reply":
                values[index["unit_replies"]] += 1
                values[index["unit_on_time"]] += 1 if data.get("on_time") else 0
                values[index["unit_days"]] += day - (
                    day if dispatched_day is None else dispatched_day
                )
            elif verb == "rate":
                values[index[f"rated_{data.get('rating', 'satisfied')}"]] += 1
            elif verb == "reopen":
                values[index["rated_unsatisfied"]] += 1
                reopened = True
            elif verb == "support":
                values[index["supports"]] += 1
            elif verb == "absorb":
                values[index["supports"]] += int(data.get("supporters", 0))
            elif verb == "merge":
                values[index["supports"]] -= int(data.get("supporters_moved", 0))
        values[index["reopened"]] = 1 if reopened else 0
        overdue = state in WITH_UNIT_STATES and deadline is not None and deadline < self.scale.today
        self.rows.append((pk, unit or 0, state, overdue, *values))

    def flush(self) -> None:
        self.scale.writer.write(self.model, self.columns, self.rows)
        self.rows = []


def _sum_rollups() -> None:
    """The rollups summed from the figures by the database, as ``rebuild`` sums them."""
    from dashboard import rollups
    from dashboard.models import AreaRollup, SuggestionRollup

    with connection.cursor() as cursor:
        rollups._insert_select(
            cursor,
            SuggestionRollup,
            [*rollups.FINE_KEY, *rollups.VALUES],
            rollups._fine_rollup_select(),
        )
        rollups._station_area_table(cursor)
        for select in rollups._area_rollup_selects().values():
            rollups._insert_select(cursor, AreaRollup, [*rollups.AREA_KEY, *rollups.VALUES], select)
        cursor.execute(f"DROP TABLE {rollups.STATION_AREAS}")
    rollups._rebuild_reception_and_ballots()


def _skip_row_triggers() -> bool:
    """On PostgreSQL, skip the foreign-key triggers for this transaction when allowed.

    With deferred foreign keys, every COPYed row queues a check run at COMMIT: for millions
    of rows that is most of the run. The generators build ids that exist (the SQLite path and
    the tests check every foreign key), and only a superuser may switch them off; otherwise
    the checks simply run.
    """
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


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
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help=_("Rebuild the rollups with rebuild_rollups' own code (slower) instead."),
        )

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
        if not options["rebuild"]:
            scale.observer = Figures(scale)
        with transaction.atomic():
            fast = _skip_row_triggers()
            self._generate(scale)
            if not options["rebuild"]:
                progress.phase(_("rollups"))
                _sum_rollups()
            if fast:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            progress.phase(_("commit"))
        if options["rebuild"]:
            progress.phase(_("rollups"))
            from dashboard.rollups import rebuild

            rebuild()
        # The office's performance list reads kept per-delegate figures (delegates.performance);
        # the worker keeps them after every change, but nothing changes here one by one.
        progress.phase(_("performance figures"))
        from congress_portal.clock import today
        from delegates.performance import performance_refresh_year

        performance_refresh_year(today().year)
        progress.phase(_("statistics"))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                # Also the visibility map and hint bits, once: index-only scans need the
                # first, and without it the first pages timed would write the second.
                cursor.execute("VACUUM (ANALYZE)")
            else:
                cursor.execute("ANALYZE")
        progress.finish()
        if options["verbosity"] > 0:
            self._report(scale, progress, time.monotonic() - started)

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
        from dashboard.models import SuggestionFigures
        from suggestions.models import Rating, Suggestion, SuggestionEvent

        with scale.writer.indexes_later([Suggestion, SuggestionEvent, Rating, SuggestionFigures]):
            progress.phase(_("suggestions"), sizes.suggestions)
            suggestions_scale.generate_suggestions(scale)
            progress.phase(_("indexes"))
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

        from accounts.models import Role, User
        from accounts.services import user_sync_office_group

        office = scale.user("bench-office", Role.OFFICE, "省人大常委会办公室 压测", is_staff=True)
        scale.write_users()
        TOTPDevice.objects.create(user_id=office, name="bench", confirmed=True)
        user_sync_office_group(user=User.objects.get(pk=office))

    def _flush(self) -> None:
        models = data_models()
        qn = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # TRUNCATE fires no row trigger: the append-only tables empty too.
                tables = ", ".join(qn(m._meta.db_table) for m in models)
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            else:
                for model in models:
                    cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608

    def _report(self, scale: Scale, progress: Progress, seconds: float) -> None:
        from dashboard.models import AreaRollup, SuggestionRollup

        self.stdout.write(self.style.SUCCESS(_("Generated in %(s).0f s:") % {"s": seconds}))
        for label, phase_seconds in progress.phases:
            self.stdout.write(f"  {label:<22} {phase_seconds:7.1f} s")
        for table, n in sorted(scale.writer.written.items()):
            self.stdout.write(f"  {table:<40} {n:>10,}")
        self.stdout.write(
            _("Rollups: %(rows)s suggestion rows, %(area)s area rows.")
            % {
                "rows": f"{SuggestionRollup.objects.count():,}",
                "area": f"{AreaRollup.objects.count():,}",
            }
        )
        self.stdout.write(
            _(
                "Benchmark accounts (password %(password)s): "
                "bench-office, bench-staff, bench-delegate, bench-unit."
            )
            % {"password": BENCH_PASSWORD}
        )
