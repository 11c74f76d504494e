"""A real local model (llama.cpp's server from the xllamacpp wheel, behind the tool shim)
answers a mention through the whole stack, exactly as `nox -s dev` runs it without an OpenAI
key: SmolLM2 in `nox -s tests`, and Qwen, the default, in `nox -s smoke`."""

from __future__ import annotations

import pytest
import requests

from devstack.local_model import QWEN, LocalModel
from devstack.stack import LocalStack, StackOptions
from tests.e2e.harness import Sandbox, eventually, message_text, unique

pytestmark = pytest.mark.slow

ANSWER_SECONDS = 240  # a 1.5B model on a busy 2-core CI machine


@pytest.fixture(scope="module")
def local_model_stack(local_model: LocalModel):
    spec = local_model.spec
    options = StackOptions(
        log_dir=local_model.processes[0].log_path.parent,
        openai_base_url=local_model.base_url,
        openai_model=spec.name,
        function_env={  # what dev.py sets for a local model
            "MODEL_CONTEXT_TOKENS": str(spec.context_tokens),
            "RESERVED_OUTPUT_TOKENS": str(spec.context_tokens // 4),
            "OPENAI_TIMEOUT_SECONDS": "120",
        },
        slack_retry_delays="0.3,0.6,1",
    )
    with LocalStack.start(options) as stack:
        yield stack


def traces(stack: LocalStack, event_id: str) -> dict[str, dict]:
    response = requests.get(
        f"{stack.sandbox_url}/_sandbox/trace", params={"event_id": event_id}, timeout=10
    )
    response.raise_for_status()
    return {record["message"]: record for record in response.json()["records"]}


def test_the_local_model_streams_a_real_answer_into_the_thread(local_model_stack, local_model):
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
    assert steps["model request"]["model"] == local_model.spec.name
    assert steps["model request"]["budget"] <= local_model.spec.context_tokens
    assert "first token" in steps  # streamed, not answered in one piece
    if local_model.spec.name.startswith("qwen"):  # the toy model may not know
        assert "paris" in text.lower()


@pytest.mark.heavy_model
def test_the_local_model_calls_a_tool_that_the_stack_runs(local_models):
    """Qwen through the tool shim asks for `run_python`; the executor runs it; the result
    reaches the answer. (SmolLM2 never picks a tool: bench/tool_prompts.json.)"""
    qwen = local_models(QWEN)
    options = StackOptions(
        log_dir=qwen.processes[0].log_path.parent / "tool-stack",
        openai_base_url=qwen.base_url,
        openai_model=qwen.spec.name,
        function_env={
            "MODEL_CONTEXT_TOKENS": str(qwen.spec.context_tokens),
            "RESERVED_OUTPUT_TOKENS": str(qwen.spec.context_tokens // 4),
            "OPENAI_TIMEOUT_SECONDS": "120",
        },
        slack_retry_delays="0.3,0.6,1",
    )
    with LocalStack.start(options) as stack:
        sandbox = Sandbox(stack.sandbox_url)
        question = unique("Use Python to compute 48271 * 9973 exactly and tell me the number.")
        posted = sandbox.mention(question)
        steps = eventually(
            lambda: (found := traces(stack, posted["event_id"])).get("answered") and found,
            timeout=ANSWER_SECONDS * 2,
            interval=0.5,
        )
        assert "run_python" in steps["tools requested"]["tools"]
        [reply] = sandbox.bot_replies(posted["ts"])
        assert "481406683" in message_text(reply).replace(",", "")
