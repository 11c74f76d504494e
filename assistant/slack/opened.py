"""Someone opened the bot's DM: the event ingress passes on so the DM can offer prompts.

Two shapes, one message. Apps with `agent_view` (every new app) get `app_home_opened` with
`tab == "messages"`, whose `channel` is the DM; suggested prompts there are the DM's own and
must be set without a `thread_ts` (Slack ignores the call silently otherwise). Apps on the
legacy `assistant_view` get `assistant_thread_started`, naming the new assistant thread's
`channel_id` and `thread_ts`, and the prompts belong to that thread.

Ingress has no Slack client and no bot token: it publishes a `DmOpened` to the
`assistant-events` topic and the responder makes the call (`assistant/slack/suggestions.py`).

>>> DmOpened.from_json(DmOpened(event_id="Ev1", team_id="T1", channel="D1", user="U1").to_json())
DmOpened(event_id='Ev1', team_id='T1', channel='D1', user='U1', thread_ts='')
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from assistant.slack_ids import is_event_id, is_slack_id, is_ts, require

__all__ = ["OPENED_EVENTS", "DmOpened", "dm_opened_from"]

OPENED_EVENTS = frozenset({"app_home_opened", "assistant_thread_started"})


@dataclasses.dataclass(frozen=True, kw_only=True)
class DmOpened:
    event_id: str
    team_id: str
    channel: str  # the DM
    user: str  # who opened it
    thread_ts: str = ""  # the legacy assistant thread; "" in agent_view (the DM as a whole)

    def __post_init__(self) -> None:
        # The same checks as a mention's: whoever published it, an id out of Slack's format is
        # refused rather than passed to the Web API.
        require("event_id", self.event_id, is_event_id)
        for field in ("team_id", "channel", "user"):
            require(field, getattr(self, field), is_slack_id)
        if self.thread_ts:
            require("thread_ts", self.thread_ts, is_ts)

    def to_json(self) -> bytes:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> DmOpened:
        """ValueError or TypeError when the message is not one (the push is refused)."""
        raw = json.loads(data)
        if not isinstance(raw, dict):
            raise TypeError("a DmOpened is a JSON object")
        known = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in raw.items() if key in known}
        if not all(isinstance(value, str) for value in values.values()):
            raise TypeError("a DmOpened's fields are strings")
        return cls(**values)


def dm_opened_from(payload: dict[str, Any]) -> DmOpened | None:
    """The DmOpened an event_callback carries; None for any other event (or the Home tab).
    KeyError, TypeError or ValueError when it is one of ours but malformed."""
    event = payload.get("event")
    if not isinstance(event, dict) or event.get("type") not in OPENED_EVENTS:
        return None  # not ours (a malformed envelope is the mention parser's to refuse)
    common = {"event_id": payload["event_id"], "team_id": payload["team_id"]}
    if event["type"] == "app_home_opened":
        if event.get("tab") != "messages":
            return None  # the Home tab: nothing to offer there
        return DmOpened(**common, channel=event["channel"], user=event["user"])
    thread = event["assistant_thread"]
    if not isinstance(thread, dict):
        raise TypeError("assistant_thread is not an object")
    return DmOpened(
        **common,
        channel=thread["channel_id"],
        user=thread["user_id"],
        thread_ts=thread["thread_ts"],
    )
