"""The usage ledger on the Firestore emulator: no lost increments under concurrency, each call
counted once, totals per period."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from assistant.usage.ledger import Ledger
from assistant.usage.stores import ModelCall

NOW = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)


def team() -> str:
    return f"T{uuid.uuid4().hex[:10].upper()}"


def call(team_id: str, n: int, *, user: str = "U1", channel: str = "C1", at=NOW) -> ModelCall:
    return ModelCall(
        event_id=f"Ev{team_id}.{n}",
        call="1.answer",
        kind="answer",
        model="gpt-4o-mini",
        team=team_id,
        channel=channel,
        user=user,
        tokens_in=1000 + n,
        tokens_out=100,
        cost_usd=0.001,
        at=at,
    )


@pytest.fixture
def ledger(firestore_db) -> Ledger:
    return Ledger(firestore_db, clock=lambda: NOW)


def test_totals_equal_the_reported_usage_across_100_concurrent_calls(ledger):
    t = team()
    calls = [call(t, n, user=f"U{n % 5}", channel=f"C{n % 2}") for n in range(100)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        assert all(pool.map(ledger.record, calls))

    report = ledger.report(team=t, channel="C0", user="U0")
    assert report.workspace_month.calls == 100
    assert report.workspace_month.tokens_in == sum(c.tokens_in for c in calls)
    assert report.workspace_month.cost_usd == pytest.approx(0.1)
    assert report.channel_month.calls == 50
    assert report.user_month.calls == 20
    spent = ledger.spent(team=t, channel="C1", user="U3")
    assert (spent.workspace_month, spent.channel_month, spent.user_day) == pytest.approx(
        (0.1, 0.05, 0.02)
    )


def test_the_same_call_reported_twice_is_counted_once(ledger):
    t = team()
    assert ledger.record(call(t, 1)) is True
    assert ledger.record(call(t, 1)) is False

    assert ledger.report(team=t, channel="C1", user="U1").workspace_month.calls == 1


def test_a_person_s_day_and_the_month_are_separate_periods(ledger):
    t = team()
    ledger.record(call(t, 1, at=datetime(2026, 5, 13, 23, 59, tzinfo=UTC)))
    ledger.record(call(t, 2))

    spent = ledger.spent(team=t, channel="C1", user="U1")
    assert spent.user_day == pytest.approx(0.001)
    assert spent.workspace_month == pytest.approx(0.002)
    june = ledger.spent(team=t, channel="C1", user="U1", now=datetime(2026, 6, 1, tzinfo=UTC))
    assert june.workspace_month == 0
