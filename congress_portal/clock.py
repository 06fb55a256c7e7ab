"""The portal's one clock.

Services and model defaults read the time here, so that the demo-data command can build a
year of history ("this suggestion was accepted last March") through the same services a user
goes through, and tests can pin the date. Outside ``frozen_at`` it is ``timezone.now``.
"""

import contextlib
import contextvars
import datetime

from django.utils import timezone

_frozen: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar(
    "portal_frozen_time", default=None
)


def now() -> datetime.datetime:
    return _frozen.get() or timezone.now()


def today() -> datetime.date:
    return timezone.localdate(now())


@contextlib.contextmanager
def frozen_at(moment: datetime.datetime):
    """Make ``now()`` return ``moment`` (aware) inside the block."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    token = _frozen.set(moment)
    try:
        yield moment
    finally:
        _frozen.reset(token)
