"""Slots follow the routine's wall clock, through daylight-saving changes, a week at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.routines.schedule import (
    EVERY_DAY,
    WEEKDAYS,
    InvalidSchedule,
    Schedule,
    next_slot,
)


def slots(schedule: Schedule, start: datetime, count: int) -> list[datetime]:
    found, now = [], start
    for _ in range(count):
        now = next_slot(schedule, after=now)
        found.append(now)
    return found


def test_a_weekday_routine_runs_five_times_a_week_at_nine_local_time():
    schedule = Schedule(days=WEEKDAYS, time="09:00", zone="America/New_York")
    week = slots(schedule, datetime(2026, 7, 4, tzinfo=UTC), 5)  # from a Saturday
    assert [slot.strftime("%a %H:%M") for slot in week] == [
        "Mon 13:00", "Tue 13:00", "Wed 13:00", "Thu 13:00", "Fri 13:00"
    ]  # fmt: skip
    assert next_slot(schedule, after=week[-1]).strftime("%a %d") == "Mon 13"


def test_the_utc_slot_moves_by_an_hour_when_the_clocks_change():
    schedule = Schedule(days=EVERY_DAY, time="09:00", zone="Europe/London")
    around_spring = slots(schedule, datetime(2026, 3, 27, 12, tzinfo=UTC), 4)
    assert [slot.strftime("%d %H:%M") for slot in around_spring] == [
        "28 09:00", "29 08:00", "30 08:00", "31 08:00"
    ]  # fmt: skip


def test_a_local_time_that_does_not_exist_runs_once_that_night():
    # 01:30 does not happen in London on 29 March 2026: clocks go from 01:00 to 02:00.
    schedule = Schedule(days=EVERY_DAY, time="01:30", zone="Europe/London")
    night = slots(schedule, datetime(2026, 3, 28, 12, tzinfo=UTC), 2)
    assert night[0] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert night[1] - night[0] == timedelta(hours=23)


def test_a_local_time_that_happens_twice_runs_once():
    # 01:30 happens twice in London on 25 October 2026.
    schedule = Schedule(days=EVERY_DAY, time="01:30", zone="Europe/London")
    night = slots(schedule, datetime(2026, 10, 24, 12, tzinfo=UTC), 2)
    assert night[0] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 01:30 (BST)
    assert night[1] == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_a_slot_exactly_now_is_not_the_next_one():
    schedule = Schedule(days=EVERY_DAY, time="09:00", zone="UTC")
    now = datetime(2026, 7, 6, 9, tzinfo=UTC)
    assert next_slot(schedule, after=now) == now + timedelta(days=1)


def test_a_year_of_weekly_slots_are_all_on_monday_at_nine_local():
    schedule = Schedule(days=frozenset({0}), time="09:00", zone="Australia/Sydney")
    year = slots(schedule, datetime(2026, 1, 1, tzinfo=UTC), 52)
    local = [slot.astimezone(schedule_zone(schedule)) for slot in year]
    assert {(moment.weekday(), moment.hour, moment.minute) for moment in local} == {(0, 9, 0)}
    assert len(set(year)) == 52


def schedule_zone(schedule: Schedule):
    from zoneinfo import ZoneInfo

    return ZoneInfo(schedule.zone)


@pytest.mark.parametrize(
    ("days", "time", "zone"),
    [(frozenset(), "09:00", "UTC"), (WEEKDAYS, "9am", "UTC"), (WEEKDAYS, "09:00", "Mars/Base")],
)
def test_a_schedule_that_cannot_run_is_refused(days, time, zone):
    with pytest.raises(InvalidSchedule):
        Schedule(days=days, time=time, zone=zone)


def test_day_names_as_a_model_writes_them():
    assert Schedule.parse_days("weekdays") == WEEKDAYS
    assert Schedule.parse_days(["Monday", "thu"]) == frozenset({0, 3})
    with pytest.raises(InvalidSchedule):
        Schedule.parse_days(["someday"])
