"""The document sets and their sizes, and the `@assistant sources` reply (pure).

>>> counts = [SetCount("handbook", 12, 80), SetCount("runbooks", 3, 20)]
>>> print(sources_reply(counts, allowed=None))
This channel can use 2 document sets:
• `handbook`: 12 documents
• `runbooks`: 3 documents
>>> print(sources_reply(counts, allowed=("runbooks", "legal")))
This channel can use 1 document set:
• `runbooks`: 3 documents
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

__all__ = ["SetCount", "allowed_sets", "is_sources_request", "sources_reply"]

NO_SETS = (
    "No documents are indexed for this channel yet. Copy files into the knowledge bucket under "
    "`knowledge/<set>/` (Markdown, text, HTML or PDF) and ask again."
)


@dataclasses.dataclass(frozen=True)
class SetCount:
    name: str
    documents: int
    chunks: int = 0


def allowed_sets(counts: Sequence[SetCount], allowed: Sequence[str] | None) -> list[SetCount]:
    """The sets a plan may search that hold documents; `allowed` None means every set."""
    return [
        count
        for count in sorted(counts, key=lambda c: c.name)
        if count.documents > 0 and (allowed is None or count.name in allowed)
    ]


def is_sources_request(question: str) -> bool:
    return question.lower().strip(" .!?") == "sources"


def sources_reply(counts: Sequence[SetCount], *, allowed: Sequence[str] | None) -> str:
    usable = allowed_sets(counts, allowed)
    if not usable:
        return NO_SETS
    plural = "s" if len(usable) != 1 else ""
    lines = [f"This channel can use {len(usable)} document set{plural}:"]
    for count in usable:
        noun = "document" if count.documents == 1 else "documents"
        lines.append(f"• `{count.name}`: {count.documents:,} {noun}")
    return "\n".join(lines)
