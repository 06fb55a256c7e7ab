"""How the loop reads to a resident: plain status words and the public timeline.

Only public events appear, and only what a resident may read of them: internal notes
(refusals, send-backs, urges, unit replies before review) never reach this page.
"""

import datetime
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext

from .models import Channel, FeedbackChannel, RatingValue, State, Verb

# Verbs whose note is the text meant for the resident.
_NOTE_FOR_RESIDENT = {Verb.HANDLE_ON_SPOT, Verb.EXPLAIN, Verb.PUBLISH, Verb.RATE, Verb.REOPEN}


@dataclass(frozen=True)
class Status:
    headline: str
    detail: str
    tone: str  # waiting | working | answered | done


@dataclass(frozen=True)
class TimelineItem:
    when: object
    text: str
    note: str


def _date(value):
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def resident_status(suggestion) -> Status:
    unit = suggestion.handling_unit.name if suggestion.handling_unit_id else ""
    delegate = suggestion.delegate.name if suggestion.delegate_id else ""
    deadline = _date(suggestion.deadline)
    state = suggestion.state
    if state == State.SUBMITTED:
        return Status(
            gettext("Received"),
            gettext(
                "Your suggestion has reached the station and is waiting for a delegate to take it."
            ),
            "waiting",
        )
    if state == State.ACCEPTED:
        if suggestion.reopen_count:
            return Status(
                gettext("Being handled again"),
                gettext("You were not satisfied, so delegate %(delegate)s is handling it again.")
                % {"delegate": delegate},
                "working",
            )
        return Status(
            gettext("Taken by a delegate"),
            gettext(
                "Delegate %(delegate)s has taken your suggestion and is deciding how to handle it."
            )
            % {"delegate": delegate},
            "working",
        )
    if state in (State.DISPATCHED, State.IN_PROGRESS):
        if suggestion.is_overdue:
            return Status(
                gettext("Overdue"),
                gettext(
                    "%(unit)s should have replied by %(deadline)s. "
                    "The delegate is pressing for a reply."
                )
                % {"unit": unit, "deadline": deadline},
                "working",
            )
        return Status(
            gettext("Being handled"),
            gettext("%(unit)s is handling your suggestion and is due to reply by %(deadline)s.")
            % {"unit": unit, "deadline": deadline},
            "working",
        )
    if state == State.UNIT_REPLIED:
        return Status(
            gettext("Reply being checked"),
            gettext(
                "%(unit)s has replied. Delegate %(delegate)s is checking the reply "
                "before passing it on to you."
            )
            % {"unit": unit, "delegate": delegate},
            "working",
        )
    if state == State.REPLIED:
        return Status(
            gettext("Replied: please rate"),
            gettext("Read the reply below and tell us whether you are satisfied."),
            "answered",
        )
    if state == State.MERGED:
        return Status(
            gettext("Handled together with the same problem"),
            gettext(
                "Other residents reported the same problem; yours is handled together with "
                "theirs. What becomes of it is shown below."
            ),
            "working",
        )
    return Status(
        gettext("Closed"), gettext("This suggestion has been dealt with and closed."), "done"
    )


def _event_text(event) -> str:
    data = event.data or {}
    verb = event.verb
    if verb == Verb.SUBMIT:
        return gettext("Suggestion received (%(channel)s).") % {
            "channel": _channel_label(event.channel)
        }
    if verb in (Verb.ACCEPT, Verb.ASSIGN):
        return gettext("Taken by delegate %(delegate)s.") % {"delegate": data.get("delegate", "")}
    if verb == Verb.DISPATCH:
        return gettext("Passed to %(unit)s, reply due by %(deadline)s.") % {
            "unit": data.get("unit", ""),
            "deadline": _iso_date(data.get("deadline")),
        }
    if verb == Verb.ACKNOWLEDGE:
        return gettext("%(unit)s started work on it.") % {"unit": data.get("unit", "")}
    if verb == Verb.DECIDE_EXTENSION:
        return gettext("The deadline was extended to %(deadline)s.") % {
            "deadline": _iso_date(data.get("deadline"))
        }
    if verb == Verb.HANDLE_ON_SPOT:
        return gettext("Handled on the spot.")
    if verb == Verb.EXPLAIN:
        return gettext("The delegate explained why it cannot be adopted.")
    if verb == Verb.PUBLISH:
        return gettext("Reply passed on to you (%(channel)s).") % {
            "channel": _feedback_label(event.channel)
        }
    if verb == Verb.RATE:
        return gettext("You rated the reply: %(rating)s.") % {
            "rating": _rating_label(data.get("rating"))
        }
    if verb == Verb.REOPEN:
        return gettext("You were not satisfied; it went back to the delegate.")
    if verb == Verb.AUTO_CLOSE:
        return gettext("Closed without a rating after %(days)s days.") % {
            "days": data.get("days", "")
        }
    if verb == Verb.MERGE:
        return gettext("The same problem was already reported; both are handled together.")
    if verb == Verb.ABSORB:
        return gettext("Another resident reported the same problem; both are handled together.")
    return str(Verb(verb).label)


def public_timeline(suggestion) -> list[TimelineItem]:
    items = []
    for event in suggestion.events.filter(is_public=True):
        note = event.note if event.verb in _NOTE_FOR_RESIDENT else ""
        items.append(TimelineItem(when=event.created_at, text=_event_text(event), note=note))
    return items


def _iso_date(value):
    if not value:
        return ""
    try:
        return _date(datetime.date.fromisoformat(value))
    except ValueError:
        return ""


def _channel_label(value):
    return Channel(value).label if value in Channel.values else ""


def _feedback_label(value):
    return FeedbackChannel(value).label if value in FeedbackChannel.values else ""


def _rating_label(value):
    return RatingValue(value).label if value in RatingValue.values else ""
