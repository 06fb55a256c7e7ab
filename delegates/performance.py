"""The performance file (履职档案): every delegate's yearly targets, counts and status.

One entry point, ``performance_for(delegates, year)``, used by the file page, the public
profile and the dashboard. It runs a fixed number of queries whatever the number of delegates
(PERFORMANCE.md): each source is aggregated once for all the delegates asked about, grouped by
delegate, never queried per delegate or per target.

The office's list and its export read the files kept in ``PerformanceFigures`` instead (one row
per delegate and year; the last section of this module): computing 20,000 files per request
took 8–12 s. ``performance_refresh`` writes the rows; the services that change a count call
``performance_refresh_later`` (after the commit), the loop's and the reception log's events
reach ``on_suggestion_event`` and ``on_reception_day_logged`` (``DelegatesConfig.ready``), a
daily task follows the calendar (a status moves as the year goes by) and ``manage.py
rebuild_performance`` recomputes a year. The single file page stays live, so it is exact.

Counting rules (nothing is entered twice: what the portal already knows is counted from
where it is recorded):

- **Fixed contact with residents** (固定联系选民): the delegate's fixed contacts
  (``FixedContact``) in contact at some point of the year (since ≤ 31 Dec, not ended before
  1 Jan).
- **Visits** (走访选民): activities of kind "visiting voters" dated in the year in which the
  delegate takes part. A group activity counts once for every participating delegate.
- **Back to the constituency** (回选区): activities of kind "back to the constituency", the
  same way.
- **Suggestions** (提出建议): suggestions of the loop the delegate took (接单, ``accepted_at``
  in the year), whatever became of them, merged duplicates excepted. A suggestion turned from
  the delegate's field diary counts once the delegate takes it.
- **Issues reflected** (反映问题): of those, the ones the delegate passed on to a handling unit
  (outcome "dispatched"): an issue reflected to the government.
- **Problems solved** (解决问题): suggestions held by the delegate that were answered in the
  year (``replied_at``) by handling them on the spot or through a handling unit, and are now
  replied or closed. Explained-not-adopted ones are answered, not solved; a reopened one stops
  counting until it is answered again.
- **Station every month** (月进站): months with at least one station visit: an activity of kind
  "station reception" the delegate takes part in, or a reception-day duty the reception log
  marks as attended (``DutyAssignment.attended`` on a held day) — counted automatically.
  Several visits in one month count once. A month is *missing* once it is over without a visit;
  the current month is not missing yet.
- **Constituency every quarter** (季回家): quarters with at least one "back to the constituency"
  activity; missing once the quarter is over.
- **Annual report** (年述职): the delegate's annual report to voters recorded by the office
  with its rating (``AnnualReport`` for that year). An activity of kind "report to voters" is
  shown among the activities but does not count here: the rated report is the one the target
  asks for, and counting both would count one report twice.

Targets: per year, the office's ``YearlyTarget`` rows. A row for one of the delegate's current
levels wins over the row for all levels (blank level); a delegate sitting at two levels gets
the more demanding of the two. Without any row, the seeds' numbers (``DEFAULT_TARGETS``).

Status: *met* when the count reaches the target. Otherwise, for counted targets, *on track*
while the count keeps pace with the share of the year gone by (rounded down) and a month at
least is left after the current one; *behind* when it does not, in December, or once the year
is over. So a yearly target of 1 (年述职) not met is on track until 30 November and behind from
1 December: the pace alone, rounded down, would call it on track until 31 December.
For the monthly and quarterly targets, *behind* as soon as more
months (quarters) are missing than the target leaves room for — they can no longer be met.
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, FilteredRelation, Min, OuterRef, Q
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from congress_portal.clock import now, today

from .models import (
    Activity,
    AnnualReport,
    Delegate,
    FixedContact,
    Level,
    PerformanceFigures,
    YearlyTarget,
)

Metric = YearlyTarget.Metric


class Status:
    MET = "met"
    ON_TRACK = "on_track"
    BEHIND = "behind"

    labels = {
        MET: _("met"),
        ON_TRACK: _("on track"),
        BEHIND: _("behind"),
    }


# Seed 002 and seed 004 (DESIGN.md): the numbers when the office has set none for a year.
DEFAULT_TARGETS: dict[str, int] = {
    Metric.FIXED_CONTACTS: 5,
    Metric.VISITS: 10,
    Metric.PROBLEMS_SOLVED: 3,
    Metric.ISSUES_REFLECTED: 1,
    Metric.SUGGESTIONS: 2,
    Metric.CONSTITUENCY_RETURNS: 2,
    Metric.REPORTS: 1,
    Metric.STATION_MONTHS: 12,
    Metric.CONSTITUENCY_QUARTERS: 4,
    Metric.GROUP_RESEARCH_REPORTS: 2,
}

# The targets of one delegate's file, in the order shown. Group research reports are a
# target of the group, not of a delegate: they are not in the per-delegate file.
DELEGATE_METRICS: tuple[str, ...] = (
    Metric.FIXED_CONTACTS,
    Metric.VISITS,
    Metric.PROBLEMS_SOLVED,
    Metric.ISSUES_REFLECTED,
    Metric.SUGGESTIONS,
    Metric.CONSTITUENCY_RETURNS,
    Metric.STATION_MONTHS,
    Metric.CONSTITUENCY_QUARTERS,
    Metric.REPORTS,
)

LABELS: dict[str, Promise] = {
    Metric.FIXED_CONTACTS: _("Residents in fixed contact"),
    Metric.VISITS: _("Visits to voters"),
    Metric.PROBLEMS_SOLVED: _("Problems solved"),
    Metric.ISSUES_REFLECTED: _("Issues reflected"),
    Metric.SUGGESTIONS: _("Suggestions made"),
    Metric.CONSTITUENCY_RETURNS: _("Back to the constituency"),
    Metric.STATION_MONTHS: _("Station every month"),
    Metric.CONSTITUENCY_QUARTERS: _("Constituency every quarter"),
    Metric.REPORTS: _("Annual report to voters"),
}

# Where on the file page the items behind each count are listed.
SOURCES: dict[str, str] = {
    Metric.FIXED_CONTACTS: "contacts",
    Metric.VISITS: "activities-visit",
    Metric.PROBLEMS_SOLVED: "suggestions",
    Metric.ISSUES_REFLECTED: "suggestions",
    Metric.SUGGESTIONS: "suggestions",
    Metric.CONSTITUENCY_RETURNS: "activities-constituency",
    Metric.STATION_MONTHS: "station-visits",
    Metric.CONSTITUENCY_QUARTERS: "activities-constituency",
    Metric.REPORTS: "annual-report",
}

_LEVEL_ORDER = {level: position for position, level in enumerate(Level.values)}


@dataclass
class PerformanceItem:
    """One target of one delegate's file."""

    code: str
    label: Promise | str
    target: int
    count: int
    status: str
    # Month or quarter names that went by without what the target asks for.
    missing: list[str] = field(default_factory=list)
    # The same as numbers (1–12, 1–4), as ``PerformanceFigures`` keeps them.
    missing_periods: list[int] = field(default_factory=list)

    @property
    def status_label(self):
        return Status.labels[self.status]

    @property
    def anchor(self) -> str:
        return SOURCES[self.code]

    @property
    def is_met(self) -> bool:
        return self.status == Status.MET

    @property
    def is_behind(self) -> bool:
        return self.status == Status.BEHIND


@dataclass
class PerformanceRow:
    """A delegate's file for a year: ``items`` in ``DELEGATE_METRICS`` order."""

    delegate: Delegate
    year: int
    items: list[PerformanceItem]
    levels: list[str] = field(default_factory=list)
    satisfaction: float | None = None

    @property
    def behind(self) -> bool:
        return any(item.status == Status.BEHIND for item in self.items)

    @property
    def met_count(self) -> int:
        return sum(1 for item in self.items if item.status == Status.MET)

    def item(self, code: str) -> PerformanceItem:
        return next(item for item in self.items if item.code == code)


# --- the year ---------------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _aware_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The year as [start, next start) in the portal's time zone, for datetime columns."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=tz)


def year_fraction(year: int, on: datetime.date) -> float:
    """The share of ``year`` gone by on ``on``: 0 before it, 1 once it is over."""
    start, end = year_bounds(year)
    if on < start:
        return 0.0
    if on >= end:
        return 1.0
    days = 366 if calendar.isleap(year) else 365
    return ((on - start).days + 1) / days


def completed_months(year: int, on: datetime.date) -> list[int]:
    """Months of ``year`` already over on ``on``."""
    if year < on.year:
        return list(range(1, 13))
    if year > on.year:
        return []
    return list(range(1, on.month))


def month_name(month: int) -> str:
    return str(MONTHS[month])


def quarter_name(quarter: int) -> str:
    return gettext("Q%(quarter)d") % {"quarter": quarter}


# --- targets ----------------------------------------------------------------------------------


def targets_for_year(year: int) -> dict[str, dict[str, int]]:
    """``{level or "": {metric: value}}`` for ``year``; "" holds every metric (defaults filled)."""
    table: dict[str, dict[str, int]] = {"": dict(DEFAULT_TARGETS)}
    for level, metric, value in YearlyTarget.objects.filter(year=year).values_list(
        "level", "metric", "value"
    ):
        table.setdefault(level, {})[metric] = value
    return table


def target_for(table: dict[str, dict[str, int]], levels: Iterable[str], metric: str) -> int:
    """The level's own target if any level has one (the most demanding), else the general one."""
    own = [table[level][metric] for level in levels if metric in table.get(level, {})]
    return max(own) if own else table[""][metric]


# --- status -----------------------------------------------------------------------------------


def months_left(year: int, on: datetime.date) -> int:
    """Whole months of ``year`` still to come after the one ``on`` is in (12 before it)."""
    if year > on.year:
        return 12
    if year < on.year:
        return 0
    return 12 - on.month


def _count_status(count: int, target: int, fraction: float, months_to_go: int = 12) -> str:
    if count >= target:
        return Status.MET
    if fraction >= 1:
        return Status.BEHIND
    if count < math.floor(target * fraction):
        return Status.BEHIND  # not keeping pace with the year gone by
    # The pace alone, rounded down, never asks anything of a small target (1 a year is 0
    # expected until 31 December): in the year's last month, whatever is missing is behind.
    if months_to_go == 0:
        return Status.BEHIND
    return Status.ON_TRACK


def _period_status(count: int, target: int, periods: int, missing: int) -> str:
    if count >= target:
        return Status.MET
    # Each period can be counted once: more than (periods - target) missed ones sink it.
    return Status.BEHIND if missing > periods - target else Status.ON_TRACK


# --- the computation --------------------------------------------------------------------------


def _current_levels(delegate_ids: list[int], on: datetime.date) -> dict[int, list[str]]:
    from .selectors import current_mandates

    levels: dict[int, set[str]] = defaultdict(set)
    for delegate_id, level in (
        current_mandates(on=on)
        .filter(delegate_id__in=delegate_ids)
        .values_list("delegate_id", "level")
    ):
        levels[delegate_id].add(level)
    return {
        pk: sorted(values, key=lambda level: _LEVEL_ORDER.get(level, 99))
        for pk, values in levels.items()
    }


def performance_for(delegates: Iterable[Delegate], year: int) -> list[PerformanceRow]:
    """Every target of ``delegates``' files for ``year``, with counts and status, in the order
    of ``delegates``. About ten queries in all, however many delegates (see the module's
    docstring for what counts and how)."""
    from stations.models import DutyAssignment, ReceptionDay
    from suggestions.models import Outcome, State, Suggestion

    delegates = list(delegates)
    ids = [delegate.pk for delegate in delegates]
    if not ids:
        return []
    on = today()
    first, last = year_bounds(year)
    start, stop = _aware_bounds(year)
    fraction = year_fraction(year, on)
    months_to_go = months_left(year, on)
    done_months = completed_months(year, on)
    done_quarters = [q for q in range(1, 5) if 3 * q in done_months]
    # For the year's own levels: the mandates current at the end of the year (or today).
    levels = _current_levels(ids, min(on, last) if year <= on.year else first)
    table = targets_for_year(year)

    # Activities: one count per (delegate, kind), and the dates of the kinds counted per month
    # or quarter. A participation row per delegate makes a group activity count for each.
    through = Activity.participants.through
    in_year = through.objects.filter(
        delegate_id__in=ids, activity__date__gte=first, activity__date__lte=last
    )
    kind_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for delegate_id, kind, n in (
        in_year.values_list("delegate_id", "activity__kind").annotate(n=Count("*")).order_by()
    ):
        kind_counts[delegate_id][kind] = n
    station_months: dict[int, set[int]] = defaultdict(set)
    constituency_quarters: dict[int, set[int]] = defaultdict(set)
    for delegate_id, kind, date in (
        in_year.filter(activity__kind__in=[Activity.Kind.RECEPTION, Activity.Kind.CONSTITUENCY])
        .values_list("delegate_id", "activity__kind", "activity__date")
        .distinct()
        .order_by()
    ):
        if kind == Activity.Kind.RECEPTION:
            station_months[delegate_id].add(date.month)
        else:
            constituency_quarters[delegate_id].add((date.month - 1) // 3 + 1)

    # Reception-day duty the log marked as attended: a station visit, entered by nobody twice.
    for delegate_id, date in (
        DutyAssignment.objects.filter(
            delegate_id__in=ids,
            attended=True,
            reception_day__status=ReceptionDay.Status.HELD,
            reception_day__date__gte=first,
            reception_day__date__lte=last,
        )
        .values_list("delegate_id", "reception_day__date")
        .distinct()
        .order_by()
    ):
        station_months[delegate_id].add(date.month)

    # Suggestions held by the delegates, counted in one grouped query.
    taken = Q(accepted_at__gte=start, accepted_at__lt=stop)
    suggestion_counts = {
        row["delegate_id"]: row
        for row in Suggestion.objects.filter(delegate_id__in=ids)
        .exclude(state=State.MERGED)
        .values("delegate_id")
        .annotate(
            taken=Count("pk", filter=taken),
            reflected=Count("pk", filter=taken & Q(outcome=Outcome.DISPATCHED)),
            solved=Count(
                "pk",
                filter=Q(
                    replied_at__gte=start,
                    replied_at__lt=stop,
                    state__in=[State.REPLIED, State.CLOSED],
                    outcome__in=[Outcome.ON_SPOT, Outcome.DISPATCHED],
                ),
            ),
        )
        .order_by()
    }

    contacts = dict(
        FixedContact.objects.filter(delegate_id__in=ids, since__lte=last)
        .filter(Q(until__isnull=True) | Q(until__gte=first))
        .values_list("delegate_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    reports = {
        report.delegate_id: report
        for report in AnnualReport.objects.filter(delegate_id__in=ids, year=year)
    }

    rows = []
    for delegate in delegates:
        pk = delegate.pk
        delegate_levels = levels.get(pk, [])
        kinds = kind_counts.get(pk, {})
        sugg = suggestion_counts.get(pk, {})
        report = reports.get(pk)
        counts = {
            Metric.FIXED_CONTACTS: contacts.get(pk, 0),
            Metric.VISITS: kinds.get(Activity.Kind.VISIT, 0),
            Metric.PROBLEMS_SOLVED: sugg.get("solved", 0),
            Metric.ISSUES_REFLECTED: sugg.get("reflected", 0),
            Metric.SUGGESTIONS: sugg.get("taken", 0),
            Metric.CONSTITUENCY_RETURNS: kinds.get(Activity.Kind.CONSTITUENCY, 0),
            Metric.REPORTS: 1 if report is not None else 0,
        }
        items = []
        for code in DELEGATE_METRICS:
            target = target_for(table, delegate_levels, code)
            if code == Metric.STATION_MONTHS:
                months = station_months.get(pk, set())
                missing = [m for m in done_months if m not in months]
                item = PerformanceItem(
                    code,
                    LABELS[code],
                    target,
                    len(months),
                    _period_status(len(months), target, 12, len(missing)),
                    [month_name(m) for m in missing],
                    missing,
                )
            elif code == Metric.CONSTITUENCY_QUARTERS:
                quarters = constituency_quarters.get(pk, set())
                missing = [q for q in done_quarters if q not in quarters]
                item = PerformanceItem(
                    code,
                    LABELS[code],
                    target,
                    len(quarters),
                    _period_status(len(quarters), target, 4, len(missing)),
                    [quarter_name(q) for q in missing],
                    missing,
                )
            else:
                count = counts[code]
                item = PerformanceItem(
                    code,
                    LABELS[code],
                    target,
                    count,
                    _count_status(count, target, fraction, months_to_go),
                )
            items.append(item)
        rows.append(
            PerformanceRow(
                delegate=delegate,
                year=year,
                items=items,
                levels=delegate_levels,
                satisfaction=report.satisfaction if report is not None else None,
            )
        )
    return rows


def suggestion_counts_as(suggestion, year: int) -> list[str]:
    """The targets one suggestion held by the delegate counts for in ``year`` (the rules of
    ``performance_for``, for listing the suggestions under the file)."""
    from suggestions.models import Outcome, State

    start, stop = _aware_bounds(year)
    codes = []
    if suggestion.state == State.MERGED:
        return codes
    if suggestion.accepted_at and start <= suggestion.accepted_at < stop:
        codes.append(Metric.SUGGESTIONS)
        if suggestion.outcome == Outcome.DISPATCHED:
            codes.append(Metric.ISSUES_REFLECTED)
    if (
        suggestion.replied_at
        and start <= suggestion.replied_at < stop
        and suggestion.state in (State.REPLIED, State.CLOSED)
        and suggestion.outcome in (Outcome.ON_SPOT, Outcome.DISPATCHED)
    ):
        codes.append(Metric.PROBLEMS_SOLVED)
    return [LABELS[code] for code in codes]


def performance_of(delegate: Delegate, year: int) -> PerformanceRow:
    """One delegate's file for ``year``."""
    return performance_for([delegate], year)[0]


# --- the kept figures: what the office's list and its export read ----------------------------

# Delegates computed per ``performance_for`` call when refreshing: ten queries a batch, and
# ``IN`` lists well below every database's parameter limit.
REFRESH_BATCH = 500
# Up to this many delegates are refreshed in the request right after its commit (a few
# milliseconds each); more go to the task queue.
INLINE_REFRESH = 20
# Delegates of a list without kept figures (new ones the hooks missed) computed while the
# list is shown; more than this go to the task queue and the page says so.
FILL_INLINE = 200
_SHOWN = [*DELEGATE_METRICS, "delegate", "year", "met_count", "behind", "detail", "computed_at"]
_WRITTEN = [*DELEGATE_METRICS, "name_pinyin", "met_count", "behind", "detail", "computed_at"]


def _figures_of(row: PerformanceRow, computed_at: datetime.datetime) -> PerformanceFigures:
    figures = PerformanceFigures(
        delegate_id=row.delegate.pk,
        year=row.year,
        name_pinyin=row.delegate.name_pinyin,
        met_count=row.met_count,
        behind=row.behind,
        computed_at=computed_at,
        # Short on purpose: the list sorts whole rows, and narrow ones sort in memory.
        detail={
            "levels": row.levels,
            "targets": [item.target for item in row.items],
            "statuses": [item.status for item in row.items],
            "missing_months": row.item(Metric.STATION_MONTHS).missing_periods,
            "missing_quarters": row.item(Metric.CONSTITUENCY_QUARTERS).missing_periods,
        },
    )
    for item in row.items:
        setattr(figures, item.code, item.count)
    return figures


def performance_refresh(delegate_ids: Iterable[int], year: int) -> int:
    """Compute the files of ``delegate_ids`` for ``year`` and keep them (insert or update one
    ``PerformanceFigures`` row each), ``REFRESH_BATCH`` delegates at a time. Idempotent; ids of
    delegates that no longer exist are skipped. Returns the number of rows written."""
    ids = sorted({pk for pk in delegate_ids if pk is not None})
    written = 0
    for start in range(0, len(ids), REFRESH_BATCH):
        delegates = (
            Delegate.objects.filter(pk__in=ids[start : start + REFRESH_BATCH])
            .only("pk", "name_pinyin")
            .order_by("pk")
        )
        stamp = now()
        figures = [_figures_of(row, stamp) for row in performance_for(delegates, year)]
        PerformanceFigures.objects.bulk_create(
            figures,
            update_conflicts=True,
            unique_fields=["delegate", "year"],
            update_fields=_WRITTEN,
        )
        written += len(figures)
    return written


def performance_refresh_year(year: int) -> int:
    """Recompute ``year``'s files of every serving delegate (the list's whole universe)."""
    ids = Delegate.objects.filter(is_active=True).values_list("pk", flat=True)
    return performance_refresh(list(ids), year)


def performance_missing(delegates, year: int):
    """Of the ``delegates`` queryset, those without kept figures for ``year``."""
    return delegates.exclude(
        Exists(PerformanceFigures.objects.filter(delegate=OuterRef("pk"), year=year))
    )


def performance_refresh_missing(year: int) -> int:
    """Compute the files of the serving delegates that have none kept for ``year``."""
    ids = performance_missing(Delegate.objects.filter(is_active=True), year).values_list(
        "pk", flat=True
    )
    return performance_refresh(list(ids), year)


def performance_refresh_later(delegate_ids: Iterable[int], years: Iterable[int]) -> None:
    """Refresh the kept files of ``delegate_ids`` for ``years`` once the current transaction
    commits (nothing if it rolls back): a few delegates right away, many through the task
    queue. A failure is logged, not raised: the step itself has committed, and the daily
    refresh puts the figures right."""
    ids = sorted({pk for pk in delegate_ids if pk is not None})
    years = sorted({year for year in years if year is not None})
    if not ids or not years:
        return

    def refresh():
        if len(ids) <= INLINE_REFRESH:
            for year in years:
                performance_refresh(ids, year)
            return
        from django_q.tasks import async_task

        for year in years:
            async_task("delegates.tasks.refresh_performance", ids, year)

    transaction.on_commit(refresh, robust=True)


def performance_refresh_year_later(year: int) -> None:
    """Recompute every delegate's file of ``year`` in the background after the commit (the
    yearly targets changed: every status may move)."""

    def enqueue():
        from django_q.tasks import async_task

        async_task("delegates.tasks.refresh_performance_year", year)

    transaction.on_commit(enqueue, robust=True)


def kept_years(delegate_ids: Iterable[int], first: int, last: int) -> list[int]:
    """The years in [first, last] whose kept files a change spanning them can move: the ones
    with rows for these delegates, and the current year."""
    years = set(
        PerformanceFigures.objects.filter(
            delegate_id__in=list(delegate_ids), year__gte=first, year__lte=last
        )
        .values_list("year", flat=True)
        .distinct()
        .order_by()
    )
    if first <= today().year <= last:
        years.add(today().year)
    return sorted(years)


def _local_year(moment: datetime.datetime | None) -> int | None:
    if moment is None:
        return None
    return timezone.localtime(moment).year if timezone.is_aware(moment) else moment.year


def on_suggestion_event(event) -> None:
    """A step of the loop (``suggestions.events``): the holder's counts may move — a taken,
    answered, reopened or merged suggestion, or one moved to another delegate."""
    from suggestions.models import TRANSITIONS, Verb

    if event.verb not in TRANSITIONS and event.verb != Verb.REASSIGN:
        return
    suggestion = event.suggestion
    ids = {suggestion.delegate_id}
    if event.verb == Verb.REASSIGN and (event.data or {}).get("previous"):
        # The event names the previous holder only: refresh whoever bears that name.
        ids.update(
            Delegate.objects.filter(name=event.data["previous"]).values_list("pk", flat=True)
        )
    years = {
        _local_year(suggestion.accepted_at),
        _local_year(suggestion.replied_at),
        today().year,
    }
    performance_refresh_later(ids, years)


def on_reception_day_logged(*, day, **_kwargs) -> None:
    """A reception day was logged or corrected: its duty delegates' station months may move."""
    performance_refresh_later(day.duties.values_list("delegate_id", flat=True), [day.date.year])


def row_from_figures(figures, names: dict[str, dict[int, str]] | None = None) -> PerformanceRow:
    """A kept file (a ``PerformanceFigures`` or anything with its attributes) as the rows
    ``performance_for`` returns, for the list and the export. ``names``: the month and quarter
    names already translated (``period_names()``), for many rows."""
    names = names or period_names()
    detail = figures.detail or {}
    targets, statuses = detail.get("targets") or [], detail.get("statuses") or []
    if len(targets) != len(DELEGATE_METRICS) or len(statuses) != len(DELEGATE_METRICS):
        # Kept by an older version: shown as counts only until the next refresh rewrites it.
        targets, statuses = [0] * len(DELEGATE_METRICS), [Status.ON_TRACK] * len(DELEGATE_METRICS)
    items = []
    for code, target, status in zip(DELEGATE_METRICS, targets, statuses, strict=True):
        if code == Metric.STATION_MONTHS:
            periods = detail.get("missing_months", [])
            missing = [names["months"][period] for period in periods]
        elif code == Metric.CONSTITUENCY_QUARTERS:
            periods = detail.get("missing_quarters", [])
            missing = [names["quarters"][period] for period in periods]
        else:
            periods, missing = [], []
        items.append(
            PerformanceItem(
                code, LABELS[code], target, getattr(figures, code), status, missing, list(periods)
            )
        )
    return PerformanceRow(
        delegate=figures.delegate,
        year=figures.year,
        items=items,
        levels=detail.get("levels", []),
    )


def period_names() -> dict[str, dict[int, str]]:
    """Month and quarter names in the active language."""
    return {
        "months": {month: month_name(month) for month in range(1, 13)},
        "quarters": {quarter: quarter_name(quarter) for quarter in range(1, 5)},
    }


# The list's sorts in SQL, each the order ``sort_rows`` gave in Python: the name (pinyin, then
# the name itself) breaks ties, and the id makes pages stable.
_TIE = ["delegate__name", "delegate_id"]
_ORDERS: dict[str, list[str]] = {
    "name": ["name_pinyin", *_TIE],
    "-name": ["-name_pinyin", *_TIE],
    "behind": ["-behind", "met_count", "name_pinyin", *_TIE],
    "met": ["-met_count", "name_pinyin", *_TIE],
}
for _code in DELEGATE_METRICS:
    _ORDERS[_code] = [_code, "name_pinyin", *_TIE]
    _ORDERS["-" + _code] = ["-" + _code, "-name_pinyin", *_TIE]


def figures_for_list(delegates, year: int, *, behind_only: bool = False, sort: str = "name"):
    """The kept files of ``delegates`` (a scoped, filtered queryset) for ``year``, sorted as the
    list asks (unknown sorts: by name), with their delegates."""
    figures = (
        PerformanceFigures.objects.filter(year=year, delegate__in=delegates.values("pk"))
        .select_related("delegate")
        # What the list and the export show of the delegate: narrow rows sort in memory.
        .only(*_SHOWN, "delegate__name", "delegate__name_pinyin")
    )
    if behind_only:
        figures = figures.filter(behind=True)
    return figures.order_by(*_ORDERS.get(sort, _ORDERS["name"]))


def figures_tally(delegates, year: int, *, fill: bool = False) -> dict:
    """For the ``delegates`` a list shows (scoped and filtered): how many there are
    (``total``), how many are behind (``behind``), how many have a kept file
    (``with_figures``) and when the oldest kept file was computed (``as_of``) — one query.

    With ``fill``, the delegates without a kept file (new ones) get one: computed now when
    they are few (``FILL_INLINE``), else queued — once every few minutes per year — and counted
    in ``pending`` for the page to say so. Not for years after the next one."""
    kept = FilteredRelation("performance_figures", condition=Q(performance_figures__year=year))
    tally = delegates.annotate(kept=kept).aggregate(
        total=Count("*"),
        with_figures=Count("kept__id"),
        behind=Count("kept__id", filter=Q(kept__behind=True)),
        as_of=Min("kept__computed_at"),
    )
    tally["pending"] = 0
    missing = tally["total"] - tally["with_figures"]
    # Years far ahead get no files (all zero, and a browse through every year up to 2100
    # would keep millions of rows); next year's can be looked at.
    if not fill or not missing or year > today().year + 1:
        return tally
    if missing <= FILL_INLINE:
        performance_refresh(performance_missing(delegates, year).values_list("pk", flat=True), year)
        return figures_tally(delegates, year)
    if cache.add(f"performance-fill-{year}", True, timeout=300):
        from django_q.tasks import async_task

        async_task("delegates.tasks.refresh_performance_missing", year)
    tally["pending"] = missing
    return tally


def figures_rows(figures, pks: list[int]) -> list[PerformanceRow]:
    """The kept files ``pks`` (one page of ``figures``, in its order) as rows. Paging over the
    ids alone and loading the page's rows afterwards keeps the sort narrow: sorting whole rows
    of 20,000 delegates spilled to disk on a deep page."""
    by_pk = {figure.pk: figure for figure in figures.order_by().filter(pk__in=pks)}
    names = period_names()
    return [row_from_figures(by_pk[pk], names) for pk in pks if pk in by_pk]


def figures_export_lines(figures):
    """Every kept file of ``figures`` in its order as (row, station names, group names): three
    queries in all — the stations and the groups of all the delegates first, then the files
    streamed in the list's order — and plain values rather than model instances (20,000
    delegates' lines in about a second of Python)."""
    from .models import StationMembership

    delegate_ids = figures.order_by().values("delegate_id")
    stations: dict[int, list[str]] = defaultdict(list)
    for delegate_id, name in (
        StationMembership.objects.filter(delegate_id__in=delegate_ids, station__is_active=True)
        .order_by("station__name")
        .values_list("delegate_id", "station__name")
    ):
        stations[delegate_id].append(name)
    groups: dict[int, list[str]] = defaultdict(list)
    for delegate_id, name in (
        Delegate.groups.through.objects.filter(delegate_id__in=delegate_ids)
        .order_by("delegategroup__name")
        .values_list("delegate_id", "delegategroup__name")
    ):
        groups[delegate_id].append(name)
    names = period_names()
    fields = [*DELEGATE_METRICS, "year", "detail", "delegate_id", "delegate__name"]
    for values in figures.values(*fields).iterator(chunk_size=2000):
        delegate_id = values.pop("delegate_id")
        delegate = SimpleNamespace(pk=delegate_id, name=values.pop("delegate__name"))
        row = row_from_figures(SimpleNamespace(delegate=delegate, **values), names)
        yield row, stations[delegate_id], groups[delegate_id]
