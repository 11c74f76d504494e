"""The channel's MCP servers' tools, offered to the model: the one `ToolSource` for all of them.

Each allowed tool of each usable server (assistant/mcp/servers.py decides which) is a `Tool`
named `<server>__<tool>` with the server's own input schema; its task card reads
"<server>: <tool>". A read-only call runs within `call_timeout_seconds` (and the answer's
deadline), is counted in the usage ledger, and whatever goes wrong comes back to the model as
a clear "Error: …" result: a server never fails the answer. A tool that may write is not run
when the model calls it: the call is proposed (assistant/approvals/), shown in the thread with
Approve and Deny, and runs only after the asker's click (`ApprovedMcpCalls`). The
audience policy governs them all as `Source.TOOLS`.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from assistant.answer.plan import Planner
from assistant.answer.tool_need import names_the_tool
from assistant.answer.tools import ToolRequest
from assistant.approvals.pending import PendingCall
from assistant.approvals.proposals import Proposals, waiting
from assistant.audience.policy import Source
from assistant.llm.tools import Tool
from assistant.mcp.client import ListedTool, McpClient, McpUnavailable
from assistant.mcp.results import framed
from assistant.mcp.servers import McpServer, namespaced
from assistant.mention import Mention
from assistant.settings_registry import MCP_SERVERS

__all__ = ["ApprovedMcpCalls", "McpTools"]

logger = logging.getLogger(__name__)

_DESCRIPTION_CHARS = 1_000
_MIN_CALL_SECONDS = 1.0
# Most MCP tools one answer is offered (OpenAI takes 128 tools; each costs prompt tokens).
MAX_OFFERED = 40


class McpTools:
    name = "mcp"
    source = Source.TOOLS

    def __init__(
        self, client: McpClient, proposals: Proposals, *, call_timeout_seconds: float = 20.0
    ) -> None:
        self._client = client
        self._proposals = proposals
        self._timeout = call_timeout_seconds

    def applies(self, request: ToolRequest) -> bool:
        return bool(request.plan.channel.get(MCP_SERVERS).usable())

    def tools(self, request: ToolRequest) -> tuple[Tool, ...]:
        offered: dict[str, Tool] = {}
        proposed: list[str] = []  # this answer's calls waiting for approval
        for server in request.plan.channel.get(MCP_SERVERS).usable():
            for listed in self._client.tools(server):
                name = namespaced(server.name, listed.name)
                if not server.allows(listed.name) or name in offered:
                    continue
                # A small model pays a routing step for every tool offered: only those the
                # question names (answer/tool_need.py); OpenAI's models get every one.
                if not request.every_tool and not names_the_tool(
                    request.mention.question, listed.name
                ):
                    continue
                if server.needs_approval(listed.name, read_only=listed.read_only):
                    offered[name] = self._proposed(server, listed, name, request, proposed)
                else:
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

    def _proposed(
        self,
        server: McpServer,
        listed: ListedTool,
        name: str,
        request: ToolRequest,
        proposed: list[str],
    ) -> Tool:
        """A tool that may write: calling it proposes the call; the asker's click runs it."""
        title = f"{server.name}: {listed.name}"

        def run(arguments: dict[str, Any], *, deadline: float) -> str:
            return self._proposals.propose(
                request.mention, tool=name, server=server.name, server_tool=listed.name,
                arguments=arguments, proposed=proposed,
            )  # fmt: skip

        description = listed.description or f"{listed.name} from the {server.name} server"
        return Tool(
            name,
            f"[MCP server {server.name}; runs only after the person approves] "
            f"{description[:_DESCRIPTION_CHARS]}",
            _object_schema(listed.input_schema),
            run,
            status=f"{title}…",
            summarize=waiting,
        )


class ApprovedMcpCalls:
    """Runs an approved call (assistant/approvals/clicks.py): against the server as the
    channel's settings declare it now, so a server or tool removed since the proposal is not
    called. Returns the result framed as data, or why it did not run."""

    def __init__(self, client: McpClient, planner: Planner, *, call_timeout_seconds: float):
        self._client = client
        self._planner = planner
        self._timeout = call_timeout_seconds

    def __call__(self, call: PendingCall) -> str:
        plan = self._planner.plan(Mention.from_json(json.dumps(dict(call.mention))))
        server = next(
            (s for s in plan.channel.get(MCP_SERVERS).usable() if s.name == call.server), None
        )
        if server is None or not server.allows(call.server_tool):
            return f"Not run: {call.title} is no longer allowed in this channel's settings."
        try:
            result = self._client.call(
                server, call.server_tool, call.arguments, timeout=self._timeout
            )
        except McpUnavailable as error:
            logger.warning("approved mcp call failed", extra={"server": server.name,
                           "tool": call.server_tool, "error": str(error)})  # fmt: skip
            return (
                f"Error: {call.title} could not be run: {error}. Nothing is known to have changed."
            )
        return framed(server.name, call.server_tool, result)


def _object_schema(schema: Any) -> dict[str, Any]:
    """OpenAI wants an object schema for a function's arguments."""
    if isinstance(schema, dict) and schema.get("type") == "object":
        return {key: value for key, value in schema.items() if key not in ("$schema", "title")}
    return {"type": "object", "properties": {}}
