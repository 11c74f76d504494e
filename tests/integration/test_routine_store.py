"""Routines on the Firestore emulator: the due-query, moving on once, and one run per slot
whoever asks for it at the same time."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from assistant.routines.routine import Routine, RoutineRun, State
from assistant.routines.schedule import WEEKDAYS, Schedule
from assistant.routines.store import RoutineStore
from assistant.routines.stores import SlotClaim

LEASE = 1.0


@pytest.fixture
def store(firestore_db) -> RoutineStore:
    return RoutineStore(firestore_db, lease_seconds=LEASE)


def routine(**changes) -> Routine:
    values = dict(
        id=uuid.uuid4().hex, team=f"T{uuid.uuid4().hex[:8].upper()}", creator="U1",
        created_in="C1", target="C1", sources=("C2",),
        schedule=Schedule(days=WEEKDAYS, time="09:00", zone="UTC"), window_hours=24,
        instruction="summarise", state=State.ACTIVE,
        next_run=datetime(2026, 7, 6, 9, tzinfo=UTC),
    )  # fmt: skip
    values.update(changes)
    return Routine(**values)


def test_a_routine_is_due_once_its_next_run_has_come_and_while_active(store):
    # Far in the future, so other tests' routines are never due before it.
    slot = datetime(2090, 1, 2, 9, tzinfo=UTC)
    active, paused = routine(next_run=slot), routine(next_run=slot, state=State.PAUSED)
    store.create(active), store.create(paused)
    assert active.id not in {r.id for r in store.due(slot - timedelta(seconds=1), limit=500)}
    due = {r.id: r for r in store.due(slot, limit=500)}
    assert active.id in due and paused.id not in due
    assert due[active.id] == active


def test_only_one_of_two_ticks_moves_a_routine_on(store):
    saved = routine()
    store.create(saved)
    later = saved.next_run + timedelta(days=1)
    moved = [store.advance(saved.id, from_run=saved.next_run, to_run=later) for _ in range(2)]
    assert moved == [True, False]
    assert store.get(saved.id).next_run == later


def test_a_slot_asked_for_five_times_at_once_is_run_by_one(store):
    run = RoutineRun(uuid.uuid4().hex, datetime(2026, 7, 6, 9, tzinfo=UTC))
    with ThreadPoolExecutor(5) as pool:
        claims = list(pool.map(lambda n: store.claim_slot(run, holder=f"m{n}"), range(5)))
    assert claims.count(SlotClaim.MINE) == 1
    assert claims.count(SlotClaim.BUSY) == 4
    store.finish_slot(run, outcome="posted", message_ts="1.000100")
    assert store.claim_slot(run, holder="m9") is SlotClaim.DONE


def test_a_slot_whose_runner_died_is_taken_over_after_the_lease(store):
    run = RoutineRun(uuid.uuid4().hex, datetime(2026, 7, 6, 9, tzinfo=UTC))
    assert store.claim_slot(run, holder="m1") is SlotClaim.MINE
    time.sleep(LEASE + 0.3)
    assert store.claim_slot(run, holder="m2") is SlotClaim.MINE
    assert store.claim_slot(run, holder="m3") is SlotClaim.BUSY


def test_listing_shows_the_channels_and_the_persons_routines_but_not_cancelled_ones(store):
    team = f"T{uuid.uuid4().hex[:8].upper()}"
    here = routine(team=team, target="C5", creator="U2")
    mine = routine(team=team, target="C6", creator="U1")
    gone = routine(team=team, target="C5", creator="U1", state=State.CANCELLED)
    for each in (here, mine, gone):
        store.create(each)
    listed = {r.id for r in store.listed(team=team, channel="C5", user="U1")}
    assert listed == {here.id, mine.id}
    assert store.count_active(team=team, user="U1") == 1
    store.set_state(mine.id, State.CANCELLED)
    assert store.count_active(team=team, user="U1") == 0
    assert not store.create(here)
