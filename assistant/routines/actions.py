"""The routines' buttons and the clicks that come back (pure).

A proposed routine is posted spelled out with Confirm / Cancel; nothing is saved until its
creator clicks Confirm. The Confirm button's value carries the whole proposal (Slack keeps a
button's value with the message and sends it back signed), so an unconfirmed routine exists
nowhere but in that message. `@assistant routines` lists routines with a Cancel button each.

    >>> from datetime import UTC, datetime
    >>> from assistant.routines.routine import State
    >>> from assistant.routines.schedule import WEEKDAYS, Schedule
    >>> draft = Routine(id="r1", team="T1", creator="U1", created_in="C1", target="C1",
    ...     sources=("C2",), schedule=Schedule(days=WEEKDAYS, time="09:00", zone="UTC"),
    ...     window_hours=24, instruction="summarise", state=State.ACTIVE,
    ...     next_run=datetime(2026, 7, 6, 9, tzinfo=UTC))
    >>> decode_draft(encode_draft(draft), next_run=draft.next_run) == draft
    True
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from assistant.routines.routine import Routine, State
from assistant.routines.schedule import Schedule

__all__ = [
    "ACTION_IDS",
    "CANCEL",
    "CONFIRM",
    "DISCARD",
    "RoutineAction",
    "decode_draft",
    "encode_draft",
    "listing_blocks",
    "parse_action",
    "proposal_blocks",
    "spelled_out",
]

CONFIRM, DISCARD, CANCEL = "routine_confirm", "routine_discard", "routine_cancel"
ACTION_IDS = (CONFIRM, DISCARD, CANCEL)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoutineAction:
    """A click on one of the routines' buttons, as ingress passes it to the responder."""

    action: str  # one of ACTION_IDS
    value: str  # CONFIRM: the encoded proposal; otherwise the routine's id
    team: str
    channel: str
    user: str  # who clicked
    message_ts: str  # the message holding the button
    thread_ts: str = ""

    def to_json(self) -> bytes:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> RoutineAction:
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("action") not in ACTION_IDS:
            raise ValueError("not a routine action")
        known = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: str(value) for key, value in raw.items() if key in known})


def parse_action(payload: Mapping[str, Any]) -> RoutineAction | None:
    """The routine click in a `block_actions` payload; None when it holds none of ours."""
    action = next(
        (a for a in payload.get("actions") or () if a.get("action_id") in ACTION_IDS), None
    )
    if action is None:
        return None
    user = payload["user"]
    message = payload.get("message") or {}
    container = payload.get("container") or {}
    return RoutineAction(
        action=str(action["action_id"]),
        value=str(action.get("value") or ""),
        team=str(user.get("team_id") or (payload.get("team") or {}).get("id") or ""),
        channel=str((payload.get("channel") or {}).get("id") or container.get("channel_id", "")),
        user=str(user["id"]),
        message_ts=str(message.get("ts") or container.get("message_ts") or ""),
        thread_ts=str(message.get("thread_ts") or ""),
    )


def encode_draft(routine: Routine) -> str:
    """The proposal as a button value (Slack allows 2,000 characters; the instruction is
    bounded when the routine is drafted)."""
    return json.dumps(
        {
            "i": routine.id,
            "m": routine.team,
            "u": routine.creator,
            "c": routine.created_in,
            "t": routine.target,
            "s": list(routine.sources),
            "sc": routine.schedule.to_document(),
            "w": routine.window_hours,
            "n": routine.instruction,
        },
        separators=(",", ":"),
    )


def decode_draft(value: str, *, next_run: datetime) -> Routine:
    raw = json.loads(value)
    return Routine(
        id=str(raw["i"]),
        team=str(raw["m"]),
        creator=str(raw["u"]),
        created_in=str(raw["c"]),
        target=str(raw["t"]),
        sources=tuple(str(source) for source in raw["s"]),
        schedule=Schedule.from_document(dict(raw["sc"])),
        window_hours=int(raw["w"]),
        instruction=str(raw["n"]),
        state=State.ACTIVE,
        next_run=next_run,
    )


def spelled_out(routine: Routine, names: Mapping[str, str]) -> str:
    """One routine in words: when, what, from where, to where."""
    sources = ", ".join(f"#{names.get(source, source)}" for source in routine.sources)
    target = names.get(routine.target, routine.target)
    # The instruction is the model's words: escaped, so it can hold no Slack link or mention.
    instruction = (
        routine.instruction.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )
    return (
        f"{routine.schedule.describe()}: recap the last {routine.window_hours} hours of "
        f"{sources} into #{target}, as asked: “{instruction}”"
    )


def _button(text: str, action_id: str, value: str, style: str = "") -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def proposal_blocks(routine: Routine, names: Mapping[str, str], first_run: str) -> list[dict]:
    text = (
        f"*New routine*, not saved yet: {spelled_out(routine, names)}\n"
        f"First run: {first_run}. Only the person who asked for it can confirm it."
    )
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": "routine_proposal",
            "elements": [
                _button("Confirm", CONFIRM, encode_draft(routine), "primary"),
                _button("Cancel", DISCARD, routine.id),
            ],
        },
    ]


def listing_blocks(
    routines: Sequence[Routine], names: Mapping[str, str], when: Mapping[str, str]
) -> list[dict]:
    """Each routine, its next run and a Cancel button."""
    blocks: list[dict] = []
    for number, routine in enumerate(routines, 1):
        state = "" if routine.state is State.ACTIVE else f" ({routine.state.value})"
        text = f"{number}. {spelled_out(routine, names)}{state}\nNext run: {when[routine.id]}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        blocks.append(
            {
                "type": "actions",
                "block_id": f"routine_{routine.id}",
                "elements": [_button(f"Cancel {number}", CANCEL, routine.id, "danger")],
            }
        )
    return blocks
