"""A local stand-in of Brave's Web Search API, for `nox -s dev` and the tests.

It speaks the wire format `assistant/web/search_api.py` relies on: `GET /res/v1/web/search`
with `q`, `count` and the `X-Subscription-Token` header; 200 with `web.results[]` (`title`,
`url`, `description` with `<strong>` around the query's words, as Brave marks them) and the
X-RateLimit-* headers; 422 `SUBSCRIPTION_TOKEN_INVALID` for a wrong key or a bad query; 429
`RATE_LIMITED` with `X-RateLimit-Reset` when a test scripts one. Its results are made from the
query and point back at it (`/pages/<words>-<n>`), where a short HTML page about those words
is served, so `read_url` can open them where 127.0.0.1 is allowlisted.

A test scripts the next replies (`StandInReply`: a status, headers, a body, a delay) with
`script(...)`; each request takes the next one, then the made-up results resume.

    python -m devstack.web_search_stand_in --port 8932 --key local-search-key
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import html
import http.server
import json
import re
import threading
import time
import urllib.parse
from email.message import Message
from typing import Any

__all__ = [
    "PATH",
    "StandInReply",
    "WebSearchStandIn",
    "page_path",
    "rate_limited",
    "results_for",
]

PATH = "/res/v1/web/search"
RESULTS = 8  # made-up results per query at most
_LIMIT_HEADERS = {"X-RateLimit-Limit": "1, 15000", "X-RateLimit-Policy": "1;w=1, 15000;w=2592000"}


@dataclasses.dataclass(frozen=True)
class StandInReply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    delay: float = 0.0  # seconds before the response (a provider that does not answer)


def _error(status: int, code: str, detail: str, **headers: str) -> StandInReply:
    body = {"type": "ErrorResponse", "error": {"status": status, "code": code, "detail": detail}}
    return StandInReply(status, json.dumps(body).encode(),
                        (("Content-Type", "application/json"), *headers.items()))  # fmt: skip


def rate_limited(reset: str = "1, 1419704") -> StandInReply:
    """Brave's 429: the per-second window's reset first, then the month's."""
    return _error(429, "RATE_LIMITED", "Request rate limit exceeded for plan.",
                  **_LIMIT_HEADERS, **{"X-RateLimit-Remaining": "0, 14999",
                                       "X-RateLimit-Reset": reset})  # fmt: skip


def page_path(query: str, number: int) -> str:
    """Where result `number` (from 1) for `query` points, on this server."""
    words = re.findall(r"\w+", query.lower())[:6] or ["page"]
    return f"/pages/{'-'.join(words)}-{number}"


def results_for(query: str, count: int, base: str) -> dict[str, Any]:
    """Brave's 200 body for `query`: `count` made-up results (at most RESULTS)."""
    shown = html.escape(query)
    results = [
        {
            "type": "search_result",
            "title": f"{query.title()} – result {number}",
            "url": base + page_path(query, number),
            "description": f"What the web says about <strong>{shown}</strong>, part {number}, "
            "from the local search stand-in.",
            "language": "en",
            "family_friendly": True,
        }
        for number in range(1, min(count, RESULTS) + 1)
    ]
    return {
        "type": "search",
        "query": {"original": query, "more_results_available": False},
        "web": {"type": "search", "results": results, "family_friendly": True},
    }


class WebSearchStandIn:
    """The stand-in on a free loopback port (or `port`), in a thread of this process."""

    def __init__(self, *, key: str = "stand-in-key", port: int = 0) -> None:
        self.key = key
        # Each search: its query string's parameters, the token and the Accept header sent.
        self.requests: list[dict[str, Any]] = []
        self._scripted: list[StandInReply] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                reply = owner.reply(self.path, self.headers)
                time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up: what timeouts are for
                    self.wfile.write(reply.body)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

        self._server = Server(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """What WEB_SEARCH_URL is set to."""
        return self.base + PATH

    def script(self, *replies: StandInReply) -> None:
        with self._lock:
            self._scripted.extend(replies)

    def reply(self, path: str, headers: Message) -> StandInReply:
        """The answer to a GET of `path` (`headers` looked up case-insensitively)."""
        parts = urllib.parse.urlsplit(path)
        if parts.path.startswith("/pages/"):
            return _page(parts.path)
        if parts.path != PATH:
            return _error(404, "NOT_FOUND", "Resource not found.")
        query = dict(urllib.parse.parse_qsl(parts.query))
        token = headers.get("X-Subscription-Token", "")
        with self._lock:
            self.requests.append({**query, "token": token, "accept": headers.get("Accept", "")})
            if self._scripted:
                return self._scripted.pop(0)
        if token != self.key:
            return _error(422, "SUBSCRIPTION_TOKEN_INVALID", "The provided subscription token "
                          "is invalid.")  # fmt: skip
        q = query.get("q", "")
        if not q.strip() or len(q) > 400 or len(q.split()) > 50:
            return _error(422, "VALIDATION", "Unable to validate request parameter(s).")
        count = int(query["count"]) if query.get("count", "").isdigit() else 20
        body = json.dumps(results_for(q, max(1, min(count, 20)), self.base)).encode()
        headers = {
            **_LIMIT_HEADERS,
            "X-RateLimit-Remaining": "1, 14999",
            "X-RateLimit-Reset": "1, 1419704",
            "Content-Type": "application/json",
        }
        return StandInReply(200, body, tuple(headers.items()))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _page(path: str) -> StandInReply:
    words = path.removeprefix("/pages/").rsplit("-", 1)[0].replace("-", " ")
    text = html.escape(words)
    body = (
        f"<!doctype html><html><head><title>About {text}</title></head><body><article>"
        f"<h1>About {text}</h1><p>This page of the local search stand-in is about {text}. "
        "It is what a search result opens to, so that reading one can be shown end to end."
        "</p></article></body></html>"
    )
    return StandInReply(200, body.encode(), (("Content-Type", "text/html; charset=utf-8"),))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True, help="the X-Subscription-Token it accepts")
    args = parser.parse_args(argv)
    server = WebSearchStandIn(key=args.key, port=args.port)
    print(f"web search stand-in at {server.url}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
