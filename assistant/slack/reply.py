"""The bot's answer in one Slack thread: progress first, then streamed edits, then the final text.

One object owns the answer's messages and is the only writer, so there are no concurrent edits.
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
import dataclasses
import enum
import time
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from assistant import deadline
from assistant.slack.markdown import MARKDOWN_TEXT_LIMIT, split_markdown
from assistant.slack.neutralise import neutralise
from assistant.slack.posted import posted_with
from assistant.slack.status import AssistantStatus

__all__ = [
    "MOVES",
    "PROGRESS_TEXT",
    "ReplyFinished",
    "ReplyState",
    "ThreadReply",
    "slack_client",
]

PROGRESS_TEXT = "_Thinking…_"
_STREAMING_CURSOR = " ▍"
# Errors after which a message is retried as plain text, so the answer is never lost.
_REJECTED_MARKDOWN = frozenset(
    {"msg_too_long", "invalid_blocks", "markdown_text_too_long", "msg_blocks_too_long"}
)
# A code run's native results: the first blocks dropped when Slack refuses the final message.
_NATIVE_RESULTS = frozenset({"table", "data_visualization"})
_PLAIN_TEXT_LIMIT = 3_000
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


class ReplyFinished(RuntimeError):
    """A write to a reply whose final text is already in the thread."""


@dataclasses.dataclass(frozen=True)
class _Content:
    """What a message shows, in the fields chat.postMessage and chat.update take."""

    text: str | None = None
    markdown_text: str | None = None
    blocks: list[dict[str, Any]] | None = None


class _RateLimitWithinDeadline(RateLimitErrorRetryHandler):
    """Waits out Slack's 429s only when the wait fits the delivery's deadline."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        if response is None:  # the parent retries only responses, those with status 429
            return False
        headers = {key.lower(): value for key, value in response.headers.items()}
        wait = int((headers.get("retry-after") or ["1"])[0]) + 1
        return wait < deadline.remaining()


@cache
def slack_client(token: str, base_url: str) -> WebClient:
    client = WebClient(token=token, base_url=base_url, timeout=15)
    client.retry_handlers.extend(
        [
            _RateLimitWithinDeadline(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ]
    )
    return client


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
        self._identity = dict(identity)

    def use_status(self, status: AssistantStatus) -> None:
        """Show progress as the thread's loading status (the bot's DM) rather than a message,
        for as long as nothing has been posted and Slack accepts it."""
        self._status = status

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
            self._post(PROGRESS_TEXT)
        self._state = _PROGRESS

    def show_status(self, text: str) -> None:
        """Replace what is shown with a status line (for example while a tool runs)."""
        self._allow(_PROGRESS, "show_status")
        if self._message_ts or self._status is None or not self._status.show(text):
            self._render(f"_{text}_", final=False)
        self._state = _PROGRESS

    def stream(self, text: str) -> None:
        """Show the answer so far, at most once per `min_interval`."""
        self._allow(_STREAMING, "stream")
        self.streamed_text = text
        if self._clock() - self._last_render < self._min_interval:
            return
        self._render(text + _STREAMING_CURSOR, final=False)
        self._state = _STREAMING
        self._answer_shown = True

    def finish(self, text: str, *, blocks: tuple[dict[str, Any], ...] = ()) -> None:
        """The final text; `blocks` (e.g. feedback buttons) go under its last message."""
        self._allow(_FINAL, "finish")
        self._final_blocks = tuple(blocks)
        try:
            self._render(text, final=True)
        finally:
            self._final_blocks = ()
        self._state = _FINAL

    def fail(self, message: str, *, partial_text: str = "") -> None:
        """End with a readable error, keeping any text the person has already seen."""
        self._allow(_FINAL, "fail")
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
        self._last_render = self._clock()
        text = neutralise(text)  # every path to the thread passes here, fallbacks included
        try:
            self._render_pieces(text, final=final)
            return
        except _MarkdownRejected:
            native = [b for b in self._final_blocks if b.get("type") in _NATIVE_RESULTS]
            if not native:
                self._render_plain(text, final=final)
                return
        # Slack refused a native table or chart (their limits are new and partly undocumented):
        # the answer goes on without them, keeping its Markdown and feedback buttons; their
        # files are in the thread already.
        self._final_blocks = tuple(b for b in self._final_blocks if b not in native)
        try:
            self._render_pieces(text, final=final)
        except _MarkdownRejected:
            self._render_plain(text, final=final)

    def _render_plain(self, text: str, *, final: bool) -> None:
        # Slack refused the Markdown (too long, or it could not convert it): send the same
        # words as plain text in smaller pieces rather than lose any of them.
        self._plain = True
        self._limit = _PLAIN_TEXT_LIMIT
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

    def _content(self, piece: str, *, last: bool = False) -> _Content:
        if self._plain:
            return _Content(text=piece)
        if last and self._final_blocks:
            # markdown_text cannot be combined with blocks: the same Markdown as a markdown
            # block, the text as the notification fallback.
            blocks = [{"type": "markdown", "text": piece}, *self._final_blocks]
            return _Content(text=piece, blocks=blocks)
        return _Content(markdown_text=piece)

    def _shown_as(self, piece: str, *, last: bool) -> str:
        return piece + ("\x00blocks" if last and self._final_blocks and not self._plain else "")

    def _post(self, piece: str, *, last: bool = False) -> None:
        self._guard()
        content = self._content(piece, last=last)
        with _rejections():
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
        with _rejections():
            self._client.chat_update(
                channel=self._channel,
                ts=ts,
                text=content.text,
                markdown_text=content.markdown_text,
                blocks=content.blocks,
            )
        self._shown[ts] = self._shown_as(piece, last=last)
        self.edits += 1


class _MarkdownRejected(Exception):
    pass


@contextlib.contextmanager
def _rejections() -> Iterator[None]:
    try:
        yield
    except SlackApiError as error:
        if error.response.get("error") in _REJECTED_MARKDOWN:
            raise _MarkdownRejected from error
        raise
