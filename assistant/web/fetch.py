"""Fetching one web page without reaching what the SSRF policy refuses.

The host is resolved once, every address it resolves to is checked (`addresses.py`), and the
socket is opened to the address that was checked: the request keeps the name in its Host
header and, for https, in SNI and the certificate check, but no second lookup happens (a name
that answers a public address to the check and a private one to the connection gains
nothing). Each redirect is checked the same way, at most `FetchLimits.redirects` of them. The
body is read in pieces and given up past `max_bytes`, and the whole fetch (redirects included)
gets `seconds` of wall clock.

Everything goes through `http.client`: `requests`/urllib3 would resolve the name again inside
their pools, which is exactly what must not happen.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import http.client
import logging
import socket
import ssl
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Sequence

from assistant.web.addresses import IPAddress, Target, address_refusal, check_url

__all__ = ["FetchLimits", "Fetched", "PageFetcher", "Resolver", "system_resolver"]

logger = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "slack-assistant-read-url/1.0 (+https://api.slack.com/)"
ACCEPT = "text/html,application/xhtml+xml,application/pdf,text/*;q=0.8,*/*;q=0.5"
_CHUNK = 64 * 1024

Resolver = Callable[[str, int], Sequence[IPAddress]]
_LOOKUPS = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")


@dataclasses.dataclass(frozen=True, kw_only=True)
class FetchLimits:
    max_bytes: int = 3 * 2**20  # a page's body; a larger one is not read
    seconds: float = 15.0  # the whole fetch, redirects included
    redirects: int = 3


@dataclasses.dataclass(frozen=True)
class Fetched:
    """What came back for a URL: the final URL, its body and type, or why nothing did."""

    url: str  # where the body came from (after redirects)
    body: bytes = b""
    content_type: str = ""  # the media type, lower case, without parameters
    charset: str = ""
    status: int = 0
    problem: str = ""  # for the model: why the page was not read ("" when it was)


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives `host`, each once."""
    import ipaddress

    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: dict[IPAddress, None] = {}
    for *_, sockaddr in infos:
        found[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(found)


class PageFetcher:
    def __init__(
        self,
        *,
        limits: FetchLimits = FetchLimits(),
        resolve: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.limits = limits
        self._resolve = resolve
        self._ssl = ssl_context or ssl.create_default_context()

    def fetch(
        self, url: str, *, allowed_hosts: Iterable[str] = (), deadline: float = float("inf")
    ) -> Fetched:
        """The page at `url` (a monotonic `deadline` may shorten the time limit)."""
        allowed = tuple(allowed_hosts)
        until = min(deadline, time.monotonic() + self.limits.seconds)
        for _ in range(self.limits.redirects + 1):
            target = check_url(url, allowed)
            if target.refusal:
                return Fetched(url, problem=f"I may not read {url}: {target.refusal}.")
            try:
                address = self._address(target, until)
                if isinstance(address, str):
                    return Fetched(url, problem=address)
                fetched = self._get(target, address, until)
            except TimeoutError:
                return Fetched(url, problem=f"{url} took too long to answer.")
            except (OSError, http.client.HTTPException) as error:
                logger.info("page fetch failed", extra={"error": repr(error)[:200]})
                reason = type(error).__name__
                return Fetched(url, problem=f"I could not connect to {url} ({reason}).")
            if isinstance(fetched, str):  # a redirect: checked again from the top
                url = urllib.parse.urljoin(url, fetched)
                continue
            return fetched
        return Fetched(url, problem=f"{url} redirects more than {self.limits.redirects} times.")

    def _address(self, target: Target, until: float) -> IPAddress | str:
        """The one address to connect to, or why none may be used."""
        if target.address is not None:
            return target.address
        # getaddrinfo has no timeout of its own: a lookup that hangs is left to finish alone.
        lookup = _LOOKUPS.submit(self._resolve, target.host, target.port)
        try:
            found = list(lookup.result(timeout=_left(until)))
        except TimeoutError:
            raise  # an OSError too, but the time limit's to report
        except (OSError, UnicodeError):
            return f"I could not find the host {target.host}."
        if not found:
            return f"I could not find the host {target.host}."
        if not target.allowed:
            for address in found:  # one bad answer refuses the name: it could be the one used
                refusal = address_refusal(address)
                if refusal:
                    where = refusal.removeprefix("it ")
                    return f"I may not read {target.url}: {target.host} {where}."
        return found[0]

    def _get(self, target: Target, address: IPAddress, until: float) -> Fetched | str:
        """The response to a GET of `target` at `address`; a redirect's Location as a str."""
        connection = _pinned_connection(target, address, _left(until), self._ssl)
        try:
            connection.putrequest("GET", target.path, skip_accept_encoding=True)
            for name, value in (
                ("User-Agent", USER_AGENT),
                ("Accept", ACCEPT),
                ("Accept-Encoding", "identity"),
                ("Connection", "close"),
            ):
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            location = response.getheader("Location")
            if response.status in REDIRECTS and location:
                return location
            return self._body(target, response, until)
        finally:
            connection.close()

    def _body(self, target: Target, response: http.client.HTTPResponse, until: float) -> Fetched:
        url, limit = target.url, self.limits.max_bytes
        media, _, parameters = (response.getheader("Content-Type") or "").partition(";")
        charset = _charset(parameters)
        if response.status >= 400:
            answered = f"{url} answered HTTP {response.status} {response.reason}."
            return Fetched(url, status=response.status, problem=answered)
        too_large = f"{url} is larger than {_size(limit)}, more than I read."
        declared = response.getheader("Content-Length") or ""
        if declared.isdigit() and int(declared) > limit:
            return Fetched(url, status=response.status, problem=too_large)
        body = bytearray()
        while True:
            _set_timeout(response, _left(until))  # each read gets what is left, no more
            piece = response.read1(_CHUNK)
            if not piece:
                break
            body += piece
            if len(body) > limit:
                return Fetched(url, status=response.status, problem=too_large)
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":  # asked for none; a server may compress anyway
            decoded = _decoded(bytes(body), encoding, limit)
            if isinstance(decoded, str):
                problem = too_large if decoded == "too large" else f"{url} {decoded}."
                return Fetched(url, status=response.status, problem=problem)
            body = bytearray(decoded)
        return Fetched(url, bytes(body), media.strip().lower(), charset, response.status)


def _pinned_connection(
    target: Target, address: IPAddress, timeout: float, context: ssl.SSLContext
) -> http.client.HTTPConnection:
    """A connection that names `target.host` (Host header, SNI, certificate) and opens its
    socket to `address`, never looking the name up."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_to_checked(
        _: tuple[str, int], timeout: float, source: tuple[str, int] | None = None
    ) -> socket.socket:
        return socket.create_connection((str(address), target.port), timeout, source)

    connection._create_connection = connect_to_checked  # type: ignore[attr-defined]
    return connection


def _set_timeout(response: http.client.HTTPResponse, seconds: float) -> None:
    sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(seconds)


def _left(until: float) -> float:
    left = until - time.monotonic()
    if left <= 0:
        raise TimeoutError("the page's time is up")
    return left


_ZLIB_WBITS = {"gzip": 16 + 15, "x-gzip": 16 + 15, "deflate": 32 + 15}  # deflate: zlib or gzip


def _decoded(body: bytes, encoding: str, limit: int) -> bytes | str:
    """A compressed body inflated to at most `limit` bytes (a small bomb stays small), or why
    not: "too large", damaged, or an encoding zlib does not speak."""
    wbits = _ZLIB_WBITS.get(encoding)
    if wbits is None:
        return f"came in an encoding I cannot read ({encoding[:40]})"
    inflater = zlib.decompressobj(wbits)
    try:
        inflated = inflater.decompress(body, limit + 1)
    except zlib.error:
        return f"came {encoding}-compressed and damaged"
    return "too large" if len(inflated) > limit or inflater.unconsumed_tail else inflated


def _size(count: int) -> str:
    """3 MB, 4 KB."""
    return f"{count // 2**20} MB" if count % 2**20 == 0 else f"{count // 1024} KB"


def _charset(parameters: str) -> str:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""
