"""What an MCP tool call adds to an answer: `McpClient.call` against mcp-server-time served
over streamable HTTP on loopback, split into its parts.

The client opens a connection per call (initialize, the call, then the session's DELETE) on a
private event loop in a worker thread (`asyncio.run`): compared with the same connection made
with `asyncio.run` in the calling thread (what the worker thread costs) and with a call on a
session kept open (what the server itself takes).
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import Callable

from assistant.mcp.client import McpClient, SecretValues
from assistant.mcp.connection import _connected
from assistant.mcp.servers import McpServer
from devstack.mcp_servers import serving, time_server

CALLS = 30
ARGUMENTS = {"timezone": "UTC"}


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median ms": statistics.median(ordered) * 1000,
        "p90 ms": ordered[int(len(ordered) * 0.9)] * 1000,
    }


def _timed(action: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(CALLS):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def run() -> list[dict]:
    logging.disable(logging.INFO)  # httpx2 logs every request at INFO
    try:
        with serving(time_server()) as url:
            client = McpClient(secrets=SecretValues(env={}))
            server = McpServer(name="time", url=url, tools=frozenset({"*"}))
            listed = _timed(lambda: client.tools(server))  # the first lists, the rest: cached

            async def fresh() -> None:
                async with _connected(url, {}, 5.0) as session:
                    await session.call_tool("get_current_time", ARGUMENTS)

            async def kept() -> list[float]:
                async with _connected(url, {}, 5.0) as session:
                    samples = []
                    for _ in range(CALLS):
                        started = time.perf_counter()
                        await session.call_tool("get_current_time", ARGUMENTS)
                        samples.append(time.perf_counter() - started)
                    return samples

            def call() -> object:
                return client.call(server, "get_current_time", ARGUMENTS, timeout=5.0)

            first = {"median ms": listed[0] * 1000, "p90 ms": listed[0] * 1000}
            rows = [
                {"what": "tools/list, first (then cached)", **first},
                {"what": "tools/list from the cache", **_ms(listed[1:])},
                {"what": "McpClient.call (worker thread, new connection)", **_ms(_timed(call))},
                {
                    "what": "new connection, asyncio.run here",
                    **_ms(_timed(lambda: asyncio.run(fresh()))),
                },
                {"what": "call on a kept session (the server)", **_ms(asyncio.run(kept()))},
            ]
    finally:
        logging.disable(logging.NOTSET)
    return rows
