"""Suggested prompts in the bot's DM (`assistant.threads.setSuggestedPrompts`).

The prompts come from SUGGESTED_PROMPTS ("title => message" items; a title alone is also the
message). Slack takes at most 4. The responder sets them when ingress reports the DM opened
(`assistant/slack/opened.py`): in agent_view on the DM itself, without `thread_ts` (given one
there, Slack ignores the call and says nothing); for a legacy assistant thread, on that thread.

    >>> prompts_from(["Sum up => Summarise this thread.", "Help"])
    [{'title': 'Sum up', 'message': 'Summarise this thread.'}, {'title': 'Help', 'message': 'Help'}]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.slack.opened import DmOpened

__all__ = ["MAX_PROMPTS", "SuggestedPrompts", "prompts_from"]

logger = logging.getLogger(__name__)

MAX_PROMPTS = 4  # Slack's limit
_SEPARATOR = "=>"


def prompts_from(items: Sequence[str]) -> list[dict[str, str]]:
    """Slack's `prompts` argument: {title, message} each, empty items dropped, at most 4."""
    prompts = []
    for item in items:
        title, separator, message = item.partition(_SEPARATOR)
        title, message = title.strip(), message.strip() if separator else title.strip()
        if title and message:
            prompts.append({"title": title, "message": message})
    return prompts[:MAX_PROMPTS]


class SuggestedPrompts:
    def __init__(self, client: WebClient, items: Sequence[str]) -> None:
        self._client = client
        self.prompts = prompts_from(items)

    def offer(self, opened: DmOpened) -> bool:
        """Set the prompts where the DM was opened; False when there are none or Slack refused
        (logged: a retry would be refused the same way, and the DM works without them)."""
        if not self.prompts:
            return False
        where: dict[str, str] = {"channel_id": opened.channel}
        if opened.thread_ts:  # legacy assistant thread only: agent_view would ignore the call
            where["thread_ts"] = opened.thread_ts
        try:
            self._client.assistant_threads_setSuggestedPrompts(prompts=self.prompts, **where)
        except SlackApiError as error:
            logger.warning(
                "suggested prompts refused",
                extra={"event_id": opened.event_id, "slack_error": error.response.get("error")},
            )
            return False
        logger.info(
            "suggested prompts", extra={"event_id": opened.event_id, "thread_ts": opened.thread_ts}
        )
        return True
