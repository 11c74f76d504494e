"""Web links pasted in a question, read before the model is asked, like an uploaded file (pure).

Which links (`pasted_links`): the http(s) addresses of the question in the order written,
Slack's `<url>` and `<url|label>` forms unwrapped and its `&amp;` undone, each page once
(a `#fragment` names no other page), Slack's own addresses left out (permalinks are
`answer/linked.py`'s, files.slack.com needs a sign-in), at most `MAX_PAGES`. How long they
may take (`reading_seconds`), and how much of the prompt each may fill (`fitted`): the reading
itself is `answer/pasted_pages.py`'s.

    >>> pasted_links("compare <https://a.example/x|the plan> with https://b.example/y.").urls
    ('https://a.example/x', 'https://b.example/y')
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Sequence

from assistant.llm.messages import Message
from assistant.llm.models import ModelSpec
from assistant.llm.tokens import count_message, truncate_text
from assistant.slack.neutralise import urls_in
from assistant.slack.permalinks import find_permalinks
from assistant.web.pages import Page
from assistant.web.tool import MAX_URL_CHARS, framed

__all__ = [
    "MAX_PAGES",
    "PASTED_INTRO",
    "TOKEN_SHARE",
    "Fitted",
    "PastedLinks",
    "fitted",
    "left_for_later",
    "not_read",
    "pasted_links",
    "reading_seconds",
]

MAX_PAGES = 3
TOKEN_SHARE = 0.25  # of the input budget, for every pasted page together
PAGE_SECONDS = 4.0  # for all of them (read at once): a slow page holds the answer no longer
TIME_SHARE = 0.2  # ...nor more than this share of what is left of the answer's time
MIN_SECONDS = 0.5  # less than this left: not worth starting
MIN_USEFUL_TOKENS = 64  # a page cut shorter than this says nothing
PASTED_INTRO = (
    "The question links to this web page; it was read before you were asked (no need to "
    "call read_url for it)."
)
NOT_READ_INTRO = "Web links in the question that could not be read before you were asked:"


@dataclasses.dataclass(frozen=True)
class PastedLinks:
    urls: tuple[str, ...] = ()  # to read now, in the order written
    more: int = 0  # further distinct links, not read before the model runs


def pasted_links(text: str, *, limit: int = MAX_PAGES) -> PastedLinks:
    """The web pages `text` links to, first `limit` of them; Slack's own addresses aside.

    >>> pasted_links("<https://a.example/?q=1&amp;r=2> <https://a.example/?q=1&amp;r=2#top>"
    ...              " https://acme.slack.com/archives/C0123ABC/p1712345678000200").urls
    ('https://a.example/?q=1&r=2',)
    >>> pasted_links("https://a.example https://b.example https://c.example", limit=2)
    PastedLinks(urls=('https://a.example', 'https://b.example'), more=1)
    """
    unlabelled = _without_labels(text)
    found: dict[str, str] = {}  # page (no fragment) -> the address as written first
    for url in sorted(urls_in(unlabelled), key=unlabelled.find):
        address = url.replace("&amp;", "&")
        if not address.lower().startswith(("http://", "https://")) or _is_slack(address):
            continue
        if len(address) <= MAX_URL_CHARS:
            found.setdefault(urllib.parse.urldefrag(address).url, address)
    urls = tuple(found.values())
    return PastedLinks(urls[:limit], max(0, len(urls) - limit))


def reading_seconds(remaining: float) -> float:
    """How long the pasted pages may take, given what is left of the answer's time; 0: none.

    >>> reading_seconds(540.0), reading_seconds(10.0), reading_seconds(2.0)
    (4.0, 2.0, 0.0)
    """
    seconds = min(PAGE_SECONDS, remaining * TIME_SHARE)
    return seconds if seconds >= MIN_SECONDS else 0.0


@dataclasses.dataclass(frozen=True)
class Fitted:
    text: str = ""  # for the model: the page framed as data, "" when it is left out
    note: str = ""  # for the person: what was cut, or why the page is not there


def fitted(page: Page, room: int, spec: ModelSpec) -> Fitted:
    """The page for the prompt within `room` tokens (the message's overhead included): its
    text cut to fit, framed as data; or the note saying why it is not there."""
    if page.problem:
        return Fitted(note=page.problem)
    overhead = count_message(Message.user(_text(dataclasses.replace(page, text=""), True)), spec)
    allowance = room - overhead
    if allowance < MIN_USEFUL_TOKENS:
        return Fitted(note=f"I left out {page.url}: there was no room left for it.")
    text, cut = truncate_text(page.text, allowance, spec)
    shown = dataclasses.replace(page, text=text, truncated=page.truncated or cut)
    if not shown.truncated:
        return Fitted(_text(shown, False))
    return Fitted(_text(shown, True), f"{page.url} is long, so I read only its beginning.")


def left_for_later(more: int) -> str:
    """The note for the links past the cap (the model may still read them with read_url).

    >>> left_for_later(2)
    'I read only the first 3 links before answering; the other 2 only if the answer needed them.'
    """
    if not more:
        return ""
    others = "the other one" if more == 1 else f"the other {more}"
    return (
        f"I read only the first {MAX_PAGES} links before answering; {others} only if the "
        "answer needed them."
    )


def not_read(problems: Sequence[str]) -> str:
    """For the model: the links that could not be read, and why (so it need not try again).

    >>> print(not_read(["https://a.example/ took too long to answer."]))
    Web links in the question that could not be read before you were asked:
    - https://a.example/ took too long to answer.
    """
    return (
        "\n".join((NOT_READ_INTRO, *(f"- {problem}" for problem in problems))) if problems else ""
    )


def _text(page: Page, cut: bool) -> str:
    return f"{PASTED_INTRO}\n{framed(dataclasses.replace(page, truncated=cut))}"


def _without_labels(text: str) -> str:
    """Slack's `<url|label>` as `<url>`: a label is words shown, not a page asked about."""
    pieces = text.split("<")
    for i, piece in enumerate(pieces[1:], 1):
        inside, closed, after = piece.partition(">")
        address, bar, _ = inside.partition("|")
        if closed and bar and address.lower().startswith(("http://", "https://")):
            pieces[i] = f"{address}>{after}"
    return "<".join(pieces)


def _is_slack(url: str) -> bool:
    """A Slack permalink (on any host: the local Slack's are its own), or a Slack address."""
    links, malformed = find_permalinks(url, limit=1)
    try:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:  # not even a URL: read_url's checks say so
        host = ""
    return bool(links or malformed) or host == "slack.com" or host.endswith(".slack.com")
