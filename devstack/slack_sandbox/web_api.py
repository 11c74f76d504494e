"""`/api/{method}`: authentication, injected faults, dispatch, Slack's JSON answers."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from aiohttp import web

from . import (
    assistant_methods,
    chat_methods,
    file_methods,
    read_methods,
    search_methods,
    stream_methods,
)
from .api_error import ApiError
from .call import Call
from .faults import FaultBook
from .request_args import read_args, read_token
from .workspace import Workspace

__all__ = ["METHODS", "WebApi", "base_url_of"]

Method = Callable[[Call, dict], dict]
METHODS: dict[str, Method] = {
    **read_methods.METHODS,
    **chat_methods.METHODS,
    **stream_methods.METHODS,
    **file_methods.METHODS,
    **assistant_methods.METHODS,
    **search_methods.METHODS,
}
CALL_LOG_SIZE = 2000


def base_url_of(request: web.Request, public_url: str | None) -> str:
    return (public_url or f"{request.scheme}://{request.host}").rstrip("/")


class WebApi:
    def __init__(
        self,
        *,
        workspace: Workspace,
        faults: FaultBook,
        bot_token: str,
        public_url: str | None = None,
        on_call: Callable[[dict], None] = lambda entry: None,
    ):
        self.workspace = workspace
        self.faults = faults
        self.bot_token = bot_token
        self.public_url = public_url
        self.on_call = on_call
        # Recent calls, so tests and the UI can see what the bot asked for.
        self.calls: deque[dict] = deque(maxlen=CALL_LOG_SIZE)

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await read_args(request)
        status, headers, body = await self._answer(request, method, args)
        entry = {
            "method": method,
            "at": time.time(),
            "status": status,
            "ok": body.get("ok"),
            "error": body.get("error"),
            "args": {k: v for k, v in args.items() if k != "token"},
        }
        self.calls.append(entry)
        self.on_call(entry)
        return web.json_response(body, status=status, headers=headers)

    async def _answer(self, request: web.Request, method: str, args: dict):
        fault = self.faults.take(method)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            answer = fault.answer()
            if answer is not None:
                return answer
        implementation = METHODS.get(method)
        if implementation is None:
            return 200, {}, {"ok": False, "error": "unknown_method", "req_method": method}
        token = read_token(request, args)
        if token is None:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if token != self.bot_token:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        call = Call(
            workspace=self.workspace,
            base_url=base_url_of(request, self.public_url),
        )
        try:
            return 200, {}, {"ok": True, **implementation(call, args)}
        except ApiError as error:
            return error.status, {}, error.body()
