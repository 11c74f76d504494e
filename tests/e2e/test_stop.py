"""Stopping an answer through the whole stack: the Stop button on the streaming answer, clicked
in the sandbox, signed to ingress, published on assistant-events, checked by the responder, and
the answering delivery stopping within 2 s with what it had written."""

from __future__ import annotations

import time

from assistant.answer.responder import STOPPED_NOTE
from assistant.answer.stopping import NOT_YOURS
from assistant.slack.stop_button import STOP_ACTION_ID
from tests.e2e.harness import eventually, message_text, unique


def streaming_reply(sandbox, thread_ts):
    replies = sandbox.bot_replies(thread_ts)
    if replies and replies[0].get("stream_state") == "streaming" and message_text(replies[0]):
        return replies[0]
    return None


def press_stop(sandbox, reply, user):
    response = sandbox.http.post(
        f"{sandbox.base_url}/_sandbox/actions",
        json={"channel": "C0GENERAL", "ts": reply["ts"], "action_id": STOP_ACTION_ID,
              "user": user},
        timeout=10,
    )  # fmt: skip
    assert response.json()["statuses"] == [200]


def test_only_the_asker_stops_an_answer_and_it_stops_within_two_seconds(sandbox, claims, model):
    question = unique("[[long:4000]] [[slow:0.05]] a long story")
    posted = sandbox.mention(question)  # by U0ALICE
    reply = eventually(lambda: streaming_reply(sandbox, posted["ts"]), timeout=20, interval=0.05)

    press_stop(sandbox, reply, "U0BOB")  # not his question: refused, only he is told
    told = eventually(lambda: [c for c in sandbox.calls("chat.postEphemeral")
                               if c["args"].get("thread_ts") == posted["ts"]])  # fmt: skip
    assert told[0]["args"]["user"] == "U0BOB" and told[0]["args"]["text"] == NOT_YOURS
    assert streaming_reply(sandbox, posted["ts"]) is not None  # still going

    pressed = time.monotonic()
    press_stop(sandbox, reply, "U0ALICE")
    claim = claims.wait_final(posted["event_id"], timeout=30)
    [final] = sandbox.bot_replies(posted["ts"])
    assert final.get("stream_state") == "stopped"
    assert time.monotonic() - pressed < 2.5  # the click's round trip included
    assert message_text(final).endswith(STOPPED_NOTE)
    assert claim["state"] == "done" and claim["attempts"] == 1
    assert len(model.requests(question)) == 1  # nothing started it again
