"""Who can see an answer, in the workspace page: a question in the Slack Connect channel is
answered with the once-per-thread note, and the What happened panel says what was left out and
why (the answer itself never does)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assistant.audience.policy import NOTES
from tests.browser.test_workspace_page import final_bot_replies, mention_with_completion, open_page
from tests.e2e.harness import unique

pytestmark = pytest.mark.browser


def test_the_panel_shows_the_audience_and_what_was_left_out(page, stack, artifacts):
    open_page(page, stack, "C0CONNECT")
    mention_with_completion(page, "#composer", unique("what does our handbook say about leave?"))

    answer = final_bot_replies(page).last
    expect(answer).to_contain_text(NOTES["shared_channel"], timeout=30_000)
    expect(answer).not_to_contain_text("shared_channel")
    page.locator("#trace-toggle").click()
    card = page.locator(".trace-card").first
    expect(card.locator(".audience-line")).to_contain_text("shared with another organisation")
    expect(card.locator(".audience-left-out")).to_contain_text("documents: shared_channel")
    page.screenshot(path=str(artifacts / "workspace-audience.png"))
