"""One run of untrusted Python: a fresh directory, bubblewrap, limits, outputs collected safely.

The host side keeps its own wall clock (a timed-out request does not stop a Cloud Run
container), reads stdout and stderr keeping only a bounded head, watches how much the run
writes to its directory and how much memory all its processes hold together (memory.py), and
kills bwrap's whole process group when a limit is hit; bwrap's pid namespace takes everything
the code started with it, so a run is killed as one. Outputs are read only after every
process is gone: regular files only, opened without following symbolic links, new or changed
compared with the inputs, within the size caps.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memory import tree_resident_bytes
from sandbox import Layout, Limits, bwrap_command, set_limits

from assistant.executor.protocol import (
    MAX_OUTPUT_BYTES,
    MAX_OUTPUT_FILE_BYTES,
    MAX_OUTPUT_FILES,
    RunFile,
    RunRequest,
    RunResult,
    Skipped,
    valid_output_name,
)

__all__ = ["Runner", "Runtime"]

logger = logging.getLogger(__name__)

CAPTURE_BYTES = 32_000  # of stdout and of stderr, returned to the responder
_POLL_SECONDS = 0.05
_DISK_EVERY = 4  # polls between scans of the run directory
_READ_CHUNK = 65_536
SITE_DIR = Path(__file__).resolve().parent / "sandbox_site"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Runtime:
    """What a run needs from the machine: bubblewrap and the Python environment to bind."""

    bwrap: str
    venv: Path
    work_root: Path  # where run directories are made; traversable by Limits.uid

    @property
    def mpl_files(self) -> tuple[tuple[str, str], ...]:
        """matplotlib's prebuilt font cache and rc file (setup-runtime.sh writes them)."""
        folder = self.venv / "mplconfig"
        if not folder.is_dir():
            return ()
        return tuple((str(path), path.name) for path in sorted(folder.iterdir()) if path.is_file())

    @property
    def seccomp(self) -> bytes:
        """The compiled seccomp program (setup-runtime.sh writes it); empty when missing."""
        try:
            return (self.venv / "seccomp.bpf").read_bytes()
        except OSError:
            return b""


class Runner:
    def __init__(
        self,
        runtime: Runtime,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime = runtime
        self.limits = limits or Limits()
        self._clock = clock
        self._lock = threading.Lock()  # one run at a time: the limits are per instance
        self._uid_switch = os.geteuid() == 0  # as root, run bwrap as the unprivileged uid
        self.seccomp = runtime.seccomp  # the filter passed to bwrap; empty: none (probe.py)

    def run(self, request: RunRequest) -> RunResult:
        with self._lock:
            root = Path(tempfile.mkdtemp(prefix="run-", dir=self.runtime.work_root))
            try:
                return self._run(request, root)
            finally:
                shutil.rmtree(root, ignore_errors=True)

    def _run(self, request: RunRequest, root: Path) -> RunResult:
        run_dir, code = root / "data", root / "main.py"
        run_dir.mkdir()
        code.write_text(request.code, errors="replace")  # a lone surrogate is no Python
        inputs: dict[str, str] = {}
        for file in request.files:
            path = run_dir / file.name
            path.write_bytes(file.data)
            inputs[file.name] = hashlib.sha256(file.data).hexdigest()
        self._hand_over(root, run_dir, code)
        wall = min(request.timeout_seconds, self.limits.wall_seconds)
        started = self._clock()
        budget = self.limits.disk_bytes + sum(len(file.data) for file in request.files)
        with _seccomp_pipe(self.seccomp) as seccomp_fd:
            layout = Layout(
                bwrap=self.runtime.bwrap,
                venv=str(self.runtime.venv),
                run_dir=str(run_dir),
                code=str(code),
                mpl_files=self.runtime.mpl_files,
                site_dir=str(SITE_DIR),
                seccomp_fd=seccomp_fd,
                tmp_bytes=self.limits.tmp_bytes,
                shm_bytes=self.limits.shm_bytes,
            )
            watched = self._watch(bwrap_command(layout), run_dir, wall, budget, seccomp_fd)
        seconds = round(self._clock() - started, 3)
        files, skipped = collect_outputs(run_dir, inputs)
        return RunResult(
            exit_code=watched.exit_code,
            limit=watched.limit,
            stdout=watched.stdout.text(),
            stderr=watched.stderr.text(),
            stdout_bytes=watched.stdout.total,
            stderr_bytes=watched.stderr.total,
            seconds=seconds,
            files=files,
            skipped=skipped,
        )

    def _hand_over(self, root: Path, run_dir: Path, code: Path) -> None:
        """The run directory belongs to the sandbox's uid; the code is only readable."""
        root.chmod(0o711)
        code.chmod(0o644)
        if not self._uid_switch:
            return
        for path in (run_dir, *run_dir.iterdir()):
            os.chown(path, self.limits.uid, self.limits.gid, follow_symlinks=False)

    def _watch(
        self, argv: list[str], run_dir: Path, wall: float, budget: int, seccomp_fd: int
    ) -> _Watched:
        limits = self.limits
        identity: dict[str, Any] = (
            {"user": limits.uid, "group": limits.gid, "extra_groups": []}
            if self._uid_switch
            else {}
        )
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": "/usr/bin:/bin"},  # bwrap's own environment: nothing of ours
            close_fds=True,
            pass_fds=(seccomp_fd,) if seccomp_fd >= 0 else (),
            start_new_session=True,
            preexec_fn=lambda: set_limits(limits, wall),
            **identity,
        )
        out, err = _Stream(process.stdout), _Stream(process.stderr)
        deadline, polls, limit = self._clock() + wall, 0, ""
        while not _exited(process, _POLL_SECONDS):
            polls += 1
            if self._clock() >= deadline:
                limit = "timeout"
            elif out.total + err.total > limits.stream_bytes:
                limit = "output"
            elif tree_resident_bytes(process.pid) > limits.run_memory_bytes:
                limit = "memory"
            elif polls % _DISK_EVERY == 0 and _over_disk(run_dir, limits, budget):
                limit = "disk"
            if limit:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                break
        exit_code = process.wait()
        out.join()
        err.join()
        return _Watched(exit_code=_exit_code(exit_code), limit=limit, stdout=out, stderr=err)


@contextlib.contextmanager
def _seccomp_pipe(program: bytes):
    """The program in a pipe bwrap reads at start (it is a few hundred bytes: the pipe's
    buffer holds it, so writing never blocks); -1 when there is none."""
    if not program:
        yield -1
        return
    read_end, write_end = os.pipe()
    try:
        with os.fdopen(write_end, "wb") as writer:
            writer.write(program)
        yield read_end
    finally:
        os.close(read_end)


@dataclasses.dataclass
class _Watched:
    exit_code: int
    limit: str
    stdout: _Stream
    stderr: _Stream


class _Stream:
    """Drains a pipe on a thread, keeping its first and last CAPTURE_BYTES / 2 and a count."""

    def __init__(self, pipe) -> None:
        self._pipe = pipe
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        half = CAPTURE_BYTES // 2
        with self._pipe:
            while chunk := self._pipe.read1(_READ_CHUNK):
                self.total += len(chunk)
                room = half - len(self._head)
                if room > 0:
                    self._head += chunk[:room]
                    chunk = chunk[room:]
                if chunk:
                    self._tail = (self._tail + chunk)[-half:]

    def join(self) -> None:
        # The writers are dead (the pid namespace went with bwrap), so EOF is near.
        self._thread.join(timeout=5)

    def text(self) -> str:
        kept = len(self._head) + len(self._tail)
        gap = "\n…\n" if self.total > kept else ""
        return (bytes(self._head) + gap.encode() + bytes(self._tail)).decode(errors="replace")


def _exited(process: subprocess.Popen, seconds: float) -> bool:
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def _exit_code(code: int) -> int:
    """bwrap reports a child killed by signal N as 128 + N; we killed bwrap itself with -9."""
    if code < 0:
        return code
    return -(code - 128) if 128 < code < 160 else code


def _over_disk(run_dir: Path, limits: Limits, budget: int) -> bool:
    total = entries = 0
    stack = [str(run_dir)]
    while stack:
        with contextlib.suppress(OSError), os.scandir(stack.pop()) as found:
            for entry in found:
                entries += 1
                info = entry.stat(follow_symlinks=False)
                total += info.st_blocks * 512
                if stat.S_ISDIR(info.st_mode):
                    stack.append(entry.path)
                if entries > limits.disk_entries or total > budget:
                    return True
    return False


def collect_outputs(
    run_dir: Path, inputs: dict[str, str]
) -> tuple[tuple[RunFile, ...], tuple[Skipped, ...]]:
    """New or changed regular files, never following a symbolic link, within the caps."""
    files: list[RunFile] = []
    skipped: list[Skipped] = []
    total = 0
    for name, kind, size in _entries(run_dir):
        if kind != "file":
            skipped.append(Skipped(name, f"a {kind}: only regular files are kept"))
            continue
        if not valid_output_name(name):
            skipped.append(Skipped(name[:200], "its name starts with a dot or is not printable"))
            continue
        if len(files) >= MAX_OUTPUT_FILES:
            skipped.append(Skipped(name, f"more than {MAX_OUTPUT_FILES} files were written"))
            continue
        if size > MAX_OUTPUT_FILE_BYTES:
            limit = MAX_OUTPUT_FILE_BYTES // 1_000_000
            skipped.append(Skipped(name, f"over the {limit} MB a file may be"))
            continue
        if total + size > MAX_OUTPUT_BYTES:
            skipped.append(Skipped(name, f"over the {MAX_OUTPUT_BYTES // 1_000_000} MB limit"))
            continue
        data = _read_regular(run_dir / name)
        if (
            data is None
            or len(data) > MAX_OUTPUT_FILE_BYTES
            or total + len(data) > MAX_OUTPUT_BYTES
        ):
            skipped.append(Skipped(name, "changed while it was being read"))
            continue
        if inputs.get(name) == hashlib.sha256(data).hexdigest():
            continue  # an input the code left as it was
        total += len(data)
        files.append(RunFile(name, data))
    return tuple(files), tuple(skipped)


def _entries(run_dir: Path):
    """(relative name, kind, size), depth first, names sorted; directories are walked."""
    stack = [("", run_dir)]
    while stack:
        prefix, folder = stack.pop()
        try:
            found = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in found:
            name = f"{prefix}{entry.name}"
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                if name.count("/") < 7:
                    stack.append((f"{name}/", Path(entry.path)))
            elif stat.S_ISREG(info.st_mode):
                yield name, "file", info.st_size
            elif stat.S_ISLNK(info.st_mode):
                yield name, "symbolic link (not followed)", 0
            else:
                yield name, "special file", 0


def _read_regular(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(MAX_OUTPUT_FILE_BYTES + 1)  # more: it grew, collect_outputs skips it
