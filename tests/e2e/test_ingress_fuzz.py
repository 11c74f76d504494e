"""Bad input at ingress, fuzzed: every request is refused or ignored, nothing is published.

A dedicated ingress process publishes into its own project on the stack's Pub/Sub emulator,
where pull subscriptions watch both topics; after the fuzzing they must be empty, and the
process must still be serving.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.slack_ids import is_event_id, is_slack_id, is_ts
from devstack.processes import free_port
from devstack.pubsub_wiring import emulator_clients
from devstack.stack import launch_function

PROJECT = "fuzz-project"
SECRET = "fuzz-signing-secret"
ACCEPTABLE = {200, 400, 401, 413}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# What header values can hold: printable ASCII and the bytes 0x80-0xFF (latin-1 on the wire),
# where "²" (0xB2) passes str.isdigit() but not int(); and digit runs past int()'s 4,300.
header_text = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=80,
)
digitish = st.integers(1, 6000).flatmap(
    lambda n: st.text(alphabet="0123456789\xb2\xb3\xb9", min_size=n, max_size=n)
)
# Strings that may end up in document ids and bucket prefixes.
id_text = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=40),
    st.text(alphabet="CDTU0123456789/_.-:\xb2", max_size=40),
    digitish.map(lambda digits: f"{digits}.1"),
)
slackish = st.fixed_dictionaries(
    {"type": st.sampled_from(["event_callback", "url_verification", "app_rate_limited", "x"])},
    optional={
        "event": json_values,
        "event_id": json_values,
        "team_id": json_values,
        "challenge": json_values,
        "authorizations": json_values,
    },
)


@pytest.fixture(scope="module")
def fuzz_ingress(stack):
    host = stack.env["PUBSUB_EMULATOR_HOST"]
    publisher, subscriber = emulator_clients(host)
    watchers = []
    for topic in ("mentions", "uploads"):
        topic_path = publisher.topic_path(PROJECT, topic)
        publisher.create_topic(name=topic_path)
        watcher = subscriber.subscription_path(PROJECT, f"{topic}-watcher")
        subscriber.create_subscription(request={"name": watcher, "topic": topic_path})
        watchers.append(watcher)
    port = free_port()
    process = launch_function(
        "ingress",
        port=port,
        env={
            "SLACK_SIGNING_SECRET": SECRET,
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "PUBSUB_EMULATOR_HOST": host,
        },
        log_dir=stack.options.log_dir,
        log_name="fuzz-ingress",
    )
    url = f"http://127.0.0.1:{port}/"
    yield url, process, subscriber, watchers
    process.stop()


def signed_headers(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's signature over raw bytes (slack_sdk's signer only takes UTF-8 text)."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    # As raw bytes on the wire: requests refuses some str values itself (U+0085 counts as
    # leading whitespace to its str check), but a client that sends them must still get a 4xx.
    # (HTTP drops leading blanks and cannot carry CR/LF in a value, so those are left out.)
    raw = {
        name: value.encode("latin-1", "replace").lstrip(b" \t").translate(None, b"\r\n")
        for name, value in headers.items()
    }
    return requests.post(url, data=body, headers=raw, timeout=10).status_code


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    body=st.binary(max_size=2048),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "X-Slack-Request-Timestamp",
                "X-Slack-Signature",
                "Content-Type",
                "X-Slack-Retry-Num",
                "Content-Encoding",
            ]
        ),
        header_text | digitish,
    ),
)
def test_random_unsigned_requests_are_refused(fuzz_ingress, body, headers):
    url, *_ = fuzz_ingress
    assert post(url, body, headers) == 401


@FUZZ
@given(payload=json_values | slackish)
def test_signed_json_that_is_not_a_mention_is_ignored_or_refused(fuzz_ingress, payload):
    url, *_ = fuzz_ingress
    body = json.dumps(payload).encode()
    assert post(url, body, signed_headers(body)) in {200, 400}


@FUZZ
@given(body=st.binary(max_size=1024), encoding=st.sampled_from(["utf-16", "latin-1", "utf-8"]))
def test_signed_bodies_in_any_encoding_do_not_crash_it(fuzz_ingress, body, encoding):
    url, *_ = fuzz_ingress
    text = body.decode("latin-1").encode(encoding, errors="replace")
    assert post(url, text, signed_headers(text)) in ACCEPTABLE - {413}


def _mention_payload(event_id: str) -> dict:
    return {
        "type": "event_callback",
        "team_id": "T0FUZZ",
        "event_id": event_id,
        "authorizations": [{"user_id": "U0BOT", "is_bot": True}],
        "event": {
            "type": "app_mention",
            "user": "U0X",
            "text": "<@U0BOT> hi",
            "ts": "1.000001",
            "channel": "C0FUZZ",
        },
    }


def _mention(event_id: str) -> bytes:
    return json.dumps(_mention_payload(event_id)).encode()


# field -> (whether it is in the event or the envelope, the format it must have)
ID_FIELDS = {
    "team_id": (False, is_slack_id),
    "event_id": (False, is_event_id),
    "channel": (True, is_slack_id),
    "user": (True, is_slack_id),
    "ts": (True, is_ts),
    "thread_ts": (True, is_ts),
    "file id": (True, is_slack_id),
}


@FUZZ
@given(data=st.data(), field=st.sampled_from(sorted(ID_FIELDS)))
def test_a_signed_mention_with_an_id_out_of_slacks_format_is_refused(fuzz_ingress, data, field):
    url, *_ = fuzz_ingress
    in_event, valid = ID_FIELDS[field]
    value = data.draw(id_text.filter(lambda v: v and not valid(v)), label=field)
    payload = _mention_payload("EvFUZZID")
    if field == "file id":
        payload["event"]["files"] = [{"id": value, "name": "a.txt"}]
    else:
        (payload["event"] if in_event else payload)[field] = value
    body = json.dumps(payload).encode()
    assert post(url, body, signed_headers(body)) == 400


def test_a_signature_replayed_on_another_body_is_refused(fuzz_ingress):
    url, *_ = fuzz_ingress
    headers = signed_headers(_mention("EvREPLAY1"))
    assert post(url, _mention("EvREPLAY2"), headers) == 401


def test_a_request_replayed_after_five_minutes_is_refused(fuzz_ingress):
    url, *_ = fuzz_ingress
    body = _mention("EvSTALE")
    assert post(url, body, signed_headers(body, timestamp=int(time.time()) - 301)) == 401


def test_a_huge_body_is_refused_before_it_is_read(fuzz_ingress):
    url, *_ = fuzz_ingress
    body = b"{" + b" " * 2_000_000 + b"}"
    assert post(url, body, signed_headers(body)) == 413


def test_after_all_that_nothing_was_published_and_ingress_still_serves(fuzz_ingress):
    url, process, subscriber, watchers = fuzz_ingress
    for watcher in watchers:
        pulled = subscriber.pull(subscription=watcher, max_messages=10, timeout=5)
        assert list(pulled.received_messages) == []
    assert process.running
    body = _mention("EvSTILLALIVE")
    assert post(url, body, signed_headers(body)) == 200  # and a real mention still goes through
