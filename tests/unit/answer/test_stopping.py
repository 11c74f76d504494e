"""Stopping an answer: the click as Slack sends it, who may stop, and the refusal."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient

from assistant.answer.stopping import NOT_YOURS, StopHandler, assistant_event_from_json
from assistant.answer.stops import StopRequest, StopWatch
from assistant.slack.events import FixedClock, SignatureVerifier
from assistant.slack.interactions import decide_interaction
from assistant.slack.opened import DmOpened
from assistant.slack.stop_button import STOP_ACTION_ID, stop_block
from devstack.slack_sandbox.signing import signed_headers
from tests.e2e.harness import unique
from tests.memory_stores import MemoryStops

NOW = 1_700_000_000
SECRET = "signing-secret"
KEY = "T0SANDBOX:C0GENERAL:1700000000.000100"


def stop_click(user: str) -> bytes:
    value = stop_block(message_key=KEY, asker="U0ALICE")["elements"][0]["value"]
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": "T0SANDBOX"},
        "channel": {"id": "C0GENERAL"},
        "message": {"ts": "1700000001.000200", "thread_ts": "1700000000.000100"},
        "actions": [{"type": "button", "action_id": STOP_ACTION_ID, "value": value}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_a_signed_click_on_stop_becomes_a_stop_request_for_that_answer():
    body = stop_click("U0BOB")
    verifier = SignatureVerifier(SECRET, clock=FixedClock(NOW))
    decision = decide_interaction(
        body=body, headers=signed_headers(SECRET, NOW, body), verifier=verifier
    )
    assert decision.status == 200 and decision.feedback is None
    assert decision.stop == StopRequest(team_id="T0SANDBOX", channel="C0GENERAL",
                                        thread_ts="1700000000.000100", user="U0BOB",
                                        message_key=KEY, asker="U0ALICE")  # fmt: skip
    # It travels on the assistant-events topic beside the DM openings.
    assert assistant_event_from_json(decision.stop.to_json()) == decision.stop
    opened = DmOpened(event_id="Ev1", team_id="T1", channel="D1", user="U1")
    assert assistant_event_from_json(opened.to_json()) == opened


@pytest.fixture
def client(local_slack):
    return WebClient(token=local_slack.bot_token, base_url=local_slack.api_url)


def request(user: str, thread_ts: str) -> StopRequest:
    return StopRequest(team_id="T0SANDBOX", channel="C0GENERAL", thread_ts=thread_ts, user=user,
                       message_key=KEY, asker="U0ALICE")  # fmt: skip


@pytest.mark.parametrize("user", ["U0ALICE", "U0CAROL"])  # the asker, a workspace admin
def test_the_asker_or_an_admin_stops_the_answer(client, user):
    stops = MemoryStops()
    assert StopHandler(client, stops).handle(request(user, "1700000000.000100"))
    assert stops.requested(KEY) == user


def test_anyone_else_is_told_politely_and_the_answer_goes_on(client, local_slack):
    stops = MemoryStops()
    thread = local_slack.post(unique("a question"))["ts"]
    assert not StopHandler(client, stops).handle(request("U0BOB", thread))
    assert stops.requested(KEY) == ""
    [said] = [c for c in local_slack.calls("chat.postEphemeral")
              if c["args"]["thread_ts"] == thread]  # fmt: skip
    assert said["args"]["user"] == "U0BOB" and said["args"]["text"] == NOT_YOURS


def test_a_stop_watch_sees_a_stop_already_requested_at_once():
    stops = MemoryStops()
    stops.request(KEY, by="U0ALICE")
    with StopWatch(lambda: stops.requested(KEY), interval=60) as watch:
        assert watch.stopped and watch.by == "U0ALICE"
