"""The MCP client against real servers over streamable HTTP (the SDK's own, in-process):
tool lists cached with a TTL, header secrets sent but never shown, and every failure a
model-safe error within the call's timeout."""

from __future__ import annotations

import json
import logging
import time

import pytest
from starlette.responses import PlainTextResponse

from assistant.config import SECRET_PLACEHOLDER
from assistant.mcp.client import McpClient, McpUnavailable, SecretValues
from assistant.mcp.servers import McpServer
from devstack.mcp_servers import READ_ONLY, hang_server, notes_server, serving, time_server

SECRET = "sk-mcp-do-not-leak-4242"


def server(url: str, **more) -> McpServer:
    return McpServer(name="s", url=url, tools=frozenset({"*"}), **more)


class Clock:
    now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_the_tool_list_is_cached_and_a_change_is_picked_up_after_the_ttl():
    notes, clock = notes_server(), Clock()
    client = McpClient(secrets=SecretValues(env={}), list_ttl_seconds=60, clock=clock)
    with serving(notes) as url:
        first = client.tools(server(url))
        assert {(t.name, t.read_only) for t in first} == {
            ("list_notes", True),
            ("create_note", False),
        }
        notes.add_tool(lambda: "pinned", name="pinned_notes", annotations=READ_ONLY)
        clock.now += 30
        assert client.tools(server(url)) == first  # still cached
        clock.now += 31
        assert "pinned_notes" in {t.name for t in client.tools(server(url))}


def test_a_call_returns_the_servers_result_quickly():
    client = McpClient(secrets=SecretValues(env={}))
    with serving(time_server()) as url:
        client.tools(server(url))
        started = time.monotonic()
        result = client.call(server(url), "get_current_time", {"timezone": "UTC"}, timeout=5)
        assert time.monotonic() - started < 2
    assert result.structured_content and result.structured_content["timezone"] == "UTC"


def test_a_hung_server_is_an_error_within_the_timeout():
    client = McpClient(secrets=SecretValues(env={}))
    with serving(hang_server()) as url:
        started = time.monotonic()
        with pytest.raises(McpUnavailable, match="did not answer within 1 s"):
            client.call(server(url), "lookup", {"query": "x"}, timeout=1.0)
        assert time.monotonic() - started < 2.5


def test_an_unreachable_server_is_listed_as_no_tools_and_retried_later():
    clock = Clock()
    client = McpClient(secrets=SecretValues(env={}), clock=clock)
    gone = server("http://127.0.0.1:9/mcp")
    assert client.tools(gone) == ()
    with pytest.raises(McpUnavailable, match="could not be reached"):
        client.call(gone, "x", {}, timeout=2)


def require_token(app):
    async def guarded(scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            if headers.get(b"authorization") != f"Bearer {SECRET}".encode():
                await PlainTextResponse("no", status_code=401)(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded


def test_header_secrets_are_sent_by_name_and_never_in_errors_or_logs(caplog, tmp_path):
    bundle = tmp_path / "value"  # the mcp-headers secret's volume file
    bundle.write_text(json.dumps({"NOTES_TOKEN": f"Bearer {SECRET}", "WRONG": "Bearer nope"}))
    client = McpClient(secrets=SecretValues(env={"MCP_HEADERS_FILE": str(bundle)}))
    caplog.set_level(logging.DEBUG)
    with serving(notes_server(), wrap=require_token) as url:
        good = server(url, headers=(("Authorization", "NOTES_TOKEN"),))
        assert {t.name for t in client.tools(good)} == {"list_notes", "create_note"}
        wrong = server(url, headers=(("Authorization", "WRONG"),))
        with pytest.raises(McpUnavailable, match="refused the request") as refused:
            client.call(wrong, "list_notes", {}, timeout=3)
        missing = server(url, headers=(("Authorization", "NOT_SET"),))
        with pytest.raises(McpUnavailable, match="'NOT_SET' is not configured"):
            client.call(missing, "list_notes", {}, timeout=3)
    assert SECRET not in str(refused.value) and "nope" not in str(refused.value)
    assert SECRET not in caplog.text


def test_locally_a_secret_is_the_environment_variable_of_its_name():
    assert SecretValues(env={"TOKEN": "from-env"})("TOKEN") == "from-env"


def test_in_the_cloud_only_the_mcp_headers_secret_is_read_and_its_placeholder_is_no_value(
    tmp_path,
):
    bundle = tmp_path / "value"
    env = {"MCP_HEADERS_FILE": str(bundle), "TOKEN": "a plain variable"}
    bundle.write_text(json.dumps({"TOKEN": "from-secret"}))
    assert SecretValues(env=env)("TOKEN") == "from-secret"
    bundle.write_text(SECRET_PLACEHOLDER)
    with pytest.raises(McpUnavailable, match="'TOKEN' is not configured"):
        SecretValues(env=env)("TOKEN")


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "SLACK_BOT_TOKEN_FILE", "MCP_HEADERS"])
def test_a_secret_name_that_is_one_of_our_own_settings_is_refused(name):
    with pytest.raises(McpUnavailable, match="names one of the assistant's settings"):
        SecretValues(env={name: "sk-ours"})(name)
