"""The whole answer path in-process and fast: `Responder.handle` built by `build_responder`,
with the in-process Slack sandbox, the deterministic model and the in-memory stores."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest

from assistant.answer.commands import RESET_TEXT
from assistant.answer.delivery import Delivery
from assistant.answer.responder import INTERNAL_ERROR
from assistant.answer.steps import RATE_LIMITED
from assistant.answer.tools import ToolRequest
from assistant.audience.policy import Source
from assistant.channels.access import REFUSALS
from assistant.llm.tools import Tool
from assistant.mention import Mention
from assistant.pubsub.outcome import Outcome
from assistant.retrieval.catalog import SetCount
from assistant.retrieval.passages import PASSAGES_INTRO, REFERENCE_RULES, Passage
from assistant.usage.stores import ModelCall
from tests.e2e.harness import message_text, unique
from tests.responders import Published, local_clients, memory_stores, settings_file, test_responder

CHANNEL, TEAM = "C0GENERAL", "T0SANDBOX"
# A price that makes the deterministic model's few hundred tokens cost whole dollars.
PRICES = {"fake-gpt": {"input_per_million": 1_000_000, "output_per_million": 1_000_000}}


@pytest.fixture(autouse=True)
def _no_faults_left(local_slack):
    yield
    local_slack.clear_faults()


@dataclasses.dataclass
class Bot:
    core: object
    stores: object
    published: Published
    slack: object
    model: object

    def ask(self, question: str, *, user: str = "U0ALICE", thread_ts: str | None = None, **kw):
        mention = self.post(question, user=user, thread_ts=thread_ts, **kw)
        return mention, self.deliver(mention)

    def post(self, question: str, *, user: str = "U0ALICE", thread_ts: str | None = None, **kw):
        """The person's mention in the local Slack, and the Mention ingress would publish."""
        posted = self.slack.post(f"<@U0BOT> {question}", user=user, thread_ts=thread_ts)
        return Mention(
            event_id=f"Ev{uuid.uuid4().hex[:10].upper()}",
            team_id=TEAM,
            channel=CHANNEL,
            user=user,
            text=f"<@U0BOT> {question}",
            ts=posted["ts"],
            thread_ts=thread_ts or posted["ts"],
            bot_user_id="U0BOT",
            **kw,
        )

    def deliver(self, mention: Mention, *, attempt: int | None = None) -> Outcome:
        delivery = Delivery(mention=mention, delivery_id=f"m-{mention.event_id}", attempt=attempt)
        return self.core.handle(delivery)  # type: ignore[attr-defined]

    def replies(self, mention: Mention) -> list[str]:
        return [message_text(m) for m in self.slack.bot_replies(mention.thread_ts)]

    def model_calls(self, mention: Mention) -> int:
        return len(self.model.requests(mention.question))


def make_bot(local_slack, local_model, tmp_path, *, file=None, tools=(), **settings) -> Bot:
    stores = memory_stores(lease_seconds=2.0)
    published = Published()
    clients = local_clients(stores, local_slack, local_model, publish=published)
    uri = settings_file(tmp_path, file) if file is not None else ""
    core = test_responder(clients, extra_tools=tools, settings_uri=uri, **settings)
    return Bot(core, stores, published, local_slack, local_model)


def test_a_mention_is_answered_in_its_thread_and_remembered(local_slack, local_model, tmp_path):
    bot = make_bot(local_slack, local_model, tmp_path, file={"prices": PRICES})
    question = unique("what is a topic?")

    mention, outcome = bot.ask(question)

    assert outcome is Outcome.ACK
    [answer] = bot.replies(mention)
    assert answer.startswith(f"Answer to: {question}")
    stored = list(bot.stores.history.newest_first(mention.thread_key, before="9"))
    assert [turn.role for turn in stored] == ["assistant", "user"]
    [call] = bot.stores.ledger.calls
    assert call.kind == "answer" and call.cost_usd > 0  # priced from the settings file's table
    assert bot.stores.claims.stored(mention.message_key)["state"] == "done"
    # A redelivery of the same message is acknowledged without a second answer.
    assert bot.deliver(mention) is Outcome.ACK
    assert bot.model_calls(mention) == 1 and len(bot.replies(mention)) == 1


def test_over_budget_is_refused_without_calling_the_model(local_slack, local_model, tmp_path):
    file = {"defaults": {"budgets": {"user_daily_usd": 1}}}
    bot = make_bot(local_slack, local_model, tmp_path, file=file)
    bot.stores.ledger.record(
        ModelCall(event_id="EvOLD", call="1.answer", kind="answer", model="fake-gpt", team=TEAM,
                  channel=CHANNEL, user="U0ALICE", tokens_in=1, tokens_out=1, cost_usd=2.0,
                  at=datetime.now(UTC))
    )  # fmt: skip

    mention, outcome = bot.ask(unique("one more question"))

    assert outcome is Outcome.ACK
    [refusal] = bot.replies(mention)
    assert "daily" in refusal.lower() and bot.model_calls(mention) == 0
    assert bot.stores.claims.stored(mention.message_key)["refused"] == "user_daily"


def test_the_80_percent_note_reads_what_this_answer_cost(local_slack, local_model, tmp_path):
    budgets = {"user_daily_usd": 10_000, "workspace_monthly_usd": 0}  # 79.9 % spent before
    file = {"defaults": {"budgets": budgets}, "prices": PRICES}
    bot = make_bot(local_slack, local_model, tmp_path, file=file)
    bot.stores.ledger.record(
        ModelCall(event_id="EvOLD", call="1.answer", kind="answer", model="fake-gpt", team=TEAM,
                  channel=CHANNEL, user="U0ALICE", tokens_in=1, tokens_out=1, cost_usd=7_990.0,
                  at=datetime.now(UTC))
    )  # fmt: skip

    mention, _ = bot.ask(unique("near the limit"))

    [answer] = bot.replies(mention)
    assert answer.startswith("Answer to:") and "daily budget" in answer.lower()


def test_a_disallowed_person_is_told_once_per_thread(local_slack, local_model, tmp_path):
    bot = make_bot(local_slack, local_model, tmp_path, file={"defaults": {"enabled": False}})
    first, _ = bot.ask(unique("hello?"))
    again, outcome = bot.ask("hello again?", thread_ts=first.thread_ts)

    assert outcome is Outcome.ACK
    assert bot.replies(first) == [REFUSALS["disabled"]]  # said once, then quiet
    assert bot.model_calls(first) == 0 and bot.model_calls(again) == 0


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("reset", RESET_TEXT),
        ("Settings.", "*This channel's settings*"),
        ("usage?", "*Usage in "),
        ("sources", "No documents are indexed"),
        ("help", "*Commands*"),
    ],
)
def test_each_command_is_answered_without_the_model(
    local_slack, local_model, tmp_path, command, expected
):
    bot = make_bot(local_slack, local_model, tmp_path)
    mention, outcome = bot.ask(command)
    assert outcome is Outcome.ACK
    [reply] = bot.replies(mention)
    assert reply.startswith(expected)
    assert local_model.requests(command) == []


def test_help_lists_every_registered_command(local_slack, local_model, tmp_path):
    bot = make_bot(local_slack, local_model, tmp_path)
    mention, _ = bot.ask("help")
    [reply] = bot.replies(mention)
    for name in ("reset", "sources", "settings", "usage", "help"):
        assert f"`{name}`" in reply


def test_reset_forgets_the_threads_turns(local_slack, local_model, tmp_path):
    bot = make_bot(local_slack, local_model, tmp_path)
    first, _ = bot.ask(unique("remember this"))
    bot.ask("reset", thread_ts=first.thread_ts)
    assert list(bot.stores.history.newest_first(first.thread_key, before="9")) == []


def test_only_commands_that_count_meet_the_rate_limit(local_slack, local_model, tmp_path):
    bot = make_bot(local_slack, local_model, tmp_path, user_mentions_per_minute=1)
    first, _ = bot.ask(unique("the one question this minute"))
    bot.ask("settings", thread_ts=first.thread_ts)  # free: answered
    bot.ask("sources", thread_ts=first.thread_ts)  # counts: refused
    replies = bot.replies(first)
    assert replies[1].startswith("*This channel's settings*")
    assert replies[2] == RATE_LIMITED.format(limit=1)


class Dictionary:
    """A tool that looks words up, counting its runs; offered to every answer."""

    name = "define"
    source = Source.TOOLS

    def __init__(self, after_run=lambda runs: None) -> None:
        self.runs: list[dict] = []
        self._after_run = after_run

    def applies(self, request: ToolRequest) -> bool:
        return True

    def tool(self, request: ToolRequest) -> Tool:
        def run(arguments, *, deadline):
            self.runs.append(arguments)
            self._after_run(len(self.runs))
            return {"pubsub": "a messaging service", "ordering": "per-key order"}[arguments["word"]]

        schema = {"type": "object", "properties": {"word": {"type": "string"}}}
        return Tool("define", "Defines a word.", schema, run, status="Looking it up…")


def test_a_tool_round_is_replayed_not_rerun_after_a_lost_attempt(
    local_slack, local_model, tmp_path
):
    def die_after_the_second_run(runs):
        if runs == 2:  # the next Slack writes fail, as if the instance died right here
            for method in ("chat.appendStream", "chat.update"):  # the stream, then its fallback
                local_slack.inject_fault(method=method, error="internal_error", count=1)

    words = Dictionary(die_after_the_second_run)
    bot = make_bot(local_slack, local_model, tmp_path, tools=[words])
    question = unique('[[tool:define:{"word": "pubsub"}]] [[tool:define:{"word": "ordering"}]]')

    mention, first = bot.ask(question)
    assert first is Outcome.RETRY and len(words.runs) == 2
    assert bot.deliver(mention) is Outcome.ACK  # Pub/Sub's redelivery takes the released claim

    assert len(words.runs) == 2  # the recorded rounds were replayed, never run again
    [answer] = bot.replies(mention)
    assert answer.endswith("[tool results: a messaging service | per-key order]")
    assert [len(r["tool_messages"]) for r in local_model.requests(question)] == [0, 1, 2, 2]


def test_a_model_failure_is_said_in_the_thread_and_not_retried(local_slack, local_model, tmp_path):
    bot = make_bot(local_slack, local_model, tmp_path)
    mention, outcome = bot.ask(unique("[[content_filter]] something"))
    assert outcome is Outcome.ACK
    [reply] = bot.replies(mention)
    assert reply and not reply.startswith("Answer to")
    assert bot.stores.claims.stored(mention.message_key)["state"] == "failed"


def test_the_last_attempt_tells_the_person_and_files_a_dead_letter(
    local_slack, local_model, tmp_path
):
    bot = make_bot(local_slack, local_model, tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("Firestore unavailable")

    bot.stores.history.load = broken  # every attempt fails while assembling the prompt
    posted = local_slack.post("<@U0BOT> anyone there?", user="U0ALICE")
    mention = Mention(event_id="EvLAST" + uuid.uuid4().hex[:6].upper(), team_id=TEAM,
                      channel=CHANNEL, user="U0ALICE", text="<@U0BOT> anyone there?",
                      ts=posted["ts"], thread_ts=posted["ts"], bot_user_id="U0BOT")  # fmt: skip

    assert bot.deliver(mention, attempt=1) is Outcome.RETRY
    assert bot.deliver(mention, attempt=3) is Outcome.ACK  # max_delivery_attempts = 3

    assert [text.removeprefix(":warning: ") for text in bot.replies(mention)] == [INTERNAL_ERROR]
    assert bot.published.on("mentions-dead-letter") == [mention]


def test_a_one_person_threads_reply_is_answered_until_someone_else_writes(
    local_slack, local_model, tmp_path
):
    bot = make_bot(local_slack, local_model, tmp_path)
    first, _ = bot.ask(unique("start a thread"))
    reply_text = unique("and a follow-up without a mention")
    posted = local_slack.post(reply_text, user="U0ALICE", thread_ts=first.thread_ts)
    follow = Mention(event_id="EvF" + uuid.uuid4().hex[:8].upper(), team_id=TEAM, channel=CHANNEL,
                     user="U0ALICE", text=reply_text, ts=posted["ts"], thread_ts=first.thread_ts,
                     bot_user_id="U0BOT", follow_up=True)  # fmt: skip
    assert bot.deliver(follow) is Outcome.ACK
    assert bot.replies(first)[-1] == f"Answer to: {reply_text}"

    local_slack.post("I have a view too", user="U0BOB", thread_ts=first.thread_ts)
    later = unique("another follow-up")
    posted = local_slack.post(later, user="U0ALICE", thread_ts=first.thread_ts)
    again = dataclasses.replace(follow, event_id="EvG" + uuid.uuid4().hex[:8].upper(),
                                text=later, ts=posted["ts"])  # fmt: skip
    assert bot.deliver(again) is Outcome.ACK
    assert bot.replies(first)[-1] == f"Answer to: {reply_text}"  # Bob wrote: a mention is needed
    assert local_model.requests(later) == []


def test_a_follow_up_is_not_answered_when_the_thread_cannot_be_read(
    local_slack, local_model, tmp_path, caplog
):
    # Without the thread, nobody can tell whether someone else wrote: no answer, a log line.
    bot = make_bot(local_slack, local_model, tmp_path)
    first, _ = bot.ask(unique("start a thread"))
    reply_text = unique("a follow-up while Slack fails")
    posted = local_slack.post(reply_text, user="U0ALICE", thread_ts=first.thread_ts)
    follow = Mention(event_id="EvH" + uuid.uuid4().hex[:8].upper(), team_id=TEAM, channel=CHANNEL,
                     user="U0ALICE", text=reply_text, ts=posted["ts"], thread_ts=first.thread_ts,
                     bot_user_id="U0BOT", follow_up=True)  # fmt: skip
    local_slack.inject_fault(method="conversations.replies", error="internal_error", count=5)

    assert bot.deliver(follow) is Outcome.ACK

    assert len(bot.replies(first)) == 1 and local_model.requests(reply_text) == []
    assert "could not read the thread: a mention is needed" in caplog.text


def test_a_follow_up_without_the_bots_id_is_not_answered(local_slack, local_model, tmp_path):
    # Ingress queues none such; if one came, nobody could tell who else wrote: fail closed.
    bot = make_bot(local_slack, local_model, tmp_path)
    first, _ = bot.ask(unique("start a thread"))
    reply_text = unique("a follow-up of unknown origin")
    posted = local_slack.post(reply_text, user="U0ALICE", thread_ts=first.thread_ts)
    follow = Mention(event_id="EvK" + uuid.uuid4().hex[:8].upper(), team_id=TEAM, channel=CHANNEL,
                     user="U0ALICE", text=reply_text, ts=posted["ts"], thread_ts=first.thread_ts,
                     bot_user_id="", follow_up=True)  # fmt: skip

    assert bot.deliver(follow) is Outcome.ACK
    assert local_model.requests(reply_text) == []


def test_a_link_the_model_made_up_is_shown_as_text_and_one_it_read_stays_a_link(
    local_slack, local_model, tmp_path
):
    # The scripted answer's first address differs from anything in the question (the
    # directive turns the literal \\n into a line break), like a link that would carry the
    # thread to someone else's server; the second is in the question, as read.
    bot = make_bot(local_slack, local_model, tmp_path)
    script = "[[reply:[details](https://evil.example/c?q=\\nsecret) or https://ok.example/a]]"
    mention, _ = bot.ask(script)
    [answer] = bot.replies(mention)
    assert "[details](https://evil.example/c?q=" not in answer
    assert "`https://evil.example/c?q=`" in answer and "https://ok.example/a" in answer
    assert "`https://ok.example/a`" not in answer


class OneDocument:
    """A knowledge index holding one passage of one set."""

    passage = Passage(
        chunk_id="leave#0", document="knowledge/handbook/leave.md", generation=1,
        set="handbook", title="Leave policy", url="https://hr.example/leave",
        heading=("Leave policy",), text="Employees get 25 days of annual leave.", distance=0.1,
    )  # fmt: skip

    def set_counts(self) -> list[SetCount]:
        return [SetCount("handbook", 1, 1)]

    def nearest(self, vector, *, sets, limit, max_distance):
        return [self.passage] if sets is None or "handbook" in sets else []


def test_documents_go_in_as_data_and_the_answer_cites_them(local_slack, local_model, tmp_path):
    stores = memory_stores(knowledge=OneDocument())
    clients = local_clients(stores, local_slack, local_model)
    core = test_responder(clients)
    bot = Bot(core, stores, Published(), local_slack, local_model)
    question = unique("How much leave? [[reply:25 days [1]. ]]")

    mention, _ = bot.ask(question)

    [answer] = bot.replies(mention)
    assert answer == "25 days [1].\n\n*Sources*\n[1] [Leave policy](https://hr.example/leave)"
    [request] = local_model.requests(question)
    sent = [m["content"] for m in request["body"]["messages"]]
    assert REFERENCE_RULES in sent[0]
    assert any(str(m).startswith(PASSAGES_INTRO) for m in sent)
    assert request["body"]["tools"][0]["function"]["name"] == "search_docs"


def test_a_channel_without_documents_is_offered_no_search(local_slack, local_model, tmp_path):
    stores = memory_stores(knowledge=OneDocument())
    file = settings_file(tmp_path, {"defaults": {"tools": {"documents": False}}})
    core = test_responder(local_clients(stores, local_slack, local_model), settings_uri=file)
    bot = Bot(core, stores, Published(), local_slack, local_model)
    question = unique("How much leave?")

    bot.ask(question)

    [request] = local_model.requests(question)
    assert "tools" not in request["body"]
    assert REFERENCE_RULES not in request["body"]["messages"][0]["content"]
