"""Downloading from Slack: the token goes only to Slack, sizes are enforced while streaming,
and a sign-in page is recognised as "no access". Against real local HTTP servers: one stands
in for Slack (it is the configured `SLACK_API_URL`), the other for any other host."""

from __future__ import annotations

import http.server
import threading
from typing import ClassVar

import pytest

from assistant.files.download import TransientDownloadError, download

TOKEN = "xoxb-test"
LOGIN = b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>"
PRI = "/files-pri/T0-F1/download"


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str, bytes, bool]]] = {}
    redirects: ClassVar[dict[str, str]] = {}
    seen_auth: ClassVar[list[str | None]] = []
    seen: ClassVar[list[tuple[str, str | None]]] = []  # (path, Authorization) per request

    def do_GET(self):
        self.seen_auth.append(self.headers.get("Authorization"))
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        missing = (404, "text/plain", b"", False)
        status, content_type, body, chunked = self.routes.get(self.path, missing)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            status, content_type, body, chunked = 200, "text/html", LOGIN, False
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if chunked:  # no Content-Length: the limit must hold while streaming
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 1000):
                piece = body[start : start + 1000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Other(_Handler):
    """Another host: it records what reaches it and serves every path."""

    routes: ClassVar[dict[str, tuple[int, str, bytes, bool]]] = {}
    redirects: ClassVar[dict[str, str]] = {}
    seen_auth: ClassVar[list[str | None]] = []
    seen: ClassVar[list[tuple[str, str | None]]] = []


def _serve(handler):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="module")
def other():
    httpd = _serve(_Other)
    yield httpd.server_address[1]
    httpd.shutdown()


@pytest.fixture(scope="module")
def server(other):
    httpd = _serve(_Handler)
    _Handler.routes = {
        f"{PRI}/sales.csv": (200, "text/csv", b"a,b\n1,2\n", False),
        f"{PRI}/big.bin": (200, "application/octet-stream", b"x" * 5000, False),
        f"{PRI}/big-chunked.bin": (200, "application/octet-stream", b"x" * 5000, True),
        f"{PRI}/page.html": (200, "text/html", b"<!DOCTYPE html><p>real</p>", False),
        f"{PRI}/gone": (404, "text/plain", b"", False),
        f"{PRI}/busy": (503, "text/plain", b"", False),
        f"{PRI}/denied": (403, "text/plain", b"", False),
        "/api/auth.test": (200, "application/json", b'{"ok": true, "user": "bot"}', False),
    }
    _Handler.redirects = {
        f"{PRI}/moved.csv": f"{PRI}/sales.csv",
        f"{PRI}/to-api": "/api/auth.test",
        f"{PRI}/to-other": f"http://localhost:{other}{PRI}/sales.csv",
        f"{PRI}/to-other-port": f"http://127.0.0.1:{other}{PRI}/sales.csv",
        f"{PRI}/loop": f"{PRI}/loop",
    }
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def fetch(server, path, **kwargs):
    options = {"token": TOKEN, "max_bytes": 1000, "slack_api_url": f"{server}/api/"}
    return download(f"{server}{path}", **{**options, **kwargs})


def test_a_file_is_downloaded_with_the_bot_token(server):
    result = fetch(server, f"{PRI}/sales.csv", expected_mimetype="text/csv")
    assert result.data == b"a,b\n1,2\n"
    assert result.content_type == "text/csv"
    assert not result.problem
    assert _Handler.seen_auth[-1] == f"Bearer {TOKEN}"


def test_a_sign_in_page_instead_of_the_file_means_no_access(server):
    result = fetch(server, f"{PRI}/sales.csv", token="xoxb-wrong", expected_mimetype="text/csv")
    assert result.problem.startswith("I have no access to it")
    assert result.data == b""


def test_a_real_html_attachment_is_not_mistaken_for_the_sign_in_page(server):
    body = b"<!DOCTYPE html><p>real</p>"
    result = fetch(
        server, f"{PRI}/page.html", expected_mimetype="text/html", expected_size=len(body)
    )
    assert result.data == body


@pytest.mark.parametrize("path", [f"{PRI}/big.bin", f"{PRI}/big-chunked.bin"])
def test_files_over_the_limit_are_refused_while_streaming(server, path):
    result = fetch(server, path)
    assert result.problem == "it is larger than 1 KB"
    assert result.data == b""


def test_a_size_announced_by_slack_over_the_limit_is_refused_without_a_request(server):
    before = len(_Handler.seen_auth)
    result = fetch(server, f"{PRI}/sales.csv", expected_size=10_000_000)
    assert result.problem == "it is larger than 1 KB"
    assert len(_Handler.seen_auth) == before


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (f"{PRI}/gone", "it was deleted, or is no longer available"),
        (f"{PRI}/denied", "I have no access"),
    ],
)
def test_permanent_http_errors_become_problems(server, path, problem):
    assert fetch(server, path).problem.startswith(problem)


def test_server_errors_are_transient(server):
    with pytest.raises(TransientDownloadError):
        fetch(server, f"{PRI}/busy")


def test_an_unreachable_host_is_transient():
    with pytest.raises(TransientDownloadError):
        download(
            f"http://127.0.0.1:1{PRI}/f.csv",
            token=TOKEN,
            max_bytes=10,
            slack_api_url="http://127.0.0.1:1/api/",
        )


def test_the_token_is_never_sent_outside_slack(server):
    before = len(_Handler.seen_auth)
    result = download(
        f"{server}{PRI}/sales.csv",
        token=TOKEN,
        max_bytes=1000,
        slack_api_url="https://slack.com/api/",
    )
    assert result.problem == "its download link does not point to Slack"
    assert len(_Handler.seen_auth) == before


def tokens_seen_by_other_hosts() -> list[str]:
    return [auth for _path, auth in _Other.seen if auth]


@pytest.mark.parametrize(
    "url",
    [
        # requests connects to the host before the backslash; urlsplit saw the one after it
        "http://localhost:{other}\\@127.0.0.1:{port}" + PRI + "/sales.csv",
        # the configured Slack's host name, but another port
        "http://127.0.0.1:{other}" + PRI + "/sales.csv",
        "http://localhost:{other}" + PRI + "/sales.csv",
    ],
    ids=["backslash-userinfo", "other-port", "other-host"],
)
def test_the_token_never_reaches_another_host(server, other, url):
    _Other.seen.clear()
    port = server.rsplit(":", 1)[1]
    result = download(
        url.format(other=other, port=port),
        token=TOKEN,
        max_bytes=1000,
        slack_api_url=f"{server}/api/",
    )
    assert tokens_seen_by_other_hosts() == []
    assert _Other.seen == []
    assert result.problem == "its download link does not point to Slack"


def test_a_link_outside_the_private_file_path_is_not_requested(server):
    before = len(_Handler.seen)
    result = fetch(server, "/api/auth.test")
    assert result.problem == "its download link does not point to Slack"
    assert len(_Handler.seen) == before


def test_a_redirect_within_slacks_files_is_followed_with_the_token(server):
    result = fetch(server, f"{PRI}/moved.csv", expected_mimetype="text/csv")
    assert result.data == b"a,b\n1,2\n"
    assert _Handler.seen[-1] == (f"{PRI}/sales.csv", f"Bearer {TOKEN}")


def test_a_redirect_to_the_web_api_is_not_followed(server):
    result = fetch(server, f"{PRI}/to-api")
    assert result.problem == "Slack redirected the download away from its file server"
    assert not [seen for seen in _Handler.seen if seen[0].startswith("/api/")]


@pytest.mark.parametrize("path", [f"{PRI}/to-other", f"{PRI}/to-other-port"])
def test_a_redirect_off_slack_is_not_followed_at_all(server, path):
    _Other.seen.clear()
    result = fetch(server, path)
    assert result.problem == "Slack redirected the download away from its file server"
    assert _Other.seen == []


def test_a_redirect_loop_ends(server):
    before = len(_Handler.seen)
    result = fetch(server, f"{PRI}/loop")
    assert result.problem == "Slack redirected the download too many times"
    assert len(_Handler.seen) - before <= 4
