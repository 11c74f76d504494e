"""The bot's answer in one Slack thread: progress first, then streamed edits, then the final text.

One object owns the answer's messages and is the only writer, so there are no concurrent edits.
With `use_stream` the answer streams natively (chat.startStream …, `streamed_answer.py`), tool
steps as task cards; whenever Slack refuses the stream it goes on by edits (`Transport`).
Edits are throttled (chat.update is rate-limited per workspace), and an answer longer than one
message continues in further messages. The message timestamps are reported as soon as a message
exists, so a redelivery after a crash edits the same messages instead of posting new ones.

A reply moves through explicit states (`ReplyState`), the legal moves written once in `MOVES`:
new → progress → streaming → final, back from streaming to progress for a tool's status line,
and from new straight to final for a one-off reply.

A reply built on an earlier attempt's messages (a takeover) starts in `progress`: it edits what
that attempt left. Once final, every write (`show_progress`, `show_status`, `stream`, `say`,
`finish`, `fail`) raises `ReplyFinished` instead of touching the thread again.
"""

from __future__ import annotations

import contextlib
import enum
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.slack.markdown import MARKDOWN_TEXT_LIMIT, split_markdown
from assistant.slack.message_content import (
    NATIVE_RESULTS,
    PLAIN_TEXT_LIMIT,
    Content,
    MarkdownRejected,
    markdown_rejections,
)
from assistant.slack.native_stream import (
    STREAM_APPEND_SECONDS,
    SlackStream,
    StreamRecipient,
    TaskUpdate,
)
from assistant.slack.neutralise import neutralise
from assistant.slack.posted import posted_with
from assistant.slack.status import AssistantStatus
from assistant.slack.streamed_answer import NO_STREAM, NativeAnswer, StreamedAnswer
from assistant.slack.web_client import slack_client

__all__ = [
    "MOVES",
    "PROGRESS_TEXT",
    "ReplyFinished",
    "ReplyState",
    "ThreadReply",
    "Transport",
    "slack_client",
]

PROGRESS_TEXT = "_Thinking…_"
_STREAMING_CURSOR = " ▍"
# Every message is posted with unfurl_links and unfurl_media off: a link in the answer (the
# model may have been told to write one with the thread in its query string) must not be
# fetched by Slack's unfurler.


class ReplyState(enum.Enum):
    NEW = "new"  # nothing of this reply is in the thread yet
    # The thread shows this reply's progress: the "Thinking…" message, the DM's loading status,
    # a tool's status line, or whatever an earlier attempt left there (a takeover starts here).
    PROGRESS = "progress"
    STREAMING = "streaming"  # part of the answer is shown, with a cursor
    FINAL = "final"  # the final text is shown (an answer, an error or a one-off reply)


_NEW, _PROGRESS, _STREAMING, _FINAL = ReplyState

# Every write names the state it leads to and is checked against this table first.
MOVES: Mapping[ReplyState, frozenset[ReplyState]] = {
    _NEW: frozenset({_PROGRESS, _STREAMING, _FINAL}),
    _PROGRESS: frozenset({_PROGRESS, _STREAMING, _FINAL}),
    # Back to progress when the model, having written some text, calls a tool after all.
    _STREAMING: frozenset({_PROGRESS, _STREAMING, _FINAL}),
    _FINAL: frozenset(),
}


class Transport(enum.Enum):
    """How the answer's text reaches the thread. A reply may go from STREAM to EDITS (Slack
    refused the stream; its message is then edited), never back."""

    STREAM = "stream"  # chat.startStream / appendStream / stopStream grow one message
    EDITS = "edits"  # chat.postMessage, then throttled chat.update (every takeover, too)


class ReplyFinished(RuntimeError):
    """A write to a reply whose final text is already in the thread."""


class ThreadReply:
    def __init__(
        self,
        client: WebClient,
        *,
        channel: str,
        thread_ts: str,
        message_ts: list[str],
        on_new_message: Callable[[list[str]], None],
        min_interval: float = 1.0,
        limit: int = MARKDOWN_TEXT_LIMIT,
        clock: Callable[[], float] = time.monotonic,
        guard: Callable[[], None] = lambda: None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._client = client
        self._metadata = metadata  # on every message posted, so a takeover can find them
        self._channel = channel
        self._thread_ts = thread_ts
        self._message_ts = list(message_ts)
        self._on_new_message = on_new_message
        self._min_interval = min_interval
        self._limit = limit
        self._clock = clock
        self._guard = guard  # raises when this delivery may no longer write to the thread
        self._identity: dict[str, str] = {}
        self._status: AssistantStatus | None = None
        self._final_blocks: tuple[dict[str, Any], ...] = ()
        self._shown: dict[str, str] = {}
        self._last_render = float("-inf")
        self._plain = False
        self._state = _PROGRESS if self._message_ts else _NEW
        self._answer_shown = False
        self.streamed_text = ""  # the answer as last shown while streaming
        self.edits = 0
        self._native: NativeAnswer = NO_STREAM  # use_stream turns it on
        self._leftover_stream = ""  # an earlier attempt's stream, closed before it is edited

    @property
    def transport(self) -> Transport:
        return Transport.STREAM if self._native.active else Transport.EDITS

    @property
    def stream_calls(self) -> dict[str, int]:
        """The stream methods called so far, by name (for the log and the benchmark)."""
        return self._native.calls

    @property
    def state(self) -> ReplyState:
        return self._state

    @property
    def streamed(self) -> bool:
        """Whether any of the answer has been shown yet."""
        return self._answer_shown

    @property
    def message_ts(self) -> list[str]:
        return list(self._message_ts)

    def post_as(self, identity: dict[str, str]) -> None:
        """Post new messages under a persona's `username` and `icon_emoji` / `icon_url` (needs
        chat:write.customize); edits keep whatever a message was posted as."""
        self._identity.clear()  # in place: a stream made earlier posts under it too
        self._identity.update(identity)

    def use_status(self, status: AssistantStatus) -> None:
        """Show progress as the thread's loading status (the bot's DM) rather than a message,
        for as long as nothing has been posted and Slack accepts it."""
        self._status = status

    def use_stream(
        self,
        recipient: StreamRecipient,
        *,
        on_stream: Callable[[str], None],
        interval: float = STREAM_APPEND_SECONDS,
        controls: tuple[dict[str, Any], ...] = (),
    ) -> None:
        """Stream the answer natively, when nothing of it is in the thread yet (a takeover
        edits what the earlier attempt left). `on_stream(ts)` records an open stream's
        message, and `on_stream("")` its end, so a takeover knows to close it. `controls`
        (the Stop button) head the streamed message."""
        if self._message_ts:
            return
        stream = SlackStream(self._client, channel=self._channel, thread_ts=self._thread_ts,
                             recipient=recipient, identity=self._identity, guard=self._guard,
                             interval=interval, limit=self._limit, clock=self._clock,
                             controls=controls)  # fmt: skip

        def opened(ts: str) -> None:
            self._message_ts.append(ts)
            try:
                self._on_new_message(list(self._message_ts))
                on_stream(ts)
            except Exception:
                # Not on the claim, and a stream carries no metadata a takeover could find it
                # by: removed, so the next attempt's answer is the only one.
                self._message_ts.remove(ts)
                with contextlib.suppress(SlackApiError):
                    self._client.chat_delete(channel=self._channel, ts=ts)
                raise

        def closed(ts: str) -> None:
            self._shown.pop(ts, None)  # whatever it shows now, the next render edits it
            self._last_render = float("-inf")
            on_stream("")

        self._native = StreamedAnswer(stream, opened=opened, closed=closed)

    def close_leftover_stream(self, ts: str) -> None:
        """An earlier attempt's stream on message `ts`: stopped before the first edit of it."""
        self._leftover_stream = ts if ts in self._message_ts else ""

    def recover_posted(self, *, after: str) -> None:
        """Adopt the messages an earlier attempt posted but died before recording."""
        self._allow(_PROGRESS, "recover_posted")
        if self._metadata is None:
            return
        found = posted_with(
            self._client,
            channel=self._channel,
            thread_ts=self._thread_ts,
            after=after,
            metadata=self._metadata,
        )
        missing = [ts for ts in found if ts not in self._message_ts]
        if missing:
            self._native.end("an earlier attempt's message")  # edit it, never stream anew
            # One of them may be a stream the earlier attempt left open: stopped before edited.
            self._leftover_stream = self._leftover_stream or missing[-1]
            # Slack's ts of one channel sort as numbers; the answer's pieces follow that order.
            self._message_ts = sorted({*self._message_ts, *missing}, key=float)
            self._on_new_message(list(self._message_ts))
            if self._state is _NEW:
                self._state = _PROGRESS

    def show_progress(self) -> None:
        """Show the progress indicator, unless something of this reply is already shown (an
        earlier attempt's message, say)."""
        self._allow(_PROGRESS, "show_progress")
        if self._state is not _NEW:
            return
        # In the DM the loading status shows it, and Slack clears that with the first message.
        if self._status is None or not self._status.loading():
            self._native.end("a progress message")  # the answer then edits that message
            self._post(PROGRESS_TEXT)
        self._state = _PROGRESS

    def task(self, update: TaskUpdate) -> None:
        """A tool step: its task card in the stream, or else its title as the status line
        while it runs (a finished step shows nothing more: the answer follows)."""
        self._allow(_PROGRESS, "task")
        if self._native.task(update):
            self._state = _PROGRESS if self._state is _NEW else self._state
            return
        if update.status == "in_progress":
            self.show_status(f"{update.title}…")

    def show_status(self, text: str) -> None:
        """Replace what is shown with a status line (for example while a tool runs)."""
        self._allow(_PROGRESS, "show_status")
        if self._native.active:
            return  # the stream shows the step as a task card
        if self._message_ts or self._status is None or not self._status.show(text):
            self._render(f"_{text}_", final=False)
        self._state = _PROGRESS

    def stream(self, text: str) -> None:
        """Show the answer so far, at most once per `min_interval`."""
        self._allow(_STREAMING, "stream")
        self.streamed_text = text
        if self._native.text(text):
            self._state = _STREAMING
            self._answer_shown = self._answer_shown or bool(self._message_ts)
            return
        if self._clock() - self._last_render < self._min_interval:
            return
        self._render(text + _STREAMING_CURSOR, final=False)
        self._state = _STREAMING
        self._answer_shown = True

    def finish(self, text: str, *, blocks: tuple[dict[str, Any], ...] = ()) -> None:
        """The final text; `blocks` (e.g. feedback buttons) go under its last message."""
        self._allow(_FINAL, "finish")
        if self._native.finish(text, tuple(blocks)):
            self._state = _FINAL
            return
        self._final_blocks = tuple(blocks)
        try:
            self._render(text, final=True)
        finally:
            self._final_blocks = ()
        self._state = _FINAL

    def fail(self, message: str, *, partial_text: str = "") -> None:
        """End with a readable error, keeping any text the person has already seen."""
        self._allow(_FINAL, "fail")
        self._native.end("failed")
        notice = f":warning: {message}"
        try:
            self._render(f"{partial_text}\n\n{notice}" if partial_text else notice, final=True)
        except SlackApiError:
            # The answer's own message cannot be edited: say it in a new one.
            self._guard()
            self._client.chat_postMessage(
                channel=self._channel,
                thread_ts=self._thread_ts,
                text=neutralise(notice),
                unfurl_links=False,
                unfurl_media=False,
            )
        self._state = _FINAL

    def say(self, text: str) -> None:
        """A one-off reply (for example after `reset`)."""
        self._allow(_FINAL, "say")
        self._native.end("a one-off reply")
        self._render(text, final=True)
        self._state = _FINAL

    def _allow(self, to: ReplyState, action: str) -> None:
        """Refuse a move `MOVES` does not have, before anything reaches Slack. The state itself
        changes only once the write succeeded, so a `finish` that failed may still `fail`."""
        if to not in MOVES[self._state]:
            raise ReplyFinished(
                f"{action}() refused: the reply in {self._channel}/{self._thread_ts} "
                f"is {self._state.value}"
            )

    def _render(self, text: str, *, final: bool) -> None:
        if self._leftover_stream:
            # The earlier attempt's stream may still be open: close it, then edit it.
            leftover, self._leftover_stream = self._leftover_stream, ""
            with contextlib.suppress(SlackApiError):
                self._guard()
                self._client.chat_stopStream(channel=self._channel, ts=leftover)
        self._last_render = self._clock()
        text = neutralise(text)  # every path to the thread passes here, fallbacks included
        try:
            self._render_pieces(text, final=final)
            return
        except MarkdownRejected:
            native = [b for b in self._final_blocks if b.get("type") in NATIVE_RESULTS]
            if not native:
                self._render_plain(text, final=final)
                return
        # Slack refused a native table or chart (their limits are new and partly undocumented):
        # the answer goes on without them, keeping its Markdown and feedback buttons; their
        # files are in the thread already.
        self._final_blocks = tuple(b for b in self._final_blocks if b not in native)
        try:
            self._render_pieces(text, final=final)
        except MarkdownRejected:
            self._render_plain(text, final=final)

    def _render_plain(self, text: str, *, final: bool) -> None:
        # Slack refused the Markdown (too long, or it could not convert it): send the same
        # words as plain text in smaller pieces rather than lose any of them.
        self._plain = True
        self._limit = PLAIN_TEXT_LIMIT
        self._render_pieces(text, final=final)

    def _render_pieces(self, text: str, *, final: bool) -> None:
        pieces = split_markdown(text, limit=self._limit)
        for index, piece in enumerate(pieces):
            last = final and index == len(pieces) - 1
            if index >= len(self._message_ts):
                self._post(piece, last=last)
            elif self._shown.get(self._message_ts[index]) != self._shown_as(piece, last=last):
                self._update(self._message_ts[index], piece, last=last)
        if final:
            # A regenerated answer may be shorter than what a crashed attempt had posted.
            for stale in self._message_ts[len(pieces) :]:
                self._guard()
                self._client.chat_delete(channel=self._channel, ts=stale)
            del self._message_ts[len(pieces) :]

    def _content(self, piece: str, *, last: bool = False) -> Content:
        if self._plain:
            return Content(text=piece)
        if last and self._final_blocks:
            # markdown_text cannot be combined with blocks: the same Markdown as a markdown
            # block, the text as the notification fallback.
            blocks = [{"type": "markdown", "text": piece}, *self._final_blocks]
            return Content(text=piece, blocks=blocks)
        return Content(markdown_text=piece)

    def _shown_as(self, piece: str, *, last: bool) -> str:
        return piece + ("\x00blocks" if last and self._final_blocks and not self._plain else "")

    def _post(self, piece: str, *, last: bool = False) -> None:
        self._guard()
        content = self._content(piece, last=last)
        with markdown_rejections():
            # The client leaves the None arguments out of the request.
            response = self._client.chat_postMessage(
                channel=self._channel,
                thread_ts=self._thread_ts,
                text=content.text,
                markdown_text=content.markdown_text,
                blocks=content.blocks,
                metadata=self._metadata,
                username=self._identity.get("username"),
                icon_emoji=self._identity.get("icon_emoji"),
                icon_url=self._identity.get("icon_url"),
                unfurl_links=False,
                unfurl_media=False,
            )
        ts = response["ts"]
        self._message_ts.append(ts)
        self._shown[ts] = self._shown_as(piece, last=last)
        self._on_new_message(list(self._message_ts))

    def _update(self, ts: str, piece: str, *, last: bool = False) -> None:
        self._guard()
        content = self._content(piece, last=last)
        with markdown_rejections():
            self._client.chat_update(
                channel=self._channel,
                ts=ts,
                text=content.text,
                markdown_text=content.markdown_text,
                blocks=content.blocks,
            )
        self._shown[ts] = self._shown_as(piece, last=last)
        self.edits += 1
