"""Pending calls in Firestore: `pending_calls/<id>`, deleted by a TTL policy on `delete_at`.

A call is created once (`create` fails if it exists, so a replayed round proposes nothing
new). Every later change is a compare-and-set on its state (`transition`): written only if
nobody changed the document since it was read (the read's `update_time` as a precondition),
so of two clicks, two instances or a click and the expiry sweep, exactly one moves it on.
The sweep's query (`state == pending`, `expires_at <= now`) needs the composite index in
terraform/firestore.tf.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from google.api_core.exceptions import AlreadyExists, FailedPrecondition
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from assistant.approvals.pending import PendingCall, State

__all__ = ["PENDING_CALLS", "FirestorePendingCalls", "PendingCalls"]

PENDING_CALLS = "pending_calls"
# Kept after they expire so a late click still finds its call (and says it expired).
_KEEP_FOR = dt.timedelta(days=7)


class PendingCalls(Protocol):
    def propose(self, call: PendingCall) -> PendingCall:
        """Stores `call`; the stored one when the same call was proposed before."""
        ...

    def get(self, pending: str) -> PendingCall | None: ...

    def transition(self, call: PendingCall, *, from_state: State) -> bool:
        """Writes `call` if its stored state is still `from_state`; False if someone else
        moved it on first."""
        ...

    def expired(self, now: dt.datetime, *, limit: int) -> Sequence[PendingCall]:
        """Pending calls whose time is up, oldest first."""
        ...


class FirestorePendingCalls:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def _doc(self, pending: str) -> firestore.DocumentReference:
        return self._db.collection(PENDING_CALLS).document(pending)

    def propose(self, call: PendingCall) -> PendingCall:
        try:
            self._doc(call.id).create(
                {**call.to_document(), "delete_at": call.expires_at + _KEEP_FOR}
            )
        except AlreadyExists:
            return self.get(call.id) or call
        return call

    def get(self, pending: str) -> PendingCall | None:
        snapshot = self._doc(pending).get()
        if not snapshot.exists:
            return None
        return PendingCall.from_document(snapshot.to_dict() or {}, id=snapshot.id)

    def transition(self, call: PendingCall, *, from_state: State) -> bool:
        doc = self._doc(call.id)
        snapshot = doc.get()
        stored = snapshot.to_dict() or {}
        if not snapshot.exists or stored.get("state") != from_state.value:
            return False
        option = self._db.write_option(last_update_time=snapshot.update_time)
        try:
            doc.update(call.to_document(), option=option)
        except FailedPrecondition:  # someone else wrote it since it was read
            return False
        return True

    def expired(self, now: dt.datetime, *, limit: int) -> Sequence[PendingCall]:
        query = (
            self._db.collection(PENDING_CALLS)
            .where(filter=FieldFilter("state", "==", State.PENDING.value))
            .where(filter=FieldFilter("expires_at", "<=", now))
            .order_by("expires_at")
            .limit(limit)
        )
        return [
            PendingCall.from_document(snapshot.to_dict() or {}, id=snapshot.id)
            for snapshot in query.stream()
        ]
