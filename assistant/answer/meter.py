"""What one delivery's model calls used and cost: reserved before, counted once each after,
in the usage ledger.

A `Meter` is made per delivery. Before each model call it reserves the call's maximum cost
(`reserve`: the prompt as counted and the whole output limit) against the budgets, so however
many answers run at once, a budget is crossed by at most one call's maximum; a call the budgets
no longer allow raises `OverBudget` instead of reaching the model. While what answers in
progress reserved is all that stands in the way, it waits a little for them to settle. Each
call (the summary's, each tool round's, the answer's) is then recorded with its own key under
the claim's fence, settling its reservation in the same write: a retried write never counts
twice, while a takeover that really calls the model again is counted again. Each code run's
executor seconds are recorded the same way, priced per second, so runs count against the
budgets as tokens do (after the run: a run is bounded by its wall clock). The ledger and the
80 % note both read what the meter recorded, so they cannot disagree.

    >>> mention = Mention(event_id="Ev1", team_id="T1", channel="C1", user="U1", text="hi",
    ...                   ts="1.0", thread_ts="1.0")
    >>> from assistant.channels.settings import Price
    >>> class Recorded(list):
    ...     def record(self, call): self.append(call); return True
    >>> ledger, prices = Recorded(), PriceTable({"m": Price(1.0, 2.0)})
    >>> meter = Meter(ledger=ledger, prices=prices, mention=mention, fence=2)  # no budgets
    >>> meter.record("answer", model="m", usage=Usage(1_000_000, 500_000))
    2.0
    >>> meter.total_cost_usd, [(call.call, call.kind) for call in ledger]
    (2.0, [('2.answer', 'answer')])
    >>> round(meter.record_code_run("run-ab12", seconds=10.0), 5), ledger[-1].seconds
    (0.00034, 10.0)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from assistant import deadline
from assistant.channels.settings import Budgets
from assistant.llm.events import ModelError
from assistant.llm.rounds import Usage
from assistant.mention import Mention
from assistant.usage.notices import busy_text, refusal_text
from assistant.usage.policy import Allow, Busy, Limit, Refuse
from assistant.usage.pricing import EXECUTOR_USD_PER_SECOND, PriceTable
from assistant.usage.stores import Hold, ModelCall

__all__ = ["CallRecorder", "Meter", "OverBudget"]

logger = logging.getLogger(__name__)

# How long a call waits at most for answers in progress to settle their reservations, and how
# often it looks again.
BUSY_WAIT_SECONDS = 30.0
BUSY_POLL_SECONDS = 0.25
NO_BUDGETS = Budgets()  # nothing to reserve against


class OverBudget(ModelError):
    """The budgets allow no further model call: said in the thread like a model failure, and
    never retried (another delivery would meet the same budget)."""

    def __init__(self, limit: Limit, *, busy: bool = False) -> None:
        super().__init__(busy_text(limit) if busy else refusal_text(limit))
        self.limit = limit


# The ledger's `kind` of each call a delivery makes; tool rounds are named round-<n>.
# A stopped answer's call ("stopped", its usage counted from what was written) is an answer's.
_KINDS = {"answer": "answer", "stopped": "answer", "summary": "summary"}


class CallRecorder(Protocol):
    """What the meter writes to: the usage ledger (usage/stores.py `UsageLedger`) has it."""

    def record(self, call: ModelCall) -> bool: ...

    def reserve(self, hold: Hold, budgets: Budgets) -> Allow | Refuse | Busy: ...

    def release(self, hold: Hold) -> None: ...


class Meter:
    def __init__(
        self,
        *,
        ledger: CallRecorder,
        prices: PriceTable,
        mention: Mention,
        fence: int,
        budgets: Budgets = NO_BUDGETS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._ledger = ledger
        self._prices = prices
        self._mention = mention
        self._fence = fence
        self._budgets = budgets
        self._clock = clock
        self._sleep = sleep
        self._held: list[Hold] = []  # reserved, not yet settled by a record
        self._reserved = 0
        self.total_cost_usd = 0.0
        self.usage = Usage()
        self.calls = 0

    @property
    def _limited(self) -> bool:
        budgets = self._budgets
        return any(
            limit > 0
            for limit in (
                budgets.workspace_monthly_usd,
                budgets.channel_monthly_usd,
                budgets.user_daily_usd,
            )
        )

    def reserve(self, *, model: str, tokens_in: int, tokens_out: int) -> None:
        """Reserve one call's maximum cost before making it; raises `OverBudget` when the
        budgets allow no more (after waiting a little while reservations of answers in
        progress are what stands in the way)."""
        if not self._limited:
            return
        mention = self._mention
        cost = self._prices.cost(model, tokens_in=tokens_in, tokens_out=tokens_out)
        key = f"{mention.event_id}:{self._fence}:{self._reserved}"
        self._reserved += 1
        give_up = time.monotonic() + min(BUSY_WAIT_SECONDS, max(0.0, deadline.remaining() / 4))
        while True:
            hold = Hold(key=key, team=mention.team_id, channel=mention.channel,
                        user=mention.user, cost_usd=cost, at=self._clock())  # fmt: skip
            verdict = self._ledger.reserve(hold, self._budgets)
            if isinstance(verdict, Allow):
                self._held.append(hold)
                return
            if isinstance(verdict, Refuse) or time.monotonic() >= give_up:
                busy = isinstance(verdict, Busy)
                logger.info("over budget before a model call", extra={
                    "limit": verdict.limit.name, "busy": busy, "reserve_usd": cost})  # fmt: skip
                raise OverBudget(verdict.limit, busy=busy)
            self._sleep(BUSY_POLL_SECONDS)

    def release(self) -> None:
        """Drop the reservations no record settled (the call failed, or was never made)."""
        held, self._held = self._held, []
        for hold in held:
            try:
                self._ledger.release(hold)
            except Exception:  # it lapses on its own (HOLD_SECONDS)
                logger.warning("reservation not released", exc_info=True)

    def record_api_call(self, call: str, *, kind: str, method: str) -> None:
        """Count a paid-for or rate-limited call that is not the model's (a Slack search): in
        the ledger with no tokens and no cost, so what an answer did is on record."""
        mention = self._mention
        try:
            self._ledger.record(
                ModelCall(
                    event_id=mention.event_id,
                    call=f"{self._fence}.{call}",
                    kind=kind,
                    model=method,
                    team=mention.team_id,
                    channel=mention.channel,
                    user=mention.user,
                    tokens_in=0,
                    tokens_out=0,
                    cost_usd=0.0,
                    at=self._clock(),
                )
            )
        except Exception:
            logger.exception("usage not recorded", extra={"call": call})

    def record(self, call: str, *, model: str, usage: Usage) -> float:
        """Count one model call, settling what was reserved for it (for a summary, its
        calls); returns its estimated cost. Never fails the answer."""
        if usage == Usage():
            self.release()
            return 0.0
        cost = self._prices.cost(
            model, tokens_in=usage.prompt_tokens, tokens_out=usage.completion_tokens
        )
        self.usage += usage
        self.calls += 1
        self._write(
            call,
            kind=_KINDS.get(call, "tool_round"),
            model=model,
            tokens_in=usage.prompt_tokens,
            tokens_out=usage.completion_tokens,
            cost=cost,
            settles=True,
        )
        return cost

    def record_code_run(self, call: str, *, seconds: float) -> float:
        """Count one code run's executor seconds; returns their estimated cost."""
        cost = max(0.0, seconds) * EXECUTOR_USD_PER_SECOND
        self._write(
            call, kind="code_run", model="executor", tokens_in=0, tokens_out=0, cost=cost,
            seconds=max(0.0, seconds),
        )  # fmt: skip
        return cost

    def _write(
        self,
        call: str,
        *,
        kind: str,
        model: str,
        tokens_in: int,
        tokens_out: int,
        cost: float,
        seconds: float = 0.0,
        settles: bool = False,  # a model call settles what was reserved for it; a run does not
    ) -> None:
        self.total_cost_usd += cost
        mention = self._mention
        try:
            counted = self._ledger.record(
                ModelCall(
                    event_id=mention.event_id,
                    call=f"{self._fence}.{call}",
                    kind=kind,
                    model=model,
                    team=mention.team_id,
                    channel=mention.channel,
                    user=mention.user,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    cost_usd=cost,
                    at=self._clock(),
                    holds=tuple(hold.key for hold in self._held) if settles else (),
                    seconds=seconds,
                )
            )
            if settles and counted:
                self._held = []
            elif settles:  # counted before (a retried write): its reservations are this one's
                self.release()
        except Exception:
            # The answer matters more than its bookkeeping: logged, and the cost still counts
            # toward this answer's note.
            logger.exception("usage not recorded", extra={"call": call})
            if settles:
                self.release()
