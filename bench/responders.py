"""The responder as the benchmarks build it: through `build_responder`, the one wiring production
uses, over the Firestore emulator's stores and the local servers' clients (as tests/responders.py
does for the tests), so a benchmark times the prompt builder that is deployed.
"""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import openai
from google.cloud import firestore
from slack_sdk import WebClient

from assistant.answer.assembly import PromptBuilder
from assistant.answer.responder import Responder
from assistant.answer.wiring import ResponderClients, build_responder, firestore_stores
from assistant.config import Settings
from assistant.conversation.history import HistoryStore
from assistant.executor.client import ExecutorClient
from assistant.slack.reply import slack_client

__all__ = ["BenchResponder", "CountingSlack"]

UNUSED_URL = "http://127.0.0.1:9/unused"  # a server the benchmark never makes the code call


class CountingSlack(WebClient):
    """The responder's Slack client (the same retry handlers), counting its Web API calls."""

    def __init__(self, token: str, base_url: str) -> None:
        configured = slack_client(token, base_url)
        super().__init__(token=token, base_url=base_url, timeout=configured.timeout)
        self.retry_handlers = configured.retry_handlers
        self.calls = 0

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        self.calls += 1
        return super().api_call(api_method, **kwargs)


class BenchResponder:
    """`build_responder(settings, clients)` on the emulator's Firestore; `prompts` is its
    PromptBuilder, `history` its HistoryStore (with its read and commit counters), `slack` its
    counted Slack client."""

    def __init__(
        self,
        db: firestore.Client,
        *,
        slack: CountingSlack | None = None,
        model_url: str = UNUSED_URL,
        **settings: Any,
    ) -> None:
        stores = firestore_stores(db, lease_seconds=60)
        assert isinstance(stores.history, HistoryStore)
        self.history: HistoryStore = stores.history
        self.slack = slack or CountingSlack("xoxb-bench", f"{UNUSED_URL}/api/")
        model = openai.OpenAI(
            api_key="k", base_url=model_url, max_retries=0, timeout=httpx.Timeout(60.0)
        )
        clients = ResponderClients(
            stores=stores,
            slack=self.slack,
            model=model,
            embeddings=model,
            files=_no_bucket,
            storage=lambda: None,
            executor=ExecutorClient(UNUSED_URL),
            publish=_no_publish,
        )
        self.responder: Responder = build_responder(Settings(**settings), clients)

    @property
    def prompts(self) -> PromptBuilder:
        # The Responder keeps its builder private; the benchmark times it alone.
        return self.responder.prompts


def _no_bucket() -> Any:
    raise AssertionError("these threads have no files")


def _no_publish(topic: str, mention: Any) -> None:
    raise AssertionError(f"the benchmark publishes nothing (to {topic})")
