"""Extraction in a child process, with CPU, memory and wall-clock limits: a poison file
becomes "unreadable, and why", never a files function that fails until the upload is
dead-lettered.

Parsers meet untrusted bytes: a 7 KB PDF took pypdf 39 s of CPU, a 101-byte PNG made Pillow
raise `SyntaxError`, a 230 KB PNG decodes to 237 MB. So `IsolatedExtractor` sends each file
to a worker process (`isolated_worker`, started once per instance, parsers preloaded), which
forks a child per file with `RLIMIT_CPU` and `RLIMIT_AS` set and kills it at the wall-clock
limit. Whatever happens there (an exception, a crash, a limit) comes back as an `Extraction`
with a problem written for the person. One file is read at a time per instance, so the
memory limit also bounds the instance's total (the files function has one CPU: nothing is
lost by waiting).

    >>> reader = IsolatedExtractor(ExtractionLimits(cpu_seconds=5))
    >>> reader(b"region,growth\\n", name="sales.csv", mimetype="text/csv").kind
    'text'
    >>> reader.close()
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from assistant.config import SECRET_ENV
from assistant.files.extract import Extraction
from assistant.files.isolated_worker import FrameError, read_frame, write_frame

__all__ = ["ExtractionLimits", "IsolatedExtractor", "Reading", "problem_for"]

logger = logging.getLogger(__name__)

_WORKER = "from assistant.files.isolated_worker import serve; serve()"
_START_TIMEOUT = 60.0  # a cold instance on a busy CPU imports pypdf and Pillow slowly
_ANSWER_GRACE = 15.0  # beyond the wall-clock limit, before the worker itself is presumed stuck


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExtractionLimits:
    cpu_seconds: int = 15  # CPU time one file may take (RLIMIT_CPU, whole seconds)
    memory_bytes: int = 400_000_000  # address space one file may add (RLIMIT_AS headroom)
    # 0: twice the CPU limit plus 5 s, room for a busy CPU and well inside the function's
    # timeout for 5 files (2 * 15 + 5 = 35 s each; the files function has 300 s).
    wall_seconds: float = 0.0

    def __post_init__(self) -> None:
        if not self.wall_seconds:
            object.__setattr__(self, "wall_seconds", 2.0 * self.cpu_seconds + 5.0)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Reading:
    extraction: Extraction
    failure: str = ""  # "", "cpu", "wall", "memory", "crash", "error", "unavailable"
    cpu_seconds: float = 0.0
    peak_rss_bytes: int = 0  # the child's peak resident memory (getrusage of the child)
    wall_seconds: float = 0.0


def problem_for(failure: str, limits: ExtractionLimits) -> str:
    """What the person reads after "I could not read `x`: " when reading failed."""
    if failure in ("cpu", "wall"):
        seconds = limits.cpu_seconds if failure == "cpu" else limits.wall_seconds
        return (
            f"reading it took more than {seconds:g} s, so I stopped "
            "(it may be damaged, or unusually complex)"
        )
    if failure == "memory":
        return f"reading it needed more than {limits.memory_bytes // 1_000_000} MB of memory"
    if failure in ("crash", "error"):
        return "the reader failed on it (it may be damaged)"
    return "an error on my side stopped me from reading it"


class IsolatedExtractor:
    """Callable like `extract.extract`; thread-safe; the worker starts on first use."""

    def __init__(self, limits: ExtractionLimits | None = None) -> None:
        self._limits = limits or ExtractionLimits()
        self._lock = threading.Lock()
        self._worker: _Worker | None = None

    def __call__(
        self, data: bytes, *, name: str, mimetype: str, max_chars: int = 400_000
    ) -> Extraction:
        return self.read(data, name=name, mimetype=mimetype, max_chars=max_chars).extraction

    def read(self, data: bytes, *, name: str, mimetype: str, max_chars: int = 400_000) -> Reading:
        limits = self._limits
        job = {
            "name": name,
            "mimetype": mimetype,
            "max_chars": max_chars,
            "cpu_seconds": limits.cpu_seconds,
            "memory_bytes": limits.memory_bytes,
            "wall_seconds": limits.wall_seconds,
        }
        with self._lock:
            answer = self._run(job, data)
        reading = _reading(answer, limits)
        logger.info(
            "file read in a child process",
            extra={
                "failure": reading.failure,
                "detail": str(answer.get("detail") or ""),
                "cpu_seconds": reading.cpu_seconds,
                "peak_rss_mb": round(reading.peak_rss_bytes / 1_000_000),
                "wall_seconds": reading.wall_seconds,
            },
        )
        if answer.get("unlimited"):
            logger.warning(
                "a reading limit could not be set", extra={"limits": answer["unlimited"]}
            )
        return reading

    def close(self) -> None:
        with self._lock:
            self._discard()

    def _run(self, job: dict[str, Any], data: bytes) -> dict[str, Any]:
        for _attempt in range(2):
            if self._worker is not None and self._worker.process.poll() is not None:
                self._discard()  # it exited since the last file
            try:
                worker = self._worker or self._start()
            except (OSError, FrameError, TimeoutError) as error:
                logger.error("could not start the file reader", extra={"error": repr(error)})
                self._discard()
                continue
            try:
                worker.send(job, data)
            except (FrameError, TimeoutError):
                self._discard()  # it died before taking the job: a fresh one may take it
                continue
            try:
                return worker.answer(
                    deadline=time.monotonic() + job["wall_seconds"] + _ANSWER_GRACE
                )
            except TimeoutError:
                self._discard()
                return {"failure": "wall", "detail": "the worker did not answer"}
            except FrameError as error:
                self._discard()  # the job may have killed it: not tried again
                return {"failure": "crash", "detail": f"the worker died: {error}"}
        return {"failure": "unavailable"}

    def _start(self) -> _Worker:
        self._worker = _Worker.start()
        return self._worker

    def _discard(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None


def _reading(answer: dict[str, Any], limits: ExtractionLimits) -> Reading:
    failure = str(answer.get("failure") or "")
    if failure:
        extraction = Extraction.unreadable(problem_for(failure, limits))
    else:
        extraction = Extraction.from_json(answer["extraction"])
    return Reading(
        extraction=extraction,
        failure=failure,
        cpu_seconds=float(answer.get("cpu_seconds") or 0.0),
        peak_rss_bytes=int(answer.get("peak_rss_bytes") or 0),
        wall_seconds=float(answer.get("wall_seconds") or 0.0),
    )


class _Worker:
    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        assert process.stdin is not None and process.stdout is not None
        self._jobs = process.stdin.fileno()
        self._answers = process.stdout.fileno()

    @classmethod
    def start(cls) -> _Worker:
        started = time.monotonic()
        # Not the secrets: a parser exploited by a file must not find the bot token in its
        # environment. The parent's import path, so the worker finds what the parent finds.
        env = {key: value for key, value in os.environ.items() if key not in SECRET_ENV}
        env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
        process = subprocess.Popen(
            [sys.executable, "-c", _WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group: stop() kills it and its child
        )
        worker = cls(process)
        try:
            ready, _ = read_frame(worker._answers, deadline=started + _START_TIMEOUT)
        except (FrameError, TimeoutError):
            worker.stop()
            raise
        logger.info(
            "file reader started",
            extra={"seconds": round(time.monotonic() - started, 3), "pid": ready.get("pid")},
        )
        return worker

    def send(self, job: dict[str, Any], data: bytes) -> None:
        write_frame(self._jobs, job, data, deadline=time.monotonic() + _ANSWER_GRACE)

    def answer(self, *, deadline: float) -> dict[str, Any]:
        header, _ = read_frame(self._answers, deadline=deadline)
        return header

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
