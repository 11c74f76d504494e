"""The log of received chat requests, with per-conversation attempt counting.

Identical requests (same ``messages``) share a counter, so a client's retries
of one call are attempts 1, 2, 3... and "fail the first N attempts" works.

>>> log = RequestLog()
>>> log.record({"messages": [{"role": "user", "content": "hi"}]}).attempt
1
>>> log.record({"messages": [{"role": "user", "content": "hi"}]}).attempt
2
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from .content import message_text

__all__ = ["RecordedRequest", "RequestLog", "request_key"]

# Bounded so a long-running local devstack does not grow without limit.
_MAX_ENTRIES = 10_000


@dataclass
class RecordedRequest:
    received_at: str
    body: Any
    attempt: int
    outcome: str = "pending"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "tool_messages": self.tool_messages}

    @property
    def tool_messages(self) -> list[dict[str, Any]]:
        """The `role: tool` results this request carried back to the model."""
        messages = self.body.get("messages") if isinstance(self.body, dict) else None
        return [m for m in messages or () if isinstance(m, dict) and m.get("role") == "tool"]


def request_key(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    canonical = json.dumps(messages, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _mentions(body: Any, needle: str) -> bool:
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return False
    return any(isinstance(m, dict) and needle in message_text(m) for m in messages)


class RequestLog:
    def __init__(self, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._entries: deque[RecordedRequest] = deque(maxlen=_MAX_ENTRIES)
        self._attempts: dict[str, int] = {}

    def record(self, body: Any) -> RecordedRequest:
        """Log a request (``body`` is None when it was not valid JSON)."""
        key = request_key(body)
        self._attempts[key] = self._attempts.get(key, 0) + 1
        entry = RecordedRequest(
            received_at=self._clock().isoformat(),
            body=body,
            attempt=self._attempts[key],
        )
        self._entries.append(entry)
        return entry

    def entries(self, *, contains: str | None = None) -> list[RecordedRequest]:
        return [e for e in self._entries if contains is None or _mentions(e.body, contains)]

    def clear(self) -> None:
        """Forget requests and attempt counts alike, for a fresh start."""
        self._entries.clear()
        self._attempts.clear()
