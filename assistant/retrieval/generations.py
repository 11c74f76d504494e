"""Which notification changes the index: object generations against what is recorded (pure).

Cloud Storage numbers every version of an object with a generation, and its notifications may
arrive twice or out of order. Each document's record says the newest generation it describes
and in which state: `indexed`, `skipped` (unreadable or unsupported), `failed` (gave up after
retries) or `deleted` (a tombstone, so that a late finalize of a deleted generation is not
indexed again). A notification only ever moves a record forward.

    >>> indexed = DocumentState(name="a.md", set="default", generation=5, state="indexed")
    >>> [decide("finalize", generation, indexed).value for generation in (4, 5, 6)]
    ['stale', 'duplicate', 'index']
    >>> [decide("delete", generation, indexed).value for generation in (4, 5)]
    ['stale', 'remove']
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

__all__ = ["STATES", "DocumentState", "Verdict", "decide", "may_settle"]

STATES = ("indexed", "skipped", "failed", "deleted")


class Verdict(enum.Enum):
    INDEX = "index"
    REMOVE = "remove"
    STALE = "stale"  # about an older generation than the recorded one
    DUPLICATE = "duplicate"  # the recorded generation, already in this state
    IGNORE = "ignore"  # not an event the index cares about


@dataclasses.dataclass(frozen=True, kw_only=True)
class DocumentState:
    name: str
    set: str
    generation: int
    state: str
    chunks: int = 0
    title: str = ""
    url: str = ""
    reason: str = ""
    embedding: str = ""  # Embedder.key of its chunks' vectors
    pending_generation: int = 0  # the generation being indexed, and its attempts so far
    attempts: int = 0

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> DocumentState:
        known = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in document.items() if key in known}
        return cls(**values)


def decide(kind: str, generation: int, current: DocumentState | None) -> Verdict:
    if kind not in ("finalize", "delete"):
        return Verdict.IGNORE
    if current is None:
        # A delete first still leaves a tombstone: its finalize may arrive after it.
        return Verdict.INDEX if kind == "finalize" else Verdict.REMOVE
    if generation < current.generation:
        return Verdict.STALE
    if generation > current.generation:
        return Verdict.INDEX if kind == "finalize" else Verdict.REMOVE
    if kind == "delete" and current.state != "deleted":
        return Verdict.REMOVE
    return Verdict.DUPLICATE


def may_settle(current: DocumentState | None, generation: int, state: str) -> bool:
    """Whether a finished indexing (or a deletion) of `generation` may become the record."""
    if current is None or generation > current.generation:
        return True
    deletes_it = state == "deleted" and current.state != "deleted"
    return generation == current.generation and deletes_it
