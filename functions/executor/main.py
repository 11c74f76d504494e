"""HTTP endpoint that runs model-written Python in a bubblewrap sandbox and returns its outputs.

Private: only the responder may call it (an ID token in the cloud). It holds no secrets and
reaches nothing: it never touches Cloud Storage or Firestore, the responder sends the code with
the thread's files and uploads what comes back. It imports only the JSON contract
(`assistant/executor/protocol.py`) and its own modules, and reads no configuration: its limits
are the defaults in sandbox.py, and the code's Python is the environment it runs in itself
(built from Debian's /usr/bin/python3 by setup-runtime.sh, locally and in the image).

POST a RunRequest -> 200 RunResult (its JSON line, then the files' raw bytes: protocol.py);
503 RunResult(status="unavailable") when isolation does not work here (checked once, on the
first request); 400 for a body that is not a RunRequest.
GET -> 200 {"isolation": "ok"} or 503 with the reason.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path

import flask
import functions_framework
from probe import probe
from runner import Runner, Runtime

from assistant.executor.protocol import ProtocolError, RunRequest, RunResult

_JSON = {"Content-Type": "application/json"}
_RESULT_TYPE = "application/x-run-result"
_CACHE_BYTES = 48_000_000  # answers kept for retried calls (the same run_id, code and inputs)


class Executor:
    def __init__(self, runner: Runner, problem: str | None) -> None:
        self.runner = runner
        self.problem = problem
        self._recent: OrderedDict[str, RunResult] = OrderedDict()
        self._lock = threading.Lock()

    def answer(self, request: RunRequest) -> RunResult:
        """The run's result; a retried call (the same run_id, code and inputs) gets the
        first answer again, not a new run. A run_id alone is no key: another request reusing
        it, with other code or files, must not be answered with someone else's outputs."""
        key = run_key(request)
        with self._lock:
            if key in self._recent:
                return self._recent[key]
        result = self.runner.run(request)
        _log(
            "INFO",
            "run finished",
            run_id=request.run_id,
            exit_code=result.exit_code,
            limit=result.limit,
            seconds=result.seconds,
            files=len(result.files),
        )
        with self._lock:
            self._recent[key] = result
            while sum(map(_size, self._recent.values())) > _CACHE_BYTES and len(self._recent) > 1:
                self._recent.popitem(last=False)
        return result


def _size(result: RunResult) -> int:
    return len(result.stdout) + len(result.stderr) + sum(len(file.data) for file in result.files)


def run_key(request: RunRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.run_id, request.code, repr(request.timeout_seconds)):
        digest.update(hashlib.sha256(part.encode(errors="surrogatepass")).digest())
    for file in sorted(request.files, key=lambda file: file.name):
        digest.update(hashlib.sha256(file.name.encode()).digest())
        digest.update(hashlib.sha256(file.data).digest())
    return digest.hexdigest()


_CREATING = threading.Lock()


def _executor() -> Executor:
    with _CREATING:  # the first requests may arrive together: one probe
        return _create()


@cache
def _create() -> Executor:
    work_root = Path(tempfile.gettempdir()) / "executor-runs"
    work_root.mkdir(mode=0o711, exist_ok=True)
    work_root.chmod(0o711)  # the sandbox's uid may pass through, not list
    runtime = Runtime(bwrap=shutil.which("bwrap") or "", venv=Path(sys.prefix), work_root=work_root)
    runner = Runner(runtime)
    problem = probe(runner)
    if problem:
        _log("ERROR", "code execution is unavailable: " + problem)
    else:
        _log("INFO", "isolation probe passed", venv=sys.prefix)
    return Executor(runner, problem)


@functions_framework.http
def executor(request):
    if request.method == "GET":
        problem = _executor().problem
        return json.dumps({"isolation": problem or "ok"}), 503 if problem else 200, _JSON
    if request.method != "POST":
        return "POST a run", 405
    try:
        run = RunRequest.from_json(request.get_data())
    except ProtocolError as error:
        return str(error), 400
    core = _executor()
    if core.problem:
        return b"".join(RunResult.unavailable(core.problem).encode()), 503, _JSON
    try:
        result = core.answer(run)
    except Exception as error:  # the run's own failures are results; this is ours
        _log("ERROR", f"run failed: {type(error).__name__}: {error}", run_id=run.run_id)
        return "the executor failed", 500
    parts = list(result.encode())  # the files themselves, not copies
    headers = {"Content-Type": _RESULT_TYPE, "Content-Length": str(sum(map(len, parts)))}
    return flask.Response(iter(parts), 200, headers)


def _log(severity: str, message: str, **fields: object) -> None:
    # Cloud Logging reads one JSON object per line on stderr.
    print(json.dumps({"severity": severity, "message": message, **fields}), file=sys.stderr)
