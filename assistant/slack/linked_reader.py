"""Reading the message a permalink names, and its thread: conversations.history / .replies.

Bounded: the thread's parent and its newest `newest` replies (the linked one among them when
it is a reply). Never an error: a deleted message, or a conversation the bot cannot read,
comes back as a problem (a `policy.NOTES` key) with no messages.
"""

from __future__ import annotations

import dataclasses
import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.conversation.thread_messages import ThreadMessage, ts_key
from assistant.slack.permalinks import Permalink

__all__ = ["LinkedRead", "LinkedReader"]

logger = logging.getLogger(__name__)

_GONE = frozenset({"thread_not_found", "message_not_found"})


@dataclasses.dataclass(frozen=True)
class LinkedRead:
    link: Permalink
    messages: tuple[ThreadMessage, ...] = ()  # oldest first
    problem: str = ""  # "deleted" or "unreadable"; "" when read


class LinkedReader:
    def __init__(self, client: WebClient) -> None:
        self._client = client

    def read(self, link: Permalink, *, newest: int) -> LinkedRead:
        try:
            if link.thread_ts:
                return self._thread(link, link.thread_ts, newest)
            response = self._client.conversations_history(
                channel=link.channel, latest=link.ts, oldest=link.ts, inclusive=True, limit=1
            )
            found = [m for m in response.get("messages") or () if m.get("ts") == link.ts]
            if not found:
                return LinkedRead(link, problem="deleted")
            if int(found[0].get("reply_count") or 0) > 0:  # a thread's parent: the thread
                return self._thread(link, link.ts, newest)
            return LinkedRead(link, (ThreadMessage.from_slack(found[0]),))
        except SlackApiError as error:
            reason = str(error.response.get("error"))
            logger.info("could not read a linked message", extra={"error": reason})
            return LinkedRead(link, problem="deleted" if reason in _GONE else "unreadable")

    def _thread(self, link: Permalink, root: str, newest: int) -> LinkedRead:
        response = self._client.conversations_replies(channel=link.channel, ts=root, limit=200)
        raw = list(response.get("messages") or ())
        if not any(m.get("ts") == link.ts for m in raw):
            return LinkedRead(link, problem="deleted")
        messages = sorted((ThreadMessage.from_slack(m) for m in raw), key=lambda m: ts_key(m.ts))
        parent, replies = messages[0], messages[1:]
        kept = replies[-newest:] if newest > 0 else []
        linked = [m for m in replies if m.ts == link.ts and m not in kept]
        chosen = sorted({parent, *linked, *kept}, key=lambda m: ts_key(m.ts))
        return LinkedRead(link, tuple(chosen))
