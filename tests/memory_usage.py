"""The usage stores in memory (ledger, rate limits, refusal notices, feedback votes), with
the same contracts as the Firestore ones (`tests/integration/test_store_contracts.py`)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from assistant.channels.settings import Budgets
from assistant.feedback.buttons import Feedback
from assistant.feedback.votes import FeedbackCounts
from assistant.usage.policy import Allow, Busy, Refuse, Spent, check_reservation, day_of, month_of
from assistant.usage.stores import HOLD_SECONDS, Hold, ModelCall, Totals, UsageStatement
from tests.memory_stores import Clock, utc_now

__all__ = ["MemoryFeedback", "MemoryLedger", "MemoryNotices", "MemoryRate"]


_FIELDS = ("tokens_in", "tokens_out", "cost_usd", "calls", "seconds")


class MemoryLedger:
    """`UsageLedger` as the calls recorded, a counter per scope and period, and the live
    reservations per workspace."""

    def __init__(self, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._calls: dict[str, ModelCall] = {}
        self._counters: dict[tuple[str, str, str], dict[str, float]] = {}
        self._holds: dict[str, dict[str, tuple[Hold, datetime]]] = {}  # team → key → (hold, until)

    @property
    def held(self) -> tuple[Hold, ...]:
        """Every reservation not settled or released (lapsed ones included), for tests."""
        with self._lock:
            return tuple(hold for team in self._holds.values() for hold, _ in team.values())

    def reserve(self, hold: Hold, budgets: Budgets) -> Allow | Refuse | Busy:
        with self._lock:
            team = self._holds.setdefault(hold.team, {})
            for key in [key for key, (_, until) in team.items() if until <= hold.at]:
                del team[key]
            live = [held for held, _ in team.values()]
            held = Spent(
                sum(h.cost_usd for h in live),
                sum(h.cost_usd for h in live if h.channel == hold.channel),
                sum(h.cost_usd for h in live if h.user == hold.user),
            )
            spent = self.spent(team=hold.team, channel=hold.channel, user=hold.user, now=hold.at)
            verdict = check_reservation(budgets, spent=spent, held=held, now=hold.at)
            if isinstance(verdict, Allow):
                team[hold.key] = (hold, hold.at + timedelta(seconds=HOLD_SECONDS))
            return verdict

    def release(self, hold: Hold) -> None:
        with self._lock:
            self._holds.get(hold.team, {}).pop(hold.key, None)

    @property
    def calls(self) -> tuple[ModelCall, ...]:
        """Every call counted, in the order recorded, for tests to look at."""
        with self._lock:
            return tuple(self._calls.values())

    def record(self, call: ModelCall) -> bool:
        with self._lock:
            key = f"{call.event_id}.{call.call}"
            if key in self._calls:
                return False
            self._calls[key] = call
            for settled in call.holds:
                self._holds.get(call.team, {}).pop(settled, None)
            added = {
                "tokens_in": call.tokens_in,
                "tokens_out": call.tokens_out,
                "cost_usd": call.cost_usd,
                "calls": 1,
                "seconds": call.seconds,
            }
            for scope, owner in _scopes(call.team, call.channel, call.user):
                for period in (month_of(call.at), day_of(call.at)):
                    counter = self._counters.setdefault(
                        (scope, owner, period), dict.fromkeys(_FIELDS, 0)
                    )
                    for field, amount in added.items():
                        counter[field] += amount
            return True

    def spent(self, *, team: str, channel: str, user: str, now: datetime | None = None) -> Spent:
        now = now or self._clock()
        month, day = month_of(now), day_of(now)
        return Spent(
            self._totals("workspace", team, month).cost_usd,
            self._totals("channel", f"{team}.{channel}", month).cost_usd,
            self._totals("user", f"{team}.{user}", day).cost_usd,
        )

    def report(
        self, *, team: str, channel: str, user: str, now: datetime | None = None
    ) -> UsageStatement:
        month = month_of(now or self._clock())
        return UsageStatement(
            month,
            self._totals("user", f"{team}.{user}", month),
            self._totals("channel", f"{team}.{channel}", month),
            self._totals("workspace", team, month),
        )

    def _totals(self, scope: str, owner: str, period: str) -> Totals:
        with self._lock:
            counter = dict(self._counters.get((scope, owner, period), {}))
        if not counter:
            return Totals()
        return Totals(
            int(counter["tokens_in"]),
            int(counter["tokens_out"]),
            counter["cost_usd"],
            int(counter["calls"]),
            counter["seconds"],
        )


def _scopes(team: str, channel: str, user: str) -> tuple[tuple[str, str], ...]:
    return (("workspace", team), ("channel", f"{team}.{channel}"), ("user", f"{team}.{user}"))


class MemoryRate:
    """`RateLimits`: the events admitted per person and minute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._admitted: dict[tuple[str, str, str], list[str]] = {}

    def admit(self, *, team: str, user: str, event_id: str, limit: int, now: datetime) -> bool:
        if limit <= 0:
            return True
        with self._lock:
            events = self._admitted.setdefault((team, user, now.strftime("%Y%m%d%H%M")), [])
            if event_id in events:
                return True
            if len(events) >= limit:
                return False
            events.append(event_id)
            return True


class MemoryNotices:
    """`Notices`: the refusals already said, per thread and reason."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._said: dict[tuple[str, str], str] = {}  # -> the event that said it

    def first(self, thread_key: str, reason: str, event_id: str) -> bool:
        with self._lock:
            if (thread_key, reason) in self._said:
                return False
            self._said[(thread_key, reason)] = event_id
            return True


class MemoryFeedback:
    """`FeedbackVotes`: the latest vote per answer and person."""

    def __init__(self, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._votes: dict[tuple[str, str], tuple[Feedback, str]] = {}  # -> (vote, its month)

    def record(self, feedback: Feedback, *, at: datetime | None = None) -> None:
        at = at or self._clock()
        with self._lock:
            self._votes[(feedback.event_id, feedback.user)] = (feedback, at.strftime("%Y-%m"))

    def counts(self, *, team: str, channel: str, month: str) -> FeedbackCounts:
        with self._lock:
            values = [
                vote.value
                for vote, voted_in in self._votes.values()
                if (vote.team, vote.channel, voted_in) == (team, channel, month)
            ]
        return FeedbackCounts(values.count("positive"), values.count("negative"))
