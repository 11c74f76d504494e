"""Nothing lost, nothing answered twice, whatever Slack, Pub/Sub, the model or we ourselves do."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest

from assistant.answer.responder import INTERNAL_ERROR
from assistant.slack.reply import PROGRESS_TEXT
from devstack.fake_openai.content import long_answer
from devstack.pubsub_wiring import dead_letter_subscription, emulator_clients
from tests.e2e.harness import eventually, message_text, unique


@pytest.fixture
def faults(sandbox):
    yield sandbox
    sandbox.clear_faults()


def streamed_text(sandbox, thread_ts):
    """The bot's reply once it shows part of the answer (not just the progress indicator)."""
    replies = sandbox.bot_replies(thread_ts)
    if replies and message_text(replies[0]) not in ("", PROGRESS_TEXT):
        return message_text(replies[0])
    return None


def test_a_responder_killed_mid_stream_finishes_the_same_message(stack, sandbox, claims, model):
    question = unique("[[long:700]] [[slow:0.15]] tell me a long story")
    posted = sandbox.mention(question)
    eventually(lambda: streamed_text(sandbox, posted["ts"]), timeout=20, interval=0.05)

    stack.processes["responder"].kill()  # no cleanup, no goodbye
    stack.start_function("responder")
    claim = claims.wait_final(posted["event_id"], timeout=90)

    replies = sandbox.bot_replies(posted["ts"])
    assert len(replies) == 1, (claim, [(m["ts"], m.get("stream_state"), message_text(m)[:40],
                                        m.get("blocks")) for m in replies])  # fmt: skip
    [reply] = replies
    assert claim["state"] == "done"
    assert claim["attempts"] >= 2
    assert claim["message_ts"] == [reply["ts"]]
    assert len(message_text(reply)) >= 650
    assert not message_text(reply).endswith("▍")
    assert len(model.requests(question)) >= 2


def test_an_error_after_the_first_post_is_retried_into_the_same_message(faults, sandbox, claims):
    # Outlasts slack_sdk's retries: the stream is refused, then the edit that carries on.
    for method in ("chat.appendStream", "chat.update"):
        faults.inject_fault(method=method, status=500, count=3)
    posted = sandbox.mention(unique("[[long:400]] [[slow:0.05]] answer despite Slack hiccups"))
    claim = claims.wait_final(posted["event_id"], timeout=60)

    [reply] = sandbox.bot_replies(posted["ts"])
    assert claim["state"] == "done" and claim["attempts"] == 2
    assert _words(message_text(reply)) == _words(long_answer(400))


def test_a_live_answer_is_not_stolen_by_slack_retries(sandbox, claims, model):
    # Streams for longer than the test stack's 6 s lease; the lease is renewed while it runs.
    question = unique("[[long:500]] [[slow:0.35]] a slow answer")
    posted = sandbox.mention(question, delivery="retry_storm")
    claim = claims.wait_final(posted["event_id"], timeout=60)

    assert claim["attempts"] == 1
    assert len(sandbox.bot_replies(posted["ts"])) == 1
    assert len(model.requests(question)) == 1


def test_a_poison_message_tells_the_user_and_goes_to_the_dead_letter_topic(
    stack, faults, sandbox, claims
):
    for method in ("chat.startStream", "chat.update"):  # no stream, and no edit ever works
        faults.inject_fault(method=method, status=500, count=10_000)
    posted = sandbox.mention(unique("this one can never be answered"))
    claim = claims.wait_final(posted["event_id"], timeout=120)
    faults.clear_faults()

    assert claim["state"] == "failed"
    texts = [message_text(m) for m in sandbox.bot_replies(posted["ts"])]
    assert any(INTERNAL_ERROR in text for text in texts), texts
    dead = _pull_dead_letters(stack, "mentions")
    assert posted["event_id"] in {json.loads(m.message.data)["event_id"] for m in dead}


def _pull_dead_letters(stack, topic):
    _, subscriber = emulator_clients(stack.env["PUBSUB_EMULATOR_HOST"])
    path = subscriber.subscription_path(stack.options.project, dead_letter_subscription(topic))

    def pulled():
        response = subscriber.pull(subscription=path, max_messages=50, timeout=5)
        if response.received_messages:
            with contextlib.suppress(Exception):
                ids = [m.ack_id for m in response.received_messages]
                subscriber.acknowledge(subscription=path, ack_ids=ids)
        return list(response.received_messages)

    return eventually(pulled, timeout=30, interval=0.5)


def test_a_stream_that_breaks_is_started_again_and_shown_whole(sandbox, claims, model):
    question = unique("[[drop:1]] an answer over a flaky connection")
    posted = sandbox.mention(question)
    claim = claims.wait_final(posted["event_id"])

    [reply] = sandbox.bot_replies(posted["ts"])
    assert claim["state"] == "done"
    assert message_text(reply) == f"Answer to: {question.replace('[[drop:1]] ', '')}"
    assert [r["outcome"] for r in model.requests(question)] == ["dropped", "ok"]


@pytest.mark.parametrize(
    ("directive", "expected"),
    [
        ("[[content_filter]]", "content filter blocked"),
        ("[[content_filter:stream]]", "content filter blocked"),
        ("[[context_length]]", "longer than the model can read"),
    ],
)
def test_refusals_by_the_model_get_specific_messages(sandbox, claims, directive, expected):
    posted = sandbox.mention(unique(f"{directive} please answer"))
    claim = claims.wait_final(posted["event_id"])

    [reply] = sandbox.bot_replies(posted["ts"])
    assert claim["state"] == "failed"
    assert expected in message_text(reply)


def test_slack_rate_limits_are_waited_out(faults, sandbox, claims):
    faults.inject_fault(method="chat.update", error="ratelimited", count=2, retry_after=1)
    posted = sandbox.mention(unique("answer even when Slack says slow down"))
    claim = claims.wait_final(posted["event_id"])

    [reply] = sandbox.bot_replies(posted["ts"])
    assert claim["state"] == "done" and claim["attempts"] == 1
    assert message_text(reply).startswith("Answer to: ")


def test_an_answer_slack_refuses_as_markdown_arrives_as_plain_text(faults, sandbox, claims):
    faults.inject_fault(method="chat.startStream", error="not_allowed_token_type", count=1)
    faults.inject_fault(method="chat.update", error="msg_too_long", count=1)
    posted = sandbox.mention(unique("[[long:5000]] an answer Slack will not take as Markdown"))
    claims.wait_final(posted["event_id"])

    replies = sandbox.bot_replies(posted["ts"])
    assert len(replies) >= 2  # plain text goes in pieces of at most 3,000 characters
    assert all(m.get("text") and not m.get("markdown_text") for m in replies)
    shown = "\n".join(message_text(m) for m in replies)
    assert _words(shown) == _words(long_answer(5000))


def _words(text: str) -> list[str]:
    """The words, ignoring code fences that splitting closes and reopens."""
    return [w for line in text.splitlines() if not line.startswith("```") for w in line.split()]


def test_a_429_is_retried_after_the_time_the_model_server_asks_for(sandbox, claims, model):
    question = unique("[[fail:429:1:retry_after=1]] busy for a moment")
    posted = sandbox.mention(question)
    claim = claims.wait_final(posted["event_id"])

    first, second = model.requests(question)
    waited = dt.datetime.fromisoformat(second["received_at"]) - dt.datetime.fromisoformat(
        first["received_at"]
    )
    assert claim["state"] == "done"
    assert (first["outcome"], second["outcome"]) == ("error:429", "ok")
    assert waited >= dt.timedelta(seconds=1)


def test_a_stream_that_goes_silent_is_retried_then_reported(sandbox, claims, model):
    # The test stack's OPENAI_TIMEOUT_SECONDS is 2: a 3 s silence between chunks is a stall.
    question = unique("[[slow:3]] a stream that stalls after its first words")
    posted = sandbox.mention(question)
    claim = claims.wait_final(posted["event_id"], timeout=60)

    [reply] = sandbox.bot_replies(posted["ts"])
    assert claim["state"] == "failed"
    assert "did not answer in time" in message_text(reply)
    assert len(model.requests(question)) == 3  # the first stream and two fresh starts
