"""A thread's turns as stored, and the typed file references they carry (pure data)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from assistant.llm.messages import Content, Message, content_from_wire
from assistant.mention import Mention

__all__ = ["StoredFileRef", "StoredTurn", "turn_order"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class StoredFileRef:
    """A file as a stored turn remembers it: enough to rebuild what the model was shown."""

    file_id: str
    name: str
    mimetype: str = ""
    extraction_uri: str = ""
    kind: str = ""  # "text", "image", or "" when it could not be read
    problem: str = ""
    max_tokens: int = 0  # how much of a text file the turn included

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StoredFileRef:
        return cls(
            file_id=str(data.get("file_id", "")),
            name=str(data.get("name", "")),
            mimetype=str(data.get("mimetype", "")),
            extraction_uri=str(data.get("extraction_uri", "")),
            kind=str(data.get("kind") or ""),
            problem=str(data.get("problem") or ""),
            max_tokens=int(data.get("max_tokens") or 0),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class StoredTurn:
    order: str  # "<slack ts>:<n>", sorts chronologically within a thread
    role: str
    content: Content  # for a turn with files: the question alone (files are rebuilt from refs)
    tokens: int  # what the turn cost in the prompt, files included
    encoding: str  # how `tokens` was counted (ModelSpec.count_key)
    event_id: str = ""
    file_refs: tuple[StoredFileRef, ...] = ()

    @property
    def message(self) -> Message:
        return Message(self.role, self.content)  # type: ignore[arg-type]

    def to_document(self) -> dict[str, Any]:
        document = dataclasses.asdict(self)
        document["content"] = Message.user(self.content).to_wire()["content"]
        document["file_refs"] = [ref.to_json() for ref in self.file_refs]
        return document

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> StoredTurn:
        known = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in document.items() if key in known}
        values["content"] = content_from_wire(values.get("content"))
        values["file_refs"] = tuple(
            StoredFileRef.from_json(ref) for ref in values.get("file_refs") or ()
        )
        return cls(**values)

    def size(self) -> int:
        """Approximate stored size: the text plus field names and small values."""
        return len(str(self.content).encode()) + len(str(self.file_refs)) + 120


def turn_order(mention: Mention, index: int) -> str:
    """Chronological id of the index-th turn this mention produces (0: question, 1: answer)."""
    return f"{mention.ts}:{index}"
