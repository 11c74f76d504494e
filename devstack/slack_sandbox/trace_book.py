"""What the functions logged about each mention, kept for the page's "What happened" panel.

The dev stack's log tailer (`devstack/trace.py`) POSTs the functions' JSON log lines that carry
an `event_id`; the book keeps the newest few per event, and forgets the oldest events first.

>>> book = TraceBook(per_event=2, events=10)
>>> book.add({"event_id": "Ev1", "message": "a"})["message"]
'a'
>>> [r["message"] for r in book.add_all([{"event_id": "Ev1", "message": m} for m in "bc"])]
['b', 'c']
>>> [r["message"] for r in book.find("Ev1")]
['b', 'c']
"""

from __future__ import annotations

from collections import OrderedDict, deque

__all__ = ["TraceBook"]


class TraceBook:
    def __init__(self, *, per_event: int = 200, events: int = 500):
        self.per_event = per_event
        self.events = events
        self._records: OrderedDict[str, deque[dict]] = OrderedDict()
        self.seq = 0

    def add(self, record: dict) -> dict:
        """Store one record (it must carry a string `event_id`); returns it with its `seq`."""
        event_id = record.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            raise ValueError("each trace record needs an event_id")
        self.seq += 1
        stored = {**record, "seq": self.seq}
        kept = self._records.get(event_id)
        if kept is None:
            kept = self._records[event_id] = deque(maxlen=self.per_event)
            while len(self._records) > self.events:
                self._records.popitem(last=False)
        kept.append(stored)
        return stored

    def add_all(self, records: list[dict]) -> list[dict]:
        if not all(isinstance(r, dict) and isinstance(r.get("event_id"), str) for r in records):
            raise ValueError("each trace record must be an object with an event_id")
        return [self.add(record) for record in records]

    def find(self, event_id: str) -> list[dict]:
        return list(self._records.get(event_id, ()))

    def all(self) -> dict[str, list[dict]]:
        return {event_id: list(kept) for event_id, kept in self._records.items()}

    def clear(self) -> None:
        self._records.clear()
