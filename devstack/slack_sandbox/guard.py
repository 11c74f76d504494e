"""Who may use the sandbox: programs on this machine and its own page, no other web page.

While `nox -s dev` runs, every site open in the browser can send requests to loopback. The
admin endpoints have no authentication (local use), so without this a page could read the
prompts, post mentions (spending a real OPENAI_API_KEY) or reset the workspace. Three rules:

- the Host header must name a loopback address (or --host / --public-url) and the port
  served: a DNS-rebinding page reaches 127.0.0.1 under its own name, and is refused;
- a browser request from another origin (`Origin`, `Sec-Fetch-Site`) is refused, except for
  opening the page itself; no CORS header is ever sent, so other origins cannot read answers;
- a POST to `/_sandbox/*` must be `application/json`, which no cross-site form can send.

Programs (slack_sdk, requests, urllib) send no `Origin` and no `Sec-Fetch-*`, so they pass.

    >>> guard = Guard.for_server(host="127.0.0.1", public_url=None)
    >>> guard.refusal(method="GET", path="/_sandbox/state", host="localhost:3300",
    ...               served_port=3300, origin="https://evil.example")
    'cross_origin_refused'
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from aiohttp import web

__all__ = ["Guard", "guard_middleware"]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Requests a browser's own user makes (address bar, bookmark) or the page makes of its origin.
_SAFE_FETCH_SITES = frozenset({"same-origin", "none"})


@dataclasses.dataclass(frozen=True)
class Guard:
    names: frozenset[str]  # host names the sandbox answers to
    public_origin: str | None = None  # --public-url's origin, when the sandbox sits behind one
    public_host: str | None = None  # and the Host header a request through it carries

    @classmethod
    def for_server(cls, *, host: str, public_url: str | None) -> Guard:
        names = set(LOOPBACK_NAMES)
        if host.lower() not in _WILDCARDS:
            names.add(host.lower().strip("[]"))  # --host names an interface: answer to it
        parts = urlsplit(public_url or "")
        if not parts.hostname:
            return cls(frozenset(names))
        netloc = parts.netloc.lower()
        return cls(frozenset(names), f"{parts.scheme}://{netloc}", netloc)

    def refusal(
        self,
        *,
        method: str,
        path: str,
        host: str | None,
        served_port: int | None,
        origin: str | None = None,
        fetch_site: str | None = None,
        content_type: str = "",
        scheme: str = "http",
    ) -> str | None:
        """Why this request is refused, or None."""
        if not self._host_allowed(host, served_port, scheme):
            return "host_not_allowed"
        if not _opens_the_page(method, path):
            if fetch_site is not None and fetch_site.lower() not in _SAFE_FETCH_SITES:
                return "cross_origin_refused"
            if origin is not None and origin.lower() not in self._origins(host, scheme):
                return "cross_origin_refused"
        is_admin_post = method == "POST" and path.startswith("/_sandbox/")
        if is_admin_post and content_type != "application/json":
            return "json_only"
        return None

    def _host_allowed(self, host: str | None, served_port: int | None, scheme: str) -> bool:
        if not host:
            return False
        try:
            parts = urlsplit(f"//{host}")
            port = parts.port or _DEFAULT_PORTS.get(scheme)
        except ValueError:
            return False
        if host.lower() == self.public_host:
            return True
        return (parts.hostname or "").lower() in self.names and port == served_port

    def _origins(self, host: str | None, scheme: str) -> set[str]:
        own = {f"{scheme}://{host}".lower()}
        return own | {self.public_origin} if self.public_origin else own


def _opens_the_page(method: str, path: str) -> bool:
    """The page and its scripts hold nothing private: a link from anywhere may open them."""
    return method in ("GET", "HEAD") and (path == "/" or path.startswith("/static/"))


def guard_middleware(guard: Guard):
    @web.middleware
    async def same_origin_only(request: web.Request, handler):
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        problem = guard.refusal(
            method=request.method,
            path=request.path,
            host=request.headers.get("Host"),
            served_port=sockname[1] if sockname else None,
            origin=request.headers.get("Origin"),
            fetch_site=request.headers.get("Sec-Fetch-Site"),
            content_type=request.content_type,
            scheme=request.scheme,
        )
        if problem is not None:
            status = 415 if problem == "json_only" else 403
            return web.json_response({"ok": False, "error": problem}, status=status)
        return await handler(request)

    return same_origin_only
