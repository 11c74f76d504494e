"""A real HTTP server on loopback for the web tests: it serves what a test routes to a path and
records every connection it accepts, so a refused fetch can be shown to have reached nothing."""

from __future__ import annotations

import http.server
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["PagesServer", "Route"]

Route = tuple[int, dict[str, str], bytes | Callable[[], Iterator[bytes]]]


class PagesServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.connections = 0
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        self.delay = 0.0  # seconds before each response
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                owner.requests.append((self.path, self.headers.get("Host", "")))
                time.sleep(owner.delay)
                status, headers, body = owner.routes.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if isinstance(body, bytes):
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for piece in body():
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass  # the reader gave up: what a limit is for

            def log_message(self, *args: Any) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request: Any, client_address: Any) -> bool:
                owner.connections += 1
                return True

        self._server = Server(("127.0.0.1", 0), Handler)
        if tls is not None:  # https: the handshake happens as each connection is accepted
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def html(self, path: str, body: str, **headers: str) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8", **headers}
        self.routes[path] = (200, headers, body.encode())

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = (status, {"Location": location}, b"")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
