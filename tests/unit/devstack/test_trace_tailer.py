"""The dev stack's log tailer: which log lines become traces, and how it follows growing,
rewritten and half-written log files, and a sandbox that is not there yet."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from devstack.trace import MAX_CONTENT_CHARS, LogTailer, trace_record


def line(**fields) -> str:
    return json.dumps(fields)


def test_only_json_lines_about_an_event_are_kept():
    assert trace_record("werkzeug: 127.0.0.1 POST /", source="ingress", at=1.0) is None
    assert trace_record(line(message="no event"), source="ingress", at=1.0) is None
    assert trace_record("[1, 2]", source="ingress", at=1.0) is None

    record = trace_record(
        line(message="mention queued", event_id="Ev1", **{"logging.googleapis.com/labels": {}}),
        source="ingress",
        at=2.5,
    )

    assert record == {
        "message": "mention queued",
        "event_id": "Ev1",
        "source": "ingress",
        "at": 2.5,
    }


def test_long_prompt_messages_are_shortened_and_images_elided():
    prompt = [
        {"role": "user", "content": "x" * (MAX_CONTENT_CHARS + 10)},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 9999}},
            ],
        },
    ]

    record = trace_record(
        line(message="model request", event_id="Ev1", prompt=prompt), source="responder", at=0
    )

    first, second = record["prompt"]
    assert first["content"].endswith("… [10 more characters]")
    assert second["content"] == [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": "[image]"},
    ]


@pytest.fixture
def collector():
    """A stand-in for the sandbox's POST /_sandbox/trace; yields (url, records received)."""
    received: list[dict] = []

    class Collector(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.extend(body["records"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/_sandbox/trace", received
    server.shutdown()


def test_new_complete_lines_are_sent_once_and_a_rewritten_log_is_read_from_the_start(
    tmp_path, collector
):
    url, received = collector
    log = tmp_path / "responder.log"
    tailer = LogTailer(log_dir=tmp_path, sources=("responder", "files"), trace_url=url)

    log.write_text(line(message="a", event_id="Ev1") + "\n" + '{"message": "b", "ev')
    assert tailer.poll() == 1
    with log.open("a") as file:
        file.write('ent_id": "Ev1"}\n')
    assert tailer.poll() == 1
    assert tailer.poll() == 0
    log.write_text(line(message="after restart", event_id="Ev2") + "\n")  # truncated, rewritten
    assert tailer.poll() == 1

    assert [(r["message"], r["source"]) for r in received] == [
        ("a", "responder"),
        ("b", "responder"),
        ("after restart", "responder"),
    ]


def test_records_wait_for_a_sandbox_that_is_not_up_yet(tmp_path, collector):
    url, received = collector
    (tmp_path / "ingress.log").write_text(line(message="queued", event_id="Ev1") + "\n")
    offline = LogTailer(log_dir=tmp_path, sources=("ingress",), trace_url="http://127.0.0.1:9/x")
    assert offline.poll() == 0

    offline.trace_url = url
    assert offline.poll() == 1
    assert [r["message"] for r in received] == ["queued"]


def test_the_thread_follows_the_logs_until_stopped(tmp_path, collector):
    url, received = collector
    tailer = LogTailer(log_dir=tmp_path, sources=("files",), trace_url=url, interval=0.01).start()
    (tmp_path / "files.log").write_text(line(message="file mirrored", event_id="Ev1") + "\n")
    try:
        for _ in range(500):
            if received:
                break
            threading.Event().wait(0.01)
    finally:
        tailer.stop()

    assert [r["message"] for r in received] == ["file mirrored"]
    assert not tailer._thread.is_alive()
