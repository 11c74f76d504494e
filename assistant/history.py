"""Each thread's conversation in Firestore, read newest first and only as far as needed.

Layout: `threads/{team:channel:thread_ts}/turns/{order}`. A turn stores its token count (and
the encoding it was counted with), so building a prompt costs reads of the turns that fit, not
an encode of the whole thread. Turn ids derive from the Slack message ts, so writing a turn
twice (a redelivery after a crash) overwrites rather than duplicates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from google.cloud import firestore

__all__ = ["HistoryStore", "StoredTurn"]

THREADS = "threads"
TURNS = "turns"


@dataclasses.dataclass(frozen=True, kw_only=True)
class StoredTurn:
    order: str  # "<slack ts>:<n>", sorts chronologically within a thread
    role: str
    content: Any  # str, or content parts
    tokens: int
    encoding: str
    event_id: str = ""
    file_refs: tuple[dict[str, Any], ...] = ()

    def to_document(self) -> dict[str, Any]:
        document = dataclasses.asdict(self)
        document["file_refs"] = list(self.file_refs)
        return document

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> StoredTurn:
        known = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in document.items() if key in known}
        values["file_refs"] = tuple(values.get("file_refs") or ())
        return cls(**values)


class HistoryStore:
    def __init__(self, db: firestore.Client, *, page_size: int = 40) -> None:
        self._db = db
        self._page_size = page_size
        self.reads = 0  # documents read, for the benchmark's reads-per-turn figure

    def _turns(self, thread_key: str) -> firestore.CollectionReference:
        return self._db.collection(THREADS).document(thread_key).collection(TURNS)

    def newest_first(self, thread_key: str, *, before: str | None = None) -> Iterator[StoredTurn]:
        """Turns from newest to oldest, fetched a page at a time as the caller iterates."""
        query = self._turns(thread_key).order_by("order", direction=firestore.Query.DESCENDING)
        cursor = before
        while True:
            page_query = query.limit(self._page_size)
            if cursor is not None:
                page_query = page_query.start_after({"order": cursor})
            page = list(page_query.stream())
            self.reads += max(1, len(page))  # an empty result is still billed as one read
            for snapshot in page:
                yield StoredTurn.from_document(snapshot.to_dict())
            if len(page) < self._page_size:
                return
            cursor = page[-1].get("order")

    def append(self, thread_key: str, turns: list[StoredTurn]) -> None:
        batch = self._db.batch()
        for turn in turns:
            batch.set(self._turns(thread_key).document(turn.order), turn.to_document())
        batch.commit()

    def clear(self, thread_key: str) -> int:
        """Forget the thread; returns how many turns were deleted."""
        return self._db.recursive_delete(self._turns(thread_key))
