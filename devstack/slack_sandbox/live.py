"""Push, not polling: `/_sandbox/stream` (server-sent events) and `/_sandbox/wait`."""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web

from .directory import CHANNELS
from .hub import Change
from .sandbox import Sandbox
from .views import admin_message
from .wait_condition import WaitCondition
from .web_api import base_url_of

__all__ = ["LiveRoutes"]

KEEPALIVE_SECONDS = 15.0


class LiveRoutes:
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_sandbox/stream", self.stream),
            web.get("/_sandbox/wait", self.wait),
        ]

    def _render(self, change: Change, base_url: str) -> dict:
        payload = dict(change.payload)
        if isinstance(payload.get("message"), dict):  # a `trace` record's message is a string
            payload["message"] = admin_message(payload["message"], self.sandbox.workspace, base_url)
        return payload

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """One SSE event per change: `event: <kind>`, `data: <json>`, `id: <seq>`.

        Optional filters: ?kinds=message_posted,delivery  ?channel=C0GENERAL
        """
        kinds = set(filter(None, request.query.get("kinds", "").split(",")))
        channel = request.query.get("channel")
        base_url = base_url_of(request, self.sandbox.config.public_url)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        with self.sandbox.hub.subscribe() as queue:
            try:
                await response.write(b"retry: 1000\n: connected\n\n")
                while True:
                    try:
                        change = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        await response.write(b": keepalive\n\n")
                        continue
                    if change is None:
                        break
                    if kinds and change.kind not in kinds:
                        continue
                    if channel and change.payload.get("channel") not in (None, channel):
                        continue
                    data = json.dumps(self._render(change, base_url))
                    frame = f"id: {change.seq}\nevent: {change.kind}\ndata: {data}\n\n"
                    await response.write(frame.encode())
            except ConnectionResetError:
                pass  # the listener went away
        return response

    def _scope(self, condition: WaitCondition) -> tuple[list[dict], list[dict]]:
        workspace = self.sandbox.workspace
        messages: list[dict] = []
        if condition.channel in CHANNELS:
            if condition.thread_ts:
                messages = workspace.thread(condition.channel, condition.thread_ts)
            else:
                messages = list(workspace.conversation(condition.channel))
        deliveries = self.sandbox.deliverer.find(condition.event_id) if condition.event_id else []
        return messages, deliveries

    async def wait(self, request: web.Request) -> web.Response:
        """Long-poll until the condition holds (ok true) or timeout (ok false, error timeout)."""
        try:
            condition = WaitCondition.parse(request.query)
        except ValueError as error:
            return web.json_response({"ok": False, "error": str(error)}, status=400)
        if condition.channel is not None and condition.channel not in CHANNELS:
            return web.json_response({"ok": False, "error": "channel_not_found"}, status=400)
        deadline = time.monotonic() + condition.timeout
        base_url = base_url_of(request, self.sandbox.config.public_url)
        with self.sandbox.hub.subscribe() as queue:
            while True:
                messages, deliveries = self._scope(condition)
                matched = condition.holds(messages, deliveries)
                remaining = deadline - time.monotonic()
                if matched or remaining <= 0:
                    break
                try:
                    if await asyncio.wait_for(queue.get(), remaining) is None:
                        break
                except TimeoutError:
                    pass
        views = [admin_message(m, self.sandbox.workspace, base_url) for m in messages]
        body = {"ok": matched, "messages": views, "deliveries": deliveries}
        if not matched:
            body["error"] = "timeout"
        return web.json_response(body)
