"""`read_url` through the whole answer path (in-process Slack sandbox and model, a real page
server on loopback): offered for a link in the question where the audience and the channel
allow it, its result framed as data and quoted, the page listed under the answer, each read
counted, a thread's second read of a page served from memory (the question's own links are
read before the model runs: tests/unit/web/test_pasted_pages.py)."""

from __future__ import annotations

import json

from assistant.web.pasted import NOT_READ_INTRO, PASTED_INTRO
from assistant.web.tool import PAGE_INTRO
from tests.e2e.harness import unique
from tests.unit.answer.test_audience import Asker
from tests.unit.web.test_fetch import ARTICLE

ALLOW_LOOPBACK = {"defaults": {"web": {"allowed_hosts": ["127.0.0.1"]}}}


def ask_to_read(url: str, text: str = "What does this page say?") -> str:
    call = json.dumps({"url": url})
    return f"{unique(text)} {url} [[tool:read_url:{call}]]"


def test_a_pasted_link_is_read_quoted_as_data_and_listed_under_the_answer(
    local_slack, local_model, tmp_path, pages
):
    pages.html("/leave", ARTICLE)
    url = pages.url("/leave")
    asker = Asker(local_slack, local_model, tmp_path, file=ALLOW_LOOPBACK)
    question = ask_to_read(url)

    mention = asker.ask(question, channel="C0GENERAL")

    [answer] = asker.answers(mention)
    assert "25 days of paid leave" in answer and PAGE_INTRO in answer  # the model quotes it
    assert f"*Web sources*\n{url}" in answer and answer.count("*Web sources*") == 1
    # Read before the model ran (it is in the question), then asked for: counted each time.
    reads = [call for call in asker.stores.ledger.calls if call.kind == "web_read"]
    assert [read.call.rsplit(".", 1)[-1] for read in reads] == ["pasted-url-1", "read-url-1"]
    assert {(read.model, read.event_id) for read in reads} == {("read_url", mention.event_id)}
    # Asked again in the same thread: the page comes from memory, not from the server.
    asker.ask(ask_to_read(url, "And again?"), channel="C0GENERAL", thread_ts=mention.thread_ts)
    assert [path for path, _ in pages.requests] == ["/leave"]


def test_without_the_allowlist_an_internal_link_is_refused_and_nothing_is_fetched(
    local_slack, local_model, tmp_path, pages
):
    pages.html("/leave", ARTICLE)
    asker = Asker(local_slack, local_model, tmp_path)

    mention = asker.ask(ask_to_read(pages.url("/leave")), channel="C0GENERAL")

    [answer] = asker.answers(mention)
    assert "I may not read" in answer and "points to this machine (127.0.0.1)" in answer
    assert "25 days" not in answer and pages.connections == 0


def test_shared_channels_guests_and_channels_that_turn_it_off_neither_read_links_nor_offer_it(
    local_slack, local_model, tmp_path, pages
):
    pages.html("/leave", ARTICLE)
    file = {**ALLOW_LOOPBACK, "channels": {"C0RANDOM": {"tools": {"web": False}}}}
    asker = Asker(local_slack, local_model, tmp_path, file=file)

    for channel, user in (("C0CONNECT", "U0ALICE"), ("C0GENERAL", "U0GUEST"),
                          ("C0RANDOM", "U0ALICE")):  # fmt: skip
        question = f"{unique('What does this say?')} <{pages.url('/leave')}>"
        mention = asker.ask(question, channel=channel, user=user)
        messages, tools = asker.sent(question)
        assert "read_url" not in tools, channel
        # The pasted link is not read before the model either, nor said to be unreadable.
        assert not any(PASTED_INTRO in m or NOT_READ_INTRO in m for m in messages), channel
        assert "I may not read" not in asker.answers(mention)[-1]
    assert pages.connections == 0
    assert not [call for call in asker.stores.ledger.calls if call.kind == "web_read"]

    # A question without a web link is not offered it either (its schema costs tokens).
    question = unique("How much leave?")
    asker.ask(question, channel="C0GENERAL")
    assert "read_url" not in asker.sent(question)[1]
