"""Feedback votes on answers: their counts and the contract of where they are kept (pure;
`store.py` keeps them in Firestore, tests in memory)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Protocol

from assistant.feedback.buttons import Feedback

__all__ = ["FeedbackCounts", "FeedbackVotes"]


@dataclasses.dataclass(frozen=True)
class FeedbackCounts:
    positive: int = 0
    negative: int = 0


class FeedbackVotes(Protocol):
    def record(self, feedback: Feedback, *, at: datetime | None = None) -> None:
        """One vote per answer and person, the latest: a repeated click replaces it."""
        ...

    def counts(self, *, team: str, channel: str, month: str) -> FeedbackCounts:
        """The votes on answers in the channel, in the month (`2026-05`) they were cast."""
        ...
