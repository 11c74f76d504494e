"""The loading status under a thread (`assistant.threads.setStatus`), in the DM and channels.

Slack shows "<app> is thinking…" under the thread, rotating through up to 10 loading messages,
and clears it by itself when the bot posts there (or after 2 minutes). That replaces the
"Thinking…" progress message, so nothing has to be edited away and there is no message to record
on the claim until the answer's first text. Channel threads have it too since Slack's 2026-03-05
change (chat:write is enough). Anywhere setStatus is refused (a missing scope, an app without
the assistant feature, a workspace not yet given the change), the caller falls back to the
progress message: the person always sees something.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.mention import Mention

__all__ = [
    "MAX_LOADING_MESSAGES",
    "STATUS_TEXT",
    "AssistantStatus",
    "loading_messages_for",
]

logger = logging.getLogger(__name__)

STATUS_TEXT = "is thinking…"
MAX_LOADING_MESSAGES = 10  # Slack refuses more


def loading_messages_for(configured: Sequence[str]) -> list[str]:
    """The configured loading messages as Slack takes them: non-empty, at most 10."""
    return [text.strip() for text in configured if text.strip()][:MAX_LOADING_MESSAGES]


class AssistantStatus:
    """One thread's status line. After Slack refuses it once, it stays off for this delivery,
    so every later step goes straight to messages."""

    def __init__(
        self,
        client: WebClient,
        *,
        channel: str,
        thread_ts: str,
        loading_messages: Sequence[str],
        guard: Callable[[], None] = lambda: None,
    ) -> None:
        self._client = client
        self._channel = channel
        self._thread_ts = thread_ts
        self._loading = loading_messages_for(loading_messages)
        self._guard = guard  # raises when this delivery may no longer write to the thread
        self.available = True

    @classmethod
    def of(
        cls,
        client: object,
        mention: Mention,
        loading_messages: Sequence[str],
        *,
        guard: Callable[[], None] = lambda: None,
    ) -> AssistantStatus:
        """The status of the thread a mention is answered in."""
        return cls(
            client,  # type: ignore[arg-type]
            channel=mention.channel,
            thread_ts=mention.thread_ts,
            loading_messages=loading_messages,
            guard=guard,
        )

    def loading(self) -> bool:
        """The rotating loading messages; False (and off from now on) when Slack refused."""
        return self._set(STATUS_TEXT, self._loading)

    def show(self, text: str) -> bool:
        """One status line, e.g. the running tool's, in place of the loading messages."""
        return self._set(text, [])

    def _set(self, status: str, loading_messages: list[str]) -> bool:
        if not self.available:
            return False
        self._guard()
        try:
            if loading_messages:
                self._client.assistant_threads_setStatus(
                    channel_id=self._channel,
                    thread_ts=self._thread_ts,
                    status=status,
                    loading_messages=loading_messages,
                )
            else:  # one line, shown until the next status or message
                self._client.assistant_threads_setStatus(
                    channel_id=self._channel, thread_ts=self._thread_ts, status=status
                )
        except (SlackApiError, OSError) as error:  # OSError: the connection itself failed
            self.available = False
            reason = error.response.get("error") if isinstance(error, SlackApiError) else None
            logger.warning(
                "setStatus refused; showing progress as a message",
                extra={"slack_error": reason or type(error).__name__},
            )
            return False
        return True
