"""Budgets under concurrency and rounds that cannot be kept, on the whole answer path in
process: each model call reserves its maximum cost first and is counted even when its round
is too big to keep (the Firestore twin of the first: tests/integration/test_budget_concurrency)."""

from __future__ import annotations

import threading
import uuid

from assistant.answer.claims import RoundTooLarge
from assistant.answer.delivery import Delivery
from assistant.answer.generation import ROUND_TOO_BIG
from assistant.mention import Mention
from assistant.pubsub.outcome import Outcome
from tests.e2e.harness import message_text, unique
from tests.memory_stores import MemoryClaims
from tests.responders import local_clients, memory_stores, settings_file, test_responder
from tests.unit.answer.test_responder import Dictionary

CHANNEL = "C0GENERAL"
PRICE = {"input_per_million": 1_400.0, "output_per_million": 1_400.0}


def team_id() -> str:
    return f"T{uuid.uuid4().hex[:10].upper()}"


def mention(local_slack, question: str, *, team: str, user: str = "U0ALICE") -> Mention:
    posted = local_slack.post(f"<@U0BOT> {question}", user=user)
    return Mention(event_id=f"Ev{uuid.uuid4().hex[:10].upper()}", team_id=team, channel=CHANNEL,
                   user=user, text=f"<@U0BOT> {question}", ts=posted["ts"],
                   thread_ts=posted["ts"], bot_user_id="U0BOT")  # fmt: skip


def deliver(core, asked: Mention) -> Outcome:
    return core.handle(Delivery(mention=asked, delivery_id=f"m-{asked.event_id}"))


def test_concurrent_mentions_cross_a_budget_by_at_most_one_call(local_slack, local_model, tmp_path):
    budgets = {"workspace_monthly_usd": 1.0, "user_daily_usd": 0}
    uri = settings_file(tmp_path, {"defaults": {"budgets": budgets}, "prices": {"fake-gpt": PRICE}})
    stores = memory_stores()
    core = test_responder(local_clients(stores, local_slack, local_model), settings_uri=uri,
                          reserved_output_tokens=200)  # fmt: skip
    team = team_id()
    asked = [mention(local_slack, unique("q ") + "padding " * 50, team=team) for _ in range(10)]
    start = threading.Barrier(len(asked))

    def answer(one: Mention) -> None:
        start.wait()
        deliver(core, one)

    threads = [threading.Thread(target=answer, args=(one,)) for one in asked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    calls = stores.ledger.calls
    spent = sum(call.cost_usd for call in calls)
    one_call_max = max(call.tokens_in + 200 for call in calls) * 1_400 / 1e6
    assert 1.0 <= spent <= 1.0 + one_call_max  # ten unreserved answers spent about $4
    assert len(calls) < 10 and stores.ledger.held == ()  # every reservation settled or released


def test_a_round_too_big_to_keep_is_counted_and_not_retried(local_slack, local_model, tmp_path):
    class SmallClaims(MemoryClaims):
        def record_round(self, lease, number, done):
            raise RoundTooLarge("the claim would be 1,100,000 bytes")

    stores = memory_stores(claims=SmallClaims(lease_seconds=2.0))
    uri = settings_file(tmp_path, {"prices": {"fake-gpt": PRICE}})
    core = test_responder(local_clients(stores, local_slack, local_model), settings_uri=uri,
                          extra_tools=[Dictionary()])  # fmt: skip
    asked = mention(local_slack, unique('[[tool:define:{"word": "pubsub"}]]'), team=team_id())

    assert deliver(core, asked) is Outcome.ACK  # said, and never paid for again
    assert deliver(core, asked) is Outcome.ACK

    assert [call.kind for call in stores.ledger.calls] == ["tool_round"]
    assert len(local_model.requests(asked.question)) == 1
    [reply] = [message_text(m) for m in local_slack.bot_replies(asked.thread_ts)]
    assert ROUND_TOO_BIG in reply
    assert stores.claims.stored(asked.message_key)["state"] == "failed"
