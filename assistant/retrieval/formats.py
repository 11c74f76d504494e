"""A knowledge object's bytes -> its text as Markdown-like structure, or why it is skipped (pure).

Markdown and plain text are read as they are (Markdown front matter gives `title:`/`url:`);
HTML keeps its headings, paragraphs and list items and drops scripts and styles; a PDF's text
comes from the files function's extraction, one `# Page N` section per page. Anything else is
skipped with a reason a person can act on.

    >>> doc = read_document(b"---\\ntitle: Leave\\n---\\n# Annual leave\\n25 days.",
    ...                     name="leave.md")
    >>> doc.format, doc.title, doc.first_heading, doc.text
    ('markdown', 'Leave', 'Annual leave', '# Annual leave\\n25 days.')
    >>> read_document(b"PK\\x03\\x04", name="plan.docx").problem
    'unsupported type (.docx): only Markdown, plain text, HTML and PDF are indexed'
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import PurePosixPath

from assistant.files.extract import Extraction, extract
from assistant.retrieval.chunking import markdown_heading

__all__ = ["MAX_DOCUMENT_CHARS", "Document", "Extract", "read_document", "resolve_source"]

# `files.extract.extract`'s signature: the files function's extraction, in process or isolated.
Extract = Callable[..., Extraction]

MAX_DOCUMENT_CHARS = 3_000_000  # about 750k tokens: a 1,000-page manual, embedded for ~$0.02
_FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
_CONTENT_TYPES = {
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
}
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_PAGE = re.compile(r"^\[Page (\d+)\]$", re.M)
_URL = re.compile(r"^https?://[^\s<>()\[\]]+$")


@dataclasses.dataclass(frozen=True)
class Document:
    format: str = ""  # "markdown", "text", "html", "pdf"; "" when skipped
    text: str = ""
    title: str = ""  # from the document itself (front matter, <title>)
    url: str = ""
    first_heading: str = ""
    problem: str = ""  # why it is skipped
    truncated: bool = False


def read_document(
    data: bytes,
    *,
    name: str,
    content_type: str = "",
    max_chars: int = MAX_DOCUMENT_CHARS,
    extract: Extract = extract,
) -> Document:
    """What is indexed of a document; `extract` reads PDFs and decodes text (the indexer
    passes the files function's limited child process, `files.isolation.IsolatedExtractor`)."""
    kind = _format(data, name, content_type)
    if not kind:
        shown = PurePosixPath(name).suffix.lower() or content_type or "no extension"
        return Document(
            problem=f"unsupported type ({shown}): only Markdown, plain text, HTML and PDF "
            "are indexed"
        )
    extraction = extract(data, name=name, mimetype=content_type, max_chars=max_chars)
    if extraction.kind != "text":
        return Document(problem=extraction.problem or "it has no text to index")
    text, cut = extraction.text, extraction.truncated
    if kind == "markdown":
        return _markdown(text, cut)
    if kind == "html":
        return _html(text, cut)
    if kind == "pdf":
        text = _PAGE.sub(r"# Page \1", text)
        return Document(format="pdf", text=text, truncated=cut)
    return Document(format="text", text=text, first_heading=_first_heading(text), truncated=cut)


def resolve_source(*, metadata: dict[str, str], document: Document, name: str) -> tuple[str, str]:
    """(title, link): the object's custom metadata, else the document's own, else its first
    heading and file name. Only http(s) links are kept."""
    title = (
        metadata.get("title", "").strip()
        or document.title
        or document.first_heading
        or PurePosixPath(name).name
    )
    url = metadata.get("source_url", "").strip() or document.url
    return title[:300], url if _URL.match(url) else ""


def _format(data: bytes, name: str, content_type: str) -> str:
    if data.startswith(b"%PDF-"):
        return "pdf"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _FORMATS:
        return _FORMATS[suffix]
    if suffix:
        return ""  # a known other type (.docx, .png): never guessed from a vague content type
    return _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower(), "")


def _first_heading(text: str) -> str:
    headings = (markdown_heading(line) for line in text.splitlines() if line.startswith("#"))
    return next((title for _, title in filter(None, headings)), "")


def _markdown(text: str, truncated: bool) -> Document:
    fields: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match[1].splitlines():
            key, colon, value = line.partition(":")
            if colon:
                fields[key.strip().lower()] = value.strip().strip("'\"")
        text = text[match.end() :]
    return Document(
        format="markdown",
        text=text,
        title=fields.get("title", ""),
        url=fields.get("url") or fields.get("source_url", ""),
        first_heading=_first_heading(text),
        truncated=truncated,
    )


def _html(text: str, truncated: bool) -> Document:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    body = re.sub(r"\n{3,}", "\n\n", "".join(parser.out)).strip()
    canonical = parser.canonical if _URL.match(parser.canonical) else ""
    return Document(
        format="html",
        text=body,
        title=parser.title.strip(),
        url=canonical,
        first_heading=_first_heading(body),
        truncated=truncated,
    )


_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote",
    "table", "tr", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "form", "hr",
}  # fmt: skip
_SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}


class _HtmlText(HTMLParser):
    """HTML -> Markdown-ish text: headings as `#`, list items as `- `, <pre> fenced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title = ""
        self.canonical = ""
        self._skipping = 0
        self._in_title = False
        self._in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link" and ("rel", "canonical") in attrs:
            self.canonical = dict(attrs).get("href") or ""
        if tag == "title":
            self._in_title = True
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "pre":
            self._in_pre = True
            self.out.append("\n\n```\n")
        elif tag in _BLOCK_TAGS:
            self.out.append("\n\n")
        elif tag in ("td", "th"):
            self.out.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in _BLOCK_TAGS:
            self.out.append("\n\n")
        elif tag == "pre":
            self._in_pre = False
            self.out.append("\n```\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._skipping:
            return
        if self._in_pre:
            self.out.append(data)
            return
        text = re.sub(r"\s+", " ", data)
        if self.out and self.out[-1].endswith(("\n", "# ", "- ")):
            text = text.lstrip()
        self.out.append(text)
