"""`assistant.search.context`: Slack's Real-time Search over the sandbox's own workspace.

As docs.slack.dev/ai/using-data-access-api describes it for a bot token: the `action_token`
of a person's message event says who is searching, and only what that person may see comes
back, among the `channel_types` asked for (default `public_channel`): public channels, the
private channels they are in, their own DMs. Other apps' messages only with `include_bots`.
A message matches when it holds every word of the query. The response is
`{"results": {"messages": [...]}}` with the documented message fields.
"""

from __future__ import annotations

from .api_error import ApiError
from .call import Call, require
from .directory import CHANNELS, TEAM_ID, USERS, is_dm, is_private, members_of

__all__ = ["METHODS"]

CHANNEL_TYPES = frozenset({"public_channel", "private_channel", "mpim", "im"})
MAX_LIMIT = 20


def _searcher(token: str) -> str:
    """The person an action token (envelope.action_token_for) was issued for."""
    parts = token.split(".")
    if len(parts) != 3 or parts[2] != "sandbox" or parts[1] not in USERS:
        raise ApiError("invalid_action_token")
    return parts[1]


def _kind(channel_id: str) -> str:
    if is_dm(channel_id):
        return "im"
    return "private_channel" if is_private(channel_id) else "public_channel"


def _visible(channel_id: str, user: str) -> bool:
    if is_dm(channel_id):
        return CHANNELS[channel_id]["user"] == user
    return not is_private(channel_id) or user in members_of(channel_id)


def search_context(call: Call, args: dict) -> dict:
    require(args, "query")
    user = _searcher(str(args.get("action_token") or ""))
    types = {t.strip() for t in str(args.get("channel_types") or "public_channel").split(",")}
    if not types <= CHANNEL_TYPES:
        raise ApiError("invalid_arguments", messages=["[ERROR] unknown channel_types"])
    try:
        limit = max(1, min(int(args.get("limit") or MAX_LIMIT), MAX_LIMIT))
    except ValueError:
        raise ApiError("invalid_arguments") from None
    bots = str(args.get("include_bots", "")).lower() in ("1", "true")
    words = [w for w in str(args["query"]).lower().split() if w]
    found = []
    for channel_id in CHANNELS:
        if _kind(channel_id) not in types or not _visible(channel_id, user):
            continue
        for message in call.workspace.conversation(channel_id):
            text = str(message.get("text") or "")
            if (message.get("bot_id") and not bots) or not all(w in text.lower() for w in words):
                continue
            found.append(_result(call, channel_id, message))
    found.sort(key=lambda r: r["message_ts"], reverse=True)
    return {"results": {"messages": found[:limit]}, "response_metadata": {"next_cursor": ""}}


def _result(call: Call, channel_id: str, message: dict) -> dict:
    author = USERS.get(str(message.get("user")), {})
    link = f"{call.base_url}/archives/{channel_id}/p{message['ts'].replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != message["ts"]:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return {
        "author_name": author.get("real_name", ""),
        "author_user_id": str(message.get("user") or ""),
        "team_id": TEAM_ID,
        "channel_id": channel_id,
        "channel_name": CHANNELS[channel_id]["name"] or channel_id,
        "message_ts": message["ts"],
        "content": str(message.get("text") or ""),
        "is_author_bot": bool(message.get("bot_id")),
        "permalink": link,
    }


METHODS = {"assistant.search.context": search_context}
