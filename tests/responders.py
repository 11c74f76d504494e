"""The responder as tests build it: through `build_responder`, the one wiring production uses,
with the in-process Slack sandbox and deterministic model as clients, and either the Firestore
emulator's stores or the in-memory ones."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx2 as httpx
import openai
import yaml
from slack_sdk import WebClient

from assistant.answer.responder import Responder
from assistant.answer.tools import ToolSource
from assistant.answer.wiring import ResponderClients, ResponderStores, build_responder
from assistant.config import Settings
from assistant.executor.client import ExecutorClient
from assistant.mention import Mention
from assistant.retrieval.catalog import SetCount
from assistant.retrieval.passages import Passage
from tests.builders import MemoryBucket
from tests.memory_approvals import MemoryPendingCalls
from tests.memory_routines import MemoryRoutines
from tests.memory_stores import (
    MemoryClaims,
    MemoryHistory,
    MemoryStops,
)
from tests.memory_usage import MemoryFeedback, MemoryLedger, MemoryNotices, MemoryRate

# What every test responder runs with, unless a test says otherwise: the deterministic model,
# no rate limit (test mentions come from a few people), Slack edits as fast as they come.
TEST_SETTINGS = {
    "openai_model": "fake-gpt",
    "user_mentions_per_minute": 0,
    "slack_update_interval_seconds": 0.0,
    "slack_stream_append_seconds": 0.0,
    "max_delivery_attempts": 3,
    "files_bucket": "b",
}


class NoDocuments:
    """A knowledge index with nothing indexed."""

    def set_counts(self) -> list[SetCount]:
        return []

    def nearest(self, vector: Any, *, sets: Any, limit: int, max_distance: float) -> list[Passage]:
        return []


def memory_stores(*, lease_seconds: float = 5.0, **overrides: Any) -> ResponderStores:
    stores = ResponderStores(
        claims=MemoryClaims(lease_seconds=lease_seconds),
        history=MemoryHistory(),
        ledger=MemoryLedger(),
        rate=MemoryRate(),
        notices=MemoryNotices(),
        feedback=MemoryFeedback(),
        knowledge=NoDocuments(),
        routines=MemoryRoutines(),
        stops=MemoryStops(),
        pending_calls=MemoryPendingCalls(),
    )
    return dataclasses.replace(stores, **overrides)


@dataclasses.dataclass
class Published:
    """What the responder published, by topic (dead letters, follow-ups with files)."""

    messages: list[tuple[str, Mention]] = dataclasses.field(default_factory=list)

    def __call__(self, topic: str, mention: Mention) -> None:
        self.messages.append((topic, mention))

    def on(self, topic: str) -> list[Mention]:
        return [mention for name, mention in self.messages if name == topic]


def local_clients(
    stores: ResponderStores,
    local_slack: Any,
    local_model: Any,
    *,
    slack: WebClient | None = None,
    bucket: MemoryBucket | None = None,
    publish: Published | None = None,
    executor: ExecutorClient | None = None,
) -> ResponderClients:
    model = openai.OpenAI(
        api_key="k", base_url=local_model.base_url, max_retries=0, timeout=httpx.Timeout(5.0)
    )
    files = bucket or MemoryBucket()
    return ResponderClients(
        stores=stores,
        slack=slack or WebClient(token=local_slack.bot_token, base_url=local_slack.api_url),
        model=model,
        embeddings=model,
        files=lambda: files,  # type: ignore[arg-type, return-value]
        storage=lambda: None,
        # Never called unless a test's settings name an EXECUTOR_URL (run_python is off).
        executor=executor or ExecutorClient("http://127.0.0.1:9/unused"),
        publish=publish or Published(),
    )


def posted_mention(slack: Any, question: str, *, user: str = "U0ALICE") -> Mention:
    """The person's mention of `question` posted in #general of the local Slack, as ingress
    would publish it."""
    posted = slack.post(f"<@U0BOT> {question}", user=user)
    return Mention(
        event_id=f"Ev{uuid.uuid4().hex[:10].upper()}", team_id="T0SANDBOX", channel="C0GENERAL",
        user=user, text=f"<@U0BOT> {question}", ts=posted["ts"], thread_ts=posted["ts"],
        bot_user_id="U0BOT",
    )  # fmt: skip


def settings_file(tmp_dir: Path, content: dict[str, Any]) -> str:
    """A settings file (config/assistant.yaml's shape) for SETTINGS_URI."""
    path = tmp_dir / f"assistant-{abs(hash(repr(content)))}.yaml"
    path.write_text(yaml.safe_dump(content))
    return str(path)


def test_responder(
    clients: ResponderClients, *, extra_tools: Sequence[ToolSource] = (), **settings: Any
) -> Responder:
    return build_responder(
        Settings(**{**TEST_SETTINGS, **settings}), clients, extra_tools=extra_tools
    )


test_responder.__test__ = False  # type: ignore[attr-defined]  # a builder, not a test
