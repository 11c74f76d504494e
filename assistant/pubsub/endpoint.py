"""What every Pub/Sub push endpoint of ours does before its own work.

POST only; the function's core (clients, settings, secrets) loaded lazily, with 503 while a
secret has no version yet, so Pub/Sub retries; the envelope and mention parsed, with 400 for
what redelivery cannot fix (it then reaches the dead-letter topic for inspection).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from assistant.config import SecretUnavailable
from assistant.logs import configure_logging, delivery_context
from assistant.mention import Mention
from assistant.pubsub.envelope import InvalidEnvelope, PushMessage, parse_mention_push

__all__ = ["push_endpoint"]

Core = TypeVar("Core")
Reply = tuple[str, int]


def push_endpoint(
    load_core: Callable[[], Core], *, logger: logging.Logger
) -> Callable[[Callable[[Core, PushMessage, Mention], Reply]], Callable[[Any], Reply]]:
    """Decorate `handle(core, push, mention)` into an HTTP target for functions-framework."""

    def decorate(handle: Callable[[Core, PushMessage, Mention], Reply]) -> Callable[[Any], Reply]:
        @functools.wraps(handle)
        def endpoint(request: Any) -> Reply:
            if request.method != "POST":
                return "Pub/Sub pushes with POST", 405
            try:
                core = load_core()
            except SecretUnavailable as error:
                configure_logging()
                logger.error(
                    "secrets not available yet; Pub/Sub will retry", extra={"error": str(error)}
                )
                return "not configured yet", 503
            try:
                push, mention = parse_mention_push(request.get_data())
            except InvalidEnvelope as error:
                logger.error("unusable push message", extra={"error": str(error)})
                return "bad message", 400
            with delivery_context(event_id=mention.event_id, thread_key=mention.thread_key):
                return handle(core, push, mention)

        return endpoint

    return decorate
