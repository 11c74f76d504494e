"""The stores' contracts (data types and protocols) load no cloud or model client: a unit test
of the answer path builds on them and the memory stores without Google, OpenAI or Slack."""

from __future__ import annotations

import subprocess
import sys

from devstack.stack import REPO_ROOT

PURE = (
    "assistant.answer.claims",
    "assistant.conversation.thread_state",
    "assistant.usage.stores",
    "assistant.feedback.votes",
    "tests.memory_stores",
)

_PROBE = """
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
# `google` and `google.cloud` are namespace packages a .pth file loads in every process.
heavy = ("google.cloud.", "google.api_core", "google.auth", "openai", "slack_sdk", "tiktoken")
print(",".join(sorted(name for name in sys.modules if name.startswith(heavy))))
"""


def test_the_stores_contracts_and_memory_stores_import_no_client():
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(modules=PURE)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.stdout.strip() == ""
