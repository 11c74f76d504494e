"""What settings, the budget check and the ledger add to one mention, on the Firestore emulator.

Per mention the responder resolves the channel's settings (in memory, the file re-read at most
once a minute), admits the person (one rate-limit transaction), reads what was spent (one
`get_all` of the counter shards), and after the answer records one model call (one batch).
Mentions run one at a time, then 10 at a time from different people in one workspace, so
the workspace counters are written concurrently, as in a busy channel.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from google.cloud import firestore

from assistant.answer.gate import Gate
from assistant.answer.plan import PlanDefaults, plan_answer
from assistant.channels.settings import Budgets, ChannelSettings
from assistant.channels.source import SettingsSource
from assistant.llm.rounds import Usage
from assistant.mention import Mention
from assistant.usage.ledger import SHARDS, Ledger
from assistant.usage.pricing import PriceTable
from assistant.usage.rate import RateLimiter
from devstack.emulators import start_firestore

MENTIONS = 200
SETTINGS = b"channels:\n  C1: {model: gpt-4o, budgets: {channel_monthly_usd: 50}}\n"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(log_dir: Path, concurrencies: tuple[int, ...] = (1, 10)) -> list[dict]:
    return [row for c in concurrencies for row in _run(log_dir, c)]


def _run(log_dir: Path, concurrency: int) -> list[dict]:
    process, host = start_firestore(log_dir)
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    try:
        db = firestore.Client(project="bench-project")
        gate = Gate(db=db, ledger=Ledger(db), rate=RateLimiter(db))
        source = SettingsSource(lambda: SETTINGS, refresh_seconds=60)
        base = ChannelSettings(budgets=Budgets(workspace_monthly_usd=100, user_daily_usd=5))
        defaults, team = PlanDefaults(model="gpt-4o-mini"), f"T{uuid.uuid4().hex[:8].upper()}"
        timings: dict[str, list[float]] = {"settings": [], "check": [], "record": []}

        def one(n: int) -> None:
            mention = Mention(event_id=f"Ev{team}{n}", team_id=team, channel="C1",
                              user=f"U{n % 50}", text="hi", ts="1.0", thread_ts="1.0")  # fmt: skip
            started = time.perf_counter()
            current = source.current()
            settings = current.resolve(base, team=team, channel="C1")
            price = PriceTable.with_overrides(current.prices).price(settings.model)
            plan = plan_answer(defaults, channel=settings, price=price)
            resolved = time.perf_counter()
            assert gate.access(mention, settings) is None
            gate.admit(mention, settings)
            checked = time.perf_counter()
            gate.record(mention, plan, call="1.answer", kind="answer", usage=Usage(3000, 400))
            recorded = time.perf_counter()
            timings["settings"].append(resolved - started)
            timings["check"].append(checked - resolved)
            timings["record"].append(recorded - checked)

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(MENTIONS)))
        total = Ledger(db).report(team=team, channel="C1", user="U0").workspace_month
        assert total.calls == MENTIONS, total  # no lost increments
    finally:
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous
        process.stop()
    shard_reads = SHARDS["workspace"] + SHARDS["channel"] + SHARDS["user"]
    operations = {
        "settings": "0 (in memory; 1 object read a minute)",
        "check": f"1 transaction (1 read + 1 write) + 1 get_all of {shard_reads} documents",
        "record": "1 batch: 1 create + 6 counter increments (7 writes)",
    }
    return [
        {
            "at once": concurrency,
            "step": step,
            "p50 ms": statistics.median(values) * 1000,
            "p99 ms": _percentile(values, 0.99) * 1000,
            "Firestore per mention": operations[step],
        }
        for step, values in timings.items()
    ]
