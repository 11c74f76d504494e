"""Answering with tool calls, for `[[tool:NAME:ARGUMENTS]]` directives (one per round).

The k-th directive is the model's k-th round: while fewer rounds have been answered (the
conversation after the last user message holds fewer assistant tool-call messages) and the
request offers tools (any: a real model may name one that does not exist), the reply is that
call, streamed the way OpenAI streams tool calls. After the last round the model answers in
words and quotes the tool results it was sent, so a test can see they arrived.

>>> calls = [("lookup", '{"q": "x"}')]
>>> pending_call(calls, [{"role": "user", "content": "hi"}], {"tools": [_tool("lookup")]})
('lookup', '{"q": "x"}', 0)
>>> pending_call(calls, [{"role": "user", "content": "hi"}], {})  # no tools offered
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["call_id", "parse_tool", "pending_call", "stream_deltas", "tool_results"]

_FRAGMENT = 8  # argument characters per streamed chunk, so clients must join fragments


def parse_tool(raw: str | None) -> tuple[str, str]:
    name, _, arguments = (raw or "").partition(":")
    if not name:
        raise ValueError("expected tool:NAME[:ARGUMENTS_JSON]")
    arguments = arguments or "{}"
    json.loads(arguments)  # a malformed directive is the test author's mistake: say so
    return name, arguments


def _after_last_user(messages: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "user":
            return list(messages[index + 1 :])
    return list(messages)


def _offers_tools(body: Mapping[str, Any]) -> bool:
    return bool(body.get("tools")) and body.get("tool_choice") != "none"


def pending_call(
    calls: Sequence[tuple[str, str]],
    messages: Sequence[Mapping[str, Any]],
    body: Mapping[str, Any],
) -> tuple[str, str, int] | None:
    """The (name, arguments, round) the model calls now, or None when it should answer."""
    done = sum(1 for m in _after_last_user(messages) if m.get("tool_calls"))
    if done >= len(calls):
        return None
    name, arguments = calls[done]
    return (name, arguments, done) if _offers_tools(body) else None


def tool_results(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        str(m.get("content") or "") for m in _after_last_user(messages) if m.get("role") == "tool"
    ]


def call_id(request_key: str, round_number: int) -> str:
    digest = hashlib.sha256(f"{request_key}:{round_number}".encode()).hexdigest()[:20]
    return f"call_{digest}"


def stream_deltas(name: str, arguments: str, call: str, *, index: int = 0) -> list[dict[str, Any]]:
    """The `delta` objects of one streamed tool call, in OpenAI's order."""
    deltas: list[dict[str, Any]] = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "index": index,
                    "id": call,
                    "type": "function",
                    "function": {"name": name, "arguments": ""},
                }
            ],
        }
    ]
    for start in range(0, len(arguments), _FRAGMENT):
        piece = arguments[start : start + _FRAGMENT]
        deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    return deltas


def _tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
