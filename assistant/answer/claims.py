"""Exactly one answer per Slack message: what a claim is, who may hold it, and the store's
contract (pure; `claim_store.py` keeps claims in Firestore, tests keep them in memory).

The claim is keyed by the message (`team:channel:ts`), not the event id, because one message
can arrive as two events (a mention in a DM is both `app_mention` and `message.im`). Slack
retries arrive as new Pub/Sub messages with the same event id; Pub/Sub redelivers a
message whose push failed, and may hand out a message again while its first push still runs.
The first delivery creates the claim; every later one decides from it (`decide`):

    done / failed                              -> stand down (ack)
    holder's heartbeat stale                   -> take over (resume its Slack messages)
    heartbeat live, same Pub/Sub message       -> wait: the holder may still finish, or die and
                                                  go stale; acking now could lose the message
    heartbeat live, another message            -> stand down (ack): the holder's own message
                                                  finishes the answer or is redelivered

Every acquisition gets a fence (a number that grows with each takeover). Every write to the
claim (heartbeat, Slack messages, tool rounds, the delivered answer, finishing) is conditional
on the fence: a stale holder gets `LostLease` and must not touch Slack.

Once the answer is delivered (`state: delivered`) it is recorded on the claim with its
messages: a failure in the bookkeeping that follows is retried without calling the model again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from assistant.conversation.turns import StoredTurn
from assistant.llm.tools import ToolRound
from assistant.mention import Mention

__all__ = [
    "DELIVERED",
    "DONE",
    "FAILED",
    "OPEN",
    "WORKING",
    "Claim",
    "ClaimVerdict",
    "Claims",
    "Delivered",
    "Lease",
    "LostLease",
    "RoundTooLarge",
    "acquire_waiting",
    "decide",
]

WORKING, DELIVERED, DONE, FAILED = "working", "delivered", "done", "failed"
OPEN = frozenset({WORKING, DELIVERED})  # states a holder may still write in


class ClaimVerdict(enum.Enum):
    PROCEED = "proceed"  # this delivery owns the event now
    WAIT = "wait"  # the same message is still in hand: look again shortly
    STAND_DOWN = "stand_down"  # answered, or being answered by a live holder: ack


class LostLease(Exception):
    """Another delivery took the event over: this one must stop without touching Slack."""


class RoundTooLarge(Exception):
    """A tool round would make the claim larger than its store keeps (Firestore: 1 MiB)."""


def decide(
    claim: Mapping[str, Any], *, delivery_id: str, now: dt.datetime, lease: dt.timedelta
) -> ClaimVerdict:
    """What a delivery does about an event whose claim already exists.

    `claim` holds `state`, `holder` (the delivery holding it) and `heartbeat_at`."""
    if claim.get("state", WORKING) not in OPEN:
        return ClaimVerdict.STAND_DOWN
    heartbeat = claim.get("heartbeat_at")
    if heartbeat is None or now - heartbeat >= lease:
        return ClaimVerdict.PROCEED
    return ClaimVerdict.WAIT if claim.get("holder") == delivery_id else ClaimVerdict.STAND_DOWN


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
    verdict: ClaimVerdict
    lease: Lease | None = None  # set when the verdict is PROCEED
    message_ts: list[str] = dataclasses.field(default_factory=list)
    attempts: int = 1
    state: str = WORKING
    rounds: tuple[ToolRound, ...] = ()  # tool rounds an earlier attempt completed
    delivered: Delivered | None = None  # set once the answer is in the thread
    # The answer's message while it streams natively ("" once stopped): a takeover closes it.
    stream_ts: str = ""


class Claims(Protocol):
    """Where claims are kept. Every write takes the holder's `Lease` and raises `LostLease`
    once another delivery took the claim over, or once it was finished."""

    @property
    def lease(self) -> dt.timedelta:
        """How long a holder's heartbeat stays live."""
        ...

    def acquire(self, claim_id: str, *, event_id: str, delivery_id: str) -> Claim:
        """Create the claim (PROCEED), or decide about the existing one; a PROCEED over an
        existing claim is a takeover: a new fence, one more attempt."""
        ...

    def renew(self, lease: Lease) -> None:
        """The heartbeat: the holder is alive."""
        ...

    def record_messages(self, lease: Lease, message_ts: list[str]) -> None: ...

    def record_stream(self, lease: Lease, stream_ts: str) -> None:
        """The message streaming natively now, or "" once its stream is stopped."""
        ...

    def record_round(self, lease: Lease, number: int, done: ToolRound) -> None:
        """Keep a finished tool round for a takeover to replay; `RoundTooLarge` when the claim
        cannot hold it (the lease is kept)."""
        ...

    def record_delivered(
        self, lease: Lease, delivered: Delivered, message_ts: list[str]
    ) -> None: ...

    def finish(self, lease: Lease, *, state: str = DONE, **details: Any) -> None:
        """Close the claim (`done` or `failed`): no delivery answers the event again."""
        ...

    def release(self, lease: Lease) -> None:
        """Give the claim up after a failure this delivery survived: the next delivery may
        take over at once instead of waiting for the heartbeat to go stale."""
        ...


def acquire_waiting(
    claims: Claims,
    mention: Mention,
    delivery_id: str,
    *,
    wait_seconds: float,
    poll_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Claim:
    """Acquire the mention's claim, looking again while the same message is still in hand
    elsewhere (a copy delivered twice at once), for at most `wait_seconds`."""
    waited_until = time.monotonic() + wait_seconds
    while True:
        claim = claims.acquire(
            mention.message_key, event_id=mention.event_id, delivery_id=delivery_id
        )
        if claim.verdict is not ClaimVerdict.WAIT or time.monotonic() > waited_until:
            return claim
        sleep(poll_seconds)
