"""The answer's messages in the thread, through the real WebClient and the local Slack."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from assistant.slack.posted import answer_metadata
from assistant.slack.reply import MOVES, PROGRESS_TEXT, ReplyFinished, ReplyState, ThreadReply
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


# The reply's states: each one reached, and every write refused once the reply is final.

WRITES = {
    "show_progress": lambda reply: reply.show_progress(),
    "show_status": lambda reply: reply.show_status("Running Python…"),
    "stream": lambda reply: reply.stream("more text"),
    "say": lambda reply: reply.say("another reply"),
    "finish": lambda reply: reply.finish("another answer"),
    "fail": lambda reply: reply.fail("another error"),
    "recover_posted": lambda reply: reply.recover_posted(after="0"),
}
ENDINGS = {
    "finish": lambda reply: reply.finish("The answer."),
    "say": lambda reply: reply.say("Done."),
    "fail": lambda reply: reply.fail("The model stopped."),
}


def test_only_the_final_state_refuses_moves():
    assert all(MOVES[state] for state in ReplyState if state is not ReplyState.FINAL)
    assert MOVES[ReplyState.FINAL] == frozenset()


def test_a_new_reply_shows_progress_then_streams_then_is_final(local_slack, thread):
    clock = Clock()
    reply, _ = make_reply(local_slack, thread, clock=clock)
    assert reply.state is ReplyState.NEW
    reply.show_progress()
    assert reply.state is ReplyState.PROGRESS
    reply.stream("Hello")
    assert reply.state is ReplyState.STREAMING and reply.streamed
    reply.finish("Hello.")
    assert reply.state is ReplyState.FINAL
    assert bot_texts(local_slack, thread) == ["Hello."]


def test_a_status_line_while_streaming_returns_to_progress_until_the_answer_goes_on(
    local_slack, thread
):
    clock = Clock()
    reply, _ = make_reply(local_slack, thread, clock=clock)
    reply.stream("Let me compute that")
    clock.now = 2.0
    reply.show_status("Running Python…")
    assert reply.state is ReplyState.PROGRESS
    clock.now = 4.0
    reply.stream("It is 42")
    assert reply.state is ReplyState.STREAMING
    assert bot_texts(local_slack, thread) == ["It is 42 ▍"]


def test_a_throttled_stream_shows_nothing_and_stays_where_it_was(local_slack, thread):
    reply, _ = make_reply(local_slack, thread, clock=Clock())
    reply.show_status("Searching…")
    reply.stream("Hel")  # within the interval of the status line: not sent
    assert reply.state is ReplyState.PROGRESS and not reply.streamed
    assert reply.streamed_text == "Hel"


def test_a_takeover_starts_in_progress_and_edits_the_earlier_attempts_message(local_slack, thread):
    first, _ = make_reply(local_slack, thread)
    first.stream("Half an ans")
    takeover, _ = make_reply(local_slack, thread, message_ts=first.message_ts)
    assert takeover.state is ReplyState.PROGRESS
    takeover.show_progress()  # what the earlier attempt left stays until the answer replaces it
    assert bot_texts(local_slack, thread) == ["Half an ans ▍"]
    takeover.finish("The whole answer.")
    assert bot_texts(local_slack, thread) == ["The whole answer."]
    assert takeover.message_ts == first.message_ts


def test_a_reply_is_final_at_once_after_a_one_off_say(local_slack, thread):
    reply, _ = make_reply(local_slack, thread)
    reply.say("Forgot this thread.")
    assert reply.state is ReplyState.FINAL
    assert bot_texts(local_slack, thread) == ["Forgot this thread."]


@pytest.mark.parametrize("ending", sorted(ENDINGS))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_write_after_the_final_text_is_refused_and_posts_nothing(
    local_slack, thread, ending, write
):
    reply, _ = make_reply(local_slack, thread, metadata=answer_metadata("T0SANDBOX:C0GENERAL:1.0"))
    reply.show_progress()
    ENDINGS[ending](reply)
    shown = bot_texts(local_slack, thread)
    calls = len(local_slack.calls("chat.postMessage")) + len(local_slack.calls("chat.update"))

    with pytest.raises(ReplyFinished, match=f"{write}\\(\\) refused"):
        WRITES[write](reply)

    assert reply.state is ReplyState.FINAL
    assert bot_texts(local_slack, thread) == shown
    assert (
        len(local_slack.calls("chat.postMessage")) + len(local_slack.calls("chat.update")) == calls
    )


def test_a_final_write_that_failed_leaves_the_reply_open_for_the_error(local_slack, thread):
    class Unreachable(Exception):
        pass

    failures: list[Exception] = []

    def guard():
        if failures:
            raise failures.pop()

    reply, _ = make_reply(local_slack, thread, guard=guard)
    reply.show_progress()
    failures.append(Unreachable())  # the next write fails once, as a network error would
    with pytest.raises(Unreachable):
        reply.finish("The answer.")
    assert reply.state is ReplyState.PROGRESS
    reply.fail("Something went wrong.")
    assert reply.state is ReplyState.FINAL
    assert bot_texts(local_slack, thread) == [":warning: Something went wrong."]


def test_a_native_table_slack_refuses_is_dropped_and_the_answer_keeps_its_markdown_and_feedback(
    local_slack, thread
):
    reply, _ = make_reply(local_slack, thread)
    refused_table = {"type": "table", "rows": []}  # Slack: "must provide between 1 and 100 items"
    feedback = {
        "type": "context_actions",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": "f",
                "positive_button": {"text": {"type": "plain_text", "text": "Good"}, "value": "p"},
                "negative_button": {"text": {"type": "plain_text", "text": "Bad"}, "value": "n"},
            }
        ],
    }

    reply.finish("**The totals** are below.", blocks=(refused_table, feedback))

    [message] = local_slack.bot_replies(thread)
    assert [block["type"] for block in message["blocks"]] == ["markdown", "context_actions"]
    assert message["blocks"][0]["text"] == "**The totals** are below."
