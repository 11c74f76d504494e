"""The scheduler's tick: each due slot published once, a missed stretch caught up once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assistant.routines.routine import Routine, RoutineRun, SlotVerdict, State, slot_verdict
from assistant.routines.schedule import WEEKDAYS, Schedule, next_slot
from assistant.routines.ticker import Ticker
from tests.memory_routines import MemoryRoutines

MONDAY_9 = datetime(2026, 7, 6, 9, tzinfo=UTC)


def routine(**changes) -> Routine:
    values = dict(
        id="r1", team="T1", creator="U1", created_in="C1", target="C1", sources=("C2",),
        schedule=Schedule(days=WEEKDAYS, time="09:00", zone="UTC"), window_hours=24,
        instruction="summarise", state=State.ACTIVE, next_run=MONDAY_9,
    )  # fmt: skip
    values.update(changes)
    return Routine(**values)


def test_a_week_of_minute_ticks_publishes_each_weekday_slot_once():
    store, published = MemoryRoutines(), []
    store.create(routine())
    ticker = Ticker(store, published.append)
    now = MONDAY_9 - timedelta(minutes=1)
    while now < MONDAY_9 + timedelta(days=7):
        ticker.tick(now)
        ticker.tick(now)  # a duplicate tick: nothing more
        now += timedelta(minutes=1)
    assert [run.slot.strftime("%a %H:%M") for run in published] == [
        "Mon 09:00", "Tue 09:00", "Wed 09:00", "Thu 09:00", "Fri 09:00"
    ]  # fmt: skip


def test_slots_missed_while_down_are_published_once_on_recovery():
    store, published = MemoryRoutines(), []
    store.create(routine())
    back_on_thursday = MONDAY_9 + timedelta(days=3, minutes=7)
    Ticker(store, published.append).tick(back_on_thursday)
    Ticker(store, published.append).tick(back_on_thursday + timedelta(minutes=1))
    assert published == [RoutineRun("r1", MONDAY_9)]
    assert store.get("r1").next_run == MONDAY_9 + timedelta(days=4)  # Friday


def test_paused_and_cancelled_routines_are_never_published():
    store, published = MemoryRoutines(), []
    store.create(routine(id="r1", state=State.PAUSED))
    store.create(routine(id="r2", state=State.CANCELLED))
    Ticker(store, published.append).tick(MONDAY_9 + timedelta(days=30))
    assert published == []


def test_a_slot_older_than_the_setting_is_skipped_and_a_cancelled_one_not_run():
    late = timedelta(hours=6)
    assert slot_verdict(routine(), MONDAY_9, now=MONDAY_9, late=late) is SlotVerdict.RUN
    after_lunch = MONDAY_9 + timedelta(hours=7)
    assert slot_verdict(routine(), MONDAY_9, now=after_lunch, late=late) is SlotVerdict.SKIP_LATE
    cancelled = routine(state=State.CANCELLED)
    assert slot_verdict(cancelled, MONDAY_9, now=MONDAY_9, late=late) is SlotVerdict.NOT_ACTIVE


def test_a_routine_round_trips_through_its_document_and_its_run_message():
    saved = routine(next_run=next_slot(routine().schedule, after=MONDAY_9))
    assert Routine.from_document(saved.to_document(), id="r1") == saved
    run = RoutineRun("r1", MONDAY_9)
    assert RoutineRun.from_json(run.to_json()) == run
