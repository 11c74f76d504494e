"""Where attachments live in Cloud Storage: object names, safe file names, reads and writes.

Layout, one folder per thread so a thread's files are never addressed from another thread:

    <team>/<channel>/<thread_ts>/<file_id>/<safe name>         the bytes as Slack served them
    <team>/<channel>/<thread_ts>/<file_id>/.extraction.json    what the model can read of them
    <team>/<channel>/<thread_ts>/bot/<event_id>/<safe name>    files the bot posted
    <team>/<channel>/<thread_ts>/bot/<event_id>/run-<key>/<safe name>   files code wrote

Safe names never start with a dot, so an upload can never be called `.extraction.json`.

    >>> safe_name("../../etc/passwd")
    'etc_passwd'
    >>> safe_name("Re\u0301sume\u0301 2024.pdf")  # decomposed accents, normalised to NFC
    'Résumé 2024.pdf'
"""

from __future__ import annotations

import dataclasses
import json
import re
import string
import unicodedata
from functools import cache
from typing import Any
from urllib.parse import quote

# Not `from google.cloud import storage`: mypy does not see that submodule of the google.cloud
# namespace package that way (the library ships no py.typed).
import google.cloud.storage as storage

__all__ = [
    "EXTRACTION_NAME",
    "BucketStore",
    "StoredObject",
    "bot_file_name",
    "extraction_name",
    "file_object_name",
    "gcs_uri",
    "metadata_value",
    "parse_gcs_uri",
    "run_output_name",
    "safe_name",
    "storage_client",
    "thread_prefix",
]

EXTRACTION_NAME = ".extraction.json"
_MAX_NAME_BYTES = 200  # GCS allows 1,024 bytes for the whole object name
_MAX_SUFFIX_CHARS = 16
# Path separators, GCS wildcard characters and characters its naming guide advises against.
_UNSAFE = re.compile(r"[/\\#\[\]*?\"<>|:\x7f]")
_DOTS = re.compile(r"\.{2,}")
_SPACES = re.compile(r"\s+")
_SEGMENT = re.compile(r"[^A-Za-z0-9._-]")
_PRINTABLE_ASCII = "".join(ch for ch in string.printable if ch not in "%\t\n\r\x0b\x0c")
_MAX_METADATA_CHARS = 1024  # GCS allows 8 KiB of custom metadata per object


def safe_name(name: str, *, max_bytes: int = _MAX_NAME_BYTES) -> str:
    """A readable, single-segment object name for a user-supplied file name."""
    text = unicodedata.normalize("NFC", name)
    text = "".join("_" if unicodedata.category(ch).startswith("C") else ch for ch in text)
    text = _UNSAFE.sub("_", text)
    text = _DOTS.sub(".", text)
    text = _SPACES.sub(" ", text).strip(" ._")
    text = text or "file"
    return _shorten(text, max_bytes)


def _shorten(text: str, max_bytes: int) -> str:
    if len(text.encode()) <= max_bytes:
        return text
    stem, dot, suffix = text.rpartition(".")
    if not dot or not stem or len(suffix) > _MAX_SUFFIX_CHARS:
        stem, suffix = text, ""
    tail = f".{suffix}" if suffix else ""
    room = max_bytes - len(tail.encode())
    cut = stem.encode()[:room].decode(errors="ignore").rstrip(" ._")
    return (cut or "file") + tail


def metadata_value(text: str) -> str:
    """Custom metadata travels in HTTP headers on some paths, so it is kept ASCII: printable
    ASCII stays readable and anything else is percent-encoded (`urllib.parse.unquote` it)."""
    return quote(text[:_MAX_METADATA_CHARS], safe=_PRINTABLE_ASCII)


def _segment(value: str) -> str:
    """Slack ids and timestamps are already safe; anything else is made so."""
    return _SEGMENT.sub("_", value).strip(".") or "_"


def thread_prefix(*, team_id: str, channel: str, thread_ts: str) -> str:
    return f"{_segment(team_id)}/{_segment(channel)}/{_segment(thread_ts)}/"


def file_object_name(prefix: str, file_id: str, name: str) -> str:
    return f"{prefix}{_segment(file_id)}/{safe_name(name)}"


def extraction_name(prefix: str, file_id: str) -> str:
    return f"{prefix}{_segment(file_id)}/{EXTRACTION_NAME}"


def bot_file_name(prefix: str, event_id: str, name: str) -> str:
    return f"{prefix}bot/{_segment(event_id)}/{safe_name(name)}"


def run_output_name(prefix: str, event_id: str, run_key: str, name: str) -> str:
    return f"{prefix}bot/{_segment(event_id)}/run-{_segment(run_key)}/{safe_name(name)}"


def gcs_uri(bucket: str, name: str) -> str:
    return f"gs://{bucket}/{name}"


def parse_gcs_uri(uri: str) -> tuple[str, str]:
    """(bucket, object name) of a `gs://` URI; ValueError for anything else."""
    bucket, slash, name = uri.removeprefix("gs://").partition("/")
    if not uri.startswith("gs://") or not bucket or not slash or not name:
        raise ValueError(f"not a gs:// object URI: {uri!r}")
    return bucket, name


@cache
def storage_client(project: str) -> storage.Client:
    """Created on first use; honours STORAGE_EMULATOR_HOST (anonymous credentials) locally."""
    return storage.Client(project=project)


@dataclasses.dataclass(frozen=True)
class StoredObject:
    name: str
    size: int
    updated: float  # seconds since the epoch
    generation: int = 0  # in Cloud Storage, the creation time in microseconds: breaks ties


class BucketStore:
    """The few bucket operations the bot needs, on one bucket."""

    def __init__(self, client: storage.Client, bucket: str) -> None:
        if not bucket:
            raise ValueError("FILES_BUCKET is not set")
        self.name = bucket
        self._bucket = client.bucket(bucket)

    def uri(self, name: str) -> str:
        return gcs_uri(self.name, name)

    def exists(self, name: str) -> bool:
        return self._bucket.blob(name).exists()

    def metadata(self, name: str) -> dict[str, str] | None:
        """Custom metadata of an object, or None when it does not exist."""
        blob = self._bucket.get_blob(name)
        return None if blob is None else dict(blob.metadata or {})

    def put(self, name: str, data: bytes, *, content_type: str, metadata: dict[str, str]) -> str:
        blob = self._bucket.blob(name)
        blob.metadata = metadata
        blob.upload_from_string(data, content_type=content_type or "application/octet-stream")
        return self.uri(name)

    def set_metadata(self, name: str, metadata: dict[str, str]) -> None:
        blob = self._bucket.blob(name)
        blob.reload()
        blob.metadata = {**(blob.metadata or {}), **metadata}
        blob.patch()

    def put_json(self, name: str, value: dict[str, Any], *, metadata: dict[str, str]) -> str:
        data = json.dumps(value, ensure_ascii=False).encode()
        return self.put(name, data, content_type="application/json", metadata=metadata)

    def get_json(self, name: str) -> dict[str, Any] | None:
        """The parsed object, or None when it does not exist."""
        blob = self._bucket.get_blob(name)
        if blob is None:
            return None
        return json.loads(blob.download_as_bytes())

    def get(self, name: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""
        blob = self._bucket.get_blob(name)
        return None if blob is None else blob.download_as_bytes()

    def head(self, name: str, size: int) -> bytes | None:
        """The object's first `size` bytes (all of it when smaller), or None when it is gone."""
        blob = self._bucket.get_blob(name)
        return None if blob is None else blob.download_as_bytes(start=0, end=size - 1)

    def list(self, prefix: str) -> list[StoredObject]:
        return [
            StoredObject(
                blob.name,
                blob.size or 0,
                blob.updated.timestamp() if blob.updated else 0.0,
                int(blob.generation or 0),
            )
            for blob in self._bucket.client.list_blobs(self._bucket, prefix=prefix)
        ]
