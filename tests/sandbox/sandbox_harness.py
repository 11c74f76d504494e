"""Runs the sandbox and a signature-checking event receiver on a background loop.

Tests stay synchronous (the real, blocking slack_sdk WebClient needs a server it
does not share a thread with); the servers live on one asyncio loop in a thread.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from dataclasses import dataclass, field

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from devstack.slack_sandbox import SANDBOX_KEY, SandboxConfig, create_app
from tests.servers import LoopThread, serve

SECRET = "test-signing-secret"
TOKEN = "xoxb-sandbox-test-token"


@dataclass
class Received:
    headers: dict
    body: bytes
    verified: bool
    at: float

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """The app side: verifies each request with slack_sdk's SignatureVerifier.

    `answers` is consumed per request: (status, delay seconds); the last one repeats.
    """

    answers: list[tuple[int, float]] = field(default_factory=lambda: [(200, 0.0)])
    no_retry: bool = False  # answer with X-Slack-No-Retry: 1
    received: list[Received] = field(default_factory=list)
    url: str = ""
    verifier: SignatureVerifier = field(default_factory=lambda: SignatureVerifier(SECRET))

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        verified = self.verifier.is_valid_request(body, dict(request.headers))
        self.received.append(Received(dict(request.headers), body, verified, time.monotonic()))
        status, delay = self.answers[min(len(self.received), len(self.answers)) - 1]
        if delay:
            await asyncio.sleep(delay)
        payload = json.loads(body)
        if payload.get("type") == "url_verification":
            return web.Response(text=payload["challenge"])
        headers = {"X-Slack-No-Retry": "1"} if self.no_retry else {}
        return web.Response(status=status, text="", headers=headers)

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/slack/events", self.handle)
        return app


class RunningSandbox:
    def __init__(self, loop: LoopThread, config: SandboxConfig):
        self.loop = loop
        self.app = create_app(config)
        self.runner, self.port = loop.run(serve(self.app))
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.url}/api/"

    @property
    def state(self):
        return self.app[SANDBOX_KEY]

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 30):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return {"http_status": error.code, **json.loads(error.read() or b"{}")}

    def post(self, path: str, body: dict | None = None):
        return self.request("POST", path, body or {})

    def get(self, path: str, timeout: float = 30):
        return self.request("GET", path, timeout=timeout)

    def close(self):
        self.loop.run(self.runner.cleanup())
