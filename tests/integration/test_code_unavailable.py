"""An executor that cannot isolate code refuses to run any, and the person is told so.

The real executor under functions-framework, started without bubblewrap on its PATH (as on a
machine or image that lacks it); the responder in this process, on the Firestore emulator."""

from __future__ import annotations

import pytest
import requests

from assistant.answer.wiring import firestore_stores
from assistant.executor.client import ExecutorClient
from devstack.executor_runtime import ensure_runtime
from devstack.processes import free_port
from devstack.stack import REPO_ROOT, launch_function
from tests.e2e.harness import unique
from tests.integration.test_responder import LEASE, bot_texts, mention_in_thread
from tests.responders import local_clients, test_responder


@pytest.fixture(scope="module")
def executor_without_bwrap():
    venv, problem = ensure_runtime()
    if venv is None:
        pytest.skip(f"the executor's runtime could not be built: {problem}")
    port = free_port()
    process = launch_function(
        "executor",
        port=port,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/nonexistent"},
        log_dir=REPO_ROOT / "build" / "integration-logs",
        log_name="executor-without-bwrap",
        bin_dir=venv / "bin",
        inherit_env=False,
    )
    yield f"http://127.0.0.1:{port}"
    process.stop()


def test_the_executor_says_why_it_refuses(executor_without_bwrap):
    status = requests.get(executor_without_bwrap, timeout=30)

    assert status.status_code == 503
    assert status.json() == {"isolation": "bubblewrap (bwrap) is not installed on the executor"}


def test_a_refused_run_ends_in_a_readable_answer(
    executor_without_bwrap, firestore_db, local_slack, local_model
):
    # run_python as deployed: offered because EXECUTOR_URL is set, run by the real executor.
    clients = local_clients(
        firestore_stores(firestore_db, lease_seconds=LEASE),
        local_slack,
        local_model,
        executor=ExecutorClient(executor_without_bwrap),
    )
    core = test_responder(clients, executor_url=executor_without_bwrap)
    question = unique('plot it [[tool:run_python:{"code": "print(1)"}]]')
    mention, delivery = mention_in_thread(local_slack, question)

    core.handle(delivery)

    [answer] = bot_texts(local_slack, mention)
    assert (
        "Code execution is unavailable: bubblewrap (bwrap) is not installed on the executor. "
        "Nothing was run." in answer
    )
