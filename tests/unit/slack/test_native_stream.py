"""The answer streamed natively (chat.startStream / appendStream / stopStream) and every
fallback to chat.postMessage / chat.update, through the real WebClient and the local Slack."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from assistant.slack.native_stream import StreamRecipient, TaskUpdate
from assistant.slack.posted import answer_metadata
from assistant.slack.reply import ReplyState, ThreadReply, Transport
from assistant.slack.stop_button import stop_block
from tests.e2e.harness import message_text, unique

FEEDBACK = {"type": "context", "elements": [{"type": "mrkdwn", "text": "feedback here"}]}
ALICE = StreamRecipient(user_id="U0ALICE", team_id="T0SANDBOX")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _no_faults_left(local_slack):
    yield
    local_slack.clear_faults()


@pytest.fixture
def thread(local_slack):
    return local_slack.post(unique("a question"))["ts"]


def streaming_reply(local_slack, thread_ts, *, interval=0.0, **overrides):
    recorded: dict[str, list] = {"messages": [], "streams": []}
    # No retry handlers: a 429 reaches the reply at once (production waits within the deadline).
    client = WebClient(token=local_slack.bot_token, base_url=local_slack.api_url)
    values = {"channel": "C0GENERAL", "thread_ts": thread_ts, "message_ts": [],
              "on_new_message": recorded["messages"].append, "min_interval": 0.0}  # fmt: skip
    values.update(overrides)
    reply = ThreadReply(client, **values)
    reply.use_stream(ALICE, on_stream=recorded["streams"].append, interval=interval)
    return reply, recorded


def calls_in(local_slack, method, thread_ts):
    return [c for c in local_slack.calls(method) if str(c["args"].get("thread_ts")) == thread_ts]


def stream_calls(local_slack, ts):
    counts = {}
    for method in ("chat.appendStream", "chat.stopStream", "chat.update"):
        counts[method] = len([c for c in local_slack.calls(method) if c["args"].get("ts") == ts])
    return counts


def test_a_channel_answer_streams_in_one_message_with_the_blocks_at_the_end(local_slack, thread):
    reply, recorded = streaming_reply(local_slack, thread)
    reply.stream("Hello")
    reply.stream("Hello world")
    reply.finish("Hello world, and goodbye.", blocks=(FEEDBACK,))

    [message] = local_slack.bot_replies(thread)
    assert message_text(message) == "Hello world, and goodbye."
    assert message["blocks"] == [FEEDBACK] and reply.state is ReplyState.FINAL
    [start] = calls_in(local_slack, "chat.startStream", thread)
    # Outside a DM Slack needs the person's user and team, or the bubble stays blank.
    assert start["args"]["recipient_user_id"] == "U0ALICE"
    assert start["args"]["recipient_team_id"] == "T0SANDBOX"
    counts = stream_calls(local_slack, message["ts"])
    assert counts == {"chat.appendStream": 1, "chat.stopStream": 1, "chat.update": 0}
    assert recorded["messages"] == [[message["ts"]]]
    assert recorded["streams"] == [message["ts"], ""]  # open on the claim, then closed


def test_deltas_are_batched_to_one_append_per_interval(local_slack, thread):
    clock = Clock()
    reply, _ = streaming_reply(local_slack, thread, interval=5.0, clock=clock)
    text = ""
    for word in ["one", "two", "three", "four", "five", "six", "seven", "eight"]:
        text += word + " "
        reply.stream(text)  # the first word starts the stream, the rest wait
        clock.now += 1.0
    reply.finish(text + "nine.")

    [message] = local_slack.bot_replies(thread)
    assert message_text(message) == "one two three four five six seven eight nine."
    counts = stream_calls(local_slack, message["ts"])
    assert counts["chat.appendStream"] == 1  # at t=5; the rest went with stopStream


@pytest.mark.parametrize("refusal", ["not_allowed_token_type", "unknown_method", "ratelimited"])
def test_slack_refusing_the_stream_posts_and_edits_instead(local_slack, thread, refusal):
    local_slack.inject_fault(method="chat.startStream", error=refusal, count=1)
    reply, recorded = streaming_reply(local_slack, thread)
    reply.stream("Hello")
    assert reply.transport is Transport.EDITS
    reply.stream("Hello world")
    reply.finish("Hello world.", blocks=(FEEDBACK,))

    [message] = local_slack.bot_replies(thread)
    assert message_text(message) == "Hello world." and message["blocks"][-1] == FEEDBACK
    assert recorded["streams"] == []


@pytest.mark.parametrize(
    "refusal", ["message_not_in_streaming_state", "msg_too_long", "ratelimited"]
)
def test_a_stream_refused_midway_goes_on_by_editing_the_same_message(local_slack, thread, refusal):
    reply, recorded = streaming_reply(local_slack, thread)
    reply.stream("The first part")
    local_slack.inject_fault(method="chat.appendStream", error=refusal, count=1)
    reply.stream("The first part, the second part")
    assert reply.transport is Transport.EDITS
    reply.stream("The first part, the second part, the third")
    reply.finish("The first part, the second part, the third part.", blocks=(FEEDBACK,))

    [message] = local_slack.bot_replies(thread)  # the same message: nothing posted twice
    assert message_text(message) == "The first part, the second part, the third part."
    assert message["blocks"][-1] == FEEDBACK
    assert recorded["streams"] == [message["ts"], ""]
    assert calls_in(local_slack, "chat.postMessage", thread) == []


def test_a_stop_refused_at_the_end_finishes_by_editing(local_slack, thread):
    reply, _ = streaming_reply(local_slack, thread)
    reply.stream("Almost")
    local_slack.inject_fault(method="chat.stopStream", error="message_not_in_streaming_state")
    reply.finish("Almost done.", blocks=(FEEDBACK,))

    [message] = local_slack.bot_replies(thread)
    assert message_text(message) == "Almost done." and message["blocks"][-1] == FEEDBACK


def test_a_final_text_that_rewrites_the_streamed_one_replaces_it(local_slack, thread):
    reply, _ = streaming_reply(local_slack, thread)
    reply.stream("Leave is 25 days [1]")
    reply.finish("Leave is 25 days ([policy](https://hr.example/leave)).")

    [message] = local_slack.bot_replies(thread)
    assert message_text(message) == "Leave is 25 days ([policy](https://hr.example/leave))."


def test_a_long_answer_continues_past_one_message_without_losing_a_word(local_slack, thread):
    reply, _ = streaming_reply(local_slack, thread, limit=120)
    words = [f"word{n}" for n in range(60)]
    for end in range(1, len(words) + 1, 7):
        reply.stream(" ".join(words[:end]))
    reply.finish(" ".join(words))

    shown = " ".join(message_text(m) for m in local_slack.bot_replies(thread))
    assert shown.split() == words


def test_a_takeover_closes_the_earlier_attempts_stream_and_edits_it(local_slack, thread):
    first, recorded = streaming_reply(local_slack, thread)
    first.stream("Half an ans")  # ... and the instance dies here, the stream still open
    [ts] = first.message_ts

    client = WebClient(token=local_slack.bot_token, base_url=local_slack.api_url)
    again = ThreadReply(client, channel="C0GENERAL", thread_ts=thread, message_ts=[ts],
                        on_new_message=lambda ts: None, min_interval=0.0)  # fmt: skip
    again.close_leftover_stream(recorded["streams"][-1])
    again.use_stream(ALICE, on_stream=lambda ts: None)  # a takeover edits: no new stream
    again.stream("A whole")
    again.finish("A whole answer.")

    [message] = local_slack.bot_replies(thread)
    assert message["ts"] == ts and message_text(message) == "A whole answer."
    assert calls_in(local_slack, "chat.startStream", thread) != [] and again.stream_calls == {}


def test_tool_steps_are_task_cards_and_the_answer_follows_them(local_slack, thread):
    reply, _ = streaming_reply(local_slack, thread)
    reply.task(TaskUpdate(id="call_1", title="Running Python", status="in_progress"))
    reply.task(TaskUpdate(id="call_1", title="Running Python", status="complete", output="42"))
    reply.stream("The answer is 42.")
    reply.finish("The answer is 42.")

    [message] = local_slack.bot_replies(thread)
    tasks = [c for c in message["chunks"] if c["type"] == "task_update"]
    assert [t["status"] for t in tasks] == ["in_progress", "complete"]
    assert tasks[-1]["output"] == "42" and message_text(message) == "The answer is 42."


def test_without_a_stream_a_running_step_is_the_status_line(local_slack, thread):
    local_slack.inject_fault(method="chat.startStream", error="not_allowed_token_type", count=1)
    reply, _ = streaming_reply(local_slack, thread)
    reply.task(TaskUpdate(id="call_1", title="Running Python", status="in_progress"))
    assert [message_text(m) for m in local_slack.bot_replies(thread)] == ["_Running Python…_"]
    reply.task(TaskUpdate(id="call_1", title="Running Python", status="complete"))
    reply.finish("Done.")
    assert [message_text(m) for m in local_slack.bot_replies(thread)] == ["Done."]


def test_mentions_written_by_the_model_never_ping_through_the_stream(local_slack, thread):
    reply, _ = streaming_reply(local_slack, thread)
    reply.stream("Tell <!chan")  # half a control sequence: held back until it is whole
    reply.stream("Tell <!channel> now")
    reply.finish("Tell <!channel> now.")
    [message] = local_slack.bot_replies(thread)
    assert message_text(message) == "Tell @channel now."


def test_a_stream_nobody_recorded_is_found_by_its_stop_button_and_finished(local_slack, thread):
    key = f"T0SANDBOX:C0GENERAL:{thread}"
    stop = stop_block(message_key=key, asker="U0ALICE")
    first, _ = streaming_reply(local_slack, thread, metadata=answer_metadata(key))
    # The first attempt: started, then killed before its claim knew the message.
    first.use_stream(ALICE, on_stream=lambda ts: None, controls=(stop,))
    first.stream("Half an ans")

    again, _ = streaming_reply(local_slack, thread, metadata=answer_metadata(key))
    again.recover_posted(after=thread)
    again.stream("A whole")
    again.finish("A whole answer.")

    [message] = local_slack.bot_replies(thread)
    assert message_text(message) == "A whole answer." and message["stream_state"] == "stopped"
