"""Breakages the runtime sizing check must report; mutations.py includes these."""

from __future__ import annotations

from tests.terraform.hcl_model import Model, first
from tests.terraform.wiring import FUNCTION, environment, functions

__all__ = ["RUNTIME_MUTATIONS"]


def _service(m: Model, entry_point: str) -> dict:
    return first(m.resources[FUNCTION][functions(m)[entry_point][0]], "service_config")


def _env(m: Model, entry_point: str) -> dict:
    return environment(m, _service(m, entry_point))


RUNTIME_MUTATIONS = [
    (
        "threads",
        lambda m: _env(m, "responder").update(THREADS="4"),
        "responder: THREADS is 4 but max_instance_request_concurrency is 8",
    ),
    (
        "threads",
        lambda m: _env(m, "ingress").pop("THREADS"),
        "ingress: THREADS is not set",
    ),
    (
        "threads",
        lambda m: _service(m, "files").update(max_instance_request_concurrency=10),
        "files: THREADS is 2 but max_instance_request_concurrency is 10",
    ),
    (
        "threads",
        lambda m: _env(m, "ingress").update(
            THREADS="${tostring(local.function_concurrency.files)}"
        ),
        "ingress: THREADS is 2 but max_instance_request_concurrency is 80",
    ),
]
