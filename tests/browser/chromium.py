"""Find Debian's Chromium for Playwright, installing it with apt-get when it is missing.

Playwright never downloads a browser here: the tests launch `/usr/bin/chromium` through
`executable_path`. When it is absent and we are root, `apt-get install -y chromium` (about 30 s)
puts it there; anywhere that cannot work, the caller skips with the reason returned.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["CHROMIUM", "LAUNCH_ARGS", "ensure_chromium"]

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google hosts (refused offline).
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
APT_TIMEOUT_SECONDS = 600


def _apt(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=APT_TIMEOUT_SECONDS,
        check=False,
    )


def ensure_chromium() -> tuple[Path | None, str]:
    """(path, "") when Chromium is there or could be installed; otherwise (None, why not)."""
    if CHROMIUM.exists():
        return CHROMIUM, ""
    if shutil.which("apt-get") is None:
        return None, f"{CHROMIUM} is missing and this system has no apt-get to install it"
    if os.geteuid() != 0:
        return None, f"{CHROMIUM} is missing; install it with `sudo apt-get install -y chromium`"
    installed = _apt("install", "-y", "chromium")
    if installed.returncode != 0:
        _apt("update")  # the package lists may be missing or stale
        installed = _apt("install", "-y", "chromium")
    if installed.returncode != 0 or not CHROMIUM.exists():
        tail = (installed.stderr or installed.stdout).strip().splitlines()[-3:]
        return None, "apt-get install chromium failed: " + " | ".join(tail)
    return CHROMIUM, ""
