"""Pending calls (assistant/approvals/store.py's contract) in a dict, for the answer path's
fast tests; tests/integration/test_approval_store.py holds both stores to the same behaviour."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from assistant.approvals.pending import PendingCall, State

__all__ = ["MemoryPendingCalls"]


class MemoryPendingCalls:
    def __init__(self) -> None:
        self._calls: dict[str, PendingCall] = {}
        self._lock = threading.Lock()

    def propose(self, call: PendingCall) -> PendingCall:
        with self._lock:
            return self._calls.setdefault(call.id, call)

    def get(self, pending: str) -> PendingCall | None:
        with self._lock:
            return self._calls.get(pending)

    def transition(self, call: PendingCall, *, from_state: State) -> bool:
        with self._lock:
            stored = self._calls.get(call.id)
            if stored is None or stored.state is not from_state:
                return False
            self._calls[call.id] = call
            return True

    def expired(self, now: datetime, *, limit: int) -> Sequence[PendingCall]:
        with self._lock:
            due = [
                c for c in self._calls.values() if c.state is State.PENDING and c.expires_at <= now
            ]
        return sorted(due, key=lambda call: call.expires_at)[:limit]
