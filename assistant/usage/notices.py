r"""What people read about budgets: the refusal over a limit and the note near one (pure).

>>> from datetime import datetime, timezone
>>> limit = Limit("user_daily", "your daily budget", 1.0, 1.25,
...               datetime(2026, 4, 1, tzinfo=timezone.utc))
>>> print(refusal_text(limit).replace("spent). ", "spent).\n"))
I can't answer this one: your daily budget ($1.00) is used up, $0.25 over ($1.25 spent).
It resets on 2026-04-01 at 00:00 UTC.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.usage.policy import Limit

__all__ = ["busy_text", "near_limit_note", "refusal_text", "usd"]


def usd(amount: float) -> str:
    if amount and abs(amount) < 0.01:
        return f"${amount:.4f}"
    return f"${amount:,.2f}"


def refusal_text(limit: Limit) -> str:
    when = limit.resets_at.strftime("%Y-%m-%d at %H:%M UTC")
    return (
        f"I can't answer this one: {limit.what} ({usd(limit.limit_usd)}) is used up, "
        f"{usd(limit.over_by_usd)} over ({usd(limit.spent_usd)} spent). It resets on {when}."
    )


def busy_text(limit: Limit) -> str:
    """When answers in progress have reserved what is left of a budget."""
    return (
        f"I can't answer this one right now: answers in progress have reserved what is left "
        f"of {limit.what} ({usd(limit.limit_usd)}). Please ask again in a minute."
    )


def near_limit_note(limits: Sequence[Limit]) -> str:
    """Appended under an answer; empty when no limit is near."""
    if not limits:
        return ""
    parts = [
        f"{limit.what} is {min(limit.fraction, 9.99):.0%} used "
        f"({usd(limit.spent_usd)} of {usd(limit.limit_usd)}, resets "
        f"{limit.resets_at.strftime('%Y-%m-%d %H:%M UTC')})"
        for limit in limits
    ]
    text = "; ".join(parts)
    return f"\n\n_Note: {text[0].upper()}{text[1:]}._"
