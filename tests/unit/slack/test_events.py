"""Ingress decisions on really signed requests, with an injected clock (no patching)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from slack_sdk.signature import SignatureVerifier

from assistant.slack.events import FixedClock, decide

SECRET = "test-signing-secret"
NOW = 1_732_200_000


def signed(body: bytes, *, secret: str = SECRET, timestamp: int = NOW) -> dict[str, str]:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def mention_body(**event_overrides: object) -> bytes:
    event = {
        "type": "app_mention",
        "user": "U0ALICE",
        "text": "<@U0BOT> what is a Pub/Sub ordering key?",
        "ts": "1732200000.000100",
        "channel": "C0GENERAL",
        "event_ts": "1732200000.000100",
        **event_overrides,
    }
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0SANDBOX",
            "event_id": "Ev0001",
            "event_time": NOW,
            "event": event,
            "authorizations": [{"user_id": "U0BOT", "is_bot": True, "team_id": "T0SANDBOX"}],
        }
    ).encode()


def run(body: bytes, headers: dict[str, str], now: float = NOW):
    verifier = SignatureVerifier(SECRET, clock=FixedClock(now))
    return decide(body=body, headers=headers, verifier=verifier, received_at=now)


def test_a_signed_mention_is_accepted_for_its_thread():
    decision = run(mention_body(), signed(mention_body()))
    assert decision.status == 200
    assert decision.mention.question == "what is a Pub/Sub ordering key?"
    assert decision.mention.thread_key == "T0SANDBOX:C0GENERAL:1732200000.000100"


def test_a_reply_in_a_thread_belongs_to_the_parent_thread():
    body = mention_body(ts="1732200005.000200", thread_ts="1732200000.000100")
    decision = run(body, signed(body))
    assert decision.mention.thread_ts == "1732200000.000100"


def test_a_tampered_body_is_refused():
    headers = signed(mention_body())
    tampered = mention_body(text="<@U0BOT> send me the secrets")
    assert run(tampered, headers).status == 401


def test_a_request_signed_with_another_secret_is_refused():
    assert run(mention_body(), signed(mention_body(), secret="other")).status == 401


@pytest.mark.parametrize("age", [301, 3_600, -301])
def test_a_stale_or_future_timestamp_is_refused(age):
    body = mention_body()
    assert run(body, signed(body, timestamp=NOW - age)).status == 401


@pytest.mark.parametrize(
    "drop", ["X-Slack-Request-Timestamp", "X-Slack-Signature"], ids=["no-timestamp", "no-sig"]
)
def test_missing_signature_headers_are_refused(drop):
    headers = signed(mention_body())
    del headers[drop]
    assert run(mention_body(), headers).status == 401


def test_a_non_numeric_timestamp_is_refused_not_crashed():
    headers = {**signed(mention_body()), "X-Slack-Request-Timestamp": "yesterday"}
    assert run(mention_body(), headers).status == 401


def test_url_verification_echoes_the_challenge():
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    decision = run(body, signed(body))
    assert decision.status == 200
    assert json.loads(decision.body) == {"challenge": "abc123"}
    assert decision.mention is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"bot_id": "B0BOT", "user": "U0BOT"},
        {"bot_id": "B0OTHER", "user": "U0OTHERBOT"},
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"user": "U0BOT"},
    ],
    ids=["own-message", "other-bot", "edit", "delete", "bot-user-without-bot-id"],
)
def test_messages_that_must_never_be_answered_are_acknowledged_and_dropped(overrides):
    body = mention_body(**overrides)
    decision = run(body, signed(body))
    assert decision.status == 200
    assert decision.mention is None


def test_a_direct_message_is_answered_without_a_mention():
    body = mention_body(type="message", channel_type="im", channel="D0ALICE", text="hello")
    decision = run(body, signed(body))
    assert decision.mention.is_direct_message
    assert decision.mention.question == "hello"


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"type": "event_callback", "event": "x"}'],
    ids=["text", "list", "event-not-object"],
)
def test_malformed_signed_bodies_get_400(body):
    assert run(body, signed(body)).status == 400


def test_files_are_carried_so_ingress_can_route_to_uploads():
    files = [
        {
            "id": "F1",
            "name": "sales.csv",
            "mimetype": "text/csv",
            "size": 10,
            "url_private_download": "https://files.slack.com/x",
        }
    ]
    body = mention_body(files=files)
    decision = run(body, signed(body))
    assert [f.name for f in decision.mention.files] == ["sales.csv"]


def test_the_real_clock_is_used_by_default():
    body = mention_body()
    now = int(time.time())
    decision = decide(
        body=body,
        headers=signed(body, timestamp=now),
        verifier=SignatureVerifier(SECRET),
        received_at=now,
    )
    assert decision.status == 200


def test_a_body_that_is_not_utf8_is_refused_not_crashed():
    body = b"\xff\xfe{}"
    mac = hmac.new(SECRET.encode(), f"v0:{NOW}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": str(NOW), "X-Slack-Signature": f"v0={mac}"}
    assert run(body, headers).status == 401


def test_the_mention_knows_the_bots_own_id_so_other_mentions_stay_in_the_question():
    body = mention_body(text="<@U0BOT> what did <@U0ALICE> say?")
    mention = run(body, signed(body)).mention
    assert mention.bot_user_id == "U0BOT"
    assert mention.question == "what did <@U0ALICE> say?"


@pytest.mark.parametrize(
    "timestamp", ["²", "¹⁷⁰⁰⁰⁰⁰⁰⁰⁰", "١٧٠٠٠٠٠٠٠٠", "9" * 5000, "1" * 13, "+1732200000"]
)
def test_a_timestamp_that_is_not_a_few_ascii_digits_is_refused_not_crashed(timestamp):
    # str.isdigit() accepts all of the first four; int() refuses "²" and 5,000 digits.
    headers = {**signed(mention_body()), "X-Slack-Request-Timestamp": timestamp}
    assert run(mention_body(), headers).status == 401


@pytest.mark.parametrize(
    ("where", "overrides"),
    [
        ("event", {"channel": "C1/2"}),  # a `/` would address another thread's documents
        ("event", {"channel": "C1_2"}),  # the bucket prefix of C1/2 once `/` is replaced
        ("event", {"channel": "../C0GENERAL"}),
        ("event", {"channel": "c0general"}),
        ("event", {"user": "U0ALICE\n"}),
        ("event", {"ts": "1732200000.000100/x"}),
        ("event", {"ts": "1732200000"}),
        ("event", {"thread_ts": "²"}),
        ("event", {"thread_ts": "__1__"}),
        ("event", {"files": [{"id": "F1/../../x", "name": "a.csv"}]}),
        ("event", {"files": [{"id": "F1", "size": 1e999}]}),
        ("payload", {"team_id": "T0SANDBOX/C0OTHER"}),
        ("payload", {"event_id": "Ev1/../Ev2"}),
        ("payload", {"event_id": "__Ev1__"}),
        ("payload", {"event_time": 1e999}),
        ("payload", {"event_time": "1732200000"}),
    ],
)
def test_ids_and_timestamps_out_of_slacks_format_are_refused_with_400(where, overrides):
    payload = json.loads(mention_body())
    (payload["event"] if where == "event" else payload).update(overrides)
    body = json.dumps(payload).encode()
    decision = run(body, signed(body))
    assert decision.status == 400
    assert decision.mention is None
    assert len(decision.reason) <= 120  # names the field, never echoes the value


def test_slack_retry_numbers_are_read_only_when_they_are_small_numbers():
    from assistant.slack.events import retry_number

    assert retry_number({"X-Slack-Retry-Num": "2"}) == 2
    assert retry_number({}) is None
    assert retry_number({"X-Slack-Retry-Num": "7" * 6000}) is None
    assert retry_number({"X-Slack-Retry-Num": "²"}) is None


def test_what_a_decision_says_about_a_signed_payload_stays_short():
    body = json.dumps({"type": "x" * 100_000}).encode()
    decision = run(body, signed(body))
    assert decision.status == 200 and len(decision.reason) < 80


def _channel_message(**overrides: object) -> bytes:
    fields = {"type": "message", "channel_type": "channel", "text": "and for staging?"}
    return mention_body(**{**fields, **overrides})


def test_a_plain_reply_in_a_channel_thread_is_queued_as_a_possible_follow_up():
    body = _channel_message(ts="1732200005.000200", thread_ts="1732200000.000100")
    decision = run(body, signed(body))
    assert decision.mention is not None and decision.mention.follow_up
    assert decision.mention.thread_ts == "1732200000.000100"


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # a top-level channel message: people's own conversation
        {"ts": "1732200005.000200", "thread_ts": "1732200000.000100", "text": "<@U0BOT> hi"},
        {"ts": "1732200005.000200", "thread_ts": "1732200000.000100", "channel_type": "mpim"},
        {"ts": "1732200005.000200", "thread_ts": "1732200000.000100", "bot_id": "B0DEPLOY"},
        {"ts": "1732200005.000200", "thread_ts": "1732200000.000100", "user": "U0BOT"},
        {"ts": "1732200005.000200", "thread_ts": "1732200000.000100", "subtype": "channel_join"},
    ],
    ids=["top-level", "mentions-the-bot", "group-dm", "another-bot", "the-bot", "join"],
)
def test_channel_messages_that_cannot_be_follow_ups_are_dropped_at_ingress(overrides):
    body = _channel_message(**overrides)
    decision = run(body, signed(body))
    assert decision.status == 200 and decision.mention is None


def test_a_reply_in_a_private_channel_thread_is_a_possible_follow_up_too():
    body = _channel_message(
        channel_type="group", ts="1732200005.000200", thread_ts="1732200000.000100"
    )
    assert run(body, signed(body)).mention.follow_up


def test_an_app_mention_is_never_a_follow_up():
    body = mention_body(ts="1732200005.000200", thread_ts="1732200000.000100")
    assert run(body, signed(body)).mention.follow_up is False


@pytest.mark.parametrize(
    "overrides",
    [
        {"action_token": "12345.98765.abcd"},
        {"assistant_thread": {"action_token": "12345.98765.abcd"}},
    ],
)
def test_the_events_action_token_travels_with_the_mention_for_slack_search(overrides):
    body = mention_body(**overrides)

    decision = run(body, signed(body))

    assert decision.mention is not None and decision.mention.action_token == "12345.98765.abcd"


def test_without_an_action_token_the_mention_has_none():
    body = mention_body()

    assert run(body, signed(body)).mention.action_token == ""
