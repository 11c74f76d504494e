"""A routine set up from the workspace page: the proposal's Confirm button, clicked in
Chromium, saves it (ingress → routine-actions → responder) and the message says so."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_workspace_page import mention_with_completion, open_page
from tests.e2e.harness import unique

pytestmark = pytest.mark.browser


def test_a_routine_is_confirmed_with_its_button_on_the_page(page, stack, db):
    open_page(page, stack)
    marker = unique("PAGE-ROUTINE")
    arguments = {"days": ["mon"], "time": "08:30", "sources": ["#general"], "target": "here",
                 "window_hours": 24, "instruction": marker}  # fmt: skip
    mention_with_completion(
        page,
        "#composer",
        f"every monday recap #general [[tool:create_routine:{json.dumps(arguments)}]]",
    )
    confirm = page.locator("#thread .msg.bot .block-button", has_text="Confirm")
    expect(confirm).to_be_visible(timeout=60_000)  # two model rounds on a cold stack
    expect(page.locator("#thread .msg.bot", has_text="New routine")).to_contain_text(
        "every Mon at 08:30 (Europe/London)"
    )

    confirm.click()

    expect(page.locator("#thread .msg.bot", has_text="Routine saved")).to_be_visible(timeout=30_000)
    expect(page.locator("#thread .msg.bot .block-button", has_text="Confirm")).to_have_count(0)
    saved = [d for d in db.collection("routines").stream() if d.get("instruction") == marker]
    assert len(saved) == 1 and saved[0].get("state") == "active"
