"""The one place the responder is assembled: `build_responder(settings, clients)`.

`functions/responder/main.py` passes the cloud's clients (`cloud_clients`): Firestore stores,
Cloud Storage, Slack, OpenAI, the executor and Pub/Sub. The fast tests and the benchmarks pass
in-memory stores and in-process servers instead, through the same function, so what they
exercise is what is deployed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import openai
from google.cloud import firestore
from slack_sdk import WebClient

from assistant.answer.assembly import PromptBuilder
from assistant.answer.audience_step import AudienceNotice, AudienceStep
from assistant.answer.claim_store import ClaimStore
from assistant.answer.claims import Claims
from assistant.answer.commands import command_registry
from assistant.answer.context import AnswerContexts
from assistant.answer.delivery import ResponderLimits
from assistant.answer.generation import Generator
from assistant.answer.linked import LinkedMessages
from assistant.answer.pasted_pages import PastedPages
from assistant.answer.plan import PlanDefaults, Planner
from assistant.answer.responder import Responder
from assistant.answer.steps import AccessStep, AdmissionStep, CommandStep, Step
from assistant.answer.stop_store import FirestoreStops
from assistant.answer.stops import StopStore
from assistant.answer.thread_replies import ThreadReplies
from assistant.answer.tools import ToolFamily, ToolSource, deployed_tools
from assistant.approvals.clicks import ApprovalClicks
from assistant.approvals.proposals import Proposals
from assistant.approvals.store import FirestorePendingCalls, PendingCalls
from assistant.audience.lookup import AudienceLookup
from assistant.channels.settings import channel_defaults
from assistant.channels.source import SettingsSource, settings_reader
from assistant.config import Settings
from assistant.conversation.history import HistoryStore
from assistant.conversation.summariser import Summariser
from assistant.conversation.thread_state import History
from assistant.executor.client import ExecutorClient, google_id_token
from assistant.executor.slots import FirestoreRunSlots, LocalRunSlots, RunSlots
from assistant.executor.tool import CodeRuns
from assistant.feedback.store import FeedbackStore
from assistant.feedback.votes import FeedbackVotes
from assistant.files.loader import ThreadFiles
from assistant.files.produced import AnswerFiles
from assistant.files.store import BucketStore, storage_client
from assistant.llm.client import embeddings_client, openai_client
from assistant.mcp.client import McpClient, SecretValues
from assistant.mcp.tools import ApprovedMcpCalls, McpTools
from assistant.mention import Mention
from assistant.pubsub.publish import publish_mention
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.index import KnowledgeIndex
from assistant.retrieval.relevance import relevance_for
from assistant.retrieval.search import DocumentSearch, KnowledgeReader, SearchLimits
from assistant.routines.command import RoutinesCommand
from assistant.routines.creation import RoutineDrafts
from assistant.routines.store import RoutineStore
from assistant.routines.stores import Routines
from assistant.routines.tool import CreateRoutine
from assistant.slack.linked_reader import LinkedReader
from assistant.slack.reply import slack_client
from assistant.slack.search import SlackSearch
from assistant.slack.thread_reader import ThreadReader
from assistant.usage.ledger import Ledger
from assistant.usage.rate import RateLimiter
from assistant.usage.refusal_notices import RefusalNotices
from assistant.usage.stores import Notices, RateLimits, UsageLedger
from assistant.web.search import WebSearch
from assistant.web.search_api import BraveSearch
from assistant.web.tool import ReadUrl

__all__ = [
    "ResponderClients",
    "ResponderStores",
    "build_approvals",
    "build_planner",
    "build_responder",
    "cloud_clients",
    "firestore_stores",
]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ResponderStores:
    """Where the responder keeps state: Firestore in the cloud, memory in the fast tests."""

    claims: Claims
    history: History
    ledger: UsageLedger
    rate: RateLimits
    notices: Notices
    feedback: FeedbackVotes
    knowledge: KnowledgeReader
    routines: Routines
    stops: StopStore
    pending_calls: PendingCalls  # tool calls that may write, waiting for the asker's click
    # Each person's code runs going at once; in-process unless the cloud's is passed.
    run_slots: RunSlots = dataclasses.field(default_factory=LocalRunSlots)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ResponderClients:
    stores: ResponderStores
    slack: WebClient
    model: openai.OpenAI
    embeddings: openai.OpenAI
    files: Callable[[], BucketStore]  # the files bucket, made on first use
    storage: Callable[[], Any]  # a google.cloud.storage.Client, for a gs:// settings file
    executor: ExecutorClient
    publish: Callable[[str, Mention], object]  # publish(topic, mention)


def build_responder(
    settings: Settings,
    clients: ResponderClients,
    *,
    extra_tools: Sequence[ToolSource | ToolFamily] = (),
) -> Responder:
    """The responder for `settings` over `clients`; `extra_tools` join the deployed tools (a
    test's own tool, say)."""
    stores, slack = clients.stores, clients.slack
    planner = build_planner(settings, clients)
    search = DocumentSearch(
        index=clients.stores.knowledge,
        embedder=Embedder(
            client=clients.embeddings,
            model=settings.embedding_model,
            dimensions=settings.embedding_dimensions,
        ),
        limits=SearchLimits(
            max_passages=settings.retrieval_max_passages,
            relevance=relevance_for(settings.embedding_model, settings.retrieval_max_distance),
            token_share=settings.retrieval_token_share,
            log_text=settings.log_prompts,
        ),
    )
    drafts = RoutineDrafts(slack, stores.routines)
    commands = command_registry(
        history=stores.history,
        sources_reply=search.sources_reply,
        ledger=stores.ledger,
        feedback=stores.feedback,
        more=(RoutinesCommand(stores.routines, drafts, slack),),
    )
    # One lookup per instance: the audience's facts stay cached for a few minutes.
    audience = AudienceLookup(slack)
    steps: tuple[Step, ...] = (
        AccessStep(stores.notices),
        AudienceStep(audience),  # before commands: `sources` lists what this audience may use
        CommandStep(commands, stores.rate),
        AdmissionStep(stores.rate, stores.ledger),
        AudienceNotice(stores.notices),
    )
    code_runs = CodeRuns(
        client=clients.executor,
        store=clients.files,
        slack=slack,
        timeout_seconds=settings.executor_timeout_seconds,
        slots=stores.run_slots,
    )
    reader = ThreadReader(slack)  # one per instance: people's names stay cached
    linked = LinkedMessages(audience, LinkedReader(slack), reader)
    searching = WebSearch(BraveSearch.from_settings(settings))
    # One per instance: its pages stay in memory, pasted, asked for or found by a search.
    read_url = ReadUrl(opens_results_of=(searching,))
    limits = ResponderLimits.from_settings(settings)
    return Responder(
        contexts=AnswerContexts(
            planner=planner, claims=stores.claims, slack=slack, ledger=stores.ledger, limits=limits
        ),
        claims=stores.claims,
        history=stores.history,
        replies=ThreadReplies(
            history=stores.history,
            planner=planner,
            thread=reader,
            forward_files=lambda mention: clients.publish(settings.uploads_topic, mention),
        ),
        steps=steps,
        prompts=PromptBuilder(
            history=stores.history,
            files=ThreadFiles(bucket=settings.files_bucket, store=clients.files),
            search=search,
            thread=reader,
            summariser=Summariser(clients.model),
        ),
        tools=deployed_tools(
            code_runs=code_runs,
            linked=linked,
            slack_search=SlackSearch(slack),
            web_search=searching,
            read_url=read_url,
            extra=(
                CreateRoutine(drafts, slack),
                mcp_tools(
                    settings,
                    Proposals(
                        stores.pending_calls, slack, minutes=settings.approval_timeout_minutes
                    ),
                ),
                *extra_tools,
            ),
        ),
        linked=linked,
        pasted=PastedPages(read_url),
        generator=Generator(clients.model, log_prompts=settings.log_prompts),
        answer_files=AnswerFiles(slack=slack, bucket=settings.files_bucket, store=clients.files),
        dead_letter=lambda mention: clients.publish(settings.mentions_dead_letter_topic, mention),
        limits=limits,
        stops=stores.stops,
        pending_calls=stores.pending_calls,
    )


def mcp_client(settings: Settings) -> McpClient:
    """One per instance and use: it keeps the servers' tool lists."""
    return McpClient(secrets=SecretValues(), list_ttl_seconds=settings.mcp_list_ttl_seconds)


def mcp_tools(settings: Settings, proposals: Proposals) -> McpTools:
    """The channel's MCP servers' tools; those that may write are proposed, not run."""
    return McpTools(
        mcp_client(settings), proposals, call_timeout_seconds=settings.mcp_call_timeout_seconds
    )


def build_approvals(
    settings: Settings,
    clients: ResponderClients,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ApprovalClicks:
    """The Approve / Deny clicks and the expiry sweep: an approved call runs here, then the
    answer goes on through the mentions topic."""
    run = ApprovedMcpCalls(
        mcp_client(settings),
        build_planner(settings, clients),
        call_timeout_seconds=settings.mcp_call_timeout_seconds,
    )
    return ApprovalClicks(
        calls=clients.stores.pending_calls,
        run=run,
        slack=clients.slack,
        publish=lambda mention: clients.publish(settings.mentions_topic, mention),
        # A click that finds its call still running after this long: its runner is gone.
        running_for=timedelta(seconds=settings.mcp_call_timeout_seconds + 60),
        clock=clock,
    )


def build_planner(settings: Settings, clients: ResponderClients) -> Planner:
    """Every answer's (and every routine run's) plan: defaults, then the settings file."""
    source = SettingsSource(
        settings_reader(settings.settings_uri, clients.storage),
        refresh_seconds=settings.settings_refresh_seconds,
        where=settings.settings_uri,
    )
    return Planner(
        defaults=PlanDefaults.from_settings(settings),
        base=channel_defaults(settings),
        source=source,
    )


def firestore_stores(
    db: firestore.Client, *, lease_seconds: float, run_lease_seconds: float = 600.0
) -> ResponderStores:
    return ResponderStores(
        claims=ClaimStore(db, lease_seconds=lease_seconds),
        history=HistoryStore(db),
        ledger=Ledger(db),
        rate=RateLimiter(db),
        notices=RefusalNotices(db),
        feedback=FeedbackStore(db),
        knowledge=KnowledgeIndex(db),
        routines=RoutineStore(db, lease_seconds=run_lease_seconds),
        stops=FirestoreStops(db),
        pending_calls=FirestorePendingCalls(db),
        run_slots=FirestoreRunSlots(db),
    )


def cloud_clients(settings: Settings) -> ResponderClients:
    """Firestore, Cloud Storage, Slack, OpenAI, the executor and Pub/Sub, as deployed (or on
    their emulators, through the standard *_EMULATOR_HOST variables)."""
    db = firestore.Client(
        project=settings.google_cloud_project, database=settings.firestore_database
    )
    project = settings.google_cloud_project
    url = settings.executor_url
    # In the cloud the executor is private: an ID token for its URL. Locally, plain HTTP.
    token = google_id_token(url) if url.startswith("https://") else None
    return ResponderClients(
        stores=firestore_stores(
            db,
            lease_seconds=settings.claim_lease_seconds,
            # A routine run does not beat: its slot is taken over once a whole run's time passed.
            run_lease_seconds=settings.response_time_budget_seconds + 60,
        ),
        slack=slack_client(settings.slack_bot_token, settings.slack_api_url),
        model=openai_client(settings),
        embeddings=embeddings_client(settings),
        files=lambda: BucketStore(storage_client(project), settings.files_bucket),
        storage=lambda: storage_client(project),
        executor=ExecutorClient(url, token=token),
        publish=lambda topic, mention: publish_mention(
            project=project, topic=topic, mention=mention
        ),
    )
