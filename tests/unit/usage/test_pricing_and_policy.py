"""Prices, budgets and what people read about them, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.channels.settings import Budgets, Price
from assistant.usage.notices import near_limit_note, refusal_text
from assistant.usage.policy import Allow, Refuse, Spent, check, near_limits
from assistant.usage.pricing import PriceTable

NOW = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)


def test_cost_uses_the_model_s_price_per_million_input_and_output_tokens():
    table = PriceTable.with_overrides({})
    assert table.cost("gpt-4o", tokens_in=2_000_000, tokens_out=100_000) == pytest.approx(6.0)


def test_a_dated_model_takes_the_price_of_its_longest_known_prefix():
    table = PriceTable.with_overrides({})
    assert table.price("gpt-4.1-mini-2025-04-14") == Price(0.40, 1.60)
    assert table.price("gpt-4o-2024-08-06") == Price(2.50, 10.00)


def test_the_settings_file_overrides_and_adds_prices_and_a_default():
    table = PriceTable.with_overrides({"gpt-4o-mini": Price(1.0, 2.0), "default": Price(9.0)})
    assert table.cost("gpt-4o-mini", tokens_in=1_000_000, tokens_out=0) == 1.0
    assert table.cost("llama-local", tokens_in=1_000_000, tokens_out=0) == 9.0


def test_an_unpriced_model_costs_nothing():
    assert PriceTable.with_overrides({}).cost("llama-local", tokens_in=10**6, tokens_out=10**6) == 0


def test_below_every_limit_the_mention_is_allowed():
    budgets = Budgets(workspace_monthly_usd=100, user_daily_usd=5)
    assert check(budgets, Spent(workspace_month=99.99, user_day=4.99), NOW) == Allow()


def test_a_limit_of_zero_means_none():
    assert check(Budgets(), Spent(1e9, 1e9, 1e9), NOW) == Allow()


def test_the_mention_after_the_one_that_crossed_the_daily_limit_is_refused():
    verdict = check(Budgets(user_daily_usd=5), Spent(user_day=5.25), NOW)
    assert isinstance(verdict, Refuse)
    assert verdict.limit.name == "user_daily"
    assert verdict.limit.over_by_usd == pytest.approx(0.25)
    assert verdict.resets_at == datetime(2027, 1, 1, tzinfo=UTC)


def test_the_daily_limit_resets_at_midnight_utc():
    budgets, spent = Budgets(user_daily_usd=5), Spent(user_day=0)  # a new day's counter
    assert check(budgets, spent, datetime(2027, 1, 1, 0, 0, tzinfo=UTC)) == Allow()


def test_when_two_limits_are_reached_the_longer_lasting_one_is_named():
    budgets = Budgets(workspace_monthly_usd=10, user_daily_usd=1)
    verdict = check(
        budgets, Spent(workspace_month=10, user_day=2), datetime(2026, 5, 3, tzinfo=UTC)
    )
    assert verdict.limit.name == "workspace_monthly"
    assert verdict.resets_at == datetime(2026, 6, 1, tzinfo=UTC)
    assert "the workspace's monthly budget ($10.00) is used up" in refusal_text(verdict.limit)


def test_a_note_appears_from_80_percent_of_a_limit():
    budgets = Budgets(channel_monthly_usd=10, user_daily_usd=5)
    assert near_limits(budgets, Spent(channel_month=7.9, user_day=3.9), NOW) == []
    [limit] = near_limits(budgets, Spent(channel_month=8.0, user_day=3.9), NOW)
    note = near_limit_note([limit])
    assert "This channel's monthly budget is 80% used ($8.00 of $10.00" in note
    assert "resets 2027-01-01 00:00 UTC" in note
