"""What one routine run costs for a channel with 1,000 messages in its window: Slack calls by
method, Firestore operations, model calls and the run's wall time with the deterministic model.

The Slack sandbox and the deterministic model run as servers (real HTTP, real `slack_sdk` and
`openai` clients); routines and the usage ledger are on the Firestore emulator; the runner is
wired by `build_routines`, as the responder wires it. `nox -s bench`, or alone
`python -m bench.routines`.
"""

from __future__ import annotations

import collections
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openai
import requests
from google.cloud import firestore

from assistant.answer.wiring import ResponderClients, firestore_stores
from assistant.config import Settings
from assistant.executor.client import ExecutorClient
from assistant.routines.routine import Routine, RoutineRun, State
from assistant.routines.schedule import EVERY_DAY, Schedule
from assistant.routines.service import build_routines
from assistant.routines.store import RoutineStore
from bench.responders import CountingSlack
from bench.thread_context import TOKEN, _Servers
from devstack.emulators import start_firestore

SOURCE, TARGET = "C0RANDOM", "C0GENERAL"
SENTENCE = "The queue grew while the team checked the consumer lag on the ordering key."


class MethodCountingSlack(CountingSlack):
    def __init__(self, token: str, base_url: str) -> None:
        super().__init__(token, base_url)
        self.methods: collections.Counter[str] = collections.Counter()

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        self.methods[api_method] += 1
        return super().api_call(api_method, **kwargs)


class CountingStore(RoutineStore):
    """The Firestore routine store, counting its operations (each is one Firestore RPC)."""

    def __init__(self, db: firestore.Client) -> None:
        super().__init__(db, lease_seconds=600)
        self.ops: collections.Counter[str] = collections.Counter()

    def __getattribute__(self, name: str) -> Any:
        attribute = super().__getattribute__(name)
        if name in ("get", "claim_slot", "finish_slot", "set_state", "release_slot"):
            super().__getattribute__("ops")[name] += 1
        return attribute


def _seed(slack_url: str, *, messages: int, threads: int, replies: int) -> None:
    people = ("U0ALICE", "U0BOB", "U0CAROL")
    post = requests.Session()
    parents = messages - threads * replies
    for n in range(parents):
        body = {"channel": SOURCE, "user": people[n % 3], "text": f"update {n}: {SENTENCE}"}
        response = post.post(f"{slack_url}/_sandbox/messages", json=body, timeout=10)
        if n < threads:
            ts = response.json()["ts"]
            for r in range(replies):
                reply = {"channel": SOURCE, "user": people[(n + r + 1) % 3], "thread_ts": ts,
                         "text": f"reply {r} to {n}: {SENTENCE}"}  # fmt: skip
                post.post(f"{slack_url}/_sandbox/messages", json=reply, timeout=10)


def run(log_dir: Path, *, messages: int = 1_000) -> list[dict]:
    servers = _Servers(log_dir)
    process, host = start_firestore(log_dir)
    try:
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        db = firestore.Client(project="bench-routines")
        _seed(servers.slack_url, messages=messages, threads=20, replies=5)
        rows = []
        for cap in (32_000, 8_000):
            rows.append(_run_once(db, servers, cap=cap, messages=messages))
        return rows
    finally:
        servers.stop()
        process.stop()


def _run_once(db: firestore.Client, servers: _Servers, *, cap: int, messages: int) -> dict:
    slack = MethodCountingSlack(TOKEN, f"{servers.slack_url}/api/")
    store = CountingStore(db)
    stores = firestore_stores(db, lease_seconds=60)
    stores = type(stores)(**{**stores.__dict__, "routines": store})
    model = openai.OpenAI(api_key="k", base_url=f"http://127.0.0.1:{servers.model_port}/v1")
    clients = ResponderClients(
        stores=stores, slack=slack, model=model, embeddings=model,
        files=lambda: None,  # type: ignore[arg-type, return-value]
        storage=lambda: None, executor=ExecutorClient("http://127.0.0.1:9/unused"),
        publish=lambda topic, mention: None,
    )  # fmt: skip
    slot = datetime.now(UTC) + timedelta(seconds=1)
    settings = Settings(openai_model="gpt-4o-mini", max_prompt_tokens=cap)
    service = build_routines(settings, clients, publish_run=lambda run: None, clock=lambda: slot)
    routine = Routine(
        id=uuid.uuid4().hex, team="T0SANDBOX", creator="U0ALICE", created_in=TARGET,
        target=TARGET, sources=(SOURCE,),
        schedule=Schedule(days=EVERY_DAY, time="09:00", zone="UTC"), window_hours=1,
        instruction="recap [[reply:The team chased consumer lag [1]; Bob fixed it [2].]]",
        state=State.ACTIVE, next_run=slot,
    )  # fmt: skip
    store.create(routine)
    store.ops.clear()
    ledger_before = _ledger_calls(db)
    started = time.perf_counter()
    outcome = service.runner.run(RoutineRun(routine.id, slot), holder="bench")
    seconds = time.perf_counter() - started
    model_calls = _ledger_calls(db) - ledger_before
    return {
        "messages": messages,
        "prompt_cap": cap,
        "outcome": outcome.value,
        "seconds": seconds,
        "slack_calls": sum(slack.methods.values()),
        "by_method": [f"{m} {n}" for m, n in sorted(slack.methods.items())],
        "model_calls": model_calls,
        # routine get + slot create + slot finish, the ledger's budget read (1 get_all), and
        # one batch commit per model call recorded.
        "firestore_ops": sum(store.ops.values()) + 1 + model_calls,
    }


def _ledger_calls(db: firestore.Client) -> int:
    return sum(1 for _ in db.collection("usage_calls").select([]).stream())


def main() -> int:
    rows = run(Path(tempfile.mkdtemp(prefix="bench-routines-")))
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
