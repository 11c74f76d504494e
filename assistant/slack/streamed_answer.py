"""A reply's native stream as `ThreadReply` uses it: tool rounds' text kept in order, the
final words and blocks on `chat.stopStream`, and every refusal turned into "edit instead".

Each method answers whether the stream took the write; False means the reply goes on with
chat.postMessage / chat.update (on the stream's own message when it began, so nothing is
posted twice). `NO_STREAM` is the reply without native streaming: it takes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from assistant.slack.native_stream import SlackStream, StreamLost, TaskUpdate, stable_prefix
from assistant.slack.neutralise import neutralise

__all__ = ["NO_STREAM", "NativeAnswer", "StreamedAnswer"]

logger = logging.getLogger(__name__)


class NativeAnswer(Protocol):
    @property
    def active(self) -> bool: ...

    @property
    def calls(self) -> dict[str, int]: ...

    def text(self, text: str) -> bool: ...

    def task(self, update: TaskUpdate) -> bool: ...

    def finish(self, text: str, blocks: tuple[dict[str, Any], ...]) -> bool: ...

    def end(self, reason: str) -> None: ...


class _NoStream:
    active = False

    @property
    def calls(self) -> dict[str, int]:
        return {}

    def text(self, text: str) -> bool:
        return False

    def task(self, update: TaskUpdate) -> bool:
        return False

    def finish(self, text: str, blocks: tuple[dict[str, Any], ...]) -> bool:
        return False

    def end(self, reason: str) -> None:
        return None


NO_STREAM: NativeAnswer = _NoStream()


class StreamedAnswer:
    """`opened(ts)` when Slack created the message; `closed(ts)` once it is not streaming."""

    def __init__(
        self,
        stream: SlackStream,
        *,
        opened: Callable[[str], None],
        closed: Callable[[str], None],
    ) -> None:
        self._stream = stream
        self._opened = opened
        self._closed = closed
        self._round_base = ""  # what earlier tool rounds streamed, kept above this round's
        self._new_round = False
        self.active = True

    @property
    def calls(self) -> dict[str, int]:
        return dict(self._stream.calls)

    def text(self, text: str) -> bool:
        """The answer so far in this round (Slack control sequences neutralised)."""
        if not self.active:
            return False
        if self._new_round and text:
            # A tool round went by: this round's text goes on under what was streamed before.
            sent = self._stream.sent
            self._round_base = sent + ("\n\n" if sent and not sent.endswith("\n") else "")
            self._new_round = False
        return self._write(
            lambda: self._stream.show(neutralise(stable_prefix(self._round_base + text)))
        )

    def task(self, update: TaskUpdate) -> bool:
        if not self.active:
            return False
        self._new_round = True
        return self._write(lambda: self._stream.task(update))

    def finish(self, text: str, blocks: tuple[dict[str, Any], ...]) -> bool:
        """The final text as the stream's last words, when it extends what was streamed;
        False (and the stream closed) when it does not, or nothing was streamed yet."""
        if not (self.active and self._stream.started):
            self.end("not started")
            return False
        text = neutralise(text)
        if not text.startswith(self._stream.sent):
            self.end("answer_rewritten")  # a tool round's text, or rewritten citations
            return False
        try:
            self._stream.stop(text[len(self._stream.sent) :], blocks=blocks)
        except StreamLost as lost:
            self.end(lost.reason)
            return False
        self.active = False
        self._closed(self._stream.ts)
        return True

    def end(self, reason: str) -> None:
        """No more native writes: the stream's message (if any) is closed for chat.update."""
        if not self.active:
            return
        self.active = False
        logger.info("streaming natively stopped; editing instead", extra={"reason": reason})
        if self._stream.started:
            self._stream.abandon()
            self._closed(self._stream.ts)

    def _write(self, write: Callable[[], None]) -> bool:
        started = self._stream.started
        try:
            write()
        except StreamLost as lost:
            self.end(lost.reason)
            return False
        if self._stream.started and not started:
            self._opened(self._stream.ts)
        return True
