"""The tool shim's HTTP server: OpenAI's chat API in front of a local model server.

Requests without `tools` (and every other route: `/v1/models`, health, ...) are forwarded
byte for byte, streaming included. Requests with `tools` follow `rewrite.plan`: one or two
grammar-constrained calls upstream, then a tool call in OpenAI's format (`chunks`), or the
plain answer streamed from upstream.

>>> app = create_app("http://127.0.0.1:8080/v1")
"""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from . import chunks, rewrite, verify

__all__ = ["create_app"]

_UPSTREAM = web.AppKey("upstream", URL)
_SESSION = web.AppKey("session", aiohttp.ClientSession)
# Request headers worth passing on; the rest are hop-by-hop or describe the original body.
_FORWARDED = ("Authorization", "Accept", "Content-Type", "OpenAI-Organization", "User-Agent")


def create_app(upstream: str) -> web.Application:
    """`upstream`: the model server's OpenAI base URL, e.g. http://127.0.0.1:8080/v1."""
    app = web.Application(client_max_size=64 * 2**20)  # prompts with whole files in them
    app[_UPSTREAM] = URL(upstream).origin()
    app.cleanup_ctx.append(_client_session)
    app.router.add_post("/v1/chat/completions", _chat_completions)
    app.router.add_route("*", "/{tail:.*}", _forward_as_is)
    return app


async def _client_session(app: web.Application):
    # No total timeout: a long answer streams for minutes; the bot's own timeouts govern.
    timeout = aiohttp.ClientTimeout(total=None, connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        app[_SESSION] = session
        yield


async def _forward_as_is(request: web.Request) -> web.StreamResponse:
    return await _forward(request, await request.read())


async def _forward(request: web.Request, data: bytes) -> web.StreamResponse:
    """Send `data` upstream on the request's path and relay the answer as it arrives."""
    url = request.app[_UPSTREAM].with_path(request.path).with_query(request.query)
    headers = {k: v for k in _FORWARDED if (v := request.headers.get(k))}
    session = request.app[_SESSION]
    try:
        upstream = await session.request(request.method, url, data=data or None, headers=headers)
    except aiohttp.ClientError as error:  # the model server is down: say so as OpenAI would
        return _error(502, f"the local model server is not reachable: {error}", "server_error")
    async with upstream as up:
        response = web.StreamResponse(status=up.status)
        if content_type := up.headers.get("Content-Type"):
            response.headers["Content-Type"] = content_type
        await response.prepare(request)
        # A client that hangs up raises here; leaving the block closes the upstream stream,
        # which stops llama.cpp generating for nobody.
        async for block in up.content.iter_any():
            await response.write(block)
        await response.write_eof()
        return response


async def _chat_completions(request: web.Request) -> web.StreamResponse:
    raw = await request.read()
    try:
        body = json.loads(raw)
        step = rewrite.plan(body)
    except ValueError as error:  # not JSON is upstream's to refuse; a bad tool_choice is ours
        if isinstance(error, json.JSONDecodeError):
            return await _forward(request, raw)
        return _error(400, str(error), "invalid_request_error")
    if step.kind == "passthrough":
        return await _forward(request, raw)
    if step.kind == "answer":
        return await _answer(request, body, "tool results in" if body.get("tools") else "")

    started = time.monotonic()
    usages: list[dict[str, Any] | None] = []
    name = step.tool
    if step.kind == "route":
        status, routed = await _complete(request, rewrite.route_request(body, step))
        if status != 200:
            return web.json_response(routed, status=status)
        usages.append(routed.get("usage"))
        share = rewrite.tool_share(routed, step)
        name = rewrite.parse_route(_content(routed), step, share=share)
        sure = "" if share is None else f", tool share {share:.2f}"
        _log(f"route: {name or rewrite.NO_TOOL} ({time.monotonic() - started:.1f} s{sure})")
        if name is None:
            if step.allow_none:
                return await _answer(request, body, "no tool needed")
            return _error(502, "the model chose no tool although one is required", "server_error")
    routed_by = step if step.kind == "route" else None  # its prompt is cached upstream
    status, answered = await _complete(request, rewrite.arguments_request(body, name, routed_by))
    if status != 200:
        return web.json_response(answered, status=status)
    usages.append(answered.get("usage"))
    arguments = rewrite.parse_arguments(_content(answered))
    _log(f"arguments of {name}: {arguments} ({time.monotonic() - started:.1f} s)")
    if arguments is None:
        if step.kind == "route" and step.allow_none:
            return await _answer(request, body, "arguments unusable")
        return _error(502, f"the model wrote no valid arguments for {name}", "server_error")
    if step.kind == "route" and step.allow_none:
        check = verify.check_request(body, name, arguments)
        status, checked = await _complete(request, check)
        if status == 200:  # a failed check is no verdict: the call stands
            usages.append(checked.get("usage"))
            share = verify.yes_share(checked)
            sure = "" if share is None else f", yes share {share:.2f}"
            _log(f"check of {name}: {_content(checked)} ({time.monotonic() - started:.1f} s{sure})")
            if not verify.confirmed(share):
                return await _answer(request, body, "the check says the call does not fit")
    call = chunks.ToolCall(name, arguments)
    model = body.get("model") or "local"
    usage = chunks.add_usage(*usages)
    if not body.get("stream"):
        return web.json_response(chunks.completion(call, model=model, usage=usage))
    return await _stream_tool_call(request, call, model=model, usage=usage, body=body)


async def _answer(request: web.Request, body: dict[str, Any], why: str) -> web.StreamResponse:
    """The model answers in text: no tools declared, tool turns folded into the messages."""
    if why:
        _log(f"answer: {why}")
    return await _forward(request, json.dumps(rewrite.plain_request(body)).encode())


async def _complete(request: web.Request, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One non-streamed completion upstream; its status and JSON (an error object if not 200)."""
    url = request.app[_UPSTREAM].with_path("/v1/chat/completions")
    headers = {k: v for k in ("Authorization",) if (v := request.headers.get(k))}
    try:
        async with request.app[_SESSION].post(url, json=payload, headers=headers) as up:
            text = await up.text()
    except aiohttp.ClientError as error:
        return 502, {"error": {"message": f"the local model server is not reachable: {error}"}}
    try:
        return up.status, json.loads(text)
    except ValueError:
        return 502, {"error": {"message": f"upstream answered {up.status}: {text[:200]}"}}


def _content(completion: dict[str, Any]) -> str | None:
    try:
        return completion["choices"][0]["message"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


async def _stream_tool_call(
    request: web.Request,
    call: chunks.ToolCall,
    *,
    model: str,
    usage: dict[str, int],
    body: dict[str, Any],
) -> web.StreamResponse:
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    for chunk in chunks.stream_chunks(call, model=model, usage=usage, include_usage=include_usage):
        await response.write(chunks.sse(chunk))
    await response.write(chunks.sse("[DONE]"))
    await response.write_eof()
    return response


def _error(status: int, message: str, kind: str) -> web.Response:
    error = {"message": message, "type": kind, "param": None, "code": None}
    return web.json_response({"error": error}, status=status)


def _log(line: str) -> None:
    print(f"tool-shim {line}", flush=True)
