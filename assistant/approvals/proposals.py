"""A tool call that may write, proposed instead of run: stored, shown, and said to the model.

A tool that needs approval (`McpTools` decides which) runs `Proposals.propose` in place of
the call: the call is stored as pending (`store.py`) and the model is told, in its result,
that nothing ran and a card waits for the person. The card (`card.py`) goes under the answer
through the tool's `blocks`, read back from that result, so a replayed round shows the same
card without storing anything again. One change per answer waits at a time: a second one is
refused, and the model says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from assistant.approvals.card import approval_blocks
from assistant.approvals.pending import PendingCall, pending_id
from assistant.approvals.store import PendingCalls
from assistant.llm.tools import CallRecord, StepSummary
from assistant.mention import Mention

__all__ = ["PROPOSED", "Proposals"]

PROPOSED = (
    "APPROVAL NEEDED (request {id}): {title} was NOT run. It may change things, so it runs only "
    "when the person clicks Approve on the card under your answer; if they click Deny, or "
    "nobody approves within {minutes} minutes, it never runs. In one or two sentences tell "
    "them what it will do once approved. Do not say it is done."
)
ONE_AT_A_TIME = (
    "Not proposed: another change in this answer already waits for the person's approval. "
    "Mention this one in your answer; they can ask for it once the first is decided."
)
_PROPOSAL = re.compile(r"^APPROVAL NEEDED \(request ([0-9a-f]{32})\)")


class Proposals:
    def __init__(
        self,
        calls: PendingCalls,
        *,
        minutes: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._calls = calls
        self.minutes = minutes
        self._clock = clock

    def propose(
        self,
        mention: Mention,
        *,
        tool: str,
        server: str,
        server_tool: str,
        arguments: Mapping[str, Any],
        proposed: list[str],
    ) -> str:
        """The tool's result: the call stored as pending, or why not. `proposed` holds this
        answer's proposals so far."""
        pending = pending_id(mention.message_key, tool, arguments)
        if proposed and pending not in proposed:
            return ONE_AT_A_TIME
        now = self._clock()
        original = json.loads(mention.to_json())
        original["action_token"] = ""  # short-lived, and never needed to continue
        self._calls.propose(
            PendingCall(
                id=pending,
                team=mention.team_id,
                channel=mention.channel,
                thread_ts=mention.thread_ts,
                asker=mention.user,
                tool=tool,
                server=server,
                server_tool=server_tool,
                arguments=dict(arguments),
                mention=original,
                created_at=now,
                expires_at=now + timedelta(minutes=self.minutes),
            )
        )
        if pending not in proposed:
            proposed.append(pending)
        return PROPOSED.format(id=pending, title=f"{server}: {server_tool}", minutes=self.minutes)

    def cards(
        self, calls: Sequence[CallRecord], *, title: str, asker: str
    ) -> tuple[dict[str, Any], ...]:
        """The Approve / Deny card of each of `calls` that was proposed."""
        blocks: list[dict[str, Any]] = []
        for call in calls:
            found = _PROPOSAL.match(call.result)
            if found:
                blocks += approval_blocks(
                    found[1], title=title, arguments=call.arguments, asker=asker,
                    minutes=self.minutes,
                )  # fmt: skip
        return tuple(blocks)


def waiting(result: str) -> StepSummary:
    """A proposal's task card: waiting for the click, not done."""
    if _PROPOSAL.match(result):
        return StepSummary("Waiting for your approval: nothing has run yet.")
    return StepSummary(result.splitlines()[0][:200] if result else "")
