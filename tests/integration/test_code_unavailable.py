"""An executor that cannot isolate code refuses to run any, and the person is told so.

The real executor under functions-framework, started without bubblewrap on its PATH (as on a
machine or image that lacks it); the responder in this process, on the Firestore emulator."""

from __future__ import annotations

import pytest
import requests
from slack_sdk import WebClient

from assistant.executor.client import ExecutorClient
from assistant.executor.tool import CodeRuns
from devstack.executor_runtime import ensure_runtime
from devstack.processes import free_port
from devstack.stack import REPO_ROOT, launch_function
from tests.builders import MemoryBucket
from tests.e2e.harness import unique
from tests.integration.test_responder import bot_texts, mention_in_thread, responder


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
    slack = WebClient(token=local_slack.bot_token, base_url=local_slack.api_url)
    runs = CodeRuns(client=ExecutorClient(executor_without_bwrap), store=MemoryBucket, slack=slack)
    question = unique('plot it [[tool:run_python:{"code": "print(1)"}]]')
    mention, delivery = mention_in_thread(local_slack, question)
    core = responder(firestore_db, local_slack, local_model, tools=[runs.tool(mention)])

    core.handle(delivery)

    [answer] = bot_texts(local_slack, mention)
    assert (
        "Code execution is unavailable: bubblewrap (bwrap) is not installed on the executor. "
        "Nothing was run." in answer
    )
