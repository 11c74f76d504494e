"""Event claims on the Firestore emulator: one holder per Slack event, fenced writes, dead
holders replaced, and leases judged on Firestore's clock."""

from __future__ import annotations

import time
import uuid

import pytest

from assistant.answer.claim_store import ClaimStore
from assistant.answer.claims import ClaimVerdict, Delivered, LostLease
from assistant.conversation.turns import StoredTurn
from assistant.llm.messages import Message, ToolCall
from assistant.llm.tools import ToolRound

LEASE = 1.0  # seconds: short, so a dead holder goes stale within the test


def event_id() -> str:
    return f"Ev{uuid.uuid4().hex[:12]}"


def stale() -> None:
    time.sleep(LEASE + 0.2)


@pytest.fixture
def claims(firestore_db) -> ClaimStore:
    return ClaimStore(firestore_db, lease_seconds=LEASE)


def test_the_first_delivery_owns_the_event(claims):
    claim = claims.acquire(event_id(), event_id="Ev", delivery_id="m1")
    assert claim.verdict is ClaimVerdict.PROCEED and claim.lease is not None


def test_a_slack_retry_stands_down_while_the_holder_is_alive(claims):
    event = event_id()
    claims.acquire(event, event_id="Ev", delivery_id="m1")
    assert claims.acquire(event, event_id="Ev", delivery_id="m2").verdict is ClaimVerdict.STAND_DOWN


def test_a_second_copy_of_the_same_message_waits_while_the_holder_is_alive(claims):
    # Pub/Sub may hand out a message again while its first push is still running.
    event = event_id()
    claims.acquire(event, event_id="Ev", delivery_id="m1")
    assert claims.acquire(event, event_id="Ev", delivery_id="m1").verdict is ClaimVerdict.WAIT


def test_a_dead_holders_claim_is_taken_over_with_its_slack_messages(claims):
    event = event_id()
    first = claims.acquire(event, event_id="Ev", delivery_id="m1")
    claims.record_messages(first.lease, ["1.000200"])
    stale()
    taken = claims.acquire(event, event_id="Ev", delivery_id="m1")
    assert taken.verdict is ClaimVerdict.PROCEED
    assert taken.message_ts == ["1.000200"]
    assert taken.attempts == 2
    assert taken.lease.fence == first.lease.fence + 1


def test_a_stale_holder_cannot_write_after_a_takeover(claims):
    event = event_id()
    first = claims.acquire(event, event_id="Ev", delivery_id="m1")
    stale()
    second = claims.acquire(event, event_id="Ev", delivery_id="m2")
    claims.record_messages(second.lease, ["2.000100"])

    for write in (
        lambda: claims.renew(first.lease),
        lambda: claims.record_messages(first.lease, ["9.999999"]),
        lambda: claims.finish(first.lease),
    ):
        with pytest.raises(LostLease):
            write()
    # The new holder's messages and lease are untouched; it can still finish.
    assert claims.acquire(event, event_id="Ev", delivery_id="m3").verdict is ClaimVerdict.STAND_DOWN
    claims.finish(second.lease)
    assert claims.acquire(event, event_id="Ev", delivery_id="m2").state == "done"


def test_a_renewed_lease_is_not_stolen(claims):
    event = event_id()
    first = claims.acquire(event, event_id="Ev", delivery_id="m1")
    for _ in range(3):
        time.sleep(LEASE / 2)
        claims.renew(first.lease)
    assert claims.acquire(event, event_id="Ev", delivery_id="m2").verdict is ClaimVerdict.STAND_DOWN


def test_a_finished_event_is_never_answered_again(claims):
    event = event_id()
    claim = claims.acquire(event, event_id="Ev", delivery_id="m1")
    claims.finish(claim.lease)
    stale()
    assert claims.acquire(event, event_id="Ev", delivery_id="m1").verdict is ClaimVerdict.STAND_DOWN


def test_tool_rounds_and_a_delivered_answer_come_back_to_the_next_holder(claims):
    event = event_id()
    first = claims.acquire(event, event_id="Ev", delivery_id="m1")
    call = ToolCall(id="call_1", name="add", arguments='{"a": 1, "b": 2}')
    done = ToolRound(
        Message.assistant("", tool_calls=(call,)), (Message.tool_result("call_1", "3"),)
    )
    claims.record_round(first.lease, 0, done)
    turn = StoredTurn(order="1.5:1", role="assistant", content="3", tokens=5, encoding="x")
    claims.record_delivered(first.lease, Delivered((turn,), "3", 1000), ["1.000200"])
    stale()
    taken = claims.acquire(event, event_id="Ev", delivery_id="m1")
    assert taken.rounds == (done,)
    assert taken.delivered == Delivered((turn,), "3", 1000)


def test_a_released_claim_is_taken_over_at_once_by_the_redelivery(claims):
    event = event_id()
    first = claims.acquire(event, event_id="Ev", delivery_id="m1")
    claims.release(first.lease)  # the delivery failed and asked Pub/Sub to redeliver
    assert claims.acquire(event, event_id="Ev", delivery_id="m1").verdict is ClaimVerdict.PROCEED
