"""`POST /_sandbox/routines/tick`: the page's "Run due routines now".

The sandbox has no Pub/Sub client: it pushes a tick straight to the responder's `/routines`
endpoint (`--routines-tick-url`), in the push envelope Pub/Sub would send, so the responder
publishes the due slots as the every-minute tick does.
"""

from __future__ import annotations

import base64
import itertools

import aiohttp
from aiohttp import web

__all__ = ["tick_routines"]

_COUNTER = itertools.count(1)


def push_envelope() -> dict:
    return {
        "message": {
            "data": base64.b64encode(b"tick").decode(),
            "messageId": f"sandbox-tick-{next(_COUNTER)}",
            "attributes": {},
        },
        "subscription": "projects/local-project/subscriptions/sandbox-tick",
    }


async def tick_routines(url: str | None) -> web.Response:
    if not url:
        return web.json_response(
            {"ok": False, "error": "no --routines-tick-url: the sandbox was started without it"},
            status=400,
        )
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, json=push_envelope()) as response,
    ):
        return web.json_response({"ok": response.status < 300, "status": response.status})
