"""Downloading from Slack: the token goes only to Slack, sizes are enforced while streaming,
and a sign-in page is recognised as "no access". Against a real local HTTP server."""

from __future__ import annotations

import http.server
import threading
from typing import ClassVar

import pytest

from assistant.files.download import TransientDownloadError, download

TOKEN = "xoxb-test"
LOGIN = b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>"


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str, bytes, bool]]] = {}
    seen_auth: ClassVar[list[str | None]] = []

    def do_GET(self):
        self.seen_auth.append(self.headers.get("Authorization"))
        status, content_type, body, chunked = self.routes.get(self.path, (404, "text/plain", b""))
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


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.routes = {
        "/f/sales.csv": (200, "text/csv", b"a,b\n1,2\n", False),
        "/f/big.bin": (200, "application/octet-stream", b"x" * 5000, False),
        "/f/big-chunked.bin": (200, "application/octet-stream", b"x" * 5000, True),
        "/f/page.html": (200, "text/html", b"<!DOCTYPE html><p>real</p>", False),
        "/f/gone": (404, "text/plain", b"", False),
        "/f/busy": (503, "text/plain", b"", False),
        "/f/denied": (403, "text/plain", b"", False),
    }
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def fetch(server, path, **kwargs):
    options = {"token": TOKEN, "max_bytes": 1000, "slack_api_url": f"{server}/api/"}
    return download(f"{server}{path}", **{**options, **kwargs})


def test_a_file_is_downloaded_with_the_bot_token(server):
    result = fetch(server, "/f/sales.csv", expected_mimetype="text/csv")
    assert result.data == b"a,b\n1,2\n"
    assert result.content_type == "text/csv"
    assert not result.problem
    assert _Handler.seen_auth[-1] == f"Bearer {TOKEN}"


def test_a_sign_in_page_instead_of_the_file_means_no_access(server):
    result = fetch(server, "/f/sales.csv", token="xoxb-wrong", expected_mimetype="text/csv")
    assert result.problem.startswith("I have no access to it")
    assert result.data == b""


def test_a_real_html_attachment_is_not_mistaken_for_the_sign_in_page(server):
    body = b"<!DOCTYPE html><p>real</p>"
    result = fetch(server, "/f/page.html", expected_mimetype="text/html", expected_size=len(body))
    assert result.data == body


@pytest.mark.parametrize("path", ["/f/big.bin", "/f/big-chunked.bin"])
def test_files_over_the_limit_are_refused_while_streaming(server, path):
    result = fetch(server, path)
    assert result.problem == "it is larger than 1 KB"
    assert result.data == b""


def test_a_size_announced_by_slack_over_the_limit_is_refused_without_a_request(server):
    before = len(_Handler.seen_auth)
    result = fetch(server, "/f/sales.csv", expected_size=10_000_000)
    assert result.problem == "it is larger than 1 KB"
    assert len(_Handler.seen_auth) == before


@pytest.mark.parametrize(
    ("path", "problem"),
    [("/f/gone", "it was deleted, or is no longer available"), ("/f/denied", "I have no access")],
)
def test_permanent_http_errors_become_problems(server, path, problem):
    assert fetch(server, path).problem.startswith(problem)


def test_server_errors_are_transient(server):
    with pytest.raises(TransientDownloadError):
        fetch(server, "/f/busy")


def test_an_unreachable_host_is_transient():
    with pytest.raises(TransientDownloadError):
        download(
            "http://127.0.0.1:1/f.csv",
            token=TOKEN,
            max_bytes=10,
            slack_api_url="http://127.0.0.1:1/api/",
        )


def test_the_token_is_never_sent_outside_slack(server):
    before = len(_Handler.seen_auth)
    result = download(
        f"{server}/f/sales.csv", token=TOKEN, max_bytes=1000, slack_api_url="https://slack.com/api/"
    )
    assert result.problem == "its download link does not point to Slack"
    assert len(_Handler.seen_auth) == before
