"""The one deadline of the delivery being handled, visible to every layer in its thread.

Set once when a delivery starts; the model loop, Slack's rate-limit waits and the bookkeeping
after the answer all read it, so no single step can carry a delivery past Pub/Sub's push
deadline (after which the message would be handed out again while this one still runs).

    >>> with delivery_deadline(seconds=5):
    ...     0 < remaining() <= 5
    True
    >>> remaining()
    inf
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from collections.abc import Iterator

__all__ = ["DeadlinePassed", "check", "delivery_deadline", "remaining"]

_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar("deadline", default=math.inf)


class DeadlinePassed(Exception):
    """The delivery's time is up: stop, and let Pub/Sub redeliver what is left to do."""


@contextlib.contextmanager
def delivery_deadline(*, seconds: float) -> Iterator[float]:
    deadline = time.monotonic() + seconds
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        _DEADLINE.reset(token)


def remaining() -> float:
    return _DEADLINE.get() - time.monotonic()


def check(step: str) -> None:
    if remaining() <= 0:
        raise DeadlinePassed(f"no time left for {step}")
