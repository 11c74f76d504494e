"""The real local model (SmolLM2-135M under llama.cpp's OpenAI-compatible server) answers a
mention through the whole stack, exactly as `nox -s dev` runs it without an OpenAI key."""

from __future__ import annotations

import os

import pytest
import requests

from devstack.local_model import (
    CONTEXT_TOKENS,
    LOCAL_MODEL_NAME,
    local_model_available,
    start_local_model,
)
from devstack.stack import REPO_ROOT, LocalStack, StackOptions
from tests.e2e.harness import Sandbox, eventually, message_text, unique

pytestmark = pytest.mark.slow

ANSWER_SECONDS = 120


@pytest.fixture(scope="module")
def local_model_stack():
    # The nox session says why it could not install llama-cpp-python, when it could not.
    missing = os.environ.get("DEVSTACK_LOCAL_MODEL_PROBLEM") or local_model_available()
    if missing:
        pytest.skip(f"the local model cannot run here: {missing}")
    log_dir = REPO_ROOT / "build" / "smoke-logs"
    server, base_url = start_local_model(log_dir)
    options = StackOptions(
        log_dir=log_dir,
        openai_base_url=base_url,
        openai_model=LOCAL_MODEL_NAME,
        function_env={
            "MODEL_CONTEXT_TOKENS": str(CONTEXT_TOKENS),
            "RESERVED_OUTPUT_TOKENS": "512",
            "OPENAI_TIMEOUT_SECONDS": "120",
        },
        slack_retry_delays="0.3,0.6,1",
    )
    try:
        with LocalStack.start(options) as stack:
            yield stack
    finally:
        server.stop()


def traces(stack: LocalStack, event_id: str) -> dict[str, dict]:
    response = requests.get(
        f"{stack.sandbox_url}/_sandbox/trace", params={"event_id": event_id}, timeout=10
    )
    response.raise_for_status()
    return {record["message"]: record for record in response.json()["records"]}


def test_the_local_model_streams_a_real_answer_into_the_thread(local_model_stack):
    sandbox = Sandbox(local_model_stack.sandbox_url)
    question = unique("What is the capital of France? Answer in one sentence.")

    posted = sandbox.mention(question)
    steps = eventually(
        lambda: (found := traces(local_model_stack, posted["event_id"])).get("answered") and found,
        timeout=ANSWER_SECONDS,
        interval=0.5,
    )

    [reply] = sandbox.bot_replies(posted["ts"])
    text = message_text(reply)
    assert text.strip() and "_Thinking…_" not in text and not text.endswith("▍")
    assert "empty answer" not in text and "went wrong" not in text.lower()
    assert steps["model request"]["model"] == LOCAL_MODEL_NAME
    assert steps["model request"]["budget"] <= CONTEXT_TOKENS
    assert "first token" in steps  # streamed, not answered in one piece
