"""The order relevant passages are given in: embedding distance, with words to break near-ties.

An embedding puts every section of a document whose title matches the question a hair apart:
for "How do I deploy this bot to Google Cloud? Which commands do I run?", e5 placed all of
docs/deploy.md between 0.107 and 0.131, the Slack-app section first and the one with the
commands eighth (each chunk is embedded with its document's title, which the question echoes).
So each candidate's distance is lowered by up to `weight` for the question's words it has,
scored with BM25 among the candidates themselves: a word every candidate shares (the title's)
then weighs little, and the words that tell them apart ("commands", "run") count. `weight` is
on the embedding model's distance scale (`Relevance.lexical_weight`): large enough to reorder
near-ties, too small to lift a far passage over a near one. Which passages are relevant at all
is decided before (relevance.py); this only orders them. Pure.

    >>> from assistant.retrieval.passages import Passage
    >>> def p(chunk, text, distance):
    ...     return Passage(chunk, "deploy.md", 1, "docs", "Deploying to Google Cloud", "",
    ...                    (), text, distance)
    >>> slack_app = p("app", "Create the Slack app from the manifest.", 0.107)
    >>> commands = p("cmd", "The commands to run: terraform init, terraform apply.", 0.113)
    >>> far = p("far", "Which commands run when tearing down.", 0.160)
    >>> query = "How do I deploy to Google Cloud? Which commands do I run?"
    >>> [x.chunk_id for x in ranked(query, [slack_app, commands, far], weight=0.02)]
    ['cmd', 'app', 'far']
    >>> [x.chunk_id for x in ranked(query, [slack_app, commands, far], weight=0.0)]
    ['app', 'cmd', 'far']
"""

from __future__ import annotations

import collections
import math
from collections.abc import Sequence

from assistant.retrieval.passages import Passage
from assistant.retrieval.relevance import content_terms

__all__ = ["bm25_scores", "ranked"]

_K1, _B = 1.2, 0.75  # BM25's usual constants (Robertson and Zaragoza, 2009)


def ranked(query: str, passages: Sequence[Passage], *, weight: float) -> list[Passage]:
    """Nearest first, each distance lowered by `weight` × its word score (best = 1)."""
    scores = bm25_scores(query, [passage.words for passage in passages]) if weight else []
    best = max(scores, default=0.0)
    if best <= 0:
        return sorted(passages, key=lambda passage: passage.distance)
    adjusted = {
        passage.chunk_id: passage.distance - weight * score / best
        for passage, score in zip(passages, scores, strict=True)
    }
    return sorted(passages, key=lambda passage: adjusted[passage.chunk_id])


def bm25_scores(query: str, texts: Sequence[str]) -> list[float]:
    """Okapi BM25 of each text for the query's content words, with document frequencies taken
    among `texts` (a few candidates: words they all share score little).

    >>> texts = ["run terraform apply", "the commands: terraform init"]
    >>> [round(score, 2) for score in bm25_scores("terraform commands", texts)]
    [0.18, 0.88]
    """
    documents = [content_terms(text) for text in texts]
    if not documents:
        return []
    asked = set(content_terms(query))
    frequency = collections.Counter(term for terms in documents for term in set(terms) & asked)
    count, mean_length = len(documents), sum(map(len, documents)) / len(documents) or 1.0
    scores = []
    for terms in documents:
        counts = collections.Counter(terms)
        score = 0.0
        for term in asked & counts.keys():
            idf = math.log(1 + (count - frequency[term] + 0.5) / (frequency[term] + 0.5))
            tf = counts[term]
            score += idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * len(terms) / mean_length))
        scores.append(score)
    return scores
