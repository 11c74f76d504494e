"""What one delivery's model calls used and cost: counted once each, in the usage ledger.

A `Meter` is made per delivery. Each model call (the summary's, each tool round's, the
answer's) is recorded with its own key under the claim's fence: a retried write never counts
twice, while a takeover that really calls the model again is counted again. The ledger and the
80 % note both read what the meter recorded, so they cannot disagree.

    >>> mention = Mention(event_id="Ev1", team_id="T1", channel="C1", user="U1", text="hi",
    ...                   ts="1.0", thread_ts="1.0")
    >>> from assistant.channels.settings import Price
    >>> class Recorded(list):
    ...     def record(self, call): self.append(call); return True
    >>> ledger, prices = Recorded(), PriceTable({"m": Price(1.0, 2.0)})
    >>> meter = Meter(ledger=ledger, prices=prices, mention=mention, fence=2)
    >>> meter.record("answer", model="m", usage=Usage(1_000_000, 500_000))
    2.0
    >>> meter.total_cost_usd, [(call.call, call.kind) for call in ledger]
    (2.0, [('2.answer', 'answer')])
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from assistant.llm.rounds import Usage
from assistant.mention import Mention
from assistant.usage.pricing import PriceTable
from assistant.usage.stores import ModelCall

__all__ = ["CallRecorder", "Meter"]

logger = logging.getLogger(__name__)

# The ledger's `kind` of each call a delivery makes; tool rounds are named round-<n>.
# A stopped answer's call ("stopped", its usage counted from what was written) is an answer's.
_KINDS = {"answer": "answer", "stopped": "answer", "summary": "summary"}


class CallRecorder(Protocol):
    """What the meter writes to: the usage ledger (usage/stores.py `UsageLedger`) has it."""

    def record(self, call: ModelCall) -> bool: ...


class Meter:
    def __init__(
        self,
        *,
        ledger: CallRecorder,
        prices: PriceTable,
        mention: Mention,
        fence: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ledger = ledger
        self._prices = prices
        self._mention = mention
        self._fence = fence
        self._clock = clock
        self.total_cost_usd = 0.0
        self.usage = Usage()
        self.calls = 0

    def record(self, call: str, *, model: str, usage: Usage) -> float:
        """Count one model call; returns its estimated cost. Never fails the answer."""
        if usage == Usage():
            return 0.0
        cost = self._prices.cost(
            model, tokens_in=usage.prompt_tokens, tokens_out=usage.completion_tokens
        )
        self.total_cost_usd += cost
        self.usage += usage
        self.calls += 1
        mention = self._mention
        try:
            self._ledger.record(
                ModelCall(
                    event_id=mention.event_id,
                    call=f"{self._fence}.{call}",
                    kind=_KINDS.get(call, "tool_round"),
                    model=model,
                    team=mention.team_id,
                    channel=mention.channel,
                    user=mention.user,
                    tokens_in=usage.prompt_tokens,
                    tokens_out=usage.completion_tokens,
                    cost_usd=cost,
                    at=self._clock(),
                )
            )
        except Exception:
            # The answer matters more than its bookkeeping: logged, and the cost still counts
            # toward this answer's note.
            logger.exception("usage not recorded", extra={"call": call})
        return cost
