"""Domain events: the lower layers publish, the layers above subscribe (STYLE.md, "Arrows
point down").

The loop (``suggestions``), the stations and the meetings publish what happened, inside the
transaction that made it happen; a subscriber (the dashboard's rollups, for one) does its work
in that same transaction, so that its figures commit or roll back with the step. A publisher
never imports its subscribers.

Subscribers register in their app's ``AppConfig.ready()``, by topic. A subscriber that raises
aborts the step: figures that cannot be kept are a reason to refuse the step, not to drift.
"""

from collections import defaultdict
from collections.abc import Callable

_subscribers: dict[str, dict[str, Callable]] = defaultdict(dict)


def subscribe(topic: str, name: str, subscriber: Callable) -> None:
    """Call ``subscriber(*args, **kwargs)`` for everything published on ``topic`` from now on.
    ``name`` makes the registration idempotent (``ready()`` can run twice in tests)."""
    _subscribers[topic][name] = subscriber


def publish(topic: str, *args, **kwargs) -> None:
    """Hand what just happened to every subscriber of ``topic``, in registration order."""
    for subscriber in _subscribers[topic].values():
        subscriber(*args, **kwargs)
