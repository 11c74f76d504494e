"""Typed chat messages, and their OpenAI wire form.

Everything above the model layer builds these values; only `to_wire` produces the dicts the
`openai` client sends, so an assistant turn can carry tool calls and a tool result can answer
one without any module handling raw dicts.

    >>> call = ToolCall(id="call_1", name="add", arguments='{"a": 1}')
    >>> Message.assistant("", tool_calls=(call,)).to_wire()["tool_calls"][0]["function"]
    {'name': 'add', 'arguments': '{"a": 1}'}
    >>> Message.tool_result("call_1", "2").to_wire()
    {'role': 'tool', 'tool_call_id': 'call_1', 'content': '2'}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Literal

__all__ = [
    "Content",
    "ImagePart",
    "Message",
    "Part",
    "Role",
    "TextPart",
    "ToolCall",
    "content_from_wire",
    "content_text",
]

Role = Literal["system", "user", "assistant", "tool"]


@dataclasses.dataclass(frozen=True)
class TextPart:
    text: str

    def to_wire(self) -> dict[str, Any]:
        return {"type": "text", "text": self.text}


@dataclasses.dataclass(frozen=True)
class ImagePart:
    url: str  # a data: URL (we never send people's images by link)

    def to_wire(self) -> dict[str, Any]:
        return {"type": "image_url", "image_url": {"url": self.url}}


Part = TextPart | ImagePart
Content = str | tuple[Part, ...]


@dataclasses.dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text exactly as the model wrote it; parsed by the tool loop

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ToolCall:
        return cls(id=str(data["id"]), name=str(data["name"]), arguments=str(data["arguments"]))


@dataclasses.dataclass(frozen=True)
class Message:
    role: Role
    content: Content
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""  # for role "tool": the call this message answers

    @classmethod
    def system(cls, text: str) -> Message:
        return cls("system", text)

    @classmethod
    def user(cls, content: Content) -> Message:
        return cls("user", content)

    @classmethod
    def assistant(cls, text: str, *, tool_calls: Sequence[ToolCall] = ()) -> Message:
        return cls("assistant", text, tuple(tool_calls))

    @classmethod
    def tool_result(cls, call_id: str, text: str) -> Message:
        return cls("tool", text, tool_call_id=call_id)

    @property
    def text(self) -> str:
        return content_text(self.content)

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"role": self.role}
        if self.role == "tool":
            wire["tool_call_id"] = self.tool_call_id
        if isinstance(self.content, str):
            wire["content"] = self.content
        else:
            wire["content"] = [part.to_wire() for part in self.content]
        if self.tool_calls:
            wire["tool_calls"] = [call.to_wire() for call in self.tool_calls]
            # OpenAI accepts null content beside tool calls; some servers reject "".
            wire["content"] = wire["content"] or None
        return wire

    def to_json(self) -> dict[str, Any]:
        """A storable form (Firestore): the wire form, which `from_json` reads back."""
        return self.to_wire()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        calls = tuple(
            ToolCall(
                id=str(call["id"]),
                name=str(call["function"]["name"]),
                arguments=str(call["function"]["arguments"]),
            )
            for call in data.get("tool_calls") or ()
        )
        return cls(
            role=data["role"],
            content=content_from_wire(data.get("content")),
            tool_calls=calls,
            tool_call_id=str(data.get("tool_call_id") or ""),
        )


def content_from_wire(content: Any) -> Content:
    """Content as stored or sent: a string, or a list of `text` / `image_url` parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts: list[Part] = []
    for part in content:
        if part.get("type") == "image_url":
            parts.append(ImagePart(str(part["image_url"]["url"])))
        else:
            parts.append(TextPart(str(part.get("text", ""))))
    return tuple(parts)


def content_text(content: Content) -> str:
    """The words of some content, images shown as a marker (for logs and counting checks)."""
    if isinstance(content, str):
        return content
    return " ".join(part.text if isinstance(part, TextPart) else "[image]" for part in content)
