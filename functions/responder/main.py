"""Pub/Sub push endpoint for the `mentions` topic: answer one mention in its Slack thread.

Status codes are the contract with Pub/Sub: 2xx acks; anything else is redelivered with
backoff and, after the subscription's attempt limit, dead-lettered. This module is the
responder's composition root: it reads the settings and builds every collaborator.
"""

from __future__ import annotations

import logging
from functools import cache

import functions_framework
from google.cloud import firestore

from assistant.answer.assembly import PromptBuilder
from assistant.answer.claims import ClaimStore
from assistant.answer.plan import PlanDefaults, plan_answer
from assistant.answer.responder import Delivery, Outcome, Responder, ResponderLimits
from assistant.config import get_settings
from assistant.conversation.history import HistoryStore
from assistant.files.loader import ThreadFiles
from assistant.files.produced import AnswerFiles
from assistant.files.store import BucketStore, storage_client
from assistant.llm.client import embeddings_client, openai_client
from assistant.logs import configure_logging
from assistant.mention import Mention
from assistant.pubsub.endpoint import push_endpoint
from assistant.pubsub.envelope import PushMessage
from assistant.pubsub.publish import publish_mention
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.index import KnowledgeIndex
from assistant.retrieval.search import DocumentSearch, SearchLimits
from assistant.slack.reply import slack_client

logger = logging.getLogger("responder")


@cache
def _responder() -> Responder:
    settings = get_settings()
    configure_logging(settings.log_level)
    db = firestore.Client(
        project=settings.google_cloud_project, database=settings.firestore_database
    )
    slack = slack_client(settings.slack_bot_token, settings.slack_api_url)

    def bucket() -> BucketStore:
        return BucketStore(storage_client(settings.google_cloud_project), settings.files_bucket)

    history = HistoryStore(db)
    defaults = PlanDefaults.from_settings(settings)
    search = DocumentSearch(
        index=KnowledgeIndex(db),
        embedder=Embedder(
            client=embeddings_client(settings),
            model=settings.embedding_model,
            dimensions=settings.embedding_dimensions,
        ),
        limits=SearchLimits(
            max_passages=settings.retrieval_max_passages,
            max_distance=settings.retrieval_max_distance,
            token_share=settings.retrieval_token_share,
            log_text=settings.log_prompts,
        ),
    )
    return Responder(
        plan_for=lambda mention: plan_answer(defaults),
        claims=ClaimStore(db, lease_seconds=settings.claim_lease_seconds),
        history=history,
        prompts=PromptBuilder(
            history=history,
            files=ThreadFiles(bucket=settings.files_bucket, store=bucket),
            search=search,
        ),
        answer_files=AnswerFiles(slack=slack, bucket=settings.files_bucket, store=bucket),
        slack=slack,
        model_client=openai_client(settings),
        dead_letter=lambda mention: publish_mention(
            project=settings.google_cloud_project,
            topic=settings.mentions_dead_letter_topic,
            mention=mention,
        ),
        limits=ResponderLimits.from_settings(settings),
        sources=lambda plan: search.sources_reply(plan.document_sets),
    )


@functions_framework.http
@push_endpoint(_responder, logger=logger)
def responder(core: Responder, push: PushMessage, mention: Mention) -> tuple[str, int]:
    outcome = core.handle(
        Delivery(mention=mention, delivery_id=push.message_id, attempt=push.delivery_attempt)
    )
    return ("", 204) if outcome is Outcome.ACK else ("retry", 503)
