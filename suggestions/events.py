"""The loop publishes its events; the layers above subscribe (STYLE.md, "Arrows point down").

``suggestions.services`` records every step of a suggestion as a ``SuggestionEvent`` and
publishes it here, inside the transaction that records it; a subscriber (the dashboard's
rollups, for one) does its work in that same transaction, so that its figures commit or roll
back with the step. The loop never imports the layers that listen to it.

Subscribers register in their app's ``AppConfig.ready()``. A subscriber that raises aborts the
step: figures that cannot be kept are a reason to refuse the step, not to drift silently.
"""

from collections.abc import Callable

Subscriber = Callable[["SuggestionEvent"], None]  # noqa: F821

_subscribers: dict[str, Subscriber] = {}


def subscribe(name: str, subscriber: Subscriber) -> None:
    """Call ``subscriber(event)`` for every event recorded from now on. ``name`` makes the
    registration idempotent (``ready()`` can run twice in tests)."""
    _subscribers[name] = subscriber


def publish(event) -> None:
    """Hand a just-recorded event to every subscriber, in registration order."""
    for subscriber in _subscribers.values():
        subscriber(event)
