"""Pub/Sub push endpoint for the `knowledge` topic: Cloud Storage notifications about documents.

Every object finalized or deleted under `knowledge/` in the knowledge bucket arrives here as a
JSON_API_V1 notification; the index is brought up to date (assistant/retrieval/ingest.py).
2xx acks; 503 asks Pub/Sub to redeliver (Storage, Firestore or the embeddings API had a
transient failure); 400 sends what is no notification to the dead-letter topic. This module is
the indexer's composition root: it reads the settings and builds every collaborator.
"""

from __future__ import annotations

import logging
from functools import cache

import functions_framework
from google.cloud import firestore

from assistant.config import get_settings
from assistant.files.isolation import ExtractionLimits, IsolatedExtractor
from assistant.files.store import storage_client
from assistant.llm.client import embeddings_client
from assistant.llm.encodings import get_encoding
from assistant.logs import configure_logging
from assistant.pubsub.endpoint import push_endpoint
from assistant.pubsub.envelope import PushMessage
from assistant.pubsub.outcome import push_response
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.index import KnowledgeIndex
from assistant.retrieval.ingest import Ingestor
from assistant.retrieval.notification import ObjectEvent, parse_notification_push
from assistant.retrieval.objects import KnowledgeBucket

logger = logging.getLogger("indexer")

# The encoding of OpenAI's embedding models: chunk sizes are counted in their tokens.
EMBEDDING_ENCODING = "cl100k_base"


@cache
def _ingestor() -> Ingestor:
    settings = get_settings()
    configure_logging(settings.log_level)
    db = firestore.Client(
        project=settings.google_cloud_project, database=settings.firestore_database
    )
    encoding = get_encoding(EMBEDDING_ENCODING)
    return Ingestor(
        bucket=settings.knowledge_bucket,
        reader=KnowledgeBucket(
            storage_client(settings.google_cloud_project), settings.knowledge_bucket
        ),
        index=KnowledgeIndex(db),
        embedder=Embedder(
            client=embeddings_client(settings),
            model=settings.embedding_model,
            dimensions=settings.embedding_dimensions,
        ),
        count_tokens=lambda text: len(encoding.encode(text, disallowed_special=())),
        max_bytes=settings.max_file_bytes,
        # Untrusted bytes: read with the files function's limits, its reasons logged alike.
        extract=IsolatedExtractor(ExtractionLimits(cpu_seconds=settings.extract_cpu_seconds)),
        max_attempts=settings.max_delivery_attempts,
    )


def _object_context(event: ObjectEvent) -> dict[str, str]:
    return {"object": event.name, "generation": str(event.generation)}


@functions_framework.http
@push_endpoint(_ingestor, logger=logger, parse=parse_notification_push, log_context=_object_context)
def indexer(core: Ingestor, push: PushMessage, event: ObjectEvent) -> tuple[str, int]:
    return push_response(core.handle(event, attempt=push.delivery_attempt))
