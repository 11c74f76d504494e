"""A web page as text the model can read: fetched (`fetch.py`), HTML through trafilatura, a
PDF (or plain text) through the files' extraction, and kept per thread for a while.

The cache is in memory, per instance, keyed by thread and URL. Not in the bucket: a page is a
third party's content that nobody asked us to keep, a follow-up in the same thread usually
reaches the same instance within minutes, and a redelivered answer replays its tool rounds
from the claim without reading again anyway. Keyed by thread (not by URL alone) because what
may be read depends on the channel (its allowlist) and who is asking: one thread's read is
never another's.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterable

from assistant.files.extract import Extraction, extract
from assistant.web.fetch import Fetched, PageFetcher

__all__ = ["CACHE_SECONDS", "Page", "PageReader", "page_from"]

logger = logging.getLogger(__name__)

CACHE_SECONDS = 15 * 60.0
CACHE_ENTRIES = 256  # pages per instance (each at most MAX_CHARS of text)
MAX_CHARS = 40_000  # of a page's text given to the model
HTML_TYPES = ("text/html", "application/xhtml+xml")

FileReader = Callable[..., Extraction]  # like extract(data, name=, mimetype=, max_chars=)


@dataclasses.dataclass(frozen=True)
class Page:
    url: str  # the final URL, after redirects
    title: str = ""
    text: str = ""
    problem: str = ""  # for the model: why there is no text
    truncated: bool = False
    cached: bool = False


def page_from(fetched: Fetched, read_file: FileReader = extract) -> Page:
    """The text of a fetched body: HTML's main content, or what the files' extraction reads."""
    if fetched.problem:
        return Page(fetched.url, problem=fetched.problem)
    sniffed = fetched.body.lstrip()[:15].lower().startswith(b"<!doctype html")
    if fetched.content_type in HTML_TYPES or (not fetched.content_type and sniffed):
        return _html(fetched)
    name = fetched.url.rsplit("/", 1)[-1] or "page"
    extraction = read_file(fetched.body, name=name, mimetype=fetched.content_type,
                           max_chars=MAX_CHARS)  # fmt: skip
    if extraction.kind != "text":
        problem = extraction.problem or "it is an image"
        return Page(fetched.url, problem=f"I could not read {fetched.url}: {problem}.")
    return Page(fetched.url, title=extraction.detail, text=extraction.text,
                truncated=extraction.truncated)  # fmt: skip


def _html(fetched: Fetched) -> Page:
    import trafilatura  # imported here: only a page read pays for lxml and trafilatura

    try:
        document = trafilatura.bare_extraction(
            fetched.body, url=fetched.url, with_metadata=True, include_tables=True,
            favor_recall=True,
        )  # fmt: skip
    except Exception as error:  # untrusted markup: one bad page is a note, not a failure
        logger.info("page not extracted", extra={"error": repr(error)[:200]})
        document = None
    text = str(getattr(document, "text", "") or "").strip()
    if not text:
        return Page(fetched.url, problem=f"I found no readable text on {fetched.url}.")
    title = str(getattr(document, "title", "") or "").strip()
    return Page(fetched.url, title=title[:300], text=text[:MAX_CHARS],
                truncated=len(text) > MAX_CHARS)  # fmt: skip


class PageReader:
    """read(url, thread=, allowed_hosts=, deadline=) -> Page, a recent read of the same URL in
    the same thread from memory. Only pages that were read are kept: a refusal or a failure
    is decided again next time."""

    def __init__(
        self,
        fetcher: PageFetcher | None = None,
        *,
        read_file: FileReader = extract,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetcher = fetcher or PageFetcher()
        self._read_file = read_file
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: collections.OrderedDict[tuple[str, str], tuple[float, Page]] = (
            collections.OrderedDict()
        )

    def read(
        self,
        url: str,
        *,
        thread: str,
        allowed_hosts: Iterable[str] = (),
        deadline: float = float("inf"),
    ) -> Page:
        key = (thread, url)
        with self._lock:
            kept = self._kept.get(key)
            if kept and self._clock() - kept[0] < CACHE_SECONDS:
                self._kept.move_to_end(key)
                return dataclasses.replace(kept[1], cached=True)
        page = page_from(
            self._fetcher.fetch(url, allowed_hosts=allowed_hosts, deadline=deadline),
            self._read_file,
        )
        if not page.problem:
            with self._lock:
                self._kept[key] = (self._clock(), page)
                while len(self._kept) > CACHE_ENTRIES:
                    self._kept.popitem(last=False)
        return page
