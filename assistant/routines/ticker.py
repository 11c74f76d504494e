"""One tick of the scheduler: publish each due routine's slot as its own run, then move it on.

Cloud Scheduler publishes a tick to the `routines` topic every minute; its push lands here.
Publishing comes first and moving `next_run` second, so a tick that dies between the two
leaves the routine due and the next tick publishes the same slot again, which the slot record
(`stores.Routines.claim_slot`) then runs once. The next run is the first slot after `now`, not
after the slot: a routine that missed several slots while the service was down runs its oldest
missed slot once on recovery, not once per missed slot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from assistant.routines.routine import RoutineRun
from assistant.routines.schedule import next_slot
from assistant.routines.stores import Routines

__all__ = ["Ticker"]

logger = logging.getLogger(__name__)

_PER_TICK = 200  # routines due at once; more wait a minute for the next tick


class Ticker:
    def __init__(self, routines: Routines, publish: Callable[[RoutineRun], object]) -> None:
        self._routines = routines
        self._publish = publish

    def tick(self, now: datetime) -> int:
        """Publish every due slot; returns how many were published."""
        published = 0
        for routine in self._routines.due(now, limit=_PER_TICK):
            slot = routine.next_run
            self._publish(RoutineRun(routine.id, slot))
            published += 1
            following = next_slot(routine.schedule, after=max(now, slot))
            if not self._routines.advance(routine.id, from_run=slot, to_run=following):
                logger.info("routine moved on by another tick", extra={"routine": routine.id})
        if published:
            logger.info("routine slots published", extra={"slots": published})
        return published
