"""The real Google emulators: Pub/Sub and Firestore (Java, from gcloud), Cloud Storage (PyPI)."""

from __future__ import annotations

import shutil
import sys
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
    port = free_port()
    launcher = _sdk_root() / "platform/pubsub-emulator/bin/cloud-pubsub-emulator"
    process = ManagedProcess(
        "pubsub-emulator", [str(launcher), "--host=127.0.0.1", f"--port={port}"], log_dir=log_dir
    )
    wait_for_http(
        f"http://127.0.0.1:{port}/v1/projects/{project}/topics", timeout=60, process=process.process
    )
    return process, f"127.0.0.1:{port}"


def start_firestore(log_dir: Path) -> tuple[ManagedProcess, str]:
    port = free_port()
    launcher = _sdk_root() / "platform/cloud-firestore-emulator/cloud_firestore_emulator"
    process = ManagedProcess(
        "firestore-emulator",
        [str(launcher), "start", "--host=127.0.0.1", f"--port={port}"],
        log_dir=log_dir,
    )
    wait_for_http(f"http://127.0.0.1:{port}/", timeout=60, process=process.process)
    return process, f"127.0.0.1:{port}"


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
