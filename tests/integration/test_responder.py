"""The responder's answer path on the Firestore emulator, with the local Slack and the
deterministic model in this process: plan, assemble, a tool loop, deliver, record."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid

import pytest

from assistant.answer.claim_store import ClaimStore
from assistant.answer.delivery import Delivery
from assistant.answer.tools import ToolRequest
from assistant.answer.wiring import firestore_stores
from assistant.audience.policy import Source
from assistant.conversation.history import HistoryStore
from assistant.llm.tools import Tool
from assistant.pubsub.outcome import Outcome
from tests.builders import make_mention
from tests.e2e.harness import message_text, unique
from tests.responders import local_clients, test_responder

LEASE = 1.0


class ToyTool:
    """Looks a word up in a tiny dictionary, counting its runs."""

    def __init__(self) -> None:
        self.runs: list[dict] = []

    def __call__(self, arguments, *, deadline):
        self.runs.append(arguments)
        return {"pubsub": "a messaging service", "ordering": "per-key order"}[arguments["word"]]

    def source(self, on_run=None) -> ToySource:
        def run(arguments, *, deadline):
            result = self(arguments, deadline=deadline)
            if on_run:
                on_run(len(self.runs))
            return result

        schema = {"type": "object", "properties": {"word": {"type": "string"}}}
        return ToySource(Tool("define", "Defines a word.", schema, run, status="Looking it up…"))


class ToySource:
    """Offers the toy tool to every answer, as answer/tools.py offers a deployed one."""

    name = "define"
    source = Source.TOOLS

    def __init__(self, tool: Tool) -> None:
        self._tool = tool

    def applies(self, request: ToolRequest) -> bool:
        return True

    def tool(self, request: ToolRequest) -> Tool:
        return self._tool


class FlakyHistory(HistoryStore):
    """The real store, whose first `append` fails (Firestore unavailable for a moment)."""

    failures = 1

    def append(self, *args, **kwargs):
        if self.failures:
            self.failures -= 1
            raise RuntimeError("Firestore unavailable")
        return super().append(*args, **kwargs)


def responder(
    firestore_db, local_slack, local_model, *, tools=(), history=None, claims=None, budget=300.0
):
    stores = firestore_stores(firestore_db, lease_seconds=LEASE)
    overrides = {"history": history, "claims": claims}
    stores = dataclasses.replace(stores, **{k: v for k, v in overrides.items() if v is not None})
    return test_responder(
        local_clients(stores, local_slack, local_model),
        extra_tools=tools,
        response_time_budget_seconds=budget,
    )


def mention_in_thread(local_slack, question: str):
    posted = local_slack.mention(question)
    mention = make_mention(
        f"<@U0BOT> {question}",
        event_id=f"Ev{uuid.uuid4().hex[:10]}",
        team_id="T0SANDBOX",
        channel="C0GENERAL",
        user="U0ALICE",  # a member of the local workspace (users.info: not a guest)
        ts=posted["ts"],
        thread_ts=posted["ts"],
    )
    return mention, Delivery(mention=mention, delivery_id=f"m-{mention.event_id}")


def bot_texts(local_slack, mention):
    return [message_text(m) for m in local_slack.bot_replies(mention.thread_ts)]


def test_a_two_round_tool_loop_answers_once_and_a_redelivery_never_reruns_a_tool(
    firestore_db, local_slack, local_model
):
    toy = ToyTool()
    question = unique('[[tool:define:{"word": "pubsub"}]] [[tool:define:{"word": "ordering"}]]')

    def crash_after_the_second_tool(runs):
        if runs == 2:  # the next Slack writes fail, as if the instance died right here
            for method in ("chat.appendStream", "chat.update"):  # the stream, then its fallback
                local_slack.inject_fault(method=method, error="internal_error", count=1)

    core = responder(
        firestore_db, local_slack, local_model, tools=[toy.source(crash_after_the_second_tool)]
    )
    mention, delivery = mention_in_thread(local_slack, question)

    assert core.handle(delivery) is Outcome.RETRY
    assert len(toy.runs) == 2
    assert core.handle(delivery) is Outcome.ACK  # Pub/Sub's redelivery, once the lease is stale

    assert len(toy.runs) == 2  # the recorded rounds were replayed, not run again
    [answer] = bot_texts(local_slack, mention)
    assert answer.endswith("[tool results: a messaging service | per-key order]")
    requests = local_model.requests(question)
    assert [len(r["tool_messages"]) for r in requests] == [0, 1, 2, 2]
    assert requests[1]["tool_messages"][0]["content"] == "a messaging service"


def test_a_failure_after_the_answer_is_delivered_retries_only_the_bookkeeping(
    firestore_db, local_slack, local_model
):
    history = FlakyHistory(firestore_db)
    core = responder(firestore_db, local_slack, local_model, history=history)
    mention, delivery = mention_in_thread(local_slack, unique("what is a topic?"))

    assert core.handle(delivery) is Outcome.RETRY
    delivered = bot_texts(local_slack, mention)
    assert core.handle(delivery) is Outcome.ACK

    assert bot_texts(local_slack, mention) == delivered  # not regenerated, not overwritten
    assert len(local_model.requests(mention.question)) == 1
    stored = list(history.newest_first(mention.thread_key, before="9"))
    assert [turn.role for turn in stored] == ["assistant", "user"]


def test_two_copies_of_one_message_at_once_give_one_answer(firestore_db, local_slack, local_model):
    core = responder(firestore_db, local_slack, local_model)
    mention, delivery = mention_in_thread(local_slack, unique("[[slow:0.2]] twice at once?"))
    outcomes = []
    copies = [threading.Thread(target=lambda: outcomes.append(core.handle(delivery))) for _ in "ab"]
    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join(30)
    # The copy that waited acks once the answer is done, or asks for a redelivery if it is
    # still in hand after a long wait; that redelivery then stands down.
    assert Outcome.ACK in outcomes
    if Outcome.RETRY in outcomes:
        assert core.handle(delivery) is Outcome.ACK
    assert len(bot_texts(local_slack, mention)) == 1
    assert len(local_model.requests(mention.question)) == 1


def test_the_next_turn_sends_the_earlier_turns_and_reset_forgets_them(
    firestore_db, local_slack, local_model
):
    core = responder(firestore_db, local_slack, local_model)
    first, delivery = mention_in_thread(local_slack, unique("first question"))
    assert core.handle(delivery) is Outcome.ACK
    follow = make_mention(
        "<@U0BOT> and then?",
        event_id=f"Ev{uuid.uuid4().hex[:10]}",
        team_id=first.team_id,
        channel=first.channel,
        ts=f"{float(first.ts) + 1:.6f}",
        thread_ts=first.thread_ts,
    )
    assert core.handle(Delivery(mention=follow, delivery_id="m-follow")) is Outcome.ACK
    sent = local_model.requests("and then?")[-1]["body"]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[1]["content"] == first.question


def test_one_message_arriving_as_two_events_is_answered_once(
    firestore_db, local_slack, local_model
):
    # A mention in a DM comes as both app_mention and message.im, with different event ids.
    core = responder(firestore_db, local_slack, local_model)
    mention, delivery = mention_in_thread(local_slack, unique("hello in a DM"))
    twin = dataclasses.replace(mention, event_id=f"{mention.event_id}IM", is_direct_message=True)
    assert core.handle(delivery) is Outcome.ACK
    assert core.handle(Delivery(mention=twin, delivery_id="m-twin")) is Outcome.ACK
    assert len(bot_texts(local_slack, mention)) == 1
    assert len(local_model.requests(mention.question)) == 1


def test_slacks_rate_limit_waits_never_carry_a_delivery_past_its_deadline(
    firestore_db, local_slack, local_model
):
    core = responder(firestore_db, local_slack, local_model, budget=3.0)
    _, delivery = mention_in_thread(local_slack, unique("a question during a 429 storm"))
    for method in ("chat.startStream", "chat.appendStream", "chat.stopStream", "chat.update"):
        local_slack.inject_fault(method=method, error="ratelimited", retry_after=30, count=50)
    started = time.monotonic()
    assert core.handle(delivery) is Outcome.RETRY  # tried again later, within Pub/Sub's deadline
    assert time.monotonic() - started < 6


@pytest.fixture(autouse=True)
def _no_faults_left(local_slack):
    yield
    local_slack.clear_faults()


class DiesAfterPosting(ClaimStore):
    """The real store; the first message's ts is never recorded, as when the instance dies
    between Slack's answer to chat.postMessage and the claim's write."""

    died = False

    def record_messages(self, lease, message_ts):
        if not self.died:
            self.died = True
            raise RuntimeError("instance gone")
        return super().record_messages(lease, message_ts)


def test_a_message_posted_but_never_recorded_is_adopted_by_the_next_attempt(
    firestore_db, local_slack, local_model
):
    claims = DiesAfterPosting(firestore_db, lease_seconds=LEASE)
    core = responder(firestore_db, local_slack, local_model, claims=claims)
    question = unique("a crash between post and record")
    mention, delivery = mention_in_thread(local_slack, question)
    # No stream and no loading status: the "Thinking…" message and edits, found by metadata.
    local_slack.inject_fault(method="chat.startStream", error="not_allowed_token_type")
    local_slack.inject_fault(method="assistant.threads.setStatus", error="not_allowed")

    assert core.handle(delivery) is Outcome.RETRY  # "Thinking…" is in the thread, unrecorded
    assert core.handle(delivery) is Outcome.ACK

    # One message: the progress message was found by its metadata and edited into the answer.
    assert bot_texts(local_slack, mention) == [f"Answer to: {question}"]


def test_a_stream_started_but_never_recorded_is_removed_and_answered_once(
    firestore_db, local_slack, local_model
):
    claims = DiesAfterPosting(firestore_db, lease_seconds=LEASE)
    core = responder(firestore_db, local_slack, local_model, claims=claims)
    question = unique("a failure between startStream and record")
    mention, delivery = mention_in_thread(local_slack, question)

    assert core.handle(delivery) is Outcome.RETRY  # the stream could not be recorded: deleted
    assert core.handle(delivery) is Outcome.ACK
    assert bot_texts(local_slack, mention) == [f"Answer to: {question}"]
