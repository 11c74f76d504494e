"""Which web addresses `read_url` may connect to (pure): the SSRF policy.

A URL is checked before anything is resolved (`check_url`: http or https, a host, no
credentials, a numeric host in any spelling read as the address it is), and every address its
host resolves to is checked before a socket is opened (`address_refusal`). Refused: loopback,
private, link-local (the metadata server 169.254.169.254 included), carrier-grade NAT
(100.64.0.0/10), multicast, reserved and unspecified addresses, IPv6 unique-local and
link-local, and each of them hidden inside IPv6 (IPv4-mapped, IPv4-compatible, 6to4, NAT64).
Names that mean this machine or the cloud's metadata server are refused by name as well.

An allowlist (the channel's `web.allowed_hosts`) lets a team (and the tests) reach an internal
host: an entry is a host name, an address, or a network such as `10.20.0.0/16`.

    >>> check_url("http://2130706433/").refusal
    'it points to this machine (127.0.0.1)'
    >>> check_url("http://0x7f.1/").refusal
    'it points to this machine (127.0.0.1)'
    >>> check_url("https://example.com/a?b=1").host
    'example.com'
    >>> address_refusal(ipaddress.ip_address("::ffff:169.254.169.254"))
    'it points to a link-local address (169.254.169.254)'
"""

from __future__ import annotations

import dataclasses
import ipaddress
import urllib.parse
from collections.abc import Iterable

__all__ = ["IPAddress", "Target", "address_refusal", "check_url", "parse_numeric_ipv4"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Names that are this machine or the cloud's metadata server whatever a resolver says.
REFUSED_NAMES = ("localhost", "metadata.google.internal", "metadata")
REFUSED_SUFFIXES = (".localhost", ".internal")
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclasses.dataclass(frozen=True)
class Target:
    """A URL as it will be fetched, or why it will not be (`refusal` non-empty)."""

    url: str
    scheme: str = ""
    host: str = ""  # lower case, IDNA-encoded; an IPv6 address without brackets
    port: int = 0
    path: str = "/"  # with its query
    address: IPAddress | None = None  # the host is an address (in whatever spelling)
    allowed: bool = False  # the host is on the allowlist: no address check
    refusal: str = ""

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def check_url(url: str, allowed_hosts: Iterable[str] = ()) -> Target:
    """The URL's target, refused when it cannot be fetched safely (nothing resolved yet)."""
    url = url.strip()
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return Target(url, refusal="it is not a valid web address")
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return Target(url, refusal="only http and https addresses can be read")
    if parts.username is not None or parts.password is not None:
        return Target(url, refusal="addresses with a user name or password are not read")
    host = _normal_host(parts.hostname or "")
    if not host:
        return Target(url, refusal="it has no host")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    target = Target(url, scheme=scheme, host=host, port=port or DEFAULT_PORTS[scheme], path=path)
    address = _literal_address(host)
    allowed = host_allowed(host, address, allowed_hosts)
    target = dataclasses.replace(target, address=address, allowed=allowed)
    if allowed:
        return target
    if address is not None:
        return dataclasses.replace(target, refusal=address_refusal(address))
    if host in REFUSED_NAMES or host.endswith(REFUSED_SUFFIXES) or "." not in host:
        return dataclasses.replace(target, refusal=f"{host} is an internal name")
    return target


def host_allowed(host: str, address: IPAddress | None, allowed_hosts: Iterable[str]) -> bool:
    """Whether the allowlist names this host, or (given an address) a network holding it."""
    for entry in allowed_hosts:
        entry = _normal_host(entry)
        if entry == host:
            return True
        if address is None:
            continue
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def address_refusal(address: IPAddress) -> str:
    """Why a connection to `address` is refused; "" when it is a public address."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_refusal(embedded)
    shown = str(address)
    if address.is_loopback:
        return f"it points to this machine ({shown})"
    if address.is_link_local:
        return f"it points to a link-local address ({shown})"
    if address.is_unspecified:
        return f"it points to no particular address ({shown})"
    if address.is_multicast:
        return f"it points to a multicast address ({shown})"
    if address in CARRIER_GRADE_NAT:
        return f"it points to a carrier-grade NAT address ({shown})"
    if address.is_reserved:
        return f"it points to a reserved address ({shown})"
    if address.is_private or not address.is_global:
        return f"it points to a private address ({shown})"
    return ""


def parse_numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """A host in any spelling C's inet_aton accepts (what a resolver library may do with it):
    1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last part fills the rest.

    >>> parse_numeric_ipv4("0177.0.0.1"), parse_numeric_ipv4("10.1"), parse_numeric_ipv4("a.b")
    (IPv4Address('127.0.0.1'), IPv4Address('10.0.0.1'), None)
    """
    parts = host.split(".")
    if host.endswith(".") and len(parts) > 1:
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        number = _number(part)
        if number is None:
            return None
        numbers.append(number)
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = 0
    for number in leading:
        value = value * 256 + number
    return ipaddress.IPv4Address(value * 256 ** (5 - len(numbers)) + last)


def _number(part: str) -> int | None:
    try:
        if part.lower().startswith("0x"):
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # a zone index names no other host
    except ValueError:
        return parse_numeric_ipv4(host)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries to the same host (mapped, compatible, 6to4,
    NAT64), or None."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    packed = int(address)
    if address in NAT64 or (packed >> 32 == 0 and packed > 1):  # ::a.b.c.d (not ::, ::1)
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def _normal_host(host: str) -> str:
    host = host.strip().strip("[]").lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return host
