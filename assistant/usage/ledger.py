"""What every model call cost (`stores.UsageLedger`) in Firestore.

One model call is one batch: it creates `usage_calls/<event>.<call>` (the call's own record)
and adds its tokens and cost to six counters (workspace, channel, person × day, month) with
`firestore.Increment`, so concurrent answers never read-modify-write. The batch is atomic and
the create fails if the record exists, so a retried write (or a redelivery reporting the same
call) never counts twice. Each counter is split over shards, one picked at random per write, so
a busy workspace has no hot document; reading a total sums its shards (one `get_all`).

Budgets hold under concurrency because each call first reserves its maximum cost: it reads
the workspace's live reservations (one document, `usage_holds/<team>`) and the counters it
checks, and adds the reservation, only while what was spent and what is reserved stays under
every limit, with a write that fails if anyone changed the reservations since it read them.
The call's record settles its reservation in the same batch that counts it, so spent +
reserved never loses a call. Only a deployment with budgets reserves; the holds document is
then the one place every call in a workspace passes (twice: reserve, settle).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from google.api_core.exceptions import AlreadyExists, Conflict, FailedPrecondition
from google.cloud import firestore

from assistant.channels.settings import Budgets
from assistant.usage.policy import Allow, Busy, Refuse, Spent, check_reservation, day_of, month_of
from assistant.usage.stores import HOLD_SECONDS, Hold, ModelCall, Totals, UsageStatement

__all__ = ["CALLS", "COUNTERS", "HOLDS", "SHARDS", "Ledger"]

logger = logging.getLogger(__name__)

CALLS = "usage_calls"
COUNTERS = "usage_counters"
HOLDS = "usage_holds"
# Reservations of one workspace contend on its holds document: retried this often, a write
# rides out a burst of concurrent answers.
_RESERVE_ATTEMPTS = 100
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
        if call.holds:  # settled with the count: spent + reserved never loses or doubles it
            settled = dict.fromkeys(call.holds, firestore.DELETE_FIELD)
            batch.set(self._holds(call.team), {"holds": settled}, merge=True)
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
        totals = self._totals(_spent_scopes(team, channel, user, now))
        return Spent(totals[0].cost_usd, totals[1].cost_usd, totals[2].cost_usd)

    def reserve(self, hold: Hold, budgets: Budgets) -> Allow | Refuse | Busy:
        document = self._holds(hold.team)
        wanted = _spent_scopes(hold.team, hold.channel, hold.user, hold.at)
        for _ in range(_RESERVE_ATTEMPTS):
            snapshot = document.get()
            holds = ((snapshot.to_dict() or {}) if snapshot.exists else {}).get("holds") or {}
            live = {key: value for key, value in holds.items() if value["until"] > hold.at}
            # Read after the holds: a call recorded in between is counted twice (never not at
            # all), and its settling changed the holds document, so the write below retries.
            totals = self._totals(wanted)
            spent = Spent(totals[0].cost_usd, totals[1].cost_usd, totals[2].cost_usd)
            verdict = check_reservation(
                budgets, spent=spent, held=_held(live.values(), hold), now=hold.at
            )
            if not isinstance(verdict, Allow):
                return verdict
            until = hold.at + timedelta(seconds=HOLD_SECONDS)
            live[hold.key] = {"channel": hold.channel, "user": hold.user,
                              "cost_usd": hold.cost_usd, "until": until}  # fmt: skip
            if self._replace_holds(document, snapshot, live):
                return verdict
            time.sleep(self._rng.uniform(0.005, 0.05))  # another reservation or record won
        raise Conflict(f"reservations of {hold.team} kept changing")

    def release(self, hold: Hold) -> None:
        self._holds(hold.team).set({"holds": {hold.key: firestore.DELETE_FIELD}}, merge=True)

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

    def _totals(
        self, wanted: list[tuple[str, str, str]], *, transaction: Any = None
    ) -> list[Totals]:
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

    def _holds(self, team: str):
        return self._db.collection(HOLDS).document(team)

    def _replace_holds(self, document: Any, snapshot: Any, live: dict[str, Any]) -> bool:
        """Write the live reservations (lapsed ones dropped) only if nobody wrote them since
        `snapshot`. Optimistic, like the claims: a transaction would have every concurrent
        reservation read-lock the one document and wait on the others to write it."""
        try:
            if snapshot.exists:
                option = self._db.write_option(last_update_time=snapshot.update_time)
                document.update({"holds": live}, option=option)
            else:
                document.create({"holds": live})
        except (FailedPrecondition, AlreadyExists, Conflict):
            return False
        return True


def _spent_scopes(team: str, channel: str, user: str, now: datetime) -> list[tuple[str, str, str]]:
    """The counters budgets are checked against: the workspace's and channel's month, the
    person's day."""
    month, day = month_of(now), day_of(now)
    return [
        ("workspace", team, month),
        ("channel", f"{team}.{channel}", month),
        ("user", f"{team}.{user}", day),
    ]


def _held(holds: Iterable[dict[str, Any]], hold: Hold) -> Spent:
    """What live reservations hold against each of `hold`'s budgets."""
    held = list(holds)
    return Spent(
        sum(h["cost_usd"] for h in held),
        sum(h["cost_usd"] for h in held if h["channel"] == hold.channel),
        sum(h["cost_usd"] for h in held if h["user"] == hold.user),
    )


def _scopes(team: str, channel: str, user: str) -> Iterable[tuple[str, str]]:
    return (("workspace", team), ("channel", f"{team}.{channel}"), ("user", f"{team}.{user}"))
