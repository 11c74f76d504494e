"""May this mention call the model, given what has been spent? (pure)

Three budgets, each 0 for "no limit": the workspace's month, the channel's month, the person's
day (UTC periods). A mention is refused once what was spent has reached a limit, so the mention
that crosses a limit is still answered and the next one is refused. At 80 % of a limit the
answer carries a note.

    >>> from datetime import datetime, timezone
    >>> budgets = Budgets(user_daily_usd=1.0)
    >>> now = datetime(2026, 3, 31, 22, 0, tzinfo=timezone.utc)
    >>> check(budgets, Spent(user_day=1.25), now).resets_at.isoformat()
    '2026-04-01T00:00:00+00:00'
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from assistant.channels.settings import Budgets

__all__ = [
    "Allow",
    "Busy",
    "Limit",
    "Refuse",
    "Spent",
    "check",
    "check_reservation",
    "day_of",
    "month_of",
    "near_limits",
]

NOTE_AT = 0.8


@dataclasses.dataclass(frozen=True)
class Spent:
    """US dollars spent so far in the current periods."""

    workspace_month: float = 0.0
    channel_month: float = 0.0
    user_day: float = 0.0

    def plus(self, cost: float) -> Spent:
        return Spent(self.workspace_month + cost, self.channel_month + cost, self.user_day + cost)

    def add(self, other: Spent) -> Spent:
        return Spent(
            self.workspace_month + other.workspace_month,
            self.channel_month + other.channel_month,
            self.user_day + other.user_day,
        )


@dataclasses.dataclass(frozen=True)
class Limit:
    name: str  # "workspace_monthly", "channel_monthly", "user_daily"
    what: str  # in words, for the person
    limit_usd: float
    spent_usd: float
    resets_at: datetime

    @property
    def fraction(self) -> float:
        return self.spent_usd / self.limit_usd

    @property
    def over_by_usd(self) -> float:
        return max(0.0, self.spent_usd - self.limit_usd)


@dataclasses.dataclass(frozen=True)
class Allow:
    pass


@dataclasses.dataclass(frozen=True)
class Refuse:
    limit: Limit

    @property
    def resets_at(self) -> datetime:
        return self.limit.resets_at


@dataclasses.dataclass(frozen=True)
class Busy:
    """What was spent is under every limit, but with what answers in progress have reserved
    a limit is reached: worth waiting a moment for them to settle."""

    limit: Limit  # spent_usd: spent and reserved


def check_reservation(
    budgets: Budgets, *, spent: Spent, held: Spent, now: datetime
) -> Allow | Refuse | Busy:
    """May one more model call reserve its maximum cost? Only while what was spent and what
    others reserved stays under every limit: the call may then cross a limit by at most its
    own maximum, however many run at once.

    >>> budgets, now = Budgets(user_daily_usd=1.0), datetime(2026, 3, 31, tzinfo=UTC)
    >>> type(check_reservation(budgets, spent=Spent(user_day=0.5), held=Spent(user_day=0.6),
    ...                        now=now)).__name__
    'Busy'
    """
    verdict = check(budgets, spent, now)
    if isinstance(verdict, Refuse):
        return verdict
    with_held = check(budgets, spent.add(held), now)
    return Busy(with_held.limit) if isinstance(with_held, Refuse) else Allow()


def check(budgets: Budgets, spent: Spent, now: datetime) -> Allow | Refuse:
    reached = [limit for limit in _limits(budgets, spent, now) if limit.fraction >= 1.0]
    if not reached:
        return Allow()
    # The one that lasts longest is the one the person needs to know about.
    return Refuse(max(reached, key=lambda limit: (limit.resets_at, limit.fraction)))


def near_limits(budgets: Budgets, spent: Spent, now: datetime) -> list[Limit]:
    """The limits at or above 80 %, for the note under an answer."""
    return [limit for limit in _limits(budgets, spent, now) if limit.fraction >= NOTE_AT]


def _limits(budgets: Budgets, spent: Spent, now: datetime) -> list[Limit]:
    month_end, day_end = _next_month(now), _next_day(now)
    candidates = [
        ("workspace_monthly", "the workspace's monthly budget", budgets.workspace_monthly_usd,
         spent.workspace_month, month_end),
        ("channel_monthly", "this channel's monthly budget", budgets.channel_monthly_usd,
         spent.channel_month, month_end),
        ("user_daily", "your daily budget", budgets.user_daily_usd, spent.user_day, day_end),
    ]  # fmt: skip
    return [Limit(*row) for row in candidates if row[2] > 0]


def month_of(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m")


def day_of(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%d")


def _next_day(now: datetime) -> datetime:
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1)


def _next_month(now: datetime) -> datetime:
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)
