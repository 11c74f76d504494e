"""What one answer message shows, in the fields chat.postMessage and chat.update take, and
Slack's refusals of its Markdown (after which the same words go as plain text)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackApiError

__all__ = [
    "NATIVE_RESULTS",
    "PLAIN_TEXT_LIMIT",
    "Content",
    "MarkdownRejected",
    "markdown_rejections",
]

# Errors after which a message is retried as plain text, so the answer is never lost.
_REJECTED_MARKDOWN = frozenset(
    {"msg_too_long", "invalid_blocks", "markdown_text_too_long", "msg_blocks_too_long"}
)
# A code run's native results: the first blocks dropped when Slack refuses the final message.
NATIVE_RESULTS = frozenset({"table", "data_visualization"})
PLAIN_TEXT_LIMIT = 3_000


@dataclasses.dataclass(frozen=True)
class Content:
    text: str | None = None
    markdown_text: str | None = None
    blocks: list[dict[str, Any]] | None = None


class MarkdownRejected(Exception):
    pass


@contextlib.contextmanager
def markdown_rejections() -> Iterator[None]:
    """Turns Slack's refusal of a message's Markdown into `MarkdownRejected`."""
    try:
        yield
    except SlackApiError as error:
        if error.response.get("error") in _REJECTED_MARKDOWN:
            raise MarkdownRejected from error
        raise
