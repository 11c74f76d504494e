"""Read a Web API call's arguments the way Slack accepts them.

Slack takes query parameters, form-encoded or multipart bodies, or JSON bodies,
and the token in `Authorization: Bearer` or a `token` argument.
"""

from __future__ import annotations

import json

from aiohttp import web

__all__ = ["read_args", "read_token"]


async def read_args(request: web.Request) -> dict:
    args: dict = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return args
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = json.loads(await request.text() or "{}")
        except ValueError:
            body = None
        if isinstance(body, dict):
            args.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        # Uploaded file parts are ignored: files arrive via the upload URL flow.
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    return args


def read_token(request: web.Request, args: dict) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    token = args.get("token")
    return str(token) if token else None
