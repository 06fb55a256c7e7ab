"""Pages of meetings (staff), the public meeting page, and the voter's secret ballot.

Staff pages: login required; every object is fetched through the user's scope
(``meetings.selectors``), so another station's meeting is a 404; writing needs the office or the
station's staff (delegates read), otherwise 404 as well. Each POST calls one service and
redirects, except issuing ballot codes: its response *is* the printable sheet, because the
plain codes are never stored anywhere (see ``ballot_issue``); and a voter's code entry, whose
response is the ballot itself, because a redirect's URL would carry the code.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, TemplateView

from congress_portal.clock import today
from congress_portal.forms import add_service_error
from congress_portal.public_urls import public_url
from congress_portal.ratelimit import hit
from stations.models import Station
from suggestions.models import Suggestion

from . import codes, selectors, services
from .forms import (
    BallotCodeForm,
    BallotForm,
    BallotSetupForm,
    DecisionForm,
    FollowUpDoneForm,
    FollowUpForm,
    IssueForm,
    MeetingForm,
    MeetingStationForm,
    PaperTallyForm,
    ProposalAcceptForm,
    SatisfactionFilterForm,
    TopicForm,
)
from .models import BallotSession, Meeting, PaperTally
from .qr import ballot_qr_svg

# Ballot pages, per client address: generous, because a whole meeting hall may vote through
# one Wi-Fi address; enumeration is still hopeless (50-bit codes, a few hundred per window).
BALLOT_LIMIT = 300
BALLOT_WINDOW = 600


def _stations(user):
    ids = selectors.editable_station_ids(user)
    qs = Station.objects.filter(is_active=True).order_by("name")
    return qs if ids is None else qs.filter(pk__in=ids)


class MeetingScopeMixin(LoginRequiredMixin):
    """A meeting from the user's scope (404 otherwise); ``editing`` views also need the right
    to write at its station (404 for a delegate: nothing to see there)."""

    editing = False

    def get_meeting(self) -> Meeting:
        if not hasattr(self, "_meeting"):
            meeting = get_object_or_404(
                selectors.meetings_visible_to(self.request.user), pk=self.kwargs["pk"]
            )
            if self.editing and not selectors.can_edit_station(
                self.request.user, meeting.station_id
            ):
                raise Http404
            self._meeting = meeting
        return self._meeting


# --- meetings --------------------------------------------------------------------------------


class MeetingListView(LoginRequiredMixin, TemplateView):
    """The meetings of the user's stations, newest first; ``?station=`` narrows to one."""

    template_name = "meetings/meeting_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        meetings = selectors.meetings_visible_to(user)
        chosen = None
        station_form = MeetingStationForm(self.request.GET or None, user=user)
        raw = self.request.GET.get("station", "")
        if raw.isdigit() and len(raw) < 12:
            if not station_form.is_valid():
                raise Http404  # a station outside the user's scope
            chosen = station_form.cleaned_data["station"]
            meetings = meetings.filter(station=chosen)
        page = Paginator(meetings, 30).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            meetings=page.object_list,
            station_form=station_form,
            # The chooser only when there is something to choose between.
            several_stations=len(station_form.fields["station"].queryset[:2]) > 1,
            chosen_station=chosen,
            can_create=bool(_stations(user).exists()),
        )
        return context


class MeetingCreateView(LoginRequiredMixin, View):
    template_name = "meetings/meeting_form.html"

    def _stations(self):
        stations = _stations(self.request.user)
        if not stations.exists():
            raise Http404
        return stations

    def get(self, request):
        stations = self._stations()
        initial = {}
        raw = request.GET.get("station", "")
        only = list(stations[:2])  # not len(stations): the office manages a whole province
        if raw.isdigit() and len(raw) < 12 and stations.filter(pk=int(raw)).exists():
            initial["station"] = int(raw)
        elif len(only) == 1:
            initial["station"] = only[0].pk
        kind = request.GET.get("kind", "")
        if kind in Meeting.Kind.values:
            initial["kind"] = kind
        form = MeetingForm(user=request.user, initial=initial)
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        self._stations()
        form = MeetingForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                meeting = services.meeting_create(
                    actor=request.user,
                    delegates=data.pop("delegates"),
                    **data,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The meeting has been saved."))
                return redirect(meeting.get_manage_url())
        return render(request, self.template_name, {"form": form}, status=400)


class MeetingUpdateView(MeetingScopeMixin, View):
    editing = True
    template_name = "meetings/meeting_form.html"

    def get(self, request, pk):
        meeting = self.get_meeting()
        form = MeetingForm(instance=meeting, user=request.user)
        return render(request, self.template_name, {"form": form, "meeting": meeting})

    def post(self, request, pk):
        meeting = self.get_meeting()
        form = MeetingForm(
            request.POST, instance=Meeting.objects.get(pk=meeting.pk), user=request.user
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("submission_key", None)
            try:
                services.meeting_update(
                    meeting=meeting, actor=request.user, delegates=data.pop("delegates"), **data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The meeting has been saved."))
                return redirect(meeting.get_manage_url())
        return render(request, self.template_name, {"form": form, "meeting": meeting}, status=400)


class MeetingManageView(MeetingScopeMixin, TemplateView):
    """The staff page of a meeting: facts, participants, topics, follow-ups, the ballot."""

    template_name = "meetings/meeting_manage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.get_meeting()
        session = BallotSession.objects.filter(meeting=meeting).first()
        context.update(
            meeting=meeting,
            delegates=meeting.delegates.order_by("name_pinyin", "name"),
            topics=selectors.meeting_topics(meeting),
            can_edit=selectors.can_edit_station(self.request.user, meeting.station_id),
            session=session,
            issue_key=uuid.uuid4(),
            **_ballot_context(session),
        )
        return context


def _ballot_context(session) -> dict:
    if session is None:
        return {}
    results = selectors.ballot_results(session)
    return {
        "turnout": selectors.session_turnout(session),
        "results": results,
        "result_rows": _numbered(results.items, public=False) if results else [],
        "item_count": session.suggestions.count(),
    }


def _numbered(items, *, public: bool):
    """(number, item result, label): staff see titles, the public the disclosed label."""
    return [
        (
            n,
            item,
            selectors.item_label(item.suggestion, n) if public else item.suggestion.title,
        )
        for n, item in enumerate(items, 1)
    ]


class MeetingDetailView(DetailView):
    """A meeting as the public sees it; a closed vote's results included."""

    template_name = "meetings/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return Meeting.objects.exclude(status=Meeting.Status.CANCELLED).select_related("station")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = BallotSession.objects.filter(meeting=self.object).first()
        results = selectors.ballot_results(session) if session else None
        context.update(
            results=results,
            result_rows=_numbered(results.items, public=True) if results else [],
            topics=self.object.topics.order_by("created_at", "id"),
        )
        return context


# --- topics and follow-ups -------------------------------------------------------------------


class TopicCreateView(MeetingScopeMixin, View):
    """确定议题: pick suggestions of the meeting's station and name the topic."""

    editing = True
    template_name = "meetings/topic_form.html"

    def _form(self, data=None):
        meeting = self.get_meeting()
        return TopicForm(
            data, suggestions=selectors.station_suggestions_for_topics(meeting.station_id)
        )

    def get(self, request, pk):
        return render(
            request, self.template_name, {"form": self._form(), "meeting": self.get_meeting()}
        )

    def post(self, request, pk):
        meeting = self.get_meeting()
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.topic_create(
                    meeting=meeting,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    suggestions=form.cleaned_data["suggestions"],
                    submission_key=form.cleaned_data["submission_key"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The topic is on the meeting's agenda."))
                return redirect(meeting.get_manage_url())
        return render(request, self.template_name, {"form": form, "meeting": meeting}, status=400)


class TopicProposalsView(MeetingScopeMixin, View):
    """Proposed groupings of similar open suggestions (same category and place, text alike)."""

    editing = True
    template_name = "meetings/topic_proposals.html"

    def get(self, request, pk, form=None, status=200):
        meeting = self.get_meeting()
        proposals = selectors.topic_proposals(meeting.station_id)
        forms = [
            ProposalAcceptForm(
                initial={"title": p.title, "suggestions": ",".join(map(str, p.ids))},
                prefix=f"p{index}",
            )
            for index, p in enumerate(proposals)
        ]
        context = {
            "meeting": meeting,
            "proposals": list(zip(proposals, forms, strict=True)),
            "error_form": form,
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request, pk):
        meeting = self.get_meeting()
        prefix = request.POST.get("prefix", "")
        if not (prefix.startswith("p") and prefix[1:].isdigit() and len(prefix) < 6):
            return self.get(request, pk, status=400)
        form = ProposalAcceptForm(request.POST, prefix=prefix)
        if form.is_valid():
            # The service checks that each one is a suggestion of this station.
            chosen = [Suggestion(pk=pk) for pk in form.cleaned_data["suggestions"]]
            try:
                services.topic_create(
                    meeting=meeting,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    suggestions=chosen,
                    submission_key=form.cleaned_data["submission_key"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The topic is on the meeting's agenda."))
                return redirect(meeting.get_manage_url())
        return self.get(request, pk, form=form, status=400)


class TopicScopeMixin(LoginRequiredMixin):
    editing = False

    def get_topic(self):
        if not hasattr(self, "_topic"):
            topic = get_object_or_404(
                selectors.topics_visible_to(self.request.user).filter(meeting__isnull=False),
                pk=self.kwargs["pk"],
            )
            if self.editing and not selectors.can_edit_station(self.request.user, topic.station_id):
                raise Http404
            self._topic = topic
        return self._topic


def _topic_context(request, topic, **forms) -> dict:
    can_edit = selectors.can_edit_station(request.user, topic.station_id)
    follow_ups = list(topic.follow_ups.all())
    done_forms = forms.pop("done_forms", {})
    return {
        "topic": topic,
        "meeting": topic.meeting,
        "suggestions": topic.suggestions.select_related("category").order_by("submitted_at"),
        "follow_ups": [
            (f, done_forms.get(f.pk) or FollowUpDoneForm(prefix=f"done{f.pk}")) for f in follow_ups
        ],
        "can_edit": can_edit,
        "decision_form": forms.get("decision_form")
        or DecisionForm(initial={"decision": topic.decision}),
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(),
        "today": today(),
    }


class TopicDetailView(TopicScopeMixin, View):
    """A topic: its suggestions, the decision, and the follow-ups tracked until done."""

    template_name = "meetings/topic_detail.html"

    def get(self, request, pk):
        return render(request, self.template_name, _topic_context(request, self.get_topic()))


class TopicEditView(TopicScopeMixin, View):
    editing = True
    template_name = "meetings/topic_form.html"

    def _form(self, data=None):
        topic = self.get_topic()
        initial = {
            "title": topic.title,
            "description": topic.description,
            "suggestions": list(topic.suggestions.values_list("id", flat=True)),
        }
        return TopicForm(
            data,
            initial=initial,
            suggestions=selectors.station_suggestions_for_topics(topic.station_id),
        )

    def get(self, request, pk):
        topic = self.get_topic()
        context = {"form": self._form(), "meeting": topic.meeting, "topic": topic}
        return render(request, self.template_name, context)

    def post(self, request, pk):
        topic = self.get_topic()
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.topic_update(
                    topic=topic,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    suggestions=form.cleaned_data["suggestions"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The topic has been saved."))
                return redirect(topic.get_absolute_url())
        context = {"form": form, "meeting": topic.meeting, "topic": topic}
        return render(request, self.template_name, context, status=400)


class TopicDecideView(TopicScopeMixin, View):
    editing = True

    def post(self, request, pk):
        topic = self.get_topic()
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.topic_decide(
                    topic=topic, actor=request.user, decision=form.cleaned_data["decision"]
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The decision has been recorded."))
                return redirect(topic.get_absolute_url())
        context = _topic_context(request, topic, decision_form=form)
        return render(request, "meetings/topic_detail.html", context, status=400)


class FollowUpAddView(TopicScopeMixin, View):
    editing = True

    def post(self, request, pk):
        topic = self.get_topic()
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                services.follow_up_add(topic=topic, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The follow-up has been added."))
                return redirect(topic.get_absolute_url())
        context = _topic_context(request, topic, follow_up_form=form)
        return render(request, "meetings/topic_detail.html", context, status=400)


@login_required
@require_POST
def follow_up_done(request, pk):
    follow_up = get_object_or_404(selectors.follow_ups_visible_to(request.user), pk=pk)
    topic = follow_up.topic
    if topic.meeting_id is None or not selectors.can_edit_station(request.user, topic.station_id):
        raise Http404
    form = FollowUpDoneForm(request.POST, prefix=f"done{follow_up.pk}")
    if form.is_valid():
        try:
            services.follow_up_done(
                follow_up=follow_up, actor=request.user, note=form.cleaned_data["result"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, gettext("The follow-up is marked done."))
            return redirect(topic.get_absolute_url())
    context = _topic_context(request, topic, done_forms={follow_up.pk: form})
    return render(request, "meetings/topic_detail.html", context, status=400)


# --- the ballot: staff -----------------------------------------------------------------------


class BallotSetupView(MeetingScopeMixin, View):
    """Choose the items to rate (default: replied this half year) and the number of voters."""

    editing = True
    template_name = "meetings/ballot_setup.html"

    def _form(self, data=None):
        meeting = self.get_meeting()
        if meeting.kind != Meeting.Kind.RATING:
            raise Http404
        session = BallotSession.objects.filter(meeting=meeting).first()
        if session is not None and not session.is_draft:
            raise Http404
        if session is None:
            initial = {
                "suggestions": selectors.default_ballot_items(meeting.station_id, meeting.date)
            }
        else:
            initial = {
                "suggestions": list(session.suggestions.values_list("id", flat=True)),
                "voters": session.voters,
            }
        return BallotSetupForm(
            data, initial=initial, suggestions=selectors.ballot_item_choices(meeting.station_id)
        )

    def get(self, request, pk):
        context = {"form": self._form(), "meeting": self.get_meeting()}
        return render(request, self.template_name, context)

    def post(self, request, pk):
        meeting = self.get_meeting()
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.ballot_session_prepare(
                    meeting=meeting,
                    actor=request.user,
                    suggestions=form.cleaned_data["suggestions"],
                    voters=form.cleaned_data["voters"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The ballot has been prepared."))
                return redirect(meeting.get_manage_url())
        context = {"form": form, "meeting": meeting}
        return render(request, self.template_name, context, status=400)


def _editable_session(request, pk) -> BallotSession:
    meeting = get_object_or_404(selectors.meetings_visible_to(request.user), pk=pk)
    if not selectors.can_edit_station(request.user, meeting.station_id):
        raise Http404
    return get_object_or_404(BallotSession.objects.select_related("meeting"), meeting=meeting)


def ballot_url(session: BallotSession, code: str, *, request=None) -> str:
    """The absolute URL a slip's QR code holds: the public base URL (the request's own host
    only where none is configured, in development).

    The code is the URL's fragment (``…/vote/12/#7K3M9QXA4T``): a browser never sends a
    fragment to the server, so no access log, proxy or ``Referer`` holds a code beside an IP
    and a time. The entry page's script (``static/js/ballot.js``) posts it like a typed code.
    """
    return f"{ballot_entry_url(session, request=request)}#{code}"


def ballot_entry_url(session: BallotSession, *, request=None) -> str:
    return public_url(reverse("meetings:ballot_entry", args=[session.pk]), request=request)


@login_required
@require_POST
def ballot_issue(request, pk):
    """Issue the codes and answer with the printable sheet of slips, in this one response.

    Why not store the codes until printed: the plain codes then never exist anywhere but in
    this response (no database row, session, cache or log holds them), so nobody who later
    reads the database or the admin can vote with, or link anyone to, a code. The price: the
    sheet cannot be shown again. If it is lost, staff issue again, which voids every unused
    code and prints new ones for the voters still to vote. A reload re-posts the same form
    key and issues nothing.
    """
    session = _editable_session(request, pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        return redirect(session.meeting.get_manage_url())
    try:
        plain = services.ballot_codes_issue(
            session=session, actor=request.user, issue_key=form.cleaned_data["issue_key"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(session.meeting.get_manage_url())
    session.refresh_from_db()
    slips = [
        {
            "number": number,
            "code": codes.format_code(code),
            "qr": ballot_qr_svg(
                ballot_url(session, code, request=request),
                title=gettext("QR code of ballot slip %(number)d") % {"number": number},
            ),
        }
        for number, code in enumerate(plain, start=1)
    ]
    del plain
    entry = ballot_entry_url(session, request=request)
    context = {
        "meeting": session.meeting,
        "session": session,
        "slips": slips,
        "entry_url": entry,
        "entry_host_path": entry.split("://", 1)[-1],
        "items": session.suggestions.count(),
    }
    response = render(request, "meetings/ballot_sheet.html", context)
    # The codes must not stay in a browser or proxy cache.
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def ballot_close(request, pk):
    session = _editable_session(request, pk)
    try:
        services.ballot_session_close(session=session, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, gettext("Voting has closed. The results are below."))
    return redirect(session.meeting.get_manage_url())


class BallotPaperView(MeetingScopeMixin, View):
    """Paper mode: the aggregated totals of paper ballots per item."""

    editing = True
    template_name = "meetings/ballot_paper.html"

    def _form(self, data=None):
        meeting = self.get_meeting()
        session = get_object_or_404(BallotSession, meeting=meeting)
        if session.is_closed:
            raise Http404
        existing = {
            t.suggestion_id: (t.satisfied, t.basic, t.unsatisfied)
            for t in PaperTally.objects.filter(session=session)
        }
        items = selectors.session_items(session)
        form = PaperTallyForm(data, items=items, voters=session.voters, existing=existing)
        form.rows = [(n, item, selectors.item_label(item, n), row) for n, item, row in form.rows]
        return session, form

    def get(self, request, pk):
        session, form = self._form()
        context = {"form": form, "meeting": self.get_meeting(), "session": session}
        return render(request, self.template_name, context)

    def post(self, request, pk):
        session, form = self._form(request.POST)
        if form.is_valid():
            try:
                services.ballot_paper_enter(
                    session=session, actor=request.user, totals=form.totals()
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The paper totals have been saved."))
                return redirect(session.meeting.get_manage_url())
        context = {"form": form, "meeting": self.get_meeting(), "session": session}
        return render(request, self.template_name, context, status=400)


class SatisfactionView(LoginRequiredMixin, TemplateView):
    """满意度 across rating meetings: closed sessions in the user's scope with their rates."""

    template_name = "meetings/satisfaction.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if selectors.meeting_station_ids(user) == set():
            raise Http404
        form = SatisfactionFilterForm(self.request.GET or None, user=user)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        results, total = selectors.satisfaction_overview(
            user,
            station=filters.get("station"),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        context.update(form=form, results=results, total=total)
        return context


# --- the ballot: voters (no account) ---------------------------------------------------------


def _limited(request):
    return render(request, "meetings/ballot_limited.html", status=429)


_REFUSAL_STATUS = {"unknown": 404, "foreign": 409, "used": 409, "closed": 410, "not_open": 409}


def _refused(request, session, reason: str):
    context = {"session": session, "message": services.refusal_message(reason), "reason": reason}
    return render(request, "meetings/ballot_refused.html", context, status=_REFUSAL_STATUS[reason])


def _public_session(pk) -> BallotSession:
    return get_object_or_404(
        BallotSession.objects.select_related("meeting", "meeting__station").exclude(
            meeting__status=Meeting.Status.CANCELLED
        ),
        pk=pk,
    )


def _private(response):
    # The page holds a ballot code (in a form field): keep it out of caches. same-origin, not
    # no-referrer: with no-referrer Chromium posts the ballot with "Origin: null", which
    # Django's CSRF check rightly refuses.
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "same-origin"
    return response


class _BallotPage(View):
    """A voter's page: rate-limited per client address, never cached.

    A ballot code travels only in POST bodies (and in a slip's URL fragment, which stays in
    the browser): never in a path or a query string, which access logs keep with the IP and
    the time of the request.
    """

    def dispatch(self, request, *args, **kwargs):
        if not hit(request, "ballot", limit=BALLOT_LIMIT, window=BALLOT_WINDOW):
            return _limited(request)
        return _private(super().dispatch(request, *args, **kwargs))

    @staticmethod
    def _refusal(session, code: str) -> str | None:
        try:
            services.ballot_check_code(session=session, code=code)
        except services.BallotRefused as refusal:
            return refusal.code
        return None

    @staticmethod
    def _ballot_form(session, data=None) -> BallotForm:
        items = selectors.session_items(session)
        labelled = [(item, selectors.item_label(item, n)) for n, item in enumerate(items, 1)]
        return BallotForm(data, items=labelled)

    @staticmethod
    def _ballot(request, session, form, code: str, status=200):
        """The ballot page; the code rides along in a hidden field of its form."""
        context = {"session": session, "meeting": session.meeting, "form": form, "code": code}
        return render(request, "meetings/ballot.html", context, status=status)


class BallotEntryView(_BallotPage):
    """The code typed from the slip, or posted by the page's script from a scanned QR code's
    fragment, opens the ballot: the answer to the POST is the ballot itself, with the code in a
    hidden field (no redirect: its URL would carry the code). A ``?code=`` is not obeyed."""

    template_name = "meetings/ballot_entry.html"

    def get(self, request, session_pk):
        session = _public_session(session_pk)
        if request.GET:
            # An old link's ``?code=``: not obeyed, and off the address bar and the history
            # (the page would otherwise repeat it, e.g. in the language switch's return path).
            return redirect("meetings:ballot_entry", session.pk)
        return render(request, self.template_name, {"session": session, "form": BallotCodeForm()})

    def post(self, request, session_pk):
        session = _public_session(session_pk)
        form = BallotCodeForm(request.POST)
        if not form.is_valid():
            context = {"session": session, "form": form}
            return render(request, self.template_name, context, status=400)
        # Anything that is not a live code of this session, typo or garbage: one answer.
        code = codes.normalise_code(form.cleaned_data["code"])
        reason = self._refusal(session, code)
        if reason:
            return _refused(request, session, reason)
        return self._ballot(request, session, self._ballot_form(session), code)


class BallotView(_BallotPage):
    """The filled-in ballot (POST only): every item rated once, then a thank-you page."""

    def get(self, request, session_pk):
        # A reload or a bookmark: the ballot is reached through the code entry page.
        return redirect("meetings:ballot_entry", session_pk)

    def post(self, request, session_pk):
        session = _public_session(session_pk)
        code = codes.normalise_code(request.POST.get("code", ""))
        reason = self._refusal(session, code)
        if reason:
            return _refused(request, session, reason)
        form = self._ballot_form(session, request.POST)
        if form.is_valid():
            try:
                services.ballot_cast(session=session, code=code, marks=form.marks())
            except services.BallotRefused as refusal:
                return _refused(request, session, refusal.code)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("meetings:ballot_thanks", session.pk)
        return self._ballot(request, session, form, code, status=400)


class BallotThanksView(View):
    def get(self, request, session_pk):
        session = _public_session(session_pk)
        return render(request, "meetings/ballot_thanks.html", {"session": session})
