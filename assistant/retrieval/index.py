"""The knowledge index in Firestore: the only module that knows Firestore's vector API.

Collections:
    knowledge_chunks     one document per chunk: set, object name, generation, title, link,
                         heading path, text, token count, and the vector at the top level
    knowledge_documents  one record per object: the generation it describes and its state
    knowledge_sets       per set: how many documents and chunks are indexed

Re-indexing writes the new generation's chunks first, then moves the record to it in a
transaction, then deletes the older chunks. A search keeps only chunks of the generation
each record names, so an answer never mixes two versions of a document, and a deleted one
disappears the moment its tombstone is written.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1 import FieldFilter
from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
from google.cloud.firestore_v1.vector import Vector

from assistant.retrieval.catalog import SetCount
from assistant.retrieval.chunking import Chunk
from assistant.retrieval.generations import DocumentState, may_settle
from assistant.retrieval.passages import Passage

__all__ = ["CHUNKS", "DOCUMENTS", "SETS", "DocumentInfo", "KnowledgeIndex", "record_id"]

logger = logging.getLogger(__name__)

CHUNKS = "knowledge_chunks"
DOCUMENTS = "knowledge_documents"
SETS = "knowledge_sets"
WRITE_BATCH = 200
MAX_IN_VALUES = 30  # Firestore's limit for an `in` filter
# A tombstone must outlive every late notification of its generation (Pub/Sub keeps a message
# 7 days); the TTL policy in terraform/firestore.tf then deletes it.
TOMBSTONE_TTL = datetime.timedelta(days=8)
_RESULT_FIELDS = [
    "set", "document", "generation", "title", "url", "heading", "text", "tokens", "distance",
]  # fmt: skip


@dataclasses.dataclass(frozen=True, kw_only=True)
class DocumentInfo:
    name: str
    set: str
    generation: int
    title: str = ""
    url: str = ""
    format: str = ""


def record_id(name: str) -> str:
    """Object names hold slashes, which Firestore ids may not."""
    return hashlib.sha256(name.encode()).hexdigest()[:40]


class KnowledgeIndex:
    def __init__(
        self, db: firestore.Client, *, clock: Callable[[], datetime.datetime] | None = None
    ):
        self._db = db
        self._chunks = db.collection(CHUNKS)
        self._records = db.collection(DOCUMENTS)
        self._sets = db.collection(SETS)
        self._clock = clock or (lambda: datetime.datetime.now(datetime.UTC))
        self.reads = 0  # documents read by searches, for the benchmarks

    # -- records -------------------------------------------------------------------------
    def state(self, name: str) -> DocumentState | None:
        snapshot = self._records.document(record_id(name)).get()
        data = snapshot.to_dict()  # None when the document does not exist
        return DocumentState.from_document(data) if data is not None else None

    def begin(self, name: str, set_name: str, generation: int) -> int:
        """Count one more attempt at indexing `generation`; returns the attempts so far."""
        ref = self._records.document(record_id(name))

        @firestore.transactional
        def count(transaction: Any) -> int:
            snapshot = ref.get(transaction=transaction)
            current = snapshot.to_dict() or {}  # None when the document does not exist
            same = current.get("pending_generation") == generation
            attempts = int(current.get("attempts", 0)) + 1 if same else 1
            update: dict[str, Any] = {"pending_generation": generation, "attempts": attempts}
            if not snapshot.exists:  # a placeholder that describes no generation yet
                update |= {"name": name, "set": set_name, "generation": 0, "state": "pending"}
            transaction.set(ref, update, merge=True)
            return attempts

        return count(self._db.transaction())

    def replace(
        self, info: DocumentInfo, chunks: Sequence[tuple[Chunk, Sequence[float]]], embedding: str
    ) -> bool:
        """Index `info.generation` with these chunks; False when a newer record won meanwhile."""
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = self._db.batch()
            for chunk, vector in chunks[start : start + WRITE_BATCH]:
                batch.set(
                    self._chunks.document(_chunk_id(info, chunk.index)),
                    _chunk(info, chunk, vector, embedding),
                )
            batch.commit()
        fields = {
            "title": info.title,
            "url": info.url,
            "format": info.format,
            "tokens": sum(chunk.tokens for chunk, _ in chunks),
            "embedding": embedding,
        }
        settled = self._settle(info, "indexed", chunks=len(chunks), fields=fields)
        if settled:
            self._delete_chunks(info.name, lambda generation: generation < info.generation)
        else:
            self._delete_chunks(info.name, lambda generation: generation == info.generation)
        return settled

    def mark(self, info: DocumentInfo, state: str, reason: str) -> bool:
        """Record `info.generation` as skipped or failed; its older chunks leave the index."""
        settled = self._settle(
            info, state, chunks=0, fields={"reason": reason[:500], "title": info.title}
        )
        if settled:
            self._delete_chunks(info.name, lambda generation: generation <= info.generation)
        return settled

    def remove(self, name: str, set_name: str, generation: int) -> bool:
        """The object's `generation` was deleted: a tombstone, then its chunks go."""
        info = DocumentInfo(name=name, set=set_name, generation=generation)
        fields = {"expires_at": self._clock() + TOMBSTONE_TTL}
        settled = self._settle(info, "deleted", chunks=0, fields=fields)
        self._delete_chunks(name, lambda chunk_generation: chunk_generation <= generation)
        return settled

    def _settle(self, info: DocumentInfo, state: str, *, chunks: int, fields: dict) -> bool:
        ref = self._records.document(record_id(info.name))
        set_ref = self._sets.document(info.set)

        @firestore.transactional
        def settle(transaction: Any) -> bool:
            snapshot = ref.get(transaction=transaction)
            current = _state(snapshot)
            if not may_settle(current, info.generation, state):
                return False
            was = current is not None and current.state == "indexed"
            now = state == "indexed"
            record = {
                "name": info.name,
                "set": info.set,
                "generation": info.generation,
                "state": state,
                "chunks": chunks,
                "reason": "",
                "updated_at": firestore.SERVER_TIMESTAMP,
                **fields,
            }
            if state != "deleted":
                record["expires_at"] = firestore.DELETE_FIELD
            transaction.set(ref, record, merge=True)
            documents = int(now) - int(was)
            chunk_delta = chunks - (current.chunks if was and current else 0)
            if documents or chunk_delta:
                # Increments need no read, so documents of one set indexed at once do not
                # contend on the set's counter.
                counters = {
                    "name": info.set,
                    "documents": firestore.Increment(documents),
                    "chunks": firestore.Increment(chunk_delta),
                }
                transaction.set(set_ref, counters, merge=True)
            return True

        return settle(self._db.transaction())

    def _delete_chunks(self, name: str, doomed: Callable[[int], bool]) -> int:
        # Equality on one field is served by Firestore's automatic single-field index.
        query = self._chunks.where(filter=FieldFilter("document", "==", name)).select(
            ["generation"]
        )
        refs = [s.reference for s in query.stream() if doomed(int(s.get("generation") or 0))]
        for start in range(0, len(refs), WRITE_BATCH):
            batch = self._db.batch()
            for ref in refs[start : start + WRITE_BATCH]:
                batch.delete(ref)
            batch.commit()
        return len(refs)

    # -- questions -----------------------------------------------------------------------
    def set_counts(self) -> list[SetCount]:
        counts = []
        for snapshot in self._sets.stream():
            self.reads += 1
            data = snapshot.to_dict() or {}
            counts.append(
                SetCount(snapshot.id, int(data.get("documents", 0)), int(data.get("chunks", 0)))
            )
        return counts

    def nearest(
        self,
        vector: Sequence[float],
        *,
        sets: Sequence[str] | None,
        limit: int,
        max_distance: float,
    ) -> list[Passage]:
        """The nearest chunks within `max_distance` (cosine), in the current generations of
        their documents; `sets` None searches every set."""
        groups: list[list[str] | None] = [None]
        if sets is not None:
            names = sorted(set(sets))
            groups = [names[i : i + MAX_IN_VALUES] for i in range(0, len(names), MAX_IN_VALUES)]
        found = []
        for group in groups:
            query: Any = self._chunks
            if group is not None:
                query = query.where(filter=FieldFilter("set", "in", group))
            vector_query = query.find_nearest(
                vector_field="embedding",
                query_vector=Vector(list(vector)),
                distance_measure=DistanceMeasure.COSINE,
                limit=limit,
                distance_result_field="distance",
                distance_threshold=max_distance,
            )
            found.extend(vector_query.get())
        self.reads += len(found)
        current = self._current_generations({s.get("document") for s in found})
        passages = [
            _passage(snapshot)
            for snapshot in found
            if current.get(snapshot.get("document")) == snapshot.get("generation")
        ]
        return sorted(passages, key=lambda p: p.distance)[:limit]

    def _current_generations(self, names: Iterable[str]) -> dict[str, int]:
        refs = [self._records.document(record_id(name)) for name in names]
        if not refs:
            return {}
        current: dict[str, int] = {}
        for snapshot in self._db.get_all(refs, field_paths=["name", "generation", "state"]):
            self.reads += 1
            data = snapshot.to_dict() or {}
            if snapshot.exists and data.get("state") == "indexed":
                current[str(data["name"])] = int(data["generation"])
        return current


def _state(snapshot: Any) -> DocumentState | None:
    if not snapshot.exists:
        return None
    state = DocumentState.from_document(snapshot.to_dict())
    return None if state.state == "pending" else state


def _chunk_id(info: DocumentInfo, index: int) -> str:
    return f"{record_id(info.name)}-{info.generation}-{index:05d}"


def _chunk(info: DocumentInfo, chunk: Chunk, vector: Sequence[float], embedding: str) -> dict:
    return {
        "set": info.set,
        "document": info.name,
        "generation": info.generation,
        "index": chunk.index,
        "title": info.title,
        "url": info.url,
        "heading": list(chunk.heading),
        "text": chunk.text,
        "tokens": chunk.tokens,
        "start": chunk.start,
        "embedding_model": embedding,
        # At the top level: the emulator mishandles vectors in nested fields.
        "embedding": Vector(list(vector)),
    }


def _passage(snapshot: Any) -> Passage:
    data = snapshot.to_dict() or {}
    return Passage(
        chunk_id=snapshot.id,
        document=str(data.get("document", "")),
        generation=int(data.get("generation", 0)),
        set=str(data.get("set", "")),
        title=str(data.get("title", "")),
        url=str(data.get("url", "")),
        heading=tuple(data.get("heading") or ()),
        text=str(data.get("text", "")),
        distance=float(data.get("distance", 0.0)),
        tokens=int(data.get("tokens", 0)),
    )
