"""Reads of meetings, topics and ballots, scoped to who is asking.

``meetings_visible_to`` is the one place that decides which meetings a user sees: the office
all, station staff and delegates those of their stations (and the stations nested below them).
Editing is for the office and station staff (``can_edit_station``); delegates read.
Ballot results exist for nobody until the session is closed (SECURITY.md 20).
"""

import datetime
import difflib
import re
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Role
from congress_portal.clock import today
from suggestions.models import OPEN_STATES, RatingValue, State, Suggestion
from suggestions.selectors import station_ids_in_scope

from .models import Ballot, BallotMark, BallotSession, FollowUp, Meeting, PaperTally, Topic

# --- scope ------------------------------------------------------------------------------------


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def meeting_station_ids(user) -> set[int] | None:
    """Stations whose meetings ``user`` may see; None means every station (the office)."""
    if not _active(user):
        return set()
    if user.is_office:
        return None
    if user.role in (Role.STATION_STAFF, Role.DELEGATE):
        return station_ids_in_scope(user)
    return set()


def can_edit_station(user, station_id: int) -> bool:
    """The office, or staff of the station (or of a station above it), may write."""
    if not _active(user):
        return False
    if user.is_office:
        return True
    return user.role == Role.STATION_STAFF and station_id in station_ids_in_scope(user)


def editable_station_ids(user) -> set[int] | None:
    """Stations ``user`` may hold meetings for; None means every station (the office)."""
    if not _active(user):
        return set()
    if user.is_office:
        return None
    if user.role == Role.STATION_STAFF:
        return station_ids_in_scope(user)
    return set()


def _scoped(qs: QuerySet, ids: set[int] | None, path: str = "station_id") -> QuerySet:
    return qs if ids is None else qs.filter(**{f"{path}__in": ids})


def meetings_visible_to(user) -> QuerySet[Meeting]:
    """Meetings ``user`` may see on the staff pages, newest first."""
    return _scoped(
        Meeting.objects.select_related("station", "organiser"), meeting_station_ids(user)
    )


def topics_visible_to(user) -> QuerySet[Topic]:
    return _scoped(
        Topic.objects.select_related("station", "meeting", "meeting__station"),
        meeting_station_ids(user),
    )


def follow_ups_visible_to(user) -> QuerySet[FollowUp]:
    return _scoped(
        FollowUp.objects.select_related("topic", "topic__meeting"),
        meeting_station_ids(user),
        "topic__station_id",
    )


def sessions_visible_to(user) -> QuerySet[BallotSession]:
    return _scoped(
        BallotSession.objects.select_related("meeting", "meeting__station"),
        meeting_station_ids(user),
        "meeting__station_id",
    )


CHOICE_LIMIT = 300  # suggestions offered as checkboxes on one form


def meeting_topics(meeting: Meeting) -> QuerySet[Topic]:
    """A meeting's topics with their suggestions and follow-ups, in the order they were set."""
    return (
        meeting.topics.order_by("created_at", "id")
        .prefetch_related(
            Prefetch(
                "suggestions",
                queryset=Suggestion.objects.select_related("category").order_by("submitted_at"),
            ),
            "follow_ups",
        )
        .annotate(open_follow_ups=Count("follow_ups", filter=Q(follow_ups__done_at__isnull=True)))
    )


def station_suggestions_for_topics(station_id: int) -> QuerySet[Suggestion]:
    """What can be grouped into a topic: the station's suggestions, open ones first."""
    latest = (
        Suggestion.objects.filter(station_id=station_id)
        .exclude(state=State.MERGED)
        .order_by("-submitted_at", "-id")[:CHOICE_LIMIT]
    )
    # Unsliced, so that a form field can validate against it; the newest CHOICE_LIMIT only.
    return (
        Suggestion.objects.filter(pk__in=latest.values("pk"))
        .select_related("category", "place")
        .order_by("-submitted_at", "-id")
    )


# --- proposed groupings ----------------------------------------------------------------------

_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)
TITLE_RATIO = 0.5  # difflib ratio of two titles
BIGRAM_JACCARD = 0.25  # shared character bigrams of title and details


def _bigrams(text: str) -> set[str]:
    # Chinese has no spaces between words: overlapping character pairs stand in for words.
    compact = _NOT_TEXT.sub("", text.lower())
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def similar(a: Suggestion, b: Suggestion) -> bool:
    """Two suggestions read alike: close titles, or many shared character pairs."""
    if difflib.SequenceMatcher(None, a.title, b.title).ratio() >= TITLE_RATIO:
        return True
    grams_a, grams_b = _bigrams(a.title + a.content), _bigrams(b.title + b.content)
    if not grams_a or not grams_b:
        return False
    return len(grams_a & grams_b) / len(grams_a | grams_b) >= BIGRAM_JACCARD


@dataclass
class TopicProposal:
    """A group of similar open suggestions of one category and place, offered as a topic."""

    suggestions: list[Suggestion]
    title: str

    @property
    def category(self):
        return self.suggestions[0].category

    @property
    def place(self):
        return self.suggestions[0].place

    @property
    def ids(self) -> list[int]:
        return [s.pk for s in self.suggestions]


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def topic_proposals(station_id: int, *, limit: int = 500) -> list[TopicProposal]:
    """Groups of two or more similar open suggestions not yet in an unfinished topic."""
    candidates = list(
        Suggestion.objects.filter(station_id=station_id, state__in=OPEN_STATES)
        .exclude(topics__status__in=[Topic.Status.PROPOSED, Topic.Status.DELIBERATED])
        .select_related("category", "place")
        .order_by("submitted_at", "id")[:limit]
    )
    buckets: dict[tuple, list[Suggestion]] = {}
    for suggestion in candidates:
        buckets.setdefault((suggestion.category_id, suggestion.place_id), []).append(suggestion)
    proposals = []
    for members in buckets.values():
        if len(members) < 2:
            continue
        # Union-find over pairs that read alike: A~B and B~C make one group.
        parent = list(range(len(members)))
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                if _find(parent, i) != _find(parent, j) and similar(members[i], members[j]):
                    parent[_find(parent, j)] = _find(parent, i)
        groups: dict[int, list[Suggestion]] = {}
        for i, suggestion in enumerate(members):
            groups.setdefault(_find(parent, i), []).append(suggestion)
        for group in groups.values():
            if len(group) >= 2:
                title = min((s.title for s in group), key=len)
                proposals.append(TopicProposal(suggestions=group, title=title))
    proposals.sort(key=lambda p: (-len(p.suggestions), p.suggestions[0].submitted_at))
    return proposals


# --- the ballot ------------------------------------------------------------------------------


def half_year(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The half year (1 Jan–30 Jun or 1 Jul–31 Dec) that ``day`` falls in."""
    if day.month <= 6:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 6, 30)
    return datetime.date(day.year, 7, 1), datetime.date(day.year, 12, 31)


def ballot_item_choices(station_id: int) -> QuerySet[Suggestion]:
    """What a rating meeting can put to the vote: the station's replied or closed suggestions."""
    latest = Suggestion.objects.filter(
        station_id=station_id, state__in=[State.REPLIED, State.CLOSED]
    ).order_by("-replied_at", "-id")[:CHOICE_LIMIT]
    return (
        Suggestion.objects.filter(pk__in=latest.values("pk"))
        .select_related("category")
        .order_by("-replied_at", "-id")
    )


def default_ballot_items(station_id: int, on: datetime.date | None = None) -> list[int]:
    """Ids of the station's suggestions replied in the current half year (seed 003)."""
    start, end = half_year(on or today())
    tz = timezone.get_current_timezone()
    return list(
        Suggestion.objects.filter(
            station_id=station_id,
            state__in=[State.REPLIED, State.CLOSED],
            replied_at__gte=datetime.datetime.combine(start, datetime.time.min, tz),
            replied_at__lt=datetime.datetime.combine(end, datetime.time.min, tz)
            + datetime.timedelta(days=1),
        ).values_list("id", flat=True)
    )


def item_label(suggestion: Suggestion, number: int) -> str:
    """How an item appears on the ballot and on public pages: its title only when the resident
    agreed to public disclosure (SECURITY.md 9), otherwise its number and category."""
    if suggestion.consent_disclosure:
        return gettext("%(number)d. %(title)s") % {"number": number, "title": suggestion.title}
    return gettext("%(number)d. A suggestion about %(category)s") % {
        "number": number,
        "category": suggestion.category.name,
    }


def session_items(session: BallotSession) -> list[Suggestion]:
    """The suggestions of a ballot, in a fixed order (by submission)."""
    return list(session.suggestions.select_related("category").order_by("submitted_at", "id"))


def session_turnout(session: BallotSession) -> dict:
    """Codes issued and used: shown to staff while voting runs (no ratings in it)."""
    counts = session.codes.aggregate(issued=Count("*"), used=Count("id", filter=Q(used=True)))
    return {"issued": counts["issued"] or 0, "used": counts["used"] or 0}


def _percent(favourable: int, total: int) -> float | None:
    return None if total == 0 else round(100 * favourable / total, 1)


def format_rate(percent: float | None) -> str:
    """``95.2%``, ``100%``, or a dash when nobody rated."""
    if percent is None:
        return "—"
    return f"{percent:.0f}%" if percent == int(percent) else f"{percent:.1f}%"


@dataclass
class Tally:
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    def add(self, value: str, count: int) -> None:
        if value == RatingValue.SATISFIED:
            self.satisfied += count
        elif value == RatingValue.BASIC:
            self.basic += count
        elif value == RatingValue.UNSATISFIED:
            self.unsatisfied += count

    def add_tally(self, other: "Tally") -> None:
        self.satisfied += other.satisfied
        self.basic += other.basic
        self.unsatisfied += other.unsatisfied

    @property
    def total(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def percent(self) -> float | None:
        """满意度 = (满意 + 基本满意) / 全部, in per cent."""
        return _percent(self.satisfied + self.basic, self.total)

    @property
    def rate(self) -> str:
        return format_rate(self.percent)


@dataclass
class ItemResult(Tally):
    suggestion: Suggestion | None = None
    online: int = 0
    paper: int = 0


@dataclass
class SessionResult(Tally):
    """A closed session's results: overall, and per item when asked for."""

    session: BallotSession | None = None
    ballots: int = 0
    paper_voters: int = 0
    items: list[ItemResult] = field(default_factory=list)

    @property
    def meeting(self):
        return self.session.meeting


def ballot_results(session: BallotSession) -> SessionResult | None:
    """Per-item and overall results of a closed session (online and paper combined);
    None while the session is not closed: nobody sees running results."""
    if session.status != BallotSession.Status.CLOSED:
        return None
    items = {s.pk: ItemResult(suggestion=s) for s in session_items(session)}
    marks = (
        BallotMark.objects.filter(ballot__session=session)
        .values("suggestion_id", "value")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in marks:
        item = items.get(row["suggestion_id"])
        if item is not None:
            item.add(row["value"], row["n"])
            item.online += row["n"]
    for tally in PaperTally.objects.filter(session=session):
        item = items.get(tally.suggestion_id)
        if item is not None:
            item.satisfied += tally.satisfied
            item.basic += tally.basic
            item.unsatisfied += tally.unsatisfied
            item.paper += tally.satisfied + tally.basic + tally.unsatisfied
    result = SessionResult(
        session=session,
        ballots=Ballot.objects.filter(session=session).count(),
        items=list(items.values()),
    )
    for item in result.items:
        result.add_tally(item)
        result.paper_voters = max(result.paper_voters, item.paper)
    return result


def _overall(sessions: list[BallotSession]) -> list[SessionResult]:
    """Overall results of many closed sessions in three queries, whatever their number."""
    results = {s.pk: SessionResult(session=s) for s in sessions}
    if not results:
        return []
    marks = (
        BallotMark.objects.filter(ballot__session_id__in=results)
        .values("ballot__session_id", "value")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in marks:
        results[row["ballot__session_id"]].add(row["value"], row["n"])
    papers = (
        PaperTally.objects.filter(session_id__in=results)
        .values("session_id")
        .annotate(s=Sum("satisfied"), b=Sum("basic"), u=Sum("unsatisfied"))
        .order_by()
    )
    for row in papers:
        result = results[row["session_id"]]
        result.add_tally(Tally(row["s"] or 0, row["b"] or 0, row["u"] or 0))
    ballots = (
        Ballot.objects.filter(session_id__in=results)
        .values("session_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in ballots:
        results[row["session_id"]].ballots = row["n"]
    return list(results.values())


def _closed_sessions() -> QuerySet[BallotSession]:
    return (
        BallotSession.objects.filter(status=BallotSession.Status.CLOSED)
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .select_related("meeting", "meeting__station")
        .order_by("-meeting__date", "-meeting_id")
    )


def station_ballot_results(station, *, limit: int = 4) -> list[SessionResult]:
    """The latest closed rating meetings of ``station`` with their overall satisfaction,
    for the public station page (``meetings/includes/_station_results.html``)."""
    return _overall(list(_closed_sessions().filter(meeting__station=station)[:limit]))


def satisfaction_overview(
    user,
    *,
    station=None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    limit: int = 200,
) -> tuple[list[SessionResult], Tally]:
    """Closed sessions in ``user``'s scope with their rates, and the rate over all of them."""
    qs = _scoped(_closed_sessions(), meeting_station_ids(user), "meeting__station_id")
    if station is not None:
        qs = qs.filter(meeting__station=station)
    if date_from:
        qs = qs.filter(meeting__date__gte=date_from)
    if date_to:
        qs = qs.filter(meeting__date__lte=date_to)
    results = _overall(list(qs[:limit]))
    total = Tally()
    for result in results:
        total.add_tally(result)
    return results, total


# --- a suggestion's trail --------------------------------------------------------------------


def suggestion_meeting_trail(suggestion: Suggestion) -> list[dict]:
    """Where a suggestion went in meetings: the topics it was grouped into and the rating
    meetings that voted on it (once closed). Each entry: ``at`` (a date), ``label`` (translated
    text), ``url`` (the meeting's page, or None). Oldest first."""
    entries = []
    topics = suggestion.topics.select_related("meeting").order_by("created_at", "id")
    for topic in topics:
        meeting = topic.meeting
        if meeting is not None and meeting.status != Meeting.Status.CANCELLED:
            entries.append(
                {
                    "at": meeting.date,
                    "label": gettext("Discussed at the %(kind)s: %(topic)s")
                    % {"kind": meeting.get_kind_display(), "topic": topic.title},
                    "url": meeting.get_absolute_url(),
                }
            )
        else:
            entries.append(
                {
                    "at": timezone.localdate(topic.created_at),
                    "label": gettext("Grouped into the topic: %(topic)s") % {"topic": topic.title},
                    "url": None,
                }
            )
    sessions = list(_closed_sessions().filter(suggestions=suggestion))
    if sessions:
        tallies = {s.pk: Tally() for s in sessions}
        marks = (
            BallotMark.objects.filter(ballot__session_id__in=tallies, suggestion=suggestion)
            .values("ballot__session_id", "value")
            .annotate(n=Count("*"))
            .order_by()
        )
        for row in marks:
            tallies[row["ballot__session_id"]].add(row["value"], row["n"])
        for paper in PaperTally.objects.filter(session_id__in=tallies, suggestion=suggestion):
            tallies[paper.session_id].add_tally(
                Tally(paper.satisfied, paper.basic, paper.unsatisfied)
            )
        for session in sessions:
            tally = tallies[session.pk]
            entries.append(
                {
                    "at": session.meeting.date,
                    "label": gettext("Satisfaction at the %(kind)s: %(rate)s (%(votes)d votes)")
                    % {
                        "kind": session.meeting.get_kind_display(),
                        "rate": tally.rate,
                        "votes": tally.total,
                    },
                    "url": session.meeting.get_absolute_url(),
                }
            )
    entries.sort(key=lambda entry: entry["at"])
    return entries
