"""Writing replies on the wire: JSON, server-sent events, stalls and drops."""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import tool_calls, wire
from .content import split_chunks
from .recorder import RecordedRequest

__all__ = [
    "Reply",
    "retry_after_headers",
    "send_completion",
    "send_error",
    "stream_completion",
    "wait_connected",
]

_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Reply:
    id: str
    model: str
    content: str
    finish_reason: str
    usage: dict[str, Any]
    created: int
    tool_call: tuple[str, str, str] | None = None  # (call id, name, arguments): call a tool
    copies: int = 1  # the tool call made this many times at once (ids suffixed -1, -2, ...)


async def wait_connected(request: web.Request, seconds: float) -> bool:
    """Sleep, returning False early once the client hangs up.

    aiohttp does not cancel handlers when a client disconnects (unless the
    runner opts in), so a stalled handler would otherwise sleep on long after
    the client timed out and hold up server shutdown."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        transport = request.transport
        if transport is None or transport.is_closing():
            return False
        await asyncio.sleep(min(_POLL_SECONDS, remaining))
    return True


def send_error(
    entry: RecordedRequest,
    status: int,
    body: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
) -> web.Response:
    entry.outcome = f"error:{status}"
    return web.json_response(body, status=status, headers=headers)


def retry_after_headers(seconds: float) -> dict[str, str]:
    # Retry-After must be whole seconds per HTTP; the client prefers the
    # (OpenAI-specific) millisecond header, which keeps sub-second values exact.
    return {
        "Retry-After": str(math.ceil(seconds)),
        "retry-after-ms": str(round(seconds * 1000)),
        "x-ratelimit-limit-requests": "3",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": f"{seconds}s",
    }


def _abort(request: web.Request) -> None:
    # close() (not abort()) flushes what was written, then hangs up without the
    # terminating zero-length chunk: the client sees an incomplete body.
    if request.transport is not None:
        request.transport.close()


async def send_completion(
    request: web.Request, entry: RecordedRequest, reply: Reply, *, drop: bool
) -> web.StreamResponse:
    payload = wire.completion(
        id=reply.id,
        created=reply.created,
        model=reply.model,
        content=reply.content,
        finish_reason=reply.finish_reason,
        usage=reply.usage,
    )
    if reply.tool_call is not None:
        _, name, arguments = reply.tool_call
        payload["choices"][0]["message"]["content"] = None
        payload["choices"][0]["message"]["tool_calls"] = [
            {"id": one, "type": "function", "function": {"name": name, "arguments": arguments}}
            for one in _call_ids(reply)
        ]
    body = json.dumps(payload).encode()
    if not drop:
        entry.outcome = "ok"
        return web.Response(
            body=body,
            content_type="application/json",
            headers={"x-request-id": reply.id},
        )
    response = web.StreamResponse(
        headers={"Content-Type": "application/json", "x-request-id": reply.id}
    )
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    entry.outcome = "dropped"
    _abort(request)
    return response


def _call_ids(reply: Reply) -> list[str]:
    """The ids of the reply's tool calls: one, or `copies` made at once (suffixed -1, -2...)."""
    assert reply.tool_call is not None
    call = reply.tool_call[0]
    return [call] if reply.copies == 1 else [f"{call}-{n}" for n in range(1, reply.copies + 1)]


def _events(reply: Reply, *, include_usage: bool) -> list[bytes]:
    def chunk(**fields: Any) -> bytes:
        payload = wire.chunk(
            id=reply.id,
            created=reply.created,
            model=reply.model,
            with_usage_field=include_usage,
            **fields,
        )
        return wire.sse(payload)

    if reply.tool_call is not None:
        _, name, arguments = reply.tool_call
        events = [
            chunk(delta=delta)
            for index, one in enumerate(_call_ids(reply))
            for delta in tool_calls.stream_deltas(name, arguments, one, index=index)
        ]
    else:
        events = [chunk(delta={"role": "assistant", "content": "", "refusal": None})]
        events += [chunk(delta={"content": piece}) for piece in split_chunks(reply.content)]
    events.append(chunk(finish_reason=reply.finish_reason))
    if include_usage:
        events.append(chunk(usage=reply.usage))
    return [*events, wire.SSE_DONE]


async def stream_completion(
    request: web.Request,
    entry: RecordedRequest,
    reply: Reply,
    *,
    include_usage: bool,
    slow: float,
    drop: bool,
) -> web.StreamResponse:
    events = _events(reply, include_usage=include_usage)
    content_chunks = len(split_chunks(reply.content))
    # Drop after the role chunk and about half the content, never after the
    # finish chunk, so the client always holds a partial answer.
    drop_at = 1 + (content_chunks + 1) // 2 if drop else len(events)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "x-request-id": reply.id,
        }
    )
    await response.prepare(request)
    try:
        for index, event in enumerate(events):
            if index == drop_at:
                entry.outcome = "dropped"
                _abort(request)
                return response
            if index and slow and not await wait_connected(request, slow):
                entry.outcome = "client_gone"
                return response
            await response.write(event)
        await response.write_eof()
    except ConnectionResetError:
        entry.outcome = "client_gone"
        return response
    entry.outcome = reply.finish_reason if reply.finish_reason != "stop" else "ok"
    return response
