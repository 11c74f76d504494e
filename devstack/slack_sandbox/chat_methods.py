"""chat.postMessage / update / delete / getPermalink, reactions.* (assistant.*: elsewhere)."""

from __future__ import annotations

from .api_error import ApiError
from .call import Call, bot_fields, require, resolve_channel
from .directory import BOT_USER_ID, USERS
from .validation import check_content, check_metadata

__all__ = ["METHODS"]


def _truthy(value: object) -> bool:
    return str(value).lower() in ("1", "true", "yes")


def _content_fields(content) -> dict:
    if content.markdown_text is not None:
        return {"text": content.markdown_text, "markdown_text": content.markdown_text}
    fields = {"text": content.text or ""}
    if content.blocks is not None:
        fields["blocks"] = content.blocks
    if content.attachments is not None:
        fields["attachments"] = content.attachments
    return fields


def identity_fields(args: dict) -> dict:
    """chat:write.customize: a bot may post (or stream) under another name and icon."""
    fields: dict = {}
    if args.get("username"):
        fields["username"] = str(args["username"])
    if args.get("icon_emoji") or args.get("icon_url"):
        icon = (
            ("emoji", args["icon_emoji"])
            if args.get("icon_emoji")
            else ("image_48", args["icon_url"])
        )
        fields["icons"] = {icon[0]: str(icon[1])}
    return fields


def post_message(call: Call, args: dict) -> dict:
    require(args, "channel")
    channel = resolve_channel(args["channel"])
    content = check_content(args)
    fields = {**bot_fields(), **_content_fields(content)}
    metadata = check_metadata(args.get("metadata"))
    if metadata:
        fields["metadata"] = metadata
    fields.update(identity_fields(args))
    thread_ts = args.get("thread_ts") or None
    if thread_ts and _truthy(args.get("reply_broadcast")):
        fields["subtype"] = "thread_broadcast"
    message = call.workspace.post(channel, fields, thread_ts=thread_ts)
    return {"channel": channel, "ts": message["ts"], "message": call.view(message)}


def _own_message(call: Call, args: dict, refusal: str) -> tuple[str, dict]:
    require(args, "channel", "ts")
    channel = resolve_channel(args["channel"])
    message = call.workspace.find(channel, str(args["ts"]))
    if message.get("user") != BOT_USER_ID:
        raise ApiError(refusal)
    return channel, message


def update(call: Call, args: dict) -> dict:
    channel, message = _own_message(call, args, "cant_update_message")
    if message.get("stream_state") == "streaming":
        raise ApiError("streaming_state_conflict")
    content = check_content(args, require=False)
    metadata = check_metadata(args.get("metadata"))
    if content.markdown_text is not None:
        changes = {
            "text": content.markdown_text,
            "markdown_text": content.markdown_text,
            "blocks": None,
            "attachments": None,
        }
    elif content.blocks is not None or content.text is not None or content.attachments:
        # Per chat.update: text without blocks drops the old blocks.
        changes = {"markdown_text": None, "blocks": content.blocks}
        if content.text is not None:
            changes["text"] = content.text
        if content.attachments is not None:
            changes["attachments"] = content.attachments
    elif metadata is None:
        raise ApiError("no_text")
    else:
        changes = {}
    if metadata is not None:
        changes["metadata"] = metadata or None
    # Slack shows "(edited)" for text edits, not for blocks-only edits.
    if content.text is not None or content.markdown_text is not None:
        changes["edited"] = {"user": BOT_USER_ID, "ts": call.workspace.next_ts()}
    updated = call.workspace.update(channel, message["ts"], changes)
    view = call.view(updated)
    return {"channel": channel, "ts": updated["ts"], "text": updated["text"], "message": view}


def delete(call: Call, args: dict) -> dict:
    channel, message = _own_message(call, args, "cant_delete_message")
    call.workspace.delete(channel, message["ts"])
    return {"channel": channel, "ts": message["ts"]}


def post_ephemeral(call: Call, args: dict) -> dict:
    """chat.postEphemeral: seen by `user` alone, never stored in the conversation."""
    require(args, "channel", "user")
    channel = resolve_channel(args["channel"])
    if str(args["user"]) not in USERS:
        raise ApiError("user_not_found")
    content = check_content(args)
    payload = {
        "channel": channel,
        "user": str(args["user"]),
        "thread_ts": str(args.get("thread_ts") or ""),
        "text": content.text or content.markdown_text or "",
    }
    call.workspace.emit("ephemeral_posted", payload)
    return {"message_ts": f"{call.workspace.now():.6f}"}


def get_permalink(call: Call, args: dict) -> dict:
    require(args, "channel", "message_ts")
    channel = resolve_channel(args["channel"])
    message = call.workspace.find(channel, str(args["message_ts"]))
    link = f"{call.base_url}/archives/{channel}/p{message['ts'].replace('.', '')}"
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        link += f"?thread_ts={message['thread_ts']}&cid={channel}"
    return {"channel": channel, "permalink": link}


def _react(call: Call, args: dict, *, add: bool) -> dict:
    require(args, "channel", "timestamp", "name")
    channel = resolve_channel(args["channel"])
    name = str(args["name"]).strip(":")
    call.workspace.react(channel, str(args["timestamp"]), name, BOT_USER_ID, add=add)
    return {}


METHODS = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
    "chat.postEphemeral": post_ephemeral,
    "reactions.add": lambda call, args: _react(call, args, add=True),
    "reactions.remove": lambda call, args: _react(call, args, add=False),
}
