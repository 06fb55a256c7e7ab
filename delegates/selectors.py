"""Reads of the delegates app: what the public sees of delegates."""

import datetime

from django.db.models import Prefetch, Q, QuerySet

from congress_portal.clock import today

from .models import Delegate, DelegateGroup, Level, Mandate, StationMembership

_LEVEL_ORDER = {level: position for position, level in enumerate(Level.values)}


def current_mandates(*, on: datetime.date | None = None) -> QuerySet[Mandate]:
    """Mandates whose term has not ended on ``on`` (today by default)."""
    on = on or today()
    return Mandate.objects.filter(Q(term__end_date__isnull=True) | Q(term__end_date__gte=on))


def delegate_public_list() -> QuerySet[Delegate]:
    """Serving delegates as the public sees them, with current mandates, stations and groups
    prefetched: four queries for a page, whatever its length.

    ``delegate.current_mandates`` holds the mandates (a delegate sitting at two levels has two),
    ``delegate.public_stations`` the active stations, ``delegate.groups.all`` the groups.
    """
    from stations.models import Station

    return Delegate.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "mandates",
            queryset=current_mandates()
            .select_related("term", "constituency")
            .order_by("level", "-term__number"),
            to_attr="current_mandates",
        ),
        Prefetch(
            "stations",
            queryset=Station.objects.filter(is_active=True).order_by("name"),
            to_attr="public_stations",
        ),
        Prefetch("groups", queryset=DelegateGroup.objects.order_by("kind", "name")),
    )


def delegate_mandates(*, delegate: Delegate) -> list[Mandate]:
    """All of ``delegate``'s mandates, past terms included: higher levels first, the newest
    term first within a level."""
    mandates = delegate.mandates.select_related("term", "constituency")
    return sorted(mandates, key=lambda m: (_LEVEL_ORDER.get(m.level, 99), -m.term.number))


def delegate_memberships(*, delegate: Delegate) -> QuerySet[StationMembership]:
    """Where ``delegate`` is stationed, active stations only."""
    return (
        delegate.memberships.filter(station__is_active=True)
        .select_related("station", "station__region")
        .order_by("station__name")
    )


def delegate_upcoming_duties(*, delegate: Delegate, limit: int = 6):
    """``delegate``'s next duty days at reception days (scheduled, or cancelled with a reason)."""
    from stations.models import DutyAssignment, ReceptionDay

    return (
        DutyAssignment.objects.filter(
            delegate=delegate,
            reception_day__date__gte=today(),
            reception_day__status__in=[
                ReceptionDay.Status.SCHEDULED,
                ReceptionDay.Status.CANCELLED,
            ],
            reception_day__station__is_active=True,
        )
        .select_related("reception_day", "reception_day__station")
        .order_by("reception_day__date")[:limit]
    )


def delegates_with_summary(delegates):
    """Attach ``level_labels`` and ``constituency_names`` (each distinct, in order) to every
    delegate of an evaluated page fetched with ``delegate_public_list``: no query."""
    for delegate in delegates:
        # National first, township last: the order of the Level choices, not the alphabet.
        mandates = sorted(
            getattr(delegate, "current_mandates", []), key=lambda m: _LEVEL_ORDER.get(m.level, 99)
        )
        delegate.level_labels = list(dict.fromkeys(m.get_level_display() for m in mandates))
        delegate.level_codes = list(dict.fromkeys(m.level for m in mandates))
        delegate.constituency_names = list(
            dict.fromkeys(m.constituency.name for m in mandates if m.constituency is not None)
        )
    return delegates
