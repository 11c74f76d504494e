"""A tool call that may write, waiting for the asker's click, and what a click does to it (pure).

When the model calls a tool that may change something (an MCP tool the server does not mark
read-only, or one the settings list under `confirm`), nothing runs: a `PendingCall` is stored
and the answer shows it with Approve and Deny buttons. Only the person who asked may decide,
once, before it expires:

    pending --Approve--> running --(the call returns)--> done
       |                    +--(the instance died while it ran)--> unknown
       +--Deny--> denied
       +--(expires_at passed)--> expired

Every state after `pending` is final for the decision: a double click, Slack's retry or a
redelivered push finds the call decided and runs nothing (`decide`). A call is never run twice:
`running` is written before the call starts, and a `running` call whose runner vanished
becomes `unknown`, never `pending` again. Each final state then continues the answer in the
thread (`continuation`), where the model gets the outcome as the call's result.

    >>> from datetime import UTC, datetime, timedelta
    >>> now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    >>> call = PendingCall(id="a1", team="T1", channel="C1", thread_ts="1.000001", asker="U1",
    ...     tool="notes__create_note", server="notes", server_tool="create_note",
    ...     arguments={"text": "hi"}, mention={}, created_at=now,
    ...     expires_at=now + timedelta(minutes=15))
    >>> decide(call, user="U2", approve=True, now=now).refusal
    'not_asker'
    >>> decide(call, user="U1", approve=True, now=now).call.state
    <State.RUNNING: 'running'>
    >>> decide(call, user="U1", approve=False, now=now + timedelta(hours=1)).call.state
    <State.EXPIRED: 'expired'>
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from assistant.llm.messages import Message, ToolCall
from assistant.llm.tools import ToolRound

__all__ = [
    "FINAL",
    "Decision",
    "PendingCall",
    "State",
    "call_id",
    "continuation_question",
    "decide",
    "expire",
    "outcome_round",
    "outcome_text",
    "pending_id",
    "settle_stale",
]


class State(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    DENIED = "denied"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # started, and its runner stopped before it could say how it went


FINAL = frozenset({State.DONE, State.DENIED, State.EXPIRED, State.UNKNOWN})


def pending_id(message_key: str, tool: str, arguments: Mapping[str, Any]) -> str:
    """The same call proposed twice in one answer (a replayed round) is one pending call."""
    canonical = json.dumps(dict(arguments), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{message_key}\n{tool}\n{canonical}".encode()).hexdigest()[:32]


def call_id(pending: str) -> str:
    """The tool call's id in the continuation's replayed round (`outcome_round`)."""
    return f"call_approval_{pending[:20]}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class PendingCall:
    id: str
    team: str
    channel: str
    thread_ts: str
    asker: str
    tool: str  # the name the model called: `<server>__<tool>`
    server: str
    server_tool: str  # the server's own name for it
    arguments: Mapping[str, Any]
    mention: Mapping[str, Any]  # the question's Mention (JSON), to continue its answer
    created_at: datetime
    expires_at: datetime
    state: State = State.PENDING
    decided_by: str = ""
    decided_at: datetime | None = None
    result: str = ""  # the call's framed result, or why it did not run

    @property
    def title(self) -> str:
        return f"{self.server}: {self.server_tool}"

    @property
    def continuation_ts(self) -> str:
        """The continuation's own message key (`<seconds>.<micro>` of the decision): one
        continuation per decision, however often the decision is delivered."""
        moment = self.decided_at or self.expires_at
        return f"{moment.timestamp():.6f}"

    def to_document(self) -> dict[str, Any]:
        document = dataclasses.asdict(self)
        document["state"] = self.state.value
        document["arguments"] = json.dumps(dict(self.arguments))
        document["mention"] = json.dumps(dict(self.mention))
        del document["id"]
        return document

    @classmethod
    def from_document(cls, document: Mapping[str, Any], *, id: str) -> PendingCall:
        values = {field.name: document[field.name] for field in dataclasses.fields(cls)
                  if field.name in document and field.name != "id"}  # fmt: skip
        values["state"] = State(values.get("state", State.PENDING.value))
        values["arguments"] = json.loads(values.get("arguments") or "{}")
        values["mention"] = json.loads(values.get("mention") or "{}")
        return cls(id=id, **values)


@dataclasses.dataclass(frozen=True)
class Decision:
    """What a click does: the call as it is now, and a refusal ("" when it was decided now)."""

    call: PendingCall
    refusal: str = ""  # not_asker | already_decided
    changed: bool = False  # the call's state was changed by this click (store it)

    @property
    def run(self) -> bool:
        """This click approved the call: run it now (nobody else ever will)."""
        return self.changed and self.call.state is State.RUNNING


def decide(call: PendingCall, *, user: str, approve: bool, now: datetime) -> Decision:
    if call.state is not State.PENDING:
        return Decision(call, refusal="already_decided")
    if now >= call.expires_at:
        return Decision(_expired(call), changed=True)
    if user != call.asker:
        return Decision(call, refusal="not_asker")
    state = State.RUNNING if approve else State.DENIED
    return Decision(
        dataclasses.replace(call, state=state, decided_by=user, decided_at=now), changed=True
    )


def expire(call: PendingCall, *, now: datetime) -> PendingCall | None:
    """The call, expired, if it is still pending past its time (the scheduler's sweep)."""
    if call.state is State.PENDING and now >= call.expires_at:
        return _expired(call)
    return None


def _expired(call: PendingCall) -> PendingCall:
    return dataclasses.replace(
        call, state=State.EXPIRED, decided_at=call.expires_at, result=_EXPIRED.format(call=call)
    )


def settle_stale(call: PendingCall, *, now: datetime, running_for: timedelta) -> PendingCall | None:
    """A call left `running` longer than a call can take: its runner is gone, and whether it
    wrote is unknown. It is not run again."""
    if call.state is State.RUNNING and call.decided_at and now - call.decided_at > running_for:
        return dataclasses.replace(call, state=State.UNKNOWN, result=_UNKNOWN.format(call=call))
    return None


_EXPIRED = (
    "Not run: nobody approved {call.title} before it expired. Answer without it; the person "
    "can ask again if they still want it."
)
_DENIED = "Not run: the person clicked Deny. Answer without it, and do not call it again."
_UNKNOWN = (
    "Approved, and started, but its outcome is unknown: the service stopped while {call.title} "
    "ran. Do not assume it worked or failed; tell the person to check before asking again."
)


def outcome_text(call: PendingCall) -> str:
    """What the model is told the call gave back, once decided."""
    if call.state is State.DONE:
        return f"Approved by the person, and run. Its result:\n{call.result}"
    if call.state is State.DENIED:
        return _DENIED
    return call.result


def outcome_round(call: PendingCall) -> ToolRound:
    """The decided call as the round the continuation's model starts from: its call, then
    its outcome as the result (the answer goes on as if the tool had just returned)."""
    arguments = json.dumps(dict(call.arguments), separators=(",", ":"))
    call_ref = ToolCall(id=call_id(call.id), name=call.tool, arguments=arguments)
    return ToolRound(
        Message.assistant("", tool_calls=(call_ref,)),
        (Message.tool_result(call_ref.id, outcome_text(call)),),
    )


def continuation_question(call: PendingCall) -> str:
    """The continuation's question, as the thread's history keeps it."""
    if call.state is State.DENIED:
        return f"(Denied: {call.title}.)"
    if call.state is State.EXPIRED:
        return f"(Not approved in time: {call.title}.)"
    return f"(Approved: {call.title}.) Go on with my request."
