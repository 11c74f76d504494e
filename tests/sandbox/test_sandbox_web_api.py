"""The Web API driven by the real slack_sdk WebClient, as the responder will drive it."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

import pytest
from sandbox_harness import TOKEN
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

# Several cases post blocks without `text` on purpose; slack_sdk warns about that.
pytestmark = pytest.mark.filterwarnings("ignore:The top-level `text` argument:UserWarning")


@pytest.fixture
def client(sandbox) -> WebClient:
    return WebClient(base_url=sandbox.api_url, token=TOKEN)


def human(sandbox, text="<@U0BOT> hello", channel="C0GENERAL", **extra) -> str:
    return sandbox.post("/_sandbox/messages", {"channel": channel, "text": text, **extra})["ts"]


def slack_error(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def test_auth_test_names_the_bot_and_team(client):
    answer = client.auth_test()
    assert answer["user_id"] == "U0BOT"
    assert answer["bot_id"] == "B0BOT"
    assert answer["team_id"] == "T0SANDBOX"
    assert answer["team"] == "Sandbox"


def test_missing_or_wrong_tokens_are_refused_with_http_200(sandbox):
    assert slack_error(WebClient(base_url=sandbox.api_url).auth_test)["error"] == "not_authed"
    wrong = WebClient(base_url=sandbox.api_url, token="xoxb-wrong")
    assert slack_error(wrong.auth_test) == {"ok": False, "error": "invalid_auth"}


def test_a_token_form_field_is_accepted_like_the_header(sandbox):
    body = urllib.parse.urlencode({"token": TOKEN, "channel": "C0GENERAL", "text": "hi"})
    with urllib.request.urlopen(sandbox.api_url + "chat.postMessage", body.encode()) as answer:
        assert json.loads(answer.read())["ok"] is True


def test_unknown_methods_answer_unknown_method(client):
    assert slack_error(lambda: client.api_call("chat.fly"))["error"] == "unknown_method"


def test_a_threaded_reply_updates_the_parents_reply_fields(sandbox, client):
    parent = human(sandbox)
    reply = client.chat_postMessage(channel="C0GENERAL", thread_ts=parent, text="on it")

    assert reply["channel"] == "C0GENERAL"
    assert reply["message"]["thread_ts"] == parent
    assert reply["message"]["bot_id"] == "B0BOT"
    head = client.conversations_replies(channel="C0GENERAL", ts=parent)["messages"][0]
    assert head["reply_count"] == 1
    assert head["latest_reply"] == reply["ts"]
    assert head["reply_users"] == ["U0BOT"]


def test_timestamps_are_slack_shaped_and_strictly_increasing(client):
    stamps = [client.chat_postMessage(channel="C0RANDOM", text=str(i))["ts"] for i in range(20)]
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 20


def test_a_user_id_or_channel_name_posts_to_that_conversation(client):
    assert client.chat_postMessage(channel="U0ALICE", text="hi")["channel"] == "D0ALICE"
    assert client.chat_postMessage(channel="#random", text="hi")["channel"] == "C0RANDOM"


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"channel": "C0NOPE", "text": "x"}, "channel_not_found"),
        ({"channel": "C0GENERAL"}, "no_text"),
        ({"channel": "C0GENERAL", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "C0GENERAL", "markdown_text": "x" * 12_001}, "msg_too_long"),
        ({"channel": "C0GENERAL", "markdown_text": "**a**", "text": "a"}, "markdown_text_conflict"),
        (
            {"channel": "C0GENERAL", "markdown_text": "a", "blocks": [{"type": "divider"}]},
            "markdown_text_conflict",
        ),
        ({"channel": "C0GENERAL", "blocks": [{"text": "no type"}]}, "invalid_blocks"),
        ({"channel": "C0GENERAL", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        ({"channel": "C0GENERAL", "blocks": "{not json"}, "invalid_blocks_format"),
        ({"channel": "C0GENERAL", "text": "x", "thread_ts": "1.000001"}, "thread_not_found"),
    ],
)
def test_post_message_refuses_what_slack_refuses(client, arguments, error):
    assert slack_error(lambda: client.chat_postMessage(**arguments))["error"] == error


def test_an_overlong_section_names_the_offending_field(client):
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    answer = slack_error(lambda: client.chat_postMessage(channel="C0GENERAL", blocks=[section]))
    assert answer["error"] == "invalid_blocks"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


def test_markdown_text_is_stored_and_read_back(sandbox, client):
    posted = client.chat_postMessage(channel="C0GENERAL", markdown_text="# Title\n\n**bold**")
    [stored] = sandbox.get("/_sandbox/messages?channel=C0GENERAL")["messages"]
    assert stored["markdown_text"] == "# Title\n\n**bold**"
    assert posted["message"]["text"] == "# Title\n\n**bold**"


def test_every_update_is_counted_with_its_time(sandbox, client):
    ts = client.chat_postMessage(channel="C0GENERAL", text="Thinking…")["ts"]
    client.chat_update(channel="C0GENERAL", ts=ts, text="Partial ▍")
    answer = client.chat_update(channel="C0GENERAL", ts=ts, markdown_text="**Final**")

    assert answer["text"] == "**Final**"
    [stored] = sandbox.get("/_sandbox/messages?channel=C0GENERAL")["messages"]
    assert stored["updates"] == 2
    assert len(stored["update_times"]) == 2
    assert stored["markdown_text"] == "**Final**"
    assert stored["edited"]["user"] == "U0BOT"


def test_updates_refuse_unknown_and_foreign_messages(sandbox, client):
    alice = human(sandbox, "just alice")
    missing = slack_error(lambda: client.chat_update(channel="C0GENERAL", ts="1.000001", text="x"))
    foreign = slack_error(lambda: client.chat_update(channel="C0GENERAL", ts=alice, text="x"))
    assert missing["error"] == "message_not_found"
    assert foreign["error"] == "cant_update_message"


def test_deleting_a_reply_updates_the_parents_count(sandbox, client):
    parent = human(sandbox)
    ts = client.chat_postMessage(channel="C0GENERAL", thread_ts=parent, text="oops")["ts"]
    assert client.chat_delete(channel="C0GENERAL", ts=ts)["ts"] == ts
    head = client.conversations_replies(channel="C0GENERAL", ts=parent)["messages"]
    assert len(head) == 1 and head[0]["reply_count"] == 0


def test_a_stream_grows_one_message_and_refuses_appends_once_stopped(sandbox, client):
    parent = human(sandbox)
    start = client.chat_startStream(
        channel="C0GENERAL",
        thread_ts=parent,
        markdown_text="Hel",
        recipient_team_id="T0SANDBOX",
        recipient_user_id="U0ALICE",
    )
    client.chat_appendStream(channel="C0GENERAL", ts=start["ts"], markdown_text="lo")
    stop = client.chat_stopStream(channel="C0GENERAL", ts=start["ts"], markdown_text="!")

    assert stop["message"]["text"] == "Hello!"
    late = slack_error(
        lambda: client.chat_appendStream(channel="C0GENERAL", ts=start["ts"], markdown_text="x")
    )
    assert late["error"] == "message_not_in_streaming_state"
    thread = sandbox.get(f"/_sandbox/messages?channel=C0GENERAL&thread_ts={parent}")["messages"]
    assert thread[1]["stream_state"] == "stopped"
    assert thread[1]["markdown_text"] == "Hello!"


def test_streams_outside_dms_need_a_recipient(sandbox, client):
    parent = human(sandbox)
    answer = slack_error(lambda: client.chat_startStream(channel="C0GENERAL", thread_ts=parent))
    assert answer["error"] == "missing_recipient_team_id"
    dm_parent = human(sandbox, "hi", channel="D0ALICE")
    assert client.chat_startStream(channel="D0ALICE", thread_ts=dm_parent)["ok"]


def test_task_cards_follow_slacks_chunk_rules(sandbox, client):
    dm_parent = human(sandbox, "hi", channel="D0ALICE")
    ts = client.chat_startStream(channel="D0ALICE", thread_ts=dm_parent)["ts"]
    good = {"type": "task_update", "id": "t1", "title": "Running Python", "status": "in_progress"}
    done = {
        **good,
        "status": "complete",
        "output": "42",
        "sources": [{"type": "url", "url": "https://hr.example/leave", "text": "Leave"}],
    }
    client.chat_appendStream(channel="D0ALICE", ts=ts, chunks=[good])
    client.chat_appendStream(channel="D0ALICE", ts=ts, chunks=[done])
    for bad in (
        {**good, "status": "completed"},  # Slack's word is "complete"
        {**good, "colour": "red"},  # an unknown field
        {**good, "output": "x" * 257},
        {**good, "sources": [{"type": "url", "url": "javascript:alert(1)", "text": "x"}]},
        {"type": "task_update", "title": "no id", "status": "pending"},
    ):
        refused = slack_error(lambda bad=bad: client.chat_appendStream(
            channel="D0ALICE", ts=ts, chunks=[bad]))  # fmt: skip
        assert refused["error"] == "invalid_chunks", bad
    thread = sandbox.get(f"/_sandbox/messages?channel=D0ALICE&thread_ts={dm_parent}")["messages"]
    assert [c["status"] for c in thread[1]["chunks"]] == ["in_progress", "complete"]


def test_a_streaming_message_cannot_be_edited_with_update(sandbox, client):
    dm_parent = human(sandbox, "hi", channel="D0ALICE")
    ts = client.chat_startStream(channel="D0ALICE", thread_ts=dm_parent)["ts"]
    answer = slack_error(lambda: client.chat_update(channel="D0ALICE", ts=ts, text="x"))
    assert answer["error"] == "streaming_state_conflict"


def test_the_sdk_chat_stream_helper_works_end_to_end(sandbox, client):
    parent = human(sandbox)
    streamer = client.chat_stream(
        channel="C0GENERAL",
        thread_ts=parent,
        recipient_team_id="T0SANDBOX",
        recipient_user_id="U0ALICE",
        buffer_size=10,
    )
    for word in ["Pub/Sub ", "ordering ", "keys ", "keep ", "order."]:
        streamer.append(markdown_text=word)
    streamer.stop(blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": "AI"}]}])

    thread = sandbox.get(f"/_sandbox/messages?channel=C0GENERAL&thread_ts={parent}")["messages"]
    reply = thread[1]
    assert reply["markdown_text"] == "Pub/Sub ordering keys keep order."
    assert reply["stream_state"] == "stopped"
    assert reply["blocks"][0]["type"] == "context"
    assert reply["appends"] >= 1
    assert reply["updates"] == 0  # streaming is not chat.update


def test_replies_paginate_with_cursors_until_has_more_is_false(sandbox, client):
    parent = human(sandbox)
    for i in range(7):
        client.chat_postMessage(channel="C0GENERAL", thread_ts=parent, text=f"r{i}")
    seen, cursor, pages = [], None, 0
    while True:
        page = client.conversations_replies(channel="C0GENERAL", ts=parent, limit=3, cursor=cursor)
        seen += [m["text"] for m in page["messages"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] == bool(cursor)
        if not cursor:
            break
    assert pages == 3
    assert seen == ["<@U0BOT> hello"] + [f"r{i}" for i in range(7)]


def test_a_garbled_cursor_is_refused(sandbox, client):
    parent = human(sandbox)
    answer = slack_error(
        lambda: client.conversations_replies(channel="C0GENERAL", ts=parent, cursor="%%%")
    )
    assert answer["error"] == "invalid_cursor"


def test_history_lists_top_level_messages_newest_first(sandbox, client):
    first = human(sandbox, "first")
    client.chat_postMessage(channel="C0GENERAL", thread_ts=first, text="reply")
    second = human(sandbox, "second")
    history = client.conversations_history(channel="C0GENERAL")
    assert [m["ts"] for m in history["messages"]] == [second, first]


def test_conversation_and_user_lookups(client):
    assert client.conversations_info(channel="C0GENERAL")["channel"]["name"] == "general"
    assert client.conversations_info(channel="D0ALICE")["channel"]["is_im"] is True
    names = [c["name"] for c in client.conversations_list()["channels"]]
    assert names == ["general", "random", "partner-connect"]
    assert client.users_info(user="U0BOB")["user"]["name"] == "bob"
    assert client.users_info(user="U0BOT")["user"]["is_bot"] is True
    assert slack_error(lambda: client.users_info(user="U0NOBODY"))["error"] == "user_not_found"


def test_the_audiences_facts_are_slacks_flags(client):
    connect = client.conversations_info(channel="C0CONNECT")["channel"]
    assert connect["is_ext_shared"] is True and connect["shared_team_ids"] == [
        "T0SANDBOX",
        "T0PARTNER",
    ]
    assert client.conversations_info(channel="C0SECRET")["channel"]["is_private"] is True
    assert client.users_info(user="U0GUEST")["user"]["is_restricted"] is True
    assert client.users_info(user="U0ALICE")["user"]["is_restricted"] is False


def test_a_private_channel_the_bot_is_not_in_does_not_exist_for_it(client):
    for read in (
        lambda: client.conversations_info(channel="C0HIDDEN"),
        lambda: client.conversations_history(channel="C0HIDDEN"),
        lambda: client.conversations_replies(channel="C0HIDDEN", ts="1.000001"),
    ):
        assert slack_error(read)["error"] == "channel_not_found"


def test_injected_429s_are_retried_by_the_sdk_rate_limit_handler(sandbox, client):
    sandbox.post(
        "/_sandbox/faults",
        {"method": "chat.postMessage", "error": "ratelimited", "count": 1, "retry_after": 0},
    )
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    started = time.monotonic()

    assert client.chat_postMessage(channel="C0GENERAL", text="eventually")["ok"]
    calls = sandbox.get("/_sandbox/calls?method=chat.postMessage")["calls"]
    assert [c["status"] for c in calls] == [429, 200]
    assert time.monotonic() - started < 5


def test_an_injected_429_carries_retry_after(sandbox, client):
    sandbox.post("/_sandbox/faults", {"method": "chat.update", "error": "ratelimited"})
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C0GENERAL", ts="1.1", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"
    assert raised.value.response["error"] == "ratelimited"


def test_injected_errors_and_500s_are_used_up_then_cleared(sandbox, client):
    sandbox.post("/_sandbox/faults", {"method": "auth.test", "error": "fatal_error", "count": 1})
    sandbox.post("/_sandbox/faults", {"method": "auth.test", "status": 500, "count": 1})
    sandbox.post("/_sandbox/faults", {"method": "auth.test", "status": 500, "count": 5})

    assert slack_error(client.auth_test)["error"] == "fatal_error"
    with pytest.raises(SlackApiError) as raised:
        client.auth_test()
    assert raised.value.response.status_code == 500
    sandbox.request("DELETE", "/_sandbox/faults")
    assert client.auth_test()["ok"]


def test_reactions_and_permalinks(sandbox, client):
    ts = human(sandbox)
    client.reactions_add(channel="C0GENERAL", timestamp=ts, name="eyes")
    assert (
        slack_error(lambda: client.reactions_add(channel="C0GENERAL", timestamp=ts, name="eyes"))[
            "error"
        ]
        == "already_reacted"
    )
    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=ts)["permalink"]
    assert link.endswith(f"/archives/C0GENERAL/p{ts.replace('.', '')}")
