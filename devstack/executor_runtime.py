"""The executor's runtime on this machine: built once by the same script the image runs.

`functions/executor/setup-runtime.sh` installs bubblewrap and a Japanese font with apt-get
when missing (as the browser tests install Chromium), then builds a Python environment from
Debian's /usr/bin/python3 with the executor's pinned requirements and matplotlib's font cache.
The local executor runs under that environment, exactly as in the image, and binds it into
each sandbox. It is kept, keyed by the content of the script and the requirements, in
/var/cache (readable by the sandbox's unprivileged uid; /root is not), or under ~/.cache when
not root (bwrap then runs as that user).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["EXECUTOR_DIR", "ensure_runtime"]

EXECUTOR_DIR = Path(__file__).resolve().parent.parent / "functions" / "executor"
_INPUTS = ("setup-runtime.sh", "requirements.txt", "seccomp_filter.py")
_READY = ".ready"
FONT = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")  # as setup-runtime.sh
SETUP_TIMEOUT_SECONDS = 900


def _cache_root() -> Path:
    if os.geteuid() == 0:
        return Path("/var/cache/slack-thread-assistant")
    return Path.home() / ".cache" / "slack-thread-assistant"


def runtime_path() -> Path:
    digest = hashlib.sha256()
    for name in _INPUTS:
        digest.update((EXECUTOR_DIR / name).read_bytes())
    return _cache_root() / f"executor-{digest.hexdigest()[:12]}"


def _complete(venv: Path) -> bool:
    """Built, and the system packages it relies on are still installed."""
    return (venv / _READY).exists() and shutil.which("bwrap") is not None and FONT.exists()


def ensure_runtime() -> tuple[Path | None, str]:
    """(environment, "") when it is there or could be built; otherwise (None, why not)."""
    venv = runtime_path()
    if _complete(venv):
        return venv, ""
    venv.parent.mkdir(parents=True, exist_ok=True)
    venv.parent.chmod(0o755)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another checkout may be building the same one
        if _complete(venv):
            return venv, ""
        if not (venv / _READY).exists():
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(venv)  # a half-built one from an interrupted run
        # else only a system package went missing: the script installs it and keeps the rest
        try:
            built = subprocess.run(
                ["sh", str(EXECUTOR_DIR / "setup-runtime.sh"), str(venv)],
                capture_output=True,
                text=True,
                timeout=SETUP_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, f"building the executor's runtime took over {SETUP_TIMEOUT_SECONDS} s"
        if built.returncode != 0:
            tail = (built.stderr or built.stdout).strip().splitlines()[-3:]
            hint = "" if os.geteuid() == 0 else " (as root it installs what is missing)"
            return None, "setup-runtime.sh failed" + hint + ": " + " | ".join(tail)
        (venv / _READY).write_text("built by devstack/executor_runtime.py\n")
    return venv, ""
