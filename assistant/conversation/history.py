"""Each thread's conversation (`thread_state.py`) in Firestore, built so a turn costs one read,
however long the thread.

Layout:
- `threads/{team:channel:thread_ts}/turns/{order}`: every turn, the durable record: questions
  and answers, and the thread's other messages as they were read from Slack (context).
- `threads/{team:channel:thread_ts}`: the thread's state (`ThreadState`): a window of the
  newest turns, at most the model's input budget in tokens (and well under Firestore's 1 MiB
  document limit), each with its cached token count; the rolling summary of what fell out of
  the prompt; how far Slack's copy of the thread has been read; who has written in it.
  Building a prompt reads this one document; only when a bigger budget wants more than the
  window holds are older turns paged in from `turns`.

Turn ids derive from the Slack message ts, so writing a turn twice (a redelivery after a crash)
overwrites rather than duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from google.cloud import firestore

from assistant.conversation.summary import Summary
from assistant.conversation.thread_state import ThreadState, slide_window
from assistant.conversation.turns import StoredTurn

__all__ = ["HistoryStore"]

THREADS = "threads"
TURNS = "turns"
# Firestore documents are limited to 1 MiB; leave room for field names and overhead.
WINDOW_MAX_BYTES = 900_000
# Firestore takes at most 500 writes in one commit.
_BATCH_WRITES = 400


class HistoryStore:
    def __init__(self, db: firestore.Client, *, page_size: int = 100) -> None:
        self._db = db
        self._page_size = page_size
        self.reads = 0  # documents read, for the benchmark's reads-per-turn figure
        self.writes = 0  # commits made, for the same benchmark

    def _thread(self, thread_key: str) -> firestore.DocumentReference:
        return self._db.collection(THREADS).document(thread_key)

    def _turns(self, thread_key: str) -> firestore.CollectionReference:
        return self._thread(thread_key).collection(TURNS)

    def load(self, thread_key: str) -> ThreadState:
        snapshot = self._thread(thread_key).get()
        self.reads += 1
        return _state(snapshot.to_dict() if snapshot.exists else None)

    def newest_first(
        self,
        thread_key: str,
        *,
        before: str,
        after: str = "",
        state: ThreadState | None = None,
        extra: Sequence[StoredTurn] = (),
    ) -> Iterator[StoredTurn]:
        """Turns older than `before` and newer than `after`, newest first, read lazily: the
        window (with `extra` turns, not stored yet, merged in), then older pages."""
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
        if not state.complete:
            yield from self._older_than(thread_key, oldest, after)

    def oldest_after(
        self, thread_key: str, *, after: str, before: str, max_tokens: int
    ) -> list[StoredTurn]:
        """Turns between `after` and `before`, oldest first, up to about `max_tokens`: what
        the rolling summary covers next. Reads only that far, however long the thread."""
        query = self._turns(thread_key).order_by("order").end_before({"order": before})
        taken: list[StoredTurn] = []
        used, cursor = 0, after
        while used < max_tokens:
            page = list(query.start_after({"order": cursor}).limit(self._page_size).stream())
            self.reads += max(1, len(page))
            for snapshot in page:
                turn = StoredTurn.from_document(snapshot.to_dict() or {})
                taken.append(turn)
                used += turn.tokens
                if used >= max_tokens:
                    break
            if len(page) < self._page_size:
                break
            cursor = page[-1].get("order")
        return taken

    def _older_than(self, thread_key: str, order: str, after: str) -> Iterator[StoredTurn]:
        query = self._turns(thread_key).order_by("order", direction=firestore.Query.DESCENDING)
        cursor = order
        while True:
            page = list(query.start_after({"order": cursor}).limit(self._page_size).stream())
            self.reads += max(1, len(page))  # an empty result is still billed as one read
            for snapshot in page:
                turn = StoredTurn.from_document(snapshot.to_dict() or {})
                if turn.order <= after:
                    return
                yield turn
            if len(page) < self._page_size:
                return
            cursor = page[-1].get("order")

    def append(
        self,
        thread_key: str,
        turns: Sequence[StoredTurn],
        *,
        keep_tokens: int,
        read_through: str = "",
        people: Iterable[str] = (),
    ) -> None:
        """Record `turns`, slide the window so it holds at most `keep_tokens`, and note how far
        the thread has been read and who wrote in it."""
        # A turn's own few turns go in the same commit as the window; a long thread read for
        # the first time is written ahead of it in batches (Firestore takes 500 writes a commit).
        inline = len(turns) <= _BATCH_WRITES
        for start in range(0, 0 if inline else len(turns), _BATCH_WRITES):
            batch = self._db.batch()
            for turn in turns[start : start + _BATCH_WRITES]:
                batch.set(self._turns(thread_key).document(turn.order), turn.to_document())
            batch.commit()
            self.writes += 1
        _append(
            self._db.transaction(),
            self,
            thread_key,
            list(turns),
            keep_tokens,
            read_through,
            frozenset(people),
            inline,
        )
        self.writes += 1

    def save_summary(self, thread_key: str, summary: Summary) -> None:
        """Keep `summary` unless the thread already has one that reaches as far."""
        _save_summary(self._db.transaction(), self._thread(thread_key), summary)
        self.writes += 1

    def add_people(self, thread_key: str, people: Iterable[str]) -> None:
        self._thread(thread_key).set({"people": firestore.ArrayUnion(sorted(people))}, merge=True)
        self.writes += 1

    def clear(self, thread_key: str, *, read_through: str = "") -> int:
        """Forget the thread's turns and summary; returns how many turns were deleted.

        Who wrote in the thread, and that the bot answered there, are kept; Slack's copy of
        the thread is read again only after `read_through` (the reset itself)."""
        state = self.load(thread_key)
        deleted = self._db.recursive_delete(self._turns(thread_key))
        self._thread(thread_key).set(
            {
                "window": [],
                "truncated": False,
                "tokens": 0,
                "read_through": max(read_through, state.read_through),
                "people": sorted(state.people),
                "answered": state.answered,
            }
        )
        return deleted


def _state(document: dict[str, Any] | None) -> ThreadState:
    if not document:
        return ThreadState()
    summary = document.get("summary")
    return ThreadState(
        window=tuple(StoredTurn.from_document(item) for item in document.get("window", [])),
        complete=not document.get("truncated", False),
        summary=Summary.from_document(summary) if summary else None,
        read_through=str(document.get("read_through") or ""),
        people=frozenset(document.get("people") or ()),
        answered=bool(document.get("answered")),
    )


@firestore.transactional
def _append(
    transaction: firestore.Transaction,
    store: HistoryStore,
    thread_key: str,
    turns: list[StoredTurn],
    keep_tokens: int,
    read_through: str,
    people: frozenset[str],
    inline: bool,
) -> None:
    thread = store._thread(thread_key)
    snapshot = thread.get(transaction=transaction)
    document = snapshot.to_dict() if snapshot.exists else None
    state = _state(document)
    slid = slide_window(state, turns, keep_tokens=keep_tokens, max_bytes=WINDOW_MAX_BYTES)
    fields: dict[str, Any] = {
        "window": [t.to_document() for t in slid.window],
        "truncated": not slid.complete,
        "tokens": slid.tokens,
        "read_through": max(read_through, state.read_through),
        "people": sorted(state.people | people),
        "answered": state.answered or any(turn.role == "assistant" for turn in turns),
    }
    if document and document.get("summary"):
        fields["summary"] = document["summary"]
    transaction.set(thread, fields)
    for turn in turns if inline else ():
        transaction.set(store._turns(thread_key).document(turn.order), turn.to_document())


@firestore.transactional
def _save_summary(
    transaction: firestore.Transaction, thread: firestore.DocumentReference, summary: Summary
) -> None:
    snapshot = thread.get(transaction=transaction)
    current = (snapshot.to_dict() or {}).get("summary") if snapshot.exists else None
    if current and str(current.get("through", "")) >= summary.through:
        return  # a concurrent delivery summarised as far already
    transaction.set(thread, {"summary": summary.to_document()}, merge=True)
