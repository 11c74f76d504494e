"""The JSON body Pub/Sub POSTs to a push endpoint.

Parsed by hand rather than through functions-framework's CloudEvent conversion, because that
conversion drops `orderingKey` and `deliveryAttempt`, and the attempt number is how the last
try knows to tell the user instead of failing silently.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Callable
from typing import Any, TypeVar

from assistant.mention import Mention

__all__ = ["InvalidEnvelope", "PushMessage", "parse_mention_push", "parse_push", "parse_push_of"]

Payload = TypeVar("Payload")


class InvalidEnvelope(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class PushMessage:
    message_id: str
    data: bytes
    attributes: dict[str, str]
    ordering_key: str
    delivery_attempt: int | None  # only sent when the subscription has a dead-letter policy
    subscription: str


def parse_push(body: bytes) -> PushMessage:
    try:
        envelope: Any = json.loads(body)
        message = envelope["message"]
        data = base64.b64decode(message.get("data", ""), validate=True)
        message_id = message.get("messageId") or message["message_id"]
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
        raise InvalidEnvelope(f"not a Pub/Sub push envelope: {error}") from None
    attempt = envelope.get("deliveryAttempt")
    return PushMessage(
        message_id=str(message_id),
        data=data,
        attributes=dict(message.get("attributes") or {}),
        ordering_key=str(message.get("orderingKey") or ""),
        delivery_attempt=int(attempt) if attempt is not None else None,
        subscription=str(envelope.get("subscription") or ""),
    )


def parse_mention_push(body: bytes) -> tuple[PushMessage, Mention]:
    """The push envelope and the mention it carries; InvalidEnvelope if either is unusable."""
    return parse_push_of(Mention.from_json, "a mention")(body)


def parse_push_of(
    from_json: Callable[[bytes], Payload], what: str
) -> Callable[[bytes], tuple[PushMessage, Payload]]:
    """A parser for pushes carrying `from_json`'s payload (InvalidEnvelope when unusable)."""

    def parse(body: bytes) -> tuple[PushMessage, Payload]:
        push = parse_push(body)
        try:
            return push, from_json(push.data)
        except (ValueError, TypeError) as error:
            raise InvalidEnvelope(f"not {what}: {error}") from None

    return parse
