"""Feedback votes (`votes.FeedbackVotes`) in Firestore: one document per answer and person.

`feedback/<event>.<user>` is written with `set`, so Slack retrying a click (or the person
clicking again) leaves one vote, the latest. Counts per channel and month are aggregation
queries (`count()`), read only by `@assistant usage`.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from assistant.feedback.buttons import Feedback
from assistant.feedback.votes import FeedbackCounts

__all__ = ["FEEDBACK", "FeedbackStore"]

FEEDBACK = "feedback"

logger = logging.getLogger(__name__)


class FeedbackStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def record(self, feedback: Feedback, *, at: datetime | None = None) -> None:
        at = at or datetime.now(UTC)
        self._db.collection(FEEDBACK).document(f"{feedback.event_id}.{feedback.user}").set(
            {**dataclasses.asdict(feedback), "month": at.strftime("%Y-%m"), "at": at}
        )
        extra = {"event_id": feedback.event_id, "value": feedback.value, "model": feedback.model}
        logger.info("feedback recorded", extra=extra)

    def counts(self, *, team: str, channel: str, month: str) -> FeedbackCounts:
        def count(value: str) -> int:
            query = (
                self._db.collection(FEEDBACK)
                .where(filter=FieldFilter("team", "==", team))
                .where(filter=FieldFilter("channel", "==", channel))
                .where(filter=FieldFilter("month", "==", month))
                .where(filter=FieldFilter("value", "==", value))
            )
            # Typed as Any: the client's annotations declare AggregationQuery.get unbound and its
            # result unindexable, while it returns [[AggregationResult]] as documented.
            counting: Any = query.count()
            return int(counting.get()[0][0].value)

        return FeedbackCounts(count("positive"), count("negative"))
