"""One answer message streamed natively: chat.startStream → chat.appendStream → chat.stopStream.

Slack grows the message in place and shows tool steps as task cards (`task_update` chunks).
Text is batched: the first words start the stream at once (the first visible character), then
what arrived is appended at most once per `interval`, so ten answers streaming at once stay
inside appendStream's Tier 4 (100+ calls a minute per workspace). Task updates go out at once,
with any text waiting before them, in one call.

Only text that extends what was sent can be appended: Slack cannot take streamed words back.
When the answer changes course (the model's stream restarted, a tool round replaced the text,
the final text rewrites citations) or Slack refuses the stream (`message_not_in_streaming_state`
after about five minutes or an idle gap, `msg_too_long`, a 429 that outlasted the retries, the
method unavailable or not allowed), the stream raises `StreamLost` and its owner (`ThreadReply`)
goes on with chat.update on the same message: nothing is duplicated, nothing is cut.

slack_sdk's `ChatStream` helper buffers by size only and cannot adopt a stream an earlier
attempt started, so the WebClient's stream methods and slack_sdk's chunk models are used here.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.messages.chunk import BlocksChunk, MarkdownTextChunk, TaskUpdateChunk

from assistant.slack.markdown import MARKDOWN_TEXT_LIMIT
from assistant.slack.neutralise import neutralise

__all__ = [
    "STREAM_APPEND_SECONDS",
    "SlackStream",
    "StreamLost",
    "StreamRecipient",
    "TaskUpdate",
    "stable_prefix",
]

logger = logging.getLogger(__name__)

# At most one appendStream per stream this often: 10 streams → at most 100 a minute.
STREAM_APPEND_SECONDS = 6.0
TASK_STATUSES = ("pending", "in_progress", "complete", "error")
_TASK_TITLE_LIMIT = 150  # a task card's title is one line
# Slack's chunk page gives no length; SDKs built on it document 256 for details and output.
_TASK_OUTPUT_LIMIT = 256


class StreamLost(Exception):
    """The native stream cannot go on; `reason` is Slack's error (or ours)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class StreamRecipient:
    """Who the streamed text is for: Slack requires both outside a DM."""

    user_id: str
    team_id: str


@dataclasses.dataclass(frozen=True)
class TaskUpdate:
    """One tool step as a task card: pending → in_progress → complete | error."""

    id: str
    title: str
    status: str
    output: str = ""
    sources: tuple[tuple[str, str], ...] = ()  # (title, url) of what the step read

    def __post_init__(self) -> None:
        if self.status not in TASK_STATUSES:
            raise ValueError(f"unknown task status {self.status!r}")

    def to_chunk(self) -> TaskUpdateChunk:
        # Titles and outputs come from tools and documents: neutralised like the answer.
        sources = [
            {"type": "url", "url": url, "text": neutralise(title or url)[:_TASK_TITLE_LIMIT]}
            for title, url in self.sources
            if url.startswith(("https://", "http://"))
        ]
        return TaskUpdateChunk(
            id=self.id,
            title=neutralise(self.title)[:_TASK_TITLE_LIMIT],
            status=self.status,
            output=neutralise(self.output)[:_TASK_OUTPUT_LIMIT] or None,
            sources=sources or None,
        )


def stable_prefix(text: str) -> str:
    """`text` up to a Slack control sequence still being written (`<!chan…`): neutralising a
    half-written one would differ from neutralising it whole, and sent text cannot change."""
    opened = text.rfind("<")
    return text[:opened] if opened > text.rfind(">") else text


class SlackStream:
    """One streamed message. `sent` is exactly what Slack has of its text."""

    def __init__(
        self,
        client: WebClient,
        *,
        channel: str,
        thread_ts: str,
        recipient: StreamRecipient,
        identity: dict[str, str],
        guard: Callable[[], None],
        interval: float = STREAM_APPEND_SECONDS,
        limit: int = MARKDOWN_TEXT_LIMIT,
        clock: Callable[[], float] = time.monotonic,
        controls: Sequence[dict[str, Any]] = (),
    ) -> None:
        self._client = client
        self._controls = tuple(controls)  # blocks heading the message (the Stop button)
        self._channel = channel
        self._thread_ts = thread_ts
        self._recipient = recipient
        self._identity = identity
        self._guard = guard
        self._interval = interval
        self._limit = limit
        self._clock = clock
        self.ts = ""
        self.sent = ""
        self.calls: dict[str, int] = {}
        self._pending = ""
        self._tasks: list[TaskUpdate] = []
        self._flushed_at = float("-inf")

    @property
    def started(self) -> bool:
        return bool(self.ts)

    def show(self, text: str) -> None:
        """The answer so far; raises StreamLost when it no longer extends what was sent."""
        text = stable_prefix(text)
        shown = self.sent + self._pending
        if not text.startswith(shown):
            raise StreamLost("answer_rewritten")
        if len(text) > self._limit:
            raise StreamLost("msg_too_long")  # one streamed message holds one message's text
        self._pending += text[len(shown) :]
        if not self.started or self._clock() - self._flushed_at >= self._interval:
            self._flush()

    def task(self, update: TaskUpdate) -> None:
        """A tool step's card, sent at once (with any text waiting before it)."""
        self._tasks.append(update)
        self._flush()

    def stop(self, rest: str, *, blocks: Sequence[dict[str, Any]] = ()) -> None:
        """The last words (after what was shown) and the blocks under the message."""
        if not self.started:
            raise StreamLost("not_started")
        if len(self.sent) + len(rest) > self._limit:
            raise StreamLost("msg_too_long")
        text = rest  # `rest` follows `sent`, so it covers whatever was still pending
        chunks = self._chunks(text)
        self._pending, self._tasks = "", []
        self._call(
            "chat.stopStream",
            self._client.chat_stopStream,
            channel=self._channel,
            ts=self.ts,
            chunks=chunks or None,
            blocks=list(blocks) or None,
        )
        self.sent += text

    def abandon(self) -> None:
        """End the stream without more words (before chat.update takes the message over).
        Slack may have ended it already; either way it is not streaming afterwards."""
        if not self.started:
            return
        try:
            self._guard()
            self._count("chat.stopStream")
            self._client.chat_stopStream(channel=self._channel, ts=self.ts)
        except SlackApiError as error:
            logger.info("stream already over", extra={"slack_error": error.response.get("error")})

    def _chunks(self, text: str) -> list[Any]:
        chunks: list[Any] = [MarkdownTextChunk(text=text)] if text else []
        return chunks + [task.to_chunk() for task in self._tasks]

    def _flush(self) -> None:
        text = self._pending
        chunks = self._chunks(text)
        if not chunks:
            return
        if not self.started:
            controls = [BlocksChunk(blocks=list(self._controls))] if self._controls else []
            response = self._call(
                "chat.startStream",
                self._client.chat_startStream,
                channel=self._channel,
                thread_ts=self._thread_ts,
                recipient_user_id=self._recipient.user_id,
                recipient_team_id=self._recipient.team_id,
                chunks=controls + chunks,
                username=self._identity.get("username"),
                icon_emoji=self._identity.get("icon_emoji"),
                icon_url=self._identity.get("icon_url"),
            )
            self.ts = str(response["ts"])
        else:
            self._call(
                "chat.appendStream",
                self._client.chat_appendStream,
                channel=self._channel,
                ts=self.ts,
                chunks=chunks,
            )
        self.sent += text
        self._pending, self._tasks = "", []
        self._flushed_at = self._clock()

    def _call(self, method: str, call: Callable[..., Any], **arguments: Any) -> Any:
        self._guard()
        self._count(method)
        try:
            return call(**arguments)
        except SlackApiError as error:
            reason = str(error.response.get("error") or error.response.status_code)
            logger.warning("native stream refused", extra={"method": method, "slack_error": reason})
            raise StreamLost(reason) from error

    def _count(self, method: str) -> None:
        self.calls[method] = self.calls.get(method, 0) + 1
