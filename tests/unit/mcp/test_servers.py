"""MCP servers in the settings file: merged like every setting, checked whole, and which
tools the model is offered (pure)."""

from __future__ import annotations

import pytest

from assistant.channels.settings import ChannelSettings
from assistant.channels.settings_file import InvalidSettings, parse_settings
from assistant.mcp.servers import McpServer, namespaced
from assistant.settings_registry import MCP_SERVERS

TIME = {"url": "https://time.example/mcp", "tools": ["*"], "headers": {"Authorization": "TOK"}}


def servers(parsed, channel="C1", team="T1"):
    resolved = parsed.resolve(ChannelSettings(), team=team, channel=channel)
    return {server.name: server for server in resolved.get(MCP_SERVERS).usable()}


def test_a_channel_narrows_a_server_the_defaults_declare_and_adds_its_own():
    parsed = parse_settings(
        {
            "defaults": {"mcp_servers": {"time": TIME}},
            "workspaces": {"T2": {"mcp_servers": {"time": {"enabled": False}}}},
            "channels": {
                "C1": {
                    "mcp_servers": {
                        "time": {"tools": ["get_current_time"]},
                        "notes": {"url": "http://127.0.0.1:1/mcp", "tools": ["list_notes"]},
                    }
                }
            },
        }
    )
    here = servers(parsed)
    assert sorted(here) == ["notes", "time"]
    assert here["time"].url == TIME["url"]  # kept from the defaults
    assert here["time"].headers == (("Authorization", "TOK"),)
    assert here["time"].allows("get_current_time") and not here["time"].allows("convert_time")
    assert sorted(servers(parsed, channel="C2")) == ["time"]
    assert here["time"].allows("convert_time") is False
    assert servers(parsed, channel="C2")["time"].allows("convert_time")  # "*" there
    assert servers(parsed, channel="C2", team="T2") == {}  # turned off for that workspace


def test_settings_show_secret_names_never_values(monkeypatch):
    monkeypatch.setenv("TOK", "sk-very-secret")
    parsed = parse_settings({"defaults": {"mcp_servers": {"time": TIME}}})
    shown = parsed.resolve(ChannelSettings(), team="T1", channel="C1").to_display()
    assert shown["mcp_servers"]["time"]["headers"] == {"Authorization": "TOK"}
    assert "sk-very-secret" not in repr(shown)


def test_every_wrong_server_entry_is_named_by_its_path():
    with pytest.raises(InvalidSettings) as error:
        parse_settings(
            {
                "defaults": {"mcp_servers": {"bad name!": {}, "x": "http://h"}},
                "channels": {
                    "C1": {
                        "mcp_servers": {
                            "y": {
                                "url": "ftp://h/mcp",
                                "tools": "all",
                                "headers": {"Authorization": "Bearer sk-live 123"},
                                "colour": "red",
                            },
                            "z": {"tools": ["a"]},
                            "w": {"url": "https://user:pw@h/mcp", "enabled": "yes"},
                        }
                    }
                },
            }
        )
    problems = error.value.problems
    assert problems == [
        "defaults.mcp_servers.bad name!: a server's name is 1-24 letters, digits, _ or -",
        "defaults.mcp_servers.x: must be a mapping with url, headers, tools, ...",
        "channels.C1.mcp_servers.y.url: must be an http(s) URL (streamable HTTP), got 'ftp://h/mcp'",
        "channels.C1.mcp_servers.y.tools: must be a list of tool names (or [\"*\"]), got 'all'",
        "channels.C1.mcp_servers.y.headers.Authorization: must name a secret (letters, digits, "
        "_ or -), not hold a value",
        "channels.C1.mcp_servers.y.colour: unknown key (expected one of url, headers, tools, "
        "confirm, enabled)",
        "channels.C1.mcp_servers.w.url: no credentials in the URL; use headers with a secret",
        "channels.C1.mcp_servers.w.enabled: must be true or false, got 'yes'",
        "channels.C1.mcp_servers.w.url: required (no wider section has it)",
        "channels.C1.mcp_servers.y.url: required (no wider section has it)",
        "channels.C1.mcp_servers.z.url: required (no wider section has it)",
    ]
    assert not any("sk-live" in problem for problem in problems)


def test_tools_that_may_write_or_are_listed_under_confirm_need_approval():
    server = McpServer(
        name="notes", url="http://h/mcp", tools=frozenset({"*"}), confirm=frozenset({"archive"})
    )
    assert server.allows("list_notes") and not server.needs_approval("list_notes", read_only=True)
    assert server.needs_approval("create_note", read_only=False)  # no readOnlyHint: may write
    assert server.needs_approval("archive", read_only=True)  # the settings ask for a click
    narrow = McpServer(name="notes", url="http://h/mcp", tools=frozenset({"list_notes"}))
    assert not narrow.allows("search")


@pytest.mark.parametrize(
    ("server", "tool", "name"),
    [
        ("time", "get_current_time", "time__get_current_time"),
        ("git-hub", "repo.search/all", "git-hub__repo_search_all"),
        ("x", "ü" * 3 + "tool", "x___tool"),
        ("long", "t" * 100, "long__" + "t" * 58),
    ],
)
def test_tool_names_are_namespaced_in_openais_pattern(server, tool, name):
    assert namespaced(server, tool) == name
    assert len(name) <= 64
