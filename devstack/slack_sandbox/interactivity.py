"""Button clicks, sent to the app's interactivity Request URL the way Slack sends them.

`POST /_sandbox/actions {channel, ts, user?, action_id, value?, repeat?}` finds the button in the
stored message's blocks (a `button`, or one half of `feedback_buttons` picked by `value`), builds a
`block_actions` payload, and POSTs it form-encoded (`payload=<json>`), signed like events.
`repeat` sends the same click again (a retry after a lost ack). Slack gives the app 3 s to ack.
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlencode

import aiohttp

from .api_error import ApiError
from .directory import TEAM_ID
from .signing import signed_headers
from .workspace import Workspace

__all__ = ["Interactions", "find_action"]

ACK_TIMEOUT = 3.0


def find_action(message: dict, action_id: str, value: str | None) -> dict | None:
    """The element a click on `action_id` (with `value`) means, as Slack reports it."""
    # A streamed message carries its blocks (the Stop button) in `blocks` chunks too.
    streamed = [b for c in message.get("chunks") or () if c.get("type") == "blocks"
                for b in c.get("blocks") or ()]  # fmt: skip
    for block in [*(message.get("blocks") or ()), *streamed]:
        for element in block.get("elements") or ():
            if not isinstance(element, dict) or element.get("action_id") != action_id:
                continue
            if element.get("type") == "feedback_buttons":
                for half in ("positive_button", "negative_button"):
                    button = element.get(half) or {}
                    if value is None or button.get("value") == value:
                        return {
                            "type": "feedback_buttons",
                            "action_id": action_id,
                            "block_id": block.get("block_id", ""),
                            "text": button.get("text", {}),
                            "value": button.get("value", ""),
                        }
            elif value is None or element.get("value") == value:
                return {
                    "type": element.get("type", "button"),
                    "action_id": action_id,
                    "block_id": block.get("block_id", ""),
                    "value": element.get("value", ""),
                }
    return None


class Interactions:
    def __init__(self, *, url: str | None, signing_secret: str, workspace: Workspace) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.workspace = workspace

    def payload(self, channel: str, ts: str, user: str, action: dict) -> dict:
        message = self.workspace.find(channel, ts)
        return {
            "type": "block_actions",
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0SANDBOX",
            "team": {"id": TEAM_ID, "domain": "sandbox"},
            "container": {"type": "message", "message_ts": ts, "channel_id": channel},
            "channel": {"id": channel},
            "message": {
                k: v
                for k, v in message.items()
                if k in ("ts", "thread_ts", "text", "blocks", "user", "bot_id")
            },
            "trigger_id": uuid.uuid4().hex,
            "response_url": "",
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }

    async def click(self, request: dict) -> dict:
        if not self.url:
            return {"ok": False, "error": "no_interactivity_url"}
        channel, ts = str(request.get("channel", "")), str(request.get("ts", ""))
        action_id = str(request.get("action_id", ""))
        value = request.get("value")
        try:
            message = self.workspace.find(channel, ts)
        except ApiError as error:
            return {"ok": False, "error": error.error}
        action = find_action(message, action_id, None if value is None else str(value))
        if action is None:
            return {"ok": False, "error": "action_not_found"}
        payload = self.payload(channel, ts, str(request.get("user") or "U0ALICE"), action)
        body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
        statuses = []
        async with aiohttp.ClientSession() as session:
            for _ in range(max(1, int(request.get("repeat") or 1))):
                headers = signed_headers(self.signing_secret, int(time.time()), body)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                try:
                    async with session.post(
                        self.url,
                        data=body,
                        headers=headers,
                        timeout=aiohttp.ClientTimeout(total=ACK_TIMEOUT),
                    ) as response:
                        statuses.append(response.status)
                except (TimeoutError, aiohttp.ClientError):
                    statuses.append("timeout")
        return {"ok": all(s == 200 for s in statuses), "statuses": statuses, "action": action}
