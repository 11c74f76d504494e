"""What came of one push delivery, and whether it was the last one Pub/Sub will make (pure).

>>> is_last_attempt(reported=None, counted=5, max_attempts=5)
True
>>> push_response(Outcome.RETRY)
('retry', 503)
"""

from __future__ import annotations

import enum

__all__ = ["Outcome", "is_last_attempt", "push_response"]


class Outcome(enum.Enum):
    ACK = "ack"  # done, or nothing to do: Pub/Sub must not redeliver
    RETRY = "retry"  # transient failure: Pub/Sub redelivers (with backoff, then dead-letters)


def is_last_attempt(*, reported: int | None, counted: int = 1, max_attempts: int) -> bool:
    """The one rule for every push handler: the attempt is Pub/Sub's `deliveryAttempt` when the
    subscription reports it (only with a dead-letter policy), or the handler's own count
    (a claim's or a document's tries), whichever is higher."""
    return max(reported or 0, counted) >= max_attempts


def push_response(outcome: Outcome) -> tuple[str, int]:
    """2xx acks; anything else is redelivered with backoff."""
    return ("", 204) if outcome is Outcome.ACK else ("retry", 503)
