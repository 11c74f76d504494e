"""The 👍 / 👎 buttons under an answer and the click that comes back (pure).

The buttons are a `context_actions` block with one `feedback_buttons` element; each button's
`value` names the answer (its event id and model), so a click is recorded without a lookup.
Slack sends the clicked button's `value` back in a `block_actions` payload.

    >>> block = feedback_block(event_id="Ev1", model="gpt-4o-mini")
    >>> parse_value(block["elements"][0]["negative_button"]["value"])
    ('negative', 'Ev1', 'gpt-4o-mini')
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

__all__ = ["ACTION_ID", "Feedback", "feedback_block", "parse_value"]

ACTION_ID = "answer_feedback"
VOTES = ("positive", "negative")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Feedback:
    event_id: str  # the mention the answer was for
    model: str
    team: str
    channel: str
    user: str  # who clicked
    value: str  # positive or negative
    message_ts: str = ""
    thread_ts: str = ""

    def to_json(self) -> bytes:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Feedback:
        raw = json.loads(data)
        known = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: str(value) for key, value in raw.items() if key in known})


def feedback_block(*, event_id: str, model: str) -> dict[str, Any]:
    def button(vote: str, text: str, label: str) -> dict[str, Any]:
        value = json.dumps({"v": vote, "e": event_id, "m": model}, separators=(",", ":"))
        return {
            "text": {"type": "plain_text", "text": text},
            "accessibility_label": label,
            "value": value[:2000],
        }

    return {
        "type": "context_actions",
        "block_id": "feedback",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": ACTION_ID,
                # Slack draws the thumbs; the text is the button's label.
                "positive_button": button("positive", "Good answer", "This answer was helpful"),
                "negative_button": button("negative", "Bad answer", "This answer was not helpful"),
            }
        ],
    }


def parse_value(value: object) -> tuple[str, str, str] | None:
    """(vote, event id, model) from a button's value; None if it is not one of ours."""
    try:
        data = json.loads(str(value))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") not in VOTES:
        return None
    event_id, model = data.get("e"), data.get("m")
    if not isinstance(event_id, str) or not event_id or not isinstance(model, str):
        return None
    return data["v"], event_id, model
