"""The whole thread as context, the rolling summary and follow-ups, on the Firestore emulator
with the local Slack and the deterministic model in this process."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from slack_sdk import WebClient

from assistant.answer.delivery import Delivery
from assistant.answer.responder import Responder
from assistant.answer.wiring import firestore_stores
from assistant.conversation.history import HistoryStore
from assistant.conversation.summary import SUMMARY_HEADER
from assistant.conversation.thread_messages import ts_key
from assistant.mention import Mention
from assistant.pubsub.outcome import Outcome
from tests.e2e.harness import BOT, message_text, unique
from tests.responders import Published, local_clients, settings_file, test_responder


class CountingSlack(WebClient):
    """The real client, keeping what each conversations.replies call returned in its range."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.read: list[list[str]] = []

    def conversations_replies(self, **kwargs):
        response = super().conversations_replies(**kwargs)
        oldest, latest = kwargs.get("oldest"), kwargs["latest"]
        self.read.append(
            [
                m["text"]
                for m in response.get("messages") or ()
                if (not oldest or ts_key(m["ts"]) > ts_key(oldest))
                and ts_key(m["ts"]) < ts_key(latest)
            ]
        )
        return response


@dataclasses.dataclass
class Bot:
    core: Responder
    reader: CountingSlack
    history: HistoryStore
    published: Published

    @property
    def forwarded(self) -> list[Mention]:
        return self.published.on("uploads")


def make_bot(firestore_db, local_slack, local_model, tmp_path, *, budget=0, follow_ups=True) -> Bot:
    stores = firestore_stores(firestore_db, lease_seconds=5.0)
    slack = CountingSlack(token=local_slack.bot_token, base_url=local_slack.api_url)
    published = Published()
    clients = local_clients(stores, local_slack, local_model, slack=slack, publish=published)
    file = settings_file(tmp_path, {"defaults": {"follow_ups_without_mention": follow_ups}})
    core = test_responder(
        clients, max_prompt_tokens=budget, summary_max_tokens=60, settings_uri=file
    )
    return Bot(core, slack, stores.history, published)  # type: ignore[arg-type]


def say(local_slack, text: str, *, user: str = "U0ALICE", thread_ts: str | None = None) -> str:
    return local_slack.post(text, user=user, thread_ts=thread_ts)["ts"]


def deliver(bot: Bot, text: str, ts: str, thread_ts: str, *, user="U0ALICE", follow_up=False):
    mention = Mention(
        event_id=f"Ev{uuid.uuid4().hex[:10].upper()}",
        team_id="T0SANDBOX",
        channel="C0GENERAL",
        user=user,
        text=text,
        ts=ts,
        thread_ts=thread_ts,
        bot_user_id="U0BOT",
        follow_up=follow_up,
    )
    outcome = bot.core.handle(Delivery(mention=mention, delivery_id=f"m-{mention.event_id}"))
    assert outcome is Outcome.ACK
    return mention


def ask(bot: Bot, local_slack, question: str, thread_ts: str, *, user="U0ALICE"):
    text = f"{BOT} {question}"
    ts = say(local_slack, text, user=user, thread_ts=thread_ts)
    return deliver(bot, text, ts, thread_ts, user=user)


def sent_messages(local_model, question: str) -> list[dict]:
    [request] = [r for r in local_model.requests(question) if r["body"].get("stream")]
    return request["body"]["messages"]


def bot_answers(local_slack, thread_ts: str) -> list[str]:
    return [message_text(m) for m in local_slack.bot_replies(thread_ts)]


def test_people_s_messages_are_context_attributed_in_order_and_the_next_turn_reads_only_new_ones(
    firestore_db, local_slack, local_model, tmp_path
):
    bot = make_bot(firestore_db, local_slack, local_model, tmp_path)
    marker = unique()
    parent = say(local_slack, f"The 02:00 deploy failed {marker}", user="U0BOB")
    say(local_slack, "Rollback done, error rate back to normal", user="U0ALICE", thread_ts=parent)
    say(local_slack, "Root cause is the migration lock", user="U0BOB", thread_ts=parent)

    first = unique("summarise this thread")
    ask(bot, local_slack, first, parent)

    sent = [m["content"] for m in sent_messages(local_model, first)]
    assert sent[1:4] == [
        f"bob: The 02:00 deploy failed {marker}",
        "alice: Rollback done, error rate back to normal",
        "bob: Root cause is the migration lock",
    ]
    assert sent[-1] == first
    assert any(first in text for text in bot_answers(local_slack, parent))

    say(local_slack, "Also the alert fired late", user="U0BOB", thread_ts=parent)
    second = unique("and what else?")
    ask(bot, local_slack, second, parent)

    # The second turn asked Slack only for what came after the first mention (the bot's own
    # answer, which is skipped, and Bob's new message).
    assert bot.reader.read[-1][-1] == "Also the alert fired late"
    assert len(bot.reader.read[-1]) == 2 and bot.reader.read[-1][0].startswith("Answer to")
    sent = [m["content"] for m in sent_messages(local_model, second)]
    assert sent[1:4] == [
        f"bob: The 02:00 deploy failed {marker}",
        "alice: Rollback done, error rate back to normal",
        "bob: Root cause is the migration lock",
    ]
    assert sent[4] == first and sent[5].startswith("Answer to: " + first)
    assert sent[6:] == ["bob: Also the alert fired late", second]


def test_a_mention_in_reply_to_someone_else_s_message_sees_that_message(
    firestore_db, local_slack, local_model, tmp_path
):
    bot = make_bot(firestore_db, local_slack, local_model, tmp_path)
    plan = unique("Plan: move the cron job to 03:00 and add a lock")
    parent = say(local_slack, plan, user="U0BOB")
    question = unique("what do you think of the plan above?")
    ask(bot, local_slack, question, parent)
    sent = [m["content"] for m in sent_messages(local_model, question)]
    assert f"bob: {plan}" in sent
    assert sent.index(f"bob: {plan}") < sent.index(question)


def test_turns_past_the_budget_are_summarised_once_extended_not_rebuilt_and_reset_forgets(
    firestore_db, local_slack, local_model, tmp_path
):
    bot = make_bot(firestore_db, local_slack, local_model, tmp_path, budget=700)
    parent = say(local_slack, unique("Incident thread"), user="U0BOB")
    words = " ".join(["detail"] * 40)
    early = [unique(f"early message {n} {words}") for n in range(12)]
    for text in early:
        say(local_slack, text, user="U0BOB", thread_ts=parent)

    first = unique("what happened?")
    ask(bot, local_slack, first, parent)
    sent = sent_messages(local_model, first)
    summaries = [m["content"] for m in sent if m["content"].startswith(SUMMARY_HEADER)]
    assert len(summaries) == 1 and sent[1]["content"] == summaries[0]
    # The newest messages are there as they are; the oldest only through the summary.
    contents = [m["content"] for m in sent]
    assert f"bob: {early[-1]}" in contents and f"bob: {early[0]}" not in contents
    state = bot.history.load(f"T0SANDBOX:C0GENERAL:{parent}")
    assert state.summary is not None
    summarised_first = state.summary.turns

    late = [unique(f"late message {n} {words}") for n in range(6)]
    for text in late:
        say(local_slack, text, user="U0BOB", thread_ts=parent)
    second = unique("and now?")
    ask(bot, local_slack, second, parent)
    summary_calls = [  # the summariser's calls, not answers quoting a summary
        r
        for r in local_model.requests("Summary so far")
        if r["body"]["messages"][0]["content"].startswith("You keep the running summary")
    ]
    latest = summary_calls[-1]["body"]["messages"][-1]["content"]
    # Extended: the call carries the summary so far and only turns it had not covered.
    assert state.summary.text[:40] in latest
    assert early[0] not in latest.split("New messages")[1]
    after = bot.history.load(f"T0SANDBOX:C0GENERAL:{parent}")
    assert after.summary.turns > summarised_first
    assert after.summary.through > state.summary.through

    reset = say(local_slack, f"{BOT} reset", thread_ts=parent)
    deliver(bot, f"{BOT} reset", reset, parent)
    third = unique("fresh start?")
    ask(bot, local_slack, third, parent)
    sent = [m["content"] for m in sent_messages(local_model, third)]
    assert not any(text.startswith(SUMMARY_HEADER) for text in sent)
    assert sent[1:] == [third]


def test_a_follow_up_without_a_mention_is_answered_until_a_second_person_writes(
    firestore_db, local_slack, local_model, tmp_path
):
    bot = make_bot(firestore_db, local_slack, local_model, tmp_path)
    parent_text = f"{BOT} {unique('how do I rotate the key?')}"
    parent = say(local_slack, parent_text)
    deliver(bot, parent_text, parent, parent)
    assert len(bot_answers(local_slack, parent)) == 1

    follow = unique("and for the staging project?")
    deliver(bot, follow, say(local_slack, follow, thread_ts=parent), parent, follow_up=True)
    answers = bot_answers(local_slack, parent)
    assert len(answers) == 2 and follow in answers[-1]

    bob = unique("I can do staging for you")
    deliver(bot, bob, say(local_slack, bob, user="U0BOB", thread_ts=parent), parent,
            user="U0BOB", follow_up=True)  # fmt: skip
    again = unique("thanks, and prod?")
    deliver(bot, again, say(local_slack, again, thread_ts=parent), parent, follow_up=True)
    assert len(bot_answers(local_slack, parent)) == 2  # neither Bob nor Alice answered now

    mentioned = unique("ok bot, prod then?")
    ask(bot, local_slack, mentioned, parent)
    assert len(bot_answers(local_slack, parent)) == 3  # a mention still works


def test_a_follow_up_is_not_answered_when_someone_else_wrote_first_whose_event_comes_later(
    firestore_db, local_slack, local_model, tmp_path
):
    # Slack promises no order: Bob's reply may reach the bot after Alice's, written after it.
    bot = make_bot(firestore_db, local_slack, local_model, tmp_path)
    parent_text = f"{BOT} {unique('question')}"
    parent = say(local_slack, parent_text)
    deliver(bot, parent_text, parent, parent)
    bob = unique("I'll take it from here")
    bob_ts = say(local_slack, bob, user="U0BOB", thread_ts=parent)
    alice = unique("thanks!")
    deliver(bot, alice, say(local_slack, alice, thread_ts=parent), parent, follow_up=True)
    assert len(bot_answers(local_slack, parent)) == 1
    deliver(bot, bob, bob_ts, parent, user="U0BOB", follow_up=True)  # late, and changes nothing
    again = unique("one more thing")
    deliver(bot, again, say(local_slack, again, thread_ts=parent), parent, follow_up=True)
    assert len(bot_answers(local_slack, parent)) == 1


def test_no_follow_up_in_a_thread_the_bot_never_answered_or_where_the_channel_turned_it_off(
    firestore_db, local_slack, local_model, tmp_path
):
    bot = make_bot(firestore_db, local_slack, local_model, tmp_path)
    parent = say(local_slack, unique("people talking"))
    reply = unique("just us here")
    deliver(bot, reply, say(local_slack, reply, thread_ts=parent), parent, follow_up=True)
    assert bot_answers(local_slack, parent) == []

    off = make_bot(firestore_db, local_slack, local_model, tmp_path, follow_ups=False)
    parent_text = f"{BOT} {unique('question')}"
    parent = say(local_slack, parent_text)
    deliver(off, parent_text, parent, parent)
    follow = unique("follow-up")
    deliver(off, follow, say(local_slack, follow, thread_ts=parent), parent, follow_up=True)
    assert len(bot_answers(local_slack, parent)) == 1


def test_a_follow_up_with_files_goes_to_the_files_function_first(
    firestore_db, local_slack, local_model, tmp_path
):
    bot = make_bot(firestore_db, local_slack, local_model, tmp_path)
    parent_text = f"{BOT} {unique('question')}"
    parent = say(local_slack, parent_text)
    deliver(bot, parent_text, parent, parent)
    follow = unique("here is the data")
    ts = say(local_slack, follow, thread_ts=parent)
    from assistant.mention import SlackFile

    mention = Mention(
        event_id="EvFILES00001",
        team_id="T0SANDBOX",
        channel="C0GENERAL",
        user="U0ALICE",
        text=follow,
        ts=ts,
        thread_ts=parent,
        bot_user_id="U0BOT",
        follow_up=True,
        files=(SlackFile(id="F0DATA01", name="data.csv"),),
    )
    assert bot.core.handle(Delivery(mention=mention, delivery_id="m-files")) is Outcome.ACK
    assert [m.follow_up for m in bot.forwarded] == [False]
    assert len(bot_answers(local_slack, parent)) == 1  # answered once the files are mirrored


@pytest.mark.parametrize("count", [300])
def test_summarising_a_300_message_thread_stays_within_the_budget(
    firestore_db, local_slack, local_model, tmp_path, count
):
    bot = make_bot(firestore_db, local_slack, local_model, tmp_path, budget=4000)
    parent = say(local_slack, unique("big thread"), user="U0BOB")
    for n in range(count):
        say(local_slack, f"message {n}: the queue is at {n * 7} items", user="U0BOB",
            thread_ts=parent)  # fmt: skip
    question = unique("summarise this thread and list the open questions")
    ask(bot, local_slack, question, parent)
    [request] = [r for r in local_model.requests(question) if r["body"].get("stream")]
    from devstack.fake_openai.content import prompt_tokens

    assert prompt_tokens(request["body"]["messages"]) <= 4000
    contents = [m["content"] for m in request["body"]["messages"]]
    assert contents[1].startswith(SUMMARY_HEADER)
    assert f"bob: message {count - 1}: the queue is at {(count - 1) * 7} items" in contents
    assert any(question in text for text in bot_answers(local_slack, parent))


def test_a_long_unsummarised_thread_is_summarised_oldest_first_reading_only_what_is_covered(
    firestore_db, local_slack, local_model, tmp_path
):
    from assistant.conversation.turns import StoredTurn
    from assistant.llm.models import model_spec
    from assistant.llm.tokens import count_content

    bot = make_bot(firestore_db, local_slack, local_model, tmp_path, budget=2000)
    parent = say(local_slack, unique("a thread answered for years"))
    key = f"T0SANDBOX:C0GENERAL:{parent}"
    spec = model_spec("fake-gpt")
    text = " ".join(f"w{n}" for n in range(300))  # about 600 tokens a turn
    seconds = parent.split(".")[0]
    turns = [
        StoredTurn(order=f"{seconds}.{n + 1:06d}:0", role="user", content=f"t{n} {text}",
                   tokens=count_content(f"t{n} {text}", spec), encoding=spec.count_key)
        for n in range(300)
    ]  # fmt: skip
    bot.history.append(key, turns, keep_tokens=2000, read_through=f"{seconds}.999999")
    bot.history.reads = 0

    ask(bot, local_slack, unique("so?"), parent)

    state = bot.history.load(key)
    # Four calls of at most 6,000 tokens: the oldest forty or so turns, not all three hundred.
    assert state.summary is not None and 10 <= state.summary.turns <= 45
    assert state.summary.through == turns[state.summary.turns - 1].order
    assert bot.history.reads < 120  # previously every turn that fell out was read: over 300
