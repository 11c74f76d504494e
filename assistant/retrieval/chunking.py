"""A document's text -> chunks along its structure, each with its heading path (pure).

The text is Markdown-like (formats.py turns HTML and PDF into it): `#` headings open sections,
blank lines separate paragraphs, fenced code stays whole. Chunks are packed from whole blocks
up to `max_tokens`; a new section starts a new chunk once the current one has `min_tokens`,
so a chunk rarely straddles two topics but never stays tiny when sections are short. A block
longer than a chunk is cut at sentences, then words. When a chunk ends inside a section (it
was full), the next one repeats its last `overlap_tokens` or so, so a sentence cut from its
context is still found with it.

    >>> words = lambda text: len(text.split())
    >>> text = "# Leave\\n\\nEveryone gets 25 days.\\n\\n## Contractors\\n\\nNo paid leave."
    >>> for chunk in chunk_text(text, count=words, min_tokens=3):
    ...     print(chunk.heading, repr(chunk.text))
    ('Leave',) '# Leave\\n\\nEveryone gets 25 days.'
    ('Leave', 'Contractors') '## Contractors\\n\\nNo paid leave.'
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator

__all__ = ["Chunk", "chunk_text", "markdown_heading"]

Count = Callable[[str], int]

# Only the opening is a pattern; the closing `#`s and spaces are stripped after. A lazy title
# before `[ \t#]*$` tried every split of a long run of them: quadratic in the line.
_HEADING_OPENING = re.compile(r"(#{1,6})[ \t]+")
_FENCE = re.compile(r"^(```|~~~)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_BREAK_LEVEL = 2  # a level-1 or -2 heading ends a chunk sooner (a third of min_tokens)


@dataclasses.dataclass(frozen=True)
class Chunk:
    index: int
    heading: tuple[str, ...]  # the path of headings the chunk sits under
    text: str
    tokens: int
    start: int  # character offsets of the chunk in the document's text
    end: int


@dataclasses.dataclass(frozen=True)
class _Block:
    heading: tuple[str, ...]
    text: str
    start: int
    end: int
    level: int = 0  # the heading's level when the block is a heading, else 0


def chunk_text(
    text: str,
    *,
    count: Count,
    min_tokens: int = 300,
    max_tokens: int = 500,
    overlap_tokens: int = 50,
) -> list[Chunk]:
    pieces: list[_Block] = []
    room = max(1, max_tokens - overlap_tokens)  # so a piece and the overlap before it fit
    for block in _blocks(text):
        pieces.extend(_split_long(block, count, room))
    chunks: list[Chunk] = []
    current: list[_Block] = []
    tokens = 0

    def emit() -> None:
        body = "\n\n".join(b.text for b in current)
        chunks.append(
            Chunk(
                index=len(chunks),
                heading=_common_path([b.heading for b in current]),
                text=body,
                tokens=count(body),
                start=current[0].start,
                end=current[-1].end,
            )
        )

    for block in pieces:
        size = count(block.text)
        if current and block.level:
            enough = min_tokens if block.level > _BREAK_LEVEL else min_tokens // 3
            if tokens >= enough:
                emit()
                current, tokens = [], 0
        if current and tokens + size > max_tokens:
            emit()
            carried = _overlap(current, count, overlap_tokens, block)
            tokens = sum(count(b.text) for b in carried)
            if tokens + size > max_tokens:
                carried, tokens = [], 0
            current = carried
        current.append(block)
        tokens += size
    if current:
        emit()
    return chunks


def _blocks(text: str) -> Iterator[_Block]:
    """Headings and paragraphs (fenced code whole), with the heading path each sits under."""
    path: list[tuple[int, str]] = []
    lines = text.splitlines(keepends=True)
    offset = 0
    paragraph: list[str] = []
    paragraph_start = 0
    fence: str | None = None

    def flush(end: int) -> Iterator[_Block]:
        body = "".join(paragraph).strip()
        if body:
            yield _Block(tuple(title for _, title in path), body, paragraph_start, end)
        paragraph.clear()

    for line in lines:
        stripped = line.strip()
        if fence is not None:
            paragraph.append(line)
            if stripped.startswith(fence):
                fence = None
        elif _FENCE.match(stripped):
            if not paragraph:
                paragraph_start = offset
            fence = stripped[:3]
            paragraph.append(line)
        elif (heading := markdown_heading(stripped)) is not None:
            yield from flush(offset)
            level, title = heading
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, title))
            yield _Block(tuple(t for _, t in path), stripped, offset, offset + len(line), level)
        elif not stripped:
            yield from flush(offset)
        else:
            if not paragraph:
                paragraph_start = offset
            paragraph.append(line)
        offset += len(line)
    yield from flush(offset)


def markdown_heading(line: str) -> tuple[int, str] | None:
    """The level and title of an ATX heading line (`## Leave ##` → (2, "Leave")), in linear
    time whatever the line holds; None for any other line."""
    opening = _HEADING_OPENING.match(line)
    if opening is None:
        return None
    title = line[opening.end() :].strip().rstrip(" \t#").strip()
    return (len(opening[1]), title) if title else None


def _split_long(block: _Block, count: Count, max_tokens: int) -> list[_Block]:
    """The block as pieces of at most `max_tokens`: at sentence ends, else between words.

    Sizes are added up unit by unit (tokens do not merge across a space), so a long block
    costs one count per sentence or word, not one per prefix."""
    if count(block.text) <= max_tokens:
        return [block]
    units = _SENTENCE_END.split(block.text)
    if len(units) == 1:
        units = _word_groups(block.text, count, max_tokens)
    pieces: list[_Block] = []
    current: list[str] = []
    size = 0
    cursor = block.start
    for unit in units:
        parts = _word_groups(unit, count, max_tokens) if count(unit) > max_tokens else [unit]
        for part in parts:
            part_size = count(" " + part)
            if current and size + part_size > max_tokens:
                text = " ".join(current)
                pieces.append(_Block(block.heading, text, cursor, cursor + len(text)))
                cursor += len(text) + 1
                current, size = [], 0
            current.append(part)
            size += part_size
    if current:
        text = " ".join(current)
        pieces.append(_Block(block.heading, text, cursor, min(block.end, cursor + len(text))))
    return pieces


def _word_groups(text: str, count: Count, max_tokens: int) -> list[str]:
    groups: list[str] = []
    current: list[str] = []
    size = 0
    for word in text.split():
        while count(word) > max_tokens:  # no spaces to cut at (a URL, a hash, CJK text)
            cut = max(1, len(word) * max_tokens // max(1, count(word)))
            while cut > 1 and count(word[:cut]) > max_tokens:
                cut = cut * 9 // 10
            groups.append(word[:cut])
            word = word[cut:]
        word_size = count(" " + word)
        if current and size + word_size > max_tokens:
            groups.append(" ".join(current))
            current, size = [], 0
        current.append(word)
        size += word_size
    if current:
        groups.append(" ".join(current))
    return groups


def _overlap(done: list[_Block], count: Count, budget: int, following: _Block) -> list[_Block]:
    """The tail of a full chunk to repeat in the next one, when both are in one section."""
    if budget <= 0 or following.level or done[-1].heading != following.heading:
        return []
    tail = done[-1]
    if count(tail.text) <= budget:
        return [tail]
    sentences = _SENTENCE_END.split(tail.text)
    kept: list[str] = []
    for sentence in reversed(sentences):
        if count(" ".join([sentence, *kept])) > budget:
            break
        kept.insert(0, sentence)
    if not kept:
        return []
    text = " ".join(kept)
    return [_Block(tail.heading, text, tail.end - len(text), tail.end)]


def _common_path(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The deepest heading path every block of a chunk shares."""
    first = paths[0]
    length = len(first)
    for path in paths[1:]:
        length = min(length, len(path))
        for depth in range(length):
            if path[depth] != first[depth]:
                length = depth
                break
    return first[:length]
