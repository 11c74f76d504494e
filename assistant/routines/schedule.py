"""When a routine runs: weekdays, a local time and an IANA time zone, turned into UTC slots (pure).

A slot is the UTC instant of one scheduled run. Slots follow the wall clock of the routine's
zone, so "every weekday at 09:00 Europe/London" is 08:00 UTC in summer and 09:00 in winter.
Around daylight-saving changes: a local time that does not exist (02:30 on the night clocks
spring forward) runs at the same instant it would have before the change (03:30 summer time);
a local time that happens twice (01:30 on the night clocks fall back) runs once, at the first.

    >>> from datetime import datetime, UTC
    >>> weekdays = Schedule(days=WEEKDAYS, time="09:00", zone="Europe/London")
    >>> next_slot(weekdays, after=datetime(2026, 7, 3, 8, 0, tzinfo=UTC)).isoformat()
    '2026-07-06T08:00:00+00:00'
    >>> weekdays.describe()
    'every weekday at 09:00 (Europe/London)'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DAY_NAMES", "EVERY_DAY", "WEEKDAYS", "InvalidSchedule", "Schedule", "next_slot"]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index: datetime.weekday()
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


class InvalidSchedule(ValueError):
    """A schedule that cannot run; the message is written for the person."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Schedule:
    days: frozenset[int]  # 0 = Monday … 6 = Sunday
    time: str  # "HH:MM", 24-hour, in `zone`
    zone: str  # an IANA zone: "Europe/London", "America/New_York", "UTC"

    def __post_init__(self) -> None:
        if not self.days or not self.days <= EVERY_DAY:
            raise InvalidSchedule("a routine needs at least one day of the week")
        if not _TIME.fullmatch(self.time):
            raise InvalidSchedule(f"{self.time!r} is not a time of day like 09:00")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidSchedule(f"{self.zone!r} is not a time zone I know") from None

    @property
    def local_time(self) -> dt.time:
        hours, minutes = self.time.split(":")
        return dt.time(int(hours), int(minutes))

    def describe(self) -> str:
        if self.days == EVERY_DAY:
            days = "every day"
        elif self.days == WEEKDAYS:
            days = "every weekday"
        else:
            days = "every " + ", ".join(DAY_NAMES[day].title() for day in sorted(self.days))
        return f"{days} at {self.local_time:%H:%M} ({self.zone})"

    def to_document(self) -> dict[str, object]:
        return {"days": sorted(self.days), "time": self.time, "zone": self.zone}

    @classmethod
    def from_document(cls, document: dict[str, object]) -> Schedule:
        days = document.get("days") or ()
        assert isinstance(days, list | tuple)
        return cls(
            days=frozenset(int(day) for day in days),
            time=str(document.get("time", "")),
            zone=str(document.get("zone", "")),
        )

    @classmethod
    def parse_days(cls, names: object) -> frozenset[int]:
        """Day names as the model writes them: "weekdays", "daily", ["mon", "Thursday"]."""
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list | tuple):
            raise InvalidSchedule("days must be a list of day names")
        days: set[int] = set()
        for name in names:
            word = str(name).strip().lower()
            if word in ("weekday", "weekdays", "workdays"):
                days |= WEEKDAYS
            elif word in ("daily", "every day", "everyday", "all"):
                days |= EVERY_DAY
            elif word[:3] in DAY_NAMES:
                days.add(DAY_NAMES.index(word[:3]))
            else:
                raise InvalidSchedule(f"{name!r} is not a day of the week")
        return frozenset(days)


def next_slot(schedule: Schedule, *, after: datetime) -> datetime:
    """The first slot strictly after `after` (an aware datetime), in UTC."""
    zone = ZoneInfo(schedule.zone)
    local_day = after.astimezone(zone).date()
    for offset in range(8):  # a week and a day: enough for any non-empty set of days
        day = local_day + timedelta(days=offset)
        if day.weekday() not in schedule.days:
            continue
        # fold=0: a repeated local time is its first occurrence, a missing one maps forward.
        slot = datetime.combine(day, schedule.local_time, tzinfo=zone).astimezone(UTC)
        if slot > after:
            return slot
    raise AssertionError("a schedule with a day always has a slot within eight days")
