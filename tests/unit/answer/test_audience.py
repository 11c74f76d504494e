"""Who can see the answer decides what it draws on, through the whole answer path (in-process
Slack sandbox and model): a Slack Connect channel and a guest get no document passage, no
search tool and no code tool unless the channel opts in, and are told so once per thread."""

from __future__ import annotations

import uuid

import pytest

from assistant.answer.delivery import Delivery
from assistant.answer.linked import LINKED_INTRO
from assistant.audience.policy import NOTES
from assistant.mention import Mention
from assistant.retrieval.catalog import NO_SETS
from assistant.retrieval.passages import PASSAGES_INTRO
from tests.e2e.harness import message_text, unique
from tests.responders import local_clients, memory_stores, settings_file, test_responder
from tests.unit.answer.test_responder import OneDocument

TEAM = "T0SANDBOX"


class Asker:
    def __init__(self, local_slack, local_model, tmp_path, file=None, **settings):
        self.stores = stores = memory_stores(knowledge=OneDocument())
        uri = settings_file(tmp_path, file) if file is not None else ""
        self.core = test_responder(
            local_clients(stores, local_slack, local_model), settings_uri=uri, **settings
        )
        self.slack, self.model = local_slack, local_model

    def ask(self, question, *, channel, user="U0ALICE", thread_ts=None, action_token=""):
        posted = self.slack.post(
            f"<@U0BOT> {question}", channel=channel, user=user, thread_ts=thread_ts
        )
        mention = Mention(
            event_id=f"Ev{uuid.uuid4().hex[:10].upper()}", team_id=TEAM, channel=channel,
            user=user, text=f"<@U0BOT> {question}", ts=posted["ts"],
            thread_ts=thread_ts or posted["ts"], bot_user_id="U0BOT",
            is_direct_message=channel.startswith("D"), action_token=action_token,
        )  # fmt: skip
        self.core.handle(Delivery(mention=mention, delivery_id=f"m-{mention.event_id}"))
        return mention

    def answers(self, mention) -> list[str]:
        replies = self.slack.bot_replies(mention.thread_ts, channel=mention.channel)
        return [message_text(m) for m in replies]

    def sent(self, question) -> tuple[list[str], list[str]]:
        """The model request's message texts and the tools it was offered."""
        [request] = self.model.requests(question)
        body = request["body"]
        tools = [tool["function"]["name"] for tool in body.get("tools") or ()]
        return [str(m["content"]) for m in body["messages"]], tools


def test_in_a_slack_connect_channel_no_document_reaches_the_model(
    local_slack, local_model, tmp_path
):
    asker = Asker(local_slack, local_model, tmp_path)
    question = unique("How much leave?")

    mention = asker.ask(question, channel="C0CONNECT")

    messages, tools = asker.sent(question)
    assert not any(PASSAGES_INTRO in m or "25 days" in m for m in messages)
    assert "search_docs" not in tools
    [answer] = asker.answers(mention)
    assert answer.endswith(f"_{NOTES['shared_channel']}_")
    # Said once per thread: the next question there gets no second notice.
    again = unique("And sick leave?")
    second = asker.ask(again, channel="C0CONNECT", thread_ts=mention.thread_ts)
    assert NOTES["shared_channel"] not in asker.answers(second)[-1]
    assert not any(PASSAGES_INTRO in m for m in asker.sent(again)[0])


def test_a_slack_connect_channel_that_opts_in_gets_its_documents(
    local_slack, local_model, tmp_path
):
    file = {"channels": {"C0CONNECT": {"audience": {"shared_channels": True}}}}
    asker = Asker(local_slack, local_model, tmp_path, file=file)
    question = unique("How much leave?")

    mention = asker.ask(question, channel="C0CONNECT")

    messages, tools = asker.sent(question)
    assert any(m.startswith(PASSAGES_INTRO) for m in messages) and "search_docs" in tools
    assert NOTES["shared_channel"] not in asker.answers(mention)[0]


def test_a_guest_gets_no_document_and_no_tool_unless_the_channel_opts_in(
    local_slack, local_model, tmp_path
):
    asker = Asker(local_slack, local_model, tmp_path, executor_url="http://127.0.0.1:9/x")
    question = unique("How much leave?")

    mention = asker.ask(question, channel="C0GENERAL", user="U0GUEST")

    messages, tools = asker.sent(question)
    assert not any(PASSAGES_INTRO in m for m in messages) and tools == []
    assert asker.answers(mention)[0].endswith(f"_{NOTES['guest']}_")

    opted = Asker(
        local_slack, local_model, tmp_path, file={"defaults": {"audience": {"guests": True}}}
    )
    question = unique("How much leave, opted in?")
    opted.ask(question, channel="C0GENERAL", user="U0GUEST")
    messages, tools = opted.sent(question)
    assert any(m.startswith(PASSAGES_INTRO) for m in messages) and "search_docs" in tools


def test_a_member_in_an_internal_channel_gets_documents_and_tools(
    local_slack, local_model, tmp_path
):
    asker = Asker(local_slack, local_model, tmp_path, executor_url="http://127.0.0.1:9/x")
    question = unique("How much leave?")

    mention = asker.ask(question, channel="C0GENERAL")

    messages, tools = asker.sent(question)
    assert any(m.startswith(PASSAGES_INTRO) for m in messages)
    assert tools == ["search_docs", "run_python"]
    assert asker.answers(mention)[0].startswith("Answer to:")


def permalink(local_slack, channel: str, ts: str, thread_ts: str = "") -> str:
    link = f"{local_slack.base_url}/archives/{channel}/p{ts.replace('.', '')}"
    return f"{link}?thread_ts={thread_ts}&cid={channel}" if thread_ts else link


def test_a_permalink_to_a_public_thread_is_read_attributed_and_cited(
    local_slack, local_model, tmp_path
):
    parent = local_slack.post(unique("The deploy of build 42 failed"), channel="C0RANDOM")
    reply = local_slack.post(
        unique("It was the migration lock"), channel="C0RANDOM", user="U0BOB",
        thread_ts=parent["ts"],
    )  # fmt: skip
    link = permalink(local_slack, "C0RANDOM", reply["ts"], parent["ts"])
    asker = Asker(local_slack, local_model, tmp_path)
    question = unique("why did it fail?")

    mention = asker.ask(f"{question} <{link}>", channel="C0GENERAL")

    messages, _ = asker.sent(question)
    [quoted] = [m for m in messages if "<slack_messages" in m]
    # Attributed by the names users.info gives (display names), the parent first.
    assert quoted.startswith(LINKED_INTRO)
    assert quoted.index("alice: The deploy of build 42") < quoted.index("bob: It was the migration")
    [answer] = asker.answers(mention)
    assert f"*Slack sources*\n{link}" in answer


def test_a_link_to_a_private_channel_pasted_in_a_public_one_is_refused_and_never_read(
    local_slack, local_model, tmp_path
):
    secret = unique("the acquisition closes on Friday")
    posted = local_slack.post(secret, channel="C0SECRET", user="U0BOB")
    asker = Asker(local_slack, local_model, tmp_path)
    question = unique("what does this say?")

    mention = asker.ask(f"{question} <{permalink(local_slack, 'C0SECRET', posted['ts'])}>",
                        channel="C0GENERAL")  # fmt: skip

    [request] = local_model.requests(question)
    assert secret not in str(request["body"])
    [answer] = asker.answers(mention)
    assert answer.endswith(f"_{NOTES['refused_link']}_") and "Slack sources" not in answer


@pytest.mark.parametrize(
    ("link", "note"),
    [
        ("{base}/archives/C0HIDDEN/p1700000000000100", "unreadable"),
        ("{base}/archives/C0RANDOM/p1000000000000100", "deleted"),
        ("{base}/archives/not-a-message", "malformed"),
    ],
)
def test_a_link_that_cannot_be_read_gives_a_short_note_not_an_error(
    local_slack, local_model, tmp_path, link, note
):
    asker = Asker(local_slack, local_model, tmp_path)
    question = unique("summarise this")

    mention = asker.ask(f"{question} <{link.format(base=local_slack.base_url)}>",
                        channel="C0GENERAL")  # fmt: skip

    [answer] = asker.answers(mention)
    assert answer.startswith("Answer to:") and answer.endswith(f"_{NOTES[note]}_")


def test_search_slack_in_the_dm_answers_with_permalinks_the_asker_may_see(
    local_slack, local_model, tmp_path
):
    word = unique("zanzibar").split()[-1].strip("#")
    seen = local_slack.post(f"The {word} rollout is Tuesday", channel="C0PRIVATE", user="U0BOB")
    local_slack.post(f"The {word} budget is secret", channel="C0SECRET", user="U0BOB")
    asker = Asker(local_slack, local_model, tmp_path)
    question = unique(f'when is {word}? [[tool:search_slack:{{"query": "{word}"}}]]')

    mention = asker.ask(question, channel="D0ALICE", action_token="1.U0ALICE.sandbox")

    [answer] = asker.answers(mention)
    link = permalink(local_slack, "C0PRIVATE", seen["ts"])
    assert link in answer.split("*Slack sources*\n")[1].splitlines()
    requests = local_model.requests(question)
    sent = str(requests[-1]["body"]["messages"])
    assert (
        "rollout is Tuesday" in sent and "budget is secret" not in sent
    )  # Alice is not in #secret


def test_without_an_action_token_search_slack_is_not_offered(local_slack, local_model, tmp_path):
    asker = Asker(local_slack, local_model, tmp_path)
    question = unique("anything about the rollout?")

    asker.ask(question, channel="D0ALICE")

    assert "search_slack" not in asker.sent(question)[1]


def test_in_a_channel_search_slack_reaches_public_channels_only(local_slack, local_model, tmp_path):
    word = unique("quokka").split()[-1].strip("#")
    local_slack.post(f"{word} plan in public", channel="C0RANDOM")
    local_slack.post(f"{word} plan in private", channel="C0PRIVATE")
    asker = Asker(local_slack, local_model, tmp_path)
    question = unique(f'plans? [[tool:search_slack:{{"query": "{word}"}}]]')

    asker.ask(question, channel="C0GENERAL", action_token="1.U0ALICE.sandbox")

    sent = str(local_model.requests(question)[-1]["body"]["messages"])
    assert "plan in public" in sent and "plan in private" not in sent


def test_a_permalink_someone_posted_earlier_in_the_thread_is_read_too(
    local_slack, local_model, tmp_path
):
    note = local_slack.post(unique("Retro: the cache warmed too slowly"), channel="C0RANDOM")
    asker = Asker(local_slack, local_model, tmp_path)
    top = local_slack.post(unique("incident thread"), channel="C0GENERAL")
    local_slack.post(
        f"see <{permalink(local_slack, 'C0RANDOM', note['ts'])}>", channel="C0GENERAL",
        user="U0BOB", thread_ts=top["ts"],
    )  # fmt: skip
    question = unique("what did the linked retro conclude?")

    asker.ask(question, channel="C0GENERAL", thread_ts=top["ts"])

    messages, _ = asker.sent(question)
    assert any("<slack_messages" in m and "cache warmed too slowly" in m for m in messages)


def test_sources_in_a_connect_channel_lists_no_sets_and_leaves_the_notice_for_the_answer(
    local_slack, local_model, tmp_path
):
    asker = Asker(local_slack, local_model, tmp_path)

    first = asker.ask("sources", channel="C0CONNECT")
    question = unique("How much leave?")
    asker.ask(question, channel="C0CONNECT", thread_ts=first.thread_ts)

    listing, answer = asker.answers(first)
    assert listing == NO_SETS and "handbook" not in listing
    assert answer.endswith(f"_{NOTES['shared_channel']}_")


def test_linked_and_found_messages_are_listed_once_under_one_heading(
    local_slack, local_model, tmp_path
):
    word = unique("marmot").split()[-1].strip("#")
    linked = local_slack.post(f"{word} notes", channel="C0RANDOM", user="U0BOB")
    found = local_slack.post(f"{word} decision made", channel="C0GENERAL", user="U0BOB")
    link = permalink(local_slack, "C0RANDOM", linked["ts"])
    asker = Asker(local_slack, local_model, tmp_path)
    question = unique(f'see <{link}> [[tool:search_slack:{{"query": "{word} decision"}}]]')

    mention = asker.ask(question, channel="D0ALICE", action_token="1.U0ALICE.sandbox")

    [answer] = asker.answers(mention)
    assert answer.count("*Slack sources*") == 1
    sources = answer.split("*Slack sources*\n")[1].splitlines()
    assert sources[0] == link and permalink(local_slack, "C0GENERAL", found["ts"]) in sources
    assert len(sources) == len(set(sources))


def test_read_slack_link_reads_allowed_links_and_refuses_the_rest(
    local_slack, local_model, tmp_path
):
    public = local_slack.post(unique("release is green"), channel="C0RANDOM", user="U0BOB")
    secret = local_slack.post(unique("layoffs planned"), channel="C0SECRET", user="U0BOB")
    ok, no = (permalink(local_slack, c, m["ts"]) for c, m in (("C0RANDOM", public),
                                                              ("C0SECRET", secret)))  # fmt: skip
    asker = Asker(local_slack, local_model, tmp_path)
    calls = "".join(
        f'[[tool:read_slack_link:{{"permalink": "{url}"}}]]' for url in (ok, no, "not a link")
    )
    question = unique(f"compare /archives/ links {calls}")

    mention = asker.ask(question, channel="C0GENERAL")

    sent = str(local_model.requests(question)[-1]["body"]["messages"])
    assert "release is green" in sent and "layoffs planned" not in sent
    assert NOTES["refused_link"] in sent and NOTES["malformed"] in sent
    assert ok in asker.answers(mention)[0].split("*Slack sources*\n")[1].splitlines()


def test_search_slack_says_when_slack_refuses_and_stops_after_three_searches(
    local_slack, local_model, tmp_path
):
    asker = Asker(local_slack, local_model, tmp_path)
    calls = "".join(f'[[tool:search_slack:{{"query": "q{n}"}}]]' for n in range(4))
    question = unique(f"search a lot {calls}")

    asker.ask(question, channel="D0ALICE", action_token="1.U0NOBODY.sandbox")

    sent = str(local_model.requests(question)[-1]["body"]["messages"])
    assert sent.count("Slack search is unavailable (invalid_action_token).") == 3
    assert "No more Slack searches in this answer (at most 3)." in sent
