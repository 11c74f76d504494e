"""The tool shim's own refusals, as the `openai` client sees them: no model needed."""

from __future__ import annotations

import sys

import openai
import pytest

from devstack.processes import ManagedProcess, free_port, wait_for_http
from devstack.stack import REPO_ROOT
from tests.smoke.tools import TOOLS


@pytest.fixture(scope="module")
def shim_without_model():
    """A shim whose model server is not there (nothing listens on the upstream port)."""
    port, upstream = free_port(), f"http://127.0.0.1:{free_port()}/v1"
    command = [sys.executable, "-m", "devstack.tool_shim", "--upstream", upstream]
    process = ManagedProcess(
        "tool-shim-no-upstream",
        [*command, "--port", str(port)],
        log_dir=REPO_ROOT / "build" / "smoke-logs",
        cwd=REPO_ROOT,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", timeout=30, process=process.process)
        yield openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
    finally:
        process.stop()


@pytest.mark.parametrize("tools", [None, TOOLS], ids=["plain", "with-tools"])
def test_a_missing_model_server_is_a_502_with_an_openai_error(shim_without_model, tools):
    extra = {"tools": tools} if tools else {}
    with pytest.raises(openai.InternalServerError) as raised:
        shim_without_model.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], **extra
        )
    assert raised.value.status_code == 502
    assert "not reachable" in raised.value.message


def test_a_tool_choice_naming_no_declared_tool_is_a_400(shim_without_model):
    with pytest.raises(openai.BadRequestError, match="not among the tools"):
        shim_without_model.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            tools=TOOLS,
            tool_choice={"type": "function", "function": {"name": "launch_rockets"}},
        )
