"""The MCP servers a channel's answers may use, as the settings file declares them (pure).

Under `mcp_servers:` in any section of config/assistant.yaml, keyed by a short name:

    mcp_servers:
      time:
        url: http://127.0.0.1:8931/mcp      # streamable HTTP
        headers: {Authorization: TIME_TOKEN} # header -> secret name (Secret Manager; locally env)
        tools: [get_current_time]            # the allowlist; ["*"]: every tool the server lists
        confirm: []                          # tools that need a click before they run
        enabled: true                        # false: a channel turns off a wider section's server

Sections merge key by key like every other setting (defaults, then the workspace, then the
channel), so a channel may narrow `tools` of a server the defaults declare. A header's value is
never written here: only the name of the secret that holds it. Standard library only (the
settings registry imports it).

    >>> servers = McpServers.from_section({"time": {"url": "http://h/mcp", "tools": ["a"]}})
    >>> [(server.name, server.allows("a"), server.allows("b")) for server in servers.usable()]
    [('time', True, False)]
    >>> namespaced("my server", "get.time/now")
    'my_server__get_time_now'
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["ALL_TOOLS", "McpServer", "McpServers", "namespaced"]

ALL_TOOLS = "*"
# OpenAI's function names: ^[a-zA-Z0-9_-]{1,64}$.
_NAME_LIMIT = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_SECRET_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,254}$")  # Secret Manager's (and env's) shape
_KEYS = ("url", "headers", "tools", "confirm", "enabled")


def namespaced(server: str, tool: str) -> str:
    """The name the model sees for a server's tool: `<server>__<tool>`, in OpenAI's pattern."""
    name = f"{_UNSAFE.sub('_', server)}__{_UNSAFE.sub('_', tool)}"
    return name[:_NAME_LIMIT]


@dataclasses.dataclass(frozen=True, kw_only=True)
class McpServer:
    name: str
    url: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # (header, secret name): never a secret's value
    tools: frozenset[str] = frozenset()
    confirm: frozenset[str] = frozenset()
    enabled: bool = True

    def allows(self, tool: str) -> bool:
        return ALL_TOOLS in self.tools or tool in self.tools

    def needs_confirmation(self, tool: str) -> bool:
        return ALL_TOOLS in self.confirm or tool in self.confirm

    def needs_approval(self, tool: str, *, read_only: bool) -> bool:
        """Whether a call of `tool` waits for the asker's Approve (assistant/approvals/): the
        server does not mark it read-only (a missing `readOnlyHint` may write), or the
        settings list it under `confirm`."""
        return not read_only or self.needs_confirmation(tool)

    def to_section(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "headers": dict(self.headers),
            "tools": sorted(self.tools),
            "confirm": sorted(self.confirm),
            "enabled": self.enabled,
        }


@dataclasses.dataclass(frozen=True)
class McpServers:
    """A channel's servers (hashable, like the rest of ChannelSettings)."""

    servers: tuple[McpServer, ...] = ()

    def usable(self) -> tuple[McpServer, ...]:
        """The servers answers may use: enabled, with a URL and some tools allowed."""
        return tuple(s for s in self.servers if s.enabled and s.url and s.tools)

    def to_section(self) -> dict[str, Any]:
        return {server.name: server.to_section() for server in self.servers}

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> McpServers:
        """From a merged (already checked) section."""
        servers = []
        for name, entry in sorted(section.items()):
            servers.append(
                McpServer(
                    name=name,
                    url=str(entry.get("url", "")),
                    headers=tuple(sorted(dict(entry.get("headers") or {}).items())),
                    tools=frozenset(entry.get("tools") or ()),
                    confirm=frozenset(entry.get("confirm") or ()),
                    enabled=bool(entry.get("enabled", True)),
                )
            )
        return cls(tuple(servers))

    @staticmethod
    def check(value: object, where: str, problems: list[str]) -> dict[str, Any]:
        """One section's `mcp_servers`, checked: each wrong key named by its path in
        `problems`; returns what was right (a sparse override, merged later)."""
        if not isinstance(value, dict):
            problems.append(f"{where}: must map server names to {{url, headers, tools, ...}}")
            return {}
        checked: dict[str, Any] = {}
        for name, entry in value.items():
            path = f"{where}.{name}"
            if not isinstance(name, str) or not _SERVER_NAME.match(name):
                problems.append(f"{path}: a server's name is 1-24 letters, digits, _ or -")
                continue
            if not isinstance(entry, dict):
                problems.append(f"{path}: must be a mapping with url, headers, tools, ...")
                continue
            checked[name] = _check_server(entry, path, problems)
        return checked


def _check_server(entry: Mapping[Any, Any], path: str, problems: list[str]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, item in entry.items():
        at = f"{path}.{key}"
        if key not in _KEYS:
            problems.append(f"{at}: unknown key (expected one of {', '.join(_KEYS)})")
        elif key == "url":
            if not isinstance(item, str) or not re.match(r"^https?://[^/\s]+", item):
                problems.append(f"{at}: must be an http(s) URL (streamable HTTP), got {item!r}")
            elif "@" in item.split("/")[2]:
                problems.append(f"{at}: no credentials in the URL; use headers with a secret")
            else:
                checked[key] = item
        elif key == "headers":
            checked[key] = _check_headers(item, at, problems)
        elif key in ("tools", "confirm"):
            if isinstance(item, list) and all(isinstance(x, str) and x for x in item):
                checked[key] = list(item)
            else:
                problems.append(f'{at}: must be a list of tool names (or ["*"]), got {item!r}')
        elif isinstance(item, bool):
            checked[key] = item
        else:
            problems.append(f"{at}: must be true or false, got {item!r}")
    return checked


def _check_headers(value: object, path: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(f"{path}: must map header names to secret names")
        return {}
    checked = {}
    for header, secret in value.items():
        if not isinstance(header, str) or not _HEADER_NAME.match(header):
            problems.append(f"{path}.{header}: not an HTTP header name")
        elif not isinstance(secret, str) or not _SECRET_NAME.match(secret):
            # Never echo the value: it may be a secret pasted by mistake.
            problems.append(
                f"{path}.{header}: must name a secret (letters, digits, _ or -), not hold a value"
            )
        else:
            checked[header] = secret
    return checked
