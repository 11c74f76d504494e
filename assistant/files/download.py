"""Downloading one Slack file with the bot token: streamed, size-limited, sign-in page aware.

Slack answers a download it will not serve with HTTP 200 and an HTML sign-in page, not an
error, so "no access" is recognised by an HTML body where the file is not HTML (or is not the
size Slack announced). Permanent problems come back as `Downloaded.problem`, written for the
person; transient ones (timeouts, 429, 5xx) raise `TransientDownloadError` so Pub/Sub retries.

The token is sent only to a link `slack_links.sendable_download_url` accepts, and redirects are
followed by hand, each `Location` checked the same way: one that leaves Slack's file server is
not followed at all, with or without the token.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urljoin

import requests
from requests.auth import AuthBase
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from assistant.files.slack_links import download_origins, sendable_download_url
from assistant.mention import SlackFile

__all__ = ["Downloaded", "TransientDownloadError", "download", "file_info", "human_size"]

_CHUNK = 64 * 1024
_TIMEOUT = (5.0, 30.0)  # connect, between bytes
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_NO_ACCESS = "I have no access to it (Slack showed a sign-in page instead of the file)"
_NOT_SLACK = "its download link does not point to Slack"
_REDIRECTED_AWAY = "Slack redirected the download away from its file server"
_TOO_MANY_REDIRECTS = "Slack redirected the download too many times"
_MAX_REDIRECTS = 3
# files.info errors that retrying cannot fix.
_GONE_ERRORS = frozenset({"file_not_found", "file_deleted", "not_visible", "access_denied"})


class TransientDownloadError(Exception):
    """Worth retrying later: the network or Slack failed, not the file."""


@dataclasses.dataclass(frozen=True)
class Downloaded:
    data: bytes = b""
    content_type: str = ""
    problem: str = ""


def human_size(size: int) -> str:
    """Decimal units, as people read file sizes.

    >>> human_size(20_000_000), human_size(2_500_000), human_size(300_000)
    ('20 MB', '2.5 MB', '300 KB')
    """
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1000))} KB"


def download(
    url: str,
    *,
    token: str,
    max_bytes: int,
    expected_mimetype: str = "",
    expected_size: int = 0,
    slack_api_url: str = "https://slack.com/api/",
    session: requests.Session | None = None,
) -> Downloaded:
    too_large = Downloaded(problem=f"it is larger than {human_size(max_bytes)}")
    if expected_size > max_bytes:
        return too_large
    if not url:
        return Downloaded(problem="Slack gave no download link for it")
    origins = download_origins(slack_api_url)
    target = sendable_download_url(url, origins)
    if target is None:
        return Downloaded(problem=_NOT_SLACK)
    http = session or requests.Session()
    try:
        for _hop in range(_MAX_REDIRECTS + 1):
            response = _send(http, target, token)
            if response is None:
                return Downloaded(problem=_NOT_SLACK)
            with response:
                if response.is_redirect:
                    location = urljoin(target, response.headers["Location"])
                    target = sendable_download_url(location, origins)
                    if target is None:
                        return Downloaded(problem=_REDIRECTED_AWAY)
                    continue
                return _read(response, max_bytes, too_large, expected_mimetype, expected_size)
        return Downloaded(problem=_TOO_MANY_REDIRECTS)
    except requests.RequestException as error:  # connection reset, timeout, bad chunking
        raise TransientDownloadError(f"download failed: {type(error).__name__}") from error
    finally:
        if session is None:
            http.close()


class _Bearer(AuthBase):
    """Given as `auth`, so requests consults no `.netrc` that could replace it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


def _send(http: requests.Session, url: str, token: str) -> requests.Response | None:
    """GET exactly the checked URL (None if preparing it would change it), no redirects."""
    prepared = http.prepare_request(requests.Request("GET", url, auth=_Bearer(token)))
    if prepared.url != url:
        return None
    options = http.merge_environment_settings(url, {}, True, None, None)
    return http.send(prepared, timeout=_TIMEOUT, allow_redirects=False, **options)


def _read(
    response: requests.Response,
    max_bytes: int,
    too_large: Downloaded,
    expected_mimetype: str,
    expected_size: int,
) -> Downloaded:
    problem = _status_problem(response.status_code)
    if problem:
        return Downloaded(problem=problem)
    declared = int(response.headers.get("Content-Length") or 0)
    if declared > max_bytes:
        return too_large
    data = bytearray()
    for chunk in response.iter_content(_CHUNK):
        data += chunk
        if len(data) > max_bytes:
            return too_large
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    body = bytes(data)
    if _is_sign_in_page(body, content_type, expected_mimetype, expected_size):
        return Downloaded(problem=_NO_ACCESS)
    return Downloaded(data=body, content_type=content_type or expected_mimetype)


def _status_problem(status: int) -> str:
    if status == 429 or status >= 500:
        raise TransientDownloadError(f"Slack answered HTTP {status}")
    if status in (401, 403):
        return "I have no access to it"
    if status in (404, 410):
        return "it was deleted, or is no longer available"
    if status >= 400:
        return f"Slack refused the download (HTTP {status})"
    return ""


def _is_sign_in_page(body: bytes, content_type: str, expected: str, expected_size: int) -> bool:
    head = body[:512].lstrip().lower()
    looks_html = content_type in _HTML_TYPES or head.startswith((b"<!doctype html", b"<html"))
    if not looks_html:
        return False
    if expected not in _HTML_TYPES:
        return True
    # A real HTML attachment: only the announced size tells it from the sign-in page.
    return bool(expected_size) and len(body) != expected_size


def file_info(client: WebClient, file_id: str) -> SlackFile | None:
    """The full description of a file an event named only by id (`file_access:
    check_file_info`), or None when Slack says it is gone or not visible to the bot."""
    try:
        item = client.files_info(file=file_id)["file"]
    except SlackApiError as error:
        code = error.response.get("error")
        if code in _GONE_ERRORS:
            return None
        raise TransientDownloadError(f"files.info failed: {code}") from error
    except (SlackClientError, OSError) as error:
        raise TransientDownloadError(f"files.info failed: {type(error).__name__}") from error
    return SlackFile(
        id=str(item.get("id") or file_id),
        name=str(item.get("name") or ""),
        mimetype=str(item.get("mimetype") or ""),
        filetype=str(item.get("filetype") or ""),
        size=int(item.get("size") or 0),
        url_private_download=str(item.get("url_private_download") or ""),
    )
