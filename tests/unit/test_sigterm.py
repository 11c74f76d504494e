"""A run ended with SIGTERM (CI's timeout, a supervisor) still stops what its fixtures started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SESSION = textwrap.dedent(
    """
    import subprocess, sys, time
    import pytest

    @pytest.fixture(scope="session")
    def server(tmp_path_factory):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                 start_new_session=True)
        (tmp_path_factory.getbasetemp().parent / "child.pid").write_text(str(child.pid))
        yield child
        child.kill()
        child.wait()

    def test_runs_for_long(server, tmp_path_factory):
        (tmp_path_factory.getbasetemp().parent / "started").write_text("")
        time.sleep(600)
    """
)


def test_sigterm_tears_the_session_fixtures_down(tmp_path):
    (tmp_path / "test_long.py").write_text(SESSION)
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "tests.sigterm", "-q", "-p", "no:cacheprovider",
         f"--basetemp={tmp_path / 'base'}", str(tmp_path / "test_long.py")],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not (tmp_path / "started").exists():
        assert time.monotonic() < deadline, run.stdout.read() if run.poll() is not None else ""
        time.sleep(0.05)
    child = int((tmp_path / "child.pid").read_text())
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=30)
    time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists() or _is_zombie(child)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True
