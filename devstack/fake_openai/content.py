"""Pure text helpers: reading messages, approximating tokens, composing answers.

>>> default_answer("What is 2+2?", images=1)
'Answer to: What is 2+2? [images: 1]'
>>> "".join(split_chunks("one two three four five")) == "one two three four five"
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "approx_tokens",
    "default_answer",
    "image_count",
    "last_user_message",
    "long_answer",
    "message_text",
    "prompt_tokens",
    "split_chunks",
]

# What OpenAI bills for one low-detail image; close enough for budget tests.
_IMAGE_TOKENS = 85
_WORDS_PER_CHUNK = 3
# Splits after whitespace and before a word, so every piece keeps its trailing
# whitespace and joining the pieces gives back the exact text.
_WORD_BOUNDARY = re.compile(r"(?<=\s)(?=\S)")


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a message whose content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part["text"]
            for part in content
            if isinstance(part, Mapping)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        )
    return ""


def image_count(message: Mapping[str, Any]) -> int:
    content = message.get("content")
    if not isinstance(content, list):
        return 0
    return sum(
        1 for part in content if isinstance(part, Mapping) and part.get("type") == "image_url"
    )


def last_user_message(
    messages: Sequence[Mapping[str, Any]],
) -> Mapping[str, Any] | None:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message
    return None


def approx_tokens(text: str) -> int:
    # tiktoken would need to download its encodings, which the devstack must
    # not do; ceil(chars / 4) is OpenAI's own rule of thumb for English text.
    return math.ceil(len(text) / 4)


def prompt_tokens(messages: Sequence[Mapping[str, Any]]) -> int:
    text = sum(approx_tokens(message_text(m)) for m in messages)
    return text + _IMAGE_TOKENS * sum(image_count(m) for m in messages)


def default_answer(text: str, *, images: int) -> str:
    answer = f"Answer to: {text}"
    return f"{answer} [images: {images}]" if images else answer


def split_chunks(text: str, words: int = _WORDS_PER_CHUNK) -> list[str]:
    """Split into pieces of a few words each, as a streaming model would."""
    pieces = [p for p in _WORD_BOUNDARY.split(text) if p]
    return ["".join(pieces[i : i + words]) for i in range(0, len(pieces), words)]


_FILLER = (
    "The quick brown fox jumps over the lazy dog while the *deterministic* server keeps counting.",
    "Each paragraph is long enough to make splitting interesting, but short enough to read.",
    "Slack limits message length, so a long answer must be split on paragraph boundaries.",
    "Use `inline code`, **bold text** and _italics_ to check that formatting survives the split.",
    "Nothing here is random: the same length always yields exactly the same text.",
)
_CODE_BLOCK = '```python\ndef fake_answer(n: int) -> str:\n    return "x" * n\n```'


def _paragraph(number: int) -> str:
    # Lengths vary between 200 and 400 characters, never above.
    target = 200 + (number * 73) % 200
    text = f"**{number}.** Paragraph {number} of the long answer."
    i = number
    while len(text) < target:
        sentence = _FILLER[i % len(_FILLER)]
        if len(text) + 1 + len(sentence) > 400:
            break
        text += " " + sentence
        i += 1
    return text


def long_answer(length: int) -> str:
    """Exactly ``length`` characters of numbered Markdown paragraphs separated by
    blank lines, with one fenced code block near the middle (when it fits)."""
    blocks: list[str] = []
    size, number, code_added = 0, 1, False
    with_code = length >= len(_CODE_BLOCK) + 400
    while size < length:
        if with_code and not code_added and size >= (length - len(_CODE_BLOCK)) / 2:
            block, code_added = _CODE_BLOCK, True
        else:
            block, number = _paragraph(number), number + 1
        blocks.append(block)
        size += len(block) + 2
    text = "\n\n".join(blocks)[:length]
    # A cut landing on whitespace would leave the answer looking unfinished.
    return text[:-1] + "." if text and text[-1].isspace() else text
