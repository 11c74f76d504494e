"""The Stop button on an answer while it streams, and reading a click on it back (pure).

The button's value names the answer (the question's message key) and who asked it, so the
responder can refuse anyone else without looking the answer up. Slack does not let a person
edit a button's value, and the click arrives signed.

>>> block = stop_block(message_key="T1:C1:1.000001", asker="U1")
>>> parse_stop_value(block["elements"][0]["value"])
('T1:C1:1.000001', 'U1')
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["STOP_ACTION_ID", "parse_stop_value", "stop_block"]

STOP_ACTION_ID = "answer_stop"


def stop_block(*, message_key: str, asker: str) -> dict[str, Any]:
    value = json.dumps({"k": message_key, "a": asker}, separators=(",", ":"))
    return {
        "type": "actions",
        "block_id": "answer_stop",
        "elements": [
            {
                "type": "button",
                "action_id": STOP_ACTION_ID,
                "text": {"type": "plain_text", "text": "Stop"},
                "style": "danger",
                "value": value,
                "accessibility_label": "Stop this answer",
            }
        ],
    }


def parse_stop_value(value: object) -> tuple[str, str] | None:
    """(message key, asker), or None for a value that is not ours."""
    try:
        raw = json.loads(str(value))
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    key, asker = raw.get("k"), raw.get("a")
    if not isinstance(key, str) or not isinstance(asker, str):
        return None
    return key, asker
