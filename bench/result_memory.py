"""The responder's memory with eight maximal code results at once (issue 24, item 9).

Eight `run_python` calls of eight threads end together, each bringing back the most a run may
return (two files of `MAX_OUTPUT_FILE_BYTES`, `MAX_OUTPUT_BYTES` in all); the responder stores
every file in Cloud Storage (the emulator) and posts it to Slack (the local sandbox). The
measured process is the responder's code alone, in a fresh interpreter: the executor stand-in,
the emulator and Slack run in other processes. It reports the process's resident memory before
the calls and its peak (VmHWM) during them, against the responder's 512 MiB.

The same child runs against another checkout's `assistant` (`--tree`) with the executor
stand-in answering in the older JSON-and-base64 format, for the figure before the change:

    python -m bench.result_memory --tree /path/to/older/checkout --format json
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RESPONDER_LIMIT_MIB = 512
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "8"))
FILE_BYTES = 10_000_000  # MAX_OUTPUT_FILE_BYTES; two of them are MAX_OUTPUT_BYTES
BUCKET = "bench-files"
MIB = 1024**2


def run(log_dir: Path) -> dict:
    return measure(log_dir, tree=REPO_ROOT, answer_format="stream")


def measure(log_dir: Path, *, tree: Path, answer_format: str) -> dict:
    from devstack.emulators import start_storage
    from devstack.processes import free_port, wait_for_http

    log_dir.mkdir(parents=True, exist_ok=True)
    storage, storage_url = start_storage(log_dir, bucket=BUCKET)
    slack_port, executor_port = free_port(), free_port()
    token = "xoxb-bench-memory"
    with open(log_dir / "slack.log", "wb") as slack_log, open(log_dir / "exec.log", "wb") as log:
        slack_args = ["--port", str(slack_port), "--signing-secret", "s", "--bot-token", token]
        slack = subprocess.Popen(
            [sys.executable, "-m", "devstack.slack_sandbox", *slack_args, "--fresh"],
            cwd=REPO_ROOT,
            stdout=slack_log,
            stderr=subprocess.STDOUT,
        )
        executor = subprocess.Popen(
            [sys.executable, __file__, "executor", str(executor_port), answer_format],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{slack_port}/api/api.test", timeout=30)
            wait_for_http(f"http://127.0.0.1:{executor_port}/", timeout=30)
            env = {
                **os.environ,
                "PYTHONPATH": str(tree),
                "STORAGE_EMULATOR_HOST": storage_url,
            }
            urls = (f"http://127.0.0.1:{executor_port}/", f"http://127.0.0.1:{slack_port}/api/")
            child = subprocess.run(
                [sys.executable, __file__, "child", *urls, token],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        finally:
            for process in (slack, executor):
                process.terminate()
                process.wait(timeout=10)
            storage.stop()
    if child.returncode != 0:
        raise RuntimeError(f"the measured responder failed: {child.stderr[-2000:]}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    return {"format": answer_format, **figures, "limit_mib": RESPONDER_LIMIT_MIB}


# --- the measured responder (a fresh interpreter; `assistant` from the tree on PYTHONPATH) ---


def _child(executor_url: str, slack_url: str, token: str) -> None:
    import threading

    import assistant.answer.wiring  # noqa: F401  # the responder's modules, as deployed
    from assistant.executor.client import ExecutorClient
    from assistant.executor.tool import CodeRuns
    from assistant.files.store import BucketStore, storage_client
    from assistant.mention import Mention
    from assistant.slack.reply import slack_client

    slack = slack_client(token, slack_url)
    runs = CodeRuns(
        client=ExecutorClient(executor_url),
        store=lambda: BucketStore(storage_client("bench"), BUCKET),
        slack=slack,
        timeout_seconds=60,
    )

    def mention(number: int) -> Mention:
        ts = slack.chat_postMessage(channel="C0GENERAL", text=f"bench {number}")["ts"]
        return Mention(
            event_id=f"EvBench{number}",
            team_id="T0SANDBOX",
            channel="C0GENERAL",
            user=f"U0BENCH{number}",  # eight people: one person may run two at once
            text="<@U0BOT> chart",
            ts=ts,
            thread_ts=ts,
        )

    warm = runs.tool(mention(0)).run({"code": "small"}, deadline=time.monotonic() + 60)
    assert "Exit status: 0" in warm, warm
    mentions = [mention(number) for number in range(1, CONCURRENT + 1)]
    baseline = _status_kib("VmRSS")
    answers: list[str] = []
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=lambda m=m: answers.append(
                runs.tool(m).run({"code": "maximal"}, deadline=time.monotonic() + 240)
            )
        )
        for m in mentions
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    posted = sum(
        "Posted to the thread" in answer and "could not" not in answer for answer in answers
    )
    if posted != CONCURRENT:
        raise RuntimeError(f"only {posted} of {CONCURRENT} results were posted: {answers[:2]}")
    print(
        json.dumps(
            {
                "results": CONCURRENT,
                "result_mb": 2 * FILE_BYTES / 1e6,
                "posted": posted,
                "baseline_mib": round(baseline / 1024, 1),
                "peak_mib": round(_status_kib("VmHWM") / 1024, 1),
                "seconds": round(seconds, 1),
            }
        )
    )


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


# --- the executor stand-in: every run returns the most a run may return ---


def _executor(port: int, answer_format: str) -> None:
    files = [(f"part{i}.bin", os.urandom(FILE_BYTES)) for i in (1, 2)]
    head = {
        "status": "finished",
        "exit_code": 0,
        "stdout": "done\n",
        "stdout_bytes": 5,
        "seconds": 1.0,
        "skipped": [],
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._send(200, "text/plain", [b"ok"])

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if request["code"] == "small":
                self._send(200, "application/json", [json.dumps(head).encode()])
                return
            time.sleep(1.0)  # the eight answers arrive together
            if answer_format == "json":  # before: base64 inside one JSON document
                encoded = [{"name": n, "data": base64.b64encode(d).decode()} for n, d in files]
                body = [json.dumps({**head, "files": encoded}).encode()]
                self._send(200, "application/json", body)
            else:
                sizes = [{"name": name, "size": len(data)} for name, data in files]
                line = json.dumps({**head, "files": sizes}).encode() + b"\n"
                self._send(200, "application/x-run-result", [line, *(d for _, d in files)])

        def _send(self, status: int, content_type: str, parts: list[bytes]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(sum(map(len, parts))))
            self.end_headers()
            for part in parts:
                self.wfile.write(part)

        def log_message(self, format: str, *args: object) -> None:
            return

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main(argv: list[str]) -> None:
    if argv and argv[0] == "child":
        _child(*argv[1:4])
        return
    if argv and argv[0] == "executor":
        _executor(int(argv[1]), argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=REPO_ROOT, help="whose assistant/ to measure")
    parser.add_argument("--format", choices=("stream", "json"), default="stream")
    options = parser.parse_args(argv)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-result-memory-"))
    print(json.dumps(measure(log_dir, tree=options.tree, answer_format=options.format)))


if __name__ == "__main__":
    main(sys.argv[1:])
