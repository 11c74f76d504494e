"""Which passages an answer drew on without citing any (pure).

A small model given passages often answers from them and forgets the `[n]` (issue 26: the
deploy question's answer listed the passage's steps with no citation, so no Sources line said
where they came from). When an answer cites nothing, a passage whose wording it repeats is
named under it all the same, marked as matched rather than cited. Wording is compared as
pairs of neighbouring content words (stemmed; character pairs for Japanese and Chinese), so a
shared topic word is not enough, and pairs the question itself has prove nothing.

    >>> from assistant.retrieval.passages import Passage
    >>> deploy = Passage("c1", "deploy.md", 1, "default", "Deploying", "", ("2. One apply",),
    ...     "cd terraform, terraform init, then terraform apply -var project_id=...", 0.1)
    >>> drawn_on("Run `terraform init` and then `terraform apply -var project_id=...`.",
    ...     "How do I deploy?", [(1, deploy)])
    [1]
    >>> drawn_on("TCP is reliable; UDP is not.", "TCP vs UDP?", [(1, deploy)])
    []
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from assistant.retrieval.passages import Passage
from assistant.retrieval.relevance import content_terms

__all__ = ["MIN_SHARED_PAIRS", "drawn_on"]

# At least this many word pairs of the answer are in the passage, and at least this share of
# the answer's pairs: a passage that shares a phrase or two with a long answer was not its source.
MIN_SHARED_PAIRS = 3
MIN_SHARED_SHARE = 0.1


def drawn_on(answer: str, question: str, numbered: Sequence[tuple[int, Passage]]) -> list[int]:
    """The numbers of the passages the answer repeats the wording of, in passage order."""
    said = _pairs(answer) - _pairs(question)
    if len(said) < MIN_SHARED_PAIRS:
        return []
    needed = max(MIN_SHARED_PAIRS, MIN_SHARED_SHARE * len(said))
    return [number for number, passage in numbered if len(said & _pairs(passage.text)) >= needed]


def _pairs(text: str) -> frozenset[tuple[str, str]]:
    terms = content_terms(text)
    return frozenset(itertools.pairwise(terms))
