"""Events API payloads built from stored messages, field for field like Slack's."""

from __future__ import annotations

import base64
import json
import re
import secrets
import string

from .directory import APP_ID, BOT_USER_ID, TEAM_ID, bot_profile, channel_type

__all__ = [
    "app_mention_event",
    "event_callback",
    "message_event",
    "new_event_id",
    "rich_text_blocks",
]

TOKEN = re.compile(r"<([@#!])?([^>|]+)(?:\|([^>]*))?>")


def action_token_for(user: str, ts: str) -> str:
    return f"{ts.replace('.', '')}.{user}.sandbox"


def new_event_id() -> str:
    return "Ev" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(10))


def rich_text_blocks(text: str) -> list[dict]:
    """The rich_text block Slack's clients attach to what a person typed."""
    elements: list[dict] = []
    position = 0
    for match in TOKEN.finditer(text):
        if match.start() > position:
            elements.append({"type": "text", "text": text[position : match.start()]})
        sigil, target, label = match.groups()
        if sigil == "@":
            elements.append({"type": "user", "user_id": target})
        elif sigil == "#":
            elements.append({"type": "channel", "channel_id": target})
        elif sigil == "!":
            elements.append({"type": "broadcast", "range": target})
        else:
            link = {"type": "link", "url": target}
            if label:
                link["text"] = label
            elements.append(link)
        position = match.end()
    if position < len(text):
        elements.append({"type": "text", "text": text[position:]})
    block_id = base64.b32encode(secrets.token_bytes(3)).decode().rstrip("=")[:5]
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": block_id, "elements": [section]}]


def _event_fields(event_type: str, message: dict, channel: str, files: list[dict]) -> dict:
    """What `message` and `app_mention` events share, in Slack's field order."""
    event: dict = {"type": event_type, "user": message.get("user")}
    if message.get("bot_id"):
        event.update(
            bot_id=message["bot_id"],
            app_id=message.get("app_id", APP_ID),
            bot_profile=message.get("bot_profile") or bot_profile(),
            username=message.get("username"),
            icons=message.get("icons"),
        )
    event.update(
        text=message.get("text", ""),
        ts=message["ts"],
        team=TEAM_ID,
        blocks=message.get("blocks") or rich_text_blocks(message.get("text", "")),
        channel=channel,
        event_ts=message["ts"],
    )
    if message.get("client_msg_id"):
        event["client_msg_id"] = message["client_msg_id"]
        # A person interacting with the app: Slack's token for searching as them
        # (assistant.search.context), which the sandbox reads back in search_methods.py.
        event["action_token"] = action_token_for(str(message.get("user")), message["ts"])
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        event["thread_ts"] = message["thread_ts"]
        event["parent_user_id"] = message.get("parent_user_id")
    if files:
        event.update(files=files, upload=False, display_as_bot=False)
    return event


def message_event(message: dict, channel: str, files: list[dict]) -> dict:
    """A `message` event (message.channels, message.groups or message.im).

    Its `subtype` is the message's own (bot_message, thread_broadcast), else
    file_share when a person's message carries files; channel_type names the
    conversation: channel, group (a private channel) or im.
    """
    event = _event_fields("message", message, channel, files)
    subtype = message.get("subtype")
    if subtype is None and files and not message.get("bot_id"):
        subtype = "file_share"
    event = {"type": "message", "subtype": subtype, **event}
    event["channel_type"] = channel_type(channel)
    return {k: v for k, v in event.items() if v is not None}


def app_mention_event(message: dict, channel: str, files: list[dict]) -> dict:
    """An `app_mention` event: no subtype and no channel_type, even with files."""
    event = _event_fields("app_mention", message, channel, files)
    return {k: v for k, v in event.items() if v is not None}


def _event_context(event: dict) -> str:
    context = {"et": event.get("type"), "tid": TEAM_ID, "aid": APP_ID, "cid": event.get("channel")}
    encoded = base64.urlsafe_b64encode(json.dumps(context, separators=(",", ":")).encode())
    return "4-" + encoded.decode().rstrip("=")


def event_callback(event: dict, *, event_id: str, event_time: int, verification_token: str) -> dict:
    """The outer envelope Slack POSTs to the Request URL."""
    return {
        "token": verification_token,
        "team_id": TEAM_ID,
        "context_team_id": TEAM_ID,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": _event_context(event),
    }
