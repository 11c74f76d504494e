"""What one streamed completion is asked and what it says, as plain data (pure).

`stream.py` turns a server's chunks into these events; `rounds.py` folds them into what the
model said. Neither the request nor the events know the `openai` client, so modules that only
need the types load no HTTP stack.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from assistant.llm.messages import Message

__all__ = [
    "Cancelled",
    "Finished",
    "ModelError",
    "ModelRequest",
    "Restarted",
    "StreamEvent",
    "TextDelta",
    "ToolCallDelta",
    "UsageReported",
]


class ModelError(Exception):
    """The model could not answer; `str(error)` is safe and useful to show in Slack."""


class Cancelled(Exception):
    """Someone stopped the answer: the model call and any running tool were abandoned."""


@dataclasses.dataclass(frozen=True)
class ModelRequest:
    model: str
    messages: tuple[Message, ...]
    output_limit_param: str  # "max_completion_tokens" (OpenAI) or "max_tokens" (most others)
    max_output_tokens: int
    tools: tuple[dict[str, Any], ...] = ()  # OpenAI "function" tool definitions
    tool_choice: str = ""  # "" leaves it to the server ("auto" when tools are given)
    must_call: str = ""  # a tool this request must call; "" lets the model choose

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "model": self.model,
            "messages": [message.to_wire() for message in self.messages],
            self.output_limit_param: self.max_output_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self.tools:
            wire["tools"] = list(self.tools)
        if self.must_call:
            wire["tool_choice"] = {"type": "function", "function": {"name": self.must_call}}
        elif self.tool_choice:
            wire["tool_choice"] = self.tool_choice
        return wire


@dataclasses.dataclass(frozen=True)
class TextDelta:
    text: str


@dataclasses.dataclass(frozen=True)
class ToolCallDelta:
    """A fragment of a tool call, exactly as OpenAI streams it: the first fragment of each
    call (by `index`) has its id and name, the following ones only pieces of the arguments."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclasses.dataclass(frozen=True)
class UsageReported:
    """The completion's token counts, sent by the server at the end of the stream."""

    prompt_tokens: int
    completion_tokens: int


@dataclasses.dataclass(frozen=True)
class Finished:
    reason: str | None


@dataclasses.dataclass(frozen=True)
class Restarted:
    """The stream broke and starts over: everything received so far is void."""

    attempt: int


StreamEvent = TextDelta | ToolCallDelta | UsageReported | Finished | Restarted
