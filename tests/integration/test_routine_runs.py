"""Routine slots on the Firestore emulator, run by the real runner against the in-process Slack
and the deterministic model: exactly one recap per slot however it is asked for."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from assistant.config import Settings
from assistant.routines.routine import Routine, RoutineRun, State
from assistant.routines.runner import RunOutcome
from assistant.routines.schedule import EVERY_DAY, Schedule
from assistant.routines.service import build_routines
from assistant.routines.store import RoutineStore
from tests.e2e.harness import unique
from tests.responders import TEST_SETTINGS, local_clients, memory_stores

SOURCE, TARGET = "C0RANDOM", "C0GENERAL"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(firestore_db, local_slack, local_model):
    store = RoutineStore(firestore_db, lease_seconds=30)
    stores = memory_stores(routines=store)
    clients = local_clients(stores, local_slack, local_model)
    clock = Clock(datetime.now(UTC))
    published: list[RoutineRun] = []
    service = build_routines(
        Settings(**TEST_SETTINGS), clients, publish_run=published.append, clock=clock
    )
    return store, service, clock, published, local_slack


def routine(slot: datetime, marker: str) -> Routine:
    return Routine(
        id=uuid.uuid4().hex, team="T0SANDBOX", creator="U0ALICE", created_in=TARGET,
        target=TARGET, sources=(SOURCE,),
        schedule=Schedule(days=EVERY_DAY, time=f"{slot:%H:%M}", zone="UTC"), window_hours=1,
        instruction=f"recap [[reply:{marker} Alice said it [1].]]", state=State.ACTIVE,
        next_run=slot,
    )  # fmt: skip


def recaps(slack, marker: str) -> int:
    response = slack.http.get(
        f"{slack.base_url}/_sandbox/messages", params={"channel": TARGET}, timeout=10
    )
    return sum(1 for m in response.json()["messages"] if marker in str(m))


def test_a_slot_ticked_three_times_and_pushed_twice_at_once_posts_once(world):
    store, service, clock, published, slack = world
    slack.post(unique("the deploy failed"), channel=SOURCE)
    slot = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    marker = unique("RECAP")
    saved = routine(slot, marker)
    store.create(saved)

    clock.now = slot + timedelta(seconds=5)
    for _ in range(3):
        service.ticker.tick(clock.now)
    mine = [run for run in published if run.routine_id == saved.id]
    assert mine == [RoutineRun(saved.id, slot)]
    # Pub/Sub hands the same message to two instances at once.
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda n: service.runner.run(mine[0], holder=f"m{n}"), (1, 2)))
    assert sorted(o.value for o in outcomes) in (
        ["busy", "posted"], ["already_run", "posted"]
    )  # fmt: skip
    assert service.runner.run(mine[0], holder="m3") is RunOutcome.ALREADY_RUN
    assert recaps(slack, marker) == 1


def test_a_slot_missed_while_down_runs_once_on_recovery(world):
    store, service, clock, published, _ = world
    slot = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)
    marker = unique("MISSED")
    saved = routine(slot, marker)
    store.create(saved)

    clock.now = datetime.now(UTC)  # back three hours later (the setting allows six)
    service.ticker.tick(clock.now)
    service.ticker.tick(clock.now + timedelta(minutes=1))
    mine = [run for run in published if run.routine_id == saved.id]
    assert mine == [RoutineRun(saved.id, slot)]
    assert service.runner.run(mine[0], holder="m1") in (RunOutcome.POSTED, RunOutcome.EMPTY)
    assert store.get(saved.id).next_run > clock.now


def test_a_cancelled_routine_never_runs_again(world):
    store, service, clock, published, slack = world
    slot = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    marker = unique("CANCELLED")
    saved = routine(slot, marker)
    store.create(saved)
    store.set_state(saved.id, State.CANCELLED)

    for day in range(3):
        service.ticker.tick(slot + timedelta(days=day, seconds=1))
    assert [run for run in published if run.routine_id == saved.id] == []
    # A run published before the cancel posts nothing either.
    clock.now = slot
    assert service.runner.run(RoutineRun(saved.id, slot), holder="m1") is RunOutcome.SKIPPED
    assert recaps(slack, marker) == 0
