"""Cold starts pay only for what a function uses: nothing heavy on the light import paths."""

from __future__ import annotations

import subprocess
import sys

import pytest

from devstack.stack import REPO_ROOT


def _loaded(probe: str) -> str:
    """What a fresh interpreter printed after running `probe` from the repository's root."""
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_ROOT)},
    )
    return result.stdout.strip()


_PROBE = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("main", "functions/{name}/main.py")
spec.loader.exec_module(importlib.util.module_from_spec(spec))
heavy = ("openai", "tiktoken", "google.cloud.firestore", "PIL", "pypdf")
print(",".join(sorted(name for name in heavy if name in sys.modules)))
"""


@pytest.mark.parametrize("name", ["ingress", "files"])
def test_importing_a_light_function_loads_no_model_tokenizer_firestore_or_parsers(name):
    assert _loaded(_PROBE.format(name=name)) == ""


_EXECUTOR_PROBE = """
import importlib.util, sys
sys.path.append("functions/executor")  # as functions-framework does for the source's folder
spec = importlib.util.spec_from_file_location("main", "functions/executor/main.py")
spec.loader.exec_module(importlib.util.module_from_spec(spec))
heavy = ("assistant", "google.cloud.storage", "google.cloud.firestore", "google.auth", "openai")
print(",".join(sorted(name for name in sys.modules if name.startswith(heavy))))
"""


def test_the_executor_imports_only_the_contract_from_assistant_and_no_cloud_client():
    loaded = set(_loaded(_EXECUTOR_PROBE).split(","))
    assert loaded == {"assistant", "assistant.executor", "assistant.executor.protocol"}


_MODULE_PROBE = """
import importlib, sys
importlib.import_module("{module}")
# `google` and `google.cloud` are namespace packages a .pth file loads in every process.
heavy = ("openai", "httpx", "tiktoken", "google.cloud.", "google.api_core", "google.auth",
         "slack_sdk")
print(",".join(sorted(name for name in sys.modules if name.startswith(heavy))))
"""

# Data types, protocols and pure folding: whoever needs only these (a store recording a round,
# the prompt assembler, the answer path's unit tests over the memory stores) pays for no cloud,
# model or Slack client.
PURE_MODULES = [
    "assistant.answer.claims",
    "assistant.conversation.thread_state",
    "assistant.feedback.votes",
    "assistant.usage.stores",
    "tests.memory_stores",
    "tests.memory_usage",
    "assistant.llm.events",
    "assistant.llm.loop_events",
    "assistant.llm.messages",
    "assistant.llm.rounds",
    "assistant.llm.tools",
    "assistant.slack.table_block",
    "assistant.slack.chart_block",
    "assistant.executor.visuals",
    # Who can see an answer and what it may draw on: decided without a client in sight.
    "assistant.audience.facts",
    "assistant.audience.policy",
    "assistant.slack.permalinks",
    "assistant.routines.routine",
    "assistant.routines.schedule",
    "assistant.routines.recap_policy",
    "assistant.routines.actions",
    "assistant.routines.stores",
    "tests.memory_routines",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_a_pure_module_loads_no_client_library(module):
    assert _loaded(_MODULE_PROBE.format(module=module)) == ""
