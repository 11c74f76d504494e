"""Text -> vectors through the OpenAI-compatible embeddings API, in batches.

OpenAI's `text-embedding-3-*` models take `dimensions` (512 keeps Firestore's vectors small).
Asymmetric models such as e5 embed documents and questions differently: they are told which
with `input_type` ("passage" / "query", sent in the request body), which OpenAI's own models
would refuse, so it is sent only to those models.

    >>> Embedder(client=None, model="multilingual-e5-small-q4", dimensions=384).asymmetric
    True
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import openai

__all__ = ["Embedder", "EmbeddingError"]

logger = logging.getLogger(__name__)

MAX_BATCH_INPUTS = 64  # OpenAI allows 2,048 inputs and 300k tokens per request
MAX_BATCH_TOKENS = 60_000
_ASYMMETRIC = ("e5", "bge", "gte-")


class EmbeddingError(RuntimeError):
    """The embeddings API refused the request for good (bad model, bad input): not transient."""


@dataclasses.dataclass(frozen=True)
class Embedder:
    """Keeps no state per call: one Embedder serves a whole responder or indexer process.
    Count requests at the HTTP client instead (the tests and benchmarks do)."""

    client: Any  # openai.OpenAI
    model: str
    dimensions: int

    @property
    def asymmetric(self) -> bool:
        name = self.model.lower()
        return any(marker in name for marker in _ASYMMETRIC)

    @property
    def key(self) -> str:
        """Which vectors are comparable: chunks embedded otherwise are re-indexed."""
        return f"{self.model}@{self.dimensions}"

    def embed_passages(
        self, texts: Sequence[str], *, count: Callable[[str], int] = lambda t: len(t) // 3
    ) -> list[list[float]]:
        vectors: list[list[float]] = []
        for batch in _batches(texts, count):
            vectors.extend(self._embed(batch, input_type="passage"))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text], input_type="query")[0]

    def _embed(self, texts: list[str], *, input_type: str) -> list[list[float]]:
        options: dict[str, Any] = {}
        if self.model.startswith("text-embedding-3"):
            options["dimensions"] = self.dimensions
        if self.asymmetric:
            options["extra_body"] = {"input_type": input_type}
        try:
            response = self.client.embeddings.create(model=self.model, input=texts, **options)
        except (openai.BadRequestError, openai.NotFoundError) as error:
            raise EmbeddingError(f"the embeddings API refused the request: {error}") from error
        data = sorted(response.data, key=lambda item: item.index)
        vectors = [_normalised(list(item.embedding)) for item in data]
        if len(vectors) != len(texts) or any(len(v) != self.dimensions for v in vectors):
            sizes = sorted({len(v) for v in vectors})
            raise EmbeddingError(
                f"{self.model} returned {len(vectors)} vectors of {sizes} dimensions for "
                f"{len(texts)} texts; EMBEDDING_DIMENSIONS is {self.dimensions}"
            )
        return vectors


def _batches(texts: Sequence[str], count: Callable[[str], int]) -> list[list[str]]:
    batches: list[list[str]] = []
    current: list[str] = []
    tokens = 0
    for text in texts:
        size = count(text)
        if current and (len(current) >= MAX_BATCH_INPUTS or tokens + size > MAX_BATCH_TOKENS):
            batches.append(current)
            current, tokens = [], 0
        current.append(text)
        tokens += size
    if current:
        batches.append(current)
    return batches


def _normalised(vector: list[float]) -> list[float]:
    """Unit length, so cosine distances compare across servers that do and do not normalise."""
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else vector
