"""Starting and stopping the local stack's processes: free ports, readiness, clean shutdown."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "ManagedProcess",
    "free_port",
    "interrupt_on_sigint",
    "interrupt_on_sigterm",
    "wait_for_http",
]


def interrupt_on_sigint() -> None:
    """Make SIGINT raise KeyboardInterrupt here, as Ctrl-C does in a terminal, however this
    process was started.

    Python installs that handler only when SIGINT was not ignored at startup, and a background
    job of a non-interactive shell (how IDEs and supervisors often start a command) starts
    with SIGINT ignored: without this, SIGINT to the process group did nothing at all.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)


def interrupt_on_sigterm() -> None:
    """Make SIGTERM raise KeyboardInterrupt, so `finally` blocks stop what this process started.

    By default SIGTERM ends Python on the spot: a benchmark killed that way left its model
    server, emulators and functions running (each in its own process group), holding ports,
    memory and both cores."""
    signal.signal(signal.SIGTERM, _raise_interrupt)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(
    url: str,
    *,
    timeout: float,
    process: subprocess.Popen | None = None,
    ok_only: bool = False,
) -> None:
    """Wait until `url` answers any HTTP status (the server is accepting requests), or with
    `ok_only` a 2xx (for servers that listen early and answer 503 while they load)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            if not ok_only:
                return
            time.sleep(0.2)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


class ManagedProcess:
    """A child process in its own process group, logging to a file, stopped with its children."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        log_dir: Path,
        cwd: Path | None = None,
        append: bool = False,
        inherit_env: bool = True,  # False: only `env` (a process that must hold no secrets)
    ) -> None:
        self.name = name
        self.command = list(command)
        self.log_path = log_dir / f"{name}.log"
        log_dir.mkdir(parents=True, exist_ok=True)
        # A restarted process continues its log; a new run starts a fresh one.
        self._log = self.log_path.open("ab" if append else "wb")
        self.process = subprocess.Popen(
            self.command,
            env={**(os.environ if inherit_env else {}), **(env or {})},
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group, so stop() reaches the JVMs gcloud spawns
        )

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Die like a crashed instance would: no cleanup, no goodbye."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def terminate(self) -> None:
        """Ask the whole group to exit, without waiting (stop() waits and cleans up)."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float = 10.0) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        # Children (the emulators' JVMs) may outlive the parent; take the whole group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
