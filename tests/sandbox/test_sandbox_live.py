"""Watching the workspace (SSE, long poll), state, reset, and the command line."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sandbox_harness import SECRET, TOKEN
from slack_sdk import WebClient

ROOT = Path(__file__).resolve().parents[2]


def read_events(port: int, count: int, ready: threading.Event, out: list, query: str = ""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", f"/_sandbox/stream{query}")
    response = connection.getresponse()
    out.append(response.getheader("Content-Type"))
    kind = None
    while len(out) < count + 1:
        line = response.fp.readline().decode().rstrip("\n")
        if line == ": connected":
            ready.set()
        elif line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            out.append((kind, json.loads(line[6:])))
    connection.close()


def test_the_stream_pushes_each_change_as_it_happens(sandbox):
    ready, seen = threading.Event(), []
    reader = threading.Thread(
        target=read_events,
        args=(
            sandbox.port,
            3,
            ready,
            seen,
            "?kinds=message_posted,message_updated,stream_appended",
        ),
    )
    reader.start()
    assert ready.wait(5)
    client = WebClient(base_url=sandbox.api_url, token=TOKEN)
    ts = client.chat_postMessage(channel="D0ALICE", text="one")["ts"]
    client.chat_update(channel="D0ALICE", ts=ts, text="two")
    stream = client.chat_startStream(channel="D0ALICE", thread_ts=ts)
    client.chat_appendStream(channel="D0ALICE", ts=stream["ts"], markdown_text="more")
    reader.join(5)

    assert seen[0] == "text/event-stream"
    kinds = [kind for kind, _ in seen[1:]]
    assert kinds == ["message_posted", "message_updated", "message_posted"]
    assert seen[2][1]["message"]["text"] == "two"
    assert seen[2][1]["message"]["updates"] == 1


def test_wait_returns_as_soon_as_the_bot_has_answered(sandbox):
    parent = sandbox.post("/_sandbox/messages", {"channel": "C0GENERAL", "text": "<@U0BOT> q"})
    client = WebClient(base_url=sandbox.api_url, token=TOKEN)

    def answer_later():
        time.sleep(0.3)
        client.chat_postMessage(channel="C0GENERAL", thread_ts=parent["ts"], text="the answer")

    threading.Thread(target=answer_later).start()
    started = time.monotonic()
    waited = sandbox.get(
        f"/_sandbox/wait?channel=C0GENERAL&thread_ts={parent['ts']}"
        "&min_replies=1&bot_text_contains=answer&timeout=5"
    )
    assert waited["ok"] is True
    assert 0.25 < time.monotonic() - started < 2
    assert waited["messages"][1]["text"] == "the answer"


def test_wait_times_out_with_what_it_saw(sandbox):
    waited = sandbox.get("/_sandbox/wait?channel=C0RANDOM&min_replies=1&timeout=0.2")
    assert waited == {"ok": False, "error": "timeout", "messages": [], "deliveries": []}


def test_state_shows_the_workspace_and_reset_empties_it(sandbox):
    sandbox.post("/_sandbox/messages", {"channel": "C0GENERAL", "text": "<@U0BOT> hi"})
    state = sandbox.get("/_sandbox/state")
    assert [c["id"] for c in state["channels"]] == [
        "C0GENERAL",
        "C0RANDOM",
        "C0PRIVATE",
        "C0SECRET",
        "C0HIDDEN",
        "C0CONNECT",
        "D0ALICE",
    ]
    assert len(state["messages"]["C0GENERAL"]) == 1

    sandbox.post("/_sandbox/reset")
    state = sandbox.get("/_sandbox/state")
    assert state["messages"]["C0GENERAL"] == [] and state["deliveries"] == []


def test_bad_admin_requests_are_400(sandbox):
    assert (
        sandbox.post("/_sandbox/messages", {"channel": "C0NOPE", "text": "x"})["http_status"] == 400
    )
    assert (
        sandbox.post("/_sandbox/messages", {"channel": "C0GENERAL", "user": "U0BOT", "text": "x"})[
            "http_status"
        ]
        == 400
    )
    assert sandbox.post("/_sandbox/faults", {"error": "x"})["http_status"] == 400
    bob_in_alices_dm = {"channel": "D0ALICE", "user": "U0BOB", "text": "x"}
    assert sandbox.post("/_sandbox/messages", bob_in_alices_dm)["http_status"] == 400


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_cli(data_dir: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "devstack.slack_sandbox",
        "--port",
        str(port),
        "--signing-secret",
        SECRET,
        "--bot-token",
        TOKEN,
        "--data-dir",
        str(data_dir),
        *extra,
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/_sandbox/state", timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail(process.stderr.read().decode())


def stop_cli(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_the_cli_persists_the_workspace_and_fresh_starts_empty(tmp_path):
    process, url = start_cli(tmp_path)
    try:
        client = WebClient(base_url=f"{url}/api/", token=TOKEN)
        ts = client.chat_postMessage(channel="C0GENERAL", text="remember me")["ts"]
        file_id = client.files_upload_v2(channel="C0GENERAL", content=b"x", filename="x.txt")[
            "file"
        ]["id"]
    finally:
        stop_cli(process)
    assert (tmp_path / "workspace.json").exists()

    process, url = start_cli(tmp_path)
    try:
        client = WebClient(base_url=f"{url}/api/", token=TOKEN)
        history = client.conversations_history(channel="C0GENERAL")["messages"]
        assert ts in [m["ts"] for m in history]
        assert client.files_info(file=file_id)["file"]["name"] == "x.txt"
        newer = client.chat_postMessage(channel="C0GENERAL", text="later")["ts"]
        assert float(newer) > float(history[0]["ts"])
    finally:
        stop_cli(process)

    process, url = start_cli(tmp_path, "--fresh")
    try:
        client = WebClient(base_url=f"{url}/api/", token=TOKEN)
        assert client.conversations_history(channel="C0GENERAL")["messages"] == []
    finally:
        stop_cli(process)
