"""`read_url` through the whole answer path (in-process Slack sandbox and model, a real page
server on loopback): offered for a link in the question where the audience and the channel
allow it, its result framed as data and quoted, the page listed under the answer, each read
counted, a thread's second read of a page served from memory."""

from __future__ import annotations

import json

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
    assert f"*Web sources*\n{url}" in answer
    [read] = [call for call in asker.stores.ledger.calls if call.kind == "web_read"]
    assert read.model == "read_url" and read.event_id == mention.event_id
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


def test_shared_channels_guests_and_channels_that_turn_it_off_are_not_offered_it(
    local_slack, local_model, tmp_path, pages
):
    pages.html("/leave", ARTICLE)
    file = {**ALLOW_LOOPBACK, "channels": {"C0RANDOM": {"tools": {"web": False}}}}
    asker = Asker(local_slack, local_model, tmp_path, file=file)

    for channel, user in (("C0CONNECT", "U0ALICE"), ("C0GENERAL", "U0GUEST"),
                          ("C0RANDOM", "U0ALICE")):  # fmt: skip
        question = f"{unique('What does this say?')} {pages.url('/leave')}"
        asker.ask(question, channel=channel, user=user)
        assert "read_url" not in asker.sent(question)[1], channel
    assert pages.connections == 0

    # A question without a web link is not offered it either (its schema costs tokens).
    question = unique("How much leave?")
    asker.ask(question, channel="C0GENERAL")
    assert "read_url" not in asker.sent(question)[1]
