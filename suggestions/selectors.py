"""Reads of the suggestion loop. ``suggestions_visible_to`` is the one place that decides
what each role may see (SECURITY.md 6); every list, detail, transition, attachment and export
goes through it.
"""

from django.db.models import Count, Q, QuerySet

from accounts.models import Role
from congress_portal.clock import today
from stations.models import Station

from .models import (
    ANNOTATIONS,
    OPEN_STATES,
    WITH_UNIT_STATES,
    HandlingUnit,
    Suggestion,
    Verb,
)

MAX_STATION_DEPTH = 4


def station_ids_in_scope(user) -> set[int]:
    """Stations a user works for: the staff's stations or a delegate's, with the stations
    nested under them (a home's staff see its work stations and contact points)."""
    cached = getattr(user, "_portal_station_scope", None)
    if cached is not None:
        return cached
    if user.role == Role.STATION_STAFF:
        roots = set(user.staffed_stations.values_list("id", flat=True))
    elif user.role == Role.DELEGATE and hasattr(user, "delegate"):
        roots = set(user.delegate.memberships.values_list("station_id", flat=True))
    else:
        roots = set()
    scope = set(roots)
    frontier = roots
    for _ in range(MAX_STATION_DEPTH):
        if not frontier:
            break
        frontier = (
            set(Station.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - scope
        )
        scope |= frontier
    user._portal_station_scope = scope
    return scope


def user_delegate(user):
    """The Delegate a delegate account speaks for, or None."""
    if user.role != Role.DELEGATE:
        return None
    return getattr(user, "delegate", None)


def suggestions_visible_to(user) -> QuerySet[Suggestion]:
    """Suggestions this user may see: office all; station staff their stations'; a delegate
    theirs and their stations'; a unit what was dispatched to it; nobody else anything."""
    qs = Suggestion.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_office:
        return qs
    if user.role == Role.STATION_STAFF:
        return qs.filter(station_id__in=station_ids_in_scope(user))
    if user.role == Role.DELEGATE:
        delegate = user_delegate(user)
        if delegate is None:
            return qs.none()
        return qs.filter(Q(delegate=delegate) | Q(station_id__in=station_ids_in_scope(user)))
    if user.role == Role.UNIT_STAFF:
        # The unit ids as literals, not a subquery: a unit's queue is then an equality on the
        # leading column of the (handling_unit, submitted_at, id) index, read in the desk's
        # order and stopped after one page (a subquery made PostgreSQL sort the whole unit).
        return qs.filter(handling_unit_id__in=sorted(unit_ids_in_scope(user)))
    return qs.none()


# A scope of more parts than this is read as one (each part is one index descent per page).
MAX_SCOPE_PARTS = 40


def scope_parts(user) -> list[Q] | None:
    """The scope of ``suggestions_visible_to`` as the parts it unites (one station, the
    delegate's own, one unit), each an equality on the leading column of an index in the
    desk's order; None for the office or a scope of too many parts. The desk reads a page from
    each part and merges them (``desk.desk_page``): "station IN (…)" let PostgreSQL walk the
    whole table's order index for the few rows of a few stations."""
    if user is None or not user.is_authenticated or user.is_office:
        return None
    if user.role == Role.STATION_STAFF:
        parts = [Q(station_id=pk) for pk in sorted(station_ids_in_scope(user))]
    elif user.role == Role.DELEGATE:
        delegate = user_delegate(user)
        if delegate is None:
            return None
        stations = sorted(station_ids_in_scope(user))
        parts = [Q(delegate_id=delegate.pk), *(Q(station_id=pk) for pk in stations)]
    elif user.role == Role.UNIT_STAFF:
        parts = [Q(handling_unit_id=pk) for pk in sorted(unit_ids_in_scope(user))]
    else:
        return None
    if not parts or len(parts) > MAX_SCOPE_PARTS:
        return None
    return parts


def unit_ids_in_scope(user) -> set[int]:
    """The handling units a unit account works for."""
    if user.role != Role.UNIT_STAFF:
        return set()
    cached = getattr(user, "_portal_unit_scope", None)
    if cached is None:
        cached = set(user.handling_units.values_list("id", flat=True))
        user._portal_unit_scope = cached
    return cached


def overdue_condition() -> Q:
    """With a unit past its deadline; the desk's overdue tab and filter, one definition.

    The states are listed sorted so that the SQL is the same text on every run, and it
    implies the predicate of the partial index ``sugg_with_unit_idx``."""
    return Q(state__in=sorted(WITH_UNIT_STATES), deadline__lt=today())


def suggestion_by_code(code: str) -> Suggestion | None:
    """The suggestion a resident follows with this code: their own, also once merged (its page
    then tells the outcome of the one it was merged into, ``merged_outcome``, and nothing else
    of it: not another resident's details, phone, address or code, and no rating)."""
    return (
        Suggestion.objects.select_related("category", "station", "delegate", "handling_unit")
        .filter(tracking_code=code)
        .first()
    )


def merged_survivor(suggestion: Suggestion) -> Suggestion | None:
    """The suggestion a merged duplicate was merged into, following merges of merges."""
    hops = 0
    survivor = suggestion
    while survivor is not None and survivor.merged_into_id and hops < 5:
        survivor = (
            Suggestion.objects.select_related("delegate", "handling_unit")
            .filter(pk=survivor.merged_into_id)
            .first()
        )
        hops += 1
    return None if survivor is suggestion else survivor


# A unit's open work: dispatched to it and not yet answered to the resident.
UNIT_OPEN_STATES = tuple(sorted(ANNOTATIONS[Verb.TRANSFER_UNIT]))


def unit_open_suggestions(unit: HandlingUnit) -> QuerySet[Suggestion]:
    """What a unit holds now (``sugg_unit_state_idx`` serves it: unit, state)."""
    return Suggestion.objects.filter(handling_unit=unit, state__in=UNIT_OPEN_STATES)


def unit_open_counts(unit_ids) -> dict[int, int]:
    """How many open suggestions each of these units holds: one index-only count over the
    (handling_unit, state, …) index, bounded by the open work of the page's units.

    Not the dashboard's rollups: the loop sits below the figures and never reads them
    (STYLE.md, arrows point down), and a unit's rollup rows grow with its whole history,
    this count only with what it holds now."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    rows = (
        Suggestion.objects.filter(handling_unit_id__in=ids, state__in=UNIT_OPEN_STATES)
        .order_by()
        .values_list("handling_unit_id")
        .annotate(n=Count("*"))
    )
    return dict(rows)


# --- Similar suggestions (duplicates while typing, likely duplicates on the desk) ------------

SIMILAR_LIMIT = 5
# Candidates read from the text index, newest first, then ranked by the tokens they share.
SIMILAR_CANDIDATES = 100
# An area of more stations than this is searched at the chosen station only.
SIMILAR_AREA_STATIONS = 50


def similar_station_ids(station: Station) -> list[int]:
    """The station and the others of its area (the street above a community's contact point),
    as literals: each an equality on the leading column of the station indexes."""
    from .forms import station_place_area

    area = station_place_area(station) if station.region_id else None
    if area is None:
        return [station.pk]
    ids = list(
        Station.objects.filter(is_active=True, region__path__startswith=area.path)
        .order_by("pk")
        .values_list("pk", flat=True)[: SIMILAR_AREA_STATIONS + 1]
    )
    if len(ids) > SIMILAR_AREA_STATIONS or station.pk not in ids:
        return [station.pk]
    return ids


def similar_suggestions(
    *,
    title: str,
    station: Station,
    user=None,
    category_id: int | None = None,
    exclude_pk: int | None = None,
    limit: int = SIMILAR_LIMIT,
) -> list[Suggestion]:
    """Open suggestions of the station's area whose titles look like ``title``, best first.

    Residents (``user`` None) see only those whose residents agreed to disclosure; staff those
    of their scope. The text index (suggestions.search) finds the open rows of the area's
    stations that share a token with the title (a rare one: ``similar_condition``); the
    newest ``SIMILAR_CANDIDATES`` of them are ranked by how many of the title's tokens their
    titles hold (the same category first on a tie). A title must share a third of its tokens,
    at least one, to count as similar."""
    from .search import similar_condition, similar_tokens, similarity

    tokens = similar_tokens(title or "")
    if not tokens:
        return []
    base = Suggestion.objects.all() if user is None else suggestions_visible_to(user)
    if user is None:
        base = base.filter(consent_disclosure=True)
    rows = (
        base.filter(
            similar_condition(tokens, using=base.db),
            station_id__in=similar_station_ids(station),
            state__in=sorted(OPEN_STATES),
        )
        .select_related("station")
        .only(
            "pk",
            "title",
            "state",
            "category_id",
            "supporter_count",
            "submitted_at",
            "tracking_code",
            "consent_disclosure",
            "station__name",
        )
        .order_by("-submitted_at", "-pk")
    )
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    needed = max(1, -(-len(tokens) // 3))
    ranked = []
    for row in rows[:SIMILAR_CANDIDATES]:
        shared = similarity(tokens, row.title)
        if shared >= needed:
            ranked.append((-shared, row.category_id != category_id, -row.supporter_count, row))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked[:limit]]
