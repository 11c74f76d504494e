"""files.getUploadURLExternal / completeUploadExternal / info, and file sharing."""

from __future__ import annotations

import secrets

from .api_error import ApiError
from .call import Call, bot_fields, require, resolve_channel
from .directory import BOT_USER_ID
from .files import file_object, new_file_record
from .validation import parse_json_arg
from .workspace import Workspace

__all__ = ["METHODS", "share_files"]


def share_files(
    workspace: Workspace,
    channel: str,
    file_ids: list[str],
    fields: dict,
    *,
    thread_ts: str | None = None,
) -> dict:
    """Post a message carrying files and record the share on each file."""
    message = workspace.post(
        channel,
        {**fields, "files": file_ids, "upload": True, "display_as_bot": False},
        thread_ts=thread_ts,
    )
    for file_id in file_ids:
        share = {"channel": channel, "ts": message["ts"], "user": message["user"]}
        if message.get("thread_ts"):
            share["thread_ts"] = message["thread_ts"]
        workspace.files[file_id]["shares"].append(share)
    # Re-announce so listeners see the shares (and persistence saves them).
    workspace.emit("files_shared", {"channel": channel, "ts": message["ts"], "files": file_ids})
    return message


def get_upload_url(call: Call, args: dict) -> dict:
    require(args, "filename", "length")
    try:
        length = int(args["length"])
    except ValueError:
        raise ApiError("invalid_arguments") from None
    if length < 0:
        raise ApiError("invalid_arguments")
    record = new_file_record(
        name=str(args["filename"]), user=BOT_USER_ID, created=call.workspace.now()
    )
    record["declared_length"] = length
    key = secrets.token_urlsafe(24)
    call.workspace.files[record["id"]] = record
    call.workspace.uploads[key] = record["id"]
    call.workspace.emit("upload_started", {"file_id": record["id"]})
    return {"upload_url": f"{call.base_url}/upload/v1/{key}", "file_id": record["id"]}


def complete_upload(call: Call, args: dict) -> dict:
    require(args, "files")
    entries = parse_json_arg(args["files"], "invalid_arguments")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments")
    records = []
    for entry in entries:
        record = call.workspace.files.get(entry.get("id")) if isinstance(entry, dict) else None
        if record is None or not record["uploaded"]:
            raise ApiError("file_not_found")
        if entry.get("title"):
            record["title"] = str(entry["title"])
        records.append(record)
    channels = [str(args["channel_id"])] if args.get("channel_id") else []
    channels += [c for c in str(args.get("channels") or "").split(",") if c]
    channels = [resolve_channel(c) for c in channels]
    thread_ts = args.get("thread_ts") or None
    if thread_ts and len(channels) != 1:
        raise ApiError("invalid_arguments")
    comment = str(args.get("initial_comment") or "")
    for channel in channels:
        fields = {**bot_fields(), "text": comment}
        share_files(
            call.workspace, channel, [r["id"] for r in records], fields, thread_ts=thread_ts
        )
    if not channels:
        call.workspace.emit("files_shared", {"channel": None, "files": [r["id"] for r in records]})
    return {"files": [file_object(r, call.base_url) for r in records]}


def info(call: Call, args: dict) -> dict:
    require(args, "file")
    record = call.workspace.files.get(str(args["file"]))
    if record is None or not record["uploaded"]:
        raise ApiError("file_not_found")
    return {
        "file": file_object(record, call.base_url),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }


METHODS = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": info,
}
