"""Who answers an event whose claim exists: a pure function of the claim, delivery and time."""

from __future__ import annotations

import datetime as dt

from assistant.answer.claims import ClaimVerdict, decide

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=90)


def claim(state="working", holder="m1", beat=T0):
    return {"state": state, "holder": holder, "heartbeat_at": beat, "fence": 1}


def verdict(document, delivery="m1", seconds=10):
    return decide(
        document, delivery_id=delivery, now=T0 + dt.timedelta(seconds=seconds), lease=LEASE
    )


def test_an_answered_or_failed_event_is_never_answered_again():
    assert verdict(claim(state="done"), seconds=10_000) is ClaimVerdict.STAND_DOWN
    assert verdict(claim(state="failed"), seconds=10_000) is ClaimVerdict.STAND_DOWN


def test_a_slack_retry_stands_down_while_the_holder_beats():
    assert verdict(claim(), delivery="m2") is ClaimVerdict.STAND_DOWN


def test_a_second_copy_of_the_holders_own_message_waits_instead_of_answering_twice():
    assert verdict(claim(), delivery="m1") is ClaimVerdict.WAIT


def test_a_silent_holder_is_taken_over_by_any_delivery():
    assert verdict(claim(), delivery="m1", seconds=90) is ClaimVerdict.PROCEED
    assert verdict(claim(), delivery="m2", seconds=91) is ClaimVerdict.PROCEED


def test_a_delivered_answer_whose_bookkeeping_stalled_is_taken_over_too():
    assert verdict(claim(state="delivered"), seconds=100) is ClaimVerdict.PROCEED
    assert verdict(claim(state="delivered"), delivery="m2") is ClaimVerdict.STAND_DOWN
