"""Reading a thread from Slack: `conversations.replies` page by page, and people's names.

Only what is new is asked for (`oldest`), and names are cached, so the next turn of a long
thread costs one call. Reading for context is best effort (`messages`): without
`channels:history`, or when the thread is gone, the answer goes ahead with what history holds,
and the reason is logged. Deciding whether to answer at all needs the thread (`read` raises).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.conversation.thread_messages import ThreadMessage, ts_key

__all__ = ["ThreadReader", "ThreadUnreadable"]

logger = logging.getLogger(__name__)

_PAGE = 200  # Slack recommends at most 200 per page
_MAX_MESSAGES = 10_000  # of a longer thread, only the newest are kept as context
_NAMES_TTL_SECONDS = 3600.0


class ThreadUnreadable(Exception):
    """Slack refused to list the thread's messages (its error code is the message)."""


class ThreadReader:
    def __init__(self, client: WebClient, *, clock=time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._names: dict[str, tuple[str, float]] = {}
        self.calls = 0  # Web API calls made, for the benchmark

    def messages(
        self, *, channel: str, thread_ts: str, after: str, before: str
    ) -> list[ThreadMessage]:
        """The thread's messages with `after` < ts < `before`, oldest first ([] on errors)."""
        try:
            return self.read(channel=channel, thread_ts=thread_ts, after=after, before=before)
        except ThreadUnreadable as error:
            logger.warning(
                "could not read the thread; answering from history alone",
                extra={"error": str(error)},
            )
            return []

    def read(self, *, channel: str, thread_ts: str, after: str, before: str) -> list[ThreadMessage]:
        """As `messages`, raising `ThreadUnreadable` when Slack refuses: for a caller that
        must not go on without the thread."""
        read: list[ThreadMessage] = []
        cursor = None
        try:
            while True:
                response = self._client.conversations_replies(
                    channel=channel,
                    ts=thread_ts,
                    oldest=after or None,
                    latest=before,
                    inclusive=False,
                    limit=_PAGE,
                    cursor=cursor,
                )
                self.calls += 1
                for raw in response.get("messages") or ():
                    message = ThreadMessage.from_slack(raw)
                    if (not after or ts_key(message.ts) > ts_key(after)) and ts_key(
                        message.ts
                    ) < ts_key(before):
                        read.append(message)
                cursor = (response.get("response_metadata") or {}).get("next_cursor")
                if not response.get("has_more") or not cursor:
                    break
        except SlackApiError as error:
            raise ThreadUnreadable(str(error.response.get("error"))) from error
        unique = {message.ts: message for message in read}  # the parent may come on every page
        return [unique[ts] for ts in sorted(unique, key=ts_key)][-_MAX_MESSAGES:]

    def names(self, users: Iterable[str]) -> dict[str, str]:
        """Display names for `users` (the id itself when Slack cannot say)."""
        return {user: self._name(user) for user in set(users) if user}

    def _name(self, user: str) -> str:
        cached = self._names.get(user)
        if cached and self._clock() - cached[1] < _NAMES_TTL_SECONDS:
            return cached[0]
        try:
            info = self._client.users_info(user=user)
            self.calls += 1
        except SlackApiError as error:
            logger.info("no name for a user", extra={"error": error.response.get("error")})
            return user
        member = info.get("user") or {}
        profile = member.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or member.get("real_name")
            or member.get("name")
            or user
        )
        self._names[user] = (str(name), self._clock())
        return str(name)
