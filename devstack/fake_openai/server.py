"""The aiohttp application: OpenAI-compatible routes plus ``/_fake`` inspection.

>>> app = create_app(context_window=8000)
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import content, tool_calls, wire
from .directives import DirectiveError, Directives, applies, parse
from .embeddings import EmbeddingLog, handle_embeddings
from .recorder import RecordedRequest, RequestLog, request_key
from .responses import (
    Reply,
    retry_after_headers,
    send_completion,
    send_error,
    stream_completion,
    wait_connected,
)

__all__ = ["FAKE_MODEL", "create_app"]

FAKE_MODEL = "fake-gpt"
# Used in the [[context_length]] message when no --context-window is set.
_DEFAULT_WINDOW = 128_000


@dataclass(frozen=True)
class _Config:
    context_window: int | None


_CONFIG = web.AppKey("fake_openai_config", _Config)
_LOG = web.AppKey("fake_openai_log", RequestLog)
_EMBEDDINGS = web.AppKey("fake_openai_embeddings", EmbeddingLog)


def create_app(
    *, context_window: int | None = None, log: RequestLog | None = None
) -> web.Application:
    """Build the fake server. ``context_window`` rejects prompts whose
    approximate token count exceeds it, as a real model would."""
    app = web.Application()
    app[_CONFIG] = _Config(context_window=context_window)
    app[_LOG] = log or RequestLog()
    app[_EMBEDDINGS] = EmbeddingLog()
    app.router.add_get("/v1/models", _models)
    app.router.add_post("/v1/chat/completions", _chat_completions)
    app.router.add_post("/v1/embeddings", _embeddings)
    app.router.add_get("/_fake/embeddings", _list_embeddings)
    app.router.add_get("/_fake/requests", _list_requests)
    app.router.add_delete("/_fake/requests", _clear_requests)
    return app


async def _models(request: web.Request) -> web.Response:
    model = {
        "id": FAKE_MODEL,
        "object": "model",
        "created": 1_700_000_000,
        "owned_by": "devstack",
    }
    return web.json_response({"object": "list", "data": [model]})


async def _list_requests(request: web.Request) -> web.Response:
    entries = request.app[_LOG].entries(contains=request.query.get("contains"))
    return web.json_response([e.as_json() for e in entries])


async def _clear_requests(request: web.Request) -> web.Response:
    request.app[_LOG].clear()
    request.app[_EMBEDDINGS].clear()
    return web.Response(status=204)


async def _embeddings(request: web.Request) -> web.Response:
    if not _has_key(request):
        return web.json_response(wire.auth_error(request.headers.get("Authorization")), status=401)
    return await handle_embeddings(request, request.app[_EMBEDDINGS])


async def _list_embeddings(request: web.Request) -> web.Response:
    return web.json_response(request.app[_EMBEDDINGS].requests)


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _has_key(request: web.Request) -> bool:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(key.strip())


def _invalid(message: str, param: str | None = None) -> dict[str, Any]:
    return wire.error_body(message, type="invalid_request_error", param=param)


async def _chat_completions(request: web.Request) -> web.StreamResponse:
    body = _parse_json(await request.read())
    entry = request.app[_LOG].record(body)
    if not _has_key(request):
        return send_error(entry, 401, wire.auth_error(request.headers.get("Authorization")))
    if not isinstance(body, dict):
        return send_error(entry, 400, _invalid("We could not parse the JSON body of your request."))
    messages = body.get("messages")
    if (
        not isinstance(messages, list)
        or not messages
        or not all(isinstance(m, dict) for m in messages)
    ):
        return send_error(
            entry,
            400,
            _invalid("'messages' must be a non-empty array of objects.", "messages"),
        )
    last_user = content.last_user_message(messages) or {}
    try:
        text, directives = parse(content.message_text(last_user))
    except DirectiveError as exc:
        return send_error(entry, 400, _invalid(str(exc), "messages"))
    return await _respond(request, entry, body, directives, text, last_user)


async def _respond(
    request: web.Request,
    entry: RecordedRequest,
    body: dict[str, Any],
    directives: Directives,
    text: str,
    last_user: dict[str, Any],
) -> web.StreamResponse:
    model = str(body.get("model") or FAKE_MODEL)
    stall = directives.stall
    if (
        stall
        and applies(stall.attempts, entry.attempt)
        and not await wait_connected(request, stall.seconds)
    ):
        entry.outcome = "client_gone"
        return web.Response(status=499)  # nobody reads it; the client already left
    fail = directives.fail
    if fail and applies(fail.attempts, entry.attempt):
        headers = retry_after_headers(fail.retry_after) if fail.status == 429 else None
        return send_error(
            entry,
            fail.status,
            wire.status_error(fail.status, model=model),
            headers=headers,
        )
    if directives.content_filter == "error":
        return send_error(entry, 400, wire.content_filter_error())
    prompt_tokens = content.prompt_tokens(body["messages"])
    window = request.app[_CONFIG].context_window
    if directives.context_length or (window is not None and prompt_tokens > window):
        window = window or _DEFAULT_WINDOW
        tokens = max(prompt_tokens, window + 1)
        return send_error(entry, 400, wire.context_length_error(window=window, tokens=tokens))

    key = request_key(body)
    pending = tool_calls.pending_call(directives.tools, body["messages"], body)
    if pending is not None:
        name, arguments, round_number = pending
        call = (tool_calls.call_id(key, round_number), name, arguments)
        answer, finish_reason = "", "tool_calls"
    else:
        call = None
        answer, finish_reason = _answer(directives, text, images=content.image_count(last_user))
        results = tool_calls.tool_results(body["messages"])
        if results and directives.reply is None:
            answer += " [tool results: " + " | ".join(results) + "]"
    reply = Reply(
        id=f"chatcmpl-{key[:24]}{entry.attempt}",
        model=model,
        content=answer,
        finish_reason=finish_reason,
        usage=wire.usage(prompt_tokens, content.approx_tokens(answer or str(call))),
        created=int(time.time()),
        tool_call=call,
        copies=directives.parallel,
    )
    drop = entry.attempt <= directives.drop
    if body.get("stream"):
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        return await stream_completion(
            request,
            entry,
            reply,
            include_usage=include_usage,
            slow=directives.slow,
            drop=drop,
        )
    return await send_completion(request, entry, reply, drop=drop)


def _answer(directives: Directives, text: str, *, images: int) -> tuple[str, str]:
    if directives.reply is not None:
        answer = directives.reply
    elif directives.long is not None:
        answer = content.long_answer(directives.long)
    else:
        answer = content.default_answer(text, images=images)
    if directives.content_filter == "stream":
        # The output filter cuts the answer short after its first few words.
        return content.split_chunks(answer)[0] if answer else "", "content_filter"
    return answer, "stop"
