"""When Slack retries an event delivery, and with which X-Slack-Retry-Reason.

Pure decisions; `delivery.py` does the I/O. Slack sends the original plus at
most 3 retries. A 2xx within the ack timeout acknowledges; a timeout, a non-2xx
answer or a failed connection does not. `X-Slack-No-Retry: 1` on a non-2xx
answer stops retries, but cannot stop them after a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_RETRIES", "MODES", "AttemptOutcome", "judge", "next_retry", "retry_delay"]

MAX_RETRIES = 3
# normal: Slack's rules. slow_ack: every answer counts as late. retry_storm: all
# retries are sent even when acknowledged (Slack believed the acks were late).
MODES = ("normal", "slow_ack", "retry_storm")


@dataclass(frozen=True)
class AttemptOutcome:
    status: int | str  # HTTP status, or "timeout" / "connection_failed"
    reason: str | None  # retry reason this outcome calls for; None = acknowledged
    no_retry: bool = False


def judge(
    *, http_status: int | None, timed_out: bool, no_retry_header: bool, mode: str = "normal"
) -> AttemptOutcome:
    """Classify one attempt. http_status None without a timeout = no connection."""
    if timed_out or mode == "slow_ack":
        return AttemptOutcome(status="timeout", reason="http_timeout")
    if http_status is None:
        return AttemptOutcome(status="connection_failed", reason="connection_failed")
    if 200 <= http_status < 300:
        return AttemptOutcome(status=http_status, reason=None)
    return AttemptOutcome(status=http_status, reason="http_error", no_retry=no_retry_header)


def next_retry(outcome: AttemptOutcome, attempt: int, mode: str = "normal") -> str | None:
    """The retry reason for attempt+1, or None when delivery is over."""
    if attempt >= MAX_RETRIES:
        return None
    if mode == "retry_storm":
        return outcome.reason or "http_timeout"
    if outcome.reason is None or outcome.no_retry:
        return None
    return outcome.reason


def retry_delay(delays: tuple[float, ...], retry_num: int) -> float:
    """Seconds to wait before retry `retry_num` (1-based); short lists repeat their last."""
    if not delays:
        return 0.0
    return delays[min(retry_num, len(delays)) - 1]
