"""Links pasted in a question are read before the model is asked, through the whole answer path
(in-process Slack sandbox and model, a real page server on loopback): framed as data in the
prompt, listed under the answer with read_url's pages, counted, read at once within a few
seconds, refused where read_url would refuse them. Where read_url may not be used, nothing is
read: tests/unit/web/test_read_url.py."""

from __future__ import annotations

import json
import time

from assistant.web.pasted import NOT_READ_INTRO, PASTED_INTRO
from tests.e2e.harness import unique
from tests.unit.answer.test_audience import Asker
from tests.unit.web.test_fetch import ARTICLE
from tests.unit.web.test_read_url import ALLOW_LOOPBACK


def web_reads(asker, mention) -> list[str]:
    return [
        call.call.rsplit(".", 1)[-1]
        for call in asker.stores.ledger.calls
        if call.kind == "web_read" and call.event_id == mention.event_id
    ]


def test_a_pasted_link_is_in_the_prompt_as_data_and_under_the_answer(
    local_slack, local_model, tmp_path, pages
):
    pages.html("/leave", ARTICLE)
    url = pages.url("/leave")
    asker = Asker(local_slack, local_model, tmp_path, file=ALLOW_LOOPBACK)
    question = unique("How much leave do we get?")

    mention = asker.ask(f"{question} <{url}|the leave policy>", channel="C0GENERAL")

    messages, tools = asker.sent(question)
    [page] = [m for m in messages if PASTED_INTRO in m]
    assert f'<web_page url="{url}" title="Leave policy">' in page and "25 days" in page
    assert "read_url" in tools  # still offered, for the links a page leads to
    [answer] = asker.answers(mention)
    assert answer.count("*Web sources*") == 1 and f"*Web sources*\n{url}" in answer
    assert web_reads(asker, mention) == ["pasted-url-1"]
    assert [path for path, _ in pages.requests] == ["/leave"]


def test_the_model_reading_a_page_again_gets_it_from_memory_and_one_source_list(
    local_slack, local_model, tmp_path, pages
):
    for name in ("leave", "a", "b"):
        pages.html(f"/{name}", ARTICLE)
    pages.html("/sick", ARTICLE.replace("25 days of paid leave", "10 days of sick leave"))
    leave, a, b, sick = (pages.url(f"/{name}") for name in ("leave", "a", "b", "sick"))
    asker = Asker(local_slack, local_model, tmp_path, file=ALLOW_LOOPBACK)
    # The fourth link is past the three read before the model runs: the model reads it, and
    # the first one again.
    calls = "".join(f"[[tool:read_url:{json.dumps({'url': u})}]]" for u in (leave, sick))

    mention = asker.ask(f"{unique('Compare')} <{leave}> <{a}> <{b}> <{sick}> {calls}",
                        channel="C0GENERAL")  # fmt: skip

    [answer] = asker.answers(mention)
    assert "10 days of sick leave" in answer  # the model's own read, quoted by the fake model
    assert answer.count("*Web sources*") == 1
    assert f"*Web sources*\n{leave}\n{a}\n{b}\n{sick}" in answer
    assert web_reads(asker, mention) == [
        "pasted-url-1", "pasted-url-2", "pasted-url-3", "read-url-1", "read-url-2"
    ]  # fmt: skip
    requested = [path for path, _ in pages.requests]
    assert sorted(requested[:3]) == ["/a", "/b", "/leave"] and requested[3:] == ["/sick"]


def test_three_pages_are_read_at_once_and_the_rest_left_to_the_model(
    local_slack, local_model, tmp_path, pages
):
    for name in ("a", "b", "c", "d"):
        pages.html(f"/{name}", ARTICLE.replace("Leave policy", f"Policy {name}"))
    pages.delay = 1.0  # each response: read one after the other, they would take 3 s
    asker = Asker(local_slack, local_model, tmp_path, file=ALLOW_LOOPBACK)
    question = unique("Which of these applies?")
    links = " ".join(f"<{pages.url(f'/{name}')}>" for name in ("a", "b", "c", "d"))

    started = time.monotonic()
    mention = asker.ask(f"{question} {links}", channel="C0GENERAL")

    assert time.monotonic() - started < 2.8
    messages, _ = asker.sent(question)
    assert [n for n in "abcd" if any(f'title="Policy {n}"' in m for m in messages)] == list("abc")
    [answer] = asker.answers(mention)
    assert answer.endswith(
        "_I read only the first 3 links before answering; the other one only if the answer "
        "needed them._"
    )
    assert sorted(path for path, _ in pages.requests) == ["/a", "/b", "/c"]


def test_a_slow_page_holds_the_answer_a_moment_and_is_a_note(
    local_slack, local_model, tmp_path, pages
):
    pages.html("/slow", ARTICLE)
    pages.delay = 6.0
    url = pages.url("/slow")
    # Five seconds for the whole answer: the page may take a fifth of it.
    asker = Asker(local_slack, local_model, tmp_path, file=ALLOW_LOOPBACK,
                  response_time_budget_seconds=5)  # fmt: skip
    question = unique("What does it say?")

    started = time.monotonic()
    mention = asker.ask(f"{question} <{url}>", channel="C0GENERAL")

    assert time.monotonic() - started < 3.5
    [answer] = asker.answers(mention)
    assert answer.endswith(f"_{url} took too long to answer._")
    messages, _ = asker.sent(question)
    assert any(NOT_READ_INTRO in m and "took too long" in m for m in messages)
    assert not any(PASTED_INTRO in m for m in messages)


def test_a_private_address_is_refused_with_a_note_and_never_connected_to(
    local_slack, local_model, tmp_path, pages
):
    pages.html("/leave", ARTICLE)
    url = pages.url("/leave")
    asker = Asker(local_slack, local_model, tmp_path)  # no allowlist: loopback is refused
    question = unique("Summarise these")

    mention = asker.ask(f"{question} <{url}> <http://10.0.0.5/wiki>", channel="C0GENERAL")

    [answer] = asker.answers(mention)
    assert f"_I may not read {url}: it points to this machine (127.0.0.1)._" in answer
    assert answer.endswith(
        "_I may not read http://10.0.0.5/wiki: it points to a private address (10.0.0.5)._"
    )
    assert "*Web sources*" not in answer and pages.connections == 0
    messages, _ = asker.sent(question)
    [refusals] = [m for m in messages if NOT_READ_INTRO in m]
    assert "this machine (127.0.0.1)" in refusals and "paid leave" not in str(messages)
