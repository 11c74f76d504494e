"""A tool call that may write, proposed instead of run: stored, shown, and said to the model.

A tool that needs approval (`McpTools` decides which) runs `Proposals.propose` in place of
the call: the call is stored as pending (`store.py`), its card (`card.py`) is posted in the
thread as a message of its own (so the click can rewrite it without touching the answer),
and the model is told, in its result, that nothing ran and the card waits for the person.
The same call proposed again (a round redone after a crash) is the same pending call, and
its card is not posted twice. One change per answer waits at a time: a second one is refused,
and the model says so.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.approvals.card import approval_blocks
from assistant.approvals.pending import PendingCall, pending_id
from assistant.approvals.store import PendingCalls
from assistant.llm.tools import StepSummary
from assistant.mention import Mention

__all__ = ["PROPOSED", "Proposals", "waiting"]

logger = logging.getLogger(__name__)

PROPOSED = (
    "APPROVAL NEEDED (request {id}): {title} was NOT run. It may change things, so it runs only "
    "when the person clicks Approve on the card posted in the thread; if they click Deny, or "
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
        slack: WebClient,
        *,
        minutes: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._calls = calls
        self._slack = slack
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
        call = PendingCall(
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
        if self._calls.propose(call) is call:  # new: show it (a redone round shows nothing)
            refusal = self._post_card(call)
            if refusal:
                return refusal
        if pending not in proposed:
            proposed.append(pending)
        return PROPOSED.format(id=pending, title=call.title, minutes=self.minutes)

    def _post_card(self, call: PendingCall) -> str:
        try:
            self._slack.chat_postMessage(
                channel=call.channel,
                thread_ts=call.thread_ts,
                text=f"Approve this action? {call.title}",
                blocks=approval_blocks(
                    call.id, title=call.title, arguments=call.arguments, asker=call.asker,
                    minutes=self.minutes,
                ),
            )  # fmt: skip
        except SlackApiError as error:
            logger.warning("approval card not posted", extra={"error": error.response.get("error")})
            return "Not proposed: Slack refused the approval card. Tell the person to try again."
        return ""


def waiting(result: str) -> StepSummary:
    """A proposal's task card: waiting for the click, not done."""
    if _PROPOSAL.match(result):
        return StepSummary("Waiting for approval: nothing has run yet.")
    return StepSummary(result.splitlines()[0][:200] if result else "")
