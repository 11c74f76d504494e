"""MCP servers through the whole local stack: the settings file on the storage emulator names
real MCP servers (mcp-server-time, and our notes server with a write tool) served over
streamable HTTP by this test; the mention goes through signed ingress, Pub/Sub and the
responder process, and the deterministic model calls the tool. The write tool runs only after
the asker's Approve, clicked on the card through signed interactivity."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from assistant.approvals.card import APPROVE, DENY
from assistant.mcp.client import McpClient, SecretValues
from assistant.mcp.servers import McpServer
from devstack.mcp_servers import notes_server, serving, time_server
from tests.e2e.harness import eventually, message_text, unique

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
        yield notes_url
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


def notes(url: str) -> str:
    """What the notes server holds, asked directly."""
    server = McpServer(name="notes", url=url, tools=frozenset({"*"}))
    result = McpClient(secrets=SecretValues(env={})).call(server, "list_notes", {}, timeout=5)
    return " ".join(getattr(part, "text", "") for part in result.content)


def click(sandbox, card, action: str, user: str, repeat: int = 1) -> None:
    response = sandbox.http.post(
        f"{sandbox.base_url}/_sandbox/actions",
        json={"channel": "C0RANDOM", "ts": card["ts"], "action_id": action, "user": user,
              "repeat": repeat},
        timeout=10,
    )  # fmt: skip
    assert response.json()["statuses"] == [200] * repeat


def ask_to_write(sandbox, claims, text: str) -> tuple[dict, dict]:
    arguments = json.dumps({"text": text})
    posted = sandbox.mention(unique(f"[[tool:notes__create_note:{arguments}]] note it"),
                             channel="C0RANDOM")  # fmt: skip
    claims.wait_final(posted["event_id"])
    [card] = [m for m in sandbox.bot_replies(posted["ts"], channel="C0RANDOM")
              if "Approve this action?" in message_text(m)]  # fmt: skip
    return posted, card


def test_a_write_runs_once_after_the_askers_approve_and_the_answer_goes_on(
    mcp_settings, sandbox, claims
):
    text = unique("Ship on Friday ")
    posted, card = ask_to_write(sandbox, claims, text)
    assert text in str(card["blocks"]) and text not in notes(mcp_settings)

    click(sandbox, card, APPROVE, user="U0BOB")  # not theirs to approve
    time.sleep(1.0)
    assert text not in notes(mcp_settings)
    click(sandbox, card, APPROVE, user="U0ALICE", repeat=2)  # a double click

    def continued():
        replies = sandbox.bot_replies(posted["ts"], channel="C0RANDOM")
        return [m for m in replies if "Created note" in message_text(m)]

    eventually(continued, timeout=30)
    assert notes(mcp_settings).count(text) == 1
    [shown] = [m for m in sandbox.bot_replies(posted["ts"], channel="C0RANDOM")
               if m["ts"] == card["ts"]]  # fmt: skip
    assert "Approved by <@U0ALICE>, and run." in str(shown["blocks"])
    bob = [c for c in sandbox.calls("chat.postEphemeral") if c["args"].get("user") == "U0BOB"]
    assert any("Only <@U0ALICE>" in c["args"]["text"] for c in bob)


def test_a_denied_write_never_runs(mcp_settings, sandbox, claims):
    text = unique("Never written ")
    posted, card = ask_to_write(sandbox, claims, text)

    click(sandbox, card, DENY, user="U0ALICE")

    def denied():
        replies = sandbox.bot_replies(posted["ts"], channel="C0RANDOM")
        return [m for m in replies if "Not run: the person clicked Deny" in message_text(m)]

    eventually(denied, timeout=30)
    assert text not in notes(mcp_settings)
    [shown] = [m for m in sandbox.bot_replies(posted["ts"], channel="C0RANDOM")
               if m["ts"] == card["ts"]]  # fmt: skip
    assert "Denied by <@U0ALICE>. Nothing ran." in str(shown["blocks"])  # no buttons left
