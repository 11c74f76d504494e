"""The executor's HTTP function under functions-framework, run from its own runtime as in the
image, called through the responder's client."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from assistant.executor.client import ExecutorClient
from assistant.executor.protocol import RunFile, RunRequest
from devstack.processes import free_port
from devstack.stack import REPO_ROOT, launch_function


@pytest.fixture(scope="module")
def executor_url(runtime_venv):
    port = free_port()
    process = launch_function(
        "executor",
        port=port,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        log_dir=REPO_ROOT / "build" / "executor-test-logs",
        bin_dir=runtime_venv / "bin",
        inherit_env=False,
    )
    yield f"http://127.0.0.1:{port}"
    process.stop()


def test_isolation_is_reported_ok(executor_url):
    response = requests.get(executor_url, timeout=60)

    assert (response.status_code, response.json()) == (200, {"isolation": "ok"})


def test_a_run_comes_back_and_a_retried_run_id_is_answered_without_running_again(executor_url):
    client = ExecutorClient(executor_url)
    request = RunRequest(
        run_id=uuid.uuid4().hex,
        code=(
            "import uuid\nprint(open('in.txt').read(), uuid.uuid4())\nopen('o.txt', 'w').write('o')"
        ),
        files=(RunFile("in.txt", b"hello"),),
        timeout_seconds=20,
    )

    first = client.run(request, deadline=time.monotonic() + 60)
    again = client.run(request, deadline=time.monotonic() + 60)
    other = client.run(
        RunRequest(run_id=uuid.uuid4().hex, code=request.code, files=request.files),
        deadline=time.monotonic() + 60,
    )

    assert first.exit_code == 0 and first.stdout.startswith("hello ")
    assert [(f.name, f.data) for f in first.files] == [("o.txt", b"o")]
    assert again == first  # the same random number: not run twice
    assert other.stdout != first.stdout


@pytest.mark.parametrize("body", [b"{}", b"garbage", b'{"run_id": "x", "code": 1}'])
def test_a_body_that_is_no_run_is_refused(executor_url, body):
    response = requests.post(executor_url, data=body, timeout=10)

    assert response.status_code == 400
