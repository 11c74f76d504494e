"""The channel's MCP servers' tools, offered to the model: the one `ToolSource` for all of them.

Each allowed read-only tool of each usable server (assistant/mcp/servers.py decides which) is a
`Tool` named `<server>__<tool>` with the server's own input schema; its task card reads
"<server>: <tool>". A call runs within `call_timeout_seconds` (and the answer's deadline), is
counted in the usage ledger, and whatever goes wrong comes back to the model as a clear
"Error: …" result: a server never fails the answer. The audience policy governs them as
`Source.TOOLS`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from assistant.answer.tools import ToolRequest
from assistant.audience.policy import Source
from assistant.llm.tools import Tool
from assistant.mcp.client import ListedTool, McpClient, McpUnavailable
from assistant.mcp.results import framed
from assistant.mcp.servers import McpServer, namespaced
from assistant.settings_registry import MCP_SERVERS

__all__ = ["McpTools"]

logger = logging.getLogger(__name__)

_DESCRIPTION_CHARS = 1_000
_MIN_CALL_SECONDS = 1.0
# Most MCP tools one answer is offered (OpenAI takes 128 tools; each costs prompt tokens).
MAX_OFFERED = 40


class McpTools:
    name = "mcp"
    source = Source.TOOLS

    def __init__(self, client: McpClient, *, call_timeout_seconds: float = 20.0) -> None:
        self._client = client
        self._timeout = call_timeout_seconds

    def applies(self, request: ToolRequest) -> bool:
        return bool(request.plan.channel.get(MCP_SERVERS).usable())

    def tools(self, request: ToolRequest) -> tuple[Tool, ...]:
        offered: dict[str, Tool] = {}
        for server in request.plan.channel.get(MCP_SERVERS).usable():
            for listed in self._client.tools(server):
                name = namespaced(server.name, listed.name)
                if server.offers(listed.name, read_only=listed.read_only) and name not in offered:
                    offered[name] = self._tool(server, listed, name, request)
        if len(offered) > MAX_OFFERED:
            logger.warning("mcp tools left out", extra={"offered": MAX_OFFERED,
                                                       "allowed": len(offered)})  # fmt: skip
        return tuple(offered.values())[:MAX_OFFERED]

    def _tool(self, server: McpServer, listed: ListedTool, name: str, request: ToolRequest) -> Tool:
        calls = [0]

        def run(arguments: dict[str, Any], *, deadline: float) -> str:
            calls[0] += 1
            request.meter.record_api_call(
                f"mcp-{name}-{calls[0]}", kind="mcp_call", method=f"{server.name}/{listed.name}"
            )
            timeout = min(self._timeout, deadline - time.monotonic())
            if timeout < _MIN_CALL_SECONDS:
                return f"Error: no time left to call {listed.name} on {server.name}."
            started = time.monotonic()
            try:
                result = self._client.call(server, listed.name, arguments, timeout=timeout)
            except McpUnavailable as error:
                logger.warning("mcp call failed", extra={"server": server.name,
                               "tool": listed.name, "error": str(error)})  # fmt: skip
                return (f"Error: the tool {listed.name} on the MCP server {server.name} is "
                        f"unavailable: {error}. Answer without it, and say so.")  # fmt: skip
            logger.info("mcp call", extra={"server": server.name, "tool": listed.name,
                        "seconds": round(time.monotonic() - started, 3),
                        "is_error": result.is_error})  # fmt: skip
            return framed(server.name, listed.name, result)

        description = listed.description or f"{listed.name} from the {server.name} server"
        return Tool(
            name,
            f"[MCP server {server.name}] {description[:_DESCRIPTION_CHARS]}",
            _object_schema(listed.input_schema),
            run,
            status=f"{server.name}: {listed.name}…",
        )


def _object_schema(schema: Any) -> dict[str, Any]:
    """OpenAI wants an object schema for a function's arguments."""
    if isinstance(schema, dict) and schema.get("type") == "object":
        return {key: value for key, value in schema.items() if key not in ("$schema", "title")}
    return {"type": "object", "properties": {}}
