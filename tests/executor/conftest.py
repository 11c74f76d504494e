"""The executor's sandbox, driven directly: the real bubblewrap and the runtime the executor
runs under (built once by functions/executor/setup-runtime.sh). Fast: no stack, no HTTP."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from devstack.executor_runtime import EXECUTOR_DIR, ensure_runtime

sys.path.insert(0, str(EXECUTOR_DIR))  # the executor's own modules, as functions-framework does

from runner import Runner, Runtime
from sandbox import Limits


@pytest.fixture(scope="session")
def runtime_venv() -> Path:
    venv, problem = ensure_runtime()
    if venv is None:
        pytest.skip(f"the executor's runtime could not be built: {problem}")
    return venv


@pytest.fixture(scope="session")
def work_root():
    root = Path(tempfile.mkdtemp(prefix="executor-test-"))
    root.chmod(0o711)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def make_runner(venv: Path, work_root: Path, **limits) -> Runner:
    runtime = Runtime(bwrap=shutil.which("bwrap") or "bwrap", venv=venv, work_root=work_root)
    return Runner(runtime, Limits(**limits))


@pytest.fixture(scope="session")
def runner(runtime_venv, work_root) -> Runner:
    return make_runner(runtime_venv, work_root)
