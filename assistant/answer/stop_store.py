"""Stop requests (`stops.py`) in Firestore: one document per answer in `answer_stops`, keyed by
the question's message key, deleted by a TTL policy on `expires_at` (terraform/firestore.tf)."""

from __future__ import annotations

import datetime as dt

from google.cloud import firestore

__all__ = ["STOPS_COLLECTION", "FirestoreStops"]

STOPS_COLLECTION = "answer_stops"
_KEEP_FOR = dt.timedelta(days=7)


class FirestoreStops:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def _doc(self, message_key: str) -> firestore.DocumentReference:
        return self._db.collection(STOPS_COLLECTION).document(message_key)

    def request(self, message_key: str, *, by: str) -> None:
        self._doc(message_key).set(
            {
                "by": by,
                "at": firestore.SERVER_TIMESTAMP,
                "expires_at": dt.datetime.now(dt.UTC) + _KEEP_FOR,
            }
        )

    def requested(self, message_key: str) -> str:
        snapshot = self._doc(message_key).get()
        return str((snapshot.to_dict() or {}).get("by", "")) if snapshot.exists else ""
