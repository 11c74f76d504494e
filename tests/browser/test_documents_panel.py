"""An answer from the documents in the workspace page: the Sources list under the answer, and
the What happened panel's query, retrieved chunks with their distances, and which were sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assistant.retrieval.index import KnowledgeIndex
from tests.browser.test_workspace_page import final_bot_replies, mention_with_completion, open_page
from tests.e2e.harness import eventually, unique
from tests.knowledge import unique_set

pytestmark = pytest.mark.browser

RUNBOOK = """---
title: Database restore runbook
url: https://wiki.example/restore
---
# Restoring the database

Restore the nightly snapshot with the restore script, then replay the write-ahead log.
"""


def test_the_panel_shows_the_retrieved_chunks_and_the_answer_its_sources(
    page, stack, db, artifacts
):
    folder = unique_set("runbooks")
    loader = stack.knowledge()
    generation = loader.upload(f"{folder}/restore.md", RUNBOOK.encode())
    index = KnowledgeIndex(db)

    def indexed():
        record = index.state(f"knowledge/{folder}/restore.md")
        return record is not None and (record.generation, record.state) == (generation, "indexed")

    eventually(indexed, timeout=60)
    try:
        open_page(page, stack)
        question = unique(
            "how do I restore the database snapshot? [[reply:Use the restore script [1]. ]]"
        )
        mention_with_completion(page, "#composer", question)
        answer = final_bot_replies(page).last
        expect(answer).to_contain_text("Sources")
        expect(answer.locator("a", has_text="Database restore runbook")).to_have_attribute(
            "href", "https://wiki.example/restore"
        )
        page.locator("#trace-toggle").click()
        card = page.locator(".trace-card").first
        sent = card.locator("table.retrieval tr.sent").first
        expect(sent).to_contain_text("[1]")
        expect(sent).to_contain_text("Database restore runbook")
        expect(card.locator(".model-line", has_text="query")).to_contain_text(
            "restore the database"
        )
        page.screenshot(path=str(artifacts / "workspace-documents.png"))
    finally:
        loader.delete(f"{folder}/restore.md")
