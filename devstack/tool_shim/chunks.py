"""A tool call in OpenAI's wire format: streamed chunks (SSE) or one non-streamed completion.

Chunk by chunk what OpenAI sends: the first delta carries the role and the call's index, id,
type and name with empty arguments; then argument fragments; then an empty delta with
`finish_reason: "tool_calls"`; with `stream_options.include_usage`, every chunk carries
`usage: null` and a last one with no choices carries the usage.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["ToolCall", "add_usage", "completion", "new_completion_id", "sse", "stream_chunks"]

# Small enough that a client's incremental parsing is exercised, as with OpenAI's fragments.
FRAGMENT_CHARS = 24


class ToolCall:
    """One call the model decided on: the function's name and its JSON arguments text."""

    def __init__(self, name: str, arguments: str, call_id: str | None = None) -> None:
        self.name = name
        self.arguments = arguments
        self.id = call_id or f"call_{secrets.token_hex(12)}"


def _envelope(completion_id: str, model: str, created: int, obj: str) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": obj,
        "created": created,
        "model": model,
        "system_fingerprint": "devstack-tool-shim",
    }


def new_completion_id() -> str:
    return f"chatcmpl-{secrets.token_hex(12)}"


def stream_chunks(
    call: ToolCall,
    *,
    model: str,
    usage: dict[str, int] | None = None,
    include_usage: bool = False,
    completion_id: str | None = None,
    created: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The chunks of a streamed completion whose answer is `call`."""
    base = _envelope(
        completion_id or new_completion_id(),
        model,
        created or int(time.time()),
        "chat.completion.chunk",
    )
    extra = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {**base, "choices": [choice], **extra}

    head = {
        "index": 0,
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": ""},
    }
    yield chunk({"role": "assistant", "content": None, "tool_calls": [head]})
    text = call.arguments
    for start in range(0, len(text), FRAGMENT_CHARS):
        fragment = text[start : start + FRAGMENT_CHARS]
        yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": fragment}}]})
    yield chunk({}, "tool_calls")
    if include_usage:
        yield {**base, "choices": [], "usage": usage or _zero_usage()}


def completion(
    call: ToolCall, *, model: str, usage: dict[str, int] | None = None
) -> dict[str, Any]:
    """The non-streamed completion whose answer is `call`."""
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
        ],
    }
    return {
        **_envelope(new_completion_id(), model, int(time.time()), "chat.completion"),
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls"}
        ],
        "usage": usage or _zero_usage(),
    }


def add_usage(*usages: dict[str, Any] | None) -> dict[str, int]:
    """The tokens the constrained steps used together: what this request cost the model."""
    total = _zero_usage()
    for usage in usages:
        for key in total:
            total[key] += int((usage or {}).get(key) or 0)
    return total


def _zero_usage() -> dict[str, int]:
    return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


def sse(payload: dict[str, Any] | str) -> bytes:
    """One server-sent event as OpenAI frames it; `"[DONE]"` ends the stream."""
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n".encode()
