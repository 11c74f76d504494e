"""Real MCP servers over streamable HTTP, for `nox -s dev` and the tests.

- `time`: `mcp-server-time` from PyPI (a stdio server by default); its `create_server` builds
  the SDK's `MCPServer`, which this serves over streamable HTTP in-process instead.
- `notes`: ours, built with the SDK: `list_notes` is marked read-only, `create_note` is not
  (it writes), so the assistant does not offer it until the Approve / Deny flow exists.
- `hang`: a read-only tool that never answers in time (tests of the per-call timeout).

    python -m devstack.mcp_servers --server time --port 8931   # http://127.0.0.1:8931/mcp
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import uvicorn
import yaml
from mcp.server.mcpserver import MCPServer
from mcp_server_time.server import create_server
from mcp_types import ToolAnnotations

from devstack.processes import ManagedProcess, free_port, wait_for_http
from devstack.settings_file import LocalSettingsObject
from devstack.stack import REPO_ROOT

__all__ = [
    "SERVERS",
    "hang_server",
    "notes_server",
    "serving",
    "start_dev_servers",
    "time_server",
    "wire_channel",
]

READ_ONLY = ToolAnnotations(read_only_hint=True)
HANG_SECONDS = 60.0


def time_server() -> MCPServer:
    return create_server("UTC")


def notes_server() -> MCPServer:
    server = MCPServer("notes")
    notes: list[str] = ["Standup moved to 10:00 on Fridays."]

    @server.tool(description="Lists the team's notes.", annotations=READ_ONLY)
    def list_notes() -> str:
        return "\n".join(f"- {note}" for note in notes) or "(no notes)"

    @server.tool(description="Creates a note (writes: needs the asker's approval).")
    def create_note(text: str) -> str:
        notes.append(text)
        return f"Created note {len(notes)}."

    return server


def hang_server() -> MCPServer:
    server = MCPServer("hang")

    @server.tool(description="Looks something up, very slowly.", annotations=READ_ONLY)
    async def lookup(query: str) -> str:
        await anyio.sleep(HANG_SECONDS)
        return "too late"

    return server


SERVERS = {"time": time_server, "notes": notes_server, "hang": hang_server}


@contextlib.contextmanager
def serving(server: MCPServer, *, wrap: Callable[[Any], Any] = lambda app: app) -> Iterator[str]:
    """Serve `server` (its app passed through `wrap`, a middleware say) on a free loopback
    port in a thread; yields its endpoint URL."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = wrap(server.streamable_http_app())
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, name=f"mcp-{port}", daemon=True)
    thread.start()
    give_up = time.monotonic() + 10
    while not runner.started:
        if time.monotonic() > give_up or not thread.is_alive():
            raise RuntimeError("the MCP server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        runner.should_exit = True
        thread.join(timeout=5)


# What `nox -s dev` wires `#general` to: the time server's tools, and the notes server's
# (`create_note` may write, so a call of it waits for the asker's Approve on the page).
DEV_SERVERS = {"time": ["*"], "notes": ["*"]}
DEV_CHANNEL = "C0GENERAL"


def start_dev_servers(log_dir: Path) -> tuple[dict[str, Any], list[ManagedProcess]]:
    """Each dev server in its own process on a free port: their settings entries, and the
    processes (stopped with the stack)."""
    servers: dict[str, Any] = {}
    processes = []
    for name, tools in DEV_SERVERS.items():
        port = free_port()
        command = [sys.executable, "-m", "devstack.mcp_servers", "--server", name]
        process = ManagedProcess(
            f"mcp-{name}", [*command, "--port", str(port)], log_dir=log_dir, cwd=REPO_ROOT
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}/mcp"
        wait_for_http(url, timeout=30, process=process.process)  # any status: it listens
        servers[name] = {"url": url, "tools": tools}
    return servers, processes


def wire_channel(settings: LocalSettingsObject, servers: dict[str, Any]) -> None:
    """Add the servers to `#general` in the stack's settings file (the responder reads it
    again within SETTINGS_REFRESH_SECONDS; the stack wrote it at start)."""
    data = yaml.safe_load(settings.read()) or {}
    channels = data.get("channels") or {}
    channel = channels.get(DEV_CHANNEL) or {}
    channel["mcp_servers"] = {**(channel.get("mcp_servers") or {}), **servers}
    data["channels"] = {**channels, DEV_CHANNEL: channel}
    settings.write(yaml.safe_dump(data, sort_keys=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", choices=sorted(SERVERS), required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = SERVERS[args.server]().streamable_http_app()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":
    main()
