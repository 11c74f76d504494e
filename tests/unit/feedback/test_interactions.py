"""A feedback click as Slack sends it: signed, form-encoded, block_actions."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from assistant.feedback.buttons import ACTION_ID, Feedback, feedback_block
from assistant.slack.events import FixedClock, SignatureVerifier
from assistant.slack.interactions import decide_interaction
from devstack.slack_sandbox.interactivity import find_action
from devstack.slack_sandbox.signing import signed_headers

NOW = 1_700_000_000
SECRET = "signing-secret"
VERIFIER = SignatureVerifier(SECRET, clock=FixedClock(NOW))


def click_body(value: str, action_id: str = ACTION_ID) -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": "U2", "team_id": "T1"},
        "channel": {"id": "C1"},
        "message": {"ts": "10.2", "thread_ts": "10.1"},
        "actions": [{"type": "feedback_buttons", "action_id": action_id, "value": value}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def decide(body: bytes, *, secret: str = SECRET, at: int = NOW):
    return decide_interaction(
        body=body, headers=signed_headers(secret, at, body), verifier=VERIFIER
    )


def button_value(vote: str) -> str:
    element = feedback_block(event_id="Ev1", model="gpt-4o")["elements"][0]
    return element[f"{vote}_button"]["value"]


def test_a_signed_click_on_our_button_becomes_feedback_on_that_answer():
    decision = decide(click_body(button_value("positive")))
    assert decision.status == 200
    assert decision.feedback == Feedback(
        event_id="Ev1", model="gpt-4o", team="T1", channel="C1", user="U2", value="positive",
        message_ts="10.2", thread_ts="10.1",
    )  # fmt: skip
    assert Feedback.from_json(decision.feedback.to_json()) == decision.feedback


def test_a_forged_or_stale_click_is_refused_with_401():
    body = click_body(button_value("negative"))
    assert decide(body, secret="guessed").status == 401
    assert decide(body, at=NOW - 600).status == 401
    assert decide_interaction(body=body, headers={}, verifier=VERIFIER).status == 401


def test_other_signed_interactions_are_acked_and_ignored():
    assert decide(click_body(button_value("positive"), action_id="other")).feedback is None
    assert decide(click_body('{"v": "meh", "e": "Ev1", "m": "x"}')).feedback is None
    assert decide(b"payload=not-json").status == 400


def test_the_sandbox_reports_the_clicked_half_of_the_feedback_buttons():
    message = {
        "blocks": [{"type": "markdown", "text": "hi"}, feedback_block(event_id="E", model="m")]
    }
    value = json.dumps({"v": "negative", "e": "E", "m": "m"}, separators=(",", ":"))
    action = find_action(message, ACTION_ID, value)
    assert action == {
        "type": "feedback_buttons",
        "action_id": ACTION_ID,
        "block_id": "feedback",
        "text": {"type": "plain_text", "text": "Bad answer"},  # as in Slack's action payload
        "value": value,
    }
