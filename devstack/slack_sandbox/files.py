"""Uploaded file bytes on disk, and Slack's file object built from a file record."""

from __future__ import annotations

import mimetypes
import secrets
import string
from pathlib import Path
from urllib.parse import quote

from .directory import CHANNELS, TEAM_ID, is_dm, is_private

__all__ = ["FileStore", "file_object", "new_file_record"]

# Slack's `filetype` / `pretty_type` for the extensions a bot is likely to meet.
FILETYPES = {
    "csv": ("csv", "CSV"),
    "tsv": ("tsv", "TSV"),
    "txt": ("text", "Plain Text"),
    "md": ("markdown", "Markdown (raw)"),
    "json": ("json", "JSON"),
    "py": ("python", "Python"),
    "pdf": ("pdf", "PDF"),
    "png": ("png", "PNG"),
    "jpg": ("jpg", "JPEG"),
    "jpeg": ("jpg", "JPEG"),
    "gif": ("gif", "GIF"),
    "xlsx": ("xlsx", "Excel Spreadsheet"),
    "docx": ("docx", "Word Document"),
    "html": ("html", "HTML"),
}


def new_file_id() -> str:
    return "F" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(10))


def new_file_record(
    *, name: str, user: str, created: float, title: str | None = None, mimetype: str | None = None
) -> dict:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    filetype, pretty = FILETYPES.get(ext, ("binary", "Binary"))
    guessed = mimetypes.guess_type(name)[0]
    return {
        "id": new_file_id(),
        "name": name,
        "title": title or name,
        "mimetype": mimetype or guessed or "application/octet-stream",
        "filetype": filetype,
        "pretty_type": pretty,
        "user": user,
        "created": int(created),
        "size": 0,
        "uploaded": False,
        "shares": [],
    }


class FileStore:
    """Bytes by file id in one directory."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def write(self, file_id: str, data: bytes) -> None:
        (self.root / file_id).write_bytes(data)

    def read(self, file_id: str) -> bytes | None:
        try:
            return (self.root / file_id).read_bytes()
        except FileNotFoundError:
            return None

    def clear(self) -> None:
        for path in self.root.iterdir():
            if path.is_file():
                path.unlink()


def _public(channel: str) -> bool:
    return not is_dm(channel) and not is_private(channel)


def _shares(record: dict) -> dict:
    shares: dict[str, dict[str, list]] = {}
    for share in record["shares"]:
        channel = share["channel"]
        scope = "public" if _public(channel) else "private"
        entry = {
            "reply_users": [],
            "reply_users_count": 0,
            "reply_count": 0,
            "ts": share["ts"],
            "channel_name": CHANNELS[channel]["name"] or channel,
            "team_id": TEAM_ID,
            "share_user_id": share["user"],
            "source": "UNKNOWN",
        }
        if share.get("thread_ts"):
            entry["thread_ts"] = share["thread_ts"]
        shares.setdefault(scope, {}).setdefault(channel, []).append(entry)
    return shares


def file_object(record: dict, base_url: str) -> dict:
    """The `file` object of files.info, events and message `files`."""
    file_id, name = record["id"], record["name"]
    private = f"{base_url}/files-pri/{TEAM_ID}-{file_id}"
    # One path segment whatever the name holds ("../", "?", "#", spaces).
    segment = quote(name, safe="")
    channels = sorted({s["channel"] for s in record["shares"]})
    return {
        "id": file_id,
        "created": record["created"],
        "timestamp": record["created"],
        "name": name,
        "title": record["title"],
        "mimetype": record["mimetype"],
        "filetype": record["filetype"],
        "pretty_type": record["pretty_type"],
        "user": record["user"],
        "user_team": TEAM_ID,
        "editable": False,
        "size": record["size"],
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": any(_public(c) for c in channels),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": f"{private}/{segment}",
        "url_private_download": f"{private}/download/{segment}",
        "permalink": f"{base_url}/files/{record['user']}/{file_id}/{segment}",
        "permalink_public": f"{base_url}/files-pub/{TEAM_ID}-{file_id}-sandbox/{segment}",
        "channels": [c for c in channels if _public(c)],
        "groups": [c for c in channels if is_private(c)],
        "ims": [c for c in channels if is_dm(c)],
        "shares": _shares(record),
        "comments_count": 0,
        "has_rich_preview": False,
        "file_access": "visible",
    }
