"""What every model call cost (`stores.UsageLedger`) in Firestore.

One model call is one batch: it creates `usage_calls/<event>.<call>` (the call's own record)
and adds its tokens and cost to six counters (workspace, channel, person × day, month) with
`firestore.Increment`, so concurrent answers never read-modify-write. The batch is atomic and
the create fails if the record exists, so a retried write (or a redelivery reporting the same
call) never counts twice. Each counter is split over shards, one picked at random per write, so
a busy workspace has no hot document; reading a total sums its shards (one `get_all`).

    ledger = Ledger(firestore_client)
    ledger.record(ModelCall(event_id="Ev1", call="3.answer", kind="answer", model="gpt-4o-mini",
                            team="T1", channel="C1", user="U1", tokens_in=900, tokens_out=120,
                            cost_usd=0.0002, at=datetime.now(UTC)))
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from google.api_core.exceptions import AlreadyExists, Conflict
from google.cloud import firestore

from assistant.usage.policy import Spent, day_of, month_of
from assistant.usage.stores import ModelCall, Totals, UsageStatement

__all__ = ["CALLS", "COUNTERS", "SHARDS", "Ledger"]

logger = logging.getLogger(__name__)

CALLS = "usage_calls"
COUNTERS = "usage_counters"
# Shards per scope: the workspace is written by every answer, a channel by its own, a person
# (rate-limited) rarely twice at once.
SHARDS = {"workspace": 8, "channel": 4, "user": 1}
_FIELDS = ("tokens_in", "tokens_out", "cost_usd", "calls", "seconds")


class Ledger:
    def __init__(
        self,
        db: firestore.Client,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._rng = rng or random.Random()

    def record(self, call: ModelCall) -> bool:
        """Count one call; False when it had been counted already."""
        batch = self._db.batch()
        batch.create(
            self._db.collection(CALLS).document(f"{call.event_id}.{call.call}"),
            {**dataclasses.asdict(call), "recorded_at": firestore.SERVER_TIMESTAMP},
        )
        increments = {
            "tokens_in": firestore.Increment(call.tokens_in),
            "tokens_out": firestore.Increment(call.tokens_out),
            "cost_usd": firestore.Increment(call.cost_usd),
            "calls": firestore.Increment(1),
            "seconds": firestore.Increment(call.seconds),
        }
        for scope, key in _scopes(call.team, call.channel, call.user):
            for period in (month_of(call.at), day_of(call.at)):
                shard = self._rng.randrange(SHARDS[scope])
                document = self._counter(scope, key, period, shard)
                batch.set(
                    document,
                    {"scope": scope, "key": key, "period": period, **increments},
                    merge=True,
                )
        try:
            batch.commit()
        except (AlreadyExists, Conflict):
            logger.info("usage already recorded", extra={"call": call.call})
            return False
        return True

    def spent(self, *, team: str, channel: str, user: str, now: datetime | None = None) -> Spent:
        now = now or self._clock()
        month, day = month_of(now), day_of(now)
        totals = self._totals(
            [
                ("workspace", team, month),
                ("channel", f"{team}.{channel}", month),
                ("user", f"{team}.{user}", day),
            ]
        )
        return Spent(totals[0].cost_usd, totals[1].cost_usd, totals[2].cost_usd)

    def report(
        self, *, team: str, channel: str, user: str, now: datetime | None = None
    ) -> UsageStatement:
        month = month_of(now or self._clock())
        user_month, channel_month, workspace_month = self._totals(
            [
                ("user", f"{team}.{user}", month),
                ("channel", f"{team}.{channel}", month),
                ("workspace", team, month),
            ]
        )
        return UsageStatement(month, user_month, channel_month, workspace_month)

    def _totals(self, wanted: list[tuple[str, str, str]]) -> list[Totals]:
        refs, owner = [], {}
        for index, (scope, key, period) in enumerate(wanted):
            for shard in range(SHARDS[scope]):
                ref = self._counter(scope, key, period, shard)
                refs.append(ref)
                owner[ref.id] = index
        sums = [dict.fromkeys(_FIELDS, 0) for _ in wanted]
        for snapshot in self._db.get_all(refs):
            if snapshot.exists:
                data = snapshot.to_dict() or {}
                for field in _FIELDS:
                    sums[owner[snapshot.id]][field] += data.get(field, 0)
        return [Totals(**values) for values in sums]

    def _counter(self, scope: str, key: str, period: str, shard: int):
        return self._db.collection(COUNTERS).document(f"{scope}.{key}.{period}.{shard}")


def _scopes(team: str, channel: str, user: str) -> Iterable[tuple[str, str]]:
    return (("workspace", team), ("channel", f"{team}.{channel}"), ("user", f"{team}.{user}"))
