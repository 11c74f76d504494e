"""Refusals said once per thread (`stores.Notices`) in Firestore.

`thread_notices/<thread_key>.<reason>` is created by the first refusal in a thread; the create
fails for every later one (a redelivery too), so the bot says it once, then stays quiet there.
"""

from __future__ import annotations

from google.api_core.exceptions import AlreadyExists, Conflict
from google.cloud import firestore

__all__ = ["NOTICES", "RefusalNotices"]

NOTICES = "thread_notices"


class RefusalNotices:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def first(self, thread_key: str, reason: str, event_id: str) -> bool:
        ref = self._db.collection(NOTICES).document(f"{thread_key}.{reason}")
        try:
            ref.create({"event_id": event_id, "at": firestore.SERVER_TIMESTAMP})
        except (AlreadyExists, Conflict):
            return False
        return True
