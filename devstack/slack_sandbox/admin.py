"""`/_sandbox/*` control endpoints for tests and the browser UI (no auth: local use)."""

from __future__ import annotations

import json
import secrets

from aiohttp import web

from .assistant_methods import opened_dm_envelope
from .directory import CHANNELS, TEAM_ID, TEAM_NAME, USERS, channel_object, user_object
from .faults import Fault
from .files import file_object
from .inbound import BadRequest
from .retry_policy import MODES
from .routines_tick import tick_routines
from .sandbox import Sandbox
from .views import admin_message
from .web_api import base_url_of

__all__ = ["AdminRoutes"]


def _bad(reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=400)


async def _json_body(request: web.Request) -> dict:
    try:
        body = json.loads(await request.text() or "{}")
    except ValueError:
        raise BadRequest("body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


class AdminRoutes:
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/_sandbox/messages", self.post_message),
            web.post("/_sandbox/bot_messages", self.post_bot_message),
            web.get("/_sandbox/messages", self.list_messages),
            web.post("/_sandbox/events", self.post_event),
            web.post("/_sandbox/url_verification", self.url_verification),
            web.post("/_sandbox/actions", self.click),
            web.get("/_sandbox/deliveries", self.deliveries),
            web.get("/_sandbox/calls", self.calls),
            web.get("/_sandbox/faults", self.list_faults),
            web.post("/_sandbox/faults", self.add_fault),
            web.delete("/_sandbox/faults", self.clear_faults),
            web.get("/_sandbox/state", self.state),
            web.post("/_sandbox/reset", self.reset),
            web.get("/_sandbox/files/{file_id}/content", self.file_content),
            web.post("/_sandbox/app_home_opened", self.open_dm),
            web.get("/_sandbox/suggested_prompts", self.suggested_prompts),
            web.post("/_sandbox/routines/tick", self.routines_tick),
        ]

    async def routines_tick(self, request: web.Request) -> web.Response:
        return await tick_routines(self.sandbox.config.routines_tick_url)

    def _base(self, request: web.Request) -> str:
        return base_url_of(request, self.sandbox.config.public_url)

    def _view(self, request: web.Request, message: dict) -> dict:
        return admin_message(message, self.sandbox.workspace, self._base(request))

    async def post_message(self, request: web.Request) -> web.Response:
        try:
            result = self.sandbox.inbound.post(await _json_body(request), self._base(request))
        except BadRequest as error:
            return _bad(str(error))
        return web.json_response(result)

    async def post_bot_message(self, request: web.Request) -> web.Response:
        try:
            result = self.sandbox.inbound.post_as_bot(
                await _json_body(request), self._base(request)
            )
        except BadRequest as error:
            return _bad(str(error))
        return web.json_response(result)

    async def click(self, request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
        except BadRequest as error:
            return _bad(str(error))
        return web.json_response(await self.sandbox.interactions.click(body))

    async def list_messages(self, request: web.Request) -> web.Response:
        workspace = self.sandbox.workspace
        channel, thread_ts = request.query.get("channel"), request.query.get("thread_ts")
        if channel is not None and channel not in CHANNELS:
            return _bad(f"unknown channel {channel!r}")
        if thread_ts and channel:
            messages = workspace.thread(channel, thread_ts)
        else:
            channels = [channel] if channel else list(CHANNELS)
            messages = sorted(
                (m for c in channels for m in workspace.conversation(c)), key=lambda m: m["ts"]
            )
        views = [self._view(request, m) for m in messages]
        return web.json_response({"ok": True, "messages": views})

    async def post_event(self, request: web.Request) -> web.Response:
        """Sign and deliver a raw envelope as-is; ?delivery= picks the mode."""
        try:
            envelope = await _json_body(request)
        except BadRequest as error:
            return _bad(str(error))
        mode = request.query.get("delivery", "normal")
        if mode not in MODES:
            return _bad(f"delivery must be one of {MODES}")
        delivered = self.sandbox.deliverer.deliver(envelope, mode=mode)
        return web.json_response(
            {"ok": True, "event_id": envelope.get("event_id"), "delivered": delivered}
        )

    async def open_dm(self, request: web.Request) -> web.Response:
        """A person opens the bot's Messages tab: Slack's app_home_opened, signed and delivered."""
        try:
            body = await _json_body(request)
        except BadRequest as error:
            return _bad(str(error))
        mode = str(body.get("delivery") or "normal")
        if mode not in MODES:
            return _bad(f"delivery must be one of {MODES}")
        try:
            envelope = opened_dm_envelope(
                self.sandbox.workspace,
                user=str(body.get("user") or "U0ALICE"),
                verification_token=self.sandbox.config.verification_token,
            )
        except ValueError as error:
            return _bad(str(error))
        delivered = self.sandbox.deliverer.deliver(envelope, mode=mode)
        event = envelope["event"]
        return web.json_response(
            {
                "ok": True,
                "event_id": envelope["event_id"],
                "channel": event["channel"],
                "delivered": delivered,
            }
        )

    async def suggested_prompts(self, request: web.Request) -> web.Response:
        prompts = list(self.sandbox.workspace.suggested_prompts.values())
        return web.json_response({"ok": True, "suggested_prompts": prompts})

    async def url_verification(self, request: web.Request) -> web.Response:
        if not self.sandbox.config.events_url:
            return _bad("no --events-url configured")
        try:
            body = await _json_body(request)
        except BadRequest as error:
            return _bad(str(error))
        challenge = str(body.get("challenge") or secrets.token_urlsafe(24))
        token = self.sandbox.config.verification_token
        return web.json_response(await self.sandbox.deliverer.verify_url(challenge, token))

    async def deliveries(self, request: web.Request) -> web.Response:
        records = self.sandbox.deliverer.find(request.query.get("event_id"))
        return web.json_response({"ok": True, "deliveries": records})

    async def calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = [c for c in self.sandbox.web_api.calls if method in (None, c["method"])]
        return web.json_response({"ok": True, "calls": calls})

    async def list_faults(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "faults": self.sandbox.faults.pending()})

    async def add_fault(self, request: web.Request) -> web.Response:
        try:
            fault = Fault.parse(await _json_body(request))
        except (BadRequest, ValueError, TypeError) as error:
            return _bad(str(error))
        self.sandbox.faults.add(fault)
        return web.json_response({"ok": True, "faults": self.sandbox.faults.pending()})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.sandbox.faults.clear()
        return web.json_response({"ok": True, "faults": []})

    async def state(self, request: web.Request) -> web.Response:
        workspace, base = self.sandbox.workspace, self._base(request)
        return web.json_response(
            {
                "ok": True,
                "team": {"id": TEAM_ID, "name": TEAM_NAME},
                "users": [user_object(u) for u in USERS],
                "channels": [channel_object(c) for c in CHANNELS],
                "messages": {
                    c: [self._view(request, m) for m in workspace.conversation(c)] for c in CHANNELS
                },
                "files": {
                    i: file_object(r, base) for i, r in workspace.files.items() if r["uploaded"]
                },
                "faults": self.sandbox.faults.pending(),
                "deliveries": list(self.sandbox.deliverer.records),
            }
        )

    async def reset(self, request: web.Request) -> web.Response:
        self.sandbox.reset()
        return web.json_response({"ok": True})

    async def file_content(self, request: web.Request) -> web.Response:
        """File bytes without a token, for the UI (Slack itself would demand one)."""
        file_id = request.match_info["file_id"]
        record = self.sandbox.workspace.files.get(file_id)
        data = self.sandbox.file_store.read(file_id) if record else None
        if data is None:
            return web.json_response({"ok": False, "error": "file_not_found"}, status=404)
        return web.Response(body=data, headers={"Content-Type": record["mimetype"]})
