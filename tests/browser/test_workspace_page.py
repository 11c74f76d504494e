"""The workspace page a person uses with `nox -s dev`, driven in Chromium against the local stack:
mention with @-completion, the streamed Markdown answer in the thread, a follow-up that uses the
thread as context, the "What happened" panel, attachments, retries and reloads."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.harness import unique
from tests.file_samples import pdf_with_text

pytestmark = pytest.mark.browser

CHANNEL = "C0RANDOM"
ANSWER_MARKDOWN = (
    "**Ordering keys** keep one thread in order:\\n\\n"
    "1. publish with a key\\n"
    "2. enable ordering on the subscription\\n\\n"
    "```python\\npublisher.publish(topic, data, ordering_key=key)\\n```\\n\\n"
    "See [the docs](https://cloud.google.com/pubsub/docs/ordering)."
)


def open_page(page: Page, stack, where: str = CHANNEL) -> float:
    started = time.monotonic()
    page.goto(f"{stack.sandbox_url}/#{where}")
    page.wait_for_selector("body.ready")
    return time.monotonic() - started


def mention_with_completion(page: Page, composer: str, rest: str) -> None:
    """Type `@ass`, pick the bot from the completion list, type the rest and press Enter."""
    box = page.locator(f"{composer} textarea")
    box.click()
    box.press_sequentially("@ass")
    completion = page.locator(f"{composer} .completion li", has_text="assistant")
    expect(completion).to_be_visible()
    completion.click()
    expect(box).to_have_value("@assistant ")
    box.press_sequentially(rest)
    box.press("Enter")


def final_bot_replies(page: Page):
    return page.locator("#thread .msg.bot .text.md:not(.streaming)")


def test_a_mention_streams_a_markdown_answer_and_a_follow_up_uses_the_thread(
    page, stack, model, artifacts
):
    load_seconds = open_page(page, stack)
    expect(page.locator("#model-banner")).to_contain_text("deterministic fake model")
    first_question = unique("how do ordering keys work?")

    mention_with_completion(
        page, "#composer", f"{first_question} [[reply:{ANSWER_MARKDOWN}]] [[slow:0.1]]"
    )

    # The thread opens beside the channel: progress or the streaming answer, then the final one.
    thread = page.locator("#thread")
    expect(thread.locator(".msg").first).to_contain_text(first_question)
    expect(thread.locator(".msg.bot .thinking, .msg.bot .streaming").first).to_be_visible()
    answer = final_bot_replies(page).first
    expect(answer).to_contain_text("publisher.publish(topic, data, ordering_key=key)")
    expect(answer.locator("strong")).to_have_text("Ordering keys")
    expect(answer.locator("ol > li")).to_have_count(2)
    expect(answer.locator("pre code")).to_contain_text("ordering_key=key")
    link = answer.locator("a", has_text="the docs")
    expect(link).to_have_attribute("href", "https://cloud.google.com/pubsub/docs/ordering")

    follow_up = unique("and what did I ask first?")
    mention_with_completion(page, "#thread-composer", follow_up)
    expect(final_bot_replies(page)).to_have_count(2)
    expect(final_bot_replies(page).nth(1)).to_contain_text(f"Answer to: {follow_up}")

    # The model was sent the first turn as context.
    [request] = model.requests(follow_up)
    sent = [m["content"] for m in request["body"]["messages"]]
    assert any(first_question in str(content) for content in sent[:-1])

    # The side panel: the follow-up's signed delivery and model request, with the first turn.
    page.locator("#thread .msg", has_text=follow_up).locator(".trace-link").click()
    card = page.locator(".trace-card.focus")
    expect(card.locator("tr.delivery").first).to_contain_text("200")
    expect(card.locator(".model-line")).to_contain_text("fake-gpt")
    expect(card.locator(".prompt-message.role-user").first).to_contain_text(first_question)
    expect(card.locator(".prompt-message.role-assistant").first).to_contain_text("Ordering keys")
    expect(card.locator(".pubsub")).to_contain_text("ingress published to mentions")
    expect(card.locator(".timings")).to_contain_text("last token")
    expect(card).to_contain_text("answered")

    page.screenshot(path=str(artifacts / "workspace-page.png"))
    assert load_seconds < 5, f"the page took {load_seconds:.1f} s to load"


def test_a_retry_storm_still_gets_one_answer(page, stack, artifacts):
    open_page(page, stack)
    page.select_option("#delivery-mode", "retry_storm")
    question = unique("answer me once")

    mention_with_completion(page, "#composer", question)

    expect(final_bot_replies(page).last).to_contain_text(f"Answer to: {question}")
    page.locator("#trace-toggle").click()
    card = page.locator(".trace-card").first
    expect(card.locator("tr.delivery")).to_have_count(4)  # the original and Slack's 3 retries
    expect(card.locator(".pubsub")).to_contain_text("duplicate, not answered again")
    expect(page.locator("#thread .msg.bot")).to_have_count(1)
    page.screenshot(path=str(artifacts / "workspace-retry-storm.png"))


def test_an_attached_csv_and_pdf_are_read_and_the_thread_survives_a_reload(
    page, stack, model, tmp_path
):
    marker, pdf_marker = (unique(x).replace(" #", "") for x in ("west", "memo"))
    csv, pdf = tmp_path / "sales.csv", tmp_path / "memo.pdf"
    csv.write_text(f"region,q1,q2\nnorth,10,14\n{marker},1,2\n")
    pdf.write_bytes(pdf_with_text(f"Quarterly memo {pdf_marker}"))
    open_page(page, stack)
    page.set_input_files("#composer input[type=file]", [str(csv), str(pdf)])
    expect(page.locator("#composer .chip")).to_have_count(2)
    question = unique("which region grew fastest?")

    mention_with_completion(page, "#composer", question)

    expect(page.locator("#thread .file")).to_have_text(
        [re.compile("sales.csv"), re.compile("memo.pdf")]
    )
    expect(final_bot_replies(page).last).to_contain_text(f"Answer to: {question}")
    [request] = model.requests(question)
    sent = str(request["body"]["messages"][-1]["content"])
    assert marker in sent and pdf_marker in sent

    page.reload()
    page.wait_for_selector("body.ready")
    expect(page.locator("#thread .msg").first).to_contain_text(question)
    expect(final_bot_replies(page).last).to_contain_text(f"Answer to: {question}")


def test_reset_in_the_direct_message_forgets_the_thread(page, stack):
    open_page(page, stack, "D0ALICE")
    expect(page.locator("#channel-title")).to_have_text("assistant")
    box = page.locator("#composer textarea")
    box.fill(unique("remember this"))
    box.press("Enter")
    expect(final_bot_replies(page)).to_have_count(1)

    mention_with_completion(page, "#thread-composer", "reset")

    expect(page.locator("#thread .msg.bot").last).to_contain_text("forgotten")


def test_the_feedback_buttons_under_an_answer_record_a_click(page, stack, db, artifacts):
    open_page(page, stack)
    question = unique("was this useful?")
    mention_with_completion(page, "#composer", question)
    expect(final_bot_replies(page).last).to_contain_text(f"Answer to: {question}")

    thumbs_down = page.locator('#thread .msg.bot .block-actions [data-half="negative_button"]')
    thumbs_down.click()

    expect(thumbs_down).to_have_class(re.compile(r"\bchosen\b"))
    page.screenshot(path=str(artifacts / "workspace-feedback.png"))

    # The click names the answer it is about: that answer's event, from the stored message.
    messages = requests.get(
        f"{stack.sandbox_url}/_sandbox/messages", params={"channel": CHANNEL}, timeout=10
    ).json()["messages"]
    [answer] = [m for m in messages if m.get("text") == f"Answer to: {question}"]
    [feedback] = [b for b in answer["blocks"] if b["type"] == "context_actions"]
    event_id = json.loads(feedback["elements"][0]["negative_button"]["value"])["e"]
    vote = db.collection("feedback").document(f"{event_id}.U0ALICE")
    deadline = time.monotonic() + 20
    while not vote.get().exists and time.monotonic() < deadline:
        time.sleep(0.2)
    assert vote.get().get("value") == "negative"
