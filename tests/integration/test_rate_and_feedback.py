"""The per-person rate limit and feedback counts on the Firestore emulator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from assistant.feedback.buttons import Feedback
from assistant.feedback.store import FeedbackStore
from assistant.feedback.votes import FeedbackCounts
from assistant.usage.rate import RateLimiter

NOW = datetime(2026, 5, 14, 12, 0, 30, tzinfo=UTC)


def team() -> str:
    return f"T{uuid.uuid4().hex[:10].upper()}"


def test_a_person_gets_n_mentions_a_minute_and_a_redelivery_is_not_counted_again(firestore_db):
    rate, t = RateLimiter(firestore_db), team()

    def admit(event: str, at: datetime = NOW) -> bool:
        return rate.admit(team=t, user="U1", event_id=event, limit=2, now=at)

    assert [admit("E1"), admit("E2"), admit("E1"), admit("E3")] == [True, True, True, False]
    assert rate.admit(team=t, user="U2", event_id="E4", limit=2, now=NOW)  # someone else
    assert admit("E5", datetime(2026, 5, 14, 12, 1, tzinfo=UTC))  # the next minute


def test_a_repeated_click_keeps_one_vote_the_latest(firestore_db):
    store, t = FeedbackStore(firestore_db), team()

    def vote(user: str, value: str, event: str = "Ev1") -> None:
        store.record(
            Feedback(
                event_id=f"{t}{event}", model="m", team=t, channel="C1", user=user, value=value
            ),
            at=NOW,
        )

    vote("U1", "positive")
    vote("U1", "positive")  # Slack retrying the same click
    vote("U2", "positive")
    vote("U2", "negative")  # changed their mind
    vote("U3", "negative", event="Ev2")

    counts = store.counts(team=t, channel="C1", month="2026-05")
    assert counts == FeedbackCounts(positive=1, negative=2)
    assert store.counts(team=t, channel="C1", month="2026-06") == FeedbackCounts()
