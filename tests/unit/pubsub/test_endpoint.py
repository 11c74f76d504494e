"""The status codes every push endpoint gives Pub/Sub before its own work starts."""

from __future__ import annotations

import base64
import json
import logging

from assistant.config import SecretUnavailable
from assistant.pubsub.endpoint import push_endpoint
from tests.builders import make_mention

MENTION = make_mention("hi", ts="1.000001", thread_ts="1.000001")
LOGGER = logging.getLogger("test")


class Request:
    def __init__(self, body: bytes, method: str = "POST") -> None:
        self.method, self._body = method, body

    def get_data(self) -> bytes:
        return self._body


def envelope(data: bytes) -> bytes:
    return json.dumps(
        {"message": {"data": base64.b64encode(data).decode(), "messageId": "9"}}
    ).encode()


def endpoint(load_core=lambda: "core"):
    seen = []

    @push_endpoint(load_core, logger=LOGGER)
    def handle(core, push, mention):
        seen.append((core, push.message_id, mention))
        return "", 204

    return handle, seen


def test_a_push_reaches_the_handler_with_its_core_and_mention():
    handle, seen = endpoint()
    assert handle(Request(envelope(MENTION.to_json()))) == ("", 204)
    assert seen == [("core", "9", MENTION)]


def test_anything_but_post_is_refused():
    handle, seen = endpoint()
    assert handle(Request(b"", method="GET"))[1] == 405
    assert seen == []


def test_a_message_redelivery_cannot_fix_gets_400():
    handle, seen = endpoint()
    assert handle(Request(b"not json"))[1] == 400
    assert handle(Request(envelope(b'{"no": "mention"}')))[1] == 400
    assert seen == []


def test_a_missing_secret_asks_pubsub_to_retry():
    def missing():
        raise SecretUnavailable("SLACK_BOT_TOKEN is not readable yet")

    handle, seen = endpoint(missing)
    assert handle(Request(envelope(MENTION.to_json())))[1] == 503
    assert seen == []


def test_an_endpoint_for_another_payload_refuses_a_push_that_is_not_one():
    from assistant.feedback.buttons import Feedback
    from assistant.pubsub.envelope import parse_push_of

    seen = []

    @push_endpoint(
        lambda: "store",
        logger=LOGGER,
        parse=parse_push_of(Feedback.from_json, "a feedback click"),
        log_context=lambda feedback: {"event_id": feedback.event_id},
    )
    def handle(core, push, feedback):
        seen.append(feedback)
        return "", 204

    assert handle(Request(envelope(b'{"not": "feedback"}'))) == ("bad message", 400)
    assert handle(Request(envelope(b"not json"))) == ("bad message", 400)
    assert seen == []
