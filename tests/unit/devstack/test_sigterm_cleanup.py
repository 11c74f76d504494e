"""A benchmark killed with SIGTERM still stops what it started (its `finally` blocks run): one
killed that way left its model server, emulators and functions holding both cores."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import sys, time
from devstack.processes import interrupt_on_sigterm
interrupt_on_sigterm()
try:
    print("started", flush=True)
    time.sleep(30)
finally:
    open(sys.argv[1], "w").write("stopped what it started")
"""


def test_sigterm_runs_the_finally_blocks_that_stop_the_servers(tmp_path: Path):
    marker = tmp_path / "cleaned"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(marker)], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[3],
    )  # fmt: skip
    assert child.stdout is not None and child.stdout.readline().strip() == "started"
    child.send_signal(signal.SIGTERM)
    child.wait(timeout=10)
    deadline = time.monotonic() + 5
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.read_text() == "stopped what it started"
