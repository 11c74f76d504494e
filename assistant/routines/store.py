"""Routines (`stores.Routines`) in Firestore: `routines/<id>` and `routine_slots/<id>.<slot>`.

The due-query (`state == active`, `next_run <= now`, ordered by `next_run`) needs the
composite index in terraform/firestore.tf. A slot record is created once (`create` fails if it
exists); a stale one is taken over only if nobody wrote it since it was read (the read's
`update_time` as a precondition), and its age is judged on Firestore's clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from typing import Any

from google.api_core.exceptions import AlreadyExists, FailedPrecondition, NotFound
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from assistant.routines.routine import Routine, RoutineRun, State
from assistant.routines.stores import SlotClaim

__all__ = ["ROUTINES", "SLOTS", "RoutineStore"]

ROUTINES = "routines"
SLOTS = "routine_slots"
_RUNNING, _DONE = "running", "done"
# Slot records matter while a tick or a push can still come for them; a TTL policy on
# `expires_at` (Terraform) deletes them afterwards.
_KEEP_SLOTS_FOR = dt.timedelta(days=14)
_LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class RoutineStore:
    def __init__(self, db: firestore.Client, *, lease_seconds: float) -> None:
        self._db = db
        self._lease = dt.timedelta(seconds=lease_seconds)

    def _doc(self, routine_id: str) -> firestore.DocumentReference:
        return self._db.collection(ROUTINES).document(routine_id)

    def create(self, routine: Routine) -> bool:
        try:
            self._doc(routine.id).create(
                {**routine.to_document(), "created_at": firestore.SERVER_TIMESTAMP}
            )
        except AlreadyExists:
            return False
        return True

    def get(self, routine_id: str) -> Routine | None:
        snapshot = self._doc(routine_id).get()
        if not snapshot.exists:
            return None
        return Routine.from_document(snapshot.to_dict() or {}, id=snapshot.id)

    def due(self, now: dt.datetime, *, limit: int) -> Sequence[Routine]:
        query = (
            self._db.collection(ROUTINES)
            .where(filter=FieldFilter("state", "==", State.ACTIVE.value))
            .where(filter=FieldFilter("next_run", "<=", now))
            .order_by("next_run")
            .limit(limit)
        )
        return [_routine(snapshot) for snapshot in query.stream()]

    def advance(self, routine_id: str, *, from_run: dt.datetime, to_run: dt.datetime) -> bool:
        doc = self._doc(routine_id)
        snapshot = doc.get()
        stored = snapshot.to_dict() or {}
        if not snapshot.exists or stored.get("next_run") != from_run:
            return False
        option = self._db.write_option(last_update_time=snapshot.update_time)
        try:
            doc.update({"next_run": to_run}, option=option)
        except FailedPrecondition:
            return False
        return True

    def set_state(self, routine_id: str, state: State, *, note: str = "") -> None:
        with contextlib.suppress(NotFound):  # deleted by hand: nothing left to change
            self._doc(routine_id).update({"state": state.value, "note": note})

    def listed(self, *, team: str, channel: str, user: str) -> Sequence[Routine]:
        found: dict[str, Routine] = {}
        for field, value in (("target", channel), ("creator", user)):
            query = (
                self._db.collection(ROUTINES)
                .where(filter=FieldFilter("team", "==", team))
                .where(filter=FieldFilter(field, "==", value))
            )
            for snapshot in query.stream():
                routine = _routine(snapshot)
                if routine.state is not State.CANCELLED:
                    found[routine.id] = routine
        return sorted(found.values(), key=lambda routine: routine.next_run)

    def count_active(self, *, team: str, user: str) -> int:
        query = (
            self._db.collection(ROUTINES)
            .where(filter=FieldFilter("team", "==", team))
            .where(filter=FieldFilter("creator", "==", user))
            .where(filter=FieldFilter("state", "==", State.ACTIVE.value))
        )
        return sum(1 for _ in query.stream())

    def claim_slot(self, run: RoutineRun, *, holder: str) -> SlotClaim:
        doc = self._db.collection(SLOTS).document(run.slot_id)
        try:
            doc.create(
                {
                    "routine_id": run.routine_id,
                    "slot": run.slot,
                    "state": _RUNNING,
                    "holder": holder,
                    "heartbeat_at": firestore.SERVER_TIMESTAMP,
                    "expires_at": run.slot + _KEEP_SLOTS_FOR,
                }
            )
            return SlotClaim.MINE
        except AlreadyExists:
            pass
        snapshot = doc.get()
        stored: dict[str, Any] = snapshot.to_dict() or {}
        if stored.get("state") == _DONE:
            return SlotClaim.DONE
        beat = stored.get("heartbeat_at")
        if isinstance(beat, dt.datetime) and snapshot.read_time - beat < self._lease:
            return SlotClaim.BUSY
        # The holder died mid-run: take over, unless someone else just did.
        option = self._db.write_option(last_update_time=snapshot.update_time)
        try:
            doc.update(
                {"holder": holder, "heartbeat_at": firestore.SERVER_TIMESTAMP}, option=option
            )
        except FailedPrecondition:
            return SlotClaim.BUSY
        return SlotClaim.MINE

    def release_slot(self, run: RoutineRun) -> None:
        self._db.collection(SLOTS).document(run.slot_id).update({"heartbeat_at": _LONG_AGO})

    def finish_slot(self, run: RoutineRun, *, outcome: str, message_ts: str = "") -> None:
        self._db.collection(SLOTS).document(run.slot_id).update(
            {"state": _DONE, "outcome": outcome, "message_ts": message_ts}
        )


def _routine(snapshot: Any) -> Routine:
    return Routine.from_document(snapshot.to_dict() or {}, id=snapshot.id)
