"""`/v1/embeddings` for tests: deterministic vectors in which lexically similar texts are close.

A hashed set of words: each distinct content word (lower-cased, a plural `s` dropped, common words
left out) adds ±1 to one of `dimensions` coordinates chosen by its hash, and the vector is
normalised. So the cosine distance of two texts falls with the words they share, and a text
sharing none with another is about 1 away from it: retrieval in tests means something,
without a model. `[[fail:STATUS[:N]]]` in an input fails the first N identical requests.

>>> near = distance(embed("annual leave days"), embed("days of annual leave"))
>>> far = distance(embed("annual leave days"), embed("database backups"))
>>> near < 0.01 < 0.9 < far
True
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from . import wire

__all__ = ["EmbeddingLog", "distance", "embed", "handle_embeddings"]

DEFAULT_DIMENSIONS = 512
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FAIL = re.compile(r"\[\[fail:(\d{3})(?::(\d+))?\]\]")
_STOP_TEXT = """a an and are about as at be but by can did do does for from had has have how i if
in is it its me my of on or our so than that the their then there these they this those to us was
we were what when where which who why will with would you your get gets"""
_STOP = frozenset(_STOP_TEXT.split())


def _words(text: str) -> list[str]:
    words = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return words


def embed(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    vector = [0.0] * dimensions
    words = _words(text) or ["\x00empty"]
    for word in sorted(set(words)):  # each word once: long texts are not swamped by repeats
        digest = hashlib.sha256(word.encode()).digest()
        index = int.from_bytes(digest[:4], "little") % dimensions
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def distance(a: Sequence[float], b: Sequence[float]) -> float:
    return 1.0 - sum(x * y for x, y in zip(a, b, strict=True))


class EmbeddingLog:
    """What was asked (model, inputs, dimensions, input_type), and attempts per request."""

    def __init__(self, limit: int = 2000) -> None:
        self.requests: list[dict[str, Any]] = []
        self._attempts: dict[str, int] = {}
        self._limit = limit

    def record(self, body: dict[str, Any], texts: list[str]) -> int:
        key = hashlib.sha256(repr((body.get("model"), texts)).encode()).hexdigest()
        self._attempts[key] = self._attempts.get(key, 0) + 1
        self.requests.append(
            {
                "model": body.get("model"),
                "inputs": len(texts),
                "dimensions": body.get("dimensions"),
                "input_type": body.get("input_type"),
                "first_input": texts[0][:200] if texts else "",
            }
        )
        del self.requests[: -self._limit]
        return self._attempts[key]

    def clear(self) -> None:
        self.requests.clear()
        self._attempts.clear()


async def handle_embeddings(request: web.Request, log: EmbeddingLog) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        error = wire.error_body("We could not parse the JSON body of your request.")
        return web.json_response(error, status=400)
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        message = "'input' must be a non-empty string or array of strings."
        error = wire.error_body(message, type="invalid_request_error", param="input")
        return web.json_response(error, status=400)
    attempt = log.record(body, texts)
    for text in texts:
        failure = _FAIL.search(text)
        if failure and (failure[2] is None or attempt <= int(failure[2])):
            status = int(failure[1])
            return web.json_response(
                wire.status_error(status, model=str(body.get("model"))), status=status
            )
    dimensions = int(body.get("dimensions") or DEFAULT_DIMENSIONS)
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = embed(text, dimensions)
        value: Any = vector
        if as_base64:
            value = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": value})
    tokens = sum(len(text.split()) for text in texts)
    return web.json_response(
        {
            "object": "list",
            "data": data,
            "model": body.get("model") or "fake-embedding",
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )
