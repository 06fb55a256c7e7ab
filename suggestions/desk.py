"""The staff desk's steps: for each verb of the loop, the form it needs, who is offered it, and
the one service it calls. Offering is a courtesy that keeps impossible buttons off the page;
the service decides, with the row locked, whether the step is allowed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from congress_portal.clock import today

from . import forms, services
from .models import OPEN_STATES, WITH_UNIT_STATES, DeadlineExtension, State
from .selectors import suggestions_visible_to, user_delegate


def is_holder(suggestion, user) -> bool:
    """The office, or the delegate who took the suggestion."""
    if user.is_office:
        return True
    delegate = user_delegate(user)
    return delegate is not None and suggestion.delegate_id == delegate.pk


def is_unit(suggestion, user) -> bool:
    return (
        user.role == Role.UNIT_STAFF
        and suggestion.handling_unit_id is not None
        and any(unit.pk == suggestion.handling_unit_id for unit in user.handling_units.all())
    )


def pending_extension(suggestion):
    return suggestion.extensions.filter(status=DeadlineExtension.Status.PENDING).first()


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    offered: Callable  # (suggestion, user) -> bool
    run: Callable  # (suggestion, user, cleaned_data) -> success message
    form_class: type | None = None
    form_kwargs: Callable = field(default=lambda suggestion, user: {})
    tone: str = "primary"  # primary | secondary | danger
    intro: str = ""

    def build_form(self, suggestion, user, data=None, files=None):
        if self.form_class is None:
            return None
        kwargs = self.form_kwargs(suggestion, user)
        return self.form_class(data, files, prefix=self.name, **kwargs)


def _accept(suggestion, user, data):
    services.suggestion_accept(suggestion=suggestion, actor=user)
    return gettext("You have taken this suggestion. Decide how it is handled below.")


def _assign(suggestion, user, data):
    services.suggestion_assign(suggestion=suggestion, delegate=data["delegate"], actor=user)
    return gettext("Handed to %(name)s.") % {"name": data["delegate"].name}


def _reassign(suggestion, user, data):
    services.suggestion_reassign(
        suggestion=suggestion, delegate=data["delegate"], actor=user, note=data["note"]
    )
    return gettext("Reassigned to %(name)s.") % {"name": data["delegate"].name}


def _on_spot(suggestion, user, data):
    services.suggestion_handle_on_spot(
        suggestion=suggestion,
        actor=user,
        result=data["text"],
        feedback_channel=data["feedback_channel"],
    )
    return gettext("Recorded as handled on the spot; the resident can now rate it.")


def _explain(suggestion, user, data):
    services.suggestion_explain(
        suggestion=suggestion,
        actor=user,
        reason=data["text"],
        feedback_channel=data["feedback_channel"],
    )
    return gettext("The explanation is recorded; the resident can now rate it.")


def _dispatch(suggestion, user, data):
    result = services.suggestion_dispatch(
        suggestion=suggestion,
        actor=user,
        unit=data["unit"],
        workdays=data["workdays"],
        note=data["note"],
    )
    return gettext("Dispatched to %(unit)s, due %(deadline)s.") % {
        "unit": result.handling_unit.name,
        "deadline": result.deadline.isoformat(),
    }


def _merge(suggestion, user, data):
    services.suggestion_merge(
        suggestion=suggestion, into=data["into"], actor=user, note=data["note"]
    )
    return gettext("Merged into %(code)s. Its resident now follows that suggestion.") % {
        "code": data["into"].formatted_code
    }


def _acknowledge(suggestion, user, data):
    services.suggestion_acknowledge(suggestion=suggestion, actor=user)
    return gettext("Acknowledged. Reply with the result before the deadline.")


def _refuse(suggestion, user, data):
    services.suggestion_refuse(suggestion=suggestion, actor=user, reason=data["text"])
    return gettext("Refused. The suggestion is back with the delegate to dispatch again.")


def _request_extension(suggestion, user, data):
    services.suggestion_request_extension(
        suggestion=suggestion, actor=user, workdays=data["workdays"], reason=data["reason"]
    )
    return gettext("Extension requested. The delegate decides.")


def _decide_extension(suggestion, user, data):
    extension = pending_extension(suggestion)
    if extension is None:
        raise ValidationError(gettext("There is no extension request to decide."))
    services.suggestion_decide_extension(
        extension=extension, actor=user, approve=data["approve"], note=data["note"]
    )
    return gettext("Extension approved.") if data["approve"] else gettext("Extension rejected.")


def _urge(suggestion, user, data):
    services.suggestion_urge(suggestion=suggestion, actor=user, note=data["note"])
    return gettext("The unit has been urged.")


def _unit_reply(suggestion, user, data):
    services.suggestion_unit_reply(
        suggestion=suggestion, actor=user, text=data["text"], files=data["files"]
    )
    return gettext("Reply sent to the delegate for review.")


def _send_back(suggestion, user, data):
    services.suggestion_send_back(suggestion=suggestion, actor=user, comment=data["text"])
    return gettext("Sent back to the unit with your comment.")


def _publish(suggestion, user, data):
    services.suggestion_publish(
        suggestion=suggestion,
        actor=user,
        feedback_channel=data["feedback_channel"],
        reply=data["reply"],
    )
    return gettext("The reply is published; the resident can now rate it.")


STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "accept",
            _("Take this suggestion (接单)"),
            offered=lambda s, u: s.state == State.SUBMITTED and user_delegate(u) is not None,
            run=_accept,
        ),
        Step(
            "assign",
            _("Hand to a delegate"),
            offered=lambda s, u: (
                s.state == State.SUBMITTED and (u.is_office or u.role == Role.STATION_STAFF)
            ),
            run=_assign,
            form_class=forms.DelegateChoiceForm,
            form_kwargs=lambda s, u: {"suggestion": s},
        ),
        Step(
            "dispatch",
            _("Dispatch to a handling unit (派单)"),
            offered=lambda s, u: s.state == State.ACCEPTED and is_holder(s, u),
            run=_dispatch,
            form_class=forms.DispatchForm,
            form_kwargs=lambda s, u: {"suggestion": s, "user": u},
        ),
        Step(
            "on_spot",
            _("Handled on the spot"),
            offered=lambda s, u: s.state == State.ACCEPTED and is_holder(s, u),
            run=_on_spot,
            form_class=forms.AnswerForm,
            form_kwargs=lambda s, u: {"text_label": _("What was done")},
            tone="secondary",
        ),
        Step(
            "explain",
            _("Explain why it cannot be adopted"),
            offered=lambda s, u: s.state == State.ACCEPTED and is_holder(s, u),
            run=_explain,
            form_class=forms.AnswerForm,
            form_kwargs=lambda s, u: {"text_label": _("Explanation for the resident")},
            tone="secondary",
        ),
        Step(
            "acknowledge",
            _("Acknowledge (接收)"),
            offered=lambda s, u: s.state == State.DISPATCHED and is_unit(s, u),
            run=_acknowledge,
        ),
        Step(
            "unit_reply",
            _("Reply with the result"),
            offered=lambda s, u: s.state == State.IN_PROGRESS and is_unit(s, u),
            run=_unit_reply,
            form_class=forms.UnitReplyForm,
        ),
        Step(
            "request_extension",
            _("Ask for more time"),
            offered=lambda s, u: (
                s.state in WITH_UNIT_STATES and is_unit(s, u) and pending_extension(s) is None
            ),
            run=_request_extension,
            form_class=forms.ExtensionRequestForm,
            tone="secondary",
        ),
        Step(
            "refuse",
            _("Refuse: not for our unit"),
            offered=lambda s, u: s.state == State.DISPATCHED and is_unit(s, u),
            run=_refuse,
            form_class=forms.ReasonForm,
            form_kwargs=lambda s, u: {"text_label": _("Why your unit cannot take it")},
            tone="danger",
        ),
        Step(
            "publish",
            _("Publish the reply to the resident"),
            offered=lambda s, u: s.state == State.UNIT_REPLIED and is_holder(s, u),
            run=_publish,
            form_class=forms.PublishForm,
        ),
        Step(
            "send_back",
            _("Send the reply back to the unit"),
            offered=lambda s, u: s.state == State.UNIT_REPLIED and is_holder(s, u),
            run=_send_back,
            form_class=forms.ReasonForm,
            form_kwargs=lambda s, u: {"text_label": _("What is missing")},
            tone="secondary",
        ),
        Step(
            "decide_extension",
            _("Decide the extension request"),
            offered=lambda s, u: (
                s.state in WITH_UNIT_STATES and is_holder(s, u) and pending_extension(s) is not None
            ),
            run=_decide_extension,
            form_class=forms.ExtensionDecisionForm,
        ),
        Step(
            "urge",
            _("Urge the unit (催办)"),
            offered=lambda s, u: s.state in WITH_UNIT_STATES and is_holder(s, u),
            run=_urge,
            form_class=forms.NoteForm,
            tone="secondary",
        ),
        Step(
            "merge",
            _("Merge as a duplicate"),
            offered=lambda s, u: (
                s.state in (State.SUBMITTED, State.ACCEPTED)
                and (
                    u.is_office
                    or u.role == Role.STATION_STAFF
                    or (u.role == Role.DELEGATE and (not s.delegate_id or is_holder(s, u)))
                )
            ),
            run=_merge,
            form_class=forms.MergeForm,
            form_kwargs=lambda s, u: {"scope": suggestions_visible_to(u)},
            tone="secondary",
        ),
        Step(
            "reassign",
            _("Reassign to another delegate"),
            offered=lambda s, u: (
                u.is_office and s.state in (State.ACCEPTED, *WITH_UNIT_STATES, State.UNIT_REPLIED)
            ),
            run=_reassign,
            form_class=forms.DelegateChoiceForm,
            form_kwargs=lambda s, u: {"suggestion": s},
            tone="secondary",
        ),
    ]
}


def offered_steps(suggestion, user) -> list[Step]:
    return [step for step in STEPS.values() if step.offered(suggestion, user)]


# --- The list's tabs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    condition: Q


def tabs_for(user) -> list[Tab]:
    """The queues of a role, first the one that needs the user now."""
    overdue = Q(state__in=WITH_UNIT_STATES, deadline__lt=today())
    if user.role == Role.UNIT_STAFF and not user.is_office:
        return [
            Tab("inbox", _("To acknowledge"), Q(state=State.DISPATCHED)),
            Tab("working", _("In progress"), Q(state=State.IN_PROGRESS)),
            Tab("overdue", _("Overdue"), overdue),
            Tab(
                "answered",
                _("Answered"),
                Q(state__in=[State.UNIT_REPLIED, State.REPLIED, State.CLOSED]),
            ),
            Tab("all", _("All"), Q()),
        ]
    delegate = user_delegate(user)
    if delegate is not None:
        mine = Q(delegate=delegate)
        return [
            Tab("new", _("New at my stations"), Q(state=State.SUBMITTED)),
            Tab("mine", _("Taken by me"), mine & Q(state=State.ACCEPTED)),
            Tab("with_units", _("With units"), mine & Q(state__in=WITH_UNIT_STATES)),
            Tab("review", _("Awaiting my review"), mine & Q(state=State.UNIT_REPLIED)),
            Tab("overdue", _("Overdue"), mine & overdue),
            Tab("all", _("All"), Q()),
        ]
    return [
        Tab("new", _("New"), Q(state=State.SUBMITTED)),
        Tab("open", _("Open"), Q(state__in=OPEN_STATES)),
        Tab("review", _("Reply under review"), Q(state=State.UNIT_REPLIED)),
        Tab("overdue", _("Overdue"), overdue),
        Tab("all", _("All"), Q()),
    ]


def tab_counts(queryset, tabs) -> dict[str, int]:
    """Every tab's count in one query."""
    return queryset.order_by().aggregate(
        **{tab.key: Count("pk", filter=tab.condition or None) for tab in tabs}
    )
