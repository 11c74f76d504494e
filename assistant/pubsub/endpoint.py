"""What every Pub/Sub push endpoint of ours does before its own work.

POST only; the function's core (clients, settings, secrets) loaded lazily, with 503 while a
secret has no version yet, so Pub/Sub retries; the envelope and mention parsed, with 400 for
what redelivery cannot fix (it then reaches the dead-letter topic for inspection). A mention
by default; another payload (a Cloud Storage notification) with its own `parse`.
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


def _mention_context(mention: Mention) -> dict[str, str]:
    return {"event_id": mention.event_id, "thread_key": mention.thread_key}


def push_endpoint(
    load_core: Callable[[], Core],
    *,
    logger: logging.Logger,
    parse: Callable[[bytes], tuple[PushMessage, Any]] = parse_mention_push,
    log_context: Callable[[Any], dict[str, str]] = _mention_context,
) -> Callable[[Callable[[Core, PushMessage, Any], Reply]], Callable[[Any], Reply]]:
    """Decorate `handle(core, push, payload)` into an HTTP target for functions-framework;
    `payload` is what `parse` makes of the body (a `Mention` by default)."""

    def decorate(handle: Callable[[Core, PushMessage, Any], Reply]) -> Callable[[Any], Reply]:
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
                push, payload = parse(request.get_data())
            except InvalidEnvelope as error:
                logger.error("unusable push message", extra={"error": str(error)})
                return "bad message", 400
            with delivery_context(**log_context(payload)):
                return handle(core, push, payload)

        return endpoint

    return decorate
