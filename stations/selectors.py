"""Reads of the stations app: what the public sees of stations and their reception days."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from congress_portal.clock import today

from .models import DutyAssignment, ReceptionDay, ReceptionRule, Station


def station_public_list() -> QuerySet[Station]:
    """Active stations as the public sees them, with their area and parent."""
    return Station.objects.filter(is_active=True).select_related(
        "region", "region__parent", "parent"
    )


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
    return {
        "year": year,
        "received": counts["received"],
        "handled": counts["handled"],
        "in_progress": counts["received"] - counts["handled"],
    }
