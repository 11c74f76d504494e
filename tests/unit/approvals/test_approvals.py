"""Approving a tool call that may write: the signed click as Slack sends it, the card, what a
click does to the stored call, and the continuation it leads to (pure parts)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from assistant.answer.stopping import assistant_event_from_json
from assistant.approvals.card import APPROVE, DENY, ApprovalClick, approval_blocks
from assistant.approvals.clicks import continuation
from assistant.approvals.pending import (
    PendingCall,
    State,
    decide,
    outcome_round,
    pending_id,
    settle_stale,
)
from assistant.mention import Mention
from assistant.slack.events import FixedClock, SignatureVerifier
from assistant.slack.interactions import decide_interaction
from devstack.slack_sandbox.signing import signed_headers

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
SECRET = "signing-secret"
MENTION = Mention(event_id="Ev1", team_id="T0SANDBOX", channel="C0GENERAL", user="U0ALICE",
                  text="<@U0BOT> note this", ts="1700000000.000100",
                  thread_ts="1700000000.000100", bot_user_id="U0BOT",
                  action_token="secret-token")  # fmt: skip


def pending(**changes) -> PendingCall:
    mention = json.loads(MENTION.to_json())
    values = dict(id=pending_id(MENTION.message_key, "notes__create_note", {"text": "x"}),
                  team="T0SANDBOX", channel="C0GENERAL", thread_ts=MENTION.thread_ts,
                  asker="U0ALICE", tool="notes__create_note", server="notes",
                  server_tool="create_note", arguments={"text": "x"}, mention=mention,
                  created_at=NOW, expires_at=NOW + timedelta(minutes=15))  # fmt: skip
    return PendingCall(**{**values, **changes})


def click_body(action: str, user: str, value: str) -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": "T0SANDBOX"},
        "channel": {"id": "C0GENERAL"},
        "message": {"ts": "1700000001.000200", "thread_ts": "1700000000.000100",
                    "text": "Approve this action?", "blocks": [{"type": "section"}]},
        "actions": [{"type": "button", "action_id": action, "value": value}],
    }  # fmt: skip
    return urlencode({"payload": json.dumps(payload)}).encode()


@pytest.mark.parametrize(("action", "approve"), [(APPROVE, True), (DENY, False)])
def test_a_signed_click_on_approve_or_deny_travels_to_the_responder(action, approve):
    body = click_body(action, "U0BOB", "a" * 32)
    verifier = SignatureVerifier(SECRET, clock=FixedClock(1_700_000_000))
    decision = decide_interaction(
        body=body, headers=signed_headers(SECRET, 1_700_000_000, body), verifier=verifier
    )
    assert decision.status == 200 and decision.approval is not None
    click = decision.approval
    assert (click.pending, click.approve, click.user) == ("a" * 32, approve, "U0BOB")
    assert (click.channel, click.message_ts) == ("C0GENERAL", "1700000001.000200")
    assert assistant_event_from_json(click.to_json()) == click  # on the assistant-events topic


def test_an_unsigned_click_is_refused():
    body = click_body(APPROVE, "U0ALICE", "a" * 32)
    verifier = SignatureVerifier(SECRET, clock=FixedClock(1_700_000_000))
    headers = signed_headers("another-secret", 1_700_000_000, body)
    decision = decide_interaction(body=body, headers=headers, verifier=verifier)
    assert decision.status == 401 and decision.approval is None


@pytest.mark.parametrize("value", ["../routines/x", "", "a b"])
def test_a_click_that_names_no_pending_call_is_not_read(value):
    click = ApprovalClick(pending=value, approve=True, team="T1", channel="C1", user="U1",
                          message_ts="1.000001")  # fmt: skip
    with pytest.raises(ValueError):
        ApprovalClick.from_json(click.to_json())


def test_the_card_shows_the_arguments_as_plain_text_and_escapes_the_tool_name():
    blocks = approval_blocks("a1", title="x: <!channel>", arguments={"text": "<@U0BOB> *hi*"},
                             asker="U0ALICE", minutes=15)  # fmt: skip
    assert blocks[0]["text"]["text"] == "*Approve this action?* `x: &lt;!channel&gt;`"
    assert blocks[1]["text"] == {"type": "plain_text", "text": '{\n  "text": "<@U0BOB> *hi*"\n}'}
    assert "<@U0ALICE> clicks Approve within 15 minutes" in str(blocks[2])


def test_each_state_after_pending_is_final_for_a_click():
    for state in (State.RUNNING, State.DONE, State.DENIED, State.EXPIRED, State.UNKNOWN):
        decision = decide(pending(state=state), user="U0ALICE", approve=True, now=NOW)
        assert decision.refusal == "already_decided" and not decision.run


def test_only_a_running_call_past_any_calls_time_becomes_unknown():
    running = pending(state=State.RUNNING, decided_by="U0ALICE", decided_at=NOW)
    assert (
        settle_stale(running, now=NOW + timedelta(seconds=30), running_for=timedelta(seconds=60))
        is None
    )
    settled = settle_stale(
        running, now=NOW + timedelta(minutes=2), running_for=timedelta(seconds=60)
    )
    assert settled is not None and settled.state is State.UNKNOWN
    assert "outcome is unknown" in settled.result
    assert (
        settle_stale(pending(), now=NOW + timedelta(days=1), running_for=timedelta(seconds=60))
        is None
    )


def test_a_stored_call_reads_back_the_same():
    call = pending(state=State.DONE, decided_by="U0ALICE", decided_at=NOW, result="ok")
    assert PendingCall.from_document(call.to_document(), id=call.id) == call


def test_the_continuation_answers_in_the_thread_as_the_asker_once_per_decision():
    call = pending(state=State.DONE, decided_by="U0ALICE", decided_at=NOW, result="Created.")
    first, again = continuation(call), continuation(call)

    assert first.message_key == again.message_key and first.event_id == again.event_id
    assert (first.thread_ts, first.user, first.approval) == (MENTION.thread_ts, "U0ALICE", call.id)
    assert first.action_token == "" and first.files == ()
    assert Mention.from_json(first.to_json()) == first  # it travels on the mentions topic
    [result] = outcome_round(call).results
    assert result.text == "Approved by the person, and run. Its result:\nCreated."
