from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from congress_portal.masking import mask_phone
from congress_portal.ratelimit import hit

from . import services
from .codes import format_code, normalise_code
from .forms import RatingForm, SuggestionForm, TrackForm
from .models import WITH_UNIT_STATES, Channel, State
from .presenters import public_timeline, resident_status
from .selectors import suggestion_by_code

TRACK_LIMIT = 30  # lookups per client per 10 minutes, wrong or right
TRACK_WINDOW = 600


class SuggestionCreateView(FormView):
    """点单: the resident's form. Errors keep what was typed (photos must be chosen again)."""

    template_name = "suggestions/suggestion_new.html"
    form_class = SuggestionForm

    def get_initial(self):
        initial = super().get_initial()
        station = self.request.GET.get("station", "")
        if station.isdigit() and len(station) < 10:
            initial["station"] = int(station)
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
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
            form.add_error(None, error)
            return self.form_invalid(form)
        # The code travels in the session, not the URL, to the page that shows it big.
        self.request.session["portal_new_code"] = suggestion.tracking_code
        return redirect("suggestions:submitted")


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


def _track_context(suggestion, rating_form=None):
    can_rate = suggestion.state == State.REPLIED
    return {
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
