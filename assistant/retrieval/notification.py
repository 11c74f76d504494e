"""Cloud Storage's Pub/Sub notification for a knowledge object, parsed (pure).

Payload format JSON_API_V1: the message data is the object's resource as JSON; the attributes
name the event (`eventType`), the bucket, the object and its generation. Only finalize
(created or overwritten) and delete matter here; the first folder under `knowledge/` is the
document set (`knowledge/handbook/leave.md` is in `handbook`, `knowledge/faq.md` in `default`).

    >>> event = ObjectEvent(kind="finalize", bucket="b", name="knowledge/handbook/leave.md",
    ...                     generation=7)
    >>> event.document_set, event.relative_name
    ('handbook', 'handbook/leave.md')
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from assistant.pubsub.envelope import InvalidEnvelope, PushMessage, parse_push

__all__ = [
    "DEFAULT_SET",
    "KNOWLEDGE_PREFIX",
    "ObjectEvent",
    "parse_notification",
    "parse_notification_push",
]

KNOWLEDGE_PREFIX = "knowledge/"
DEFAULT_SET = "default"
_KINDS = {"OBJECT_FINALIZE": "finalize", "OBJECT_DELETE": "delete"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class ObjectEvent:
    kind: str  # "finalize", "delete", or "" for an event type the indexer ignores
    bucket: str
    name: str
    generation: int
    content_type: str = ""
    size: int = 0
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    event_type: str = ""  # as Cloud Storage named it, for the logs

    @property
    def in_knowledge(self) -> bool:
        """Under knowledge/ and an object, not a folder placeholder."""
        return self.name.startswith(KNOWLEDGE_PREFIX) and not self.name.endswith("/")

    @property
    def relative_name(self) -> str:
        return self.name.removeprefix(KNOWLEDGE_PREFIX)

    @property
    def document_set(self) -> str:
        folder, slash, _ = self.relative_name.partition("/")
        return folder if slash and folder else DEFAULT_SET


def parse_notification(push: PushMessage) -> ObjectEvent:
    """The event a notification describes; InvalidEnvelope when it is not one."""
    attributes = push.attributes
    try:
        bucket = attributes["bucketId"]
        name = attributes["objectId"]
        generation = int(attributes["objectGeneration"])
    except (KeyError, ValueError) as error:
        raise InvalidEnvelope(f"not a Cloud Storage notification: {error}") from None
    resource = _resource(push.data) if attributes.get("payloadFormat") == "JSON_API_V1" else {}
    metadata = resource.get("metadata") or {}
    try:
        size = int(resource.get("size") or 0)
    except (TypeError, ValueError):
        size = 0
    return ObjectEvent(
        kind=_KINDS.get(attributes.get("eventType", ""), ""),
        bucket=bucket,
        name=name,
        generation=generation,
        content_type=str(resource.get("contentType") or ""),
        size=size,
        metadata={str(k): str(v) for k, v in metadata.items()}
        if isinstance(metadata, dict)
        else {},
        event_type=attributes.get("eventType", ""),
    )


def parse_notification_push(body: bytes) -> tuple[PushMessage, ObjectEvent]:
    push = parse_push(body)
    return push, parse_notification(push)


def _resource(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        raise InvalidEnvelope("the notification's data is not the object's JSON") from None
    return value if isinstance(value, dict) else {}
