"""Counting and cutting text in tokens with the model's tiktoken encoding (offline)."""

from __future__ import annotations

import math
from typing import Any

from assistant.llm.encodings import get_encoding
from assistant.llm.models import TOKENS_PER_MESSAGE, ModelSpec

__all__ = ["IMAGE_TOKENS", "count_message", "count_text", "truncate_text"]

# A "high detail" image of up to 1024x1024 px costs 85 + 4 tiles x 170 tokens on OpenAI's vision
# models; we bound images to that size, so each one is charged this much.
IMAGE_TOKENS = 765


def count_text(text: str, spec: ModelSpec) -> int:
    tokens = len(get_encoding(spec.encoding).encode(text, disallowed_special=()))
    return math.ceil(tokens * spec.count_scale)


def count_message(content: Any, spec: ModelSpec) -> int:
    """Prompt cost of one chat message whose content is a string or a list of parts."""
    if isinstance(content, str):
        return TOKENS_PER_MESSAGE + count_text(content, spec)
    total = TOKENS_PER_MESSAGE
    for part in content:
        if part.get("type") == "image_url":
            total += IMAGE_TOKENS
        else:
            total += count_text(str(part.get("text", "")), spec)
    return total


def truncate_text(text: str, max_tokens: int, spec: ModelSpec) -> tuple[str, bool]:
    """The longest prefix of `text` within `max_tokens`, and whether anything was cut."""
    encoding = get_encoding(spec.encoding)
    limit = max(0, math.floor(max_tokens / spec.count_scale))
    tokens = encoding.encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text, False
    return encoding.decode(tokens[:limit]), True
