"""A tool call that may write, approved from the workspace page: the card shows what would be
called with which arguments, and its Approve button, clicked in Chromium, runs it once
(ingress → assistant-events → responder) and the answer goes on in the thread."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from playwright.sync_api import expect

from devstack.mcp_servers import notes_server, serving
from tests.browser.test_workspace_page import mention_with_completion, open_page
from tests.e2e.harness import unique

pytestmark = pytest.mark.browser

REFRESH = 1.0  # above SETTINGS_REFRESH_SECONDS in tests/conftest.py


@pytest.fixture
def notes_in_random(stack):
    original = stack.settings_file.read()
    with serving(notes_server()) as url:
        servers = {"notes": {"url": url, "tools": ["*"]}}
        stack.settings_file.write(
            yaml.safe_dump({"channels": {"C0RANDOM": {"mcp_servers": servers}}})
        )
        time.sleep(REFRESH)
        yield
    stack.settings_file.write(original)
    time.sleep(REFRESH)


def test_a_write_is_approved_with_its_button_on_the_page(page, stack, notes_in_random, artifacts):
    open_page(page, stack)
    text = unique("Standup-at-0930-")
    arguments = json.dumps({"text": text})
    mention_with_completion(page, "#composer", f"note it [[tool:notes__create_note:{arguments}]]")

    card = page.locator("#thread .msg.bot", has_text="Approve this action?")
    expect(card).to_contain_text(text, timeout=60_000)  # the arguments, before anything runs
    expect(card.locator(".block-button", has_text="Deny")).to_be_visible()
    page.screenshot(path=str(artifacts / "workspace-approval-card.png"))

    card.locator(".block-button", has_text="Approve").click()

    expect(card).to_contain_text("Approved by", timeout=30_000)
    expect(card.locator(".block-button")).to_have_count(0)
    expect(page.locator("#thread .msg.bot", has_text="Created note")).to_be_visible(timeout=30_000)
