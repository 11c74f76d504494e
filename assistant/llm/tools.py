"""Tools the model may call, and a finished round of their calls, as plain data (pure).

A `Tool` is offered to the model by its JSON schema and run by the tool loop (`loop.py`); a
`ToolRound` is what one round of calls produced, recorded on the claim so a redelivery replays
it instead of running the tools again.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from assistant.llm.messages import Message
from assistant.llm.rounds import Usage

__all__ = [
    "CallRecord",
    "StepSummary",
    "Tool",
    "ToolRound",
    "first_line",
    "tool_blocks",
    "tool_footers",
    "web_sources_text",
]

Block = dict[str, Any]
_SUMMARY_CHARS = 200


@dataclasses.dataclass(frozen=True)
class CallRecord:
    """One call of a tool in this answer: what the model asked, and what it was given back."""

    arguments: Mapping[str, Any]
    result: str  # the tool's result text ("" if none was recorded)


def no_blocks(calls: Sequence[CallRecord]) -> tuple[Block, ...]:
    return ()


def no_sources(calls: Sequence[CallRecord], answer: str) -> Sequence[str]:
    return ()


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
    # footer(this answer's calls of the tool, answer text) -> text shown under the answer
    # (the code that produced a number, and whether it ran, say); None: nothing.
    footer: Callable[[Sequence[CallRecord], str], str] | None = None
    # blocks(this answer's calls of the tool) -> Slack blocks shown under the answer (a
    # code run's native table, say).
    blocks: Callable[[Sequence[CallRecord]], tuple[Block, ...]] = no_blocks
    summarize: Callable[[str], StepSummary] = first_line  # result text -> its step's card
    # web_sources(this answer's calls of the tool, answer text) -> the web addresses the answer
    # drew on through them: every tool's, listed once together under the answer.
    web_sources: Callable[[Sequence[CallRecord], str], Sequence[str]] = no_sources

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


def tool_footers(
    tools: Sequence[Tool],
    rounds: Sequence[ToolRound],
    answer: str,
    *,
    earlier: Mapping[str, Sequence[CallRecord]] = MappingProxyType({}),
) -> str:
    """What the tools used in `rounds` show under the answer, in the order they were offered,
    then the web sources of them all, each once; `earlier` holds calls made for a tool before
    the model ran (the pages a question links to, read as `read_url` reads them), listed
    first."""
    text = ""
    web: list[str] = []
    for tool in tools:
        calls = [*earlier.get(tool.name, ()), *_calls(tool, rounds)]
        if not calls:
            continue
        if tool.footer is not None:
            text += tool.footer(calls, answer)
        web += tool.web_sources(calls, answer)
    return text + web_sources_text(web)


def web_sources_text(urls: Sequence[str]) -> str:
    """Under the answer: the web pages it drew on, each once.

    >>> print(web_sources_text(["https://example.com/a", "https://example.com/a"]))
    <BLANKLINE>
    <BLANKLINE>
    *Web sources*
    https://example.com/a
    """
    return "\n\n*Web sources*\n" + "\n".join(dict.fromkeys(urls)) if urls else ""


def tool_blocks(tools: Sequence[Tool], rounds: Sequence[ToolRound]) -> tuple[Block, ...]:
    """The blocks the tools used in `rounds` put under the answer, in the order offered."""
    blocks: tuple[Block, ...] = ()
    for tool in tools:
        calls = _calls(tool, rounds)
        if calls:
            blocks += tool.blocks(calls)
    return blocks


def _calls(tool: Tool, rounds: Sequence[ToolRound]) -> list[CallRecord]:
    """Each call of `tool` in `rounds`, with the result it was given back."""
    calls = []
    for done in rounds:
        results = {result.tool_call_id: result.text for result in done.results}
        for call in done.request.tool_calls:
            if call.name != tool.name:
                continue
            try:
                arguments = json.loads(call.arguments or "{}")
            except json.JSONDecodeError:
                continue
            if isinstance(arguments, dict):
                calls.append(CallRecord(arguments, results.get(call.id, "")))
    return calls
