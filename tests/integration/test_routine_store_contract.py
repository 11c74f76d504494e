"""The routines store's contract, on Firestore and on its memory twin (tests/memory_routines.py),
which the fast tests use: the two must not drift."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from assistant.routines.routine import Routine, RoutineRun, State
from assistant.routines.schedule import WEEKDAYS, Schedule
from assistant.routines.store import RoutineStore
from assistant.routines.stores import Routines, SlotClaim
from tests.memory_routines import MemoryRoutines

SLOT = datetime(2091, 3, 5, 9, tzinfo=UTC)  # later than any other test's routines


@pytest.fixture(params=["firestore", "memory"])
def store(request) -> Routines:
    if request.param == "memory":
        return MemoryRoutines()
    return RoutineStore(request.getfixturevalue("firestore_db"), lease_seconds=30)


def routine(team: str, **changes) -> Routine:
    values = dict(
        id=uuid.uuid4().hex, team=team, creator="U1", created_in="C1", target="C1",
        sources=("C2",), schedule=Schedule(days=WEEKDAYS, time="09:00", zone="UTC"),
        window_hours=24, instruction="summarise", state=State.ACTIVE, next_run=SLOT,
    )  # fmt: skip
    values.update(changes)
    return Routine(**values)


def test_a_routine_is_created_once_and_read_back_equal(store):
    saved = routine("TA")
    assert store.create(saved) and not store.create(dataclasses.replace(saved, target="C9"))
    assert store.get(saved.id) == saved
    assert store.get(uuid.uuid4().hex) is None


def test_due_holds_active_routines_whose_time_has_come_oldest_first(store):
    team = f"T{uuid.uuid4().hex[:6].upper()}"
    late, early = routine(team, next_run=SLOT + timedelta(minutes=1)), routine(team)
    paused = routine(team, state=State.PAUSED)
    for each in (late, early, paused):
        store.create(each)
    due = [r.id for r in store.due(SLOT + timedelta(minutes=1), limit=1000) if r.team == team]
    assert due == [early.id, late.id]
    assert [r for r in store.due(SLOT - timedelta(seconds=1), limit=1000) if r.team == team] == []


def test_moving_on_happens_once_from_the_run_that_was_read(store):
    saved = routine("TB")
    store.create(saved)
    later = SLOT + timedelta(days=1)
    assert store.advance(saved.id, from_run=SLOT, to_run=later)
    assert not store.advance(saved.id, from_run=SLOT, to_run=later + timedelta(days=1))
    assert store.get(saved.id).next_run == later


def test_a_slot_is_mine_once_busy_while_held_free_again_when_released_done_when_finished(store):
    run = RoutineRun(uuid.uuid4().hex, SLOT)
    assert store.claim_slot(run, holder="m1") is SlotClaim.MINE
    assert store.claim_slot(run, holder="m2") is SlotClaim.BUSY
    store.release_slot(run)
    assert store.claim_slot(run, holder="m2") is SlotClaim.MINE
    store.finish_slot(run, outcome="posted", message_ts="1.000001")
    assert store.claim_slot(run, holder="m3") is SlotClaim.DONE


def test_listing_and_counting_leave_cancelled_routines_out(store):
    team = f"T{uuid.uuid4().hex[:6].upper()}"
    here, mine = routine(team, target="C5", creator="U2"), routine(team, target="C6")
    for each in (here, mine):
        store.create(each)
    assert {r.id for r in store.listed(team=team, channel="C5", user="U1")} == {here.id, mine.id}
    assert store.count_active(team=team, user="U1") == 1
    store.set_state(mine.id, State.CANCELLED, note="by U1")
    assert {r.id for r in store.listed(team=team, channel="C5", user="U1")} == {here.id}
    assert store.count_active(team=team, user="U1") == 0
    assert store.get(mine.id).note == "by U1"
