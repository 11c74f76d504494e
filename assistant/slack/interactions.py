"""What ingress decides about one Slack interactivity request (a button click): pure.

Slack POSTs `application/x-www-form-urlencoded` with one field, `payload`, holding JSON, signed
exactly like events. Only our feedback, Stop, Approve / Deny and routines' buttons are acted
on; anything else signed is acked and ignored (Slack shows an error to the person if the ack
does not come within 3 s).

>>> from assistant.slack.events import FixedClock, SignatureVerifier
>>> verifier = SignatureVerifier("secret", clock=FixedClock(1_700_000_000))
>>> decide_interaction(body=b"payload=%7B%7D", headers={}, verifier=verifier).status
401
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from assistant.answer.stops import StopRequest
from assistant.approvals.card import ApprovalClick, parse_approval
from assistant.feedback.buttons import ACTION_ID, Feedback, parse_value
from assistant.routines.actions import RoutineAction, parse_action
from assistant.slack.events import RequestHeaders, signed_by_slack
from assistant.slack.stop_button import STOP_ACTION_ID, parse_stop_value

__all__ = ["InteractionDecision", "decide_interaction"]


@dataclasses.dataclass(frozen=True)
class InteractionDecision:
    status: int
    body: str = ""
    feedback: Feedback | None = None
    routine_action: RoutineAction | None = None
    stop: StopRequest | None = None
    approval: ApprovalClick | None = None
    reason: str = ""


def decide_interaction(
    *, body: bytes, headers: RequestHeaders, verifier: SignatureVerifier
) -> InteractionDecision:
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        return InteractionDecision(401, "missing signature", reason="missing signature headers")
    if not signed_by_slack(verifier, body, timestamp, signature):
        return InteractionDecision(401, "invalid signature", reason="bad or stale signature")
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        payload = json.loads(fields["payload"][0])
    except (UnicodeDecodeError, ValueError, KeyError, IndexError):
        return InteractionDecision(400, "no JSON payload", reason="malformed interaction")
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return InteractionDecision(200, reason="ignored interaction type")
    try:
        approval = parse_approval(payload)
        routine_action = parse_action(payload)
        feedback = _feedback(payload) if routine_action is None else None
        stop = _stop(payload) if routine_action is None and feedback is None else None
    except (KeyError, TypeError, AttributeError, ValueError):
        return InteractionDecision(400, "malformed block_actions", reason="malformed interaction")
    if approval is not None:
        return InteractionDecision(200, approval=approval, reason="approval click")
    if routine_action is not None:
        return InteractionDecision(200, routine_action=routine_action, reason="routine click")
    if stop is not None:
        return InteractionDecision(200, stop=stop, reason="stop")
    if feedback is None:
        return InteractionDecision(200, reason="not a feedback click")
    return InteractionDecision(200, feedback=feedback, reason="feedback")


def _stop(payload: dict[str, Any]) -> StopRequest | None:
    action = next(
        (a for a in payload.get("actions") or () if a.get("action_id") == STOP_ACTION_ID), None
    )
    parsed = parse_stop_value(action.get("value")) if action is not None else None
    if parsed is None:
        return None
    message_key, asker = parsed
    user = payload["user"]
    message = payload.get("message") or {}
    container = payload.get("container") or {}
    channel = (payload.get("channel") or {}).get("id") or container.get("channel_id", "")
    return StopRequest(
        team_id=str(user.get("team_id") or (payload.get("team") or {}).get("id") or ""),
        channel=str(channel),
        thread_ts=str(message.get("thread_ts") or container.get("thread_ts") or ""),
        user=str(user["id"]),
        message_key=message_key,
        asker=asker,
    )


def _feedback(payload: dict[str, Any]) -> Feedback | None:
    action = next(
        (a for a in payload.get("actions") or () if a.get("action_id") == ACTION_ID), None
    )
    if action is None:
        return None
    parsed = parse_value(action.get("value"))
    if parsed is None:
        return None
    vote, event_id, model = parsed
    user = payload["user"]
    message = payload.get("message") or {}
    container = payload.get("container") or {}
    channel = (payload.get("channel") or {}).get("id") or container.get("channel_id", "")
    return Feedback(
        event_id=event_id,
        model=model,
        team=str(user.get("team_id") or (payload.get("team") or {}).get("id") or ""),
        channel=str(channel),
        user=str(user["id"]),
        value=vote,
        message_ts=str(message.get("ts") or container.get("message_ts") or ""),
        thread_ts=str(message.get("thread_ts") or ""),
    )
