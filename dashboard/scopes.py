"""Who sees which figures: the dashboard's scope, decided once per request.

Office: everything, drilled down by area (province → city → district → street) or narrowed to
one station. Station staff and delegates: their stations and those nested below
(``suggestions.selectors.station_ids_in_scope``). Handling-unit staff: what is with their units.
A station or area asked for outside that scope is a 404, never a 403.

A scope reads its figures where they are kept at its grain: an area (or the whole province)
from ``AreaRollup``, a set of stations or units from ``SuggestionRollup``.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role
from stations.models import Region, Station
from suggestions.selectors import station_ids_in_scope

from .rollups import AREA_KINDS

PICKER_REGION_KINDS = (Region.Kind.DISTRICT, Region.Kind.STREET, Region.Kind.TOWNSHIP)
# Stations are listed one by one (a table row, a picker option) only in scopes this small;
# above it the page drills down by area instead.
STATION_LIST_LIMIT = 100
_KIND_ORDER = {kind: position for position, kind in enumerate(Region.Kind.values)}


@dataclass
class Scope:
    """``station_ids`` / ``unit_ids`` / ``area_ids`` None mean "no limit" on that dimension.

    ``area_ids`` is set when the scope is one area, or all of them (the office with no area
    chosen: the roots of the area tree), and its figures come from the area rollup.
    """

    station_ids: frozenset[int] | None = None
    unit_ids: frozenset[int] | None = None
    area_ids: tuple[int, ...] | None = None
    region: Region | None = None
    station: Station | None = None
    is_units: bool = False
    allowed_station_ids: frozenset[int] | None = None
    breadcrumb: list = field(default_factory=list)  # areas from the root down to ``region``
    child_areas: list = field(default_factory=list)  # the areas one level down
    picker_regions: list = field(default_factory=list)
    picker_stations: list = field(default_factory=list)
    station_count: int = 0

    @property
    def link_params(self) -> dict:
        """The desk list's filters for this scope (the desk scopes by role by itself)."""
        if self.station is not None:
            return {"station": self.station.pk}
        if self.region is not None:
            return {"region": self.region.pk}
        return {}

    @property
    def shows_stations(self) -> bool:
        return not self.is_units and 0 < self.station_count <= STATION_LIST_LIMIT

    @property
    def is_area(self) -> bool:
        return self.area_ids is not None

    def stations(self) -> QuerySet[Station] | None:
        """The stations whose suggestions are in scope, or None for every station."""
        if self.station_ids is not None:
            return Station.objects.filter(pk__in=self.station_ids)
        if self.region is not None:
            return Station.objects.filter(region__path__startswith=self.region.path)
        return None


def _parse_pk(value) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Http404("bad id")
    return int(value)


def _ancestors(region: Region) -> list[Region]:
    """The areas from the root down to ``region`` (itself included), one query."""
    ids = region.ancestor_ids
    found = {r.pk: r for r in Region.objects.filter(pk__in=ids).only("id", "name", "kind", "path")}
    return [found[pk] for pk in ids if pk in found]


def _children(parent: Region | None) -> list[Region]:
    """The areas one level below ``parent`` (the roots for None) that keep area figures."""
    regions = Region.objects.filter(parent=parent, kind__in=AREA_KINDS).only(
        "id", "name", "kind", "path", "parent_id"
    )
    return sorted(regions, key=lambda r: (_KIND_ORDER.get(r.kind, 99), r.name))


def _office_scope(scope: Scope, region_pk: int | None) -> None:
    """The whole province, or one area of it, drilled down by area."""
    if region_pk is None:
        roots = _children(None)
        scope.area_ids = tuple(r.pk for r in roots)
        # One province (the usual case): its cities are the first level to drill into.
        scope.child_areas = _children(roots[0]) if len(roots) == 1 else roots
        scope.station_count = Station.objects.count()
        return
    region = Region.objects.filter(pk=region_pk).first()
    if region is None:
        raise Http404("no such area")
    scope.region = region
    scope.breadcrumb = _ancestors(region)
    stations = Station.objects.filter(region__path__startswith=region.path)
    scope.station_count = stations.count()
    if region.kind in AREA_KINDS:
        scope.area_ids = (region.pk,)
        scope.child_areas = _children(region)
    else:
        # A community or village: its one or two stations' figures.
        scope.station_ids = frozenset(stations.values_list("pk", flat=True))


def scope_for(user, *, station: str = "", region: str = "") -> Scope:
    """The scope of ``user``'s dashboard, narrowed to the ``station`` or ``region`` asked for."""
    station_pk, region_pk = _parse_pk(station), _parse_pk(region)
    if user.is_office:
        scope = Scope()
        _office_scope(scope, region_pk)
    elif user.role in (Role.STATION_STAFF, Role.DELEGATE):
        allowed = frozenset(station_ids_in_scope(user))
        scope = Scope(station_ids=allowed, allowed_station_ids=allowed)
        _own_stations_scope(scope, allowed, region_pk)
    elif user.role == Role.UNIT_STAFF:
        if region_pk is not None:
            raise Http404("no areas for a unit")
        units = frozenset(user.handling_units.values_list("id", flat=True))
        scope = Scope(unit_ids=units, is_units=True)
    else:
        raise Http404("no dashboard for this account")

    if not scope.is_units and scope.station_count <= STATION_LIST_LIMIT:
        stations = scope.stations()
        stations = Station.objects.all() if stations is None else stations
        scope.picker_stations = list(stations.only("id", "name").order_by("name"))
    if station_pk is not None:
        _narrow_to_station(scope, station_pk)
    return scope


def _own_stations_scope(scope: Scope, allowed: frozenset[int], region_pk: int | None) -> None:
    """Station staff and delegates: their stations, or those of them in one area."""
    holding = Region.objects.filter(
        pk__in=Station.objects.filter(pk__in=allowed).values("region_id")
    ).only("id", "path")
    ancestor_ids = {pk for region in holding for pk in region.ancestor_ids}
    picker = Region.objects.filter(pk__in=ancestor_ids, kind__in=PICKER_REGION_KINDS)
    scope.picker_regions = sorted(
        picker.only("id", "name", "kind"),
        key=lambda r: (PICKER_REGION_KINDS.index(r.kind), r.name),
    )
    if region_pk is not None:
        region = Region.objects.filter(pk=region_pk).first()
        if region is None:
            raise Http404("no such area")
        in_area = frozenset(
            Station.objects.filter(
                pk__in=allowed, region__path__startswith=region.path
            ).values_list("pk", flat=True)
        )
        if not in_area:
            raise Http404("area out of scope")
        scope.region = region
        scope.station_ids = in_area
    scope.station_count = len(scope.station_ids)


def _narrow_to_station(scope: Scope, station_pk: int) -> None:
    chosen = Station.objects.filter(pk=station_pk).only("id", "name", "region_id").first()
    if chosen is None or scope.is_units:
        raise Http404("no such station")
    if scope.allowed_station_ids is not None and chosen.pk not in scope.allowed_station_ids:
        raise Http404("station out of scope")
    if scope.region is not None and not (
        Station.objects.filter(pk=chosen.pk, region__path__startswith=scope.region.path).exists()
    ):
        raise Http404("station outside the area")
    scope.station = chosen
    scope.station_ids = frozenset({chosen.pk})
    scope.area_ids = None
    scope.child_areas = []
    scope.station_count = 1
