"""What settings, the budget check and the ledger add to one mention, on the Firestore emulator.

Per mention the responder resolves the channel's settings (`Planner.plan`: in memory, the file
re-read at most once a minute), checks the allowlists and admits the person (one rate-limit
transaction), reads what was spent (one `get_all` of the counter shards) and checks the budgets,
as `assistant/answer/steps.py` does, and after the answer records one model call
(`Meter.record`: one batch).
Mentions run one at a time, then 10 at a time from different people in one workspace, so
the workspace counters are written concurrently, as in a busy channel.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from google.cloud import firestore

from assistant.answer.meter import Meter
from assistant.answer.plan import PlanDefaults, Planner
from assistant.channels.access import refusal
from assistant.channels.settings import Budgets, ChannelSettings
from assistant.channels.source import SettingsSource
from assistant.llm.rounds import Usage
from assistant.mention import Mention
from assistant.usage.ledger import SHARDS, Ledger
from assistant.usage.policy import Refuse, check
from assistant.usage.rate import RateLimiter
from devstack.emulators import start_firestore

MENTIONS = 200
SETTINGS = b"channels:\n  C1: {model: gpt-4o, budgets: {channel_monthly_usd: 50}}\n"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _admit(mention: Mention, channel: ChannelSettings, ledger: Ledger, rate: RateLimiter) -> None:
    """The checks before the model, as `AccessStep` and `AdmissionStep` make them: the
    allowlists, the person's rate limit, then the budgets against what the ledger has counted."""
    reason = refusal(channel, team=mention.team_id, channel=mention.channel, user=mention.user,
                     user_team=mention.user_team, is_dm=mention.is_direct_message)  # fmt: skip
    assert reason is None, reason
    now = datetime.now(UTC)
    limit = channel.mentions_per_minute
    assert rate.admit(team=mention.team_id, user=mention.user, event_id=mention.event_id,
                      limit=limit, now=now)  # fmt: skip
    spent = ledger.spent(team=mention.team_id, channel=mention.channel, user=mention.user)
    assert not isinstance(check(channel.budgets, spent, now), Refuse)


def run(log_dir: Path, concurrencies: tuple[int, ...] = (1, 10)) -> list[dict]:
    return [row for c in concurrencies for row in _run(log_dir, c)]


def _run(log_dir: Path, concurrency: int) -> list[dict]:
    process, host = start_firestore(log_dir)
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    try:
        db = firestore.Client(project="bench-project")
        ledger, rate = Ledger(db), RateLimiter(db)
        planner = Planner(
            defaults=PlanDefaults(model="gpt-4o-mini"),
            base=ChannelSettings(budgets=Budgets(workspace_monthly_usd=100, user_daily_usd=5)),
            source=SettingsSource(lambda: SETTINGS, refresh_seconds=60),
        )
        team = f"T{uuid.uuid4().hex[:8].upper()}"
        timings: dict[str, list[float]] = {"settings": [], "check": [], "record": []}

        def one(n: int) -> None:
            mention = Mention(event_id=f"Ev{team}{n}", team_id=team, channel="C1",
                              user=f"U{n % 50}", text="hi", ts="1.0", thread_ts="1.0")  # fmt: skip
            started = time.perf_counter()
            plan = planner.plan(mention)
            resolved = time.perf_counter()
            _admit(mention, plan.channel, ledger, rate)
            checked = time.perf_counter()
            meter = Meter(ledger=ledger, prices=plan.prices, mention=mention, fence=1)
            assert meter.record("answer", model=plan.model, usage=Usage(3000, 400)) > 0
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
