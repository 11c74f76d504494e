"""Where a continuation's answer starts: the decided call as its first tool round.

A continuation (`clicks.continuation`) is answered like any mention, except that the model
starts from the round in which it called the tool, with the outcome (its result, a Deny, an
expiry) as the result, so it goes on as if the tool had just returned. Only the call's own
thread and asker can continue it: a mention naming another thread's call gets no round.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from assistant.approvals.pending import FINAL, State, outcome_round
from assistant.approvals.store import PendingCalls
from assistant.llm.tools import ToolRound

if TYPE_CHECKING:  # the answer path imports this module
    from assistant.answer.context import AnswerContext

__all__ = ["resumed_rounds"]

logger = logging.getLogger(__name__)


def resumed_rounds(calls: PendingCalls, context: AnswerContext) -> tuple[ToolRound, ...]:
    mention = context.mention
    if not mention.approval:
        return ()
    call = calls.get(mention.approval)
    own = call is not None and (call.team, call.channel, call.thread_ts, call.asker) == (
        mention.team_id,
        mention.channel,
        mention.thread_ts,
        mention.user,
    )
    if call is None or not own or call.state not in FINAL:
        logger.warning("continuation without its decided call", extra={"pending": mention.approval})
        return ()
    if call.state is State.DONE:  # the call ran for this answer: on its record
        context.meter.record_api_call(
            f"approved-{call.id[:16]}", kind="mcp_call", method=f"{call.server}/{call.server_tool}"
        )
    return (outcome_round(call),)
