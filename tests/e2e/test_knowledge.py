"""Documents through the real push path: an upload into the storage emulator and the notification
Cloud Storage would send -> Pub/Sub push -> indexer -> Firestore -> the responder's answer."""

from __future__ import annotations

import pytest

from assistant.retrieval.index import KnowledgeIndex
from tests.e2e.harness import eventually, message_text, unique
from tests.knowledge import unique_set

LEAVE = """---
title: Leave policy
url: https://hr.example/leave
---
# Leave policy

Employees get {days} days of annual leave each year.
"""


@pytest.fixture
def handbook(stack, db):
    """A set of its own, emptied afterwards so that later tests see no documents."""
    loader, folder = stack.knowledge(), unique_set("handbook")
    uploaded: list[str] = []

    def upload(name: str, text: str) -> int:
        uploaded.append(name)
        return loader.upload(f"{folder}/{name}", text.encode())

    yield folder, upload, loader
    for name in set(uploaded):
        loader.delete(f"{folder}/{name}")
    index = KnowledgeIndex(db)
    eventually(
        lambda: all(index.state(f"knowledge/{folder}/{n}").state == "deleted" for n in uploaded)
    )


def indexed(db, name: str, generation: int, state: str = "indexed"):
    index = KnowledgeIndex(db)

    def check():
        record = index.state(name)
        return (
            record if record and (record.generation, record.state) == (generation, state) else None
        )

    return eventually(check, timeout=60)


def answer_to(sandbox, claims, question: str) -> str:
    posted = sandbox.mention(question)
    claims.wait_final(posted["event_id"], timeout=60)
    return message_text(sandbox.bot_replies(posted["ts"])[-1])


def test_an_uploaded_document_answers_with_its_source_then_its_new_version_then_nothing(
    stack, db, sandbox, claims, model, handbook
):
    folder, upload, loader = handbook
    name = f"knowledge/{folder}/leave.md"
    first = upload("leave.md", LEAVE.format(days=25))
    indexed(db, name, first)
    question = unique("How many days of annual leave do employees get? [[reply:As cited [1]. ]]")
    assert answer_to(sandbox, claims, question).endswith(
        "[1] [Leave policy](https://hr.example/leave)"
    )
    assert "25 days" in str(model.requests(question)[-1]["body"]["messages"])

    second = upload("leave.md", LEAVE.format(days=30))  # overwritten: finalize + delete of the old
    indexed(db, name, second)
    question = unique("How many days of annual leave do employees get? [[reply:As cited [1]. ]]")
    answer_to(sandbox, claims, question)
    sent = str(model.requests(question)[-1]["body"]["messages"])
    assert "30 days" in sent and "25 days" not in sent

    loader.delete(f"{folder}/leave.md")
    indexed(db, name, second, state="deleted")
    question = unique("How many days of annual leave do employees get?")
    assert "Sources" not in answer_to(sandbox, claims, question)
    assert "<passage" not in str(model.requests(question)[-1]["body"]["messages"])


def test_an_unsupported_upload_is_skipped_and_sources_lists_what_is_indexed(
    stack, db, sandbox, claims, handbook
):
    folder, upload, _ = handbook
    upload("leave.md", LEAVE.format(days=25))
    skipped = upload("budget.xlsx", "PK not really a spreadsheet")
    record = indexed(db, f"knowledge/{folder}/budget.xlsx", skipped, state="skipped")
    assert "unsupported type (.xlsx)" in record.reason
    eventually(lambda: KnowledgeIndex(db).state(f"knowledge/{folder}/leave.md").state == "indexed")
    listing = answer_to(sandbox, claims, "sources")
    assert f"`{folder}`: 1 document" in listing
