"""One set of builders for every test: mentions, Slack files, file refs and a bucket in memory.

`MemoryBucket` implements our own `BucketStore` interface (not Google's client), for the pure
logic around it; the real Cloud Storage emulator backs the integration and end-to-end tests.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from assistant.conversation.turns import StoredTurn
from assistant.mention import FileRef, Mention, SlackFile

__all__ = ["MemoryBucket", "file_ref", "make_mention", "slack_file"]

BOT_USER = "U0BOT"


def make_mention(text: str = "<@U0BOT> hi", **overrides: Any) -> Mention:
    values: dict[str, Any] = {
        "event_id": "Ev1",
        "team_id": "T1",
        "channel": "C1",
        "user": "U1",
        "text": text,
        "ts": "1.000100",
        "thread_ts": "1.000100",
        "bot_user_id": BOT_USER,
    }
    values.update(overrides)
    return Mention(**values)


def slack_file(file_id: str = "F1", name: str = "sales.csv", **overrides: Any) -> SlackFile:
    values: dict[str, Any] = {
        "id": file_id,
        "name": name,
        "mimetype": "text/csv",
        "url_private_download": f"u-{file_id}",
    }
    values.update(overrides)
    return SlackFile(**values)


def file_ref(file_id: str = "F1", name: str = "sales.csv", **overrides: Any) -> FileRef:
    values: dict[str, Any] = {"file_id": file_id, "name": name, "mimetype": "text/csv"}
    values.update(overrides)
    return FileRef(**values)


@dataclasses.dataclass
class MemoryBucket:
    """The BucketStore interface over a dict: name -> (data, content type, metadata)."""

    name: str = "bucket"
    objects: dict[str, tuple[Any, str, dict[str, str]]] = dataclasses.field(default_factory=dict)
    reads: list[str] = dataclasses.field(default_factory=list)

    def uri(self, name: str) -> str:
        return f"gs://{self.name}/{name}"

    def exists(self, name: str) -> bool:
        return name in self.objects

    def metadata(self, name: str) -> dict[str, str] | None:
        return dict(self.objects[name][2]) if name in self.objects else None

    def put(self, name, data, *, content_type, metadata):
        self.objects[name] = (data, content_type, dict(metadata))
        return self.uri(name)

    def set_metadata(self, name, metadata):
        data, content_type, old = self.objects[name]
        self.objects[name] = (data, content_type, {**old, **metadata})

    def put_json(self, name, value, *, metadata):
        self.objects[name] = (value, "application/json", dict(metadata))
        return self.uri(name)

    def get_json(self, name):
        self.reads.append(name)
        return self.objects[name][0] if name in self.objects else None

    def get(self, name):
        self.reads.append(name)
        return self.objects[name][0] if name in self.objects else None

    def head(self, name, size):
        self.reads.append(name)
        return self.objects[name][0][:size] if name in self.objects else None

    def list(self, prefix):
        from assistant.files.store import StoredObject

        # Insertion order stands in for the update time.
        return [
            StoredObject(name, len(value[0]) if isinstance(value[0], bytes) else 0, float(order))
            for order, (name, value) in enumerate(self.objects.items())
            if name.startswith(prefix)
        ]


def stored_turn(n: int, tokens: int = 100, role: str | None = None) -> StoredTurn:
    """The n-th turn of a thread, people and the assistant taking turns."""
    return StoredTurn(
        order=f"1000000000.{n:06d}:0",
        role=role or ("user", "assistant")[n % 2],
        content=f"message {n}",
        tokens=tokens,
        encoding="o200k_basex1.0",
    )
