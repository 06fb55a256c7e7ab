"""Reads of the stations app: what the public sees of stations and their reception days."""

import datetime
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404

from accounts.models import Role
from congress_portal.clock import today

from .models import DutyAssignment, ReceptionDay, ReceptionRule, Region, Station


def in_area(region: Region, station_field: str = "station") -> Q:
    """Rows whose station lies in ``region`` or in an area below it: one indexed prefix match
    on the area's path, at any depth (``station_field=""`` for stations themselves)."""
    prefix = f"{station_field}__" if station_field else ""
    return Q(**{f"{prefix}region__path__startswith": region.path})


def station_public_list() -> QuerySet[Station]:
    """Active stations as the public sees them, with their area and parent."""
    return Station.objects.filter(is_active=True).select_related(
        "region", "region__parent", "parent"
    )


def with_next_reception_day(queryset: QuerySet[Station]) -> QuerySet[Station]:
    """Annotate ``next_day``: the date of each station's next scheduled reception day (one
    subquery, no query per row)."""
    upcoming = ReceptionDay.objects.filter(
        station=OuterRef("pk"), date__gte=today(), status=ReceptionDay.Status.SCHEDULED
    ).order_by("date")
    return queryset.annotate(next_day=Subquery(upcoming.values("date")[:1]))


# --- the public finder: drill down by area, search, paginate ---------------------------------

AREA_COUNTS_KEY = "stations:area-station-counts:v1"
AREA_COUNTS_SECONDS = 60


def _contains(field_name: str, query: str) -> Q:
    # Chinese and digits have no case: a plain LIKE, without the UPPER() per row of icontains.
    lookup = "contains" if query.lower() == query.upper() else "icontains"
    return Q(**{f"{field_name}__{lookup}": query})


# The shared cache is often out of process (the database, Redis): each worker also keeps the
# counts it last read for a while, so that most requests read neither.
_LOCAL_COUNTS: dict = {}
AREA_COUNTS_LOCAL_SECONDS = 30


def _shared_cache_is_local() -> bool:
    return isinstance(caches["default"], LocMemCache)


def area_station_counts() -> dict[int, int]:
    """{area id: active stations in the area and below it}, for every area that has any.

    One grouped query over the stations (5,000 rows at province scale, a few thousand groups
    of areas) rolled up each area's path in Python, kept a minute in the shared cache and
    half a minute more in each worker: the finder's counts may lag a new station by that
    long, and no request scans the stations for them.
    """
    keep_locally = not _shared_cache_is_local()
    if keep_locally:
        held = _LOCAL_COUNTS.get("counts")
        if held is not None and held[0] > time.monotonic():
            return held[1]
    counts = cache.get(AREA_COUNTS_KEY)
    if counts is None:
        totals: dict[int, int] = defaultdict(int)
        rows = (
            Station.objects.filter(is_active=True)
            .values_list("region__path")
            .annotate(stations=Count("*"))
            .order_by()
        )
        for path, stations in rows:
            for part in path.strip("/").split("/"):
                if part:
                    totals[int(part)] += stations
        counts = dict(totals)
        cache.set(AREA_COUNTS_KEY, counts, AREA_COUNTS_SECONDS)
    if keep_locally:
        _LOCAL_COUNTS["counts"] = (time.monotonic() + AREA_COUNTS_LOCAL_SECONDS, counts)
    return counts


def area_trail(area: Region | None) -> list[Region]:
    """The areas from the root down to ``area``, itself included, in one query by the ids in
    its path."""
    if area is None:
        return []
    if area.parent_id is None:
        return [area]
    return list(
        Region.objects.filter(pk__in=area.ancestor_ids)
        .only("id", "name", "kind", "depth")
        .order_by("depth")
    )


def area_children(area: Region | None) -> QuerySet[Region]:
    """The areas directly under ``area`` (the top-level areas for None), by name."""
    queryset = Region.objects.only("id", "name", "kind", "path", "depth", "parent_id")
    if area is None:
        return queryset.filter(parent__isnull=True).order_by("name")
    return queryset.filter(parent=area).order_by("name")


def areas_matching(query: str, *, area: Region | None = None, limit: int = 8) -> list[Region]:
    """Areas whose name contains ``query`` (within ``area`` when given), the higher levels
    first: the finder offers them as places to drill into."""
    queryset = Region.objects.filter(_contains("name", query)).select_related("parent")
    if area is not None:
        queryset = queryset.filter(path__startswith=area.path)
    return list(queryset.order_by("depth", "name")[:limit])


def station_search(queryset: QuerySet[Station], query: str) -> QuerySet[Station]:
    """Stations whose name or address contains ``query``, or whose own area's name does (the
    matching areas as a semi-join)."""
    areas = Region.objects.filter(_contains("name", query)).values("pk")
    return queryset.filter(
        _contains("name", query) | _contains("address", query) | Q(region_id__in=areas)
    )


def station_finder(
    *, area: Region | None = None, query: str = "", kind: str = ""
) -> QuerySet[Station]:
    """Active stations in ``area`` (and below it), matching ``query`` by name, address or the
    name of their own area, of ``kind``; by name, with their next reception day.

    Every condition is an indexed prefix match on the area path or a scan of the 5,000-row
    stations table at worst; the areas matching the query are a semi-join, not a join of
    every area to every station.
    """
    queryset = station_public_list()
    if area is not None:
        queryset = queryset.filter(in_area(area, station_field=""))
    if query:
        queryset = station_search(queryset, query)
    if kind:
        queryset = queryset.filter(kind=kind)
    return with_next_reception_day(queryset.order_by("name"))


@dataclass
class StationNode:
    """One station in the tree of the list page; ``depth`` counts from its group's root."""

    station: Station
    depth: int = 0
    children: list["StationNode"] = field(default_factory=list)
    # True when the station's parent is not on the page (filtered out, or inactive).
    parent_hidden: bool = False


@dataclass
class StationGroup:
    """A root station (usually a delegates' home) and everything under it, flattened in order."""

    root: StationNode
    descendants: list[StationNode] = field(default_factory=list)

    @property
    def size(self) -> int:
        return 1 + len(self.descendants)


_KIND_ORDER = {kind: position for position, kind in enumerate(Station.Kind.values)}


def station_tree(stations) -> list[StationGroup]:
    """Group already-fetched stations by the tree (home → station → contact point), in Python.

    One query in, no query out: the caller passes the evaluated queryset. A station whose parent
    is not among ``stations`` (filtered out by a search, or inactive) becomes a root of its own,
    flagged so that the page can say what it belongs to.
    """
    nodes = {station.pk: StationNode(station=station) for station in stations}
    roots: list[StationNode] = []
    for node in nodes.values():
        parent = nodes.get(node.station.parent_id)
        if parent is None:
            node.parent_hidden = node.station.parent_id is not None
            roots.append(node)
        else:
            parent.children.append(node)

    def sort_key(node: StationNode):
        return (_KIND_ORDER.get(node.station.kind, 99), node.station.name)

    groups = []
    for root in sorted(roots, key=sort_key):
        group = StationGroup(root=root)
        # Depth-first, iteratively: the data allows any depth, and a cycle (which the
        # constraints do not fully rule out over several rows) must not hang the page.
        seen = {root.station.pk}
        stack = [(child, 1) for child in sorted(root.children, key=sort_key, reverse=True)]
        while stack:
            node, depth = stack.pop()
            if node.station.pk in seen:
                continue
            seen.add(node.station.pk)
            node.depth = depth
            group.descendants.append(node)
            stack.extend(
                (child, depth + 1) for child in sorted(node.children, key=sort_key, reverse=True)
            )
        groups.append(group)
    return groups


def station_children(*, station: Station) -> QuerySet[Station]:
    """The active stations directly under ``station``."""
    return station.children.filter(is_active=True).select_related("region")


def station_memberships(*, station: Station):
    """The serving delegates stationed at ``station``, the person in charge first."""
    from delegates.models import StationMembership

    return (
        StationMembership.objects.filter(station=station, delegate__is_active=True)
        .select_related("delegate")
        # "head" sorts before "stationed": the person in charge comes first.
        .order_by("role", "delegate__name_pinyin", "delegate__name")
    )


def station_upcoming_days(
    *, station: Station, limit: int = 6, on_or_after: datetime.date | None = None
) -> QuerySet[ReceptionDay]:
    """The next reception days of ``station``: scheduled ones, and cancelled ones with their
    reason (a resident planning to come must see the cancellation), duty delegates prefetched."""
    start = on_or_after or today()
    return (
        ReceptionDay.objects.filter(
            station=station,
            date__gte=start,
            status__in=[ReceptionDay.Status.SCHEDULED, ReceptionDay.Status.CANCELLED],
        )
        .order_by("date")
        .prefetch_related(
            Prefetch(
                "duties",
                queryset=DutyAssignment.objects.select_related("delegate").order_by(
                    "delegate__name_pinyin", "delegate__name"
                ),
            )
        )[:limit]
    )


def station_rules(*, station: Station) -> QuerySet[ReceptionRule]:
    """The active rules by which ``station``'s reception days recur."""
    return station.rules.filter(is_active=True).order_by("kind", "day_of_month", "weekday")


def station_recent_meetings(*, station: Station, limit: int = 5):
    """The latest meetings held or planned at ``station`` (cancelled ones left out)."""
    from meetings.models import Meeting

    return (
        Meeting.objects.filter(station=station)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-date", "-id")[:limit]
    )


def station_figures(*, station: Station, year: int | None = None) -> dict:
    """This year's suggestion counts at ``station`` for the public figures block, in one query.

    Merged duplicates are not counted: their submitters follow the surviving suggestion.
    ``handled`` = replied or closed; ``in_progress`` = everything else still in the loop.
    """
    from suggestions.models import State, Suggestion

    year = year or today().year
    counts = (
        Suggestion.objects.filter(
            station=station,
            submitted_month__gte=datetime.date(year, 1, 1),
            submitted_month__lt=datetime.date(year + 1, 1, 1),
        )
        .exclude(state=State.MERGED)
        .aggregate(
            received=Count("pk"),
            handled=Count("pk", filter=Q(state__in=[State.REPLIED, State.CLOSED])),
        )
    )
    visitors = ReceptionDay.objects.filter(
        station=station, date__year=year, status=ReceptionDay.Status.HELD
    ).aggregate(total=Sum("visitors"))["total"]
    return {
        "year": year,
        "visitors": visitors or 0,
        "received": counts["received"],
        "handled": counts["handled"],
        "in_progress": counts["received"] - counts["handled"],
    }


def station_rollup_figures(*, station: Station, year: int | None = None) -> dict:
    """``station_figures`` read from the dashboard's maintained rollups instead of the
    suggestions: at most a few hundred rollup rows of the station's year (one per month,
    category, channel and unit, through their (station, month) index), however many
    suggestions a busy station has. The same figures: merged duplicates left out, handled =
    replied or closed now."""
    from dashboard.scopes import Scope
    from dashboard.selectors import rollups_in

    year = year or today().year
    totals = rollups_in(
        Scope(station_ids=frozenset({station.pk})),
        datetime.date(year, 1, 1),
        datetime.date(year, 12, 1),
    ).aggregate(
        received=Sum("received"),
        merged=Sum("now_merged"),
        replied=Sum("now_replied"),
        closed=Sum("now_closed"),
    )
    received = (totals["received"] or 0) - (totals["merged"] or 0)
    handled = (totals["replied"] or 0) + (totals["closed"] or 0)
    visitors = ReceptionDay.objects.filter(
        station=station, date__year=year, status=ReceptionDay.Status.HELD
    ).aggregate(total=Sum("visitors"))["total"]
    return {
        "year": year,
        "visitors": visitors or 0,
        "received": received,
        "handled": handled,
        "in_progress": received - handled,
    }


def _duties_prefetch() -> Prefetch:
    return Prefetch(
        "duties",
        queryset=DutyAssignment.objects.select_related("delegate").order_by(
            "delegate__name_pinyin", "delegate__name"
        ),
    )


def station_year_days(*, station: Station, year: int) -> QuerySet[ReceptionDay]:
    """Every reception day of ``station`` in ``year``, cancelled ones included, by date."""
    return (
        ReceptionDay.objects.filter(station=station, date__year=year)
        .order_by("date")
        .prefetch_related(_duties_prefetch())
    )


def station_month_days(*, station: Station, year: int, month: int) -> QuerySet[ReceptionDay]:
    """The reception days of ``station`` in one month (the bulletin's), duty prefetched."""
    return station_year_days(station=station, year=year).filter(date__month=month)


FEED_PAST_DAYS = 92
FEED_FUTURE_DAYS = 400


def feed_days(*, station: Station | None = None) -> QuerySet[ReceptionDay]:
    """Reception days for the iCalendar feed: the last three months and the year ahead, of
    active stations (one station, or all)."""
    start = today() - datetime.timedelta(days=FEED_PAST_DAYS)
    end = today() + datetime.timedelta(days=FEED_FUTURE_DAYS)
    queryset = ReceptionDay.objects.filter(
        date__range=(start, end), station__is_active=True
    ).select_related("station")
    if station is not None:
        queryset = queryset.filter(station=station)
    return queryset.order_by("date", "station__name").prefetch_related(_duties_prefetch())


# --- station staff --------------------------------------------------------------------------


def stations_managed_by(user) -> QuerySet[Station]:
    """Stations ``user`` may manage: office all; station staff their stations and those nested
    under them; nobody else any."""
    queryset = Station.objects.select_related("region", "parent")
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_office:
        return queryset
    if user.role == Role.STATION_STAFF:
        from suggestions.selectors import station_ids_in_scope

        return queryset.filter(pk__in=station_ids_in_scope(user))
    return queryset.none()


def managed_station_or_404(user, pk) -> Station:
    try:
        return stations_managed_by(user).get(pk=pk)
    except Station.DoesNotExist as error:
        raise Http404 from error


def managed_rule_or_404(user, pk) -> ReceptionRule:
    try:
        return ReceptionRule.objects.select_related("station").get(
            pk=pk, station__in=stations_managed_by(user)
        )
    except ReceptionRule.DoesNotExist as error:
        raise Http404 from error


def managed_day_or_404(user, pk) -> ReceptionDay:
    try:
        return (
            ReceptionDay.objects.select_related("station", "rule", "logged_by")
            .prefetch_related(_duties_prefetch())
            .get(pk=pk, station__in=stations_managed_by(user))
        )
    except ReceptionDay.DoesNotExist as error:
        raise Http404 from error


def station_all_rules(*, station: Station) -> QuerySet[ReceptionRule]:
    """Every rule of ``station``, active first."""
    return station.rules.order_by("-is_active", "kind", "day_of_month", "weekday", "pk")


def station_schedule_days(
    *, station: Station, upcoming: bool, limit: int = 40
) -> QuerySet[ReceptionDay]:
    """The station's upcoming days (soonest first) or past days (latest first) for staff."""
    queryset = (
        ReceptionDay.objects.filter(station=station)
        .select_related("rule")
        .prefetch_related(_duties_prefetch())
        .annotate(suggestion_count=Count("suggestions", distinct=True))
    )
    if upcoming:
        return queryset.filter(date__gte=today()).order_by("date")[:limit]
    return queryset.filter(date__lt=today()).order_by("-date")[:limit]


def station_log_days(*, station: Station) -> QuerySet[ReceptionDay]:
    """The station's 接待记录 ledger: logged days, latest first, with suggestion counts."""
    return (
        ReceptionDay.objects.filter(station=station, logged_at__isnull=False)
        .select_related("logged_by")
        .prefetch_related(_duties_prefetch())
        .annotate(suggestion_count=Count("suggestions", distinct=True))
        .order_by("-date")
    )


@dataclass
class RotationRow:
    """One stationed delegate as the rotation sees them before a given day."""

    delegate: object
    duties_this_year: int
    last_duty: datetime.date | None
    suggested: bool = False


def duty_rotation_table(*, day: ReceptionDay, size: int | None = None) -> list[RotationRow]:
    """The station's serving delegates in the order of a fair rotation for ``day``: fewest
    duties this year before the day first, then the longest since their last duty (never on
    duty first), then a stable order by name. The first ``size`` (the rule's duty count, 2 by
    default) are the suggestion. Cancelled days do not count."""
    from delegates.models import Delegate

    if size is None:
        size = day.rule.duty_delegates if day.rule_id and day.rule else 2
    delegates = list(
        Delegate.objects.filter(memberships__station=day.station, is_active=True)
        .annotate(
            year_duties=Count(
                "duties",
                filter=Q(
                    duties__reception_day__station=day.station,
                    duties__reception_day__date__year=day.date.year,
                    duties__reception_day__date__lt=day.date,
                )
                & ~Q(duties__reception_day__status=ReceptionDay.Status.CANCELLED),
                distinct=True,
            ),
        )
        .distinct()
    )
    last = dict(
        DutyAssignment.objects.filter(
            reception_day__station=day.station,
            reception_day__date__lt=day.date,
            delegate__in=delegates,
        )
        .exclude(reception_day__status=ReceptionDay.Status.CANCELLED)
        .values("delegate")
        .annotate(last=Max("reception_day__date"))
        .values_list("delegate", "last")
    )
    rows = [
        RotationRow(delegate=d, duties_this_year=d.year_duties, last_duty=last.get(d.pk))
        for d in delegates
    ]
    rows.sort(
        key=lambda row: (
            row.duties_this_year,
            row.last_duty or datetime.date.min,
            row.delegate.name_pinyin,
            row.delegate.name,
            row.delegate.pk,
        )
    )
    for row in rows[:size]:
        row.suggested = True
    return rows


def duty_rotation(*, day: ReceptionDay, size: int | None = None) -> list:
    """The delegates the fair rotation puts on duty at ``day``."""
    return [row.delegate for row in duty_rotation_table(day=day, size=size) if row.suggested]


def delegate_duty_days(*, delegate, upcoming: bool) -> QuerySet[DutyAssignment]:
    """A delegate's duty assignments: upcoming (soonest first) or past (latest first)."""
    queryset = DutyAssignment.objects.filter(delegate=delegate).select_related(
        "reception_day", "reception_day__station"
    )
    if upcoming:
        return queryset.filter(reception_day__date__gte=today()).order_by("reception_day__date")
    return queryset.filter(reception_day__date__lt=today()).order_by("-reception_day__date")[:50]


def calendar_year_periods(year: int) -> list[dict]:
    """The year's entered holidays, each with its days off and make-up working days, in the
    order they fall (one query: a year has some forty rows)."""
    from .models import CalendarDay

    rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday", "name")
    return group_calendar_days(rows)


def group_calendar_days(rows) -> list[dict]:
    """(date, is working day, name) rows grouped by holiday, ordered by its first day off."""
    periods: dict[str, dict] = {}
    for date, is_workday, name in sorted(rows):
        period = periods.setdefault(
            name, {"name": name, "holidays": [], "workdays": [], "first": date}
        )
        period["workdays" if is_workday else "holidays"].append(date)
    for period in periods.values():
        # Ordered by the first day off (a make-up day may come before it).
        if period["holidays"]:
            period["first"] = period["holidays"][0]
    return sorted(periods.values(), key=lambda period: period["first"])
