"""Finding the messages an answer posted, by the metadata every one of them carries.

A delivery records each message's ts on its claim right after posting it, but an instance can
die between the two: the message is in the thread ("Thinking…", or part of the answer) and no
claim knows it. The delivery that takes over looks for messages marked with the same message
key and adopts them, so the thread never keeps a stray progress message.

A natively streamed message cannot carry metadata (chat.startStream takes none), but it carries
the Stop button, whose value names the same message key: it is found by that instead.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.slack.stop_button import STOP_ACTION_ID, parse_stop_value

__all__ = ["EVENT_TYPE", "answer_metadata", "posted_with"]

logger = logging.getLogger(__name__)

EVENT_TYPE = "assistant_answer"


def answer_metadata(message_key: str) -> dict[str, Any]:
    """Slack message metadata naming the message the answer is for."""
    return {"event_type": EVENT_TYPE, "event_payload": {"message_key": message_key}}


def posted_with(
    client: WebClient, *, channel: str, thread_ts: str, after: str, metadata: dict[str, Any]
) -> list[str]:
    """The ts of the thread's messages after `after` that carry `metadata` ([] on errors)."""
    found: list[str] = []
    cursor = None
    try:
        while True:
            response = client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                oldest=after,
                inclusive=False,
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            key = str((metadata.get("event_payload") or {}).get("message_key", ""))
            for message in response.get("messages") or ():
                if message.get("metadata") == metadata or _stop_button_of(message) == key:
                    found.append(str(message["ts"]))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return found
    except SlackApiError as error:
        logger.warning(
            "could not look for messages an earlier attempt posted",
            extra={"error": error.response.get("error")},
        )
        return found


def _stop_button_of(message: dict[str, Any]) -> str:
    """The message key a message's Stop button names ("" without one)."""
    for block in message.get("blocks") or ():
        for element in (block.get("elements") or ()) if isinstance(block, dict) else ():
            if isinstance(element, dict) and element.get("action_id") == STOP_ACTION_ID:
                parsed = parse_stop_value(element.get("value"))
                if parsed is not None:
                    return parsed[0]
    return ""
