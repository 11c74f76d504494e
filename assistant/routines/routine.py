"""A routine: a recap someone asked for on a schedule, and the run of one of its slots (pure).

>>> from datetime import datetime, UTC
>>> from assistant.routines.schedule import WEEKDAYS, Schedule
>>> routine = Routine(id="r1", team="T1", creator="U1", created_in="C1", target="C1",
...     sources=("C2",), schedule=Schedule(days=WEEKDAYS, time="09:00", zone="UTC"),
...     window_hours=24, instruction="summarise", state=State.ACTIVE,
...     next_run=datetime(2026, 7, 6, 9, tzinfo=UTC))
>>> Routine.from_document(routine.to_document(), id="r1") == routine
True
>>> RoutineRun.from_json(RoutineRun("r1", routine.next_run).to_json()).slot_id
'r1.20260706T090000Z'
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from assistant.routines.schedule import Schedule

__all__ = ["Routine", "RoutineRun", "SlotVerdict", "State", "slot_verdict"]


class State(enum.Enum):
    ACTIVE = "active"
    PAUSED = "paused"  # over budget, or by hand: kept, not run
    CANCELLED = "cancelled"  # never runs again


@dataclasses.dataclass(frozen=True, kw_only=True)
class Routine:
    id: str
    team: str
    creator: str  # the person who confirmed it: metered to them, may cancel it
    created_in: str  # the channel (or DM) it was asked for in
    target: str  # where each recap is posted
    sources: tuple[str, ...]  # the channels recapped
    schedule: Schedule
    window_hours: int  # each run recaps the hours before its slot
    instruction: str  # what the person asked for, in their words (material for the model)
    state: State
    next_run: datetime  # UTC: the next slot the scheduler publishes
    note: str = ""  # why it is paused, for `@assistant routines`

    def window(self, slot: datetime) -> tuple[datetime, datetime]:
        return slot - timedelta(hours=self.window_hours), slot

    def to_document(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "creator": self.creator,
            "created_in": self.created_in,
            "target": self.target,
            "sources": list(self.sources),
            "schedule": self.schedule.to_document(),
            "window_hours": self.window_hours,
            "instruction": self.instruction,
            "state": self.state.value,
            "next_run": self.next_run,
            "note": self.note,
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any], *, id: str) -> Routine:
        return cls(
            id=id,
            team=str(document["team"]),
            creator=str(document["creator"]),
            created_in=str(document["created_in"]),
            target=str(document["target"]),
            sources=tuple(str(source) for source in document["sources"]),
            schedule=Schedule.from_document(dict(document["schedule"])),
            window_hours=int(document["window_hours"]),
            instruction=str(document["instruction"]),
            state=State(document["state"]),
            next_run=_utc(document["next_run"]),
            note=str(document.get("note", "")),
        )


@dataclasses.dataclass(frozen=True)
class RoutineRun:
    """The message on the `routine-runs` topic: run this routine's slot (once)."""

    routine_id: str
    slot: datetime  # UTC

    @property
    def slot_id(self) -> str:
        """The slot's document id: one per (routine, slot), whoever runs it."""
        return f"{self.routine_id}.{self.slot.astimezone(UTC):%Y%m%dT%H%M%SZ}"

    def to_json(self) -> bytes:
        body = {"routine_id": self.routine_id, "slot": self.slot.astimezone(UTC).isoformat()}
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> RoutineRun:
        raw = json.loads(data)
        if not isinstance(raw, dict) or not isinstance(raw.get("routine_id"), str):
            raise ValueError("a routine run names its routine")
        if not raw["routine_id"].isalnum():
            raise ValueError("a routine id is letters and digits")
        return cls(raw["routine_id"], _utc(datetime.fromisoformat(str(raw["slot"]))))


class SlotVerdict(enum.Enum):
    RUN = "run"  # run it now
    SKIP_LATE = "skip_late"  # missed by more than the setting allows: a note instead
    NOT_ACTIVE = "not_active"  # paused or cancelled since it was published: nothing


def slot_verdict(
    routine: Routine, slot: datetime, *, now: datetime, late: timedelta
) -> SlotVerdict:
    """What to do with a slot about to run, `now`. A slot missed while the service was down
    runs on recovery unless it is older than `late`."""
    if routine.state is not State.ACTIVE:
        return SlotVerdict.NOT_ACTIVE
    if now - slot > late:
        return SlotVerdict.SKIP_LATE
    return SlotVerdict.RUN


def _utc(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError("a time is a datetime")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
