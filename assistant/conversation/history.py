"""Each thread's conversation in Firestore, built so a turn costs one read, however long the thread.

Layout:
- `threads/{team:channel:thread_ts}/turns/{order}`: every turn, the durable record.
- `threads/{team:channel:thread_ts}`: a window of the newest turns, at most the model's input
  budget in tokens (and well under Firestore's 1 MiB document limit), each with its cached
  token count. Building a prompt reads this one document; only when a bigger budget wants
  more than the window holds are older turns paged in from `turns`.

Turn ids derive from the Slack message ts, so writing a turn twice (a redelivery after a crash)
overwrites rather than duplicates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from google.cloud import firestore

from assistant.conversation.turns import StoredTurn

__all__ = ["HistoryStore"]

THREADS = "threads"
TURNS = "turns"
# Firestore documents are limited to 1 MiB; leave room for field names and overhead.
WINDOW_MAX_BYTES = 900_000


class HistoryStore:
    def __init__(self, db: firestore.Client, *, page_size: int = 100) -> None:
        self._db = db
        self._page_size = page_size
        self.reads = 0  # documents read, for the benchmark's reads-per-turn figure

    def _thread(self, thread_key: str) -> firestore.DocumentReference:
        return self._db.collection(THREADS).document(thread_key)

    def _turns(self, thread_key: str) -> firestore.CollectionReference:
        return self._thread(thread_key).collection(TURNS)

    def newest_first(self, thread_key: str, *, before: str) -> Iterator[StoredTurn]:
        """Turns older than `before`, newest first, read lazily: the window, then older pages."""
        snapshot = self._thread(thread_key).get()
        self.reads += 1
        window = _window_of(snapshot.to_dict() if snapshot.exists else None)
        oldest = before
        for turn in reversed(window.turns):
            if turn.order < before:
                oldest = turn.order
                yield turn
        if window.complete:
            return
        yield from self._older_than(thread_key, oldest)

    def _older_than(self, thread_key: str, order: str) -> Iterator[StoredTurn]:
        query = self._turns(thread_key).order_by("order", direction=firestore.Query.DESCENDING)
        cursor = order
        while True:
            page = list(query.start_after({"order": cursor}).limit(self._page_size).stream())
            self.reads += max(1, len(page))  # an empty result is still billed as one read
            for snapshot in page:
                yield StoredTurn.from_document(snapshot.to_dict())
            if len(page) < self._page_size:
                return
            cursor = page[-1].get("order")

    def append(self, thread_key: str, turns: list[StoredTurn], *, keep_tokens: int) -> None:
        """Record `turns` and slide the window so it holds at most `keep_tokens`."""
        _append(self._db.transaction(), self, thread_key, turns, keep_tokens)

    def clear(self, thread_key: str) -> int:
        """Forget the thread; returns how many turns were deleted."""
        deleted = self._db.recursive_delete(self._turns(thread_key))
        self._thread(thread_key).delete()
        return deleted


@dataclasses.dataclass(frozen=True)
class _Window:
    turns: list[StoredTurn]  # oldest first
    complete: bool  # True when no older turns exist outside the window


def _window_of(document: dict[str, Any] | None) -> _Window:
    if not document:
        return _Window([], True)
    turns = [StoredTurn.from_document(item) for item in document.get("window", [])]
    return _Window(turns, not document.get("truncated", False))


@firestore.transactional
def _append(
    transaction: firestore.Transaction,
    store: HistoryStore,
    thread_key: str,
    turns: list[StoredTurn],
    keep_tokens: int,
) -> None:
    thread = store._thread(thread_key)
    snapshot = thread.get(transaction=transaction)
    window = _window_of(snapshot.to_dict() if snapshot.exists else None)
    merged = {turn.order: turn for turn in window.turns}
    merged.update({turn.order: turn for turn in turns})
    ordered = [merged[order] for order in sorted(merged)]
    kept, tokens, size = [], 0, 0
    for turn in reversed(ordered):
        # One turn past the budget is kept, so trimming always stops inside the window
        # instead of paging older turns only to find they do not fit.
        if tokens > keep_tokens or size + turn.size() > WINDOW_MAX_BYTES:
            break
        kept.append(turn)
        tokens += turn.tokens
        size += turn.size()
    kept.reverse()
    truncated = len(kept) < len(ordered) or not window.complete
    transaction.set(
        thread,
        {"window": [t.to_document() for t in kept], "truncated": truncated, "tokens": tokens},
    )
    for turn in turns:
        transaction.set(store._turns(thread_key).document(turn.order), turn.to_document())
