"""The real Google emulators: Pub/Sub and Firestore (Java, from gcloud), Cloud Storage (PyPI)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from devstack.processes import ManagedProcess, free_port, wait_for_http

__all__ = ["start_firestore", "start_pubsub", "start_storage"]

_SDK_CANDIDATES = ("/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk")


def _sdk_root() -> Path:
    gcloud = shutil.which("gcloud")
    candidates = [*_SDK_CANDIDATES]
    if gcloud:
        candidates.insert(0, str(Path(gcloud).resolve().parent.parent))
    for candidate in candidates:
        if (Path(candidate) / "platform").is_dir():
            return Path(candidate)
    raise RuntimeError(
        "gcloud's emulators were not found: install google-cloud-cli-pubsub-emulator and "
        "google-cloud-cli-firestore-emulator (Java 17 needed)"
    )


def start_pubsub(log_dir: Path, *, project: str) -> tuple[ManagedProcess, str]:
    launcher = _sdk_root() / "platform/pubsub-emulator/bin/cloud-pubsub-emulator"
    return _start_java_emulator(
        "pubsub-emulator",
        lambda port: [str(launcher), "--host=127.0.0.1", f"--port={port}"],
        lambda port: f"http://127.0.0.1:{port}/v1/projects/{project}/topics",
        log_dir,
    )


def start_firestore(log_dir: Path) -> tuple[ManagedProcess, str]:
    launcher = _sdk_root() / "platform/cloud-firestore-emulator/cloud_firestore_emulator"
    return _start_java_emulator(
        "firestore-emulator",
        lambda port: [str(launcher), "start", "--host=127.0.0.1", f"--port={port}"],
        lambda port: f"http://127.0.0.1:{port}/",
        log_dir,
    )


# A free port can be taken by someone else before the emulator binds it (the Firestore
# emulator also binds a WebSocket port of its own choosing): it then exits with "Address
# already in use" (a CI run lost its whole stack to this), and another port is tried.
_BIND_ATTEMPTS = 3


def _start_java_emulator(
    name: str,
    command: Callable[[int], list[str]],
    ready_url: Callable[[int], str],
    log_dir: Path,
) -> tuple[ManagedProcess, str]:
    for attempt in range(1, _BIND_ATTEMPTS + 1):
        port = free_port()
        process = ManagedProcess(name, command(port), log_dir=log_dir, append=attempt > 1)
        try:
            wait_for_http(ready_url(port), timeout=60, process=process.process)
        except RuntimeError:
            process.stop()
            if attempt == _BIND_ATTEMPTS or "Address already in use" not in _log_text(process):
                raise
            continue
        return process, f"127.0.0.1:{port}"
    raise AssertionError("unreachable")


def _log_text(process: ManagedProcess) -> str:
    return process.log_path.read_text(errors="replace")


def start_storage(log_dir: Path, *, bucket: str) -> tuple[ManagedProcess, str]:
    port = free_port()
    executable = Path(sys.executable).parent / "gcp-storage-emulator"
    process = ManagedProcess(
        "storage-emulator",
        [
            str(executable),
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--in-memory",
            "--default-bucket",
            bucket,
        ],
        log_dir=log_dir,
    )
    wait_for_http(f"http://127.0.0.1:{port}/storage/v1/b", timeout=30, process=process.process)
    return process, f"http://127.0.0.1:{port}"
