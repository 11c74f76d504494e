"""The routines side of the responder, assembled: the scheduler's tick, the slot runner and
the buttons' clicks.

Built from the same settings and clients as `build_responder` (answer/wiring.py), so a run's
plan, ledger and Slack client are the answers' own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from assistant.answer.wiring import ResponderClients, build_planner
from assistant.config import Settings
from assistant.routines.clicks import RoutineClicks
from assistant.routines.creation import RoutineDrafts
from assistant.routines.routine import RoutineRun
from assistant.routines.runner import RoutineRunner, RunLimits, RunOutcome
from assistant.routines.ticker import Ticker
from assistant.routines.window import WindowReader
from assistant.routines.writer import RecapWriter
from assistant.slack.thread_reader import ThreadReader

__all__ = ["RoutineService", "build_routines"]


@dataclasses.dataclass(frozen=True)
class RoutineService:
    ticker: Ticker
    runner: RoutineRunner
    clicks: RoutineClicks
    publish_run: Callable[[RoutineRun], object]

    def run_pushed(
        self, run: RoutineRun, *, holder: str, attempt: int | None, max_attempts: int
    ) -> RunOutcome:
        """Run a pushed slot. A slot held by a runner that died stays busy until its record's
        lease passes, which can outlast the push's delivery attempts: on the last attempt it
        is published again (a new message, new attempts) rather than dead-lettered."""
        outcome = self.runner.run(run, holder=holder)
        if outcome is RunOutcome.BUSY and attempt is not None and attempt >= max_attempts - 1:
            self.publish_run(run)
            return RunOutcome.REQUEUED
        return outcome


def build_routines(
    settings: Settings,
    clients: ResponderClients,
    *,
    publish_run: Callable[[RoutineRun], object],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RoutineService:
    routines = clients.stores.routines
    planner = build_planner(settings, clients)
    late = timedelta(hours=settings.routine_max_late_hours)
    runner = RoutineRunner(
        routines=routines,
        slack=clients.slack,
        window=WindowReader(clients.slack, ThreadReader(clients.slack)),
        writer=RecapWriter(clients.model, seconds=settings.response_time_budget_seconds),
        planner=planner,
        ledger=clients.stores.ledger,
        limits=RunLimits(late=late),
        clock=clock,
    )
    clicks = RoutineClicks(
        routines=routines,
        drafts=RoutineDrafts(clients.slack, routines, clock=clock),
        planner=planner,
        slack=clients.slack,
        clock=clock,
    )
    return RoutineService(
        ticker=Ticker(routines, publish_run), runner=runner, clicks=clicks, publish_run=publish_run
    )
