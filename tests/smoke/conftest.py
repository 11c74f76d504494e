"""The real local models, started once per test session and only when a test asks for one.

`nox -s tests` runs the SmolLM2 tests (seconds); the Qwen ones are marked `heavy_model` and
run under `nox -s smoke`, which assembles that model first.
"""

from __future__ import annotations

import os

import pytest

from devstack.local_model import QWEN, SMOLLM2, LocalModel, LocalWeights, local_model_available
from devstack.local_model import start_local_model as _start
from devstack.stack import REPO_ROOT

LOG_DIR = REPO_ROOT / "build" / "smoke-logs"
MODEL_PARAMS = [
    pytest.param(SMOLLM2, id="smollm2"),
    pytest.param(QWEN, id="qwen", marks=pytest.mark.heavy_model),
]


def why_not(spec: LocalWeights) -> str | None:
    # The nox session says why it could not install or assemble a model, when it could not.
    problem = os.environ.get("DEVSTACK_LOCAL_MODEL_PROBLEM")
    if spec == QWEN:
        problem = problem or os.environ.get("DEVSTACK_QWEN_PROBLEM")
    return problem or local_model_available(spec)


@pytest.fixture(scope="session")
def local_models():
    """Start each model at most once: two on 2 cores at the same time would crawl."""
    running: dict[LocalWeights, LocalModel] = {}

    def get(spec: LocalWeights) -> LocalModel:
        if (missing := why_not(spec)) is not None:
            pytest.skip(f"{spec.name} cannot run here: {missing}")
        if spec not in running:
            for other in list(running):  # one model in memory and on the cores at a time
                running.pop(other).stop()
            running[spec] = _start(LOG_DIR / spec.name, spec)
        return running[spec]

    try:
        yield get
    finally:
        for model in running.values():
            model.stop()


@pytest.fixture(scope="module", params=MODEL_PARAMS)
def local_model(request, local_models) -> LocalModel:
    return local_models(request.param)


@pytest.fixture
def smollm2(local_models) -> LocalModel:
    return local_models(SMOLLM2)


@pytest.fixture
def qwen(local_models) -> LocalModel:
    return local_models(QWEN)
