"""One delivery of a mention to the responder, and the limits it runs under."""

from __future__ import annotations

import dataclasses
import time

from assistant.config import Settings
from assistant.mention import Mention

__all__ = ["Delivery", "ResponderLimits", "seconds_since", "seconds_since_mention"]


@dataclasses.dataclass(frozen=True)
class Delivery:
    mention: Mention
    delivery_id: str  # the Pub/Sub message id: the same across redeliveries of one message
    attempt: int | None = None  # Pub/Sub's deliveryAttempt, when the subscription reports it


@dataclasses.dataclass(frozen=True, kw_only=True)
class ResponderLimits:
    response_time_budget_seconds: float = 300.0
    slack_update_interval_seconds: float = 1.0
    slack_stream_append_seconds: float = 6.0
    max_delivery_attempts: int = 5
    log_prompts: bool = False
    loading_messages: tuple[str, ...] = ()  # the DM's loading status (slack/status.py)

    @classmethod
    def from_settings(cls, settings: Settings) -> ResponderLimits:
        return cls(
            response_time_budget_seconds=settings.response_time_budget_seconds,
            slack_update_interval_seconds=settings.slack_update_interval_seconds,
            slack_stream_append_seconds=settings.slack_stream_append_seconds,
            max_delivery_attempts=settings.max_delivery_attempts,
            log_prompts=settings.log_prompts,
            loading_messages=settings.loading_messages,
        )


def seconds_since(start: float, moment: float | None) -> float | None:
    return None if moment is None else round(moment - start, 3)


def seconds_since_mention(mention: Mention) -> float | None:
    return round(time.time() - mention.received_at, 3) if mention.received_at else None
