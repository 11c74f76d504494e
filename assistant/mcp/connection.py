"""One MCP operation over a fresh streamable-HTTP connection, with the official SDK (`mcp` 2.x).

Loaded on first use by client.py (the SDK's import is the cost of half a second of cold
start). Everything here runs on the client's private event loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import anyio
import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult

from assistant.mcp.client import ListedTool, McpUnavailable

__all__ = ["bounded", "call_tool", "list_tools", "reason"]

T = TypeVar("T")
_MOST_TOOLS = 500  # a server listing more is cut there (pages are followed until then)


async def bounded(operation: Callable[[], Awaitable[T]], timeout: float) -> T:
    # In the operation's own task: the SDK's anyio cancel scopes must exit where they were
    # entered (asyncio.wait_for would run it in another task, and closing fails).
    with anyio.fail_after(timeout):
        return await operation()


async def list_tools(url: str, headers: dict[str, str], timeout: float) -> tuple[ListedTool, ...]:
    async with _connected(url, headers, timeout) as session:
        listed: list[ListedTool] = []
        cursor = None
        while True:
            page = await session.list_tools(
                params={"cursor": cursor} if cursor else None  # type: ignore[arg-type]
            )
            for tool in page.tools:
                hints = tool.annotations
                listed.append(
                    ListedTool(
                        name=tool.name,
                        description=tool.description or tool.title or "",
                        input_schema=dict(tool.input_schema or {"type": "object"}),
                        read_only=bool(hints is not None and hints.read_only_hint is True),
                    )
                )
            cursor = page.next_cursor
            if not cursor or len(listed) >= _MOST_TOOLS:
                return tuple(listed[:_MOST_TOOLS])


async def call_tool(
    url: str, headers: dict[str, str], tool: str, arguments: dict[str, Any], timeout: float
) -> CallToolResult:
    async with _connected(url, headers, timeout) as session:
        result = await session.call_tool(tool, arguments, read_timeout_seconds=timeout)
        if not isinstance(result, CallToolResult):
            raise McpUnavailable("it asked for more input, which is not supported")
        return result


@contextlib.asynccontextmanager
async def _connected(
    url: str, headers: dict[str, str], timeout: float
) -> AsyncIterator[ClientSession]:
    """An initialized `ClientSession` over a fresh streamable-HTTP connection, closed after."""
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(timeout)) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def reason(error: BaseException) -> str:
    """What went wrong, for the model and the logs: the error's kind and, for an HTTP status,
    the status; never the message (it may quote a URL's query or a header)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, McpUnavailable):
        return str(error)
    if isinstance(error, MCPError):  # the server's own JSON-RPC error: its words, as data
        return f"it refused the request: {error.error.message[:300]}"
    if isinstance(error, TimeoutError):
        return "it did not answer in time"
    status = getattr(getattr(error, "response", None), "status_code", None)
    if status is not None:
        return f"it answered HTTP {status}"
    if isinstance(error, httpx2.TransportError):
        return "it could not be reached"
    return f"it failed ({type(error).__name__})"
