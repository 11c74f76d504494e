"""Claims (`claims.py`) in Firestore: one document per Slack message in `event_claims`.

Writing to the claim is conditional on the fence: read, check, then update with the read's
`update_time` as a precondition (optimistic, so no lock outlives a killed holder).
Heartbeats are written with Firestore's clock and compared with the read time of the claim
(also Firestore's), so instances' clocks never matter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from google.api_core.exceptions import AlreadyExists, FailedPrecondition, InvalidArgument
from google.cloud import firestore

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
from assistant.llm.tools import ToolRound

__all__ = ["COLLECTION", "ClaimStore"]

COLLECTION = "event_claims"
# Claims only matter while Slack and Pub/Sub can still redeliver; a TTL policy on `expires_at`
# (Terraform) deletes them afterwards.
_KEEP_FOR = dt.timedelta(days=7)
_LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_CONFLICT_RETRIES = 5


class ClaimStore:
    def __init__(self, db: firestore.Client, *, lease_seconds: float) -> None:
        self._db = db
        self.lease = dt.timedelta(seconds=lease_seconds)

    def _doc(self, claim_id: str) -> firestore.DocumentReference:
        return self._db.collection(COLLECTION).document(claim_id)

    def acquire(self, claim_id: str, *, event_id: str, delivery_id: str) -> Claim:
        fresh = {
            "event_id": event_id,
            "state": WORKING,
            "holder": delivery_id,
            "fence": 1,
            "heartbeat_at": firestore.SERVER_TIMESTAMP,
            "attempts": 1,
            "message_ts": [],
            "created_at": firestore.SERVER_TIMESTAMP,
            "expires_at": dt.datetime.now(dt.UTC) + _KEEP_FOR,
        }
        try:
            self._doc(claim_id).create(fresh)
            return Claim(ClaimVerdict.PROCEED, Lease(claim_id, 1))
        except AlreadyExists:
            pass
        return _acquire_existing(self, self._doc(claim_id), delivery_id)

    def renew(self, lease: Lease) -> None:
        self._write(lease, {})

    def record_messages(self, lease: Lease, message_ts: list[str]) -> None:
        self._write(lease, {"message_ts": message_ts})

    def record_stream(self, lease: Lease, stream_ts: str) -> None:
        self._write(lease, {"stream_ts": stream_ts})

    def record_round(self, lease: Lease, number: int, done: ToolRound) -> None:
        try:
            self._write(lease, {f"rounds.r{number:02d}": done.to_json()})
        except InvalidArgument as error:  # past Firestore's 1 MiB per document
            raise RoundTooLarge(str(error)) from error

    def record_delivered(self, lease: Lease, delivered: Delivered, message_ts: list[str]) -> None:
        fields = {"state": DELIVERED, "delivered": delivered.to_json(), "message_ts": message_ts}
        self._write(lease, fields)

    def finish(self, lease: Lease, *, state: str = DONE, **details: Any) -> None:
        self._write(lease, {"state": state, **details})

    def release(self, lease: Lease) -> None:
        self._write(lease, {"heartbeat_at": _LONG_AGO}, beat=False)

    def _write(self, lease: Lease, fields: dict[str, Any], *, beat: bool = True) -> None:
        if beat:
            fields = {**fields, "heartbeat_at": firestore.SERVER_TIMESTAMP}
        doc = self._doc(lease.claim_id)
        for _ in range(_CONFLICT_RETRIES):
            snapshot = doc.get()
            claim = snapshot.to_dict() or {}
            if claim.get("fence") != lease.fence or claim.get("state") not in OPEN:
                raise LostLease(
                    f"claim {doc.id} is held by fence {claim.get('fence')}, not {lease.fence}"
                )
            if self._update_unchanged(doc, snapshot, fields):
                return
        raise LostLease(f"claim {doc.id} kept changing under fence {lease.fence}")

    def _update_unchanged(
        self, doc: firestore.DocumentReference, snapshot: Any, fields: dict[str, Any]
    ) -> bool:
        """Apply `fields` only if nobody wrote the claim since `snapshot`; False if someone did.

        Optimistic on purpose: a transaction would lock the document while it runs, and a holder
        killed mid-transaction would leave it locked for everyone until the lock times out."""
        option = self._db.write_option(last_update_time=snapshot.update_time)
        try:
            doc.update(fields, option=option)
        except FailedPrecondition:
            return False
        return True


def _acquire_existing(
    store: ClaimStore, doc: firestore.DocumentReference, delivery_id: str
) -> Claim:
    for _ in range(_CONFLICT_RETRIES):
        snapshot = doc.get()
        claim = snapshot.to_dict() or {}
        # The read time is Firestore's clock, like the heartbeats it is compared with.
        verdict = decide(claim, delivery_id=delivery_id, now=snapshot.read_time, lease=store.lease)
        attempts = int(claim.get("attempts", 1))
        seen = {
            "message_ts": list(claim.get("message_ts", [])),
            "state": claim.get("state", WORKING),
            "rounds": _rounds(claim.get("rounds")),
            "delivered": _delivered(claim),
            "stream_ts": str(claim.get("stream_ts", "")),
        }
        if verdict is not ClaimVerdict.PROCEED:
            return Claim(verdict, None, attempts=attempts, **seen)
        fence = int(claim.get("fence", 0)) + 1
        takeover = {
            "holder": delivery_id,
            "fence": fence,
            "heartbeat_at": firestore.SERVER_TIMESTAMP,
            "attempts": attempts + 1,
        }
        if store._update_unchanged(doc, snapshot, takeover):
            return Claim(verdict, Lease(doc.id, fence), attempts=attempts + 1, **seen)
    # Others kept writing (a live holder beating): treat it as in hand and look again later.
    return Claim(ClaimVerdict.WAIT)


def _rounds(stored: Any) -> tuple[ToolRound, ...]:
    if not isinstance(stored, dict):
        return ()
    return tuple(ToolRound.from_json(stored[key]) for key in sorted(stored))


def _delivered(claim: Mapping[str, Any]) -> Delivered | None:
    if claim.get("state") != DELIVERED or not claim.get("delivered"):
        return None
    return Delivered.from_json(claim["delivered"])
