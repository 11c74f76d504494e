"""Notifications parsed as Cloud Storage sends them; only newer generations move the index."""

from __future__ import annotations

import base64
import json

import pytest

from assistant.pubsub.envelope import InvalidEnvelope
from assistant.retrieval.generations import DocumentState, Verdict, decide, may_settle
from assistant.retrieval.notification import parse_notification_push


def notification(event_type: str, name: str, generation: int, **resource) -> bytes:
    data = {"kind": "storage#object", "name": name, "bucket": "kb", "generation": str(generation),
            "contentType": "text/markdown", "size": "42", **resource}  # fmt: skip
    attributes = {
        "notificationConfig": "projects/_/buckets/kb/notificationConfigs/1",
        "eventType": event_type,
        "payloadFormat": "JSON_API_V1",
        "bucketId": "kb",
        "objectId": name,
        "objectGeneration": str(generation),
        "eventTime": "2026-12-01T10:00:00.000000Z",
    }
    message = {"data": base64.b64encode(json.dumps(data).encode()).decode(), "messageId": "1",
               "attributes": attributes}  # fmt: skip
    return json.dumps({"message": message, "subscription": "s"}).encode()


def test_a_finalize_notification_names_the_set_generation_and_custom_metadata():
    metadata = {"title": "Leave", "source_url": "https://hr.example"}
    body = notification("OBJECT_FINALIZE", "knowledge/handbook/leave.md", 17, metadata=metadata)
    _, event = parse_notification_push(body)
    assert (event.kind, event.document_set, event.generation, event.size) == (
        "finalize",
        "handbook",
        17,
        42,
    )
    assert event.metadata == {"title": "Leave", "source_url": "https://hr.example"}


@pytest.mark.parametrize(
    ("name", "expected_set", "in_knowledge"),
    [
        ("knowledge/faq.md", "default", True),
        ("knowledge/runbooks/db/restore.md", "runbooks", True),
        ("knowledge/runbooks/", "runbooks", False),  # a folder placeholder
        ("other/faq.md", "other", False),  # not a knowledge document at all
    ],
)
def test_the_first_folder_under_knowledge_is_the_set(name, expected_set, in_knowledge):
    _, event = parse_notification_push(notification("OBJECT_FINALIZE", name, 1))
    assert (event.document_set, event.in_knowledge) == (expected_set, in_knowledge)


def test_other_events_are_recognised_as_nothing_to_do_and_garbage_is_refused():
    _, event = parse_notification_push(notification("OBJECT_METADATA_UPDATE", "knowledge/a.md", 1))
    assert decide(event.kind, 1, None) is Verdict.IGNORE
    with pytest.raises(InvalidEnvelope):
        parse_notification_push(json.dumps({"message": {"data": "", "messageId": "1"}}).encode())


def state(generation: int, status: str) -> DocumentState:
    return DocumentState(name="knowledge/a.md", set="default", generation=generation, state=status)


@pytest.mark.parametrize(
    ("kind", "generation", "current", "verdict"),
    [
        ("finalize", 5, None, Verdict.INDEX),
        ("delete", 5, None, Verdict.REMOVE),  # a tombstone against a late finalize
        ("finalize", 6, state(5, "indexed"), Verdict.INDEX),  # overwritten
        ("finalize", 5, state(5, "indexed"), Verdict.DUPLICATE),
        ("finalize", 4, state(5, "indexed"), Verdict.STALE),  # out of order
        ("delete", 4, state(5, "indexed"), Verdict.STALE),  # the overwritten version's delete
        ("delete", 5, state(5, "indexed"), Verdict.REMOVE),
        ("delete", 5, state(5, "deleted"), Verdict.DUPLICATE),
        ("finalize", 5, state(5, "deleted"), Verdict.DUPLICATE),  # its delete came first
        ("finalize", 6, state(5, "deleted"), Verdict.INDEX),  # uploaded again
        ("finalize", 5, state(5, "skipped"), Verdict.DUPLICATE),
    ],
)
def test_only_a_newer_generation_changes_the_record(kind, generation, current, verdict):
    assert decide(kind, generation, current) is verdict


def test_a_finished_indexing_never_overwrites_a_newer_record():
    assert may_settle(state(5, "indexed"), 6, "indexed")
    assert not may_settle(state(7, "indexed"), 6, "indexed")
    assert not may_settle(state(6, "deleted"), 6, "indexed")
    assert may_settle(state(6, "indexed"), 6, "deleted")
