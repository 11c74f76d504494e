"""Reading what was said in a channel during a routine's window: `conversations.history` page
by page, the replies of every thread in it (`conversations.replies`, through the thread
reader), people's names (`users.info`, cached) and a permalink for each message.

Permalinks are built from the workspace's address (`auth.test`, once per instance, which also
names the bot, whose own messages are left out) in the
form Slack's own `chat.getPermalink` answers, so a window of 1,000 messages costs no call per
message. A thread whose parent is older than the window but has replies in it is not read
(`conversations.history` lists parents by their own time).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.conversation.thread_messages import ThreadMessage, ts_key
from assistant.slack.thread_reader import ThreadReader

__all__ = ["ChannelWindow", "WindowMessage", "WindowReader", "slack_ts"]

logger = logging.getLogger(__name__)

_PAGE = 200  # Slack recommends at most 200 per page
MAX_MESSAGES = 5_000  # per channel and run; a busier window keeps its newest


@dataclasses.dataclass(frozen=True)
class WindowMessage:
    channel: str
    message: ThreadMessage
    author: str  # a person's name, or "<app> (app)"
    permalink: str
    in_thread: bool = False
    replies: int = 0


@dataclasses.dataclass(frozen=True)
class ChannelWindow:
    channel: str
    messages: tuple[WindowMessage, ...]  # oldest first
    readable: bool = True  # False: Slack refused (not in the channel, or it is gone)


def slack_ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


class WindowReader:
    def __init__(self, client: WebClient, thread: ThreadReader) -> None:
        self._client = client
        self._thread = thread
        self._bot_user_id = ""  # from auth.test with the workspace's address
        self._base_url = ""
        self.calls = 0  # Web API calls made here (the thread reader counts its own)

    def read(self, channel: str, *, start: datetime, end: datetime) -> ChannelWindow:
        oldest, latest = slack_ts(start), slack_ts(end)
        try:
            parents = self._history(channel, oldest=oldest, latest=latest)
        except SlackApiError as error:
            logger.warning(
                "could not read a routine's source", extra={"error": error.response.get("error")}
            )
            return ChannelWindow(channel, (), readable=False)
        read: list[tuple[ThreadMessage, bool, int]] = []
        for raw in parents:
            parent = ThreadMessage.from_slack(raw)
            replies = int(raw.get("reply_count") or 0)
            read.append((parent, False, replies))
            if replies:
                thread = self._thread.messages(
                    channel=channel, thread_ts=parent.ts, after=parent.ts, before=latest
                )
                read += [(reply, True, 0) for reply in thread if reply.ts != parent.ts]
        base = self._workspace_url()
        # The bot's own messages (earlier recaps, answers) are not what people said.
        read = [entry for entry in read if not entry[0].user or entry[0].user != self._bot_user_id]
        read.sort(key=lambda entry: ts_key(entry[0].ts))
        read = read[-MAX_MESSAGES:]
        names = self._thread.names(message.user for message, _, _ in read if not message.is_app)
        return ChannelWindow(
            channel,
            tuple(
                WindowMessage(
                    channel=channel,
                    message=message,
                    author=f"{message.app_name} (app)"
                    if message.is_app
                    else names.get(message.user, message.user),
                    permalink=_permalink(base, channel, message.ts),
                    in_thread=in_thread,
                    replies=replies,
                )
                for message, in_thread, replies in read
            ),
        )

    def _history(self, channel: str, *, oldest: str, latest: str) -> list[dict]:
        found: list[dict] = []
        cursor = None
        while True:
            response = self._client.conversations_history(
                channel=channel,
                oldest=oldest,
                latest=latest,
                inclusive=False,
                limit=_PAGE,
                cursor=cursor,
            )
            self.calls += 1
            found += [dict(message) for message in response.get("messages") or ()]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor or len(found) >= MAX_MESSAGES:
                return found

    def _workspace_url(self) -> str:
        if not self._base_url:
            try:
                identity = self._client.auth_test()
                self.calls += 1
            except SlackApiError:
                return "https://slack.com/"
            self._base_url = str(identity.get("url") or "https://slack.com/")
            self._bot_user_id = str(identity.get("user_id") or "")
        return self._base_url


def _permalink(base: str, channel: str, ts: str) -> str:
    """Slack's permalink form: `<workspace>/archives/<channel>/p<ts without the dot>`."""
    return f"{base.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
