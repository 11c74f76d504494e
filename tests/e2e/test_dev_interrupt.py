"""`nox -s dev` started without a terminal, as an IDE or a supervisor starts it, stops on SIGINT
to its process group like it does on Ctrl-C, and takes every process it started with it.

A background job of a non-interactive shell starts with SIGINT ignored (POSIX), and Python
then installs no KeyboardInterrupt handler: dev used to keep running for minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack.processes import free_port
from devstack.stack import REPO_ROOT

STARTUP_SECONDS = 240
STOP_SECONDS = 15


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _descendants(root: int) -> set[int]:
    parents, found, frontier = _parents(), set(), {root}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier}
        frontier = children - found
        found |= children
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def detached_dev(tmp_path):
    """dev as `setsid sh -c 'python -m devstack.dev & wait' </dev/null` starts it."""
    log = tmp_path / "dev.log"
    pid_file = tmp_path / "dev.pid"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("OPENAI_API_KEY", "PUBSUB_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST")
    }
    env["DEVSTACK_STATE_DIR"] = str(tmp_path / "state")  # not the developer's own workspace
    env["DEVSTACK_LOCAL_MODEL_PROBLEM"] = "not needed to test stopping"  # the fake model
    command = (
        f"{sys.executable} -m devstack.dev --port {free_port()} >{log} 2>&1 & "
        f"echo $! >{pid_file}; wait"
    )
    shell = subprocess.Popen(
        ["sh", "-c", command],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # setsid: no controlling terminal
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while "Press Ctrl-C" not in (log.read_text() if log.exists() else ""):
        if time.monotonic() > deadline or shell.poll() is not None:
            os.killpg(shell.pid, signal.SIGTERM)
            pytest.fail(f"dev did not start:\n{log.read_text() if log.exists() else ''}")
        time.sleep(0.5)
    dev = int(pid_file.read_text())
    started = _descendants(dev)
    yield shell, dev, started, log
    for pid in {dev, *started}:  # whatever the test left behind
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_sigint_to_its_process_group_stops_dev_and_everything_it_started(detached_dev):
    shell, dev, started, log = detached_dev
    assert len(started) >= 6  # emulators, four functions, the sandbox, the fake model

    os.killpg(shell.pid, signal.SIGINT)

    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline and any(map(_alive, {dev, *started})):
        time.sleep(0.2)
    left = sorted(pid for pid in {dev, *started} if _alive(pid))
    assert left == [], f"still running {STOP_SECONDS} s after SIGINT: {left}\n{log.read_text()}"
    assert "Stopped everything nox -s dev started." in log.read_text()
