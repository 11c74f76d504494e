"""In-process stand-ins for the fast tests: the Slack sandbox and the fake OpenAI server, each
on a free loopback port, served from one asyncio loop in a background thread.

Tests stay synchronous: the real, blocking `slack_sdk` and `openai` clients talk to them over
HTTP exactly as they talk to Slack and OpenAI.
"""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web

__all__ = ["LoopThread", "serve"]


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]
