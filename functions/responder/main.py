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
from assistant.answer.plan import AnswerPlan, PlanDefaults, plan_answer
from assistant.answer.responder import Delivery, Outcome, Responder, ResponderLimits
from assistant.config import get_settings
from assistant.conversation.history import HistoryStore
from assistant.executor.client import ExecutorClient, google_id_token
from assistant.executor.tool import CodeRuns
from assistant.files.loader import ThreadFiles
from assistant.files.produced import AnswerFiles
from assistant.files.store import BucketStore, storage_client
from assistant.llm.client import openai_client
from assistant.logs import configure_logging
from assistant.mention import Mention
from assistant.pubsub.endpoint import push_endpoint
from assistant.pubsub.envelope import PushMessage
from assistant.pubsub.publish import publish_mention
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
    code_runs = None
    if defaults.code_execution:
        url = settings.executor_url
        # In the cloud the executor is private: an ID token for its URL. Locally, plain HTTP.
        token = google_id_token(url) if url.startswith("https://") else None
        code_runs = CodeRuns(
            client=ExecutorClient(url, token=token),
            store=bucket,
            slack=slack,
            timeout_seconds=settings.executor_timeout_seconds,
        )

    def plan_for(mention: Mention) -> AnswerPlan:
        # Tools are built per mention: run_python works on the mention's own thread.
        tools = [code_runs.tool(mention)] if code_runs is not None else []
        return plan_answer(defaults, tools=tools)

    return Responder(
        plan_for=plan_for,
        claims=ClaimStore(db, lease_seconds=settings.claim_lease_seconds),
        history=history,
        prompts=PromptBuilder(
            history=history, files=ThreadFiles(bucket=settings.files_bucket, store=bucket)
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
    )


@functions_framework.http
@push_endpoint(_responder, logger=logger)
def responder(core: Responder, push: PushMessage, mention: Mention) -> tuple[str, int]:
    outcome = core.handle(
        Delivery(mention=mention, delivery_id=push.message_id, attempt=push.delivery_attempt)
    )
    return ("", 204) if outcome is Outcome.ACK else ("retry", 503)
