"""Exactly one answer per Slack message: a claim document per message in Firestore.

The claim is keyed by the message (`team:channel:ts`), not the event id, because one message
can arrive as two events (a mention in a DM is both `app_mention` and `message.im`). Slack
retries arrive as new Pub/Sub messages with the same event id; Pub/Sub redelivers a
message whose push failed, and may hand out a message again while its first push still runs.
The first delivery creates the claim; every later one decides from it (`decide`, pure):

    done / failed                              -> stand down (ack)
    holder's heartbeat stale                   -> take over (resume its Slack messages)
    heartbeat live, same Pub/Sub message       -> wait: the holder may still finish, or die and
                                                  go stale; acking now could lose the message
    heartbeat live, another message            -> stand down (ack): the holder's own message
                                                  finishes the answer or is redelivered

Every acquisition gets a fence (a number that grows with each takeover). Writing to the claim
(heartbeat, Slack messages, tool rounds, the delivered answer, finishing) is conditional on the
fence: read, check, then update with the read's `update_time` as a precondition (optimistic, so
no lock outlives a killed holder). A stale holder gets `LostLease` and must not touch Slack.
Heartbeats are written with Firestore's clock and compared with the read time of the claim
(also Firestore's), so instances' clocks never matter.

Once the answer is delivered (`state: delivered`) it is recorded on the claim with its
messages: a failure in the bookkeeping that follows is retried without calling the model again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

from google.api_core.exceptions import AlreadyExists, FailedPrecondition
from google.cloud import firestore

from assistant.conversation.turns import StoredTurn
from assistant.llm.tools import ToolRound

__all__ = [
    "Claim",
    "ClaimStore",
    "Delivered",
    "Lease",
    "LostLease",
    "Verdict",
    "decide",
]

COLLECTION = "event_claims"
# Claims only matter while Slack and Pub/Sub can still redeliver; a TTL policy on `expires_at`
# (Terraform) deletes them afterwards.
_KEEP_FOR = dt.timedelta(days=7)
WORKING, DELIVERED, DONE, FAILED = "working", "delivered", "done", "failed"
_LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_CONFLICT_RETRIES = 5
_OPEN = frozenset({WORKING, DELIVERED})


class Verdict(enum.Enum):
    PROCEED = "proceed"  # this delivery owns the event now
    WAIT = "wait"  # the same message is still in hand: look again shortly
    STAND_DOWN = "stand_down"  # answered, or being answered by a live holder: ack


class LostLease(Exception):
    """Another delivery took the event over: this one must stop without touching Slack."""


def decide(
    claim: Mapping[str, Any], *, delivery_id: str, now: dt.datetime, lease: dt.timedelta
) -> Verdict:
    """What a delivery does about an event whose claim already exists."""
    if claim.get("state", WORKING) not in _OPEN:
        return Verdict.STAND_DOWN
    heartbeat = claim.get("heartbeat_at")
    if heartbeat is None or now - heartbeat >= lease:
        return Verdict.PROCEED
    return Verdict.WAIT if claim.get("holder") == delivery_id else Verdict.STAND_DOWN


@dataclasses.dataclass(frozen=True)
class Lease:
    claim_id: str
    fence: int


@dataclasses.dataclass(frozen=True)
class Delivered:
    """An answer that is in the thread, with what recording it still needs."""

    turns: tuple[StoredTurn, ...]  # the question and the answer, as history stores them
    answer_text: str  # the model's words, for the files the answer produced
    keep_tokens: int  # the history window's size for this thread

    def to_json(self) -> dict[str, Any]:
        return {
            "turns": [turn.to_document() for turn in self.turns],
            "answer_text": self.answer_text,
            "keep_tokens": self.keep_tokens,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Delivered:
        return cls(
            turns=tuple(StoredTurn.from_document(turn) for turn in data["turns"]),
            answer_text=str(data["answer_text"]),
            keep_tokens=int(data["keep_tokens"]),
        )


@dataclasses.dataclass(frozen=True)
class Claim:
    verdict: Verdict
    lease: Lease | None = None  # set when the verdict is PROCEED
    message_ts: list[str] = dataclasses.field(default_factory=list)
    attempts: int = 1
    state: str = WORKING
    rounds: tuple[ToolRound, ...] = ()  # tool rounds an earlier attempt completed
    delivered: Delivered | None = None  # set once the answer is in the thread


class ClaimStore:
    def __init__(self, db: firestore.Client, *, lease_seconds: float) -> None:
        self._db = db
        self.lease = dt.timedelta(seconds=lease_seconds)

    def _doc(self, claim_id: str) -> firestore.DocumentReference:
        return self._db.collection(COLLECTION).document(claim_id)

    def acquire(self, claim_id: str, *, event_id: str, delivery_id: str) -> Claim:
        fresh = {
            "event_id": event_id,
            "state": WORKING,
            "holder": delivery_id,
            "fence": 1,
            "heartbeat_at": firestore.SERVER_TIMESTAMP,
            "attempts": 1,
            "message_ts": [],
            "created_at": firestore.SERVER_TIMESTAMP,
            "expires_at": dt.datetime.now(dt.UTC) + _KEEP_FOR,
        }
        try:
            self._doc(claim_id).create(fresh)
            return Claim(Verdict.PROCEED, Lease(claim_id, 1))
        except AlreadyExists:
            pass
        return _acquire_existing(self, self._doc(claim_id), delivery_id)

    def renew(self, lease: Lease) -> None:
        self._write(lease, {})

    def record_messages(self, lease: Lease, message_ts: list[str]) -> None:
        self._write(lease, {"message_ts": message_ts})

    def record_round(self, lease: Lease, number: int, done: ToolRound) -> None:
        self._write(lease, {f"rounds.r{number:02d}": done.to_json()})

    def record_delivered(self, lease: Lease, delivered: Delivered, message_ts: list[str]) -> None:
        fields = {"state": DELIVERED, "delivered": delivered.to_json(), "message_ts": message_ts}
        self._write(lease, fields)

    def finish(self, lease: Lease, *, state: str = DONE, **details: Any) -> None:
        self._write(lease, {"state": state, **details})

    def release(self, lease: Lease) -> None:
        """Give the claim up after a failure this delivery survived: Pub/Sub's redelivery may
        take over at once instead of waiting for the heartbeat to go stale."""
        self._write(lease, {"heartbeat_at": _LONG_AGO}, beat=False)

    def _write(self, lease: Lease, fields: dict[str, Any], *, beat: bool = True) -> None:
        if beat:
            fields = {**fields, "heartbeat_at": firestore.SERVER_TIMESTAMP}
        doc = self._doc(lease.claim_id)
        for _ in range(_CONFLICT_RETRIES):
            snapshot = doc.get()
            claim = snapshot.to_dict() or {}
            if claim.get("fence") != lease.fence or claim.get("state") not in _OPEN:
                raise LostLease(
                    f"claim {doc.id} is held by fence {claim.get('fence')}, not {lease.fence}"
                )
            if self._update_unchanged(doc, snapshot, fields):
                return
        raise LostLease(f"claim {doc.id} kept changing under fence {lease.fence}")

    def _update_unchanged(
        self, doc: firestore.DocumentReference, snapshot: Any, fields: dict[str, Any]
    ) -> bool:
        """Apply `fields` only if nobody wrote the claim since `snapshot`; False if someone did.

        Optimistic on purpose: a transaction would lock the document while it runs, and a holder
        killed mid-transaction would leave it locked for everyone until the lock times out."""
        option = self._db.write_option(last_update_time=snapshot.update_time)
        try:
            doc.update(fields, option=option)
        except FailedPrecondition:
            return False
        return True


def _acquire_existing(
    store: ClaimStore, doc: firestore.DocumentReference, delivery_id: str
) -> Claim:
    for _ in range(_CONFLICT_RETRIES):
        snapshot = doc.get()
        claim = snapshot.to_dict() or {}
        # The read time is Firestore's clock, like the heartbeats it is compared with.
        verdict = decide(claim, delivery_id=delivery_id, now=snapshot.read_time, lease=store.lease)
        attempts = int(claim.get("attempts", 1))
        seen = {
            "message_ts": list(claim.get("message_ts", [])),
            "state": claim.get("state", WORKING),
            "rounds": _rounds(claim.get("rounds")),
            "delivered": _delivered(claim),
        }
        if verdict is not Verdict.PROCEED:
            return Claim(verdict, None, attempts=attempts, **seen)
        fence = int(claim.get("fence", 0)) + 1
        takeover = {
            "holder": delivery_id,
            "fence": fence,
            "heartbeat_at": firestore.SERVER_TIMESTAMP,
            "attempts": attempts + 1,
        }
        if store._update_unchanged(doc, snapshot, takeover):
            return Claim(verdict, Lease(doc.id, fence), attempts=attempts + 1, **seen)
    # Others kept writing (a live holder beating): treat it as in hand and look again later.
    return Claim(Verdict.WAIT)


def _rounds(stored: Any) -> tuple[ToolRound, ...]:
    if not isinstance(stored, dict):
        return ()
    return tuple(ToolRound.from_json(stored[key]) for key in sorted(stored))


def _delivered(claim: Mapping[str, Any]) -> Delivered | None:
    if claim.get("state") != DELIVERED or not claim.get("delivered"):
        return None
    return Delivered.from_json(claim["delivered"])
