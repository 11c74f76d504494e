"""auth.test, conversations.* and users.info: reading the workspace."""

from __future__ import annotations

import base64
import binascii

from .api_error import ApiError
from .call import Call, require, resolve_channel
from .directory import (
    BOT_ID,
    BOT_USER_ID,
    CHANNELS,
    TEAM_ID,
    TEAM_NAME,
    USERS,
    channel_object,
    user_object,
)
from .workspace import parse_ts

__all__ = ["METHODS", "decode_cursor", "encode_cursor"]


def encode_cursor(ts: str) -> str:
    """Slack's cursors are base64 of `next_ts:<ts digits>`; bots must treat them as opaque."""
    return base64.b64encode(f"next_ts:{parse_ts(ts)}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, value = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind != "next_ts":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError("invalid_cursor") from None


def _limit(args: dict, default: int, maximum: int) -> int:
    try:
        limit = int(args.get("limit") or default)
    except ValueError:
        raise ApiError("invalid_limit") from None
    return max(1, min(limit, maximum))


def _window(messages: list[dict], args: dict) -> list[dict]:
    """Apply oldest/latest/inclusive, Slack's time window arguments."""
    inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
    oldest = parse_ts(str(args["oldest"])) if args.get("oldest") else None
    latest = parse_ts(str(args["latest"])) if args.get("latest") else None

    def inside(message: dict) -> bool:
        ts = parse_ts(message["ts"])
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        return latest is None or ts < latest or (ts == latest and inclusive)

    return [m for m in messages if inside(m)]


def _page(call: Call, messages: list[dict], args: dict, limit: int, *, newest_first: bool):
    if args.get("cursor"):
        start = decode_cursor(str(args["cursor"]))
        messages = [
            m
            for m in messages
            if (parse_ts(m["ts"]) <= start if newest_first else parse_ts(m["ts"]) >= start)
        ]
    page, rest = messages[:limit], messages[limit:]
    body = {
        "messages": [call.view(m) for m in page],
        "has_more": bool(rest),
        "response_metadata": {"next_cursor": encode_cursor(rest[0]["ts"]) if rest else ""},
    }
    return body


def replies(call: Call, args: dict) -> dict:
    require(args, "channel", "ts")
    channel = resolve_channel(args["channel"])
    thread = call.workspace.thread(channel, str(args["ts"]))
    if not thread:
        raise ApiError("thread_not_found")
    root_ts = thread[0].get("thread_ts") or thread[0]["ts"]
    if root_ts != thread[0]["ts"]:
        # Asked with a reply's ts: Slack answers with the whole thread.
        thread = call.workspace.thread(channel, root_ts)
    messages = _window(thread, args)
    return _page(call, messages, args, _limit(args, 1000, 1000), newest_first=False)


def history(call: Call, args: dict) -> dict:
    require(args, "channel")
    channel = resolve_channel(args["channel"])
    messages = _window(list(reversed(call.workspace.top_level(channel))), args)
    body = _page(call, messages, args, _limit(args, 100, 999), newest_first=True)
    return {**body, "pin_count": 0, "channel_actions_ts": None, "channel_actions_count": 0}


def info(call: Call, args: dict) -> dict:
    require(args, "channel")
    channel = channel_object(resolve_channel(args["channel"]))
    return {"channel": channel}


def conversation_list(call: Call, args: dict) -> dict:
    types = str(args.get("types") or "public_channel").split(",")
    wanted = {"im": True, "public_channel": False}
    chosen = [
        channel_object(cid)
        for cid, c in CHANNELS.items()
        if any(wanted.get(t.strip()) == c["is_im"] for t in types)
    ]
    return {"channels": chosen, "response_metadata": {"next_cursor": ""}}


def users_info(call: Call, args: dict) -> dict:
    require(args, "user")
    user = user_object(str(args["user"]))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user}


def users_list(call: Call, args: dict) -> dict:
    members = [user_object(user_id) for user_id in USERS]
    return {"members": members, "cache_ts": 0, "response_metadata": {"next_cursor": ""}}


def auth_test(call: Call, args: dict) -> dict:
    return {
        "url": f"{call.base_url}/",
        "team": TEAM_NAME,
        "user": USERS[BOT_USER_ID]["name"],
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


METHODS = {
    "auth.test": auth_test,
    "conversations.replies": replies,
    "conversations.history": history,
    "conversations.info": info,
    "conversations.list": conversation_list,
    "users.info": users_info,
    "users.list": users_list,
}
