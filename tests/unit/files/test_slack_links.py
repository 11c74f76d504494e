"""Which download links may carry the bot token: exactly Slack's file host and its private-file
path (plus the configured local Slack), judged by the HTTP client's own parser."""

from __future__ import annotations

import pytest

from assistant.files.slack_links import download_origins, sendable_download_url

SLACK = "https://slack.com/api/"
SANDBOX = "http://127.0.0.1:3300/api/"
FILE = "/files-pri/T0-F1/download/sales.csv"


def allowed(url: str, api: str = SLACK) -> str | None:
    return sendable_download_url(url, download_origins(api))


@pytest.mark.parametrize(
    "url",
    [
        f"https://files.slack.com{FILE}",
        f"https://files.slack.com:443{FILE}",  # the default port, spelled out
        f"https://FILES.Slack.com{FILE}",  # host names are case-insensitive
        "https://files.slack.com/files-pri/T0-F1/download/r%C3%A9sum%C3%A9%20v2.pdf",
    ],
)
def test_slack_file_links_are_allowed(url):
    assert allowed(url) is not None


def test_the_url_sent_is_the_one_the_client_will_send():
    assert allowed(f"https://files.slack.com:443{FILE}") == f"https://files.slack.com:443{FILE}"
    assert allowed("https://files.slack.com/files-pri/a b") is None


@pytest.mark.parametrize(
    "url",
    [
        # requests sends these to evil.example, whatever urlsplit says
        f"https://evil.example\\@files.slack.com{FILE}",
        f"https://files.slack.com\\@evil.example{FILE}",
        f"https://evil.example%5C@files.slack.com{FILE}",
        # userinfo, whitespace, control characters
        f"https://user@files.slack.com{FILE}",
        f"https://user:secret@files.slack.com{FILE}",
        f"https://files.slack.com {FILE}",
        f"https://files.slack.com\t{FILE}",
        f" https://files.slack.com{FILE}",
        f"https://files.slack.com{FILE}\n",
        # other Slack hosts and the Web API: a "download" must not be an API call
        "https://slack.com/api/chat.postMessage",
        "https://files.slack.com/api/chat.postMessage",
        f"https://slack.com{FILE}",
        f"https://team.slack.com{FILE}",
        f"https://evil.slack.com{FILE}",
        f"https://files.slack.com.evil.example{FILE}",
        f"https://files.slack.com.{FILE}",
        # paths that leave /files-pri/ once the client normalises them
        "https://files.slack.com/files-pri/../api/chat.postMessage",
        "https://files.slack.com/files-pri/%2e%2e/api/chat.postMessage",
        "https://files.slack.com/files-pri",
        "https://files.slack.com/files-private/x",
        # other schemes and ports
        f"http://files.slack.com{FILE}",
        f"https://files.slack.com:8443{FILE}",
        f"https://files.slack.com:80{FILE}",
        f"ftp://files.slack.com{FILE}",
        "",
        "files.slack.com/files-pri/x",
        "https://[::1]/files-pri/x",
    ],
)
def test_everything_else_is_refused(url):
    assert allowed(url) is None


def test_the_local_slack_is_allowed_only_at_its_own_origin_and_file_path():
    assert allowed(f"http://127.0.0.1:3300{FILE}", SANDBOX) is not None
    assert allowed(f"https://files.slack.com{FILE}", SANDBOX) is not None
    for url in (
        f"http://127.0.0.1:3301{FILE}",  # same host, another port
        f"http://localhost:3300{FILE}",
        f"https://127.0.0.1:3300{FILE}",
        "http://127.0.0.1:3300/api/chat.postMessage",
        f"http://localhost:3301\\@127.0.0.1:3300{FILE}",
    ):
        assert allowed(url, SANDBOX) is None, url


def test_slacks_own_api_host_adds_no_download_origin():
    assert download_origins(SLACK) == download_origins("https://slack.com/api")
    assert allowed(f"https://slack.com{FILE}") is None
