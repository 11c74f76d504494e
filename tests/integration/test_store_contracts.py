"""One set of behaviour tests for every store, run on the Firestore store and on its memory
twin in `tests/memory_stores.py`: the unit tests of the answer path use the twins, so they must
not drift from what Firestore does.

Time passes for a lease on the store's own clock: the memory stores' clock is moved, the
Firestore emulator's is waited out (a short lease keeps that under a second).
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from assistant.answer.claim_store import ClaimStore
from assistant.answer.claims import Claims, ClaimVerdict, Delivered, LostLease, RoundTooLarge
from assistant.answer.stop_store import FirestoreStops
from assistant.answer.stops import StopStore
from assistant.channels.settings import Budgets
from assistant.conversation.history import WINDOW_MAX_BYTES, HistoryStore
from assistant.conversation.summary import Summary
from assistant.conversation.thread_state import History, ThreadState
from assistant.conversation.turns import StoredTurn
from assistant.executor.slots import FirestoreRunSlots, LocalRunSlots, RunSlots
from assistant.feedback.buttons import Feedback
from assistant.feedback.store import FeedbackStore
from assistant.feedback.votes import FeedbackCounts, FeedbackVotes
from assistant.llm.messages import Message, ToolCall
from assistant.llm.tools import ToolRound
from assistant.usage.ledger import Ledger
from assistant.usage.policy import Allow, Busy, Refuse, Spent
from assistant.usage.rate import RateLimiter
from assistant.usage.refusal_notices import RefusalNotices
from assistant.usage.stores import (
    HOLD_SECONDS,
    Hold,
    ModelCall,
    Notices,
    RateLimits,
    Totals,
    UsageLedger,
)
from tests.builders import stored_turn as turn
from tests.memory_stores import (
    ManualClock,
    MemoryClaims,
    MemoryHistory,
    MemoryStops,
)
from tests.memory_usage import MemoryFeedback, MemoryLedger, MemoryNotices, MemoryRate

LEASE = 0.6  # seconds
LASTING = 60.0
NOW = datetime(2026, 5, 14, 12, 0, 30, tzinfo=UTC)


@dataclasses.dataclass
class Stores:
    """One backend's stores, made fresh per test."""

    claims: Claims
    history: History
    ledger: UsageLedger
    rate: RateLimits
    notices: Notices
    feedback: FeedbackVotes
    stops: StopStore
    pass_time: Callable[[float], None]  # let seconds go by on the claims' clock
    run_slots: RunSlots
    # Claims with a lease no loaded machine outlasts, for tests about fresh claims only.
    lasting_claims: Callable[[], Claims]


@pytest.fixture(params=["memory", "firestore"])
def stores(request) -> Stores:
    if request.param == "memory":
        clock = ManualClock()
        return Stores(
            claims=MemoryClaims(lease_seconds=LEASE, clock=clock),
            history=MemoryHistory(),
            ledger=MemoryLedger(clock=lambda: NOW),
            rate=MemoryRate(),
            notices=MemoryNotices(),
            feedback=MemoryFeedback(clock=lambda: NOW),
            stops=MemoryStops(),
            pass_time=lambda seconds: clock.advance(seconds=seconds),
            run_slots=LocalRunSlots(clock=lambda: NOW),
            lasting_claims=lambda: MemoryClaims(lease_seconds=LASTING, clock=clock),
        )
    db = request.getfixturevalue("firestore_db")
    return Stores(
        claims=ClaimStore(db, lease_seconds=LEASE),
        history=HistoryStore(db, page_size=3),  # small pages, so paging is exercised
        ledger=Ledger(db, clock=lambda: NOW),
        rate=RateLimiter(db),
        notices=RefusalNotices(db),
        feedback=FeedbackStore(db),
        stops=FirestoreStops(db),
        pass_time=time.sleep,
        run_slots=FirestoreRunSlots(db, clock=lambda: NOW),
        lasting_claims=lambda: ClaimStore(db, lease_seconds=LASTING),
    )


def unique(prefix: str) -> str:
    # The emulator keeps documents for the whole session.
    return f"{prefix}{uuid.uuid4().hex[:12].upper()}"


def stale() -> float:
    return LEASE + 0.15


# --- stops ---------------------------------------------------------------------------------


def test_a_stop_is_seen_by_its_answer_only_and_asking_again_is_harmless(stores):
    key, other = unique("T1:C1:1."), unique("T1:C1:2.")
    assert stores.stops.requested(key) == ""
    stores.stops.request(key, by="U0ALICE")
    stores.stops.request(key, by="U0ALICE")  # a redelivered click
    assert stores.stops.requested(key) == "U0ALICE" and stores.stops.requested(other) == ""


# --- claims --------------------------------------------------------------------------------


def test_a_takeover_sees_the_stream_its_predecessor_left_open(stores):
    claims, claim_id = stores.claims, unique("claim")
    first = claims.acquire(claim_id, event_id="Ev1", delivery_id="m1")
    assert first.stream_ts == "" and first.lease is not None
    claims.record_messages(first.lease, ["1.000001"])
    claims.record_stream(first.lease, "1.000001")
    stores.pass_time(stale())
    second = claims.acquire(claim_id, event_id="Ev1", delivery_id="m2")
    assert second.verdict is ClaimVerdict.PROCEED and second.stream_ts == "1.000001"
    assert second.lease is not None
    claims.record_stream(second.lease, "")  # stopped
    with pytest.raises(LostLease):
        claims.record_stream(first.lease, "1.000001")  # the dead holder's late write is refused


def test_the_first_delivery_owns_the_event_and_others_wait_or_stand_down(stores):
    # A lease of LEASE seconds could lapse between these calls on a busy machine: then the
    # third would take over rather than wait, which is right, but not what this test is about.
    claims, claim_id = stores.lasting_claims(), unique("claim")
    first = claims.acquire(claim_id, event_id="Ev1", delivery_id="m1")
    assert first.verdict is ClaimVerdict.PROCEED and first.lease is not None
    assert first.lease.fence == 1 and first.attempts == 1
    assert claims.lease.total_seconds() == LASTING
    # Slack's retry is another Pub/Sub message; a second copy of the same one may still finish.
    assert (
        claims.acquire(claim_id, event_id="Ev1", delivery_id="m2").verdict
        is ClaimVerdict.STAND_DOWN
    )
    assert claims.acquire(claim_id, event_id="Ev1", delivery_id="m1").verdict is ClaimVerdict.WAIT


def test_a_stale_claim_is_taken_over_with_its_messages_and_the_old_holder_is_fenced_out(stores):
    claims, claim_id = stores.claims, unique("claim")
    first = claims.acquire(claim_id, event_id="Ev1", delivery_id="m1").lease
    claims.record_messages(first, ["1.000200"])
    stores.pass_time(stale())

    taken = claims.acquire(claim_id, event_id="Ev1", delivery_id="m2")
    assert taken.verdict is ClaimVerdict.PROCEED
    assert (taken.lease.fence, taken.attempts, taken.message_ts) == (2, 2, ["1.000200"])
    for write in (
        lambda: claims.renew(first),
        lambda: claims.record_messages(first, ["9.999999"]),
        lambda: claims.finish(first),
        lambda: claims.release(first),
    ):
        with pytest.raises(LostLease):
            write()
    claims.finish(taken.lease)
    done = claims.acquire(claim_id, event_id="Ev1", delivery_id="m3")
    assert (done.verdict, done.state, done.message_ts) == (
        ClaimVerdict.STAND_DOWN,
        "done",
        ["1.000200"],
    )
    with pytest.raises(LostLease):
        claims.renew(taken.lease)  # a finished claim takes no more writes


def test_a_renewed_lease_is_not_taken_over(stores):
    claims, claim_id = stores.claims, unique("claim")
    lease = claims.acquire(claim_id, event_id="Ev1", delivery_id="m1").lease
    stores.pass_time(LEASE * 0.6)
    claims.renew(lease)
    stores.pass_time(LEASE * 0.6)
    assert (
        claims.acquire(claim_id, event_id="Ev1", delivery_id="m2").verdict
        is ClaimVerdict.STAND_DOWN
    )


def test_a_released_claim_comes_back_with_its_rounds_and_delivered_answer(stores):
    claims, claim_id = stores.claims, unique("claim")
    lease = claims.acquire(claim_id, event_id="Ev1", delivery_id="m1").lease
    call = ToolCall(id="call_1", name="add", arguments='{"a": 1, "b": 2}')
    rounds = [
        ToolRound(Message.assistant("", tool_calls=(call,)), (Message.tool_result("call_1", n),))
        for n in ("3", "4")
    ]
    claims.record_round(lease, 1, rounds[1])
    claims.record_round(lease, 0, rounds[0])
    turn = StoredTurn(order="1.5:1", role="assistant", content="3", tokens=5, encoding="x")
    delivered = Delivered((turn,), "3", 1000)
    claims.record_delivered(lease, delivered, ["1.000200", "1.000300"])
    claims.release(lease)  # the delivery failed after the answer, before its bookkeeping

    taken = claims.acquire(claim_id, event_id="Ev1", delivery_id="m1")
    assert taken.verdict is ClaimVerdict.PROCEED
    assert taken.rounds == tuple(rounds)
    assert (taken.state, taken.delivered) == ("delivered", delivered)
    assert taken.message_ts == ["1.000200", "1.000300"]


def test_a_round_too_big_for_the_claim_is_refused_and_the_claim_stays(stores):
    claims, claim_id = stores.claims, unique("claim")
    lease = claims.acquire(claim_id, event_id="Ev1", delivery_id="m1").lease
    call = ToolCall(id="call_1", name="read", arguments="{}")
    huge = ToolRound(
        Message.assistant("", tool_calls=(call,)), (Message.tool_result("call_1", "x" * 1_100_000),)
    )
    with pytest.raises(RoundTooLarge):
        claims.record_round(lease, 0, huge)
    claims.finish(lease, state="failed", error="too big")  # the lease still holds
    assert claims.acquire(claim_id, event_id="Ev1", delivery_id="m2").lease is None


def test_a_failed_claim_is_never_taken_over(stores):
    claims, claim_id = stores.claims, unique("claim")
    lease = claims.acquire(claim_id, event_id="Ev1", delivery_id="m1").lease
    claims.finish(lease, state="failed", error="boom")
    seen = claims.acquire(claim_id, event_id="Ev1", delivery_id="m1")
    assert (seen.verdict, seen.state, seen.lease) == (ClaimVerdict.STAND_DOWN, "failed", None)


# --- history -------------------------------------------------------------------------------


def numbers(turns) -> list[int]:
    return [int(str(item.content).removeprefix("message ")) for item in turns]


def test_an_unknown_thread_is_empty(stores):
    key = unique("T1:C1:")
    assert stores.history.load(key) == ThreadState()
    assert list(stores.history.newest_first(key, before="9")) == []
    assert stores.history.clear(key) == 0


def test_turns_come_back_newest_first_within_bounds_and_are_not_doubled(stores):
    history, key = stores.history, unique("T1:C1:")
    history.append(key, [turn(n) for n in range(5)], keep_tokens=10_000, people={"U1"})
    history.append(key, [turn(3), turn(4)], keep_tokens=10_000)  # a redelivery after a crash

    state = history.load(key)
    assert (numbers(state.window), state.complete) == ([0, 1, 2, 3, 4], True)
    assert (state.people, state.answered) == (frozenset({"U1"}), True)
    assert numbers(history.newest_first(key, before="9")) == [4, 3, 2, 1, 0]
    bounded = history.newest_first(key, before=turn(4).order, after=turn(1).order)
    assert numbers(bounded) == [3, 2]
    extra = [
        turn(5),
        turn(2, tokens=7),
    ]  # not stored yet; a turn of the same order replaces
    merged = list(history.newest_first(key, before="9", state=state, extra=extra))
    assert numbers(merged) == [5, 4, 3, 2, 1, 0]
    assert merged[3].tokens == 7


def test_a_window_past_its_budget_slides_and_older_turns_page_in_from_the_log(stores):
    history, key = stores.history, unique("T1:C1:")
    history.append(key, [turn(n) for n in range(4)], keep_tokens=250)
    history.append(key, [turn(n) for n in range(4, 10)], keep_tokens=250)

    state = history.load(key)
    # The turn that passes the budget stays, so trimming always stops inside the window.
    assert (numbers(state.window), state.complete) == ([7, 8, 9], False)
    assert numbers(history.newest_first(key, before="9")) == list(range(9, -1, -1))
    older = history.newest_first(key, before=turn(8).order, after=turn(2).order)
    assert numbers(older) == [7, 6, 5, 4, 3]
    assert numbers(history.newest_first(key, before=turn(6).order)) == [5, 4, 3, 2, 1, 0]


def test_the_summary_reads_the_oldest_turns_up_to_a_budget(stores):
    history, key = stores.history, unique("T1:C1:")
    history.append(key, [turn(n, tokens=10 * (n + 1)) for n in range(8)], keep_tokens=30)
    pending = history.oldest_after(key, after="", before=turn(7).order, max_tokens=55)
    assert numbers(pending) == [0, 1, 2]  # 10 + 20 + 30: the turn that reaches the budget too
    later = history.oldest_after(key, after=turn(2).order, before=turn(5).order, max_tokens=999)
    assert numbers(later) == [3, 4]
    assert history.oldest_after(key, after="", before="9", max_tokens=0) == []


def test_a_summary_is_kept_unless_one_reaching_further_is_there(stores):
    history, key = stores.history, unique("T1:C1:")
    history.append(key, [turn(n) for n in range(4)], keep_tokens=10_000)
    far = Summary("up to 2", 40, "x", turn(2).order, 3)
    history.save_summary(key, far)
    history.save_summary(key, Summary("up to 1", 30, "x", turn(1).order, 2))  # a late writer
    assert history.load(key).summary == far
    history.append(key, [turn(4)], keep_tokens=10_000)
    assert history.load(key).summary == far  # appending keeps it
    further = Summary("up to 3", 50, "x", turn(3).order, 4)
    history.save_summary(key, further)
    assert history.load(key).summary == further


def test_people_read_through_and_a_reset(stores):
    history, key = stores.history, unique("T1:C1:")
    history.add_people(key, {"U1"})
    history.append(key, [turn(0)], keep_tokens=10_000, read_through="1.000300", people={"U2"})
    assert history.load(key).answered is False  # only a question so far
    history.append(key, [turn(1)], keep_tokens=10_000, read_through="1.000200")
    history.add_people(key, {"U3", "U1"})
    history.save_summary(key, Summary("s", 10, "x", turn(0).order, 1))
    state = history.load(key)
    assert (state.people, state.read_through, state.answered) == (
        frozenset({"U1", "U2", "U3"}),
        "1.000300",  # never moves back
        True,
    )

    assert history.clear(key, read_through="1.000400") == 2
    cleared = history.load(key)
    assert cleared == ThreadState(
        read_through="1.000400", people=frozenset({"U1", "U2", "U3"}), answered=True
    )
    assert list(history.newest_first(key, before="9")) == []
    history.append(key, [turn(5)], keep_tokens=10_000)
    assert numbers(history.newest_first(key, before="9")) == [5]


def test_memory_history_bounds_its_window_like_firestore():
    assert MemoryHistory().window_max_bytes == WINDOW_MAX_BYTES


# --- usage ---------------------------------------------------------------------------------


def model_call(team: str, event: str, *, call: str = "1.answer", user: str = "U1", **kw):
    values = {
        "event_id": event,
        "call": call,
        "kind": "answer",
        "model": "gpt-4o-mini",
        "team": team,
        "channel": "C1",
        "user": user,
        "tokens_in": 1000,
        "tokens_out": 100,
        "cost_usd": 0.25,
        "at": NOW,
    }
    return ModelCall(**{**values, **kw})


def test_a_model_call_is_counted_once_per_event_and_call(stores):
    ledger, team = stores.ledger, unique("T")
    assert ledger.record(model_call(team, "Ev1"))
    assert not ledger.record(model_call(team, "Ev1"))  # a retried write, a redelivery
    assert ledger.record(model_call(team, "Ev1", call="2.answer"))  # a takeover's own call
    assert ledger.record(model_call(team, "Ev2", user="U2"))
    assert ledger.record(model_call(team, "Ev3", at=datetime(2026, 5, 13, 9, tzinfo=UTC)))
    assert ledger.record(model_call(team, "Ev4", at=datetime(2026, 4, 30, 9, tzinfo=UTC)))

    assert ledger.spent(team=team, channel="C1", user="U1") == Spent(1.0, 1.0, 0.5)
    assert ledger.spent(team=team, channel="C2", user="U3") == Spent(1.0, 0.0, 0.0)
    report = ledger.report(team=team, channel="C1", user="U1")
    assert report.month == "2026-05"
    assert report.user_month == Totals(3000, 300, 0.75, 3)
    assert report.channel_month == report.workspace_month == Totals(4000, 400, 1.0, 4)
    april = ledger.report(team=team, channel="C1", user="U1", now=datetime(2026, 4, 2, tzinfo=UTC))
    assert april.workspace_month == Totals(1000, 100, 0.25, 1)


def hold(team: str, key: str, cost: float, *, user: str = "U1", at: datetime = NOW) -> Hold:
    return Hold(key=key, team=team, channel="C1", user=user, cost_usd=cost, at=at)


def test_a_reservation_is_allowed_while_spent_and_reserved_are_under_the_limit(stores):
    ledger, team = stores.ledger, unique("T")
    budgets = Budgets(workspace_monthly_usd=1.0, user_daily_usd=0.8)
    assert isinstance(ledger.reserve(hold(team, "a", 0.6), budgets), Allow)
    assert isinstance(ledger.reserve(hold(team, "b", 0.6, user="U2"), budgets), Allow)  # 0.6 < 1
    assert isinstance(ledger.reserve(hold(team, "c", 0.1, user="U3"), budgets), Busy)  # 1.2 held
    assert isinstance(ledger.reserve(hold(team, "d", 0.1, user="U1"), Budgets()), Allow)

    # Recording a call settles its reservations in the same write.
    # (Events are unique: the emulator keeps every recorded call for the session.)
    ledger.record(model_call(team, unique("Ev"), cost_usd=0.25, holds=("a",)))
    ledger.release(hold(team, "b", 0.6, user="U2"))
    ledger.release(hold(team, "d", 0.1))
    assert isinstance(ledger.reserve(hold(team, "e", 0.6), budgets), Allow)  # 0.25 spent
    assert isinstance(ledger.reserve(hold(team, "f", 0.1), budgets), Busy)  # U1: 0.85 of 0.8

    ledger.record(model_call(team, unique("Ev"), cost_usd=0.8, user="U4", holds=("e",)))
    verdict = ledger.reserve(hold(team, "g", 0.1, user="U5"), budgets)  # 1.05 spent
    assert isinstance(verdict, Refuse) and verdict.limit.name == "workspace_monthly"


def test_a_reservation_never_settled_lapses(stores):
    ledger, team = stores.ledger, unique("T")
    budgets = Budgets(workspace_monthly_usd=1.0)
    assert isinstance(ledger.reserve(hold(team, "died", 5.0), budgets), Allow)
    assert isinstance(ledger.reserve(hold(team, "next", 0.1), budgets), Busy)
    later = NOW + timedelta(seconds=HOLD_SECONDS + 1)
    assert isinstance(ledger.reserve(hold(team, "later", 0.1, at=later), budgets), Allow)


def test_a_code_runs_executor_seconds_are_counted_and_its_cost_spent(stores):
    ledger, team, event = stores.ledger, unique("T"), unique("Ev")
    run = dataclasses.replace(
        model_call(team, event, call="1.run-ab12"),
        kind="code_run", model="executor", tokens_in=0, tokens_out=0, cost_usd=0.5, seconds=12.5,
    )  # fmt: skip
    assert ledger.record(run)
    assert ledger.record(model_call(team, event))

    assert ledger.spent(team=team, channel="C1", user="U1") == Spent(0.75, 0.75, 0.75)
    report = ledger.report(team=team, channel="C1", user="U1")
    assert report.user_month == Totals(1000, 100, 0.75, 2, 12.5)


def test_a_person_holds_at_most_n_run_slots_until_given_back_or_past_their_end(stores):
    slots, team = stores.run_slots, unique("T")
    later = datetime(2026, 5, 14, 12, 5, tzinfo=UTC)

    def take(run_id: str, user: str = "U1", until: datetime = later) -> bool:
        return slots.take(team=team, user=user, run_id=run_id, until=until, limit=2)

    assert [take("Ev1:a"), take("Ev2:b"), take("Ev1:a"), take("Ev3:c")] == [True, True, True, False]
    assert take("Ev4:d", user="U2")  # another person
    slots.give_back(team=team, user="U1", run_id="Ev2:b")
    assert take("Ev3:c")
    slots.give_back(team=team, user="U1", run_id="Ev3:c")
    slots.give_back(team=team, user="U1", run_id="Ev1:a")
    # A slot whose run's deadline has passed (its responder died) no longer counts.
    assert take("Ev5:e", until=datetime(2026, 5, 14, 12, 0, tzinfo=UTC))
    assert take("Ev6:f") and take("Ev7:g")


def test_a_person_gets_n_mentions_a_minute_and_a_redelivery_is_not_counted_again(stores):
    rate, team = stores.rate, unique("T")

    def admit(event: str, user: str = "U1", at: datetime = NOW, limit: int = 2) -> bool:
        return rate.admit(team=team, user=user, event_id=event, limit=limit, now=at)

    assert [admit("E1"), admit("E2"), admit("E1"), admit("E3")] == [True, True, True, False]
    assert admit("E4", user="U2")
    assert admit("E5", at=datetime(2026, 5, 14, 12, 1, tzinfo=UTC))  # the next minute
    assert admit("E6", limit=0)  # no limit


def test_a_refusal_is_noted_once_per_thread_and_reason(stores):
    notices, key = stores.notices, unique("T1:C1:")
    assert stores.notices.first(key, "channel", "Ev1")
    assert not notices.first(key, "channel", "Ev2")
    assert not notices.first(key, "channel", "Ev1")  # a redelivery of the first
    assert notices.first(key, "user", "Ev3")
    assert notices.first(unique("T1:C1:"), "channel", "Ev4")


def test_a_repeated_click_keeps_one_vote_the_latest(stores):
    feedback, team = stores.feedback, unique("T")

    def vote(user: str, value: str, event: str = "Ev1", at: datetime | None = NOW) -> None:
        record = Feedback(
            event_id=event, model="m", team=team, channel="C1", user=user, value=value
        )
        feedback.record(record, at=at)

    vote("U1", "positive")
    vote("U1", "positive")  # Slack retrying the same click
    vote("U2", "positive")
    vote("U2", "negative")  # changed their mind
    vote("U3", "negative", event="Ev2")
    vote("U4", "positive", event="Ev3", at=datetime(2026, 6, 1, tzinfo=UTC))

    assert feedback.counts(team=team, channel="C1", month="2026-05") == FeedbackCounts(1, 2)
    assert feedback.counts(team=team, channel="C1", month="2026-06") == FeedbackCounts(1, 0)
    assert feedback.counts(team=team, channel="C2", month="2026-05") == FeedbackCounts()
