"""Which links of a question are read before the model runs, and how much of each fits (pure):
Slack's `<url>` and `<url|label>` forms, its `&amp;`, Slack's own addresses left to the
linked-message reader, each page once, the first three in the order written."""

from __future__ import annotations

import pytest

from assistant.llm.messages import Message
from assistant.llm.models import model_spec
from assistant.llm.tokens import count_message
from assistant.web.pages import Page
from assistant.web.pasted import (
    MAX_PAGES,
    PASTED_INTRO,
    fitted,
    pasted_links,
    reading_seconds,
)

SPEC = model_spec("gpt-4o-mini")


@pytest.mark.parametrize(
    ("question", "urls"),
    [
        ("what does <https://example.com/a> say?", ["https://example.com/a"]),
        ("see <https://example.com/a|the leave policy>", ["https://example.com/a"]),
        # A label that is itself an address is words shown, not a second page.
        ("<https://example.com/a|https://other.example/b>", ["https://example.com/a"]),
        ("(see https://example.com/a).", ["https://example.com/a"]),
        ("<https://example.com/s?q=1&amp;page=2>", ["https://example.com/s?q=1&page=2"]),
        ("<http://wiki.corp.example:8080/x>", ["http://wiki.corp.example:8080/x"]),
        ("<mailto:bob@example.com|bob> <ftp://example.com/f> www.example.com", []),
    ],
)
def test_the_links_of_a_question_as_slack_writes_them(question, urls):
    assert list(pasted_links(question).urls) == urls


def test_slack_permalinks_and_slack_addresses_are_not_web_pages():
    question = (
        "<https://acme.slack.com/archives/C0123ABC/p1712345678000200?thread_ts=1712345600.000100"
        "&amp;cid=C0123ABC|this thread>, the local Slack's "
        "<http://127.0.0.1:8930/archives/C0RANDOM/p1712345678000200>, a malformed "
        "https://acme.slack.com/archives/x, a file https://files.slack.com/files-pri/T1-F1/a.pdf "
        "and <https://example.com/a>"
    )
    assert pasted_links(question).urls == ("https://example.com/a",)


def test_each_page_is_read_once_the_first_three_in_order():
    question = (
        "<https://d.example/> https://b.example/x#intro https://b.example/x#end "
        "<https://a.example/|a> https://d.example/ https://c.example/ https://e.example/"
    )
    links = pasted_links(question)
    assert links.urls == ("https://d.example/", "https://b.example/x#intro", "https://a.example/")
    assert links.more == 2 and MAX_PAGES == 3


def test_the_pages_get_a_few_seconds_and_none_when_the_answer_has_no_time_left():
    assert reading_seconds(540.0) == 4.0  # the usual answer: a slow page costs 4 s at most
    assert reading_seconds(5.0) == 1.0  # near its deadline: a fifth of what is left
    assert reading_seconds(1.0) == 0.0


def test_a_page_that_fits_is_framed_whole_with_the_note_that_it_was_read_already():
    page = Page("https://example.com/a", title="Leave", text="Everyone gets 25 days.")

    fit = fitted(page, 500, SPEC)

    assert fit.text.startswith(PASTED_INTRO) and "no need to call read_url" in fit.text
    assert '<web_page url="https://example.com/a" title="Leave">' in fit.text
    assert fit.text.endswith("Everyone gets 25 days.\n</web_page>") and fit.note == ""


def test_a_long_page_is_cut_to_its_room_the_frame_closed_and_the_person_told():
    page = Page("https://example.com/long", text="Rule: everyone gets leave. " * 2_000)

    fit = fitted(page, 400, SPEC)

    assert count_message(Message.user(fit.text), SPEC) <= 400
    assert fit.text.endswith("(cut: the page is longer)\n</web_page>")
    assert fit.note == "https://example.com/long is long, so I read only its beginning."


def test_a_page_that_could_not_be_read_or_has_no_room_is_a_note_and_no_text():
    refused = Page("http://10.0.0.5/", problem="I may not read http://10.0.0.5/: it points "
                   "to a private address (10.0.0.5).")  # fmt: skip
    assert fitted(refused, 500, SPEC).text == ""
    assert "private address (10.0.0.5)" in fitted(refused, 500, SPEC).note

    crowded = fitted(Page("https://example.com/a", text="x " * 500), 60, SPEC)
    assert crowded.text == ""
    assert crowded.note == "I left out https://example.com/a: there was no room left for it."
