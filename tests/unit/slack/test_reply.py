"""The answer's messages in the thread, through the real WebClient and the local Slack."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from assistant.slack.reply import PROGRESS_TEXT, ThreadReply
from tests.e2e.harness import message_text, unique


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def thread(local_slack):
    posted = local_slack.post(unique("a question"))
    return posted["ts"]


def make_reply(local_slack, thread_ts, **overrides):
    recorded: list[list[str]] = []
    client = WebClient(token=local_slack.bot_token, base_url=local_slack.api_url)
    values = {
        "channel": "C0GENERAL",
        "thread_ts": thread_ts,
        "message_ts": [],
        "on_new_message": recorded.append,
        "min_interval": 1.0,
    }
    values.update(overrides)
    return ThreadReply(client, **values), recorded


def bot_texts(local_slack, thread_ts):
    return [message_text(m) for m in local_slack.bot_replies(thread_ts)]


def test_progress_then_throttled_edits_then_the_final_answer_in_one_message(local_slack, thread):
    clock = Clock()
    reply, recorded = make_reply(local_slack, thread, clock=clock)
    reply.show_progress()
    assert bot_texts(local_slack, thread) == [PROGRESS_TEXT]
    reply.stream("Hello")
    reply.stream("Hello wor")  # within the interval: not sent
    assert bot_texts(local_slack, thread) == ["Hello ▍"]
    clock.now = 2.0
    reply.stream("Hello world")
    reply.finish("Hello world.")
    assert bot_texts(local_slack, thread) == ["Hello world."]
    assert reply.edits == 3
    assert recorded == [reply.message_ts]  # reported once, when the message was posted


def test_a_long_answer_continues_and_a_shorter_retry_removes_the_rest(local_slack, thread):
    reply, _ = make_reply(local_slack, thread, limit=100)
    reply.finish(("word " * 15 + "\n\n") * 3)
    assert len(bot_texts(local_slack, thread)) == 3
    retry, _ = make_reply(local_slack, thread, limit=100, message_ts=reply.message_ts)
    retry.finish("short now")
    assert bot_texts(local_slack, thread) == ["short now"]


def test_a_resumed_reply_edits_the_recorded_message_instead_of_posting(local_slack, thread):
    first, _ = make_reply(local_slack, thread)
    first.show_progress()
    resumed, recorded = make_reply(local_slack, thread, message_ts=first.message_ts)
    resumed.show_progress()
    resumed.finish("done")
    assert bot_texts(local_slack, thread) == ["done"]
    assert recorded == []


def test_a_status_line_replaces_the_progress_while_a_tool_runs(local_slack, thread):
    reply, _ = make_reply(local_slack, thread)
    reply.show_progress()
    reply.show_status("Running Python…")
    assert bot_texts(local_slack, thread) == ["_Running Python…_"]


def test_a_reply_that_lost_its_claim_writes_nothing_more(local_slack, thread):
    class Lost(Exception):
        pass

    allowed = [True]

    def guard():
        if not allowed[0]:
            raise Lost

    reply, _ = make_reply(local_slack, thread, guard=guard)
    reply.show_progress()
    allowed[0] = False
    with pytest.raises(Lost):
        reply.finish("an answer nobody owns")
    with pytest.raises(Lost):
        reply.fail("an error nobody owns")
    assert bot_texts(local_slack, thread) == [PROGRESS_TEXT]


def test_an_error_keeps_what_the_person_already_saw(local_slack, thread):
    reply, _ = make_reply(local_slack, thread)
    reply.stream("Partial answer")
    reply.fail("The model stopped.", partial_text=reply.streamed_text)
    assert bot_texts(local_slack, thread) == ["Partial answer\n\n:warning: The model stopped."]


def test_model_output_cannot_ping_anyone_or_unfurl_links(local_slack, thread):
    reply, _ = make_reply(local_slack, thread)
    reply.finish(
        "Attention <!channel> and <!here>: ask <@U0ALICE|alice>. See http://evil.example/?q=x"
    )
    [text] = bot_texts(local_slack, thread)
    assert "<!" not in text and "<@" not in text
    assert text.startswith("Attention @channel and @here: ask @alice.")
    posts = [
        c for c in local_slack.calls("chat.postMessage") if c["args"].get("thread_ts") == thread
    ]
    assert posts and all(
        str(c["args"].get("unfurl_links")).lower() == "false"
        and str(c["args"].get("unfurl_media")).lower() == "false"
        for c in posts
    )


def test_blocks_given_to_finish_go_under_the_last_message_of_the_answer(local_slack, thread):
    from assistant.feedback.buttons import feedback_block

    reply, _ = make_reply(local_slack, thread, limit=40)
    reply.post_as({"username": "Finance helper", "icon_emoji": ":moneybag:"})
    reply.show_progress()
    buttons = feedback_block(event_id="Ev1", model="gpt-4o")
    reply.finish("First paragraph of the answer.\n\nSecond paragraph of it.", blocks=(buttons,))

    first, last = local_slack.bot_replies(thread)
    assert first["markdown_text"] == "First paragraph of the answer."
    assert "blocks" not in first or not first["blocks"]
    assert last["blocks"] == [{"type": "markdown", "text": "Second paragraph of it."}, buttons]
    assert message_text(last) == "Second paragraph of it."  # the notification text
    assert first["username"] == last["username"] == "Finance helper"
    assert last["icons"] == {"emoji": ":moneybag:"}
