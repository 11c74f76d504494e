"""Native streaming and the Stop control through the whole answer path, in-process: the
streamed answer after the loading status, and an answer stopped while a tool runs, while the
model writes or is silent, or left streaming by a predecessor that died."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk import WebClient

from assistant.answer.responder import STOPPED_NOTE
from assistant.audience.policy import Source
from assistant.llm.tools import Tool
from assistant.pubsub.outcome import Outcome
from tests.e2e.harness import message_text, unique
from tests.unit.answer.test_responder import CHANNEL, TEAM, Dictionary, make_bot


@pytest.fixture(autouse=True)
def _no_faults_left(local_slack):
    yield
    local_slack.clear_faults()


def test_a_channel_answer_streams_natively_after_the_loading_status(
    local_slack, local_model, tmp_path
):
    words = Dictionary(lambda runs: None)
    bot = make_bot(local_slack, local_model, tmp_path, tools=[words])
    question = unique('[[tool:define:{"word": "pubsub"}]] what is pubsub?')

    mention, outcome = bot.ask(question)

    assert outcome is Outcome.ACK
    [answer] = local_slack.bot_replies(mention.thread_ts)
    # The channel thread had the loading status, not a "Thinking…" message to edit away.
    [status, *_] = [c for c in local_slack.calls("assistant.threads.setStatus")
                    if c["args"]["thread_ts"] == mention.thread_ts]  # fmt: skip
    assert status["args"]["loading_messages"] or status["args"]["status"]
    assert local_slack.calls("chat.update") == [] or all(
        c["args"]["ts"] != answer["ts"] for c in local_slack.calls("chat.update")
    )
    tasks = [c for c in answer["chunks"] if c["type"] == "task_update"]
    assert [t["status"] for t in tasks] == ["in_progress", "complete"]
    assert tasks[0]["title"] == "Looking it up"
    assert answer["blocks"][-1]["block_id"] == "feedback"  # the feedback control, at the end
    assert message_text(answer).endswith("[tool results: a messaging service]")
    assert bot.stores.claims.stored(mention.message_key)["stream_ts"] == ""


def test_a_stop_during_a_tool_run_ends_the_answer_within_two_seconds(
    local_slack, local_model, tmp_path
):
    bot = make_bot(local_slack, local_model, tmp_path)

    class SlowTool:
        name = "slow"
        source = Source.TOOLS

        def applies(self, request):
            return True

        def tool(self, request):
            key = request.mention.message_key

            def run(arguments, *, deadline):
                bot.stores.stops.request(key, by="U0ALICE")  # the asker presses Stop now
                time.sleep(5)  # a long code run: the answer must not wait for it
                return "never heard"

            return Tool("slow", "Takes long.", {"type": "object"}, run, status="Working")

    bot = make_bot(local_slack, local_model, tmp_path, tools=[SlowTool()])
    question = unique("[[tool:slow]] take your time")
    started = time.monotonic()
    mention, outcome = bot.ask(question)

    assert outcome is Outcome.ACK and time.monotonic() - started < 4
    [answer] = bot.replies(mention)
    assert answer.endswith(STOPPED_NOTE)
    [step] = [c for c in local_slack.bot_replies(mention.thread_ts)[0]["chunks"]
              if c["type"] == "task_update"]  # fmt: skip
    assert step["status"] == "in_progress"  # the run was abandoned, never reported done
    assert bot.stores.claims.stored(mention.message_key)["state"] == "done"
    assert [call.call.split(".")[-1] for call in bot.stores.ledger.calls] == ["stopped"]
    assert bot.deliver(mention) is Outcome.ACK  # a redelivery does not start it again
    assert bot.model_calls(mention) == 1


def test_a_stop_while_the_model_writes_keeps_what_was_written(local_slack, local_model, tmp_path):
    bot = make_bot(local_slack, local_model, tmp_path)
    question = unique("[[long:3000]] [[slow:0.05]] a long story")
    mention = bot.post(question)
    threading.Timer(
        1.0, bot.stores.stops.request, (mention.message_key,), {"by": "U0ALICE"}
    ).start()

    started = time.monotonic()
    assert bot.deliver(mention) is Outcome.ACK
    assert time.monotonic() - started < 3  # the whole story would take about 10 s

    [answer] = bot.replies(mention)
    assert answer.endswith(STOPPED_NOTE) and len(answer) > len(STOPPED_NOTE) + 20
    [call] = bot.stores.ledger.calls
    assert call.call.endswith("stopped") and call.kind == "answer" and call.tokens_out > 0
    [stored, _] = bot.stores.history.newest_first(mention.thread_key, before="9")
    assert stored.content == answer


def test_a_stop_while_the_model_is_silent_does_not_wait_for_it(local_slack, local_model, tmp_path):
    bot = make_bot(local_slack, local_model, tmp_path)
    question = unique("[[stall:6]] think hard")
    mention = bot.post(question)
    threading.Timer(
        0.5, bot.stores.stops.request, (mention.message_key,), {"by": "U0ALICE"}
    ).start()

    started = time.monotonic()
    assert bot.deliver(mention) is Outcome.ACK
    assert time.monotonic() - started < 2.5  # the model would have said nothing for 6 s

    assert bot.replies(mention) == [STOPPED_NOTE]
    assert bot.stores.claims.stored(mention.message_key)["state"] == "done"


def test_a_takeover_stops_a_stream_its_predecessor_never_marked(local_slack, local_model, tmp_path):
    bot = make_bot(local_slack, local_model, tmp_path)
    question = unique("streamed halfway")
    mention = bot.post(question)
    claims = bot.stores.claims
    dead = claims.acquire(mention.message_key, event_id=mention.event_id, delivery_id="dead")
    slack = WebClient(token=local_slack.bot_token, base_url=local_slack.api_url)
    started = slack.chat_startStream(
        channel=CHANNEL, thread_ts=mention.ts, markdown_text="Ha",
        recipient_user_id="U0ALICE", recipient_team_id=TEAM,
    )  # fmt: skip
    claims.record_messages(dead.lease, [started["ts"]])  # ... killed before record_stream
    claims.release(dead.lease)

    assert bot.deliver(mention) is Outcome.ACK
    [answer] = local_slack.bot_replies(mention.thread_ts)
    assert answer["ts"] == started["ts"] and message_text(answer) == f"Answer to: {question}"
