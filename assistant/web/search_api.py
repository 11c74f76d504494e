"""Brave Search's Web Search API: the one search provider, and `web_search`'s client.

Why Brave: its own index of the web (not resold results of another engine), one documented GET
with one header that answers plain JSON, and only successful requests billed (docs/web-pages.md
weighs the others).

The wire format relied on, as Brave documents it (api-dashboard.search.brave.com:
api-reference/web/search/get; documentation/web-search/responses and /response-headers):

- `GET {WEB_SEARCH_URL}?q=…&count=…` with `X-Subscription-Token: <key>` and
  `Accept: application/json`; `q` at most 400 characters and 50 words, `count` 1–20;
- 200: `{"type": "search", "web": {"results": [{"title", "url", "description", …}]}, …}`; a
  section with nothing in it is left out, `web` included;
- 429 when rate-limited, with `X-RateLimit-Reset: <seconds>, <seconds>` (the per-second
  window's, then the month's); an invalid key is a 422 whose JSON `error.code` is
  `SUBSCRIPTION_TOKEN_INVALID` (seen in nearai/ironclaw#2780).

A call gets `SearchLimits.seconds` of wall clock within the answer's deadline; a 429 or a 5xx is
tried again at most `attempts` times in all, after Retry-After (or X-RateLimit-Reset) when that
fits the time left. Every failure is `SearchUnavailable` with a reason the model may read: no
key, no URL, never the provider's body.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from assistant.config import SecretOnUse, Settings
from assistant.settings_registry import WEB_SEARCH_API_KEY

__all__ = [
    "BraveSearch",
    "SearchLimits",
    "SearchResult",
    "SearchUnavailable",
    "parse_results",
    "retry_wait",
    "search_request",
]

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 400  # Brave's limits on `q`
MAX_QUERY_WORDS = 50
_CHUNK = 64 * 1024
_MIN_SECONDS = 0.5  # less than this left: not worth a request


class SearchUnavailable(Exception):
    """The search could not be done; the message is safe for the model (no key, no body)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SearchLimits:
    results: int = 5  # asked for and kept per search
    seconds: float = 10.0  # one search, its retries and waits included
    attempts: int = 3  # requests per search at most (429 and 5xx are tried again)
    max_wait: float = 4.0  # the longest Retry-After worth waiting for
    max_bytes: int = 2 * 2**20  # of the response body


@dataclasses.dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    snippet: str  # Brave's `description`: may hold <strong> and entities (search.py cleans it)


def search_request(endpoint: str, key: str, query: str, *, count: int) -> urllib.request.Request:
    """The GET Brave documents, the query cut to its limits.

    >>> request = search_request("https://s.example/res/v1/web/search", "k", "a b", count=5)
    >>> request.full_url, request.get_header("X-subscription-token")
    ('https://s.example/res/v1/web/search?q=a+b&count=5', 'k')
    """
    words = query.split()[:MAX_QUERY_WORDS]
    q = " ".join(words)[:MAX_QUERY_CHARS]
    url = endpoint + "?" + urllib.parse.urlencode({"q": q, "count": max(1, min(count, 20))})
    headers = {"Accept": "application/json", "X-Subscription-Token": key}
    return urllib.request.Request(url, headers=headers, method="GET")


def parse_results(body: bytes) -> list[SearchResult]:
    """`web.results` of a 200's body; an entry without a string `url` is skipped, a missing
    title or description is empty. Raises SearchUnavailable for a body that is no JSON object.

    >>> parse_results(b'{"type": "search"}')  # no web results: no `web` section
    []
    >>> parse_results(b'{"web": {"results": [{"url": "https://a.example", "title": "A"}, {}]}}')
    [SearchResult(title='A', url='https://a.example', snippet='')]
    """
    try:
        data = json.loads(body)
    except ValueError:
        raise SearchUnavailable("the search provider's answer was not JSON") from None
    if not isinstance(data, dict):
        raise SearchUnavailable("the search provider's answer was not a JSON object")
    web = data.get("web")
    results = web.get("results") if isinstance(web, dict) else None
    found = []
    for item in results if isinstance(results, list) else ():
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            found.append(SearchResult(_text(item.get("title")), item["url"],
                                      _text(item.get("description"))))  # fmt: skip
    return found


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def retry_wait(status: int, headers: Mapping[str, str], attempt: int) -> float | None:
    """Seconds to wait before trying again after `status`, or None: not worth trying again.

    >>> retry_wait(429, {"X-RateLimit-Reset": "1, 1419704"}, 1), retry_wait(503, {}, 2)
    (1.0, 1.0)
    >>> retry_wait(429, {"Retry-After": "2"}, 1), retry_wait(422, {}, 1)
    (2.0, None)
    """
    if status != 429 and status < 500:
        return None
    for name in ("Retry-After", "X-RateLimit-Reset"):
        first = (headers.get(name) or "").split(",")[0].strip()
        try:
            return max(0.0, float(first))
        except ValueError:
            continue
    return 0.5 * 2 ** (attempt - 1)  # a 5xx without advice: 0.5 s, then 1 s


class BraveSearch:
    """search(query, deadline=) -> results, with the key read on each use (`SecretOnUse`):
    `configured()` is whether there is one now."""

    def __init__(
        self,
        *,
        endpoint: str,
        key: Callable[[], str],
        limits: SearchLimits = SearchLimits(),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._endpoint = endpoint
        self._key = key
        self.limits = limits
        self._sleep = sleep
        # Straight to the provider, as read_url's fetches go: no proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @classmethod
    def from_settings(cls, settings: Settings) -> BraveSearch:
        """As deployed: WEB_SEARCH_URL, and WEB_SEARCH_API_KEY read on each use (a new version
        of its secret counts at once; its placeholder is no key)."""
        return cls(endpoint=settings.web_search_url, key=SecretOnUse(WEB_SEARCH_API_KEY))

    def configured(self) -> bool:
        return bool(self._key())

    def search(self, query: str, *, deadline: float = float("inf")) -> list[SearchResult]:
        key = self._key()
        if not key:
            raise SearchUnavailable("no search key is configured")
        request = search_request(self._endpoint, key, query, count=self.limits.results)
        until = min(deadline, time.monotonic() + self.limits.seconds)
        for attempt in range(1, self.limits.attempts + 1):
            status, headers, body = self._get(request, until)
            if status == 200:
                return parse_results(body)[: self.limits.results]
            wait = retry_wait(status, headers, attempt)
            logger.info("web search refused", extra={"status": status, "attempt": attempt,
                                                     "wait": wait})  # fmt: skip
            if wait is None or wait > self.limits.max_wait or attempt == self.limits.attempts:
                raise SearchUnavailable(_refusal(status, body))
            if time.monotonic() + wait > until - _MIN_SECONDS:
                raise SearchUnavailable(f"{_refusal(status, body)}, and no time is left to wait")
            self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _get(self, request: urllib.request.Request, until: float) -> tuple[int, Any, bytes]:
        """(status, headers, body) of one GET; raises SearchUnavailable when none came."""
        left = until - time.monotonic()
        if left < _MIN_SECONDS:
            raise SearchUnavailable("no time was left for the search")
        try:
            try:
                response = self._opener.open(request, timeout=left)
            except urllib.error.HTTPError as error:  # a non-2xx status: its body says why
                response = error
            with response:
                return response.status, response.headers, self._body(response, until)
        except TimeoutError:
            raise SearchUnavailable("the search provider did not answer in time") from None
        except (OSError, ValueError, http.client.HTTPException) as error:
            # URLError (refused, reset, no such host), a bad endpoint, a broken response.
            reason = getattr(error, "reason", error)
            logger.info("web search request failed", extra={"error": repr(reason)[:200]})
            if isinstance(reason, TimeoutError):
                raise SearchUnavailable("the search provider did not answer in time") from None
            raise SearchUnavailable(
                f"the search provider could not be reached ({type(reason).__name__})"
            ) from None

    def _body(self, response: Any, until: float) -> bytes:
        body = bytearray()
        while piece := response.read(_CHUNK):
            body += piece
            if len(body) > self.limits.max_bytes:
                raise SearchUnavailable("the search provider's answer was too large")
            if time.monotonic() > until:
                raise SearchUnavailable("the search provider did not answer in time")
        return bytes(body)


def _refusal(status: int, body: bytes) -> str:
    """Why, in words: the status and Brave's error code (a fixed word, never free text)."""
    code = ""
    try:
        error = json.loads(body).get("error")
        code = error.get("code", "") if isinstance(error, dict) else ""
    except (ValueError, AttributeError):
        pass
    word = code if isinstance(code, str) and code.replace("_", "").isalnum() else ""
    if status == 429:
        return "the search provider's rate limit was reached"
    return f"the search provider answered HTTP {status}" + (f" ({word[:60]})" if word else "")
