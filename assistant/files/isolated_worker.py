"""The process that reads attachments for the files function, one forked child per file.

`isolation.IsolatedExtractor` starts this module once per instance, as its own Python
process (`serve`). It imports the parsers once (pypdf, Pillow), then for each file forks a
child that sets its limits (CPU seconds, address space), runs the pure
`extract.extract` and reports through a pipe; this process watches the wall clock, kills a
child that overruns it, and answers with the outcome and the child's resource usage. A
child that crashes, is killed or runs out of memory can take nothing else down, and the
next file gets a fresh child. The fork is safe: this process is single-threaded.

Frames on the pipes to the parent: a 4-byte big-endian length, a JSON header, then
`header["size"]` raw bytes (the file, on the way in). Only JSON crosses from a child, which
has parsed untrusted bytes, to anything that outlives it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import resource
import select
import signal
import struct
import time
from typing import Any

__all__ = ["read_frame", "serve", "write_frame"]

_LENGTH = struct.Struct(">I")
_CHUNK = 1 << 20
_MAX_RESULT_BYTES = 64 * 2**20  # far above any extraction (text is capped, images are small)


class FrameError(Exception):
    """The other end closed the pipe, broke the protocol or missed its deadline."""


def write_frame(fd: int, header: dict[str, Any], body: bytes = b"", *, deadline: float = 0.0):
    encoded = json.dumps({**header, "size": len(body)}).encode()
    _write_all(fd, _LENGTH.pack(len(encoded)) + encoded, deadline)
    _write_all(fd, body, deadline)


def read_frame(fd: int, *, deadline: float = 0.0) -> tuple[dict[str, Any], bytes]:
    """One frame from `fd`; `deadline` (time.monotonic) of 0 waits for ever."""
    (length,) = _LENGTH.unpack(_read_exact(fd, _LENGTH.size, deadline))
    header = json.loads(_read_exact(fd, length, deadline))
    size = int(header.pop("size", 0))
    return header, _read_exact(fd, size, deadline)


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        _wait(fd, deadline, write=True)
        try:
            written = os.write(fd, view[:_CHUNK])
        except OSError as error:  # BrokenPipeError: the reader is gone
            raise FrameError(f"write failed: {error}") from error
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    parts, missing = [], size
    while missing:
        _wait(fd, deadline, write=False)
        chunk = os.read(fd, min(missing, _CHUNK))
        if not chunk:
            raise FrameError("the other end closed the pipe")
        parts.append(chunk)
        missing -= len(chunk)
    return b"".join(parts)


def _wait(fd: int, deadline: float, *, write: bool) -> None:
    if not deadline:
        return
    remaining = max(0.0, deadline - time.monotonic())
    watched = ([], [fd]) if write else ([fd], [])
    readable, writable, _ = select.select(*watched, [], remaining)
    if not (readable or writable):
        raise TimeoutError("the other end did not answer in time")


def serve() -> None:
    """Answer jobs from stdin on stdout until the parent closes stdin."""
    jobs, answers = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # a stray print must not corrupt the answers
    _preload()
    try:
        write_frame(answers, {"ready": True, "pid": os.getpid()})
        while True:
            try:
                job, data = read_frame(jobs)
            except FrameError:
                return  # the parent is gone
            try:
                answer = run_job(job, data, inherited=(jobs, answers))
            except OSError as error:  # fork or pipe refused: the instance, not the file
                answer = {"failure": "unavailable", "detail": repr(error)}
            write_frame(answers, answer)
    except FrameError:
        return


def _preload() -> None:
    """Import the parsers once, here, so each child starts with them loaded."""
    import openpyxl  # noqa: F401
    import pypdf  # noqa: F401
    from PIL import GifImagePlugin, JpegImagePlugin, PngImagePlugin, WebPImagePlugin  # noqa: F401

    import assistant.files.extract  # noqa: F401


def run_job(job: dict[str, Any], data: bytes, *, inherited: tuple[int, ...] = ()) -> dict[str, Any]:
    """Read one file in a fresh child within the job's limits; the outcome and its cost.
    `inherited`: descriptors the child must not keep (the pipes to the parent)."""
    started = time.monotonic()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: it never returns into the worker's loop
        try:
            for fd in (read_end, *inherited):
                os.close(fd)
            _child(job, data, write_end)
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        payload, overran = _collect(read_end, started + float(job["wall_seconds"]))
    finally:
        os.close(read_end)
    if overran:
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    result: dict[str, Any] = {
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_bytes": usage.ru_maxrss * 1024,  # Linux reports KiB
        "wall_seconds": round(time.monotonic() - started, 3),
    }
    if overran:
        return {**result, "failure": "wall"}
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        over_cpu = result["cpu_seconds"] >= 0.9 * float(job["cpu_seconds"])  # accounting differs
        failure = "cpu" if number == signal.SIGXCPU or over_cpu else "crash"
        return {**result, "failure": failure, "detail": _signal_name(number)}
    try:
        return {**result, **json.loads(payload)}
    except ValueError:
        detail = f"exit status {os.waitstatus_to_exitcode(status)}, no answer"
        return {**result, "failure": "crash", "detail": detail}


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _collect(fd: int, deadline: float) -> tuple[bytes, bool]:
    """What the child writes until it closes its end, or (..., True) at the deadline."""
    parts: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return b"", True
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return b"".join(parts), False
        size += len(chunk)
        if size > _MAX_RESULT_BYTES:
            return b"", False  # no valid answer is this large: reported as a crash
        parts.append(chunk)


def _child(job: dict[str, Any], data: bytes, out: int) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    logging.disable(logging.CRITICAL)  # parser warnings would reach the function's log raw
    unlimited = _limit(job)
    from assistant.files.extract import extract

    try:
        extraction = extract(
            data, name=job["name"], mimetype=job["mimetype"], max_chars=int(job["max_chars"])
        )
        answer = json.dumps({"extraction": extraction.to_json(), "unlimited": unlimited}).encode()
    except MemoryError:
        answer = b'{"failure": "memory"}'
    except BaseException as error:  # the file's fault or the parser's: reported, not raised
        answer = json.dumps({"failure": "error", "detail": repr(error)[:300]}).encode()
    with contextlib.suppress(FrameError):  # the worker stopped waiting
        _write_all(out, answer, 0.0)


def _limit(job: dict[str, Any]) -> list[str]:
    """Set this child's limits; the names of any the platform refused (the wall clock, kept by
    the worker, still holds)."""
    cpu = max(1, math.ceil(float(job["cpu_seconds"])))
    limits = [
        ("core", resource.RLIMIT_CORE, lambda: (0, 0)),
        ("cpu", resource.RLIMIT_CPU, lambda: (cpu, cpu + 1)),  # SIGXCPU, a second later SIGKILL
        ("memory", resource.RLIMIT_AS, lambda: (_address_space() + int(job["memory_bytes"]),) * 2),
    ]
    refused = []
    for name, kind, value in limits:
        try:
            resource.setrlimit(kind, value())
        except (OSError, ValueError):
            refused.append(name)
    return refused


def _address_space() -> int:
    """This process's current virtual size: the memory limit is headroom above it."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")
