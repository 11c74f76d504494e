"""An MCP tool's result as the model reads it: framed as data, capped in size (pure).

Text and structured content are quoted inside an `<mcp_result>` frame the content cannot close;
images, audio and binary resources are described (kind, type, size), never passed on. A result
the server marks as an error starts with "Error:", as every failed call does.

    >>> from mcp_types import CallToolResult, TextContent
    >>> result = CallToolResult(content=[TextContent(type="text", text="9:00")])
    >>> print(framed("time", "now", result))
    <mcp_result server="time" tool="now">
    9:00
    </mcp_result>
"""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp_types import CallToolResult

__all__ = ["MAX_RESULT_CHARS", "framed"]

MAX_RESULT_CHARS = 12_000
_FRAME_TAG = re.compile(r"<(/?)(mcp_result)", re.IGNORECASE)


def framed(server: str, tool: str, result: CallToolResult, limit: int = MAX_RESULT_CHARS) -> str:
    parts = [_part(item) for item in result.content]
    if result.structured_content is not None and not _repeats(parts, result.structured_content):
        parts.append(json.dumps(result.structured_content, ensure_ascii=False, default=str))
    body = _capped("\n".join(part for part in parts if part) or "(no content)", limit)
    body = _FRAME_TAG.sub(lambda m: f"‹{m[1]}{m[2]}", body)
    frame = f'<mcp_result server="{_attr(server)}" tool="{_attr(tool)}">\n{body}\n</mcp_result>'
    return f"Error: the tool reported a failure.\n{frame}" if result.is_error else frame


def _part(item: Any) -> str:
    """One content block, by its wire `type` (so reading a result needs no SDK import)."""
    kind = getattr(item, "type", "")
    if kind == "text":
        return str(item.text)
    if kind in ("image", "audio"):
        return f"[{kind}: {item.mime_type}, {_decoded_size(item.data)} bytes, not shown]"
    if kind == "resource":
        resource = item.resource
        if isinstance(getattr(resource, "text", None), str):
            return f"[resource {resource.uri}]\n{resource.text}"
        size = _decoded_size(getattr(resource, "blob", "") or "")
        return f"[resource {resource.uri}: {resource.mime_type or 'binary'}, {size} bytes]"
    if kind == "resource_link":
        return f"[link {item.uri}: {item.name}]"
    return f"[{kind or 'content'}: not shown]"


def _repeats(parts: list[str], structured: object) -> bool:
    """Servers usually send structured content twice (also as JSON text): keep one copy."""
    return any(part.startswith("{") and _json(part) == structured for part in parts)


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _decoded_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except ValueError:
        return len(data)


def _capped(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… (cut: {len(text) - limit} more characters)"


def _attr(value: str) -> str:
    return value.replace('"', "'").replace("<", "‹")
