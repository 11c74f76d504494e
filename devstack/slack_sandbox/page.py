"""The workspace page (`/`, `/static/*`) and what only it needs: `/_sandbox/info` and the traces.

`POST /_sandbox/trace` takes `{"records": [{event_id, source, message, ...}, ...]}` (the
functions' log lines, sent by the dev stack's log tailer), stores the newest per event and
publishes each as a `trace` change on `/_sandbox/stream`. `GET /_sandbox/trace?event_id=`
returns them; without `event_id`, every event's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from aiohttp import web

from .directory import BOT_USER_ID, CHANNELS, TEAM_ID, TEAM_NAME
from .sandbox import Sandbox

__all__ = ["STATIC_DIR", "PageRoutes"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The page is developed alongside the sandbox: never let a browser keep an old copy.
NO_CACHE = {"Cache-Control": "no-cache"}
_PERMALINK_TS = re.compile(r"p[0-9]{16}")
_TS = re.compile(r"[0-9]{10}\.[0-9]{6}")


class PageRoutes:
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.index),
            web.get("/archives/{channel}/{message}", self.permalink),
            web.get("/static/{path:.+}", self.static),
            web.get("/_sandbox/info", self.info),
            web.get("/_sandbox/trace", self.traces),
            web.post("/_sandbox/trace", self.add_traces),
        ]

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers=NO_CACHE)

    async def permalink(self, request: web.Request) -> web.Response:
        """A message permalink (chat.getPermalink's, search results') opens the page on the
        message's thread, as Slack's links open the client on it."""
        channel, message = request.match_info["channel"], request.match_info["message"]
        thread = request.query.get("thread_ts", "")
        if not (channel in CHANNELS and _PERMALINK_TS.fullmatch(message)):
            raise web.HTTPNotFound()
        if not _TS.fullmatch(thread):
            thread = f"{message[1:11]}.{message[11:]}"
        raise web.HTTPFound(f"/#{channel}/{thread}")

    async def static(self, request: web.Request) -> web.StreamResponse:
        path = (STATIC_DIR / request.match_info["path"]).resolve()
        if not path.is_relative_to(STATIC_DIR) or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers=NO_CACHE)

    async def info(self, request: web.Request) -> web.Response:
        config = self.sandbox.config
        return web.json_response(
            {
                "ok": True,
                "team": {"id": TEAM_ID, "name": TEAM_NAME},
                "bot_user_id": BOT_USER_ID,
                "model": {"name": config.model_name, "note": config.model_note},
                "events_url": config.events_url,
                "ack_timeout": config.ack_timeout,
                "retry_delays": list(config.retry_delays),
            }
        )

    async def traces(self, request: web.Request) -> web.Response:
        event_id = request.query.get("event_id")
        if event_id:
            return web.json_response(
                {"ok": True, "event_id": event_id, "records": self.sandbox.traces.find(event_id)}
            )
        return web.json_response({"ok": True, "events": self.sandbox.traces.all()})

    async def add_traces(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text() or "{}")
            records = body["records"] if isinstance(body, dict) else None
            if not isinstance(records, list):
                raise ValueError("body must be {records: [...]}")
            stored = self.sandbox.traces.add_all(records)
        except (ValueError, KeyError) as error:
            return web.json_response({"ok": False, "error": str(error)}, status=400)
        for record in stored:
            self.sandbox.hub.publish("trace", record)
        return web.json_response({"ok": True, "stored": len(stored)})
