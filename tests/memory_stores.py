"""The claims and history stores in memory (the usage stores: `tests/memory_usage.py`), for unit
tests of the answer path: the same contracts as the Firestore
stores (`tests/integration/test_store_contracts.py` runs one set of behaviour tests on both).

Each takes an injectable clock where the Firestore store reads a clock (Firestore's for claim
heartbeats, the process's for the rest), so a test can age a lease without sleeping. Each holds
a lock: the responder's heartbeat writes to the claim from its own thread.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from assistant.answer.claims import (
    DELIVERED,
    DONE,
    OPEN,
    WORKING,
    Claim,
    ClaimVerdict,
    Delivered,
    Lease,
    LostLease,
    RoundTooLarge,
    decide,
)
from assistant.conversation.summary import Summary
from assistant.conversation.thread_state import ThreadState, slide_window
from assistant.conversation.turns import StoredTurn
from assistant.llm.tools import ToolRound

__all__ = [
    "Clock",
    "ManualClock",
    "MemoryClaims",
    "MemoryHistory",
    "utc_now",
]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told: `clock.advance(seconds=61)` ages every lease."""

    def __init__(self, start: datetime = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# A heartbeat older than any lease: `release` lets the next delivery take over at once.
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
MAX_DOCUMENT_BYTES = 1_048_576


class MemoryClaims:
    """`Claims` in a dict of claim documents shaped like Firestore's, judged by the same
    `decide`."""

    def __init__(self, *, lease_seconds: float, clock: Clock = utc_now) -> None:
        self.lease = timedelta(seconds=lease_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._claims: dict[str, dict[str, Any]] = {}

    def stored(self, claim_id: str) -> Mapping[str, Any]:
        """A copy of the claim's document, for tests to look at (`{}` when absent)."""
        with self._lock:
            return dict(self._claims.get(claim_id, {}))

    def acquire(self, claim_id: str, *, event_id: str, delivery_id: str) -> Claim:
        with self._lock:
            claim = self._claims.get(claim_id)
            if claim is None:
                self._claims[claim_id] = {
                    "event_id": event_id,
                    "state": WORKING,
                    "holder": delivery_id,
                    "fence": 1,
                    "heartbeat_at": self._clock(),
                    "attempts": 1,
                    "message_ts": [],
                    "rounds": {},
                }
                return Claim(ClaimVerdict.PROCEED, Lease(claim_id, 1))
            verdict = decide(claim, delivery_id=delivery_id, now=self._clock(), lease=self.lease)
            attempts = claim["attempts"]
            delivered = claim.get("delivered") if claim["state"] == DELIVERED else None
            seen: dict[str, Any] = {
                "message_ts": list(claim["message_ts"]),
                "state": claim["state"],
                "rounds": tuple(claim["rounds"][number] for number in sorted(claim["rounds"])),
                "delivered": delivered,
                "stream_ts": claim.get("stream_ts", ""),
            }
            if verdict is not ClaimVerdict.PROCEED:
                return Claim(verdict, None, attempts=attempts, **seen)
            claim.update(
                holder=delivery_id,
                fence=claim["fence"] + 1,
                heartbeat_at=self._clock(),
                attempts=attempts + 1,
            )
            return Claim(verdict, Lease(claim_id, claim["fence"]), attempts=attempts + 1, **seen)

    def renew(self, lease: Lease) -> None:
        self._write(lease, {})

    def record_messages(self, lease: Lease, message_ts: list[str]) -> None:
        self._write(lease, {"message_ts": list(message_ts)})

    def record_stream(self, lease: Lease, stream_ts: str) -> None:
        self._write(lease, {"stream_ts": stream_ts})

    def record_round(self, lease: Lease, number: int, done: ToolRound) -> None:
        with self._lock:
            claim = self._held(lease)
            rounds = {**claim["rounds"], number: done}
            size = sum(len(json.dumps(kept.to_json())) for kept in rounds.values())
            if size > MAX_DOCUMENT_BYTES:  # Firestore refuses a document past 1 MiB
                raise RoundTooLarge(f"the claim would be {size} bytes")
            claim["rounds"] = rounds
            claim["heartbeat_at"] = self._clock()

    def record_delivered(self, lease: Lease, delivered: Delivered, message_ts: list[str]) -> None:
        fields = {"state": DELIVERED, "delivered": delivered, "message_ts": list(message_ts)}
        self._write(lease, fields)

    def finish(self, lease: Lease, *, state: str = DONE, **details: Any) -> None:
        self._write(lease, {"state": state, **details})

    def release(self, lease: Lease) -> None:
        self._write(lease, {"heartbeat_at": _LONG_AGO}, beat=False)

    def _write(self, lease: Lease, fields: dict[str, Any], *, beat: bool = True) -> None:
        with self._lock:
            claim = self._held(lease)
            claim.update(fields)
            if beat:
                claim["heartbeat_at"] = self._clock()

    def _held(self, lease: Lease) -> dict[str, Any]:
        claim = self._claims.get(lease.claim_id, {})
        if claim.get("fence") != lease.fence or claim.get("state") not in OPEN:
            raise LostLease(
                f"claim {lease.claim_id} is held by fence {claim.get('fence')}, not {lease.fence}"
            )
        return claim


class MemoryHistory:
    """`History` as a state and a turn log per thread."""

    def __init__(self, *, window_max_bytes: int = 900_000) -> None:
        # Firestore's bound on the window document (history.WINDOW_MAX_BYTES; a contract test
        # keeps the two equal).
        self.window_max_bytes = window_max_bytes
        self._lock = threading.Lock()
        self._states: dict[str, ThreadState] = {}
        self._logs: dict[str, dict[str, StoredTurn]] = {}

    def load(self, thread_key: str) -> ThreadState:
        with self._lock:
            return self._states.get(thread_key, ThreadState())

    def newest_first(
        self,
        thread_key: str,
        *,
        before: str,
        after: str = "",
        state: ThreadState | None = None,
        extra: Sequence[StoredTurn] = (),
    ) -> Iterator[StoredTurn]:
        if state is None:
            state = self.load(thread_key)
        merged = {turn.order: turn for turn in state.window}
        merged.update({turn.order: turn for turn in extra})
        oldest = before
        for order in sorted(merged, reverse=True):
            if order >= before:
                continue
            if order <= after:
                return
            oldest = order
            yield merged[order]
        if state.complete:
            return
        with self._lock:
            log = dict(self._logs.get(thread_key, {}))
        for order in sorted(log, reverse=True):
            if order >= oldest:
                continue
            if order <= after:
                return
            yield log[order]

    def oldest_after(
        self, thread_key: str, *, after: str, before: str, max_tokens: int
    ) -> list[StoredTurn]:
        with self._lock:
            log = dict(self._logs.get(thread_key, {}))
        taken: list[StoredTurn] = []
        used = 0
        for order in sorted(log):
            if used >= max_tokens or order >= before:
                break
            if order <= after:
                continue
            taken.append(log[order])
            used += log[order].tokens
        return taken

    def append(
        self,
        thread_key: str,
        turns: Sequence[StoredTurn],
        *,
        keep_tokens: int,
        read_through: str = "",
        people: Iterable[str] = (),
    ) -> None:
        with self._lock:
            log = self._logs.setdefault(thread_key, {})
            log.update({turn.order: turn for turn in turns})
            state = self._states.get(thread_key, ThreadState())
            slid = slide_window(
                state, turns, keep_tokens=keep_tokens, max_bytes=self.window_max_bytes
            )
            self._states[thread_key] = dataclasses.replace(
                state,
                window=slid.window,
                complete=slid.complete,
                read_through=max(read_through, state.read_through),
                people=state.people | frozenset(people),
                answered=state.answered or any(turn.role == "assistant" for turn in turns),
            )

    def save_summary(self, thread_key: str, summary: Summary) -> None:
        with self._lock:
            state = self._states.get(thread_key, ThreadState())
            if state.summary is not None and state.summary.through >= summary.through:
                return  # a concurrent delivery summarised as far already
            self._states[thread_key] = dataclasses.replace(state, summary=summary)

    def add_people(self, thread_key: str, people: Iterable[str]) -> None:
        with self._lock:
            state = self._states.get(thread_key, ThreadState())
            self._states[thread_key] = dataclasses.replace(
                state, people=state.people | frozenset(people)
            )

    def clear(self, thread_key: str, *, read_through: str = "") -> int:
        with self._lock:
            state = self._states.get(thread_key, ThreadState())
            deleted = len(self._logs.pop(thread_key, {}))
            self._states[thread_key] = ThreadState(
                read_through=max(read_through, state.read_through),
                people=state.people,
                answered=state.answered,
            )
            return deleted


class MemoryStops:
    """Stop requests (assistant/answer/stop_store.py's contract) in a dict."""

    def __init__(self) -> None:
        self._by: dict[str, str] = {}
        self._lock = threading.Lock()

    def request(self, message_key: str, *, by: str) -> None:
        with self._lock:
            self._by[message_key] = by

    def requested(self, message_key: str) -> str:
        with self._lock:
            return self._by.get(message_key, "")
