"""Stopping an answer in progress: the request, where it is kept, and the answering side's watch.

A person presses Stop (the button on the streaming answer, or Slack's own stop of an agent
session); ingress publishes a `StopRequest` on the `assistant-events` topic and the responder's
`StopHandler` (`stopping.py`) checks who asked and writes the stop into `StopStore`, keyed by
the answer's message key. The delivery answering that message watches the store on a timer of
its own (`StopWatch`, every half second), and the tool loop checks the watch between model
events and while a tool runs, so an answer stops within about a second of the click.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Protocol

from assistant.slack_ids import is_slack_id, is_ts, require

__all__ = [
    "STOP_KIND",
    "STOP_POLL_SECONDS",
    "NeverStopped",
    "StopRequest",
    "StopSignal",
    "StopStore",
    "StopWatch",
]

logger = logging.getLogger(__name__)

STOP_KIND = "stop"  # the `kind` of a StopRequest on the assistant-events topic
STOP_POLL_SECONDS = 0.5


@dataclasses.dataclass(frozen=True, kw_only=True)
class StopRequest:
    """Someone asked to stop the answer to `message_key` (the question's team:channel:ts)."""

    team_id: str
    channel: str
    thread_ts: str
    user: str  # who pressed Stop
    message_key: str
    asker: str  # who asked the question: the one person (with admins) who may stop it
    source: str = "button"  # or "agent_session" (Slack's own stop)

    def __post_init__(self) -> None:
        for field in ("team_id", "channel", "user", "asker"):
            require(field, getattr(self, field), is_slack_id)
        require("thread_ts", self.thread_ts, is_ts)
        if self.message_key.count(":") != 2:
            raise ValueError("message_key is team:channel:ts")

    def to_json(self) -> bytes:
        fields = {"kind": STOP_KIND, **dataclasses.asdict(self)}
        return json.dumps(fields, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> StopRequest:
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("kind") != STOP_KIND:
            raise ValueError("not a stop request")
        known = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in raw.items() if key in known}
        if not all(isinstance(value, str) for value in values.values()):
            raise TypeError("a StopRequest's fields are strings")
        return cls(**values)


class StopStore(Protocol):
    def request(self, message_key: str, *, by: str) -> None:
        """Ask the delivery answering `message_key` to stop (idempotent)."""
        ...

    def requested(self, message_key: str) -> str:
        """Who asked to stop it, or "" while nobody did."""
        ...


class StopSignal(Protocol):
    @property
    def stopped(self) -> bool: ...


class NeverStopped:
    """The signal of work nobody can stop (a command's reply, a benchmark)."""

    stopped = False


class StopWatch:
    """Polls the store on its own thread; `stopped` turns true once a stop was requested.
    A failed read is logged and tried again on the next tick: it never fails the answer."""

    def __init__(
        self,
        requested: Callable[[], str],
        *,
        interval: float = STOP_POLL_SECONDS,
    ) -> None:
        self._requested = requested
        self._interval = interval
        self._done = threading.Event()
        self._stopped = threading.Event()
        self.by = ""
        self._thread = threading.Thread(target=self._run, name="stop-watch", daemon=True)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def __enter__(self) -> StopWatch:
        self._poll()  # a takeover of an answer already stopped stops before any model call
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.is_set() and not self._done.wait(self._interval):
            self._poll()

    def _poll(self) -> None:
        try:
            by = self._requested()
        except Exception:
            logger.warning("could not read the stop flag", exc_info=True)
            return
        if by:
            self.by = by
            self._stopped.set()
