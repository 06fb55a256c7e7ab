"""The loop's events (``congress_portal.events``, topic ``SUGGESTION_EVENT``).

``suggestions.services`` records every step of a suggestion as a ``SuggestionEvent`` and
publishes it here, inside the transaction that records it.
"""

from congress_portal import events

SUGGESTION_EVENT = "suggestion.event"


def subscribe(name: str, subscriber) -> None:
    """Call ``subscriber(event)`` for every ``SuggestionEvent`` recorded from now on."""
    events.subscribe(SUGGESTION_EVENT, name, subscriber)


def publish(event) -> None:
    events.publish(SUGGESTION_EVENT, event)
