"""The Approve / Deny card posted in the thread, and the click that comes back (pure).

The card shows what would be called with which arguments. What the model wrote is untrusted,
so the arguments are plain text (Slack renders no mention, link or formatting in it) and the
tool's name is escaped. The buttons carry only the pending call's id: what runs is what was
stored when the model asked, never what a click says (Slack signs the click, and ingress
checks the signature, but the stored call is the one that was shown).

    >>> blocks = approval_blocks("a1", title="notes: create_note", arguments={"text": "<!here>"},
    ...     asker="U1", minutes=15)
    >>> blocks[1]["text"]["type"], "<!here>" in blocks[1]["text"]["text"]
    ('plain_text', True)
    >>> [element["action_id"] for element in blocks[-1]["elements"]]
    ['approval_approve', 'approval_deny']
    >>> decided = decided_blocks([{"type": "section"}, *blocks], "a1", "Denied by <@U1>.")
    >>> [block["type"] for block in decided]
    ['section', 'section', 'section', 'context', 'context']
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "APPROVAL_KIND",
    "APPROVE",
    "DENY",
    "ApprovalClick",
    "approval_blocks",
    "decided_blocks",
    "parse_approval",
]

APPROVE, DENY = "approval_approve", "approval_deny"
APPROVAL_KIND = "approval"
_BLOCK_PREFIX = "approval:"
_ARGUMENT_CHARS = 2_900  # a section's text holds 3,000


def _escaped(text: str) -> str:
    """Slack's three control characters, so a name cannot become a link or a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def approval_blocks(
    pending: str, *, title: str, arguments: Mapping[str, Any], asker: str, minutes: int
) -> list[dict[str, Any]]:
    shown = json.dumps(dict(arguments), indent=2, ensure_ascii=False)
    if len(shown) > _ARGUMENT_CHARS:
        shown = shown[: _ARGUMENT_CHARS - 1] + "…"
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*Approve this action?* `{_escaped(title)}`"},
        },
        {"type": "section", "text": {"type": "plain_text", "text": shown or "{}"}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"It runs only if <@{asker}> clicks Approve within {minutes} "
                    "minutes. Nothing has changed yet.",
                }
            ],
        },
        {
            "type": "actions",
            "block_id": f"{_BLOCK_PREFIX}{pending}",
            "elements": [
                _button("Approve", APPROVE, pending, "primary"),
                _button("Deny", DENY, pending, "danger"),
            ],
        },
    ]


def _button(label: str, action_id: str, pending: str, style: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label},
        "style": style,
        "value": pending,
    }


def decided_blocks(
    blocks: Sequence[Mapping[str, Any]], pending: str, outcome: str
) -> list[dict[str, Any]]:
    """The message's blocks with this call's buttons replaced by how it was decided."""
    replaced = []
    for block in blocks:
        if block.get("type") == "actions" and block.get("block_id") == _BLOCK_PREFIX + pending:
            replaced.append({"type": "context", "block_id": block["block_id"],
                             "elements": [{"type": "mrkdwn", "text": outcome}]})  # fmt: skip
        else:
            replaced.append(dict(block))
    return replaced


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApprovalClick:
    """A click on Approve or Deny, as ingress passes it to the responder."""

    pending: str
    approve: bool
    team: str
    channel: str
    user: str  # who clicked
    message_ts: str  # the answer holding the card
    thread_ts: str = ""
    # The message as the click showed it, so the card can be rewritten without reading it.
    text: str = ""
    blocks: tuple[Mapping[str, Any], ...] = ()

    def to_json(self) -> bytes:
        data = {**dataclasses.asdict(self), "kind": APPROVAL_KIND, "blocks": list(self.blocks)}
        return json.dumps(data, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> ApprovalClick:
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("kind") != APPROVAL_KIND:
            raise ValueError("not an approval click")
        blocks = raw.get("blocks") or []
        if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
            raise ValueError("an approval click's blocks are a list of objects")
        strings = ("pending", "team", "channel", "user", "message_ts", "thread_ts", "text")
        values = {key: str(raw.get(key) or "") for key in strings}
        if not values["pending"].isalnum() or not values["user"]:
            raise ValueError("an approval click names its pending call and who clicked")
        return cls(approve=raw.get("approve") is True, blocks=tuple(blocks), **values)


def parse_approval(payload: Mapping[str, Any]) -> ApprovalClick | None:
    """The Approve / Deny click in a `block_actions` payload; None when it holds none."""
    action = next(
        (a for a in payload.get("actions") or () if a.get("action_id") in (APPROVE, DENY)), None
    )
    if action is None:
        return None
    user = payload["user"]
    message = payload.get("message") or {}
    container = payload.get("container") or {}
    blocks = message.get("blocks") or []
    return ApprovalClick(
        pending=str(action.get("value") or ""),
        approve=action["action_id"] == APPROVE,
        team=str(user.get("team_id") or (payload.get("team") or {}).get("id") or ""),
        channel=str((payload.get("channel") or {}).get("id") or container.get("channel_id", "")),
        user=str(user["id"]),
        message_ts=str(message.get("ts") or container.get("message_ts") or ""),
        thread_ts=str(message.get("thread_ts") or container.get("thread_ts") or ""),
        text=str(message.get("text") or ""),
        blocks=tuple(b for b in blocks if isinstance(b, dict)),
    )
