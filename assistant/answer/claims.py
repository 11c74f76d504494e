"""Exactly one answer per Slack event: a claim document per `event_id` in Firestore.

Slack retries arrive as new Pub/Sub messages with the same event id; Pub/Sub redelivers a
message whose push failed. The first delivery creates the claim (create-if-absent) and records
the Slack messages it posts; later deliveries decide from the claim:

    done / failed                         -> stand down (ack)
    same Pub/Sub message as the holder    -> take over now: Pub/Sub only redelivers a message
                                             after its push ended without an ack (the holder
                                             crashed or gave up), and the answer budget is
                                             shorter than the push deadline
    another message, holder's lease live  -> stand down (ack): the holder's own message will
                                             finish the answer or be redelivered
    another message, lease expired        -> take over

Taking over resumes the recorded Slack messages instead of posting new ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any

from google.api_core.exceptions import AlreadyExists
from google.cloud import firestore

__all__ = ["Claim", "ClaimStore", "Verdict"]

COLLECTION = "event_claims"
# Claims only matter while Slack and Pub/Sub can still redeliver; a TTL policy on `expires_at`
# (Terraform) deletes them afterwards.
_KEEP_FOR = dt.timedelta(days=7)


class Verdict(enum.Enum):
    PROCEED = "proceed"  # this delivery owns the event now
    STAND_DOWN = "stand_down"  # answered, or being answered by a live holder: ack


@dataclasses.dataclass(frozen=True)
class Claim:
    verdict: Verdict
    message_ts: list[str] = dataclasses.field(default_factory=list)
    attempts: int = 1
    state: str = "working"


class ClaimStore:
    def __init__(self, db: firestore.Client, *, lease_seconds: float) -> None:
        self._db = db
        self._lease = dt.timedelta(seconds=lease_seconds)

    def _doc(self, event_id: str) -> firestore.DocumentReference:
        return self._db.collection(COLLECTION).document(event_id)

    def acquire(self, event_id: str, *, delivery_id: str, now: dt.datetime) -> Claim:
        fresh = {
            "state": "working",
            "holder": delivery_id,
            "lease_until": now + self._lease,
            "attempts": 1,
            "message_ts": [],
            "created_at": now,
            "expires_at": now + _KEEP_FOR,
        }
        try:
            self._doc(event_id).create(fresh)
            return Claim(Verdict.PROCEED)
        except AlreadyExists:
            pass
        return _take_over(
            self._db.transaction(), self._doc(event_id), delivery_id, now, self._lease
        )

    def renew(self, event_id: str, *, now: dt.datetime) -> None:
        self._doc(event_id).update({"lease_until": now + self._lease})

    def record_messages(self, event_id: str, message_ts: list[str], *, now: dt.datetime) -> None:
        self._doc(event_id).update({"message_ts": message_ts, "lease_until": now + self._lease})

    def finish(self, event_id: str, *, state: str = "done", **details: Any) -> None:
        self._doc(event_id).update({"state": state, **details})


@firestore.transactional
def _take_over(
    transaction: firestore.Transaction,
    doc: firestore.DocumentReference,
    delivery_id: str,
    now: dt.datetime,
    lease: dt.timedelta,
) -> Claim:
    snapshot = doc.get(transaction=transaction)
    claim = snapshot.to_dict() or {}
    state = claim.get("state", "working")
    message_ts = list(claim.get("message_ts", []))
    attempts = int(claim.get("attempts", 1))
    if state != "working":
        return Claim(Verdict.STAND_DOWN, message_ts, attempts, state)
    if claim.get("holder") != delivery_id and claim["lease_until"] > now:
        return Claim(Verdict.STAND_DOWN, message_ts, attempts, state)
    transaction.update(
        doc,
        {"holder": delivery_id, "lease_until": now + lease, "attempts": attempts + 1},
    )
    return Claim(Verdict.PROCEED, message_ts, attempts + 1, state)
