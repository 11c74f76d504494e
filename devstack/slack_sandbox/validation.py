"""Slack's checks on message content, as pure functions raising ApiError.

Limits are Slack's documented ones; error names come from the method reference
pages (chat.postMessage, chat.update, chat.*Stream).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .api_error import ApiError
from .rich_blocks import RICH_BLOCK_CHECKS, check_one_table

__all__ = [
    "Content",
    "check_blocks",
    "check_chunks",
    "check_content",
    "check_markdown",
    "check_metadata",
    "parse_json_arg",
]

# chat.postMessage documents truncation at 40,000 characters; the sandbox refuses
# instead so that overlong output is noticed (chat.update's page says 4,000).
MAX_TEXT = 40_000
MAX_MARKDOWN = 12_000
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3_000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2_000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_BLOCK_ID = 255
CHUNK_REQUIRED = {
    "markdown_text": ("text",),
    "task_update": ("id", "title", "status"),
    "plan_update": ("title",),
    "blocks": ("blocks",),
}
# Every field a chunk may have (chat.appendStream's chunk objects); any other is refused.
CHUNK_FIELDS = {
    "markdown_text": {"type", "text"},
    "task_update": {"type", "id", "title", "status", "details", "output", "sources"},
    "plan_update": {"type", "title"},
    "blocks": {"type", "blocks"},
}
TASK_STATUSES = ("pending", "in_progress", "complete", "error")  # note: complete, not completed
MAX_TASK_TEXT = 256  # details and output (Slack's page gives none; its SDKs document 256)


@dataclass(frozen=True)
class Content:
    text: str | None
    markdown_text: str | None
    blocks: list | None
    attachments: list | None


def parse_json_arg(value: object, error: str) -> object:
    """Form-encoded calls carry arrays and objects as JSON strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise ApiError(error) from None


def check_markdown(markdown: object) -> str | None:
    if markdown is None:
        return None
    markdown = str(markdown)
    # No dedicated error is documented for overlong markdown_text.
    if len(markdown) > MAX_MARKDOWN:
        raise ApiError("msg_too_long")
    return markdown


def _invalid(problem: str, pointer: str) -> ApiError:
    return ApiError("invalid_blocks", messages=[f"[ERROR] {problem} [json-pointer:{pointer}]"])


def _check_text_object(obj: object, pointer: str, limit: int) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        raise _invalid("must be a text object", pointer)
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        raise _invalid("must be more than 0 characters", f"{pointer}/text")
    if len(text) > limit:
        raise _invalid(f"must be less than {limit + 1} characters", f"{pointer}/text")


def _check_block(block: object, pointer: str) -> None:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        raise _invalid("missing required field: type", pointer)
    if len(str(block.get("block_id", ""))) > MAX_BLOCK_ID:
        raise _invalid(f"must be less than {MAX_BLOCK_ID + 1} characters", f"{pointer}/block_id")
    kind = block["type"]
    if kind in RICH_BLOCK_CHECKS:
        RICH_BLOCK_CHECKS[kind](block, pointer)
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            raise _invalid("must provide either text or fields", pointer)
        if "text" in block:
            _check_text_object(block["text"], f"{pointer}/text", MAX_SECTION_TEXT)
        fields = block.get("fields", [])
        if not isinstance(fields, list) or len(fields) > MAX_SECTION_FIELDS:
            raise _invalid("must provide no more than 10 items", f"{pointer}/fields")
        for i, field in enumerate(fields):
            _check_text_object(field, f"{pointer}/fields/{i}", MAX_FIELD_TEXT)
    elif kind == "header":
        _check_text_object(block.get("text"), f"{pointer}/text", MAX_HEADER_TEXT)
    elif kind == "markdown":
        text = block.get("text")
        if not isinstance(text, str) or not text:
            raise _invalid("must be more than 0 characters", f"{pointer}/text")
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 0 < len(elements) <= MAX_CONTEXT_ELEMENTS:
            raise _invalid("must provide between 1 and 10 items", f"{pointer}/elements")


def check_blocks(blocks: object) -> list | None:
    """Return the blocks as a list, or raise Slack's error for them."""
    if blocks is None:
        return None
    blocks = parse_json_arg(blocks, "invalid_blocks_format")
    if not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format")
    if len(blocks) > MAX_BLOCKS:
        raise _invalid(f"must provide an array of no more than {MAX_BLOCKS} items", "/blocks")
    for i, block in enumerate(blocks):
        _check_block(block, f"/blocks/{i}")
    check_one_table(blocks)
    # Markdown blocks share one cumulative 12,000 character budget per message.
    markdown_total = sum(len(b.get("text", "")) for b in blocks if b["type"] == "markdown")
    if markdown_total > MAX_MARKDOWN:
        raise ApiError("msg_blocks_too_long")
    return blocks


def check_content(args: dict, *, require: bool = True) -> Content:
    """Validate text / markdown_text / blocks / attachments of a post or update."""
    text = args.get("text")
    text = None if text is None else str(text)
    markdown = check_markdown(args.get("markdown_text"))
    blocks = check_blocks(args.get("blocks"))
    attachments = parse_json_arg(args.get("attachments"), "invalid_attachments")
    if attachments is not None and not isinstance(attachments, list):
        raise ApiError("invalid_attachments")
    if markdown is not None and (text is not None or blocks is not None):
        raise ApiError("markdown_text_conflict")
    if text is not None and len(text) > MAX_TEXT:
        raise ApiError("msg_too_long")
    if require and not (text or markdown or blocks or attachments):
        raise ApiError("no_text")
    return Content(text=text, markdown_text=markdown, blocks=blocks, attachments=attachments)


def check_chunks(chunks: object) -> list | None:
    """Streaming chunks: a list of objects with a known type and its fields."""
    if chunks is None:
        return None
    chunks = parse_json_arg(chunks, "invalid_chunks")
    if not isinstance(chunks, list):
        raise ApiError("invalid_chunks")
    for chunk in chunks:
        if not isinstance(chunk, dict) or chunk.get("type") not in CHUNK_REQUIRED:
            raise ApiError("invalid_chunks")
        if any(field not in chunk for field in CHUNK_REQUIRED[chunk["type"]]):
            raise ApiError("invalid_chunks")
        if set(chunk) - CHUNK_FIELDS[chunk["type"]]:
            raise ApiError("invalid_chunks")
        if chunk["type"] == "task_update":
            _check_task(chunk)
        if chunk["type"] == "markdown_text":
            check_markdown(chunk["text"])
        if chunk["type"] == "blocks":
            check_blocks(chunk["blocks"])
    return chunks


def _check_task(chunk: dict) -> None:
    """A task card: a non-empty id and title, a known status, short details and output,
    URL sources."""
    if not all(isinstance(chunk[f], str) and chunk[f] for f in ("id", "title")):
        raise ApiError("invalid_chunks")
    if chunk["status"] not in TASK_STATUSES:
        raise ApiError("invalid_chunks")
    for field in ("details", "output"):
        value = chunk.get(field)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_TASK_TEXT):
            raise ApiError("invalid_chunks")
    for source in chunk.get("sources") or ():
        if not isinstance(source, dict) or source.get("type") != "url":
            raise ApiError("invalid_chunks")
        url, text = source.get("url"), source.get("text")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ApiError("invalid_chunks")
        if not isinstance(text, str) or not text:
            raise ApiError("invalid_chunks")


def check_metadata(metadata: object) -> dict | None:
    if metadata is None:
        return None
    metadata = parse_json_arg(metadata, "invalid_metadata_format")
    if not isinstance(metadata, dict):
        raise ApiError("invalid_metadata_format")
    if metadata and not isinstance(metadata.get("event_type"), str):
        raise ApiError("invalid_metadata_schema")
    return metadata
