"""Mentions per person per minute (`stores.RateLimits`), counted exactly on Firestore.

A transaction on `rate_limits/<team>.<user>.<minute>` lists the events admitted in that minute:
an event already listed (a redelivery) is admitted again without counting twice, a new one is
admitted while the list is shorter than the limit. Only one person's mentions touch a
document, so it is never hot. Old minutes are left for the TTL policy (`expire_at`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from google.cloud import firestore

__all__ = ["RATE_LIMITS", "RateLimiter"]

RATE_LIMITS = "rate_limits"


class RateLimiter:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def admit(self, *, team: str, user: str, event_id: str, limit: int, now: datetime) -> bool:
        if limit <= 0:
            return True
        minute = now.strftime("%Y%m%d%H%M")
        ref = self._db.collection(RATE_LIMITS).document(f"{team}.{user}.{minute}")

        @firestore.transactional
        def run(transaction: firestore.Transaction) -> bool:
            snapshot = ref.get(transaction=transaction)
            events = list((snapshot.to_dict() or {}).get("events", [])) if snapshot.exists else []
            if event_id in events:
                return True
            if len(events) >= limit:
                return False
            transaction.set(
                ref, {"events": [*events, event_id], "expire_at": now + timedelta(days=1)}
            )
            return True

        return run(self._db.transaction())
