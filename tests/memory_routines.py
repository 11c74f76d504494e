"""Routines in memory (`assistant.routines.stores.Routines`), for the fast tests."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from datetime import datetime

from assistant.routines.routine import Routine, RoutineRun, State
from assistant.routines.stores import SlotClaim

__all__ = ["MemoryRoutines"]


class MemoryRoutines:
    def __init__(self) -> None:
        self.routines: dict[str, Routine] = {}
        self.slots: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def create(self, routine: Routine) -> bool:
        with self._lock:
            if routine.id in self.routines:
                return False
            self.routines[routine.id] = routine
            return True

    def get(self, routine_id: str) -> Routine | None:
        return self.routines.get(routine_id)

    def due(self, now: datetime, *, limit: int) -> Sequence[Routine]:
        due = [r for r in self.routines.values() if r.state is State.ACTIVE and r.next_run <= now]
        return sorted(due, key=lambda routine: routine.next_run)[:limit]

    def advance(self, routine_id: str, *, from_run: datetime, to_run: datetime) -> bool:
        with self._lock:
            routine = self.routines.get(routine_id)
            if routine is None or routine.next_run != from_run:
                return False
            self.routines[routine_id] = dataclasses.replace(routine, next_run=to_run)
            return True

    def set_state(self, routine_id: str, state: State, *, note: str = "") -> None:
        routine = self.routines.get(routine_id)
        if routine is not None:
            self.routines[routine_id] = dataclasses.replace(routine, state=state, note=note)

    def listed(self, *, team: str, channel: str, user: str) -> Sequence[Routine]:
        return sorted(
            (
                r
                for r in self.routines.values()
                if r.team == team
                and (r.target == channel or r.creator == user)
                and r.state is not State.CANCELLED
            ),
            key=lambda routine: routine.next_run,
        )

    def count_active(self, *, team: str, user: str) -> int:
        return sum(
            1
            for r in self.routines.values()
            if r.team == team and r.creator == user and r.state is State.ACTIVE
        )

    def claim_slot(self, run: RoutineRun, *, holder: str) -> SlotClaim:
        with self._lock:
            slot = self.slots.get(run.slot_id)
            if slot is None:
                self.slots[run.slot_id] = {"state": "running", "holder": holder}
                return SlotClaim.MINE
            return SlotClaim.DONE if slot["state"] == "done" else SlotClaim.BUSY

    def release_slot(self, run: RoutineRun) -> None:
        self.slots.pop(run.slot_id, None)

    def finish_slot(self, run: RoutineRun, *, outcome: str, message_ts: str = "") -> None:
        self.slots[run.slot_id] = {"state": "done", "outcome": outcome, "message_ts": message_ts}
