"""conversations.replies, users.info and bots.info as the bot reads a whole thread."""

from __future__ import annotations

import pytest
from sandbox_harness import TOKEN
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


@pytest.fixture
def client(sandbox) -> WebClient:
    return WebClient(base_url=sandbox.api_url, token=TOKEN)


def say(sandbox, text, channel="C0GENERAL", user="U0ALICE", **extra) -> str:
    body = {"channel": channel, "text": text, "user": user, **extra}
    return sandbox.post("/_sandbox/messages", body)["ts"]


def slack_error(call) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data["error"]


@pytest.fixture
def thread(sandbox, client) -> list[str]:
    """A thread with people, the app and another bot: [parent, reply, ...] ts."""
    parent = say(sandbox, "deploys are slow today")
    ts = [parent]
    ts.append(say(sandbox, "since 10:00", user="U0BOB", thread_ts=parent))
    ts.append(client.chat_postMessage(channel="C0GENERAL", thread_ts=parent, text="Noted.")["ts"])
    bot = {"channel": "C0GENERAL", "thread_ts": parent, "text": "rollback done"}
    ts.append(sandbox.post("/_sandbox/bot_messages", bot)["ts"])
    ts.append(say(sandbox, "<@U0BOT> why was it slow?", user="U0CAROL", thread_ts=parent))
    return ts


def walk(client, channel, ts, **args) -> tuple[list[str], int]:
    seen, cursor, pages = [], None, 0
    while True:
        page = client.conversations_replies(channel=channel, ts=ts, cursor=cursor, **args)
        seen += [m["ts"] for m in page["messages"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] == bool(cursor)
        if not cursor:
            return seen, pages


def test_the_parent_carries_the_threads_summary(client, thread):
    parent, *replies = client.conversations_replies(channel="C0GENERAL", ts=thread[0])["messages"]
    assert parent["ts"] == parent["thread_ts"] == thread[0]
    assert parent["reply_count"] == 4
    # The other bot's reply has no user: Slack's docs warn reply_users then has a bot ID.
    assert parent["reply_users"] == ["U0BOB", "U0BOT", "B0DEPLOY", "U0CAROL"]
    assert parent["reply_users_count"] == 4
    assert parent["latest_reply"] == thread[-1]
    assert [m["ts"] for m in replies] == thread[1:]
    assert all(m["thread_ts"] == thread[0] for m in replies)
    assert all(m["parent_user_id"] == "U0ALICE" for m in replies)


def test_other_bots_replies_carry_their_identity(client, thread):
    messages = client.conversations_replies(channel="C0GENERAL", ts=thread[0])["messages"]
    deploy = messages[3]
    assert (deploy["subtype"], deploy["bot_id"], deploy["username"]) == (
        "bot_message",
        "B0DEPLOY",
        "deploybot",
    )
    assert deploy["bot_profile"]["name"] == "deploybot"
    assert "user" not in deploy
    assert messages[2]["bot_id"] == "B0BOT" and messages[2]["user"] == "U0BOT"


def test_a_replys_ts_returns_the_whole_thread(client, thread):
    messages = client.conversations_replies(channel="C0GENERAL", ts=thread[2])["messages"]
    assert [m["ts"] for m in messages] == thread


def test_a_message_without_replies_returns_just_itself(sandbox, client):
    alone = say(sandbox, "nobody answers this")
    answer = client.conversations_replies(channel="C0GENERAL", ts=alone)
    assert [m["ts"] for m in answer["messages"]] == [alone]
    assert answer["has_more"] is False
    assert "reply_count" not in answer["messages"][0]


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 6])
def test_pages_walk_the_whole_thread_without_skips_or_repeats(client, thread, limit):
    seen, pages = walk(client, "C0GENERAL", thread[0], limit=limit)
    assert seen == thread
    assert pages == -(-len(thread) // limit)


def test_a_window_keeps_the_parent_first(client, thread):
    oldest = client.conversations_replies(channel="C0GENERAL", ts=thread[0], oldest=thread[2])
    assert [m["ts"] for m in oldest["messages"]] == [thread[0], *thread[3:]]
    both = client.conversations_replies(
        channel="C0GENERAL", ts=thread[0], oldest=thread[1], latest=thread[3], inclusive=True
    )
    assert [m["ts"] for m in both["messages"]] == thread[:4]
    latest = client.conversations_replies(channel="C0GENERAL", ts=thread[0], latest=thread[2])
    assert [m["ts"] for m in latest["messages"]] == thread[:2]


def test_a_windowed_walk_by_one_repeats_nothing(client, thread):
    seen, _ = walk(client, "C0GENERAL", thread[0], limit=1, oldest=thread[1])
    assert seen == [thread[0], *thread[2:]]


def test_replies_errors(sandbox, client, thread):
    replies = client.conversations_replies
    assert slack_error(lambda: replies(channel="C0NOPE", ts=thread[0])) == "channel_not_found"
    assert slack_error(lambda: replies(channel="C0GENERAL", ts="1.000001")) == "thread_not_found"
    # A thread lives in one conversation only.
    assert slack_error(lambda: replies(channel="C0RANDOM", ts=thread[0])) == "thread_not_found"
    assert slack_error(lambda: replies(channel="C0GENERAL", ts=thread[0], cursor="bm9wZQ==")) == (
        "invalid_cursor"
    )
    assert slack_error(lambda: replies(channel="C0GENERAL", ts=thread[0], oldest="x")) == (
        "invalid_ts_oldest"
    )
    assert slack_error(lambda: replies(channel="C0GENERAL", ts=thread[0], latest="y")) == (
        "invalid_ts_latest"
    )
    assert slack_error(lambda: client.api_call("conversations.replies", params={})) == (
        "invalid_arguments"
    )


def test_metadata_of_other_apps_needs_include_all_metadata(sandbox, client):
    parent = say(sandbox, "release?")
    metadata = {"event_type": "deploy", "event_payload": {"version": "2"}}
    bot = {"channel": "C0GENERAL", "thread_ts": parent, "text": "v2", "metadata": metadata}
    sandbox.post("/_sandbox/bot_messages", bot)
    client.chat_postMessage(channel="C0GENERAL", thread_ts=parent, text="ok", metadata=metadata)
    plain = client.conversations_replies(channel="C0GENERAL", ts=parent)["messages"]
    full = client.conversations_replies(channel="C0GENERAL", ts=parent, include_all_metadata=True)
    assert ["metadata" in m for m in plain] == [False, False, True]
    assert full["messages"][1]["metadata"] == metadata


def test_private_channel_threads_read_like_public_ones(sandbox, client):
    parent = say(sandbox, "secret plan", channel="C0PRIVATE")
    say(sandbox, "agreed", channel="C0PRIVATE", user="U0BOB", thread_ts=parent)
    messages = client.conversations_replies(channel="C0PRIVATE", ts=parent)["messages"]
    assert [m["text"] for m in messages] == ["secret plan", "agreed"]


def test_the_private_channel_is_listed_and_described_as_private(client):
    info = client.conversations_info(channel="C0PRIVATE")["channel"]
    assert (info["is_private"], info["is_channel"], info["is_group"]) == (True, True, False)
    assert info["name"] == "private" and info["num_members"] == 3
    assert client.conversations_info(channel="C0GENERAL")["channel"]["is_private"] is False
    public = [c["id"] for c in client.conversations_list()["channels"]]
    private = [c["id"] for c in client.conversations_list(types="private_channel")["channels"]]
    both = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert public == ["C0GENERAL", "C0RANDOM", "C0CONNECT"]
    assert private == ["C0PRIVATE", "C0SECRET"]  # not #hidden: the bot is not in it
    assert [c["id"] for c in both] == [
        "C0GENERAL",
        "C0RANDOM",
        "C0PRIVATE",
        "C0SECRET",
        "C0CONNECT",
    ]


def test_users_info_for_people_bots_and_strangers(client):
    carol = client.users_info(user="U0CAROL")["user"]
    assert (carol["name"], carol["real_name"], carol["is_bot"]) == ("carol", "Carol Example", False)
    deploy = client.users_info(user="U0DEPLOY")["user"]
    assert deploy["is_bot"] is True
    assert deploy["profile"]["bot_id"] == "B0DEPLOY"
    assert deploy["profile"]["api_app_id"] == "A0DEPLOY"
    assert client.users_info(user="U0BOT")["user"]["profile"]["bot_id"] == "B0BOT"
    assert slack_error(lambda: client.users_info(user="U0NOBODY")) == "user_not_found"
    # reply_users may hold a bot ID; users.info does not know it, bots.info does.
    assert slack_error(lambda: client.users_info(user="B0DEPLOY")) == "user_not_found"


def test_bots_info_resolves_a_bot_id_to_its_user(client):
    bot = client.bots_info(bot="B0DEPLOY")["bot"]
    assert (bot["user_id"], bot["app_id"], bot["name"]) == ("U0DEPLOY", "A0DEPLOY", "deploybot")
    assert slack_error(lambda: client.bots_info(bot="B0NOPE")) == "bot_not_found"
