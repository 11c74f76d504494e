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
    bot_is_member,
    bot_object,
    channel_object,
    is_dm,
    is_private,
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


def _ts_arg(args: dict, name: str) -> int | None:
    """oldest/latest as microseconds; Slack names a malformed one invalid_ts_<name>."""
    value = args.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_ts(str(value))
    except ValueError:
        raise ApiError(f"invalid_ts_{name}") from None


def _window(messages: list[dict], args: dict) -> list[dict]:
    """Apply oldest/latest/inclusive, Slack's time window arguments."""
    inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
    oldest, latest = _ts_arg(args, "oldest"), _ts_arg(args, "latest")

    def inside(message: dict) -> bool:
        ts = parse_ts(message["ts"])
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        return latest is None or ts < latest or (ts == latest and inclusive)

    return [m for m in messages if inside(m)]


def _page(call: Call, messages: list[dict], args: dict, limit: int, *, newest_first: bool):
    """One page after the cursor. Cursors name the first message not yet returned,
    and ts are unique, so walking the pages never skips or repeats a message."""
    if args.get("cursor"):
        start = decode_cursor(str(args["cursor"]))
        messages = [
            m
            for m in messages
            if (parse_ts(m["ts"]) <= start if newest_first else parse_ts(m["ts"]) >= start)
        ]
    page, rest = messages[:limit], messages[limit:]
    metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
    body = {
        "messages": [_without_others_metadata(call.view(m), metadata) for m in page],
        "has_more": bool(rest),
        "response_metadata": {"next_cursor": encode_cursor(rest[0]["ts"]) if rest else ""},
    }
    return body


def _without_others_metadata(view: dict, include_all: bool) -> dict:
    # Read as Slack documents include_all_metadata ("return all metadata"): without
    # it, only the metadata the calling app itself posted comes back.
    if not include_all and view.get("bot_id") != BOT_ID:
        view.pop("metadata", None)
    return view


def readable_channel(value: object) -> str:
    """A conversation the bot may read. One it is not in is answered as Slack answers a bot
    about a private channel it was never invited to: as if it did not exist."""
    channel = resolve_channel(value)
    if not bot_is_member(channel):
        raise ApiError("channel_not_found")
    return channel


def replies(call: Call, args: dict) -> dict:
    require(args, "channel", "ts")
    channel = readable_channel(args["channel"])
    thread = call.workspace.thread(channel, str(args["ts"]))
    if not thread:
        raise ApiError("thread_not_found")
    root_ts = thread[0].get("thread_ts") or thread[0]["ts"]
    if root_ts != thread[0]["ts"]:
        # Asked with a reply's ts: Slack answers with the whole thread.
        thread = call.workspace.thread(channel, root_ts)
    parent, *rest = thread
    # oldest/latest choose among the replies; the parent always leads the first page,
    # as Slack's answers do (the docs are silent; see the README).
    messages = [parent, *(m for m in _window(rest, args))]
    return _page(call, messages, args, _limit(args, 1000, 1000), newest_first=False)


def history(call: Call, args: dict) -> dict:
    require(args, "channel")
    channel = readable_channel(args["channel"])
    messages = _window(list(reversed(call.workspace.top_level(channel))), args)
    body = _page(call, messages, args, _limit(args, 100, 999), newest_first=True)
    return {**body, "pin_count": 0, "channel_actions_ts": None, "channel_actions_count": 0}


def info(call: Call, args: dict) -> dict:
    require(args, "channel")
    channel = channel_object(readable_channel(args["channel"]))
    return {"channel": channel}


def conversation_list(call: Call, args: dict) -> dict:
    types = {t.strip() for t in str(args.get("types") or "public_channel").split(",")}
    # A bot lists every public channel, and only the private ones it is in.
    chosen = [
        channel_object(cid)
        for cid in CHANNELS
        if _list_type(cid) in types and (_list_type(cid) == "public_channel" or bot_is_member(cid))
    ]
    return {"channels": chosen, "response_metadata": {"next_cursor": ""}}


def _list_type(channel_id: str) -> str:
    """The conversations.list `types` value a conversation answers to."""
    if is_dm(channel_id):
        return "im"
    return "private_channel" if is_private(channel_id) else "public_channel"


def bots_info(call: Call, args: dict) -> dict:
    bot = bot_object(str(args.get("bot") or ""))
    if bot is None:
        raise ApiError("bot_not_found")
    return {"bot": bot}


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
    "bots.info": bots_info,
    "conversations.replies": replies,
    "conversations.history": history,
    "conversations.info": info,
    "conversations.list": conversation_list,
    "users.info": users_info,
    "users.list": users_list,
}
