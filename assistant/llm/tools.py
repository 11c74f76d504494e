"""Tools the model may call, and a finished round of their calls, as plain data (pure).

A `Tool` is offered to the model by its JSON schema and run by the tool loop (`loop.py`); a
`ToolRound` is what one round of calls produced, recorded on the claim so a redelivery replays
it instead of running the tools again.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from assistant.llm.messages import Message
from assistant.llm.rounds import Usage

__all__ = ["StepSummary", "Tool", "ToolRound", "first_line", "tool_footers"]

_SUMMARY_CHARS = 200


@dataclasses.dataclass(frozen=True)
class StepSummary:
    """What a finished call shows as its step (a task card): a short output and, for tools
    that read documents, what they read as (title, url)."""

    output: str = ""
    sources: tuple[tuple[str, str], ...] = ()
    failed: bool = False  # the call ran but did not do its job (code that exited non-zero)


def first_line(result: str) -> StepSummary:
    """Any tool's summary unless it has its own: the result's first non-empty line."""
    line = next((line.strip() for line in result.splitlines() if line.strip()), "")
    return StepSummary(line if len(line) <= _SUMMARY_CHARS else line[: _SUMMARY_CHARS - 1] + "…")


@dataclasses.dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: Mapping[str, Any]  # the JSON schema of the arguments object
    run: Callable[..., str]  # run(arguments: dict, *, deadline: float) -> result text
    status: str = ""  # what the person sees while it runs, e.g. "Running Python…"
    # footer(arguments of this answer's calls, answer text) -> text shown under the answer
    # (the code that produced a number, say); None: nothing.
    footer: Callable[[Sequence[Mapping[str, Any]], str], str] | None = None
    summarize: Callable[[str], StepSummary] = first_line  # result text -> its step's card

    def to_wire(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": dict(self.parameters),
            },
        }


@dataclasses.dataclass(frozen=True)
class ToolRound:
    """One completed step: the model's tool calls and their results."""

    request: Message  # the assistant message holding the tool calls
    results: tuple[Message, ...]
    usage: Usage = dataclasses.field(default_factory=Usage)

    @property
    def messages(self) -> tuple[Message, ...]:
        return (self.request, *self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request.to_json(),
            "results": [result.to_json() for result in self.results],
            "usage": self.usage.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ToolRound:
        return cls(
            request=Message.from_json(data["request"]),
            results=tuple(Message.from_json(result) for result in data["results"]),
            usage=Usage(**data.get("usage", {})),
        )


def tool_footers(tools: Sequence[Tool], rounds: Sequence[ToolRound], answer: str) -> str:
    """What the tools used in `rounds` show under the answer, in the order they were offered."""
    text = ""
    for tool in tools:
        if tool.footer is None:
            continue
        calls = []
        for done in rounds:
            for call in done.request.tool_calls:
                if call.name != tool.name:
                    continue
                try:
                    arguments = json.loads(call.arguments or "{}")
                except json.JSONDecodeError:
                    continue
                if isinstance(arguments, dict):
                    calls.append(arguments)
        if calls:
            text += tool.footer(calls, answer)
    return text
