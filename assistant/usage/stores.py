"""What the answer path counts and asks about usage, and the contracts of where it is kept
(pure; `ledger.py`, `rate.py` and `refusal_notices.py` keep it in Firestore, tests in memory)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Protocol

from assistant.channels.settings import Budgets
from assistant.usage.policy import Allow, Busy, Refuse, Spent

__all__ = [
    "HOLD_SECONDS",
    "Hold",
    "ModelCall",
    "Notices",
    "RateLimits",
    "Totals",
    "UsageLedger",
    "UsageStatement",
]


# How long a reservation counts when its call is never settled (the delivery died): longer
# than any delivery runs, so a live call's reservation never lapses.
HOLD_SECONDS = 15 * 60


@dataclasses.dataclass(frozen=True, kw_only=True)
class Hold:
    """One model call's maximum cost, reserved before the call and settled by its record."""

    key: str  # unique per call: "<event>:<fence>:<call>"
    team: str
    channel: str
    user: str
    cost_usd: float
    at: datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelCall:
    event_id: str
    call: str  # unique within the event: "<fence>.round-0", "<fence>.answer", "summary", ...
    kind: str  # answer, tool_round, summary, embedding, code_run (the executor's seconds)
    model: str
    team: str
    channel: str
    user: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    at: datetime
    holds: tuple[str, ...] = ()  # the reservations (`Hold.key`) this record settles
    seconds: float = 0.0  # a code run's time in the executor (billed per second)


@dataclasses.dataclass(frozen=True)
class Totals:
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    seconds: float = 0.0  # executor seconds


@dataclasses.dataclass(frozen=True)
class UsageStatement:
    """This month's usage for `@assistant usage`: the person's, the channel's, the workspace's.
    (Not the model's per-call usage event, `llm.events.UsageReported`.)"""

    month: str  # "2026-05"
    user_month: Totals
    channel_month: Totals
    workspace_month: Totals


class UsageLedger(Protocol):
    """What every model call cost, per workspace, channel and person, by day and by month."""

    def record(self, call: ModelCall) -> bool:
        """Count one call and settle its reservations, at once; False when it had been counted
        already (same event and call)."""
        ...

    def reserve(self, hold: Hold, budgets: Budgets) -> Allow | Refuse | Busy:
        """Reserve a call's maximum cost when what was spent and what live reservations hold
        is under every limit (`policy.check_reservation`), atomically with every other
        reservation: concurrent calls cross a limit by at most one call's maximum. A
        reservation lapses after `HOLD_SECONDS` unless settled or released first."""
        ...

    def release(self, hold: Hold) -> None:
        """Drop a reservation whose call was not made (or not recorded)."""
        ...

    def spent(self, *, team: str, channel: str, user: str, now: datetime | None = None) -> Spent:
        """Dollars spent in the workspace's and the channel's month and the person's day of
        `now` (UTC; the ledger's clock when omitted)."""
        ...

    def report(
        self, *, team: str, channel: str, user: str, now: datetime | None = None
    ) -> UsageStatement: ...


class RateLimits(Protocol):
    def admit(self, *, team: str, user: str, event_id: str, limit: int, now: datetime) -> bool:
        """Whether the person may have this mention answered: at most `limit` events in the
        minute of `now` (0: no limit); an event already admitted is admitted again."""
        ...


class Notices(Protocol):
    def first(self, thread_key: str, reason: str, event_id: str) -> bool:
        """True the first time a refusal for `reason` is noted in the thread, False after: the
        refusal is said once, then the bot stays quiet there."""
        ...
