"""Event claims on the Firestore emulator: one owner per Slack event, dead owners replaced."""

from __future__ import annotations

import datetime as dt
import uuid

from assistant.answer.claims import ClaimStore, Verdict

T0 = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def event_id() -> str:
    return f"Ev{uuid.uuid4().hex[:12]}"


def test_the_first_delivery_owns_the_event(firestore_db):
    claims = ClaimStore(firestore_db, lease_seconds=60)
    assert claims.acquire(event_id(), delivery_id="m1", now=T0).verdict is Verdict.PROCEED


def test_a_slack_retry_stands_down_while_the_owner_is_alive(firestore_db):
    claims, event = ClaimStore(firestore_db, lease_seconds=60), event_id()
    claims.acquire(event, delivery_id="m1", now=T0)
    later = T0 + dt.timedelta(seconds=30)
    assert claims.acquire(event, delivery_id="m2", now=later).verdict is Verdict.STAND_DOWN


def test_a_redelivery_of_the_owners_own_message_takes_over_at_once(firestore_db):
    # Pub/Sub redelivers a message only after its push ended without an ack: the holder is gone.
    claims, event = ClaimStore(firestore_db, lease_seconds=60), event_id()
    claims.acquire(event, delivery_id="m1", now=T0)
    claims.record_messages(event, ["1.000200"], now=T0)
    later = T0 + dt.timedelta(seconds=5)
    taken = claims.acquire(event, delivery_id="m1", now=later)
    assert (taken.verdict, taken.message_ts) == (Verdict.PROCEED, ["1.000200"])


def test_a_dead_owners_claim_is_taken_over_with_its_slack_messages(firestore_db):
    claims, event = ClaimStore(firestore_db, lease_seconds=60), event_id()
    claims.acquire(event, delivery_id="m1", now=T0)
    claims.record_messages(event, ["1.000200"], now=T0)

    taken = claims.acquire(event, delivery_id="m2", now=T0 + dt.timedelta(seconds=61))
    assert taken.verdict is Verdict.PROCEED
    assert taken.message_ts == ["1.000200"]
    assert taken.attempts == 2


def test_a_renewed_lease_is_not_stolen(firestore_db):
    claims, event = ClaimStore(firestore_db, lease_seconds=60), event_id()
    claims.acquire(event, delivery_id="m1", now=T0)
    claims.renew(event, now=T0 + dt.timedelta(seconds=50))
    at = T0 + dt.timedelta(seconds=90)
    assert claims.acquire(event, delivery_id="m2", now=at).verdict is Verdict.STAND_DOWN


def test_a_finished_event_is_never_answered_again(firestore_db):
    claims, event = ClaimStore(firestore_db, lease_seconds=60), event_id()
    claims.acquire(event, delivery_id="m1", now=T0)
    claims.finish(event)
    much_later = T0 + dt.timedelta(days=1)
    assert claims.acquire(event, delivery_id="m1", now=much_later).verdict is Verdict.STAND_DOWN
