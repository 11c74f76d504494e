"""Tool calls that may write, through the whole answer path in-process: the deterministic
model calls the notes server's `create_note` (a real MCP server over streamable HTTP); nothing
runs until the asker clicks Approve on the card in the thread; then it runs once, and the
answer goes on in the thread with the result. Deny, someone else's click, a double click, an
expiry and a runner that died are each decided once."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assistant.answer.delivery import Delivery
from assistant.answer.wiring import build_approvals
from assistant.approvals.card import APPROVE, DENY, parse_approval
from assistant.approvals.clicks import ApprovalClicks
from assistant.approvals.pending import State
from assistant.config import Settings
from assistant.mcp.client import McpClient, SecretValues
from assistant.mcp.servers import McpServer
from assistant.mention import Mention
from assistant.pubsub.outcome import Outcome
from devstack.mcp_servers import notes_server, serving
from tests.e2e.harness import message_text, unique
from tests.responders import (
    TEST_SETTINGS,
    Published,
    local_clients,
    memory_stores,
    settings_file,
    test_responder,
)

CHANNEL, TEAM, ASKER = "C0GENERAL", "T0SANDBOX", "U0ALICE"


@pytest.fixture(scope="module")
def notes_url():
    with serving(notes_server()) as url:
        yield url


def notes(url: str) -> str:
    """What the notes server holds now (asked directly, not through the assistant)."""
    client = McpClient(secrets=SecretValues(env={}))
    server = McpServer(name="notes", url=url, tools=frozenset({"*"}))
    result = client.call(server, "list_notes", {}, timeout=5)
    return " ".join(getattr(part, "text", "") for part in result.content)


class LaterClock:
    """The real time, `ahead` later."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@dataclasses.dataclass
class Bot:
    local_slack: Any
    core: Any
    approvals: ApprovalClicks
    stores: Any
    published: Published
    clock: LaterClock

    def ask(self, question: str) -> Mention:
        posted = self.local_slack.post(f"<@U0BOT> {question}", user=ASKER, channel=CHANNEL)
        mention = Mention(event_id=f"Ev{uuid.uuid4().hex[:10].upper()}", team_id=TEAM,
                          channel=CHANNEL, user=ASKER, text=f"<@U0BOT> {question}",
                          ts=posted["ts"], thread_ts=posted["ts"], bot_user_id="U0BOT")  # fmt: skip
        assert self.core.handle(Delivery(mention=mention, delivery_id=mention.event_id)) is (
            Outcome.ACK
        )
        return mention

    def card(self, mention: Mention) -> dict[str, Any]:
        [card] = [m for m in self.local_slack.bot_replies(mention.thread_ts, CHANNEL)
                  if any(b.get("block_id", "").startswith("approval:")
                         for b in m.get("blocks") or ())]  # fmt: skip
        return card

    def click(self, mention: Mention, action: str, *, user: str = ASKER) -> bool:
        card = self.card(mention)
        pending = card["blocks"][-1]["block_id"].removeprefix("approval:")
        payload = {
            "type": "block_actions",
            "user": {"id": user, "team_id": TEAM},
            "channel": {"id": CHANNEL},
            "container": {"message_ts": card["ts"], "channel_id": CHANNEL},
            "message": card,
            "actions": [{"action_id": action, "value": pending}],
        }
        click = parse_approval(payload)
        assert click is not None
        return self.approvals.handle(click)

    def continue_answer(self) -> dict[str, Any]:
        """Answer the continuations published so far; the last one's answer."""
        for continuation in self.published.on("mentions"):
            self.core.handle(Delivery(mention=continuation, delivery_id=continuation.event_id))
        last = self.published.on("mentions")[-1]
        return self.local_slack.bot_replies(last.thread_ts, CHANNEL)[-1]


@pytest.fixture
def bot(local_slack, local_model, tmp_path, notes_url):
    stores = memory_stores(lease_seconds=2.0)
    published = Published()
    clients = local_clients(stores, local_slack, local_model, publish=published)
    file = {"channels": {CHANNEL: {"mcp_servers": {"notes": {"url": notes_url, "tools": ["*"]}}}}}
    settings = {"settings_uri": settings_file(tmp_path, file), "mcp_call_timeout_seconds": 5.0}
    core = test_responder(clients, **settings)
    clock = LaterClock()
    approvals = build_approvals(Settings(**{**TEST_SETTINGS, **settings}), clients, clock=clock)
    return Bot(local_slack, core, approvals, stores, published, clock)


def note_question(text: str) -> str:
    return unique(f'[[tool:notes__create_note:{{"text": "{text}"}}]] note this: ')


def test_a_write_waits_for_the_askers_approve_then_runs_once_and_the_answer_goes_on(
    bot, local_model, local_slack, notes_url
):
    text = unique("Release on Friday ")
    question = note_question(text)

    mention = bot.ask(question)

    [result] = local_model.requests(question)[-1]["tool_messages"]
    assert result["content"].startswith("APPROVAL NEEDED")
    assert text not in notes(notes_url)  # nothing ran
    card = bot.card(mention)
    assert text in card["blocks"][1]["text"]["text"]  # what would be called, with which arguments
    assert [e["text"]["text"] for e in card["blocks"][-1]["elements"]] == ["Approve", "Deny"]

    assert bot.click(mention, APPROVE)
    assert bot.click(mention, APPROVE)  # a double click (or Slack's retry) runs nothing more

    assert notes(notes_url).count(text) == 1
    rewritten = bot.card(mention)
    assert "Approved by <@U0ALICE>, and run." in str(rewritten["blocks"])
    assert not any(b["type"] == "actions" for b in rewritten["blocks"])
    continuations = bot.published.on("mentions")
    assert len({c.message_key for c in continuations}) == 1  # republished, answered once
    answer = bot.continue_answer()
    assert "Created note" in message_text(answer)
    [call] = [c for c in bot.stores.ledger.calls if c.kind == "mcp_call"]
    assert call.model == "notes/create_note"


def test_someone_elses_click_is_refused_and_the_call_stays_pending(bot, local_slack, notes_url):
    text = unique("Not yours ")
    mention = bot.ask(note_question(text))

    assert bot.click(mention, APPROVE, user="U0BOB")

    assert text not in notes(notes_url)
    refusals = [c["args"]["text"] for c in local_slack.calls("chat.postEphemeral")
                if c["args"]["user"] == "U0BOB" and "approve" in c["args"]["text"]]  # fmt: skip
    assert refusals == ["Only <@U0ALICE>, who asked, can approve or deny this."]
    assert bot.published.on("mentions") == []
    assert bot.click(mention, APPROVE)  # the asker still can
    assert notes(notes_url).count(text) == 1


def test_deny_runs_nothing_and_the_model_is_told(bot, local_model, notes_url):
    text = unique("Denied note ")
    mention = bot.ask(note_question(text))

    assert bot.click(mention, DENY)
    assert bot.click(mention, APPROVE)  # too late: it was denied

    assert text not in notes(notes_url)
    assert "Denied by <@U0ALICE>. Nothing ran." in str(bot.card(mention)["blocks"])
    bot.continue_answer()
    [continuation, *_] = bot.published.on("mentions")
    [result] = local_model.requests(continuation.text)[-1]["tool_messages"]
    assert result["content"].startswith("Not run: the person clicked Deny.")


def test_two_clicks_at_once_run_the_call_once(bot, notes_url):
    text = unique("Raced note ")
    mention = bot.ask(note_question(text))

    threads = [threading.Thread(target=bot.click, args=(mention, APPROVE)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert notes(notes_url).count(text) == 1


def test_an_expired_call_never_runs_and_its_answer_goes_on(bot, local_model, notes_url):
    text = unique("Expired note ")
    mention = bot.ask(note_question(text))
    bot.clock.ahead = timedelta(minutes=16)  # the default expiry is 15 minutes

    assert bot.approvals.sweep() == 1
    assert bot.approvals.sweep() == 0  # once
    assert bot.click(mention, APPROVE)  # a late click runs nothing

    assert text not in notes(notes_url)
    bot.continue_answer()
    [continuation, *_] = bot.published.on("mentions")
    assert continuation.text.startswith("(Not approved in time: notes: create_note.)")
    [result] = local_model.requests(continuation.text)[-1]["tool_messages"]
    assert result["content"].startswith("Not run: nobody approved notes: create_note")


def test_a_call_whose_runner_died_is_never_run_again(bot, notes_url):
    text = unique("Orphaned note ")
    mention = bot.ask(note_question(text))
    [pending] = [c for c in bot.stores.pending_calls._calls.values() if text in str(c.arguments)]
    running = dataclasses.replace(
        pending, state=State.RUNNING, decided_by=ASKER, decided_at=datetime.now(UTC)
    )
    assert bot.stores.pending_calls.transition(running, from_state=State.PENDING)

    assert not bot.click(mention, APPROVE)  # its runner may still be at it: come back later
    bot.clock.ahead = timedelta(minutes=5)  # past any call's timeout
    assert bot.click(mention, APPROVE)

    assert text not in notes(notes_url)
    assert bot.stores.pending_calls.get(pending.id).state is State.UNKNOWN
    [continuation, *_] = bot.published.on("mentions")
    assert continuation.approval == pending.id
