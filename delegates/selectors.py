"""Reads of the delegates app: what the public sees of delegates."""

import datetime
import unicodedata

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from congress_portal.clock import today

from .models import (
    Activity,
    Delegate,
    DelegateGroup,
    DiaryEntry,
    Level,
    Mandate,
    StationMembership,
)

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


def delegate_search(queryset: QuerySet[Delegate], query: str) -> QuerySet[Delegate]:
    """Delegates whose name, full pinyin or pinyin initials start with ``query``: "张", "张建",
    "zh", "zhang", "zhang jian", "zhangjianhua", "zjh" all find 张建华.

    Only prefix matches, each on an indexed column (migration 0005), so a search costs an
    index range scan at any number of delegates: the columns are stored in lower case
    without spaces, and the query is folded the same way (NFKC folds full-width letters).
    """
    compact = "".join(unicodedata.normalize("NFKC", query).split()).lower()
    if not compact:
        return queryset
    if compact.isascii():
        matches = Q(name_pinyin__startswith=compact) | Q(name_initials__startswith=compact)
    else:
        matches = Q(name__startswith=compact)
    # Ordered by an expression no index provides: otherwise PostgreSQL walks the whole
    # name_pinyin index in order hoping to meet 30 matches early (14 ms for "zh", which sorts
    # last), instead of the prefix index scans and a sort of the matches (1.4 ms). The column
    # is lower case already, so the order is the same.
    return queryset.filter(matches).order_by(Lower("name_pinyin"), "name")


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


# --- logged-in pages: what each user may see of delegates' records ---------------------------


def user_delegate(user) -> Delegate | None:
    """The delegate a delegate account speaks for, or None (other roles, unlinked)."""
    from accounts.models import Role

    if not user.is_authenticated or user.role != Role.DELEGATE:
        return None
    delegate = getattr(user, "delegate", None)
    return delegate if delegate is not None and delegate.is_active else None


def can_keep_records(user) -> bool:
    """Who records activities and diary notes: delegates (their own) and the office (any)."""
    return user.is_authenticated and (user.is_office or user_delegate(user) is not None)


def activities_visible_to(user) -> QuerySet[Activity]:
    """Office: every activity; a delegate: the ones they take part in; others: none."""
    qs = Activity.objects.select_related("station", "created_by")
    if user.is_authenticated and user.is_office:
        return qs
    delegate = user_delegate(user)
    if delegate is None:
        return qs.none()
    return qs.filter(participants=delegate)


def diary_visible_to(user) -> QuerySet[DiaryEntry]:
    """Office: every field note; a delegate: their own; others: none (the diary is private)."""
    qs = DiaryEntry.objects.select_related("delegate").prefetch_related("suggestions")
    if user.is_authenticated and user.is_office:
        return qs
    delegate = user_delegate(user)
    if delegate is None:
        return qs.none()
    return qs.filter(delegate=delegate)


def performance_delegates_for(user) -> QuerySet[Delegate]:
    """Whose performance files a user may read: the office all serving delegates, station
    staff the delegates stationed in their scope, a delegate their own, others none."""
    from accounts.models import Role
    from suggestions.selectors import station_ids_in_scope

    qs = Delegate.objects.filter(is_active=True)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_office:
        return qs
    if user.role == Role.STATION_STAFF:
        stationed = StationMembership.objects.filter(
            station_id__in=station_ids_in_scope(user)
        ).values("delegate_id")
        return qs.filter(pk__in=stationed)
    delegate = user_delegate(user)
    if delegate is None:
        return qs.none()
    return qs.filter(pk=delegate.pk)


def record_delegates_for(user) -> QuerySet[Delegate]:
    """Delegates whose records a user may write: the office any serving delegate, a delegate
    themself."""
    qs = Delegate.objects.filter(is_active=True)
    if user.is_authenticated and user.is_office:
        return qs
    delegate = user_delegate(user)
    return qs.filter(pk=delegate.pk) if delegate is not None else qs.none()


def file_activities(*, delegate: Delegate, year: int) -> QuerySet[Activity]:
    """The activities of ``delegate``'s file for ``year`` with their participants."""
    return (
        Activity.objects.filter(participants=delegate, date__year=year)
        .select_related("station")
        .prefetch_related(Prefetch("participants", queryset=Delegate.objects.only("id", "name")))
        .order_by("date", "id")
    )


def file_station_duties(*, delegate: Delegate, year: int):
    """Reception days of ``year`` the log marks ``delegate`` as having attended."""
    from stations.models import DutyAssignment, ReceptionDay

    return (
        DutyAssignment.objects.filter(
            delegate=delegate,
            attended=True,
            reception_day__status=ReceptionDay.Status.HELD,
            reception_day__date__year=year,
        )
        .select_related("reception_day", "reception_day__station")
        .order_by("reception_day__date")
    )


def file_suggestions(*, delegate: Delegate, year: int):
    """Suggestions ``delegate`` took in ``year`` or answered in it (the loop's side of the file)."""
    from suggestions.models import State, Suggestion

    from .performance import _aware_bounds

    start, stop = _aware_bounds(year)
    return (
        Suggestion.objects.filter(delegate=delegate)
        .exclude(state=State.MERGED)
        .filter(
            Q(accepted_at__gte=start, accepted_at__lt=stop)
            | Q(replied_at__gte=start, replied_at__lt=stop)
        )
        .select_related("category", "station", "handling_unit")
        .order_by("accepted_at", "id")
    )
