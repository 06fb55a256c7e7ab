"""Reads of the dashboard: figures summed from the rollups, the few live counts beside them.

Every figure is about the suggestions *submitted* in the period and in scope, as they stand
now — the same set the desk list shows for ``submitted_after``/``submitted_before`` and the
scope's filters, so that each number links to exactly the suggestions behind it.
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, QuerySet, Sum

from congress_portal.clock import today
from stations.models import ReceptionDay
from suggestions.models import WITH_UNIT_STATES, Channel, State, Suggestion

from .models import COUNTERS, GAUGES, SuggestionRollup
from .periods import Period
from .scopes import Scope

SUMS = {name: Sum(name) for name in (*COUNTERS, *GAUGES.values())}
FIELDS = tuple(SUMS)


@dataclass
class Figures:
    """Summed counters of a set of suggestions, with the rates derived from them."""

    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))

    def add(self, row: dict) -> None:
        for name in FIELDS:
            self.values[name] += row.get(name) or 0

    def __getattr__(self, name):
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def now(self, state: str) -> int:
        return self.values[GAUGES[state]]

    # The loop as it stands: every received suggestion is in exactly one state.
    @property
    def submitted(self):
        return self.now(State.SUBMITTED)

    @property
    def accepted(self):
        return self.now(State.ACCEPTED)

    @property
    def dispatched(self):
        return self.now(State.DISPATCHED)

    @property
    def in_progress(self):
        return self.now(State.IN_PROGRESS)

    @property
    def unit_replied(self):
        return self.now(State.UNIT_REPLIED)

    @property
    def replied(self):
        return self.now(State.REPLIED)

    @property
    def closed(self):
        return self.now(State.CLOSED)

    @property
    def merged(self):
        return self.now(State.MERGED)

    @property
    def counted(self) -> int:
        """Received, merged duplicates left out: they follow the suggestion they repeat."""
        return self.values["received"] - self.merged

    @property
    def handled(self) -> int:
        return self.replied + self.closed

    @property
    def open(self) -> int:
        return self.counted - self.handled

    @property
    def with_unit(self) -> int:
        """A unit's load: dispatched to it and not yet answered to the resident."""
        return self.dispatched + self.in_progress + self.unit_replied

    @property
    def handled_rate(self) -> float | None:
        return _ratio(self.handled, self.counted)

    @property
    def average_reply_days(self) -> float | None:
        return _ratio(self.values["reply_days"], self.values["replies"], percent=False)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.values["unit_on_time"], self.values["unit_replies"])

    @property
    def average_unit_days(self) -> float | None:
        return _ratio(self.values["unit_days"], self.values["unit_replies"], percent=False)

    @property
    def ratings(self) -> int:
        v = self.values
        return v["rated_satisfied"] + v["rated_basic"] + v["rated_unsatisfied"]

    @property
    def satisfaction(self) -> float | None:
        v = self.values
        return _ratio(v["rated_satisfied"] + v["rated_basic"], self.ratings)


def _ratio(part, whole, *, percent=True) -> float | None:
    if not whole:
        return None
    return round(part * 100 / whole, 1) if percent else round(part / whole, 1)


def rollups_in(scope: Scope, first_month: datetime.date, last_month: datetime.date) -> QuerySet:
    rows = SuggestionRollup.objects.filter(month__gte=first_month, month__lte=last_month)
    if scope.station_ids is not None:
        rows = rows.filter(station_id__in=scope.station_ids)
    if scope.unit_ids is not None:
        rows = rows.filter(unit_key__in=scope.unit_ids)
    return rows


def suggestions_in(scope: Scope, period: Period) -> QuerySet[Suggestion]:
    """The suggestions behind the figures, for the few counts that depend on today."""
    qs = Suggestion.objects.filter(
        submitted_month__gte=period.first_month, submitted_month__lte=period.last_month
    )
    if scope.station_ids is not None:
        qs = qs.filter(station_id__in=scope.station_ids)
    if scope.unit_ids is not None:
        qs = qs.filter(handling_unit_id__in=scope.unit_ids)
    return qs


def overdue_in(scope: Scope, period: Period) -> QuerySet[Suggestion]:
    """Dispatched and past the deadline today (through the index on state and deadline)."""
    return suggestions_in(scope, period).filter(state__in=WITH_UNIT_STATES, deadline__lt=today())


@dataclass
class Breakdown:
    key: object
    label: str
    figures: Figures
    overdue: int = 0


def _grouped(rows: QuerySet, key: str, label: str | None) -> list[Breakdown]:
    fields = [key] + ([label] if label else [])
    result = []
    for row in rows.values(*fields).annotate(**SUMS).order_by(*fields):
        if not row["received"]:
            continue  # every suggestion of the key moved on to another unit
        figures = Figures()
        figures.add(row)
        result.append(Breakdown(row[key], row[label] if label else "", figures))
    return result


@dataclass
class BallotFigures:
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    @property
    def total(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def satisfaction(self) -> float | None:
        return _ratio(self.satisfied + self.basic, self.total)


def ballot_figures(scope: Scope, period: Period) -> BallotFigures:
    """Votes of closed secret-ballot sessions (选民评单会) held in the period, on suggestions
    in scope: ballots cast on phones and paper tallies entered by staff."""
    from meetings.models import BallotMark, BallotSession, PaperTally

    def narrow(qs, prefix):
        qs = qs.filter(
            **{
                f"{prefix}status": BallotSession.Status.CLOSED,
                f"{prefix}meeting__date__gte": period.start,
                f"{prefix}meeting__date__lte": period.end,
            }
        )
        if scope.station_ids is not None:
            qs = qs.filter(suggestion__station_id__in=scope.station_ids)
        if scope.unit_ids is not None:
            qs = qs.filter(suggestion__handling_unit_id__in=scope.unit_ids)
        return qs

    result = BallotFigures()
    marks = narrow(BallotMark.objects.all(), "ballot__session__")
    for row in marks.values("value").annotate(n=Count("*")).order_by():
        setattr(result, row["value"], getattr(result, row["value"]) + row["n"])
    paper = narrow(PaperTally.objects.all(), "session__").aggregate(
        satisfied=Sum("satisfied"), basic=Sum("basic"), unsatisfied=Sum("unsatisfied")
    )
    for value in ("satisfied", "basic", "unsatisfied"):
        setattr(result, value, getattr(result, value) + (paper[value] or 0))
    return result


def visitors_in(scope: Scope, period: Period) -> int | None:
    """Residents received at the reception days held in the period (None for a unit)."""
    if scope.is_units:
        return None
    days = ReceptionDay.objects.filter(
        status=ReceptionDay.Status.HELD, date__gte=period.start, date__lte=period.end
    )
    if scope.station_ids is not None:
        days = days.filter(station_id__in=scope.station_ids)
    return days.aggregate(n=Sum("visitors"))["n"] or 0


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    totals: Figures
    by_month: list[Breakdown]
    by_category: list[Breakdown]
    by_station: list[Breakdown]
    by_unit: list[Breakdown]
    by_channel: list[Breakdown]
    overdue: int
    overdue_list: list
    ballots: BallotFigures
    visitors: int | None

    @property
    def satisfaction_together(self) -> float | None:
        t, b = self.totals, self.ballots
        return _ratio(
            t.rated_satisfied + t.rated_basic + b.satisfied + b.basic, t.ratings + b.total
        )


def trend_months(period: Period) -> tuple[datetime.date, datetime.date]:
    """Twelve months of trend or more, ending with the period (or this month, when the
    period reaches into the future)."""
    from .periods import add_months

    last = max(period.first_month, min(period.last_month, today().replace(day=1)))
    first = min(period.first_month, add_months(last, -11))
    return first, last


OVERDUE_LIST_LIMIT = 25


def dashboard_for(scope: Scope, period: Period) -> Dashboard:
    rows = rollups_in(scope, period.first_month, period.last_month)
    by_channel = _grouped(rows, "channel", None)
    labels = dict(Channel.choices)
    for item in by_channel:
        item.label = str(labels.get(item.key, item.key))
    totals = Figures()
    for item in by_channel:
        totals.add(item.figures.values)

    trend_first, trend_last = trend_months(period)
    by_month = _grouped(rollups_in(scope, trend_first, trend_last), "month", None)
    for item in by_month:
        item.label = f"{item.key:%Y-%m}"

    overdue = overdue_in(scope, period)
    by_unit = [b for b in _grouped(rows, "unit_key", "unit__name") if b.key]
    overdue_by_unit = dict(
        overdue.values_list("handling_unit_id").annotate(n=Count("*")).order_by()
    )
    for item in by_unit:
        item.overdue = overdue_by_unit.get(item.key, 0)
    overdue_by_station = dict(overdue.values_list("station_id").annotate(n=Count("*")).order_by())
    by_station = _grouped(rows, "station_id", "station__name")
    for item in by_station:
        item.overdue = overdue_by_station.get(item.key, 0)
    overdue_list = list(
        overdue.select_related("station", "category", "handling_unit").order_by("deadline", "pk")[
            :OVERDUE_LIST_LIMIT
        ]
    )
    return Dashboard(
        scope=scope,
        period=period,
        totals=totals,
        by_month=by_month,
        by_category=_grouped(rows, "category_id", "category__name"),
        by_station=by_station if scope.shows_stations else [],
        by_unit=by_unit,
        by_channel=by_channel,
        overdue=sum(overdue_by_station.values()),
        overdue_list=overdue_list,
        ballots=ballot_figures(scope, period),
        visitors=visitors_in(scope, period),
    )


DELEGATES_BEHIND_LIMIT = 30
BEHIND_CACHE_SECONDS = 600


@dataclass(frozen=True)
class BehindItem:
    code: str
    count: int
    target: int

    @property
    def label(self):
        from delegates.performance import LABELS

        return LABELS.get(self.code, self.code)


@dataclass(frozen=True)
class BehindRow:
    name: str
    items: tuple[BehindItem, ...]


def delegates_behind(scope: Scope, year: int) -> list[BehindRow] | None:
    """Delegates in scope behind a yearly target (from the performance files), or None when
    the performance files are not available or the scope is a unit's.

    Computing every delegate's file is the dearest part of the page, and "behind" moves
    slowly: the result is cached for ten minutes per scope and year.
    """
    try:
        from delegates.performance import performance_for
    except ImportError:
        return None
    if scope.is_units:
        return None
    from delegates.models import Delegate

    ids = "all" if scope.station_ids is None else ",".join(map(str, sorted(scope.station_ids)))
    key = "dashboard:behind:" + hashlib.sha256(f"{year}:{today()}:{ids}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    delegates = Delegate.objects.filter(is_active=True)
    if scope.station_ids is not None:
        delegates = delegates.filter(
            pk__in=Delegate.stations.through.objects.filter(
                station_id__in=scope.station_ids
            ).values("delegate_id")
        )
    rows = performance_for(delegates.order_by("name_pinyin", "name"), year)
    result = [
        BehindRow(
            row.delegate.name,
            tuple(
                BehindItem(str(item.code), item.count, item.target)
                for item in row.items
                if item.is_behind
            ),
        )
        for row in rows
        if row.behind
    ][:DELEGATES_BEHIND_LIMIT]
    cache.set(key, result, BEHIND_CACHE_SECONDS)
    return result
