"""The knowledge index on the Firestore emulator: what notifications do to what answers can find.

The ingestor reads objects from memory (our own reader interface), embeds through the real
openai client against the deterministic /v1/embeddings, and writes to the real emulator.
"""

from __future__ import annotations

import logging
import time

import httpx2 as httpx
import openai
import pytest
from google.cloud.firestore_v1 import FieldFilter

from assistant.files.isolation import ExtractionLimits, IsolatedExtractor
from assistant.pubsub.outcome import Outcome
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.generations import Verdict, decide
from assistant.retrieval.index import KnowledgeIndex
from assistant.retrieval.passages import PassageBook
from tests.file_samples import pdf_with_text, slow_pdf
from tests.knowledge import (
    MemoryObjects,
    count_tokens,
    delete,
    finalize,
    ingestor,
    search,
    unique_set,
)

LEAVE_V1 = b"""---
title: Leave policy
url: https://hr.example/leave
---
# Leave

## Annual leave

Employees get 25 days of annual leave each year.
"""
LEAVE_V2 = LEAVE_V1.replace(b"25 days", b"30 days")


def found(db, base_url, query: str, sets: list[str]) -> list:
    result = search(db, base_url).find(
        query, sets=sets, book=PassageBook(), max_tokens=10_000, max_passages=5, count=count_tokens
    )
    return list(result.candidates)


def counted_embedder(base_url: str, sent: list[httpx.Request]) -> Embedder:
    """The tests' embedder, with every request its client sends appended to `sent`."""
    http = httpx.Client(event_hooks={"request": [sent.append]})
    client = openai.OpenAI(api_key="k", base_url=base_url, max_retries=0, http_client=http)
    return Embedder(client=client, model="text-embedding-3-small", dimensions=512)


@pytest.fixture
def kb(firestore_db, local_model):
    objects = MemoryObjects()
    return objects, ingestor(firestore_db, local_model.base_url, objects)


def put(kb, name: str, generation: int, data: bytes, **fields) -> Outcome:
    objects, core = kb
    objects.put(name, generation, data)
    return core.handle(finalize(name, generation, data, **fields))


def test_an_added_document_is_found_with_its_title_link_and_heading(firestore_db, local_model, kb):
    handbook = unique_set("handbook")
    assert put(kb, f"knowledge/{handbook}/leave.md", 1, LEAVE_V1) is Outcome.ACK
    [best, *_] = found(firestore_db, local_model.base_url, "how many annual leave days", [handbook])
    assert "25 days" in best.text
    assert (best.title, best.url, best.heading) == (
        "Leave policy",
        "https://hr.example/leave",
        ("Leave",),  # the headings all of the chunk sits under
    )
    counts = {c.name: c for c in KnowledgeIndex(firestore_db).set_counts()}
    assert counts[handbook].documents == 1 and counts[handbook].chunks >= 1


def test_an_overwrite_replaces_the_old_text_and_a_delete_removes_the_document(
    firestore_db, local_model, kb
):
    handbook = unique_set("handbook")
    name = f"knowledge/{handbook}/leave.md"
    put(kb, name, 1, LEAVE_V1)
    put(kb, name, 2, LEAVE_V2)
    texts = [
        p.text for p in found(firestore_db, local_model.base_url, "annual leave days", [handbook])
    ]
    assert any("30 days" in t for t in texts) and not any("25 days" in t for t in texts)
    chunks = (
        firestore_db.collection("knowledge_chunks")
        .where(filter=FieldFilter("document", "==", name))
        .get()
    )
    assert {c.get("generation") for c in chunks} == {2}  # the old generation's chunks are gone

    assert kb[1].handle(delete(name, 2)) is Outcome.ACK
    assert found(firestore_db, local_model.base_url, "annual leave days", [handbook]) == []
    counts = {c.name: c for c in KnowledgeIndex(firestore_db).set_counts()}
    assert (counts[handbook].documents, counts[handbook].chunks) == (0, 0)


def test_a_duplicate_or_an_older_notification_changes_nothing(firestore_db, local_model):
    objects, sent = MemoryObjects(), []  # sent: the embeddings requests, as the client sent them
    core = ingestor(firestore_db, local_model.base_url, objects,
                    embedder=counted_embedder(local_model.base_url, sent))  # fmt: skip
    kb = objects, core
    handbook = unique_set("handbook")
    name = f"knowledge/{handbook}/leave.md"
    put(kb, name, 5, LEAVE_V2)
    calls = len(sent)
    assert calls >= 1  # the first version was embedded, and counted
    assert core.handle(finalize(name, 5, LEAVE_V2)) is Outcome.ACK  # the same notification again
    objects.put(name, 4, LEAVE_V1)
    assert core.handle(finalize(name, 4, LEAVE_V1)) is Outcome.ACK  # an older one, arriving late
    assert core.handle(delete(name, 4)) is Outcome.ACK  # the overwritten version's delete
    assert len(sent) == calls  # nothing was embedded again
    texts = [
        p.text for p in found(firestore_db, local_model.base_url, "annual leave days", [handbook])
    ]
    assert texts and all("30 days" in t for t in texts)


def test_a_finalize_arriving_after_its_delete_does_not_bring_the_document_back(
    firestore_db, local_model, kb
):
    objects, core = kb
    name = f"knowledge/{unique_set()}/gone.md"
    assert core.handle(delete(name, 3)) is Outcome.ACK  # the delete overtook the finalize
    objects.put(name, 3, LEAVE_V1)
    core.handle(finalize(name, 3, LEAVE_V1))
    state = KnowledgeIndex(firestore_db).state(name)
    assert (state.state, decide("finalize", 3, state)) == ("deleted", Verdict.DUPLICATE)


def test_an_unsupported_or_poison_document_is_skipped_with_its_reason(
    firestore_db, local_model, kb
):
    folder = unique_set()
    assert put(kb, f"knowledge/{folder}/plan.docx", 1, b"PK\x03\x04") is Outcome.ACK
    assert put(kb, f"knowledge/{folder}/broken.pdf", 1, b"%PDF-1.7 not really") is Outcome.ACK
    index = KnowledgeIndex(firestore_db)
    docx = index.state(f"knowledge/{folder}/plan.docx")
    pdf = index.state(f"knowledge/{folder}/broken.pdf")
    assert (docx.state, pdf.state) == ("skipped", "skipped")
    assert "unsupported type (.docx)" in docx.reason and "damaged" in pdf.reason


def test_a_pdf_too_costly_to_read_is_skipped_at_the_files_functions_limit(
    firestore_db, local_model, caplog
):
    # Extraction runs in the files function's limited child process: a PDF page costing
    # seconds of CPU is stopped at the limit, named as the reason, and never retried.
    caplog.set_level(logging.INFO, logger="assistant.files.isolation")
    objects, folder = MemoryObjects(), unique_set()
    reader = IsolatedExtractor(ExtractionLimits(cpu_seconds=1, wall_seconds=60))
    core = ingestor(firestore_db, local_model.base_url, objects, extract=reader)
    name = f"knowledge/{folder}/slow.pdf"
    try:
        assert put((objects, core), name, 1, slow_pdf()) is Outcome.ACK
    finally:
        reader.close()
    state = KnowledgeIndex(firestore_db).state(name)
    assert state.state == "skipped" and "took more than 1 s" in state.reason
    assert "file read in a child process" in caplog.text


def test_a_transient_embeddings_failure_is_retried_and_the_last_attempt_gives_up(
    firestore_db, local_model, kb
):
    folder = unique_set()
    flaky = b"# Flaky\n\nThis text fails twice [[fail:503:2]] then embeds."
    assert put(kb, f"knowledge/{folder}/flaky.md", 1, flaky) is Outcome.RETRY
    assert put(kb, f"knowledge/{folder}/flaky.md", 1, flaky) is Outcome.RETRY
    assert put(kb, f"knowledge/{folder}/flaky.md", 1, flaky) is Outcome.ACK  # attempt 3 works
    assert KnowledgeIndex(firestore_db).state(f"knowledge/{folder}/flaky.md").state == "indexed"
    broken = b"# Broken\n\nThis never embeds [[fail:503]]."
    outcomes = [put(kb, f"knowledge/{folder}/broken.md", 1, broken) for _ in range(3)]
    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.ACK]
    assert KnowledgeIndex(firestore_db).state(f"knowledge/{folder}/broken.md").state == "failed"


def test_an_indexer_dying_between_writing_and_switching_leaves_answers_on_the_old_version(
    firestore_db, local_model, kb
):
    objects, core = kb
    handbook = unique_set("handbook")
    name = f"knowledge/{handbook}/leave.md"
    put(kb, name, 1, LEAVE_V1)

    class DiesBeforeSwitching(KnowledgeIndex):
        def _settle(self, *args, **kwargs):
            raise TimeoutError("instance stopped")

    crashing = ingestor(
        firestore_db, local_model.base_url, objects, index=DiesBeforeSwitching(firestore_db)
    )
    objects.put(name, 2, LEAVE_V2)
    assert crashing.handle(finalize(name, 2, LEAVE_V2)) is Outcome.RETRY
    texts = [
        p.text for p in found(firestore_db, local_model.base_url, "annual leave days", [handbook])
    ]
    assert texts and all(
        "25 days" in t for t in texts
    )  # generation 2's chunks exist but are unseen
    assert core.handle(finalize(name, 2, LEAVE_V2)) is Outcome.ACK  # the redelivery finishes it
    texts = [
        p.text for p in found(firestore_db, local_model.base_url, "annual leave days", [handbook])
    ]
    assert texts and all("30 days" in t for t in texts)


def test_a_500_page_pdf_is_indexed_and_its_late_pages_found(firestore_db, local_model, kb):
    folder = unique_set("manuals")
    pages = [f"Page {n} covers routine maintenance step {n} of the pump." for n in range(1, 501)]
    pages[479] = "The emergency shutoff valve for the reactor coolant is behind panel 7B."
    data = pdf_with_text(*pages)
    started = time.monotonic()
    assert put(kb, f"knowledge/{folder}/manual.pdf", 1, data) is Outcome.ACK
    seconds = time.monotonic() - started
    [best, *_] = found(
        firestore_db, local_model.base_url, "emergency shutoff valve reactor coolant", [folder]
    )
    assert "panel 7B" in best.text and "# Page 480" in best.text
    assert seconds < 60, seconds


def test_a_search_restricted_to_one_set_never_returns_another_sets_passages(
    firestore_db, local_model, kb
):
    handbook, legal = unique_set("handbook"), unique_set("legal")
    put(kb, f"knowledge/{handbook}/leave.md", 1, LEAVE_V1)
    put(
        kb,
        f"knowledge/{legal}/leave-law.md",
        1,
        b"# Statutory leave\n\nThe law grants annual leave days.",
    )
    both = found(firestore_db, local_model.base_url, "annual leave days", [handbook, legal])
    only = found(firestore_db, local_model.base_url, "annual leave days", [handbook])
    assert {p.set for p in both} == {handbook, legal}
    assert {p.set for p in only} == {handbook}
