"""Which links may carry the bot token: Slack's private-file downloads and nothing else.

Pure (no I/O), and judged by the HTTP client's own parsers, because a check that parses
differently from the client can be fooled: for `https://evil.example\\@files.slack.com/x`
`urlsplit` sees Slack, while requests connects to evil.example. So the link is prepared the
way `requests` prepares it, the connection target is read as requests' adapter reads it
(`urlparse` of the prepared URL) and the path as urllib3 sends it (`parse_url`, which also
removes `..` segments); both must agree, and must name an allowed origin and the
`/files-pri/` path. Userinfo, backslashes, whitespace and control characters are refused
outright, as is any port other than the origin's own.

    >>> origins = download_origins("https://slack.com/api/")
    >>> sendable_download_url("https://files.slack.com/files-pri/T1-F1/download/a.csv", origins)
    'https://files.slack.com/files-pri/T1-F1/download/a.csv'
    >>> sendable_download_url("https://slack.com/api/chat.postMessage", origins) is None
    True
"""

from __future__ import annotations

from urllib.parse import urlparse, urlsplit

import requests
from urllib3.util import parse_url

__all__ = ["FILE_PATH", "SLACK_FILE_ORIGIN", "Origin", "download_origins", "sendable_download_url"]

Origin = tuple[str, str, int]  # scheme, lower-case host, port
SLACK_FILE_ORIGIN: Origin = ("https", "files.slack.com", 443)
FILE_PATH = "/files-pri/"  # where url_private(_download) points; the Web API is elsewhere
_SLACK_API_HOST = "slack.com"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def download_origins(slack_api_url: str) -> frozenset[Origin]:
    """Slack's file host, plus the configured Slack's own origin when it is not Slack (the
    local sandbox serves its files where it serves its API)."""
    origins = {SLACK_FILE_ORIGIN}
    api = urlsplit(slack_api_url)
    host = (api.hostname or "").lower()
    scheme = api.scheme.lower()
    if host and host != _SLACK_API_HOST and scheme in _DEFAULT_PORTS:
        origins.add((scheme, host, api.port or _DEFAULT_PORTS[scheme]))
    return frozenset(origins)


def sendable_download_url(url: str, origins: frozenset[Origin]) -> str | None:
    """The URL exactly as requests will send it, if it is a private-file link on an allowed
    origin; otherwise None."""
    if not url or any(ch == "\\" or ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        prepared = requests.Request("GET", url).prepare().url or ""
        sent = parse_url(prepared)
        connect = urlparse(prepared)
        connect_port = connect.port
    except (requests.RequestException, ValueError):
        return None
    scheme = (sent.scheme or "").lower()
    host = (sent.host or "").lower()
    if sent.auth is not None or "@" in connect.netloc or scheme not in _DEFAULT_PORTS:
        return None
    if (connect.scheme.lower(), (connect.hostname or "").lower(), connect_port) != (
        scheme,
        host,
        sent.port,
    ):
        return None  # the two parsers disagree about where this goes
    if (scheme, host, sent.port or _DEFAULT_PORTS[scheme]) not in origins:
        return None
    if not (sent.path or "").startswith(FILE_PATH):
        return None
    return prepared
