"""Fan-out of workspace changes to live listeners (SSE streams, long polls)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Change", "ChangeHub"]

QUEUE_LIMIT = 10_000


@dataclass(frozen=True)
class Change:
    seq: int
    kind: str
    payload: dict


class ChangeHub:
    def __init__(self):
        self._queues: set[asyncio.Queue] = set()
        self.seq = 0

    def publish(self, kind: str, payload: dict) -> None:
        self.seq += 1
        # Copy now: the stored objects keep changing after this moment.
        change = Change(self.seq, kind, json.loads(json.dumps(payload, default=str)))
        for queue in list(self._queues):
            if queue.qsize() < QUEUE_LIMIT:
                queue.put_nowait(change)

    @contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def close(self) -> None:
        """Wake every listener with None so streams end and shutdown is quick."""
        for queue in list(self._queues):
            queue.put_nowait(None)
