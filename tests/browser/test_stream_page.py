"""A channel-thread answer streams natively in the workspace page with its code run as a task
card, and a person stops a second answer with the Stop button on it."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_workspace_page import final_bot_replies, mention_with_completion, open_page
from tests.e2e.harness import unique

pytestmark = pytest.mark.browser


def test_a_code_run_is_a_task_card_and_a_second_answer_is_stopped(page, stack, artifacts):
    if "executor" not in stack.urls:
        pytest.skip(f"the executor is not running: {stack.executor_problem}")
    open_page(page, stack)  # a channel
    code = json.dumps({"code": "print('ANSWER', 6 * 7)"})
    mention_with_completion(
        page, "#composer", f"{unique('six times seven?')} [[tool:run_python:{code}]]"
    )

    card = page.locator("#thread .msg.bot .task-card")
    expect(card).to_contain_text("Running Python", timeout=60_000)
    expect(card).to_have_attribute("data-status", "complete", timeout=60_000)
    expect(final_bot_replies(page).last).to_contain_text("ANSWER 42", timeout=30_000)
    page.screenshot(path=str(artifacts / "workspace-task-card.png"), full_page=True)

    open_page(page, stack)
    mention_with_completion(
        page, "#composer", f"{unique('a long story')} [[long:4000]] [[slow:0.05]]"
    )
    stop = page.locator("#thread .msg.bot .stream-control", has_text="Stop")
    expect(stop).to_be_enabled(timeout=30_000)
    stop.click()
    expect(final_bot_replies(page).last).to_contain_text("Stopped.", timeout=5_000)
    expect(stop).to_be_disabled()
    page.screenshot(path=str(artifacts / "workspace-stopped.png"), full_page=True)
