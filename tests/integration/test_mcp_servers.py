"""MCP servers through the whole answer path: `build_responder` with the in-process Slack
sandbox and the deterministic model, and real MCP servers over streamable HTTP (the SDK's own
server classes, and `mcp-server-time` from PyPI) started in the test."""

from __future__ import annotations

import time
import uuid

import pytest

from assistant.answer.delivery import Delivery
from assistant.mention import Mention
from assistant.pubsub.outcome import Outcome
from devstack.mcp_servers import hang_server, notes_server, serving, time_server
from tests.e2e.harness import message_text, unique
from tests.responders import local_clients, memory_stores, settings_file, test_responder

CHANNEL, TEAM = "C0GENERAL", "T0SANDBOX"
TIMEOUT = 1.5


@pytest.fixture(scope="module")
def mcp_urls():
    with (
        serving(time_server()) as time_url,
        serving(notes_server()) as notes_url,
        serving(hang_server()) as hang_url,
    ):
        yield {"time": time_url, "notes": notes_url, "hang": hang_url}


@pytest.fixture(autouse=True)
def _no_faults_left(local_slack):
    yield
    local_slack.clear_faults()


def answer(local_slack, local_model, tmp_path, servers, question, channel=CHANNEL, **more):
    stores = memory_stores(lease_seconds=2.0)
    file = {"channels": {channel: {"mcp_servers": servers, **more}}}
    core = test_responder(
        local_clients(stores, local_slack, local_model),
        settings_uri=settings_file(tmp_path, file),
        mcp_call_timeout_seconds=TIMEOUT,
    )
    posted = local_slack.post(f"<@U0BOT> {question}", user="U0ALICE", channel=channel)
    mention = Mention(event_id=f"Ev{uuid.uuid4().hex[:10].upper()}", team_id=TEAM,
                      channel=channel, user="U0ALICE", text=f"<@U0BOT> {question}",
                      ts=posted["ts"], thread_ts=posted["ts"], bot_user_id="U0BOT")  # fmt: skip
    outcome = core.handle(Delivery(mention=mention, delivery_id=f"m-{mention.event_id}"))
    reply, *cards = local_slack.bot_replies(mention.thread_ts, channel)
    assert all("Approve this action?" in message_text(card) for card in cards)
    return outcome, reply, stores


def offered(local_model, question) -> list[str]:
    first = local_model.requests(question)[0]["body"]
    return [tool["function"]["name"] for tool in first.get("tools", [])]


def test_the_model_calls_the_time_servers_tool_and_the_answer_carries_its_result(
    local_slack, local_model, tmp_path, mcp_urls
):
    servers = {"time": {"url": mcp_urls["time"], "tools": ["get_current_time"]}}
    question = unique('[[tool:time__get_current_time:{"timezone": "Asia/Tokyo"}]] time?')

    outcome, reply, stores = answer(local_slack, local_model, tmp_path, servers, question)

    assert outcome is Outcome.ACK
    assert "Asia/Tokyo" in message_text(reply) and "+09:00" in message_text(reply)
    assert offered(local_model, question) == ["time__get_current_time"]  # convert_time: not allowed
    [card, *_] = [c for c in reply["chunks"] if c["type"] == "task_update"]
    assert card["title"] == "time: get_current_time"
    [call] = [c for c in stores.ledger.calls if c.kind == "mcp_call"]
    assert call.model == "time/get_current_time" and call.cost_usd == 0


def test_a_tool_that_may_write_is_offered_as_needing_approval_and_not_run(
    local_slack, local_model, tmp_path, mcp_urls
):
    servers = {"notes": {"url": mcp_urls["notes"], "tools": ["*"]}}
    question = unique('[[tool:notes__create_note:{"text": "x"}]] note this')

    outcome, reply, _ = answer(local_slack, local_model, tmp_path, servers, question)

    assert outcome is Outcome.ACK
    assert sorted(offered(local_model, question)) == ["notes__create_note", "notes__list_notes"]
    [described] = [t["function"]["description"] for t in local_model.requests(question)[0]["body"]
                   ["tools"] if t["function"]["name"] == "notes__create_note"]  # fmt: skip
    assert described.startswith("[MCP server notes; runs only after the person approves]")
    assert "Created note" not in message_text(reply)  # tests/unit/approvals/test_answer_path.py


def test_a_hung_server_gives_a_tool_error_within_the_timeout_and_the_answer_arrives(
    local_slack, local_model, tmp_path, mcp_urls
):
    servers = {"hang": {"url": mcp_urls["hang"], "tools": ["lookup"]}}
    question = unique('[[tool:hang__lookup:{"query": "q"}]] look it up')

    started = time.monotonic()
    outcome, reply, _ = answer(local_slack, local_model, tmp_path, servers, question)

    assert outcome is Outcome.ACK and time.monotonic() - started < TIMEOUT + 5
    [result] = local_model.requests(question)[-1]["tool_messages"]
    assert result["content"].startswith("Error: the tool lookup on the MCP server hang")
    assert "did not answer within 1.5 s" in result["content"]
    assert message_text(reply).startswith("Answer to")
    [card, *_] = [c for c in reply["chunks"] if c["type"] == "task_update"]
    assert card["title"] == "hang: lookup"


@pytest.mark.parametrize(
    ("opted_in", "expected"), [(False, []), (True, ["time__get_current_time"])]
)
def test_in_a_shared_channel_mcp_tools_need_the_channels_opt_in(
    local_slack, local_model, tmp_path, mcp_urls, opted_in, expected
):
    servers = {"time": {"url": mcp_urls["time"], "tools": ["get_current_time"]}}
    question = unique("what time is it?")
    audience = {"audience": {"shared_channels": opted_in}}

    answer(local_slack, local_model, tmp_path, servers, question, channel="C0CONNECT", **audience)

    assert offered(local_model, question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what time is it in Tokyo?", ["time__get_current_time"]),
        ("add a note: standup moves to 9:30", ["notes__create_note", "notes__list_notes"]),
        ("explain TCP and UDP", []),
    ],
)
def test_a_small_model_is_offered_only_the_mcp_tools_its_question_names(
    local_slack, local_model, tmp_path, mcp_urls, question, expected
):
    # Each tool offered costs a small model a routing step (issue 26: every question in
    # `nox -s dev`'s #general paid one for the time and notes servers).
    servers = {"time": {"url": mcp_urls["time"], "tools": ["get_current_time"]},
               "notes": {"url": mcp_urls["notes"], "tools": ["*"]}}  # fmt: skip
    asked = unique(question)

    answer(local_slack, local_model, tmp_path, servers, asked, model="qwen2.5-coder-1.5b")

    assert sorted(offered(local_model, asked)) == expected
