"""chat.startStream / appendStream / stopStream: one message growing in place.

A stream is fed either with `markdown_text` or with `chunks`, never both; the
first call carrying content fixes the mode, as Slack's streaming_mode_mismatch
error describes.
"""

from __future__ import annotations

from .api_error import ApiError
from .call import Call, bot_fields, require, resolve_channel
from .chat_methods import identity_fields
from .directory import TEAM_ID, USERS, is_dm
from .validation import check_blocks, check_chunks, check_markdown, check_metadata

__all__ = ["METHODS"]


def _content(args: dict) -> tuple[str | None, list | None]:
    markdown = check_markdown(args.get("markdown_text"))
    chunks = check_chunks(args.get("chunks"))
    # slack_sdk's ChatStream sends `chunks: []` when its buffer is empty.
    chunks = chunks or None
    if markdown is not None and chunks is not None:
        raise ApiError("cannot_provide_both_markdown_text_and_chunks")
    return markdown, chunks


def _mode(markdown: str | None, chunks: list | None) -> str | None:
    if markdown is not None:
        return "markdown_text"
    return "chunks" if chunks is not None else None


def _chunk_text(chunks: list | None) -> str:
    return "".join(c["text"] for c in chunks or [] if c["type"] == "markdown_text")


def start_stream(call: Call, args: dict) -> dict:
    require(args, "channel")
    channel = resolve_channel(args["channel"])
    if not is_dm(channel):
        if not args.get("recipient_team_id"):
            raise ApiError("missing_recipient_team_id")
        if not args.get("recipient_user_id"):
            raise ApiError("missing_recipient_user_id")
    if args.get("recipient_team_id") not in (None, TEAM_ID):
        raise ApiError("team_not_found")
    if args.get("recipient_user_id") not in (None, *USERS):
        raise ApiError("user_not_found")
    markdown, chunks = _content(args)
    text = markdown if markdown is not None else _chunk_text(chunks)
    fields = {
        **bot_fields(),
        "text": text,
        "markdown_text": text,
        "stream_state": "streaming",
        "stream_mode": _mode(markdown, chunks),
        "chunks": [c for c in chunks or [] if c["type"] != "markdown_text"],
        **identity_fields(args),
    }
    message = call.workspace.post(channel, fields, thread_ts=args.get("thread_ts") or None)
    return {"channel": channel, "ts": message["ts"]}


def _streaming_message(call: Call, args: dict) -> tuple[str, dict]:
    require(args, "channel", "ts")
    channel = resolve_channel(args["channel"])
    message = call.workspace.find(channel, str(args["ts"]))
    if not message.get("bot_id"):
        raise ApiError("message_not_owned_by_app")
    if message.get("stream_state") != "streaming":
        raise ApiError("message_not_in_streaming_state")
    return channel, message


def _append(call: Call, channel: str, message: dict, markdown, chunks) -> None:
    mode = _mode(markdown, chunks)
    if mode is None:
        return
    if message.get("stream_mode") not in (None, mode):
        raise ApiError("streaming_mode_mismatch")
    message["stream_mode"] = mode
    text = markdown if markdown is not None else _chunk_text(chunks)
    others = [c for c in chunks or [] if c["type"] != "markdown_text"]
    call.workspace.append_stream(channel, message["ts"], text, others)


def append_stream(call: Call, args: dict) -> dict:
    channel, message = _streaming_message(call, args)
    markdown, chunks = _content(args)
    if markdown is None and chunks is None:
        raise ApiError("markdown_text_or_chunks_required")
    _append(call, channel, message, markdown, chunks)
    return {"channel": channel, "ts": message["ts"]}


def stop_stream(call: Call, args: dict) -> dict:
    channel, message = _streaming_message(call, args)
    markdown, chunks = _content(args)
    blocks = check_blocks(args.get("blocks"))
    metadata = check_metadata(args.get("metadata"))
    _append(call, channel, message, markdown, chunks)
    changes: dict = {"stream_state": "stopped"}
    if blocks:
        changes["blocks"] = blocks
    if metadata:
        changes["metadata"] = metadata
    stopped = call.workspace.update(channel, message["ts"], changes, counts_as_edit=False)
    return {"channel": channel, "ts": stopped["ts"], "message": call.view(stopped)}


METHODS = {
    "chat.startStream": start_stream,
    "chat.appendStream": append_stream,
    "chat.stopStream": stop_stream,
}
