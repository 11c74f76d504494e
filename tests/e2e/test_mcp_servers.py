"""MCP servers through the whole local stack: the settings file on the storage emulator names
real MCP servers (mcp-server-time, and our notes server with a write tool) served over
streamable HTTP by this test; the mention goes through signed ingress, Pub/Sub and the
responder process, and the deterministic model calls the tool."""

from __future__ import annotations

import time

import pytest
import yaml

from devstack.mcp_servers import notes_server, serving, time_server
from tests.e2e.harness import message_text, unique

REFRESH = 1.0  # comfortably above SETTINGS_REFRESH_SECONDS in tests/conftest.py


@pytest.fixture(scope="module")
def mcp_settings(stack):
    original = stack.settings_file.read()
    with serving(time_server()) as time_url, serving(notes_server()) as notes_url:
        servers = {
            "time": {"url": time_url, "tools": ["get_current_time"]},
            "notes": {"url": notes_url, "tools": ["*"]},
        }
        stack.settings_file.write(
            yaml.safe_dump({"channels": {"C0RANDOM": {"mcp_servers": servers}}})
        )
        time.sleep(REFRESH)
        yield
    stack.settings_file.write(original)
    time.sleep(REFRESH)


def test_the_time_servers_tool_answers_through_the_whole_stack(
    mcp_settings, sandbox, claims, model
):
    question = unique('[[tool:time__get_current_time:{"timezone": "Asia/Tokyo"}]] time?')
    posted = sandbox.mention(question, channel="C0RANDOM")
    claims.wait_final(posted["event_id"])

    [reply] = sandbox.bot_replies(posted["ts"], channel="C0RANDOM")
    assert "Asia/Tokyo" in message_text(reply) and "+09:00" in message_text(reply)
    offered = [t["function"]["name"] for t in model.requests(question)[0]["body"]["tools"]]
    assert "time__get_current_time" in offered and "notes__list_notes" in offered
    assert "notes__create_note" not in offered  # it may write: not offered without approval
