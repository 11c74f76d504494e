"""What an app subscribed to message.channels / message.groups receives (the default)."""

from __future__ import annotations

import base64
import time

from sandbox_harness import TOKEN
from slack_sdk import WebClient


def say(sandbox, text, channel="C0GENERAL", **extra) -> dict:
    return sandbox.post("/_sandbox/messages", {"channel": channel, "text": text, **extra})


def events(receiver, count: int) -> list[dict]:
    received = receiver.wait_for(count)
    assert len(received) == count, [r.json["event"] for r in received]
    assert all(r.verified for r in received)
    return [r.json for r in received]


def test_a_mention_in_a_channel_delivers_app_mention_then_message(sandbox, receiver):
    posted = say(sandbox, "<@U0BOT> what is a Pub/Sub ordering key?")
    mention, message = events(receiver, 2)

    assert posted["event_ids"] == [mention["event_id"], message["event_id"]]
    assert mention["event_id"] != message["event_id"]
    assert posted["event_id"] == mention["event_id"]  # what callers already follow
    assert posted["delivered"] is True
    assert mention["event"]["type"] == "app_mention"
    assert "channel_type" not in mention["event"] and "subtype" not in mention["event"]
    assert message["event"]["type"] == "message"
    assert message["event"]["channel_type"] == "channel"
    assert "subtype" not in message["event"]
    for event in (mention["event"], message["event"]):
        assert (event["ts"], event["channel"], event["user"]) == (
            posted["ts"],
            "C0GENERAL",
            "U0ALICE",
        )


def test_a_plain_reply_in_a_thread_delivers_one_message_event(sandbox, receiver):
    parent = say(sandbox, "deploys are slow today")
    reply = say(sandbox, "since the 10:00 release", user="U0BOB", thread_ts=parent["ts"])
    first, second = events(receiver, 2)
    time.sleep(0.2)
    assert len(receiver.received) == 2  # no app_mention for either

    assert reply["event_ids"] == [second["event_id"]] and reply["event_id"] == second["event_id"]
    event = second["event"]
    assert (event["type"], event["channel_type"], event["user"]) == ("message", "channel", "U0BOB")
    assert event["thread_ts"] == parent["ts"]
    assert event["parent_user_id"] == "U0ALICE"
    assert "thread_ts" not in first["event"]


def test_the_private_channel_is_a_group(sandbox, receiver):
    say(sandbox, "<@U0BOT> in private", channel="C0PRIVATE")
    mention, message = events(receiver, 2)
    assert mention["event"]["channel"] == message["event"]["channel"] == "C0PRIVATE"
    assert message["event"]["channel_type"] == "group"


def test_only_members_post_in_the_private_channel(sandbox):
    refused = say(sandbox, "hi", channel="C0PRIVATE", user="U0CAROL")
    assert refused["http_status"] == 400
    assert say(sandbox, "hi", channel="C0RANDOM", user="U0CAROL")["ok"] is True


def test_files_make_the_message_event_a_file_share_but_not_the_mention(sandbox, receiver):
    content = base64.b64encode(b"a,b\n1,2\n").decode()
    say(sandbox, "<@U0BOT> sum this", files=[{"name": "t.csv", "content_base64": content}])
    mention, message = events(receiver, 2)
    assert "subtype" not in mention["event"]
    assert message["event"]["subtype"] == "file_share"
    assert [f["name"] for f in mention["event"]["files"]] == ["t.csv"]
    assert [f["name"] for f in message["event"]["files"]] == ["t.csv"]


def test_the_dm_still_delivers_one_message_event(sandbox, receiver):
    posted = say(sandbox, "hello <@U0BOT>", channel="D0ALICE")
    [only] = events(receiver, 1)
    time.sleep(0.2)
    assert len(receiver.received) == 1
    assert posted["event_ids"] == [posted["event_id"]] == [only["event_id"]]
    assert (only["event"]["type"], only["event"]["channel_type"]) == ("message", "im")


def test_another_bots_post_is_a_bot_message_event(sandbox, receiver):
    parent = say(sandbox, "shipping v2?")
    posted = sandbox.post(
        "/_sandbox/bot_messages",
        {"channel": "C0GENERAL", "thread_ts": parent["ts"], "text": "v2 deployed to prod"},
    )
    assert posted["ok"] is True
    event = events(receiver, 2)[1]["event"]
    assert posted["event_ids"] == [posted["event_id"]]
    assert (event["type"], event["subtype"], event["channel_type"]) == (
        "message",
        "bot_message",
        "channel",
    )
    assert event["bot_id"] == "B0DEPLOY"
    assert event["username"] == "deploybot"
    assert event["bot_profile"]["id"] == "B0DEPLOY"
    assert event["bot_profile"]["app_id"] == "A0DEPLOY"
    assert "user" not in event  # a bot_message has no associated user
    assert event["thread_ts"] == parent["ts"]


def test_another_bot_mentioning_the_app_delivers_app_mention_too(sandbox, receiver):
    sandbox.post("/_sandbox/bot_messages", {"channel": "C0RANDOM", "text": "<@U0BOT> status?"})
    mention, message = events(receiver, 2)
    assert mention["event"]["type"] == "app_mention"
    assert mention["event"]["bot_id"] == "B0DEPLOY"
    assert message["event"]["subtype"] == "bot_message"


def test_posting_as_the_app_itself_or_in_the_dm_is_refused(sandbox):
    as_app = sandbox.post("/_sandbox/bot_messages", {"channel": "C0GENERAL", "bot_id": "B0BOT"})
    in_dm = sandbox.post("/_sandbox/bot_messages", {"channel": "D0ALICE", "text": "hi"})
    no_text = sandbox.post("/_sandbox/bot_messages", {"channel": "C0GENERAL"})
    assert [as_app["http_status"], in_dm["http_status"], no_text["http_status"]] == [400] * 3


def test_without_message_events_only_the_mention_is_delivered(make_sandbox, receiver):
    sandbox = make_sandbox(message_events=False)
    plain = say(sandbox, "lunch?")
    mention = say(sandbox, "<@U0BOT> lunch?", thread_ts=plain["ts"])
    bot = sandbox.post("/_sandbox/bot_messages", {"channel": "C0GENERAL", "text": "deployed"})
    [only] = events(receiver, 1)
    time.sleep(0.2)
    assert len(receiver.received) == 1
    assert only["event"]["type"] == "app_mention"
    assert (plain["event_id"], plain["event_ids"]) == (None, [])
    assert mention["event_ids"] == [mention["event_id"]] == [only["event_id"]]
    assert bot["event_ids"] == []


def test_bot_echo_in_a_channel_is_a_message_event_from_the_app(make_sandbox, receiver):
    sandbox = make_sandbox(bot_echo=True)
    WebClient(base_url=sandbox.api_url, token=TOKEN).chat_postMessage(
        channel="C0GENERAL", text="I post too"
    )
    [echo] = events(receiver, 1)
    assert (echo["event"]["bot_id"], echo["event"]["channel_type"]) == ("B0BOT", "channel")


def test_bot_echo_does_not_repeat_other_bots_posts(make_sandbox, receiver):
    sandbox = make_sandbox(bot_echo=True)
    sandbox.post("/_sandbox/bot_messages", {"channel": "C0GENERAL", "text": "deployed"})
    events(receiver, 1)
    time.sleep(0.2)
    assert len(receiver.received) == 1


def test_slow_acks_still_deliver_both_events(sandbox, receiver):
    receiver.answers = [(200, 0.7)]  # past the 0.5 s ack timeout
    posted = say(sandbox, "<@U0BOT> slow", delivery="normal")
    received = receiver.wait_for(2)
    assert {r.json["event_id"] for r in received[:2]} == set(posted["event_ids"])
    assert received[0].json["event"]["type"] == "app_mention"


def test_waiting_for_the_apps_answer_ignores_another_bots_reply(sandbox):
    parent = say(sandbox, "<@U0BOT> status?")
    bot = {"channel": "C0GENERAL", "thread_ts": parent["ts"], "text": "deploy running"}
    sandbox.post("/_sandbox/bot_messages", bot)
    query = f"channel=C0GENERAL&thread_ts={parent['ts']}&min_bot_messages=1&timeout=0.3"
    assert sandbox.get(f"/_sandbox/wait?{query}")["ok"] is False
