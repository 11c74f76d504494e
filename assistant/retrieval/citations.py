"""The answer's `[n]` citations -> a short Sources list of only the documents cited (pure);
an answer that cites none lists the passages it repeats the wording of, marked as such.

Numbers are resolved against the answer's `PassageBook`: a number the model made up (no such
passage) cites nothing. Several passages of one document make one line. A title is linked to
the document's link when it has one.

    >>> from assistant.retrieval.passages import Passage, PassageBook
    >>> book = PassageBook()
    >>> _ = book.add([Passage("c1", "knowledge/leave.md", 1, "default", "Leave policy",
    ...     "https://intranet.example/leave", ("Annual",), "25 days.", 0.1)])
    >>> print(with_sources("Everyone gets 25 days [1]. Ask HR [7].", book))
    Everyone gets 25 days [1]. Ask HR [7].
    <BLANKLINE>
    *Sources*
    [1] [Leave policy](https://intranet.example/leave) › Annual
    >>> with_sources("No documents needed.", book)
    'No documents needed.'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.retrieval.attribution import drawn_on
from assistant.retrieval.passages import Passage, PassageBook

__all__ = ["UNCITED", "cited_numbers", "with_sources"]

UNCITED = "_(not cited: the answer repeats their wording)_"

# [1], [1, 3], [1][2]; not a Markdown link's text ([1](url)) nor a checkbox.
_CITATION = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?!\()")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def cited_numbers(answer: str, book: PassageBook) -> list[int]:
    """The passage numbers the answer cites that exist, in order of first citation."""
    seen: list[int] = []
    for match in _CITATION.finditer(answer):
        for raw in match[1].split(","):
            number = int(raw)
            if book.get(number) is not None and number not in seen:
                seen.append(number)
    return seen


def with_sources(answer: str, book: PassageBook, question: str = "") -> str:
    """The answer and, under it, the documents it cites; when it cites none, the passages whose
    wording it repeats (`attribution.py`), marked as not cited."""
    numbers = cited_numbers(answer, book)
    if numbers:
        return answer.rstrip() + "\n\n*Sources*\n" + "\n".join(_lines(numbers, book))
    matched = drawn_on(answer, question, book.numbered(range(1, len(book) + 1)))
    if matched:
        lines = _lines(matched, book, labelled=False)
        return answer.rstrip() + f"\n\n*Sources* {UNCITED}\n" + "\n".join(lines)
    return answer


def _lines(numbers: Sequence[int], book: PassageBook, *, labelled: bool = True) -> list[str]:
    """One line per document: its passages' numbers, its title, the sections."""
    lines: list[str] = []
    by_document: dict[str, list[tuple[int, Passage]]] = {}
    for number, passage in book.numbered(numbers):
        by_document.setdefault(passage.document, []).append((number, passage))
    for cited in by_document.values():
        labels = "".join(f"[{number}]" for number, _ in cited) + " " if labelled else "• "
        first = cited[0][1]
        sections = []
        for _, passage in cited:
            section = _section(passage)
            if section and section not in sections:
                sections.append(section)
        where = f" › {'; '.join(_escape(s) for s in sections)}" if sections else ""
        lines.append(f"{labels}{_title(first)}{where}")
    return lines


def _section(passage: Passage) -> str:
    """The heading path below the title (a document's first heading is often its title)."""
    heading = list(passage.heading)
    if heading and heading[0].strip().lower() == passage.title.strip().lower():
        heading = heading[1:]
    return " › ".join(heading)


def _title(passage: Passage) -> str:
    title = _escape(passage.title or passage.document)
    return f"[{title}]({passage.url})" if passage.url else title


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
