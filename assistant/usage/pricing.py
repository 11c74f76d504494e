"""Tokens to an estimated cost in US dollars (pure).

Defaults for common OpenAI models (list prices per million tokens, standard tier, as of late
2025); the settings file's `prices:` section overrides or adds entries. A dated model name
(`gpt-4o-mini-2024-07-18`) takes the price of its longest known prefix. A model with no price
(a self-hosted one) costs 0 unless the settings file prices it, or `default` does.

    >>> table = PriceTable.with_overrides({})
    >>> round(table.cost("gpt-4o-mini-2024-07-18", tokens_in=1_000_000, tokens_out=0), 2)
    0.15
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from assistant.channels.settings import Price

__all__ = ["DEFAULT_PRICES", "EXECUTOR_USD_PER_SECOND", "PriceTable"]

DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5": Price(1.25, 10.00),
    "o4-mini": Price(1.10, 4.40),
    "o3-mini": Price(1.10, 4.40),
    "o3": Price(2.00, 8.00),
    "text-embedding-3-small": Price(0.02),
    "text-embedding-3-large": Price(0.13),
}
DEFAULT_KEY = "default"  # a price for every model not listed
# A second of a code run: the executor's instance (terraform/executor.tf: 1 vCPU, 4 GiB) at
# Cloud Run's request-based list price, $0.000024 per vCPU-second + $0.0000025 per GiB-second.
EXECUTOR_USD_PER_SECOND = 0.000024 + 4 * 0.0000025


@dataclasses.dataclass(frozen=True)
class PriceTable:
    prices: Mapping[str, Price]

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, Price]) -> PriceTable:
        return cls({**DEFAULT_PRICES, **overrides})

    def price(self, model: str) -> Price | None:
        if model in self.prices:
            return self.prices[model]
        prefixes = [name for name in self.prices if model.startswith(name + "-")]
        if prefixes:
            return self.prices[max(prefixes, key=len)]
        return self.prices.get(DEFAULT_KEY)

    def cost(self, model: str, *, tokens_in: int, tokens_out: int) -> float:
        price = self.price(model)
        if price is None:
            return 0.0
        return (tokens_in * price.input_per_million + tokens_out * price.output_per_million) / 1e6
