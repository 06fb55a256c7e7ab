"""五公开: the public board of handled suggestions, station figures, delegates' performance
and rating-meeting results. No login; nothing personal: only suggestions whose residents
agreed to disclosure, never a resident's name, phone or address, and phone-like numbers
inside the text masked."""

import datetime
import re
from dataclasses import dataclass

from django import forms
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from congress_portal.clock import today
from congress_portal.masking import mask_phone
from stations.models import ReceptionDay, Station
from suggestions.models import OPEN_STATES, Category, RatingValue, State, Suggestion

from .models import SuggestionRollup

PAGE_SIZE = 20
MAX_PAGE = 500
PUBLISHED_STATES = (State.REPLIED, State.CLOSED)
# Mobile numbers, also written with spaces, dashes or a +86 prefix, and full-width digits.
_PHONE = re.compile(r"(?:\+?86[\s-]?)?1[3-9](?:[\s-]?[0-9０-９]){9}|(?:\+?86)?１[３-９][０-９]{9}")


def redact_phones(text: str) -> str:
    """Mask anything that looks like a mobile number a resident typed into the text."""
    return _PHONE.sub(lambda match: mask_phone(match.group(0)), text or "")


class Status:
    RECEIVED = "received"
    HANDLING = "handling"
    REPLIED = "replied"
    CLOSED = "closed"

    choices = [
        (RECEIVED, _("Received")),
        (HANDLING, _("Being handled")),
        (REPLIED, _("Replied")),
        (CLOSED, _("Closed")),
    ]
    states = {
        RECEIVED: [State.SUBMITTED],
        HANDLING: sorted(OPEN_STATES - {State.SUBMITTED}),
        REPLIED: [State.REPLIED],
        CLOSED: [State.CLOSED],
    }

    @classmethod
    def of(cls, state: str) -> str:
        return next(code for code, states in cls.states.items() if state in states)


def _years():
    this_year = today().year
    return [(year, str(year)) for year in range(this_year, this_year - 6, -1)]


class PublicBoardForm(forms.Form):
    q = forms.CharField(label=_("Search the titles and texts"), max_length=60, required=False)
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.filter(is_active=True).only("id", "name"),
        required=False,
        empty_label=_("All stations"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True).only("id", "name"),
        required=False,
        empty_label=_("All categories"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    year = forms.TypedChoiceField(
        label=_("Year"), choices=(), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Any year")), *_years()]
        for name in ("station", "category", "status", "year"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def clean_q(self):
        value = self.cleaned_data["q"]
        if "\x00" in value:
            raise forms.ValidationError(gettext("The search may not contain a NUL character."))
        return value.strip()


@dataclass
class PublicItem:
    title: str
    content: str
    category: str
    station: str
    submitted: datetime.date
    replied: datetime.date | None
    closed: datetime.date | None
    status: str
    status_label: str
    reply: str
    rating: str


def public_suggestions(filters: dict):
    qs = (
        Suggestion.objects.filter(consent_disclosure=True)
        .exclude(state=State.MERGED)
        .select_related("category", "station")
        .only(
            "title",
            "content",
            "state",
            "reply",
            "rating",
            "submitted_at",
            "replied_at",
            "closed_at",
            "category__name",
            "station__name",
        )
        .order_by("-submitted_at", "-id")
    )
    if filters.get("station"):
        qs = qs.filter(station=filters["station"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("status"):
        qs = qs.filter(state__in=Status.states[filters["status"]])
    if filters.get("year"):
        year = filters["year"]
        qs = qs.filter(
            submitted_month__gte=datetime.date(year, 1, 1),
            submitted_month__lt=datetime.date(year + 1, 1, 1),
        )
    if filters.get("q"):
        qs = qs.filter(Q(title__icontains=filters["q"]) | Q(content__icontains=filters["q"]))
    return qs


def present(suggestion: Suggestion) -> PublicItem:
    published = suggestion.state in PUBLISHED_STATES
    status = Status.of(suggestion.state)
    ratings = dict(RatingValue.choices)
    return PublicItem(
        title=redact_phones(suggestion.title),
        content=redact_phones(suggestion.content),
        category=suggestion.category.name,
        station=suggestion.station.name,
        submitted=suggestion.submitted_at,
        replied=suggestion.replied_at if published else None,
        closed=suggestion.closed_at if suggestion.state == State.CLOSED else None,
        status=status,
        status_label=str(dict(Status.choices)[status]),
        reply=redact_phones(suggestion.reply) if published else "",
        rating=str(ratings.get(suggestion.rating, "")) if suggestion.state == State.CLOSED else "",
    )


@dataclass
class StationRow:
    station: str
    visitors: int
    received: int
    handled: int

    @property
    def in_progress(self) -> int:
        return self.received - self.handled


def station_rows(year: int, station=None) -> list[StationRow]:
    """The year's figures per station, from the rollups (merged duplicates left out)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 1)
    rows = SuggestionRollup.objects.filter(month__gte=first, month__lte=last)
    days = ReceptionDay.objects.filter(
        status=ReceptionDay.Status.HELD, date__year=year, visitors__isnull=False
    )
    if station is not None:
        rows, days = rows.filter(station=station), days.filter(station=station)
    sums = rows.values("station_id", "station__name").annotate(
        received=Sum("received"),
        merged=Sum("now_merged"),
        replied=Sum("now_replied"),
        closed=Sum("now_closed"),
    )
    visitors = dict(days.values_list("station_id").annotate(n=Sum("visitors")).order_by())
    names = {}
    result = {}
    for row in sums.order_by():
        names[row["station_id"]] = row["station__name"]
        result[row["station_id"]] = StationRow(
            row["station__name"],
            visitors.get(row["station_id"], 0),
            row["received"] - row["merged"],
            row["replied"] + row["closed"],
        )
    missing = set(visitors) - set(result)
    if missing:
        for pk, name in Station.objects.filter(pk__in=missing).values_list("id", "name"):
            result[pk] = StationRow(name, visitors[pk], 0, 0)
    return sorted(result.values(), key=lambda row: row.station)


@dataclass
class MeetingResult:
    meeting: object
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    @property
    def total(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def satisfaction(self) -> float | None:
        if not self.total:
            return None
        return round((self.satisfied + self.basic) * 100 / self.total, 1)


def meeting_results(year: int, station=None, limit: int = 10) -> list[MeetingResult]:
    """Closed rating meetings (选民评单会) of the year with their overall result."""
    from meetings.models import BallotMark, BallotSession, Meeting, PaperTally

    sessions = (
        BallotSession.objects.filter(status=BallotSession.Status.CLOSED, meeting__date__year=year)
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .select_related("meeting", "meeting__station")
        .order_by("-meeting__date", "-pk")
    )
    if station is not None:
        sessions = sessions.filter(meeting__station=station)
    results = {session.pk: MeetingResult(session.meeting) for session in sessions[:limit]}
    if not results:
        return []
    marks = (
        BallotMark.objects.filter(ballot__session_id__in=results)
        .values_list("ballot__session_id", "value")
        .annotate(n=Count("*"))
        .order_by()
    )
    for session_id, value, n in marks:
        setattr(results[session_id], value, getattr(results[session_id], value) + n)
    paper = (
        PaperTally.objects.filter(session_id__in=results)
        .values("session_id")
        .annotate(s=Sum("satisfied"), b=Sum("basic"), u=Sum("unsatisfied"))
        .order_by()
    )
    for row in paper:
        result = results[row["session_id"]]
        result.satisfied += row["s"] or 0
        result.basic += row["b"] or 0
        result.unsatisfied += row["u"] or 0
    return list(results.values())


def delegate_performance(year: int, station) -> list | None:
    """The performance counts of the delegates stationed at ``station`` (None when the
    performance files are not available)."""
    try:
        from delegates.performance import performance_for
    except ImportError:
        return None
    from delegates.models import Delegate

    delegates = Delegate.objects.filter(is_active=True, memberships__station=station).order_by(
        "name_pinyin", "name"
    )
    return performance_for(delegates, year)


class PublicBoardView(TemplateView):
    """五公开: what happened to residents' suggestions, in public."""

    template_name = "dashboard/public_board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = PublicBoardForm(self.request.GET or None)
        filters = {}
        if form.is_bound:
            form.is_valid()
            filters = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
        page = self._page()
        offset = (page - 1) * PAGE_SIZE
        found = list(public_suggestions(filters)[offset : offset + PAGE_SIZE + 1])
        year = filters.get("year") or today().year
        station = filters.get("station")
        context.update(
            form=form,
            items=[present(s) for s in found[:PAGE_SIZE]],
            page=page,
            has_next=len(found) > PAGE_SIZE and page < MAX_PAGE,
            has_previous=page > 1,
            query=filters.get("q", ""),
            year=year,
            station=station,
            stations=station_rows(year, station),
            meetings=meeting_results(year, station),
            performance=delegate_performance(year, station) if station else None,
        )
        return context

    def _page(self) -> int:
        value = self.request.GET.get("page", "1")
        if not value.isdigit() or len(value) > 4:
            return 1
        return min(max(int(value), 1), MAX_PAGE)
