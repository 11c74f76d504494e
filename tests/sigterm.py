"""A pytest plugin: SIGTERM stops the run the way Ctrl-C does, so session fixtures tear down.

CI runners, `timeout` and supervisors end a run with SIGTERM, which by default kills pytest on
the spot: the local stack's emulators, functions and servers (each in its own process group)
would live on, holding ports and memory. As KeyboardInterrupt, pytest runs every finalizer.
"""

from __future__ import annotations

import signal

import pytest


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    signal.signal(signal.SIGTERM, _interrupt)
