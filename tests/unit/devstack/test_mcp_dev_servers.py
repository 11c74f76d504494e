"""`nox -s dev`'s MCP servers: real processes over streamable HTTP, wired to #general in the
stack's settings file; the notes server's write tool is offered as one that needs approval."""

from __future__ import annotations

import yaml

from assistant.channels.settings import ChannelSettings
from assistant.channels.settings_file import parse_settings
from assistant.mcp.client import McpClient, SecretValues
from assistant.settings_registry import MCP_SERVERS
from devstack.mcp_servers import DEV_CHANNEL, start_dev_servers, wire_channel
from devstack.stack import REPO_ROOT


class SettingsObject:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text

    def write(self, text: str) -> None:
        self.text = text


def test_dev_wires_general_to_the_time_and_notes_servers(tmp_path):
    servers, processes = start_dev_servers(tmp_path)
    try:
        settings = SettingsObject((REPO_ROOT / "config" / "assistant.yaml").read_text())
        wire_channel(settings, servers)  # type: ignore[arg-type]
        parsed = parse_settings(yaml.safe_load(settings.text))
        channel = parsed.resolve(ChannelSettings(), team="T0SANDBOX", channel=DEV_CHANNEL)
        client = McpClient(secrets=SecretValues(env={}))
        offered = {
            f"{server.name}__{tool.name}": server.needs_approval(tool.name, read_only=read_only)
            for server in channel.get(MCP_SERVERS).usable()
            for tool, read_only in ((t, t.read_only) for t in client.tools(server))
            if server.allows(tool.name)
        }
    finally:
        for process in processes:
            process.stop()
    assert offered == {
        "notes__create_note": True,  # it may write: it runs only after the asker's Approve
        "notes__list_notes": False,
        "time__convert_time": False,
        "time__get_current_time": False,
    }
