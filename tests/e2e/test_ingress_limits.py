"""What an unauthenticated sender can make ingress do: not hold its body, not crash it, not fill
the logs. Against ingress under functions-framework (gunicorn), as deployed, over raw sockets
where a client library would hide the framing (chunked bodies).

Needs no emulator: nothing here is signed, so nothing is published.
"""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

import pytest
import requests

from devstack.processes import free_port
from devstack.stack import launch_function

LIMIT = 1_000_000  # MAX_REQUEST_BYTES's default
HUGE = 200 * 1024 * 1024
SECRET = "limits-signing-secret"


def _launch(log_dir: Path):
    port = free_port()
    process = launch_function(
        "ingress",
        port=port,
        env={
            "SLACK_SIGNING_SECRET": SECRET,
            "GOOGLE_CLOUD_PROJECT": "limits-project",
            "PUBSUB_EMULATOR_HOST": "127.0.0.1:9",  # never reached: nothing is signed
            "MAX_REQUEST_BYTES": str(LIMIT),
            "LOG_LEVEL": "INFO",
        },
        log_dir=log_dir,
        log_name="ingress",
    )
    return port, process, log_dir / "ingress.log"


@pytest.fixture(scope="module")
def ingress(tmp_path_factory):
    port, process, log = _launch(tmp_path_factory.mktemp("ingress-limits"))
    yield port, process, log
    process.stop()


@pytest.fixture
def fresh_ingress(tmp_path):
    """Its own process: the peak RSS of a worker that has served nothing big yet."""
    port, process, log = _launch(tmp_path)
    yield port, process, log
    process.stop()


def _worker_pid(master: int) -> int:
    """functions-framework runs gunicorn: requests are served by the master's one child."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("no gunicorn worker")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _send_huge(port: int, *, chunked: bool) -> tuple[int, int]:
    """POST a HUGE body, stopping as soon as an answer arrives: (status, bytes sent by then)."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {HUGE}"
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0=00\r\n"
        f"{framing}\r\n\r\n"
    ).encode()
    piece = b" " * 65536
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sent, pending, answer = 0, b"", b""
    try:
        sock.sendall(head)
        sock.setblocking(False)
        deadline = time.monotonic() + 120
        while b"\r\n" not in answer and time.monotonic() < deadline:
            want_write = [sock] if sent < HUGE or pending else []
            readable, writable, _ = select.select([sock], want_write, [], 1)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not data:
                    break
                answer += data
                continue
            if writable:
                if not pending:
                    last = sent + len(piece) >= HUGE
                    pending = frame + (b"0\r\n\r\n" if chunked and last else b"")
                    sent += len(piece)
                try:
                    pending = pending[sock.send(pending) :]
                except (BrokenPipeError, ConnectionResetError):
                    break
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 "), f"no answer after sending {sent} bytes: {answer!r}"
    return int(answer.split()[1]), sent


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_a_huge_unauthenticated_body_is_refused_without_being_read_into_memory(
    fresh_ingress, chunked
):
    port, process, _ = fresh_ingress
    assert requests.post(f"http://127.0.0.1:{port}/", data=b"{}", timeout=10).status_code == 401
    worker = _worker_pid(process.process.pid)
    before = _peak_rss_mb(worker)

    status, sent = _send_huge(port, chunked=chunked)

    growth = _peak_rss_mb(worker) - before
    assert status == 413
    # The answer comes once the limit is passed, not after the sender has sent it all...
    assert sent < HUGE / 4, f"answered only after {sent / 2**20:.0f} MiB had been sent"
    # ...and the worker never held the body (it held all of it before: about 200 MiB more).
    assert growth < 20, f"peak RSS grew by {growth:.0f} MiB"
    assert process.running
    assert requests.post(f"http://127.0.0.1:{port}/", data=b"{}", timeout=10).status_code == 401


@pytest.mark.parametrize(
    "timestamp",
    ["²", "¹²³", "9" * 5000, "1" * 13, "+1700000000", "1_700_000_000"],
    ids=["superscript", "superscripts", "5000-digits", "13-digits", "plus", "underscores"],
)
def test_a_timestamp_that_is_not_a_few_ascii_digits_is_refused_not_crashed(ingress, timestamp):
    port, *_ = ingress
    # Header values go as latin-1: "²" is the single byte 0xB2, which str.isdigit() accepts.
    response = requests.post(
        f"http://127.0.0.1:{port}/",
        data=b"{}",
        headers={"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00"},
        timeout=10,
    )
    assert response.status_code == 401
    assert "Traceback" not in response.text


def test_an_unverified_retry_header_never_reaches_the_log(ingress):
    port, _, log = ingress
    marker = "7" * 6000  # gunicorn refuses header fields above 8190 bytes
    for _ in range(3):
        response = requests.post(
            f"http://127.0.0.1:{port}/",
            data=b"{}",
            headers={
                "X-Slack-Request-Timestamp": str(int(time.time())),
                "X-Slack-Signature": "v0=00",
                "X-Slack-Retry-Num": marker,
            },
            timeout=10,
        )
        assert response.status_code == 401
    time.sleep(0.5)
    text = log.read_text(errors="replace")
    assert "bad or stale signature" in text  # the refusals were logged...
    assert "7777777777" not in text  # ...without the header
    assert max(len(line) for line in text.splitlines()) < 1000
