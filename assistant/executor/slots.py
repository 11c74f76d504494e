"""How many code runs one person has going at once, across every responder instance.

Each run takes a slot for the person (`take`) before it is sent to the executor and gives it
back when its result is in (`give_back`). A slot lasts until the run's deadline at most, so a
responder that dies mid-run frees it by itself. A retried or redelivered call with the same
run id takes the slot it already holds, not another. One person can thus keep at most
`MAX_RUNS_PER_PERSON` executor instances busy, however many threads they mention the bot in.

In Firestore (`FirestoreRunSlots`), a transaction on `executor_runs/<team>.<user>`: only one
person's runs touch it. `LocalRunSlots` keeps them in this process (one instance, the tests).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

from google.api_core.exceptions import GoogleAPIError
from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

__all__ = [
    "EXECUTOR_RUNS",
    "MAX_RUNS_PER_PERSON",
    "FirestoreRunSlots",
    "LocalRunSlots",
    "RunSlots",
    "slot",
]

EXECUTOR_RUNS = "executor_runs"
MAX_RUNS_PER_PERSON = 2


class RunSlots(Protocol):
    def take(self, *, team: str, user: str, run_id: str, until: datetime, limit: int) -> bool:
        """Whether the run may start: fewer than `limit` other runs of the person are going
        (those past their `until` no longer count); the run's slot lasts until `until`."""
        ...

    def give_back(self, *, team: str, user: str, run_id: str) -> None: ...


@contextlib.contextmanager
def slot(
    slots: RunSlots,
    *,
    team: str,
    user: str,
    run_id: str,
    until: datetime,
    limit: int = MAX_RUNS_PER_PERSON,
) -> Iterator[bool]:
    """True inside when the run may go ahead; the slot is given back after."""
    taken = slots.take(team=team, user=user, run_id=run_id, until=until, limit=limit)
    try:
        yield taken
    finally:
        if taken:
            slots.give_back(team=team, user=user, run_id=run_id)


def _going(runs: dict[str, datetime], now: datetime) -> dict[str, datetime]:
    return {run_id: until for run_id, until in runs.items() if until > now}


class LocalRunSlots:
    def __init__(self, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._runs: dict[tuple[str, str], dict[str, datetime]] = {}

    def take(self, *, team: str, user: str, run_id: str, until: datetime, limit: int) -> bool:
        with self._lock:
            runs = _going(self._runs.get((team, user), {}), self._clock())
            if run_id not in runs and len(runs) >= limit:
                return False
            self._runs[(team, user)] = {**runs, run_id: until}
            return True

    def give_back(self, *, team: str, user: str, run_id: str) -> None:
        with self._lock:
            self._runs.get((team, user), {}).pop(run_id, None)


class FirestoreRunSlots:
    def __init__(
        self, db: firestore.Client, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._db = db
        self._clock = clock

    def take(self, *, team: str, user: str, run_id: str, until: datetime, limit: int) -> bool:
        ref = self._ref(team, user)
        now = self._clock()

        @firestore.transactional
        def run(transaction: firestore.Transaction) -> bool:
            snapshot = ref.get(transaction=transaction)
            stored = (snapshot.to_dict() or {}).get("runs", {}) if snapshot.exists else {}
            runs = _going(dict(stored), now)
            if run_id not in runs and len(runs) >= limit:
                return False
            runs[run_id] = until
            # Old documents are left for the TTL policy, as rate_limits are.
            transaction.set(ref, {"runs": runs, "expire_at": until + timedelta(days=1)})
            return True

        return run(self._db.transaction())

    def give_back(self, *, team: str, user: str, run_id: str) -> None:
        # A field path with the run id quoted: ids hold ':' and '.'.
        field = FieldPath("runs", run_id).to_api_repr()
        try:
            self._ref(team, user).update({field: firestore.DELETE_FIELD})
        except GoogleAPIError:  # the slot expires at the run's deadline anyway
            return

    def _ref(self, team: str, user: str):
        return self._db.collection(EXECUTOR_RUNS).document(f"{team}.{user}")
