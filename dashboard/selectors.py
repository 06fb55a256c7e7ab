"""Reads of the dashboard: figures summed from the rollups, the few live counts beside them.

Every figure is about the suggestions *submitted* in the period and in scope, as they stand
now — the same set the desk list shows for ``submitted_after``/``submitted_before`` and the
scope's filters, so that each number links to exactly the suggestions behind it.
"""

import datetime
import hashlib
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.cache import cache
from django.db.models import BigIntegerField, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils.translation import get_language

from congress_portal.clock import today
from stations.models import Station
from suggestions.models import (
    WITH_UNIT_STATES,
    Category,
    Channel,
    HandlingUnit,
    State,
    Suggestion,
)

from .models import (
    COUNTERS,
    GAUGES,
    OVERDUE,
    AreaRollup,
    BallotRollup,
    NodeKind,
    ReceptionRollup,
    SuggestionRollup,
)
from .periods import Period, add_months
from .scopes import Scope

# Cast: PostgreSQL sums bigints as numeric, which arrives as Decimal, converted value by value.
SUMS = {name: Cast(Sum(name), BigIntegerField()) for name in (*COUNTERS, *GAUGES.values(), OVERDUE)}
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
    def overdue(self) -> int:
        """With a unit and past the deadline (as of the hourly refresh or the last step)."""
        return self.values[OVERDUE]

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
        """按期答复率: replies in time over replies made *and* suggestions past their deadline
        still unanswered (the overdue gauge): a unit that lets items run late is not at 100 %
        because it has not replied to them yet."""
        return _ratio(self.values["unit_on_time"], self.values["unit_replies"] + self.overdue)

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
    """The fine rollup's rows of a scope of stations or units (never of an area)."""
    rows = SuggestionRollup.objects.filter(month__gte=first_month, month__lte=last_month)
    if scope.station_ids is not None:
        rows = rows.filter(station_id__in=scope.station_ids)
    if scope.unit_ids is not None:
        rows = rows.filter(unit_key__in=scope.unit_ids)
    return rows


def area_rollups_in(
    area_ids, dimension: str, first_month: datetime.date, last_month: datetime.date
) -> QuerySet:
    """The area rollup's rows of some areas for one dimension (through its unique index)."""
    return AreaRollup.objects.filter(
        area_id__in=area_ids,
        dimension=dimension,
        month__gte=first_month,
        month__lte=last_month,
    )


def suggestions_in(scope: Scope, period: Period) -> QuerySet[Suggestion]:
    """The suggestions behind the figures, for the few counts that depend on today."""
    qs = Suggestion.objects.filter(
        submitted_month__gte=period.first_month, submitted_month__lte=period.last_month
    )
    if scope.station_ids is not None:
        qs = qs.filter(station_id__in=scope.station_ids)
    elif scope.region is not None:
        qs = qs.filter(station__region__path__startswith=scope.region.path)
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


def _breakdowns(rows: QuerySet, key: str, convert=None) -> list[Breakdown]:
    result = []
    for row in rows.values(key).annotate(**SUMS).order_by(key):
        if not row["received"]:
            continue  # every suggestion of the key moved on to another unit
        figures = Figures()
        figures.add(row)
        value = row[key] if convert is None else convert(row[key])
        result.append(Breakdown(value, "", figures))
    return result


# The fine rollup's column for each dimension of the area rollup.
FINE_COLUMNS = {
    AreaRollup.Dimension.ALL: None,
    AreaRollup.Dimension.CATEGORY: "category_id",
    AreaRollup.Dimension.CHANNEL: "channel",
    AreaRollup.Dimension.UNIT: "unit_key",
}


def breakdown(scope: Scope, dimension: str, first_month, last_month, by_month=False):
    """The scope's figures split by ``dimension`` (or by month, for the ``all`` dimension),
    from the rollup kept at the scope's grain. Keys: ids for category and unit, the channel's
    value, the month."""
    convert = (
        int if dimension in (AreaRollup.Dimension.CATEGORY, AreaRollup.Dimension.UNIT) else None
    )
    if scope.is_area and dimension == AreaRollup.Dimension.UNIT and not by_month:
        return _breakdowns(_unit_rows(scope.area_ids, first_month, last_month), "key", int)
    if scope.is_area:
        rows = area_rollups_in(scope.area_ids, dimension, first_month, last_month)
        return _breakdowns(rows, "month" if by_month else "key", None if by_month else convert)
    rows = rollups_in(scope, first_month, last_month)
    column = "month" if by_month else FINE_COLUMNS[dimension]
    found = _breakdowns(rows, column)
    if dimension == AreaRollup.Dimension.UNIT:
        found = [item for item in found if item.key]
    return found


def _unit_rows(area_ids, first_month: datetime.date, last_month: datetime.date) -> QuerySet:
    """The unit rows of a period: a whole-year row for each calendar year it covers, month rows
    for the rest (a province's year is then one row per unit)."""
    years, months = [], []
    month = first_month
    while month <= last_month:
        if month.month == 1 and add_months(month, 11) <= last_month:
            years.append(month)
            month = add_months(month, 12)
        else:
            months.append(month)
            month = add_months(month, 1)
    dim = AreaRollup.Dimension
    return AreaRollup.objects.filter(area_id__in=area_ids).filter(
        Q(dimension=dim.UNIT_YEAR, month__in=years) | Q(dimension=dim.UNIT, month__in=months)
    )


def _labelled(items: list[Breakdown], model, field: str = "name") -> list[Breakdown]:
    names = dict(model.objects.filter(pk__in=[i.key for i in items]).values_list("pk", field))
    for item in items:
        item.label = names.get(item.key, "")
    return items


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


def scope_nodes(scope: Scope) -> tuple[str, object]:
    """The nodes of the small rollups (reception days, ballots) a scope's figures sum."""
    if scope.is_units:
        return NodeKind.UNIT, scope.unit_ids
    if scope.is_area:
        return NodeKind.AREA, scope.area_ids
    return NodeKind.STATION, scope.station_ids


def _node_rows(model, scope: Scope, period: Period) -> QuerySet:
    kind, nodes = scope_nodes(scope)
    return model.objects.filter(
        kind=kind, node__in=nodes, month__gte=period.first_month, month__lte=period.last_month
    )


def ballot_figures(scope: Scope, period: Period) -> BallotFigures:
    """Votes of closed secret-ballot sessions (选民评单会) held in the period, on suggestions
    in scope: ballots cast on phones and paper tallies entered by staff (counted when each
    session closed, ``BallotRollup``)."""
    sums = _node_rows(BallotRollup, scope, period).aggregate(
        satisfied=Sum("satisfied"), basic=Sum("basic"), unsatisfied=Sum("unsatisfied")
    )
    return BallotFigures(**{name: value or 0 for name, value in sums.items()})


def visitors_in(scope: Scope, period: Period) -> int | None:
    """Residents received at the reception days held in the period (None for a unit)."""
    if scope.is_units:
        return None
    return _node_rows(ReceptionRollup, scope, period).aggregate(n=Sum("visitors"))["n"] or 0


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    totals: Figures
    by_month: list[Breakdown]
    by_category: list[Breakdown]
    by_area: list[Breakdown]
    by_station: list[Breakdown]
    by_unit: list[Breakdown]
    units_in_all: int
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
# The units with the most suggestions with them now; a province has thousands.
UNIT_TABLE_LIMIT = 30


def _by_area(scope: Scope, period: Period) -> list[Breakdown]:
    """Each area one level down, with its figures (zero too: a street with nothing is worth
    seeing); one query however many areas."""
    children = {area.pk: area for area in scope.child_areas}
    if not children:
        return []
    rows = area_rollups_in(
        children, AreaRollup.Dimension.ALL, period.first_month, period.last_month
    )
    found = {item.key: item for item in _breakdowns(rows, "area_id")}
    items = []
    for pk, area in children.items():
        item = found.get(pk) or Breakdown(pk, "", Figures())
        item.label = area.name
        item.overdue = item.figures.overdue
        items.append(item)
    return items


def _by_station(scope: Scope, period: Period) -> list[Breakdown]:
    """Each station of a small scope."""
    if not scope.shows_stations:
        return []
    if scope.station_ids is not None:
        ids = scope.station_ids
    else:
        stations = scope.stations()
        stations = Station.objects.all() if stations is None else stations
        ids = frozenset(stations.values_list("pk", flat=True))
    rows = SuggestionRollup.objects.filter(
        station_id__in=ids, month__gte=period.first_month, month__lte=period.last_month
    )
    items = _labelled(_breakdowns(rows, "station_id"), Station)
    for item in items:
        item.overdue = item.figures.overdue
    return items


def _by_unit(scope: Scope, period: Period) -> tuple[list[Breakdown], int]:
    """The units with the most suggestions with them now (at most UNIT_TABLE_LIMIT), and how
    many units hold suggestions of the scope in all."""
    items = breakdown(scope, AreaRollup.Dimension.UNIT, period.first_month, period.last_month)
    items.sort(key=lambda item: (-item.figures.with_unit, -item.figures.received, item.key))
    shown = _labelled(items[:UNIT_TABLE_LIMIT], HandlingUnit)
    for item in shown:
        item.overdue = item.figures.overdue
    return shown, len(items)


def dashboard_for(scope: Scope, period: Period) -> Dashboard:
    first, last = period.first_month, period.last_month
    by_channel = breakdown(scope, AreaRollup.Dimension.CHANNEL, first, last)
    labels = dict(Channel.choices)
    for item in by_channel:
        item.label = str(labels.get(item.key, item.key))
    totals = Figures()
    for item in by_channel:
        totals.add(item.figures.values)

    trend_first, trend_last = trend_months(period)
    by_month = breakdown(scope, AreaRollup.Dimension.ALL, trend_first, trend_last, by_month=True)
    for item in by_month:
        item.label = f"{item.key:%Y-%m}"

    by_unit, units_in_all = _by_unit(scope, period)
    overdue_list = list(
        overdue_in(scope, period)
        .select_related("station", "category", "handling_unit")
        .order_by("deadline", "pk")[:OVERDUE_LIST_LIMIT]
    )
    return Dashboard(
        scope=scope,
        period=period,
        totals=totals,
        by_month=by_month,
        by_category=_labelled(
            breakdown(scope, AreaRollup.Dimension.CATEGORY, first, last), Category
        ),
        by_area=_by_area(scope, period),
        by_station=_by_station(scope, period),
        by_unit=by_unit,
        units_in_all=units_in_all,
        by_channel=by_channel,
        overdue=totals.overdue,
        overdue_list=overdue_list,
        ballots=ballot_figures(scope, period),
        visitors=visitors_in(scope, period),
    )


def _scope_key(scope: Scope) -> str:
    """Everything that decides what a scope's dashboard holds: two users whose scopes differ
    in any of it never share a cached dashboard."""

    def ids(values):
        return None if values is None else sorted(values)

    return repr(
        (
            ids(scope.station_ids),
            ids(scope.unit_ids),
            None if scope.area_ids is None else list(scope.area_ids),
            scope.region.pk if scope.region is not None else None,
            scope.station.pk if scope.station is not None else None,
            scope.is_units,
            ids(scope.allowed_station_ids),
        )
    )


def cached_dashboard_for(scope: Scope, period: Period) -> Dashboard:
    """``dashboard_for``, kept DASHBOARD_CACHE_SECONDS per scope, period, day and language
    (labels are translated when the figures are read)."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return dashboard_for(scope, period)
    which = f"{_scope_key(scope)}|{period!r}|{today()}|{get_language()}"
    # The version in the key: a deploy that changes what is cached never reads the old shape.
    key = "dashboard:figures:v1:" + hashlib.sha256(which.encode()).hexdigest()
    kept = cache.get(key)
    if kept is not None:
        return replace(kept, scope=scope)
    result = dashboard_for(scope, period)
    # The scope is the request's own (its pickers, its breadcrumb): not kept.
    cache.set(key, replace(result, scope=None), seconds)
    return result


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


@dataclass(frozen=True)
class Behind:
    """The delegates of a scope behind their targets; ``rows`` is None when the scope holds
    too many delegates to compute their files on a dashboard (a city, a province): the page
    links to the performance files instead."""

    rows: tuple[BehindRow, ...] | None
    delegates: int
    # How many are behind in all: ``rows`` holds the first DELEGATES_BEHIND_LIMIT of them and
    # the page links to the paginated performance list for the rest.
    behind: int = 0

    @property
    def more(self) -> bool:
        return self.rows is not None and self.behind > len(self.rows)


# Computing a delegate's file reads their year; a province's 20,000 have their own list.
BEHIND_MAX_DELEGATES = 500


def delegates_behind(scope: Scope, year: int) -> Behind | None:
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
    from delegates.models import Delegate, StationMembership

    delegates = Delegate.objects.filter(is_active=True)
    stations = scope.stations()
    if stations is not None:
        delegates = delegates.filter(
            pk__in=StationMembership.objects.filter(station__in=stations).values("delegate_id")
        )
    count = delegates.count()
    if count > BEHIND_MAX_DELEGATES:
        return Behind(None, count)
    if scope.station_ids is not None:
        which = ",".join(map(str, sorted(scope.station_ids)))
    else:
        which = f"area:{scope.region.pk}" if scope.region is not None else "all"
    # The version in the key: a deploy that changes what is cached never reads the old shape.
    key = "dashboard:behind:v3:" + hashlib.sha256(f"{year}:{today()}:{which}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = [
        row
        for row in performance_for(delegates.order_by("name_pinyin", "name"), year)
        if row.behind
    ]
    result = Behind(
        tuple(
            BehindRow(
                row.delegate.name,
                tuple(
                    BehindItem(str(item.code), item.count, item.target)
                    for item in row.items
                    if item.is_behind
                ),
            )
            for row in rows[:DELEGATES_BEHIND_LIMIT]
        ),
        count,
        len(rows),
    )
    cache.set(key, result, BEHIND_CACHE_SECONDS)
    return result
