"""Where routines and their slots are kept: the contract (pure); `store.py` is Firestore,
`tests/memory_routines.py` memory.

Exactly once per (routine, slot): whoever runs a slot first creates its slot record
(create-if-absent, like the answer claims), so a late tick, a duplicate tick, a redelivered
push or a second instance finds it taken. A holder that died mid-run leaves a record that goes
stale after the lease, and the next redelivery takes it over; a finished slot is never run
again.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from assistant.routines.routine import Routine, RoutineRun, State

__all__ = ["Routines", "SlotClaim"]


class SlotClaim(enum.Enum):
    MINE = "mine"  # run it
    DONE = "done"  # someone ran it already: nothing to do
    BUSY = "busy"  # someone is running it right now: look again later


class Routines(Protocol):
    def create(self, routine: Routine) -> bool:
        """Save a new routine; False if one with its id exists (a repeated Confirm click)."""
        ...

    def get(self, routine_id: str) -> Routine | None: ...

    def due(self, now: datetime, *, limit: int) -> Sequence[Routine]:
        """Active routines whose next run is at or before `now`, oldest first."""
        ...

    def advance(self, routine_id: str, *, from_run: datetime, to_run: datetime) -> bool:
        """Move `next_run` on, only if it is still `from_run` (another tick may have moved it)."""
        ...

    def set_state(self, routine_id: str, state: State, *, note: str = "") -> None: ...

    def listed(self, *, team: str, channel: str, user: str) -> Sequence[Routine]:
        """The routines posting into `channel` and those `user` created, not cancelled."""
        ...

    def count_active(self, *, team: str, user: str) -> int: ...

    def claim_slot(self, run: RoutineRun, *, holder: str) -> SlotClaim: ...

    def release_slot(self, run: RoutineRun) -> None:
        """Give a slot up mid-run (an error Pub/Sub will retry): the next push takes it over."""
        ...

    def finish_slot(self, run: RoutineRun, *, outcome: str, message_ts: str = "") -> None: ...
