"""Pub/Sub push endpoint for the `mentions` topic: answer one mention in its Slack thread.

Also, at `…/feedback`, the push endpoint of the `feedback` topic: record one click on an
answer's 👍 / 👎 (published by ingress) in Firestore. And at `…/assistant-events`, the push
endpoint of the `assistant-events` topic: someone opened the bot's DM, so set its suggested
prompts (ingress has no bot token to do it).

Status codes are the contract with Pub/Sub: 2xx acks; anything else is redelivered with
backoff and, after the subscription's attempt limit, dead-lettered. This module is the
responder's composition root: it reads the settings and builds every collaborator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

import flask
import functions_framework
from google.cloud import firestore

from assistant.answer.assembly import PromptBuilder
from assistant.answer.claim_store import ClaimStore
from assistant.answer.commands import Commands
from assistant.answer.delivery import Delivery, Outcome, ResponderLimits
from assistant.answer.gate import Gate
from assistant.answer.plan import AnswerPlan, PlanDefaults, plan_answer
from assistant.answer.responder import Responder
from assistant.answer.thread_replies import ThreadReplies
from assistant.channels.settings import Allowlist, Budgets, ChannelSettings, Persona
from assistant.channels.source import SettingsSource, file_reader, gcs_reader
from assistant.config import Settings, get_settings
from assistant.conversation.history import HistoryStore
from assistant.conversation.summariser import Summariser
from assistant.executor.client import ExecutorClient, google_id_token
from assistant.executor.tool import CodeRuns
from assistant.feedback.buttons import Feedback
from assistant.feedback.store import FeedbackStore
from assistant.files.loader import ThreadFiles
from assistant.files.produced import AnswerFiles
from assistant.files.store import BucketStore, storage_client
from assistant.llm.client import embeddings_client, openai_client
from assistant.logs import configure_logging
from assistant.mention import Mention
from assistant.pubsub.endpoint import push_endpoint
from assistant.pubsub.envelope import PushMessage, parse_push_of
from assistant.pubsub.publish import publish_mention
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.index import KnowledgeIndex
from assistant.retrieval.search import DocumentSearch, SearchLimits
from assistant.slack.opened import DmOpened
from assistant.slack.reply import slack_client
from assistant.slack.suggestions import SuggestedPrompts
from assistant.slack.thread_reader import ThreadReader
from assistant.usage.ledger import Ledger
from assistant.usage.pricing import PriceTable
from assistant.usage.rate import RateLimiter

logger = logging.getLogger("responder")


@cache
def _db() -> firestore.Client:
    settings = get_settings()
    return firestore.Client(
        project=settings.google_cloud_project, database=settings.firestore_database
    )


@cache
def _responder() -> Responder:
    settings = get_settings()
    configure_logging(settings.log_level)
    db = _db()
    slack = slack_client(settings.slack_bot_token, settings.slack_api_url)

    def bucket() -> BucketStore:
        return BucketStore(storage_client(settings.google_cloud_project), settings.files_bucket)

    history = HistoryStore(db)
    ledger = Ledger(db)
    model_client = openai_client(settings)
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
    code_runs = None
    if settings.executor_url:
        url = settings.executor_url
        # In the cloud the executor is private: an ID token for its URL. Locally, plain HTTP.
        token = google_id_token(url) if url.startswith("https://") else None
        code_runs = CodeRuns(
            client=ExecutorClient(url, token=token),
            store=bucket,
            slack=slack,
            timeout_seconds=settings.executor_timeout_seconds,
        )
    plan_for = _planner(settings, code_runs)
    reader = ThreadReader(slack)  # one per instance: people's names stay cached
    return Responder(
        plan_for=plan_for,
        claims=ClaimStore(db, lease_seconds=settings.claim_lease_seconds),
        history=history,
        prompts=PromptBuilder(
            history=history,
            files=ThreadFiles(bucket=settings.files_bucket, store=bucket),
            search=search,
            thread=reader,
            summariser=Summariser(model_client),
        ),
        answer_files=AnswerFiles(slack=slack, bucket=settings.files_bucket, store=bucket),
        slack=slack,
        model_client=model_client,
        dead_letter=lambda mention: publish_mention(
            project=settings.google_cloud_project,
            topic=settings.mentions_dead_letter_topic,
            mention=mention,
        ),
        limits=ResponderLimits.from_settings(settings),
        gate=Gate(db=db, ledger=ledger, rate=RateLimiter(db)),
        commands=Commands(ledger=ledger, feedback=FeedbackStore(db)),
        sources=lambda plan: search.sources_reply(plan.document_sets),
        replies=ThreadReplies(
            history=history,
            plan_for=plan_for,
            thread=reader,
            forward_files=lambda mention: publish_mention(
                project=settings.google_cloud_project,
                topic=settings.uploads_topic,
                mention=mention,
            ),
        ),
    )


def _planner(settings: Settings, code_runs: CodeRuns | None) -> Callable[[Mention], AnswerPlan]:
    """plan_for(mention): the environment's defaults, then the settings file's overrides for
    the mention's workspace and channel (re-read within SETTINGS_REFRESH_SECONDS)."""
    defaults = PlanDefaults.from_settings(settings)
    uri = settings.settings_uri
    if uri.startswith("gs://"):
        read = gcs_reader(storage_client(settings.google_cloud_project), uri)
    else:
        read = file_reader(uri) if uri else (lambda: None)
    source = SettingsSource(read, refresh_seconds=settings.settings_refresh_seconds, where=uri)
    base = ChannelSettings(
        persona=Persona(system_prompt=settings.system_prompt),
        model=settings.openai_model,
        budgets=Budgets(
            workspace_monthly_usd=settings.monthly_budget_usd,
            user_daily_usd=settings.user_daily_budget_usd,
        ),
        max_prompt_tokens=settings.max_prompt_tokens,
        mentions_per_minute=settings.user_mentions_per_minute,
        allow=Allowlist(channels=settings.allowed_channels, users=settings.allowed_users),
    )

    def plan_for(mention: Mention) -> AnswerPlan:
        current = source.current()
        channel = current.resolve(base, team=mention.team_id, channel=mention.channel)
        price = PriceTable.with_overrides(current.prices).price(channel.model)
        # Tools join here, each only where channel.tools allows it: run_python is built per
        # mention (it works on the mention's own thread); the documents tool comes with the
        # passages (answer/references.py), per plan.document_sets.
        code = code_runs is not None and channel.tools.code and defaults.code_execution
        tools = [code_runs.tool(mention)] if code else []
        return plan_answer(defaults, tools=tools, channel=channel, price=price)

    return plan_for


@functions_framework.http
def responder(request: flask.Request) -> tuple[str, int]:
    if request.path.rstrip("/").endswith("/feedback"):
        return _feedback(request)
    if request.path.rstrip("/").endswith("/assistant-events"):
        return _assistant_event(request)
    return _mention(request)


@push_endpoint(_responder, logger=logger)
def _mention(core: Responder, push: PushMessage, mention: Mention) -> tuple[str, int]:
    outcome = core.handle(
        Delivery(mention=mention, delivery_id=push.message_id, attempt=push.delivery_attempt)
    )
    return ("", 204) if outcome is Outcome.ACK else ("retry", 503)


@cache
def _feedback_store() -> FeedbackStore:
    configure_logging(get_settings().log_level)
    return FeedbackStore(_db())


@push_endpoint(
    _feedback_store,
    logger=logger,
    parse=parse_push_of(Feedback.from_json, "a feedback click"),
    log_context=lambda feedback: {"event_id": feedback.event_id},
)
def _feedback(store: FeedbackStore, push: PushMessage, feedback: Feedback) -> tuple[str, int]:
    store.record(feedback)  # one document per answer and person: a redelivery rewrites it
    logger.info(
        "feedback recorded",
        extra={"event_id": feedback.event_id, "value": feedback.value, "model": feedback.model},
    )
    return "", 204


@cache
def _suggested_prompts() -> SuggestedPrompts:
    settings = get_settings()
    configure_logging(settings.log_level)
    return SuggestedPrompts(
        slack_client(settings.slack_bot_token, settings.slack_api_url), settings.suggested_prompts
    )


@push_endpoint(
    _suggested_prompts,
    logger=logger,
    parse=parse_push_of(DmOpened.from_json, "a DM-opened event"),
    log_context=lambda opened: {"event_id": opened.event_id},
)
def _assistant_event(
    prompts: SuggestedPrompts, push: PushMessage, opened: DmOpened
) -> tuple[str, int]:
    offered = prompts.offer(opened)  # setting the same prompts twice is harmless
    logger.info(
        "suggested prompts",
        extra={"event_id": opened.event_id, "set": offered, "thread_ts": opened.thread_ts},
    )
    return "", 204
