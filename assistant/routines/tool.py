"""`create_routine`: the model turns "every weekday at 9:00 summarise #incidents from the last
24 hours here" into a routine, which is proposed, never saved: the person gets it spelled out
with Confirm / Cancel buttons in the thread, and only their Confirm saves it
(`clicks.py`). Offered where the channel allows routines, to questions that sound recurring.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.answer.plan import AnswerPlan
from assistant.answer.tools import ToolRequest
from assistant.audience.policy import Source
from assistant.llm.tools import Tool
from assistant.mention import Mention
from assistant.routines.actions import proposal_blocks, spelled_out
from assistant.routines.creation import InvalidRoutine, RoutineDrafts
from assistant.routines.runner import when

__all__ = ["CREATE_ROUTINE", "CreateRoutine", "asks_for_recurring"]

logger = logging.getLogger(__name__)

CREATE_ROUTINE = "create_routine"
DESCRIPTION = (
    "Propose a routine: a recap of Slack channels posted on a schedule, e.g. 'every weekday "
    "at 9:00 summarise #incidents from the last 24 hours here'. The person then confirms or "
    "cancels it with buttons; nothing is saved before that. Use only when the person asks for "
    "something recurring."
)
PARAMETERS = {
    "type": "object",
    "properties": {
        "days": {
            "type": "array",
            "items": {"type": "string"},
            "description": "days of the week: mon..sun, or 'weekdays', or 'daily'",
        },
        "time": {"type": "string", "description": "local time of day, 24-hour HH:MM"},
        "time_zone": {
            "type": "string",
            "description": "IANA time zone, only if the person named one (default: theirs)",
        },
        "sources": {
            "type": "array",
            "items": {"type": "string"},
            "description": "channels to recap, as written: #name or <#C123|name>",
        },
        "target": {"type": "string", "description": "where to post: 'here' or a channel"},
        "window_hours": {"type": "integer", "description": "hours before each run to recap"},
        "instruction": {"type": "string", "description": "what the recap should cover"},
    },
    "required": ["days", "time", "sources", "instruction"],
}
STATUS = "Setting up a routine…"
PROPOSED = (
    "Proposed to the person with Confirm / Cancel buttons: {routine}. It is NOT saved until "
    "they click Confirm. Tell them so in one short sentence."
)


# Offered only when the question sounds recurring: every answer would otherwise carry the
# tool's schema (tokens) and small models would call it when nobody asked for a schedule.
_RECURRING = re.compile(
    r"\b(every|each|daily|weekly|weekdays?|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|"
    r"saturdays?|sundays?|mornings?|routines?|schedule[ds]?|recurring|digest)\b",
    re.IGNORECASE,
)


def asks_for_recurring(question: str) -> bool:
    """Whether a question may be asking for a routine (cheap; the model decides the rest).

    >>> asks_for_recurring("every weekday at 9 summarise #incidents"), asks_for_recurring("hi")
    (True, False)
    """
    return _RECURRING.search(question) is not None


class CreateRoutine:
    name = CREATE_ROUTINE
    # A tool like the others for the audience policy: off in shared channels and for guests
    # unless the channel opts in (what a recap may read is decided again when it is made).
    source = Source.TOOLS

    def __init__(self, drafts: RoutineDrafts, slack: WebClient) -> None:
        self._drafts = drafts
        self._slack = slack

    def applies(self, request: ToolRequest) -> bool:
        return request.plan.channel.routines.allowed and asks_for_recurring(
            request.mention.question
        )

    def tool(self, request: ToolRequest) -> Tool:
        return Tool(
            name=CREATE_ROUTINE,
            description=DESCRIPTION,
            parameters=PARAMETERS,
            run=functools.partial(self._run, request.mention, request.plan),
            status=STATUS,
        )

    def _run(
        self,
        mention: Mention,
        plan: AnswerPlan,
        arguments: Mapping[str, Any],
        *,
        deadline: float,
    ) -> str:
        try:
            routine = self._drafts.draft(
                arguments, team=mention.team_id, creator=mention.user, channel=mention.channel
            )
        except InvalidRoutine as error:
            return f"Not proposed: {error}. Ask the person to say it differently."
        refusal = self._drafts.refusal(routine, plan)
        if refusal:
            return f"Not proposed: {refusal} Tell the person."
        names = self._drafts.names((*routine.sources, routine.target))
        words = spelled_out(routine, names)
        try:
            self._slack.chat_postMessage(
                channel=mention.channel,
                thread_ts=mention.thread_ts,
                text=f"New routine, not saved yet: {words}",
                blocks=proposal_blocks(routine, names, when(routine.next_run)),
            )
        except SlackApiError as error:
            logger.warning("routine not proposed", extra={"error": error.response.get("error")})
            return "Not proposed: Slack refused the message. Tell the person to try again."
        return PROPOSED.format(routine=words)
