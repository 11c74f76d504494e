"""The project's commands. `nox -s dev` runs the bot locally; `nox -s tests` runs every test."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]

DEV_REQUIREMENTS = "requirements-dev.txt"


def _install(session: nox.Session) -> None:
    session.install("-r", DEV_REQUIREMENTS)


@nox.session
def tests(session: nox.Session) -> None:
    """Lint, then unit, integration, end-to-end, Terraform and browser tests."""
    _install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("pytest", "--timeout=300", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def dev(session: nox.Session) -> None:
    """Run the whole bot locally; `-- --fresh` starts with an empty workspace."""
    _install(session)
    session.run("python", "-m", "devstack.dev", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Latency, import-time and history-trim benchmarks, printed as a table."""
    _install(session)
    session.run("python", "-m", "bench", *session.posargs)
