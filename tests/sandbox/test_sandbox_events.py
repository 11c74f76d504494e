"""Events API delivery: Slack's envelope, signature, and retry behaviour.

These cases count the requests one mention causes, so their sandbox acts as an app
subscribed to app_mention only (`message_events=False`); what an app subscribed to
message.channels receives is in test_sandbox_message_events.py.
"""

from __future__ import annotations

import itertools
import json
import socket
import time

import pytest
from sandbox_harness import SECRET, TOKEN
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier


@pytest.fixture
def sandbox(make_sandbox):
    return make_sandbox(message_events=False)


def mention(sandbox, text="<@U0BOT> what is a Pub/Sub ordering key?", **extra) -> dict:
    return sandbox.post("/_sandbox/messages", {"channel": "C0GENERAL", "text": text, **extra})


def deliveries(sandbox, event_id: str, count: int) -> list[dict]:
    answer = sandbox.get(f"/_sandbox/wait?event_id={event_id}&min_deliveries={count}&timeout=10")
    assert answer["ok"], answer
    return answer["deliveries"]


def test_a_mention_is_delivered_as_a_signed_event_callback(sandbox, receiver):
    posted = mention(sandbox)
    [request] = receiver.wait_for(1)

    assert request.verified
    assert request.headers["Content-Type"] == "application/json"
    assert "X-Slack-Retry-Num" not in request.headers
    envelope = request.json
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == posted["event_id"]
    assert envelope["team_id"] == "T0SANDBOX"
    assert envelope["api_app_id"] == "A0SANDBOX"
    assert envelope["authorizations"] == [
        {
            "enterprise_id": None,
            "team_id": "T0SANDBOX",
            "user_id": "U0BOT",
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    assert isinstance(envelope["event_time"], int)
    assert envelope["is_ext_shared_channel"] is False
    assert envelope["event_context"].startswith("4-")
    event = envelope["event"]
    assert event["type"] == "app_mention"
    assert event["user"] == "U0ALICE"
    assert event["text"] == "<@U0BOT> what is a Pub/Sub ordering key?"
    assert event["ts"] == event["event_ts"] == posted["ts"]
    assert event["channel"] == "C0GENERAL"
    assert event["client_msg_id"]
    assert "thread_ts" not in event


def test_a_signature_with_another_secret_does_not_verify(sandbox, receiver):
    mention(sandbox)
    [request] = receiver.wait_for(1)
    assert not SignatureVerifier("another-secret").is_valid_request(request.body, request.headers)


def test_a_mention_in_a_thread_carries_thread_ts(sandbox, receiver):
    parent = mention(sandbox)
    mention(sandbox, "<@U0BOT> and then? café ✓ 日本", thread_ts=parent["ts"])
    requests = receiver.wait_for(2)
    events = [r.json["event"] for r in requests]
    assert [e.get("thread_ts") for e in events] == [None, parent["ts"]]
    assert events[1]["text"].endswith("café ✓ 日本")
    assert all(r.verified for r in requests)  # signed over the UTF-8 bytes sent


def test_a_dm_is_a_message_event_with_channel_type_im(sandbox, receiver):
    sandbox.post("/_sandbox/messages", {"channel": "D0ALICE", "text": "hello there"})
    event = receiver.wait_for(1)[0].json["event"]
    assert (event["type"], event["channel_type"], event["channel"]) == ("message", "im", "D0ALICE")


def test_without_message_events_a_message_that_mentions_no_one_is_not_delivered(sandbox, receiver):
    posted = sandbox.post("/_sandbox/messages", {"channel": "C0RANDOM", "text": "lunch?"})
    assert posted["event_id"] is None
    time.sleep(0.2)
    assert receiver.received == []


def test_http_errors_are_retried_three_times_with_the_same_body(sandbox, receiver):
    receiver.answers = [(500, 0)]
    posted = mention(sandbox)
    records = deliveries(sandbox, posted["event_id"], 4)
    requests = receiver.wait_for(4)

    assert [r["attempt"] for r in records] == [0, 1, 2, 3]
    assert [r["status"] for r in records] == [500, 500, 500, 500]
    assert all(r.verified for r in requests)
    assert len({r.body for r in requests}) == 1
    assert [r.headers.get("X-Slack-Retry-Num") for r in requests] == [None, "1", "2", "3"]
    assert {r.headers.get("X-Slack-Retry-Reason") for r in requests[1:]} == {"http_error"}
    time.sleep(0.3)
    assert len(receiver.received) == 4  # no fifth try


def test_retries_stop_once_the_app_acknowledges(sandbox, receiver):
    receiver.answers = [(500, 0), (200, 0)]
    posted = mention(sandbox)
    records = deliveries(sandbox, posted["event_id"], 2)
    time.sleep(0.3)
    assert [r["status"] for r in sandbox.get("/_sandbox/deliveries")["deliveries"]] == [500, 200]
    assert records[1]["retry_reason"] == "http_error"


def test_x_slack_no_retry_stops_retries_after_an_error(sandbox, receiver):
    receiver.answers, receiver.no_retry = [(503, 0)], True
    mention(sandbox)
    receiver.wait_for(1)
    time.sleep(0.3)
    assert len(receiver.received) == 1


def test_a_slow_ack_is_a_timeout_and_the_late_answer_is_recorded(sandbox, receiver):
    receiver.answers = [(200, 0.8), (200, 0)]  # the sandbox's ack timeout is 0.5 s
    posted = mention(sandbox)
    requests = receiver.wait_for(2)
    time.sleep(0.6)
    records = sandbox.get(f"/_sandbox/deliveries?event_id={posted['event_id']}")["deliveries"]

    assert requests[1].headers["X-Slack-Retry-Num"] == "1"
    assert requests[1].headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert requests[1].verified
    assert [r["status"] for r in records] == ["timeout", 200]
    assert records[0]["late_status"] == 200
    assert 450 <= records[0]["latency_ms"] < 800


def test_a_retry_storm_sends_all_retries_even_when_acknowledged(sandbox, receiver):
    posted = mention(sandbox, delivery="retry_storm")
    records = deliveries(sandbox, posted["event_id"], 4)
    requests = receiver.wait_for(4)
    assert [r["status"] for r in records] == [200] * 4
    assert [r.headers.get("X-Slack-Retry-Num") for r in requests] == [None, "1", "2", "3"]
    assert {r.json["event_id"] for r in requests} == {posted["event_id"]}


def test_slow_ack_mode_counts_every_answer_as_a_timeout(sandbox, receiver):
    posted = mention(sandbox, delivery="slow_ack")
    records = deliveries(sandbox, posted["event_id"], 4)
    assert [r["status"] for r in records] == ["timeout"] * 4
    assert [r["http_status"] for r in records] == [200] * 4


def test_retries_wait_the_configured_delays(make_sandbox, receiver):
    sandbox = make_sandbox(retry_delays=(0.1, 0.3, 0.5), message_events=False)
    receiver.answers = [(500, 0)]
    mention(sandbox)
    times = [r.at for r in receiver.wait_for(4)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    for gap, delay in zip(gaps, (0.1, 0.3, 0.5), strict=True):
        assert delay <= gap < delay + 0.2


def test_an_unreachable_app_is_connection_failed(make_sandbox):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    sandbox = make_sandbox(
        events_url=f"http://127.0.0.1:{closed_port}/slack/events", message_events=False
    )
    posted = mention(sandbox)
    records = deliveries(sandbox, posted["event_id"], 4)
    assert [r["status"] for r in records] == ["connection_failed"] * 4
    assert [r["retry_reason"] for r in records] == [None] + ["connection_failed"] * 3


def test_a_raw_envelope_is_signed_and_delivered_as_is(sandbox, receiver):
    envelope = {"type": "event_callback", "event_id": "EvRAW1", "event": {"type": "reaction_added"}}
    answer = sandbox.post("/_sandbox/events", envelope)
    [request] = receiver.wait_for(1)
    assert answer == {"ok": True, "event_id": "EvRAW1", "delivered": True}
    assert request.verified
    assert json.loads(request.body) == envelope


def test_url_verification_reports_whether_the_challenge_came_back(make_sandbox, receiver):
    good = make_sandbox().post("/_sandbox/url_verification", {"challenge": "abc123"})
    bad = make_sandbox(events_url=receiver.url + "/missing").post("/_sandbox/url_verification")
    assert good["ok"] is True and good["status"] == 200
    assert bad["ok"] is False and bad["status"] == 404
    assert receiver.received[0].verified


def test_bot_echo_delivers_the_bots_own_dm_posts(make_sandbox, receiver):
    sandbox = make_sandbox(bot_echo=True)
    WebClient(base_url=sandbox.api_url, token=TOKEN).chat_postMessage(channel="D0ALICE", text="hi")
    event = receiver.wait_for(1)[0].json["event"]
    assert event["bot_id"] == "B0BOT"
    assert event["channel_type"] == "im"


def test_signatures_use_the_timestamp_of_each_attempt(sandbox, receiver):
    receiver.answers = [(500, 0)]
    mention(sandbox)
    for request in receiver.wait_for(2)[:2]:
        timestamp = request.headers["X-Slack-Request-Timestamp"]
        assert abs(int(timestamp) - time.time()) < 5
        assert SignatureVerifier(SECRET).is_valid(
            request.body, timestamp, request.headers["X-Slack-Signature"]
        )
