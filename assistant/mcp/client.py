"""Talking to MCP servers over streamable HTTP with the official SDK (`mcp` 2.x).

The SDK is async and the responder is not: each list or call runs on a private event loop
(`asyncio.run` in a worker thread of this client), bounded by a timeout both inside the loop
(`anyio.fail_after`, connection.py) and outside it (the caller stops waiting), so a hung
server costs the
answer at most the timeout. A connection is opened per operation (initialize, then the
request, then the session is closed): servers behind load balancers and Cloud Run instances
hold no state between calls, and nothing long-lived needs minding.

A server's tool list is cached per instance for `list_ttl_seconds` (a changed list is picked
up after that); a server that could not be listed is retried after `RETRY_SECONDS`.

Header values are secrets: resolved by name when connecting (`SecretValues`), sent, and
never logged or put in an error: errors name the server and what went wrong, nothing else.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.config import SECRET_FILE_SUFFIX, SECRET_PLACEHOLDER
from assistant.mcp.servers import McpServer
from assistant.settings_registry import ENV_SETTINGS, MCP_HEADERS

if TYPE_CHECKING:
    from mcp_types import CallToolResult

__all__ = ["ListedTool", "McpClient", "McpUnavailable", "SecretValues"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_SECONDS = 30.0  # a server that failed to list is not asked again before this
_WORKERS = 8  # operations at once per instance (each on its own event loop)


class McpUnavailable(Exception):
    """The server could not be used; the message is safe for the model (no URL, no secret)."""


@dataclasses.dataclass(frozen=True)
class ListedTool:
    name: str  # the server's own name for it
    description: str
    input_schema: Mapping[str, Any]
    read_only: bool  # the server marks it readOnlyHint: true


class SecretValues:
    """A header's value by its secret's name. In the cloud, from the one Secret Manager secret
    `MCP_HEADERS` (a JSON object: name -> value) whose volume file MCP_HEADERS_FILE names, read
    on each use, so a new version counts at once and its placeholder breaks nothing but MCP.
    Locally (no such file), the environment variable of that name. A name that is one of the
    assistant's own variables is refused: a settings file must not send our keys away."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = os.environ if env is None else env

    def __call__(self, name: str) -> str:
        if name in ENV_SETTINGS or name.removesuffix(SECRET_FILE_SUFFIX) in ENV_SETTINGS:
            raise McpUnavailable(f"its credential {name!r} names one of the assistant's settings")
        bundle = self._env.get(MCP_HEADERS.name + SECRET_FILE_SUFFIX, "")
        value = self._from_bundle(bundle, name) if bundle else self._env.get(name, "")
        if not value:
            raise McpUnavailable(f"its credential {name!r} is not configured")
        return value

    @staticmethod
    def _from_bundle(path: str, name: str) -> str:
        try:
            text = Path(path).read_text().strip()
        except OSError:
            return ""
        if text == SECRET_PLACEHOLDER:
            return ""
        try:
            values = json.loads(text)
        except ValueError:
            logger.error("MCP_HEADERS is not a JSON object of secret names")  # never its text
            return ""
        value = values.get(name) if isinstance(values, dict) else None
        return value if isinstance(value, str) else ""


class McpClient:
    def __init__(
        self,
        *,
        secrets: Callable[[str], str],
        list_ttl_seconds: float = 300.0,
        list_timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._secrets = secrets
        self._ttl = list_ttl_seconds
        self._list_timeout = list_timeout_seconds
        self._clock = clock
        self._lists: dict[McpServer, tuple[float, tuple[ListedTool, ...]]] = {}
        self._lock = threading.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(_WORKERS, thread_name_prefix="mcp")

    def tools(self, server: McpServer) -> tuple[ListedTool, ...]:
        """The server's tools, from the cache while fresh; () when it cannot be listed."""
        now = self._clock()
        with self._lock:
            cached = self._lists.get(server)
        if cached is not None and now < cached[0]:
            return cached[1]
        try:
            listed = self._run(server, self._list_timeout, lambda c, url, headers: c.list_tools(
                url, headers, self._list_timeout))  # fmt: skip
            expires = now + self._ttl
        except McpUnavailable as error:
            logger.warning("mcp server not listed", extra={"server": server.name,
                                                           "error": str(error)})  # fmt: skip
            listed, expires = (), now + RETRY_SECONDS
        with self._lock:
            self._lists[server] = (expires, listed)
        return listed

    def call(
        self, server: McpServer, tool: str, arguments: Mapping[str, Any], *, timeout: float
    ) -> CallToolResult:
        """One call of `tool`; raises `McpUnavailable` (a model-safe reason) on any failure."""
        return self._run(server, timeout, lambda c, url, headers: c.call_tool(
            url, headers, tool, dict(arguments), timeout))  # fmt: skip

    def _run(
        self,
        server: McpServer,
        timeout: float,
        operation: Callable[[Any, str, dict[str, str]], Awaitable[T]],
    ) -> T:
        # The SDK loads on first use: an instance whose channels name no MCP server never
        # pays its import (about half a second of cold start).
        from assistant.mcp import connection

        headers = {header: self._secrets(secret) for header, secret in server.headers}
        work = connection.bounded(lambda: operation(connection, server.url, headers), timeout)
        future = self._pool.submit(asyncio.run, work)
        try:
            return future.result(timeout + 1.0)  # the loop's own timeout fires first
        except (TimeoutError, concurrent.futures.TimeoutError):
            raise McpUnavailable(f"it did not answer within {timeout:g} s") from None
        except McpUnavailable:
            raise
        except Exception as error:  # the SDK's, httpx2's, or an ExceptionGroup of them
            raise McpUnavailable(connection.reason(error)) from None
