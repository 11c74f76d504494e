"""A mention is answered in its thread, exactly once, through the real push path.

Slack sandbox -> signed event -> ingress -> Pub/Sub emulator -> push -> responder
-> Firestore emulator + model server -> Slack sandbox.
"""

from __future__ import annotations

import requests

from assistant.answer.commands import RESET_TEXT
from assistant.mention import Mention
from assistant.pubsub.publish import publish_mention
from assistant.slack.reply import PROGRESS_TEXT
from tests.e2e.harness import (
    eventually,
    last_user_text,
    message_text,
    push_envelope,
    unique,
)


def ask(sandbox, claims, question, **kwargs):
    posted = sandbox.mention(question, **kwargs)
    claim = claims.wait_final(posted["event_id"])
    return posted, claim


def test_a_mention_gets_one_threaded_reply_with_the_models_answer(sandbox, claims, model):
    question = unique("what is a Pub/Sub ordering key?")
    posted, claim = ask(sandbox, claims, question)

    replies = sandbox.bot_replies(posted["ts"])
    assert len(replies) == 1
    assert replies[0]["thread_ts"] == posted["ts"]
    assert message_text(replies[0]) == f"Answer to: {question}"
    assert claim["state"] == "done"
    assert [last_user_text(r) for r in model.requests(question)] == [question]


def test_the_reply_streams_natively_into_one_message(sandbox, claims):
    question = unique("[[slow:0.2]] explain streaming in a few words please")
    posted, _ = ask(sandbox, claims, question)

    [reply] = sandbox.bot_replies(posted["ts"])
    assert reply.get("appends", 0) >= 1, "started, appended to, then stopped with the rest"
    assert reply.get("stream_state") == "stopped" and reply.get("updates", 0) == 0
    assert message_text(reply).startswith("Answer to: explain streaming")
    assert not message_text(reply).endswith("▍")


def test_slack_delivering_the_same_event_four_times_gives_one_reply(sandbox, claims, model):
    question = unique("retry storm")
    posted = sandbox.mention(question, delivery="retry_storm")
    claims.wait_final(posted["event_id"])

    eventually(lambda: len(sandbox.deliveries(posted["event_id"])) == 4)
    # Every copy went through ingress to Pub/Sub; give the later ones time to reach the responder.
    eventually(lambda: len(sandbox.bot_replies(posted["ts"])) >= 1)
    ask(sandbox, claims, unique("after the storm"), thread_ts=posted["ts"])
    assert len(sandbox.bot_replies(posted["ts"])) == 2  # one per distinct event
    assert len(model.requests(question)) == 1


def test_a_pubsub_redelivery_of_a_handled_message_gives_no_second_reply(stack, sandbox, claims):
    question = unique("redelivered")
    posted, _ = ask(sandbox, claims, question)
    mention = Mention(
        event_id=posted["event_id"],
        team_id="T0SANDBOX",
        channel="C0GENERAL",
        user="U0ALICE",
        text=f"<@U0BOT> {question}",
        ts=posted["ts"],
        thread_ts=posted["ts"],
    )

    # The same push message again, as Pub/Sub sends it after a lost ack...
    response = requests.post(
        stack.urls["responder"],
        data=push_envelope(
            mention.to_json(),
            message_id="redelivered-1",
            ordering_key=mention.thread_key,
            attempt=2,
        ),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 204
    # ...and a second copy published to the topic, as a Slack retry would be.
    publish_mention(project=stack.options.project, topic="mentions", mention=mention)
    ask(sandbox, claims, unique("next question"), thread_ts=posted["ts"])  # queued behind it

    assert len(sandbox.bot_replies(posted["ts"])) == 2


def test_the_second_turn_sends_the_first_turn_to_the_model(sandbox, claims, model):
    first = unique("my name is Ada")
    posted, _ = ask(sandbox, claims, first)
    second = unique("what is my name?")
    ask(sandbox, claims, second, thread_ts=posted["ts"])

    [request] = model.requests(second)
    messages = request["body"]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == first
    assert messages[2]["content"] == f"Answer to: {first}"
    assert messages[3]["content"] == second


def test_two_mentions_in_one_thread_are_answered_in_order(sandbox, claims, model):
    posted, _ = ask(sandbox, claims, unique("start a thread"))
    first_question = unique("[[slow:0.1]] first follow-up")
    second_question = unique("second follow-up")
    first = sandbox.mention(first_question, thread_ts=posted["ts"])
    # Slack itself may deliver two events out of order; ours is the order ingress received them.
    eventually(lambda: sandbox.deliveries(first["event_id"]))
    second = sandbox.mention(second_question, thread_ts=posted["ts"])
    claims.wait_final(first["event_id"])
    claims.wait_final(second["event_id"])

    replies = sandbox.bot_replies(posted["ts"])
    assert len(replies) == 3
    assert "first follow-up" in message_text(replies[1])
    assert "second follow-up" in message_text(replies[2])
    # The second question was asked against history that already had the first answer.
    [request] = model.requests(second_question)
    contents = [m["content"] for m in request["body"]["messages"]]
    assert "Answer to: first follow-up" in " ".join(contents[:-1])


def test_reset_forgets_the_thread(sandbox, claims, model):
    remembered = unique("remember the number 42")
    posted, _ = ask(sandbox, claims, remembered)
    ask(sandbox, claims, "reset", thread_ts=posted["ts"])
    after = unique("what number?")
    ask(sandbox, claims, after, thread_ts=posted["ts"])

    replies = sandbox.bot_replies(posted["ts"])
    assert message_text(replies[1]) == RESET_TEXT
    [request] = model.requests(after)
    assert [m["role"] for m in request["body"]["messages"]] == ["system", "user"]


def test_a_model_error_that_clears_on_retry_is_invisible(sandbox, claims, model):
    question = unique("[[fail:500:1]] flaky model")
    posted, claim = ask(sandbox, claims, question)
    assert claim["state"] == "done"
    assert [r["outcome"] for r in model.requests(question)] == ["error:500", "ok"]
    assert message_text(sandbox.bot_replies(posted["ts"])[0]).startswith("Answer to:")


def _assert_readable_failure(sandbox, claims, question, expected):
    posted, claim = ask(sandbox, claims, question)
    assert claim["state"] == "failed"
    [reply] = sandbox.bot_replies(posted["ts"])
    text = message_text(reply)
    assert expected in text
    assert "Traceback" not in text and PROGRESS_TEXT not in text
    return posted


def test_a_model_that_keeps_failing_ends_in_a_readable_message(sandbox, claims, model):
    question = unique("[[fail:500:99]] broken model")
    _assert_readable_failure(sandbox, claims, question, "HTTP 500")
    assert len(model.requests(question)) == 3  # the first try and two retries


def test_a_rate_limited_model_ends_in_a_readable_message(sandbox, claims, model):
    question = unique("[[fail:429:99:retry_after=0]] busy model")
    _assert_readable_failure(sandbox, claims, question, "rate-limited")
    assert len(model.requests(question)) == 3


def test_a_model_that_never_answers_times_out_with_a_readable_message(sandbox, claims, model):
    question = unique("[[stall:30]] silent model")
    _assert_readable_failure(sandbox, claims, question, "did not answer in time")


def test_unsigned_requests_are_refused_and_publish_nothing(stack, sandbox, claims):
    body = b'{"type":"event_callback","event_id":"EvFORGED","team_id":"T0SANDBOX","event":{}}'
    response = requests.post(
        stack.ingress_url, data=body, timeout=5, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert claims.get("EvFORGED") is None


def test_the_claim_records_the_reply_so_a_redelivery_would_edit_it(sandbox, claims):
    posted, claim = ask(sandbox, claims, unique("where is my answer"))
    assert claim["message_ts"] == [sandbox.bot_replies(posted["ts"])[0]["ts"]]


def test_an_answer_longer_than_a_slack_message_continues_in_further_messages(sandbox, claims):
    posted = sandbox.mention(unique("[[long:30000]] write a very long answer"))
    claims.wait_final(posted["event_id"], timeout=60)

    replies = sandbox.bot_replies(posted["ts"])
    assert len(replies) == 3
    assert all(len(message_text(m)) <= 12_000 for m in replies)
    assert sum(len(message_text(m)) for m in replies) >= 30_000 - 100
    for reply in replies:
        assert message_text(reply).count("```") % 2 == 0  # each message renders on its own


def test_slacks_url_verification_handshake_succeeds(sandbox):
    result = sandbox.http.post(
        f"{sandbox.base_url}/_sandbox/url_verification", json={"challenge": "c-42"}, timeout=10
    ).json()
    assert result["ok"] and result["status"] == 200
    assert result["challenge"] == "c-42"


def test_a_direct_message_is_answered_without_a_mention(sandbox, claims):
    question = unique("hello from a DM")
    posted = sandbox.post(question, channel="D0ALICE")
    claims.wait_final(posted["event_id"])

    [reply] = sandbox.bot_replies(posted["ts"], channel="D0ALICE")
    assert message_text(reply) == f"Answer to: {question}"
