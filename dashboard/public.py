"""五公开: the public board of handled suggestions, station figures, delegates' performance
and rating-meeting results. No login; nothing personal: only suggestions whose residents
agreed to disclosure, never a resident's name, phone or address, and phone-like numbers
inside the text masked."""

import datetime
from dataclasses import dataclass

from django import forms
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from congress_portal.clock import today
from congress_portal.masking import contains_phone, redact_phones
from stations.models import Region, Station
from stations.selectors import in_area
from suggestions.models import OPEN_STATES, Category, RatingValue, State, Suggestion
from suggestions.search import text_search

from .links import with_query
from .models import AreaRollup, NodeKind, ReceptionRollup, SuggestionRollup
from .rollups import AREA_KINDS
from .scopes import STATION_LIST_LIMIT

PAGE_SIZE = 20
MAX_PAGE = 500
PUBLISHED_STATES = (State.REPLIED, State.CLOSED)


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
    """The board's filters. The area is chosen by drilling down (links), not from a list of a
    province's areas; a station is offered in a list only within a small area."""

    q = forms.CharField(label=_("Search the titles and texts"), max_length=60, required=False)
    area = forms.ModelChoiceField(
        queryset=Region.objects.only("id", "name", "path", "kind"),
        required=False,
        widget=forms.HiddenInput,
    )
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.filter(is_active=True).only("id", "name", "region_id"),
        required=False,
        empty_label=_("All stations of the area"),
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

    def __init__(self, *args, station_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Any year")), *_years()]
        for name in ("station", "category", "status", "year"):
            self.fields[name].widget.attrs["class"] = "form-select"
        # The list shows the stations of a small area; any active station still validates
        # (a station page links here with its own).
        self.station_choices = station_choices or []
        self.fields["station"].widget.choices = [
            ("", self.fields["station"].empty_label),
            *[(station.pk, station.name) for station in self.station_choices],
        ]

    def clean_q(self):
        value = self.cleaned_data["q"]
        if "\x00" in value:
            raise forms.ValidationError(gettext("The search may not contain a NUL character."))
        return value.strip()


@dataclass
class PublicItem:
    pk: int
    url: str
    supporters: int
    can_support: bool
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
            "supporter_count",
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
    elif filters.get("area"):
        qs = qs.filter(in_area(filters["area"]))
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
        # Through the text index (suggestions/search.py); a search it cannot serve finds nothing,
        # and neither does a phone number: the board masks them, so it must not tell whether
        # one was typed into some resident's text.
        condition = None if contains_phone(filters["q"]) else text_search(filters["q"], using=qs.db)
        qs = qs.none() if condition is None else qs.filter(condition)
    return qs


def present(suggestion: Suggestion) -> PublicItem:
    published = suggestion.state in PUBLISHED_STATES
    status = Status.of(suggestion.state)
    ratings = dict(RatingValue.choices)
    return PublicItem(
        pk=suggestion.pk,
        url=reverse("suggestions:public_detail", args=[suggestion.pk]),
        supporters=suggestion.supporter_count,
        can_support=suggestion.state in OPEN_STATES,
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
class WorkRow:
    """A year's work of one area or one station, as the public sees it."""

    label: str
    url: str
    visitors: int
    received: int
    handled: int

    @property
    def in_progress(self) -> int:
        return self.received - self.handled


def _work_sums(rows) -> dict:
    return rows.annotate(
        received=Sum("received"),
        merged=Sum("now_merged"),
        replied=Sum("now_replied"),
        closed=Sum("now_closed"),
    )


def _visitors(year: int, kind: str, nodes) -> dict[int, int]:
    """Residents received in ``year`` at each station or area (the reception rollup)."""
    rows = ReceptionRollup.objects.filter(
        kind=kind,
        node__in=nodes,
        month__gte=datetime.date(year, 1, 1),
        month__lte=datetime.date(year, 12, 1),
    )
    return dict(rows.values_list("node").annotate(n=Sum("visitors")).order_by())


def area_rows(year: int, areas: list[Region], link) -> list[WorkRow]:
    """The year's figures of each area, from the area rollup (merged duplicates left out)."""
    if not areas:
        return []
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 1)
    sums = {
        row["area_id"]: row
        for row in _work_sums(
            AreaRollup.objects.filter(
                area__in=areas,
                dimension=AreaRollup.Dimension.ALL,
                month__gte=first,
                month__lte=last,
            ).values("area_id")
        ).order_by()
    }
    visitors = _visitors(year, NodeKind.AREA, [area.pk for area in areas])
    rows = []
    for area in areas:
        row = sums.get(area.pk)
        received = (row["received"] - row["merged"]) if row else 0
        handled = (row["replied"] + row["closed"]) if row else 0
        rows.append(
            WorkRow(area.name, link(area=area.pk), visitors.get(area.pk, 0), received, handled)
        )
    return rows


def station_rows(year: int, stations: list, link) -> list[WorkRow]:
    """The year's figures of each of a few stations, from the fine rollup."""
    if not stations:
        return []
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 1)
    ids = [station.pk for station in stations]
    sums = {
        row["station_id"]: row
        for row in _work_sums(
            SuggestionRollup.objects.filter(
                station_id__in=ids, month__gte=first, month__lte=last
            ).values("station_id")
        ).order_by()
    }
    visitors = _visitors(year, NodeKind.STATION, ids)
    rows = []
    for station in stations:
        row = sums.get(station.pk)
        if row is None and station.pk not in visitors:
            continue
        rows.append(
            WorkRow(
                station.name,
                link(station=station.pk),
                visitors.get(station.pk, 0),
                (row["received"] - row["merged"]) if row else 0,
                (row["replied"] + row["closed"]) if row else 0,
            )
        )
    return rows


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


def meeting_results(year: int, station=None, limit: int = 10, area=None) -> list[MeetingResult]:
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
    elif area is not None:
        sessions = sessions.filter(in_area(area, station_field="meeting__station"))
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
    """五公开: what happened to residents' suggestions, in public, drilled down by area."""

    template_name = "dashboard/public_board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        area = _area(params.get("area", ""))
        stations = Station.objects.filter(is_active=True).only("id", "name")
        if area is not None:
            stations = stations.filter(in_area(area, station_field=""))
        few = list(stations.order_by("name")[: STATION_LIST_LIMIT + 1])
        few = few if len(few) <= STATION_LIST_LIMIT else []
        form = PublicBoardForm(params or None, station_choices=few)
        filters = {}
        if form.is_bound:
            form.is_valid()
            filters = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
        filters.pop("area", None)
        if area is not None:
            filters["area"] = area
        page = self._page()
        offset = (page - 1) * PAGE_SIZE
        found = list(public_suggestions(filters)[offset : offset + PAGE_SIZE + 1])
        year = filters.get("year") or today().year
        station = filters.get("station")
        link = _board_link(params)
        children = _child_areas(area)
        context.update(
            form=form,
            items=[present(s) for s in found[:PAGE_SIZE]],
            page=page,
            has_next=len(found) > PAGE_SIZE and page < MAX_PAGE,
            has_previous=page > 1,
            query=filters.get("q", ""),
            year=year,
            area=area,
            station=station,
            breadcrumb=[(a, link(area=a.pk)) for a in _ancestors(area)] if area else [],
            all_areas_url=link(),
            area_rows=[] if station else area_rows(year, children, link),
            stations=station_rows(year, [station] if station else few, link),
            meetings=meeting_results(year, station, area=area),
            performance=delegate_performance(year, station) if station else None,
        )
        return context

    def _page(self) -> int:
        value = self.request.GET.get("page", "1")
        if not value.isdigit() or len(value) > 4:
            return 1
        return min(max(int(value), 1), MAX_PAGE)


def _area(value: str) -> Region | None:
    """The area asked for in the query string, or None (for anything that is no area)."""
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 18:
        return None
    return Region.objects.filter(pk=int(value)).only("id", "name", "kind", "path").first()


def _ancestors(area: Region) -> list[Region]:
    ids = area.ancestor_ids
    found = {r.pk: r for r in Region.objects.filter(pk__in=ids).only("id", "name", "path")}
    return [found[pk] for pk in ids if pk in found]


def _child_areas(area: Region | None) -> list[Region]:
    """The areas one level down (below the one root, at the top), with area figures."""
    parent = area
    if parent is None:
        roots = list(Region.objects.filter(parent=None).only("id", "name", "path")[:2])
        if len(roots) != 1:
            return sorted(roots, key=lambda r: r.name)
        parent = roots[0]
    children = Region.objects.filter(parent=parent, kind__in=AREA_KINDS).only("id", "name", "path")
    return sorted(children, key=lambda r: r.name)


def _board_link(params):
    """The board for another area or station, keeping the year, category, status and search."""
    base = reverse("dashboard:public")
    kept = {key: params.get(key, "")[:60] for key in ("year", "category", "status", "q")}

    def url(**scope):
        return with_query(base, {**kept, **scope})

    return url
