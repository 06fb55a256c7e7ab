"""Who sees which figures: the dashboard's scope, decided once per request.

Office: everything. Station staff and delegates: their stations and those nested below
(``suggestions.selectors.station_ids_in_scope``). Handling-unit staff: what is with their units.
A station or area asked for outside that scope is a 404, never a 403.
"""

from dataclasses import dataclass, field

from django.http import Http404

from accounts.models import Role
from stations.models import Region, Station
from suggestions.selectors import station_ids_in_scope

PICKER_REGION_KINDS = (Region.Kind.DISTRICT, Region.Kind.STREET, Region.Kind.TOWNSHIP)
MAX_REGION_DEPTH = 5


@dataclass
class Scope:
    """``station_ids`` / ``unit_ids`` None mean "no limit" on that dimension."""

    station_ids: frozenset[int] | None = None
    unit_ids: frozenset[int] | None = None
    region: Region | None = None
    station: Station | None = None
    is_units: bool = False
    allowed_station_ids: frozenset[int] | None = None
    picker_regions: list = field(default_factory=list)
    picker_stations: list = field(default_factory=list)

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
        return not self.is_units


def _parse_pk(value) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Http404("bad id")
    return int(value)


def _region_descendants(root: int) -> set[int]:
    found, frontier = {root}, {root}
    for _ in range(MAX_REGION_DEPTH):
        frontier = (
            set(Region.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        )
        if not frontier:
            break
        found |= frontier
    return found


def _region_ancestors(region_ids: set[int]) -> dict[int, Region]:
    found: dict[int, Region] = {}
    frontier = set(region_ids)
    for _ in range(MAX_REGION_DEPTH + 1):
        frontier -= set(found)
        if not frontier:
            break
        level = list(Region.objects.filter(pk__in=frontier).only("id", "name", "kind", "parent"))
        found.update((region.pk, region) for region in level)
        frontier = {region.parent_id for region in level if region.parent_id}
    return found


def scope_for(user, *, station: str = "", region: str = "") -> Scope:
    """The scope of ``user``'s dashboard, narrowed to the ``station`` or ``region`` asked for."""
    if user.is_office:
        allowed = None
        scope = Scope()
    elif user.role in (Role.STATION_STAFF, Role.DELEGATE):
        allowed = frozenset(station_ids_in_scope(user))
        scope = Scope(station_ids=allowed)
    elif user.role == Role.UNIT_STAFF:
        allowed = None
        units = frozenset(user.handling_units.values_list("id", flat=True))
        scope = Scope(unit_ids=units, is_units=True)
    else:
        raise Http404("no dashboard for this account")
    scope.allowed_station_ids = allowed
    station_pk, region_pk = _parse_pk(station), _parse_pk(region)

    stations = Station.objects.only("id", "name", "region_id").order_by("name")
    if allowed is not None:
        stations = stations.filter(pk__in=allowed)
    if region_pk is not None:
        if scope.is_units:
            raise Http404("no areas for a unit")
        area = _region_descendants(region_pk)
        in_area = list(stations.filter(region_id__in=area))
        scope.region = Region.objects.filter(pk=region_pk).first()
        if scope.region is None or (allowed is not None and not in_area):
            raise Http404("area out of scope")
        scope.station_ids = frozenset(s.pk for s in in_area)
        scope.picker_stations = in_area
    elif not scope.is_units:
        scope.picker_stations = list(stations)

    if station_pk is not None:
        chosen = Station.objects.filter(pk=station_pk).first()
        if chosen is None or (allowed is not None and chosen.pk not in allowed):
            raise Http404("station out of scope")
        if scope.station_ids is not None and scope.region is not None:
            if chosen.pk not in scope.station_ids:
                raise Http404("station outside the area")
        scope.station = chosen
        scope.station_ids = frozenset({chosen.pk})

    if user.is_office:
        scope.picker_regions = list(
            Region.objects.filter(kind__in=PICKER_REGION_KINDS).only("id", "name", "kind")
        )
    elif not scope.is_units:
        holding = _region_ancestors({s.region_id for s in stations})
        scope.picker_regions = [r for r in holding.values() if r.kind in PICKER_REGION_KINDS]
    scope.picker_regions.sort(key=lambda r: (PICKER_REGION_KINDS.index(r.kind), r.name))
    return scope
