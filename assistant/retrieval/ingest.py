"""The indexer function's core: one Cloud Storage notification in, the index brought up to date.

Finalize (a new or overwritten object): read that generation, extract its text (in the files
function's limited child process: documents are untrusted bytes), chunk it,
embed the chunks in batches, and replace the document's chunks. Delete: tombstone the
generation and drop its chunks. An older generation than the recorded one, or the same
notification again, changes nothing (`generations.decide`). A document that cannot be read
(unsupported type, too large, a poison PDF) is recorded as skipped with the reason and never
retried; transient failures (Storage, Firestore, the embeddings API) are retried by Pub/Sub
until the last attempt, which records the document as failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from assistant.pubsub.outcome import Outcome, is_last_attempt
from assistant.retrieval.chunking import Chunk, chunk_text
from assistant.retrieval.embeddings import Embedder, EmbeddingError
from assistant.retrieval.formats import Extract, read_document, resolve_source
from assistant.retrieval.generations import Verdict, decide
from assistant.retrieval.index import DocumentInfo, KnowledgeIndex
from assistant.retrieval.notification import ObjectEvent

__all__ = ["Ingestor", "ObjectReader"]

logger = logging.getLogger(__name__)


class ObjectReader(Protocol):
    def read(self, name: str, generation: int) -> bytes | None:
        """That generation's bytes, or None when it no longer exists."""


class Ingestor:
    def __init__(
        self,
        *,
        bucket: str,
        reader: ObjectReader,
        index: KnowledgeIndex,
        embedder: Embedder,
        count_tokens: Callable[[str], int],
        max_bytes: int,
        extract: Extract,
        max_attempts: int = 5,
    ) -> None:
        self._bucket = bucket
        self._reader = reader
        self._index = index
        self._embedder = embedder
        self._count = count_tokens
        self._max_bytes = max_bytes
        self._extract = extract
        self._max_attempts = max_attempts

    def handle(self, event: ObjectEvent, *, attempt: int | None = None) -> Outcome:
        fields = {"object": event.name, "generation": event.generation, "event": event.event_type}
        if event.bucket != self._bucket or not event.in_knowledge:
            logger.info("not a knowledge document; ignored", extra=fields)
            return Outcome.ACK
        verdict = decide(event.kind, event.generation, self._index.state(event.name))
        if verdict in (Verdict.STALE, Verdict.DUPLICATE, Verdict.IGNORE):
            logger.info(f"notification {verdict.value}; nothing to do", extra=fields)
            return Outcome.ACK
        if verdict is Verdict.REMOVE:
            self._index.remove(event.name, event.document_set, event.generation)
            logger.info("document removed", extra=fields)
            return Outcome.ACK
        tries = self._index.begin(event.name, event.document_set, event.generation)
        last = is_last_attempt(reported=attempt, counted=tries, max_attempts=self._max_attempts)
        try:
            return self._index_document(event, fields)
        except EmbeddingError as error:
            return self._give_up(event, f"the embeddings API refused it ({error})", fields)
        except Exception as error:
            if not last:
                logger.warning(
                    "indexing failed; Pub/Sub will retry", extra={**fields, "error": repr(error)}
                )
                return Outcome.RETRY
            logger.exception("indexing failed on the last attempt", extra=fields)
            return self._give_up(event, f"indexing kept failing ({type(error).__name__})", fields)

    def _index_document(self, event: ObjectEvent, fields: dict) -> Outcome:
        started = time.monotonic()
        info = DocumentInfo(name=event.name, set=event.document_set, generation=event.generation)
        if event.size > self._max_bytes:
            return self._skip(info, f"it is larger than {self._max_bytes:,} bytes", fields)
        data = self._reader.read(event.name, event.generation)
        if data is None:
            logger.info(
                "that generation is gone already; a later notification covers it", extra=fields
            )
            return Outcome.ACK
        if len(data) > self._max_bytes:
            return self._skip(info, f"it is larger than {self._max_bytes:,} bytes", fields)
        try:
            document = read_document(
                data, name=event.name, content_type=event.content_type, extract=self._extract
            )
        except Exception as error:  # untrusted bytes: a poison document is skipped, not retried
            logger.warning("extraction failed", extra={**fields, "error": repr(error)})
            return self._skip(info, "its text could not be extracted", fields)
        title, url = resolve_source(
            metadata=event.metadata, document=document, name=event.relative_name
        )
        info = DocumentInfo(
            name=event.name,
            set=event.document_set,
            generation=event.generation,
            title=title,
            url=url,
            format=document.format,
        )
        if document.problem:
            return self._skip(info, document.problem, fields)
        chunks = chunk_text(document.text, count=self._count)
        if not chunks:
            return self._skip(info, "it has no text to index", fields)
        vectors = self._embedder.embed_passages(
            [_embedded_text(title, chunk) for chunk in chunks], count=self._count
        )
        settled = self._index.replace(
            info, list(zip(chunks, vectors, strict=True)), self._embedder.key
        )
        logger.info(
            "document indexed" if settled else "a newer generation was indexed meanwhile",
            extra={
                **fields,
                "set": info.set,
                "format": document.format,
                "chunks": len(chunks),
                "tokens": sum(chunk.tokens for chunk in chunks),
                "truncated": document.truncated,
                "seconds": round(time.monotonic() - started, 3),
            },
        )
        return Outcome.ACK

    def _skip(self, info: DocumentInfo, reason: str, fields: dict) -> Outcome:
        self._index.mark(info, "skipped", reason)
        logger.warning("document skipped", extra={**fields, "reason": reason})
        return Outcome.ACK

    def _give_up(self, event: ObjectEvent, reason: str, fields: dict) -> Outcome:
        info = DocumentInfo(name=event.name, set=event.document_set, generation=event.generation)
        self._index.mark(info, "failed", reason)
        logger.error("document not indexed", extra={**fields, "reason": reason})
        return Outcome.ACK


def _embedded_text(title: str, chunk: Chunk) -> str:
    """What is embedded: the chunk with its title and headings, which carry its topic."""
    heading = " › ".join(chunk.heading)
    return "\n".join(part for part in (title, heading, chunk.text) if part)
