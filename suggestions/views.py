import uuid

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from accounts.models import AuditEvent, Role
from accounts.permissions import may_reveal_phones
from accounts.services import audit_record
from congress_portal.crypto import phone_digest
from congress_portal.forms import add_service_error
from congress_portal.masking import mask_phone, redact_phones
from congress_portal.ratelimit import hit, hit_key
from stations.selectors import station_public_list, station_search

from . import desk, services
from .codes import format_code, normalise_code
from .filters import SuggestionFilter
from .forms import (
    _CONTROL,
    RatingForm,
    StaffSuggestionForm,
    StationFinderForm,
    SuggestionForm,
    SupportForm,
    TrackForm,
    chosen_station,
)
from .models import (
    TRANSITIONS,
    WITH_UNIT_STATES,
    Attachment,
    Channel,
    State,
    Suggestion,
    Verb,
)
from .presenters import public_timeline, resident_status
from .selectors import (
    merged_survivor,
    scope_parts,
    similar_suggestions,
    suggestion_by_code,
    suggestions_visible_to,
)

# Submissions per client address and per phone number in SUBMIT_WINDOW seconds.
SUBMIT_LIMIT = 30
PHONE_LIMIT = 5
SUBMIT_WINDOW = 3600
TRACK_LIMIT = 30  # lookups per client per 10 minutes, wrong or right
TRACK_WINDOW = 600


FIND_STATION = "find_station"
PICK_STATION = "station_pick"
FOUND_STATIONS = 20


class SuggestionCreateView(FormView):
    """点单: the resident's form. Errors keep what was typed (photos must be chosen again).

    Choosing among 5,000 stations works without JavaScript: the page's station finder posts
    the whole form with a search (FIND_STATION) and gets it back, as typed, with the stations
    found as buttons; one of them (PICK_STATION) brings the form back again with the station
    chosen and its area's communities to choose from. Neither step saves or validates
    anything. With JavaScript the station field is a searching picker instead.
    """

    template_name = "suggestions/suggestion_new.html"
    form_class = SuggestionForm

    def get_initial(self):
        initial = super().get_initial()
        station = self.request.GET.get("station", "")
        if station.isdigit() and len(station) < 10:
            initial["station"] = int(station)
        return initial

    def post(self, request, *args, **kwargs):
        if FIND_STATION in request.POST or PICK_STATION in request.POST:
            return self.station_step(request)
        return super().post(request, *args, **kwargs)

    def station_step(self, request):
        """The form back as typed, with the stations found for the finder's search or with
        the picked station chosen."""
        posted = request.POST
        initial = {
            name: posted.get(name)
            for name in SuggestionForm.base_fields
            if name not in ("photos", "submission_key") and name in posted
        }
        try:
            initial["submission_key"] = uuid.UUID(posted.get("submission_key", ""))
        except ValueError:
            pass  # a fresh key, as for a new form
        finder = StationFinderForm(posted)
        found = None
        if PICK_STATION in posted:
            initial["station"] = posted.get(PICK_STATION)
        elif finder.is_valid() and finder.cleaned_data["station_q"]:
            rows = list(
                station_search(station_public_list(), finder.cleaned_data["station_q"]).order_by(
                    "name"
                )[: FOUND_STATIONS + 1]
            )
            found = rows[:FOUND_STATIONS]
            self.more_found = len(rows) > FOUND_STATIONS
        else:
            found = []
        self.finder, self.found_stations = finder, found
        self.photos_dropped = bool(request.FILES)
        return self.render_to_response(self.get_context_data(form=SuggestionForm(initial=initial)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            finder=getattr(self, "finder", None) or StationFinderForm(),
            found_stations=getattr(self, "found_stations", None),
            more_found=getattr(self, "more_found", False),
            photos_dropped=getattr(self, "photos_dropped", False),
            find_button=FIND_STATION,
            pick_button=PICK_STATION,
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        if not self.within_limits(data):
            form.add_error(None, _too_many_submissions_message())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        try:
            suggestion = services.suggestion_submit(
                title=data["title"],
                content=data["content"],
                category=data["category"],
                station=data["station"],
                channel=Channel.ONLINE,
                place=data["place"],
                address=data["address"],
                submitter_name=data["submitter_name"],
                submitter_phone=data["submitter_phone"],
                consent_disclosure=data["consent_disclosure"],
                photos=data["photos"],
                submission_key=data["submission_key"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        # The code travels in the session, not the URL, to the page that shows it big.
        self.request.session["portal_new_code"] = suggestion.tracking_code
        return redirect("suggestions:submitted")

    def within_limits(self, data) -> bool:
        return within_submit_limits(self.request, data.get("submitter_phone"))


def within_submit_limits(request, phone: str) -> bool:
    """SUBMIT_LIMIT per client address and PHONE_LIMIT per phone number an hour, for the
    suggestion form and the support (附议) form together: a resident sends a few, a script
    fifty in four seconds. Counted only for a complete form (a double post of the same form is
    one record and counts once more at most)."""
    if not hit(request, "submit", limit=SUBMIT_LIMIT, window=SUBMIT_WINDOW):
        return False
    if phone:
        # The keyed digest the database keeps beside the encrypted phone: no plain number in
        # the cache either.
        digest = phone_digest(phone)
        if not hit_key(f"submit-phone:{digest}", limit=PHONE_LIMIT, window=SUBMIT_WINDOW):
            return False
    return True


def _too_many_submissions_message() -> str:
    return gettext(
        "Many suggestions have been sent from here or with this phone number in a "
        "short time. Please wait an hour and send it again, or hand it in at the "
        "station."
    )


# --- Similar suggestions while typing, and 附议 (support) -------------------------------------

SIMILAR_REQUESTS = 120  # look-ups per client per SIMILAR_WINDOW: typing, debounced
SIMILAR_WINDOW = 600
SIMILAR_MIN_CHARS = 2


def _similar_query(request):
    """(title, station, category id) of a similar look-up, or None when there is nothing to
    look up (too short, control characters, no station chosen)."""
    title = (request.GET.get("title") or "")[:100].strip()
    if len(title) < SIMILAR_MIN_CHARS or _CONTROL.search(title):
        return None
    station = chosen_station(request.GET.get("station"))
    if station is None:
        return None
    category = (request.GET.get("category") or "").strip()
    category = (
        int(category) if category.isascii() and category.isdigit() and len(category) < 10 else None
    )
    return title, station, category


def _similar_response(results, *, status=200, limited=False):
    response = JsonResponse({"results": results, "limited": limited}, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


class SimilarView(View):
    """GET /suggestions/similar/?title=…&station=…&category=…: up to five open, public
    suggestions of the station's area like the title being typed (suggestion_new.html's
    similar.js); nothing personal, each with its public page where a resident can support it."""

    def get(self, request):
        if not hit(request, "similar", limit=SIMILAR_REQUESTS, window=SIMILAR_WINDOW):
            return _similar_response([], status=429, limited=True)
        query = _similar_query(request)
        if query is None:
            return _similar_response([])
        title, station, category = query
        found = similar_suggestions(title=title, station=station, category_id=category)
        return _similar_response(
            [
                {
                    "title": redact_phones(row.title),
                    "station": row.station.name,
                    "state": row.get_state_display(),
                    "supporters": row.supporter_count,
                    "url": reverse("suggestions:public_detail", args=[row.pk]),
                }
                for row in found
            ]
        )


class PublicSuggestionView(View):
    """A suggestion as the public board shows it (its resident agreed to disclosure), with
    the 附议 form: "I have this problem too"."""

    template_name = "suggestions/suggestion_public.html"

    def get(self, request, pk):
        suggestion = _public_suggestion(pk)
        return render(request, self.template_name, _public_context(suggestion, SupportForm()))

    def post(self, request, pk):
        suggestion = _public_suggestion(pk)
        form = SupportForm(request.POST)
        if not form.is_valid():
            return render(
                request, self.template_name, _public_context(suggestion, form), status=400
            )
        phone = form.cleaned_data["phone"]
        if not within_submit_limits(request, phone):
            form.add_error(None, _too_many_submissions_message())
            return render(
                request, self.template_name, _public_context(suggestion, form), status=429
            )
        try:
            services.suggestion_support(
                suggestion=suggestion,
                phone=phone,
                submission_key=form.cleaned_data["submission_key"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return render(
                request, self.template_name, _public_context(suggestion, form), status=400
            )
        except services.NotAllowed:
            raise Http404 from None
        if phone:
            messages.success(
                request,
                gettext(
                    "Thank you: your support is counted. We will tell you by phone when "
                    "this suggestion is answered."
                ),
            )
        else:
            messages.success(request, gettext("Thank you: your support is counted."))
        return redirect("suggestions:public_detail", pk=suggestion.pk)


def _public_suggestion(pk) -> Suggestion:
    """A suggestion the public may see, or 404: disclosed by its resident, not merged."""
    return get_object_or_404(
        Suggestion.objects.filter(consent_disclosure=True)
        .exclude(state=State.MERGED)
        .select_related("category", "station", "handling_unit")
        .only(
            "pk",
            "title",
            "content",
            "state",
            "reply",
            "supporter_count",
            "consent_disclosure",
            "submitted_at",
            "replied_at",
            "category__name",
            "station__name",
            "handling_unit__name",
        ),
        pk=pk,
    )


def _public_context(suggestion, form) -> dict:
    answered = suggestion.state in (State.REPLIED, State.CLOSED)
    return {
        "suggestion": suggestion,
        "title": redact_phones(suggestion.title),
        "content": redact_phones(suggestion.content),
        "reply": redact_phones(suggestion.reply) if answered else "",
        "unit": suggestion.handling_unit.name if answered and suggestion.handling_unit_id else "",
        "can_support": suggestion.is_open,
        "form": form,
    }


class SubmittedView(TemplateView):
    """The page after submitting: the tracking code, big enough to copy or photograph."""

    template_name = "suggestions/suggestion_submitted.html"

    def get(self, request, *args, **kwargs):
        code = request.session.get("portal_new_code")
        if not code:
            return redirect("suggestions:new")
        return self.render_to_response({"code": code, "formatted_code": format_code(code)})


class TrackView(View):
    """查进度: enter a code. Every wrong code gets the same answer, and lookups are limited."""

    template_name = "suggestions/track.html"

    def get(self, request):
        if "code" not in request.GET:
            return render(request, self.template_name, {"form": TrackForm()})
        form = TrackForm(request.GET)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        code = normalise_code(form.cleaned_data["code"])
        if code:
            return redirect("suggestions:track_detail", code=code)
        if not hit(request, "track", limit=TRACK_LIMIT, window=TRACK_WINDOW):
            return _too_many(request)
        return _not_found(request, form)


def _not_found(request, form=None):
    # One answer for every wrong code: nothing tells a guesser how close they came.
    context = {
        "form": TrackForm(initial={"code": form.data.get("code", "")[:40]} if form else None),
        "not_found": True,
    }
    return render(request, "suggestions/track.html", context, status=404)


def _too_many(request):
    return render(request, "suggestions/track_limited.html", status=429)


class TrackDetailView(View):
    """The resident's view of a suggestion: status in plain words, public trail, reply."""

    def get(self, request, code):
        if not hit(request, "track", limit=TRACK_LIMIT, window=TRACK_WINDOW):
            return _too_many(request)
        suggestion = _by_code(code)
        if suggestion is None:
            return _not_found(request, TrackForm({"code": code}))
        return render(request, "suggestions/track_detail.html", _track_context(suggestion))


def _by_code(code):
    canonical = normalise_code(code)
    return suggestion_by_code(canonical) if canonical else None


def _merged_outcome(suggestion) -> dict | None:
    """For a merged duplicate: where the suggestion it joined stands, in plain words, and its
    reply once given — never that suggestion's details, resident, address or tracking code."""
    if suggestion.state != State.MERGED:
        return None
    survivor = merged_survivor(suggestion)
    if survivor is None:
        return None
    answered = bool(survivor.reply) and survivor.state in (State.REPLIED, State.CLOSED)
    public = survivor.consent_disclosure
    return {
        # Which suggestion it joined: when its resident agreed to disclosure, its title
        # (phones masked) and public page; never its code, resident or details.
        "title": redact_phones(survivor.title) if public else "",
        "url": reverse("suggestions:public_detail", args=[survivor.pk]) if public else "",
        "supporters": survivor.supporter_count,
        "status": resident_status(survivor),
        "reply": survivor.reply if answered else "",
        "unit": survivor.handling_unit.name if answered and survivor.handling_unit_id else "",
    }


def _track_context(suggestion, rating_form=None):
    # Only the resident whose suggestion was answered rates it: a merged duplicate never.
    can_rate = suggestion.state == State.REPLIED
    return {
        "merged_outcome": _merged_outcome(suggestion),
        "suggestion": suggestion,
        "status": resident_status(suggestion),
        "timeline": public_timeline(suggestion),
        "masked_phone": mask_phone(suggestion.submitter_phone),
        "photos": suggestion.attachments.filter(kind="photo").count(),
        "can_rate": can_rate,
        "rating_form": rating_form or (RatingForm() if can_rate else None),
        "formatted_code": format_code(suggestion.tracking_code),
        "show_reply": bool(suggestion.reply) and suggestion.state in (State.REPLIED, State.CLOSED),
        "show_deadline": suggestion.state in WITH_UNIT_STATES,
    }


@require_POST
def rate(request, code):
    """评单: the resident rates the reply on the tracking page."""
    if not hit(request, "track", limit=TRACK_LIMIT, window=TRACK_WINDOW):
        return _too_many(request)
    suggestion = _by_code(code)
    if suggestion is None:
        raise Http404
    form = RatingForm(request.POST)
    if not form.is_valid():
        return render(
            request, "suggestions/track_detail.html", _track_context(suggestion, form), status=400
        )
    try:
        services.suggestion_rate(
            suggestion=suggestion,
            value=form.cleaned_data["value"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError:
        messages.info(request, gettext("This reply has already been rated. Thank you."))
    else:
        if form.cleaned_data["value"] == "unsatisfied":
            messages.success(
                request,
                gettext(
                    "Thank you. Your suggestion goes back to the delegate to be handled again."
                ),
            )
        else:
            messages.success(request, gettext("Thank you for rating the reply."))
    return redirect(reverse("suggestions:track_detail", args=[suggestion.tracking_code]))


# --- The staff desk: workbench, entry, detail with the trail, steps, attachments ----------------

DESK_ROLES = {Role.OFFICE, Role.STATION_STAFF, Role.DELEGATE, Role.UNIT_STAFF}
ENTRY_ROLES = {Role.OFFICE, Role.STATION_STAFF, Role.DELEGATE}


class DeskAccessMixin(LoginRequiredMixin):
    """Logged-in staff of a role the desk serves; anyone else gets a 404, like an object
    outside their scope."""

    desk_roles = DESK_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        user = request.user
        if not (user.is_office or user.role in self.desk_roles):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class DeskListView(DeskAccessMixin, TemplateView):
    """The workbench: the role's queues as tabs with capped counts, filters and keyset pages
    (``desk.desk_page``): a constant number of bounded queries at any data size and depth."""

    template_name = "suggestions/desk/desk_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        scope = suggestions_visible_to(user)
        params = self.request.GET.copy()
        # The filter's station and delegate pickers are scoped to the request's user
        # (congress_portal.pickers: desk_stations, desk_delegates).
        filterset = SuggestionFilter(params, queryset=scope, request=self.request)
        filtered = filterset.qs
        tabs = desk.tabs_for(user)
        keys = [tab.key for tab in tabs]
        current = params.get("tab") if params.get("tab") in keys else keys[0]
        is_filtered = any(v for k, v in params.items() if k not in _NOT_FILTERS)
        if "tab" not in params and is_filtered:
            current = "all"  # a filtered link (from the dashboard) shows all that match
        tab = tabs[keys.index(current)]
        states = filterset.form.cleaned_data.get("state") if filterset.is_valid() else None
        counts = desk.tab_counts(filtered, tabs, states=states)
        condition = tab.within(states)
        rows = filtered.filter(condition) if condition is not None else filtered.none()
        rows = rows.select_related("category", "station", "delegate", "handling_unit").only(
            *_LIST_FIELDS
        )
        parts = scope_parts(user) if condition is not None else None
        if parts is not None:
            # The same filters without the scope, for reading each part of it in its index
            # (filter_queryset applies the validated form again; no second validation).
            unscoped = filterset.filter_queryset(Suggestion.objects.all()).filter(condition)
            parts = (unscoped, parts)
        page = desk.desk_page(
            rows, after=params.get("after"), before=params.get("before"), parts=parts
        )
        context.update(
            {
                "filter": filterset,
                "tabs": [(t, counts[t.key]) for t in tabs],
                "current_tab": current,
                "current_count": counts[current],
                "page": page,
                "suggestions": page.rows,
                "is_filtered": is_filtered,
                "can_enter": user.is_office or user.role in ENTRY_ROLES,
                "ledger_url": _ledger_url(self.request),
            }
        )
        return context


# What a row of the list shows: not the texts (details, replies of up to 3,000 characters each).
_LIST_FIELDS = (
    "tracking_code",
    "title",
    "state",
    "deadline",
    "reopen_count",
    "supporter_count",
    "submitted_at",
    "category__name",
    "station__name",
    "delegate__name",
    "handling_unit__name",
)

# Parameters of the desk's URL that are not filters: the queue and the position in it.
_NOT_FILTERS = ("tab", "page", "after", "before")


def _ledger_url(request) -> str:
    """The suggestion ledger (建议办理台账) with this screen's filters, when it is installed."""
    try:
        url = reverse("dashboard:ledger_suggestions")
    except NoReverseMatch:
        return ""
    params = request.GET.copy()
    for name in ("page", "after", "before"):
        params.pop(name, None)
    return f"{url}?{params.urlencode()}" if params else url


class DeskCreateView(DeskAccessMixin, FormView):
    """Staff enter a suggestion heard at a reception day, a visit, by phone, WeChat or letter."""

    desk_roles = ENTRY_ROLES
    template_name = "suggestions/desk/desk_new.html"
    form_class = StaffSuggestionForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        user = self.request.user
        kwargs["user"] = user
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        for name in ("station", "reception_day"):
            value = self.request.GET.get(name, "")
            if value.isdigit() and len(value) < 10:
                initial[name] = int(value)
        if "reception_day" in initial:
            initial["channel"] = Channel.RECEPTION_DAY
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        user = self.request.user
        try:
            suggestion = services.suggestion_submit(
                title=data["title"],
                content=data["content"],
                category=data["category"],
                station=data["station"],
                channel=data["channel"],
                reception_day=data["reception_day"],
                place=data["place"],
                address=data["address"],
                submitter_name=data["submitter_name"],
                submitter_phone=data["submitter_phone"],
                consent_disclosure=data["consent_disclosure"],
                photos=data["photos"],
                submission_key=data["submission_key"],
                actor=user,
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        except services.NotAllowed as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("Entered. Tracking code for the resident: %(code)s")
            % {"code": suggestion.formatted_code},
        )
        if suggestion.state == State.SUBMITTED:
            self._hand_over(suggestion, data)
        return redirect("suggestions:desk_detail", pk=suggestion.pk)

    def _hand_over(self, suggestion, data):
        """Assign or take at once; the suggestion is saved either way."""
        user = self.request.user
        try:
            if data.get("delegate"):
                desk.STEPS["assign"].run(suggestion, user, {"delegate": data["delegate"]})
            elif data.get("take_myself"):
                desk.STEPS["accept"].run(suggestion, user, {})
        except (ValidationError, services.NotAllowed) as error:
            messages.warning(
                self.request,
                gettext("The suggestion is saved but was not handed over: %(reason)s")
                % {"reason": " ".join(_messages_of(error))},
            )


def _messages_of(error) -> list[str]:
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error)]


def _desk_suggestion(user, pk):
    """A suggestion through the user's scope, or 404 (SECURITY.md 6-7)."""
    return get_object_or_404(
        suggestions_visible_to(user).select_related(
            "category__default_unit",
            "station__parent",
            "station__region",
            "place",
            "delegate",
            "handling_unit",
            "merged_into",
            "reception_day",
            "entered_by",
        ),
        pk=pk,
    )


def _meeting_trail(suggestion) -> list:
    """Topics and ballot results from the meetings app, when it offers them."""
    try:
        from meetings.selectors import suggestion_meeting_trail
    except ImportError:
        return []
    return suggestion_meeting_trail(suggestion)


def _desk_context(request, suggestion, *, bound=None, revealed_phone=""):
    user = request.user
    forms_by_step = {}
    steps = []
    for step in desk.offered_steps(suggestion, user):
        if bound is not None and bound[0] == step.name:
            form = bound[1]
        else:
            form = step.build_form(suggestion, user)
            if step.name == "publish":
                form.initial["reply"] = suggestion.unit_reply
        forms_by_step[step.name] = form
        steps.append((step, form))
    is_unit_staff = user.role == Role.UNIT_STAFF and not user.is_office
    scope = suggestions_visible_to(user)
    can_merge = user.is_office or user.role in (Role.STATION_STAFF, Role.DELEGATE)
    return {
        "likely_duplicates": _likely_duplicates(suggestion, user) if can_merge else [],
        "can_merge": can_merge,
        "mergeable_states": MERGEABLE_STATES,
        "suggestion": suggestion,
        "steps": steps,
        "open_step": bound[0] if bound else "",
        "events": suggestion.events.all(),
        "attachments": suggestion.attachments.all(),
        "extensions": suggestion.extensions.select_related("requested_by", "decided_by"),
        "duplicates": scope.filter(merged_into=suggestion).only("pk", "tracking_code", "title"),
        "merged_into_visible": suggestion.merged_into_id
        and scope.filter(pk=suggestion.merged_into_id).exists(),
        "meeting_trail": _meeting_trail(suggestion),
        "show_contact": not is_unit_staff,
        "masked_phone": mask_phone(suggestion.submitter_phone),
        "revealed_phone": revealed_phone,
        "can_reveal": bool(suggestion.submitter_phone) and may_reveal_phones(user),
        "urges": [e for e in suggestion.events.all() if e.verb == Verb.URGE],
    }


MERGEABLE_STATES = TRANSITIONS[Verb.MERGE][0]


def _likely_duplicates(suggestion, user) -> list:
    """Open suggestions of the same area in the user's scope with a title like this one's,
    each with the merges it allows: this one into it, or it into this one."""
    if suggestion.state == State.MERGED:
        return []
    found = similar_suggestions(
        title=suggestion.title,
        station=suggestion.station,
        user=user,
        category_id=suggestion.category_id,
        exclude_pk=suggestion.pk,
    )
    return [
        {
            "suggestion": row,
            "code": format_code(row.tracking_code),
            "merge_this": suggestion.state in MERGEABLE_STATES,
            "merge_it": row.state in MERGEABLE_STATES,
        }
        for row in found
    ]


class DeskDetailView(DeskAccessMixin, View):
    """A suggestion for staff: facts, the resident's data as the role may see it, the steps
    the user may take now, and the full trail."""

    def get(self, request, pk):
        suggestion = _desk_suggestion(request.user, pk)
        return render(
            request, "suggestions/desk/desk_detail.html", _desk_context(request, suggestion)
        )


class DeskStepView(DeskAccessMixin, View):
    """One step of the loop from the detail page: validate its form, call its service."""

    def post(self, request, pk, step):
        user = request.user
        suggestion = _desk_suggestion(user, pk)
        definition = desk.STEPS.get(step)
        if definition is None:
            raise Http404
        form = definition.build_form(suggestion, user, request.POST, request.FILES)
        if form is not None and not form.is_valid():
            return self._again(request, suggestion, step, form)
        try:
            message = definition.run(suggestion, user, form.cleaned_data if form else {})
        except services.NotAllowed as error:
            audit_record(
                action="suggestion.step_denied",
                request=request,
                obj=suggestion,
                outcome=AuditEvent.Outcome.DENIED,
                detail={"step": step},
            )
            messages.error(request, str(error))
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
            else:
                add_service_error(form, error)
                return self._again(request, suggestion, step, form)
        else:
            messages.success(request, message)
            if not suggestions_visible_to(user).filter(pk=suggestion.pk).exists():
                # The step took the row out of the actor's scope (a unit refusing, a delegate
                # handing it to a colleague, staff dispatching it away): its page would be a
                # 404 that swallows the confirmation, so land on the desk, which shows it.
                return redirect("suggestions:desk")
        return redirect("suggestions:desk_detail", pk=suggestion.pk)

    def _again(self, request, suggestion, step, form):
        """The form with its errors and everything typed, on the detail page."""
        context = _desk_context(request, suggestion, bound=(step, form))
        if all(offered.name != step for offered, _form in context["steps"]):
            # No longer offered (someone else moved it): say why instead of hiding the errors.
            for error in form.non_field_errors() or [gettext("This step is not available now.")]:
                messages.error(request, error)
        return render(request, "suggestions/desk/desk_detail.html", context, status=400)


class DeskSimilarView(DeskAccessMixin, View):
    """GET /desk/suggestions/similar/: the staff entry forms' similar list (similar.js), open
    suggestions of the chosen station's area within the user's scope, public or not."""

    desk_roles = ENTRY_ROLES

    def get(self, request):
        if not hit(request, "similar", limit=SIMILAR_REQUESTS, window=SIMILAR_WINDOW):
            return _similar_response([], status=429, limited=True)
        query = _similar_query(request)
        if query is None:
            return _similar_response([])
        title, station, category = query
        found = similar_suggestions(
            title=title, station=station, category_id=category, user=request.user
        )
        return _similar_response(
            [
                {
                    "title": redact_phones(row.title),
                    "code": format_code(row.tracking_code),
                    "station": row.station.name,
                    "state": row.get_state_display(),
                    "supporters": row.supporter_count,
                    "url": reverse("suggestions:desk_detail", args=[row.pk]),
                }
                for row in found
            ]
        )


class DeskMergeView(DeskAccessMixin, View):
    """One-click merge from the detail page's likely duplicates: ``pk`` is merged into
    ``into``. Both through the user's scope; the right to merge is the service's to check."""

    def post(self, request, pk, into):
        user = request.user
        duplicate = _desk_suggestion(user, pk)
        target = _desk_suggestion(user, into)
        back = request.POST.get("back")
        back = back if back in (str(pk), str(into)) else str(into)
        try:
            services.suggestion_merge(suggestion=duplicate, into=target, actor=user)
        except services.NotAllowed as error:
            audit_record(
                action="suggestion.step_denied",
                request=request,
                obj=duplicate,
                outcome=AuditEvent.Outcome.DENIED,
                detail={"step": "merge"},
            )
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                gettext("%(duplicate)s was merged into %(target)s.")
                % {"duplicate": duplicate.formatted_code, "target": target.formatted_code},
            )
        return redirect("suggestions:desk_detail", pk=int(back))


class DeskRevealPhoneView(DeskAccessMixin, View):
    """An authorised office user sees one resident's full number; every reveal is audited."""

    desk_roles = {Role.OFFICE}

    def post(self, request, pk):
        user = request.user
        suggestion = _desk_suggestion(user, pk)
        if not may_reveal_phones(user):
            raise Http404
        if not suggestion.submitter_phone:
            return redirect("suggestions:desk_detail", pk=suggestion.pk)
        audit_record(action="suggestion.phone_revealed", request=request, obj=suggestion)
        response = render(
            request,
            "suggestions/desk/desk_detail.html",
            _desk_context(request, suggestion, revealed_phone=suggestion.submitter_phone),
        )
        response["Cache-Control"] = "no-store"
        return response


class DeskAttachmentView(DeskAccessMixin, View):
    """A photo or reply file, served only through its suggestion's scope (SECURITY.md 17)."""

    def get(self, request, pk):
        attachment = get_object_or_404(
            Attachment.objects.filter(
                suggestion__in=suggestions_visible_to(request.user)
            ).select_related("suggestion"),
            pk=pk,
        )
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, OSError, ValueError):
            raise Http404 from None
        is_image = attachment.content_type.startswith("image/")
        extension = {
            "image/jpeg": "jpg",
            "image/png": "png",
            "image/webp": "webp",
            "application/pdf": "pdf",
        }.get(attachment.content_type, "bin")
        response = FileResponse(
            handle,
            content_type=attachment.content_type,
            as_attachment=not is_image,
            filename=f"{attachment.suggestion.tracking_code}-{attachment.pk}.{extension}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=3600"
        return response
