"""Counting and cutting text in tokens with the model's tiktoken encoding (offline).

The one definition of what a chat message costs beyond its words lives here: every budget in
the product is computed from `count_content` / `count_message` and `REPLY_PRIMING_TOKENS`.
"""

from __future__ import annotations

import math

from assistant.llm.encodings import get_encoding
from assistant.llm.messages import Content, ImagePart, Message
from assistant.llm.models import ModelSpec

__all__ = [
    "IMAGE_TOKENS",
    "REPLY_PRIMING_TOKENS",
    "TOKENS_PER_MESSAGE",
    "count_content",
    "count_message",
    "count_text",
    "truncate_text",
]

# Chat formatting costs a few tokens per message and a few to prime the reply
# (OpenAI's published counting recipe).
TOKENS_PER_MESSAGE = 4
REPLY_PRIMING_TOKENS = 3
# A "high detail" image of up to 1024x1024 px costs 85 + 4 tiles x 170 tokens on OpenAI's vision
# models; we bound images to that size, so each one is charged this much.
IMAGE_TOKENS = 765


def count_text(text: str, spec: ModelSpec) -> int:
    tokens = len(get_encoding(spec.encoding).encode(text, disallowed_special=()))
    return math.ceil(tokens * spec.count_scale)


def count_content(content: Content, spec: ModelSpec) -> int:
    """Prompt cost of one chat message with this content, the message's overhead included."""
    if isinstance(content, str):
        return TOKENS_PER_MESSAGE + count_text(content, spec)
    total = TOKENS_PER_MESSAGE
    for part in content:
        total += IMAGE_TOKENS if isinstance(part, ImagePart) else count_text(part.text, spec)
    return total


def count_message(message: Message, spec: ModelSpec) -> int:
    """Prompt cost of a message, tool calls included."""
    total = count_content(message.content, spec)
    for call in message.tool_calls:
        total += count_text(call.name, spec) + count_text(call.arguments, spec)
    return total


def truncate_text(text: str, max_tokens: int, spec: ModelSpec) -> tuple[str, bool]:
    """The longest prefix of `text` within `max_tokens`, and whether anything was cut."""
    encoding = get_encoding(spec.encoding)
    limit = max(0, math.floor(max_tokens / spec.count_scale))
    tokens = encoding.encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text, False
    return encoding.decode(tokens[:limit]), True
