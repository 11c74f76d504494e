"""Splitting a Markdown answer into pieces Slack accepts, without breaking code blocks.

>>> split_markdown("first paragraph\\n\\nsecond paragraph", limit=20)
['first paragraph', 'second paragraph']
"""

from __future__ import annotations

__all__ = ["MARKDOWN_TEXT_LIMIT", "split_markdown"]

# chat.postMessage / chat.update `markdown_text` accepts standard Markdown up to 12,000 chars.
MARKDOWN_TEXT_LIMIT = 12_000
_FENCE = "```"


def split_markdown(text: str, *, limit: int = MARKDOWN_TEXT_LIMIT) -> list[str]:
    """Cut at paragraph, then line, then character boundaries; each piece is at most `limit`.

    A piece that ends inside a fenced code block closes the fence, and the next piece reopens
    it, so every message renders on its own.
    """
    if limit < 16:
        raise ValueError("limit too small to hold a code fence")
    pieces: list[str] = []
    rest = text.strip("\n")
    reopen = ""
    while rest:
        room = limit - len(reopen)
        if len(rest) <= room:
            pieces.append(reopen + rest)
            break
        cut = _cut_point(rest, room - len(_FENCE) - 1)
        head, rest = rest[:cut].rstrip("\n"), rest[cut:].lstrip("\n")
        piece = reopen + head
        reopen = ""
        fence = _open_fence(piece)
        if fence is not None:
            piece += "\n" + _FENCE
            reopen = fence + "\n"
        if piece.strip():
            pieces.append(piece)
    return pieces or [""]


def _cut_point(text: str, room: int) -> int:
    if len(text) <= room:
        return len(text)
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, 0, room)
        if at > room // 2:
            return at + len(separator)
    return room


def _open_fence(text: str) -> str | None:
    """The opening line of a fence left open at the end of `text`, if any."""
    opening = None
    for line in text.split("\n"):
        if line.lstrip().startswith(_FENCE):
            opening = None if opening is not None else line.strip()
    return opening
