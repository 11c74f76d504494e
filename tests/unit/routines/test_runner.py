"""Running a routine's slot in-process: the in-process Slack sandbox, the deterministic model,
the in-memory stores, built by `build_routines` as the responder builds it."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from assistant.config import Settings
from assistant.routines.routine import Routine, RoutineRun, State
from assistant.routines.runner import RunOutcome
from assistant.routines.schedule import EVERY_DAY, Schedule
from assistant.routines.service import build_routines
from assistant.usage.stores import ModelCall
from tests.e2e.harness import message_text, unique
from tests.responders import TEST_SETTINGS, local_clients, memory_stores, settings_file

TEAM, SOURCE, TARGET = "T0SANDBOX", "C0RANDOM", "C0GENERAL"


@dataclasses.dataclass
class Routines:
    service: object
    stores: object
    slack: object
    published: list

    def add(self, slot: datetime, **changes) -> Routine:
        values = dict(
            id=uuid.uuid4().hex, team=TEAM, creator="U0ALICE", created_in=TARGET, target=TARGET,
            sources=(SOURCE,), schedule=Schedule(days=EVERY_DAY, time="09:00", zone="UTC"),
            window_hours=1, instruction="recap [[reply:Alice says the deploy failed [1]; Bob "
            "fixed it [2].]]", state=State.ACTIVE, next_run=slot,
        )  # fmt: skip
        values.update(changes)
        routine = Routine(**values)
        self.stores.routines.create(routine)
        return routine

    def run(self, routine: Routine, slot: datetime, holder: str = "m1") -> RunOutcome:
        return self.service.runner.run(RoutineRun(routine.id, slot), holder=holder)

    def posted_since(self, since: float) -> list[str]:
        response = self.slack.http.get(
            f"{self.slack.base_url}/_sandbox/messages", params={"channel": TARGET}, timeout=10
        )
        return [
            message_text(m)
            for m in response.json()["messages"]
            if m.get("user") == "U0BOT" and float(m["ts"]) > since
        ]


def make(local_slack, local_model, tmp_path, *, now: datetime, file=None) -> Routines:
    stores = memory_stores()
    clients = local_clients(stores, local_slack, local_model)
    uri = settings_file(tmp_path, file) if file is not None else ""
    settings = Settings(**{**TEST_SETTINGS, "settings_uri": uri})
    published: list = []
    service = build_routines(settings, clients, publish_run=published.append, clock=lambda: now)
    return Routines(service, stores, local_slack, published)


def test_a_slot_posts_a_recap_with_names_and_permalinks_once(local_slack, local_model, tmp_path):
    started = datetime.now(UTC).timestamp()
    deploy = local_slack.post(unique("the deploy failed"), channel=SOURCE, user="U0ALICE")
    local_slack.post("I rolled it back", channel=SOURCE, user="U0BOB", thread_ts=deploy["ts"])
    # The hour-long window starts as this test does: other tests' messages in #random are
    # older, so message [1] is this test's.
    slot = datetime.fromtimestamp(started, UTC) + timedelta(hours=1)
    routines = make(local_slack, local_model, tmp_path, now=slot)
    routine = routines.add(slot)

    assert routines.run(routine, slot) is RunOutcome.POSTED
    # The same slot again, from a duplicate tick or a redelivery: nothing more is posted.
    assert routines.run(routine, slot, holder="m2") is RunOutcome.ALREADY_RUN

    [recap] = routines.posted_since(started)
    assert "Alice says the deploy failed" in recap
    assert f"/archives/{SOURCE}/p{deploy['ts'].replace('.', '')}" in recap
    assert "Alice Example in #random" in recap or "alice in #random" in recap
    [call] = routines.stores.ledger.calls
    assert (call.kind, call.user, call.channel) == ("routine", "U0ALICE", TARGET)


def test_an_empty_window_says_so_briefly(local_slack, local_model, tmp_path):
    started = datetime.now(UTC).timestamp()
    slot = datetime(2020, 1, 1, 9, tzinfo=UTC)
    routines = make(local_slack, local_model, tmp_path, now=slot + timedelta(minutes=1))
    routine = routines.add(slot)

    assert routines.run(routine, slot) is RunOutcome.EMPTY
    [note] = routines.posted_since(started)
    assert note.startswith("Nothing was said in #random in the 1 hours before")
    assert not routines.stores.ledger.calls


def test_a_slot_missed_for_too_long_is_skipped_with_a_note(local_slack, local_model, tmp_path):
    started = datetime.now(UTC).timestamp()
    slot = datetime(2020, 1, 1, 9, tzinfo=UTC)
    routines = make(local_slack, local_model, tmp_path, now=slot + timedelta(hours=7))
    routine = routines.add(slot)

    assert routines.run(routine, slot) is RunOutcome.LATE
    [note] = routines.posted_since(started)
    assert note.startswith("I skipped the recap due Wed 01 Jan 09:00 UTC")


def test_over_budget_a_routine_posts_one_note_and_pauses(local_slack, local_model, tmp_path):
    started = datetime.now(UTC).timestamp()
    slot = datetime.now(UTC)
    file = {"defaults": {"budgets": {"user_daily_usd": 1}}}
    routines = make(local_slack, local_model, tmp_path, now=slot, file=file)
    routines.stores.ledger.record(
        ModelCall(event_id="EvOLD", call="1.answer", kind="answer", model="fake-gpt", team=TEAM,
                  channel=TARGET, user="U0ALICE", tokens_in=1, tokens_out=1, cost_usd=2.0,
                  at=slot)
    )  # fmt: skip
    routine = routines.add(slot)

    assert routines.run(routine, slot) is RunOutcome.OVER_BUDGET
    assert routines.stores.routines.get(routine.id).state is State.PAUSED
    # Paused: the next slot is not even published, and a run already queued posts nothing.
    later = slot + timedelta(days=1)
    assert routines.run(routine, later) is RunOutcome.SKIPPED
    [note] = routines.posted_since(started)
    assert "your daily budget is used up" in note


def test_a_cancelled_routine_never_runs_again(local_slack, local_model, tmp_path):
    started = datetime.now(UTC).timestamp()
    slot = datetime.now(UTC)
    routines = make(local_slack, local_model, tmp_path, now=slot)
    routine = routines.add(slot)
    routines.stores.routines.set_state(routine.id, State.CANCELLED)

    assert routines.service.ticker.tick(slot + timedelta(days=9)) == 0
    assert routines.run(routine, slot) is RunOutcome.SKIPPED
    assert routines.posted_since(started) == []


def test_a_private_source_into_a_public_channel_is_refused_and_paused(
    local_slack, local_model, tmp_path
):
    started = datetime.now(UTC).timestamp()
    slot = datetime.now(UTC)
    routines = make(local_slack, local_model, tmp_path, now=slot)
    routine = routines.add(slot, sources=("C0PRIVATE",))

    assert routines.run(routine, slot) is RunOutcome.REFUSED
    assert routines.stores.routines.get(routine.id).state is State.PAUSED
    [note] = routines.posted_since(started)
    assert "is private" in note


def test_a_channel_with_routines_off_gets_no_recap(local_slack, local_model, tmp_path):
    started = datetime.now(UTC).timestamp()
    slot = datetime.now(UTC)
    file = {"channels": {TARGET: {"routines": {"allowed": False}}}}
    routines = make(local_slack, local_model, tmp_path, now=slot, file=file)
    routine = routines.add(slot)

    assert routines.run(routine, slot) is RunOutcome.SKIPPED
    assert routines.posted_since(started) == []


@pytest.mark.parametrize("chunk_budget", [400])
def test_a_window_too_big_for_one_call_is_recapped_by_map_reduce(
    local_slack, local_model, tmp_path, chunk_budget
):
    started = datetime.now(UTC).timestamp()
    for n in range(30):
        local_slack.post(unique(f"status update {n} " + "words " * 30), channel=SOURCE)
    slot = datetime.now(UTC) + timedelta(seconds=1)
    file = {"defaults": {"limits": {"max_prompt_tokens": chunk_budget}}}
    routines = make(local_slack, local_model, tmp_path, now=slot, file=file)
    routine = routines.add(slot)

    assert routines.run(routine, slot) is RunOutcome.POSTED
    kinds = [call.call.split(".")[-1] for call in routines.stores.ledger.calls]
    assert kinds[-1] == "reduce" and len(kinds) >= 3 and kinds[0] == "map-1"
    [recap] = routines.posted_since(started)
    assert "Bob fixed it" in recap


def test_a_slot_still_busy_on_the_push_s_last_attempt_is_published_again(
    local_slack, local_model, tmp_path
):
    slot = datetime.now(UTC)
    routines = make(local_slack, local_model, tmp_path, now=slot)
    routine = routines.add(slot)
    run = RoutineRun(routine.id, slot)
    routines.stores.routines.claim_slot(run, holder="a runner that died")

    early = routines.service.run_pushed(run, holder="m1", attempt=2, max_attempts=5)
    last = routines.service.run_pushed(run, holder="m1", attempt=4, max_attempts=5)

    assert (early, last) == (RunOutcome.BUSY, RunOutcome.REQUEUED)
    assert routines.published == [run]
