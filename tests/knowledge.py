"""Builders for knowledge-base tests: object events, an in-memory object reader, an ingestor.

`MemoryObjects` implements our own `ObjectReader` interface (not Google's client); the real
storage emulator backs the end-to-end tests.
"""

from __future__ import annotations

import dataclasses
import uuid

import httpx2 as httpx
import openai

from assistant.files.extract import extract
from assistant.llm.encodings import get_encoding
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.index import KnowledgeIndex
from assistant.retrieval.ingest import Ingestor
from assistant.retrieval.notification import ObjectEvent
from assistant.retrieval.relevance import Relevance
from assistant.retrieval.search import DocumentSearch, SearchLimits

BUCKET = "kb"
# The deterministic embeddings put texts sharing no word about 1 apart; sharing a few, nearer.
TEST_MAX_DISTANCE = 0.8


def unique_set(name: str = "set") -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


@dataclasses.dataclass
class MemoryObjects:
    """name -> {generation: bytes}: the versions a bucket holds (none once deleted)."""

    versions: dict[str, dict[int, bytes]] = dataclasses.field(default_factory=dict)

    def read(self, name: str, generation: int) -> bytes | None:
        return self.versions.get(name, {}).get(generation)

    def put(self, name: str, generation: int, data: bytes) -> None:
        self.versions[name] = {generation: data}  # no versioning: an overwrite replaces


def finalize(name: str, generation: int, data: bytes = b"", **fields) -> ObjectEvent:
    return ObjectEvent(kind="finalize", bucket=BUCKET, name=name, generation=generation,
                       size=len(data), event_type="OBJECT_FINALIZE", **fields)  # fmt: skip


def delete(name: str, generation: int) -> ObjectEvent:
    return ObjectEvent(kind="delete", bucket=BUCKET, name=name, generation=generation,
                       event_type="OBJECT_DELETE")  # fmt: skip


def embedder(base_url: str, *, model: str = "text-embedding-3-small") -> Embedder:
    client = openai.OpenAI(
        api_key="k", base_url=base_url, max_retries=0, timeout=httpx.Timeout(10.0)
    )
    return Embedder(client=client, model=model, dimensions=512)


def count_tokens(text: str) -> int:
    return len(get_encoding("cl100k_base").encode(text, disallowed_special=()))


def ingestor(db, base_url: str, objects: MemoryObjects, **overrides) -> Ingestor:
    values = dict(
        bucket=BUCKET,
        reader=objects,
        index=KnowledgeIndex(db),
        embedder=embedder(base_url),
        count_tokens=count_tokens,
        max_bytes=20_000_000,
        extract=extract,  # in process: these documents are the tests' own
        max_attempts=3,
    )
    values.update(overrides)
    return Ingestor(**values)


def search(db, base_url: str, **limits) -> DocumentSearch:
    return DocumentSearch(
        index=KnowledgeIndex(db),
        embedder=embedder(base_url),
        limits=SearchLimits(
            relevance=Relevance.distance_only(TEST_MAX_DISTANCE), log_text=True, **limits
        ),
    )
