"""The JSON contract between the responder and the executor: one run of model-written Python.

The responder sends the code and the thread's files; the executor answers with what the run
printed and the files it left behind. Nothing else crosses: the executor has no storage, no
database and no secrets. Both sides import this module, so it stays pure (standard library
only) and the executor's image needs nothing else of `assistant`.

Cloud Run caps a request and a response at 32 MB. A request is JSON, its files in base64
(4/3 of their size): inputs are capped at `MAX_INPUT_BYTES`. A result is one JSON line (the
result, each file by name and size) followed by the files' raw bytes in order, so the
responder can read it one file at a time and let each go (`ResultReader`) instead of holding
the JSON, the decoded bytes and their copies at once; outputs are capped at
`MAX_OUTPUT_BYTES`, `MAX_OUTPUT_FILE_BYTES` each. A result without files is that JSON line.

    >>> request = RunRequest(run_id="Ev1:ab12", code="print(1)", files=(RunFile("a.csv", b"x"),))
    >>> RunRequest.from_json(request.to_json()) == request
    True
    >>> result = RunResult(exit_code=0, files=(RunFile("o.txt", b"hi"),))
    >>> [len(part) for part in result.encode()][1:]  # the line's end, then the file's bytes
    [1, 2]
    >>> RunResult.decode(b"".join(result.encode())) == result
    True
    >>> valid_name("../etc/passwd"), valid_name("sales.csv")
    (False, True)
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_OUTPUT_BYTES",
    "MAX_OUTPUT_FILES",
    "MAX_OUTPUT_FILE_BYTES",
    "FileHead",
    "ProtocolError",
    "ResultReader",
    "RunFile",
    "RunRequest",
    "RunResult",
    "Skipped",
    "valid_name",
    "valid_output_name",
]

MAX_INPUT_BYTES = 22_000_000  # base64 makes it 29.3 MB: under Cloud Run's 32 MB request cap
MAX_OUTPUT_BYTES = 20_000_000
MAX_OUTPUT_FILE_BYTES = 10_000_000  # the responder holds one file at a time: this much
MAX_OUTPUT_FILES = 20
MAX_HEAD_BYTES = 1_000_000  # the result's JSON line (stdout and stderr are capped far below)
_READ_CHUNK = 1024 * 1024
MAX_CODE_CHARS = 100_000
MAX_TIMEOUT_SECONDS = 300.0
_MAX_NAME_BYTES = 200

# Why a run ended early, as the executor reports it (empty when the code ended by itself).
LIMITS = ("timeout", "output", "disk", "memory")
STATUSES = ("finished", "unavailable")


class ProtocolError(ValueError):
    """A message that does not follow this contract."""


def valid_name(name: str) -> bool:
    """A single path segment that cannot climb out of the run directory or hide."""
    if not isinstance(name, str) or not name.isprintable():  # lone surrogates are not
        return False
    return (
        0 < len(name.encode()) <= _MAX_NAME_BYTES
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and not name.startswith(".")
    )


def valid_output_name(name: str) -> bool:
    """A relative path of valid segments (a run may write into subdirectories)."""
    parts = name.split("/") if isinstance(name, str) else []
    return bool(parts) and len(parts) <= 8 and all(valid_name(part) for part in parts)


@dataclasses.dataclass(frozen=True)
class RunFile:
    name: str
    data: bytes

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "data": base64.b64encode(self.data).decode()}

    @classmethod
    def from_json(cls, raw: Any) -> RunFile:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            raise ProtocolError("a file needs a name and base64 data")
        try:
            data = base64.b64decode(str(raw.get("data", "")), validate=True)
        except ValueError:
            raise ProtocolError(f"the data of {raw['name']!r} is not base64") from None
        return cls(raw["name"], data)


@dataclasses.dataclass(frozen=True)
class FileHead:
    """A file of a result by name and size: what the JSON line says before its bytes."""

    name: str
    size: int


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A file that was not passed on, and why (too large, a symbolic link, ...)."""

    name: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "reason": self.reason}


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunRequest:
    run_id: str  # the same for a retried call: the executor answers it from its cache
    code: str
    files: tuple[RunFile, ...] = ()
    timeout_seconds: float = 60.0

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "run_id": self.run_id,
                "code": self.code,
                "files": [file.to_json() for file in self.files],
                "timeout_seconds": self.timeout_seconds,
            }
        ).encode()

    @classmethod
    def from_json(cls, body: bytes | str) -> RunRequest:
        raw = _object(body)
        code, run_id = raw.get("code"), raw.get("run_id")
        if not isinstance(code, str) or not isinstance(run_id, str) or not run_id:
            raise ProtocolError("a run needs a run_id and code (strings)")
        if len(code) > MAX_CODE_CHARS:
            raise ProtocolError(f"the code is longer than {MAX_CODE_CHARS:,} characters")
        timeout = raw.get("timeout_seconds", 60.0)
        if not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT_SECONDS:
            raise ProtocolError(f"timeout_seconds must be within 0..{MAX_TIMEOUT_SECONDS:g}")
        files = tuple(RunFile.from_json(item) for item in raw.get("files") or ())
        names = [file.name for file in files]
        if not all(valid_name(name) for name in names) or len(set(names)) != len(names):
            raise ProtocolError("file names must be distinct single path segments")
        if sum(len(file.data) for file in files) > MAX_INPUT_BYTES:
            raise ProtocolError(f"the files are larger than {MAX_INPUT_BYTES:,} bytes in all")
        return cls(run_id=run_id, code=code, files=files, timeout_seconds=float(timeout))


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunResult:
    status: str = "finished"  # or "unavailable": the executor refused to run code
    message: str = ""  # why it is unavailable
    exit_code: int | None = None  # negative: killed by that signal
    limit: str = ""  # which limit stopped the run, if one did (LIMITS)
    stdout: str = ""  # the start of what was printed (the executor keeps a bounded head)
    stderr: str = ""
    stdout_bytes: int = 0  # how much was printed in all
    stderr_bytes: int = 0
    seconds: float = 0.0
    files: tuple[RunFile, ...] = ()  # new or changed regular files in the working directory
    skipped: tuple[Skipped, ...] = ()

    # The files by name and size, when the result came without their bytes (ResultReader).
    written: tuple[FileHead, ...] = ()

    @classmethod
    def unavailable(cls, message: str) -> RunResult:
        return cls(status="unavailable", message=message)

    @property
    def outputs(self) -> tuple[FileHead, ...]:
        """The files the run left, by name and size, whether or not their bytes are here."""
        return self.written or tuple(FileHead(file.name, len(file.data)) for file in self.files)

    def encode(self) -> Iterator[bytes]:
        """The JSON line, then each file's bytes: nothing is copied or encoded as base64."""
        yield json.dumps(
            {
                **{
                    field.name: getattr(self, field.name)
                    for field in dataclasses.fields(self)
                    if field.name not in ("files", "skipped", "written")
                },
                "files": [{"name": file.name, "size": len(file.data)} for file in self.files],
                "skipped": [item.to_json() for item in self.skipped],
            }
        ).encode()
        if self.files:
            yield b"\n"
            yield from (file.data for file in self.files)

    @classmethod
    def decode(cls, body: bytes) -> RunResult:
        """A whole encoded result (tests, small answers); ResultReader reads one as a stream."""
        reader = ResultReader(io.BytesIO(body))
        return dataclasses.replace(reader.result, files=tuple(reader.files()), written=())

    @classmethod
    def _from_head(cls, raw: dict[str, Any]) -> RunResult:
        if raw.get("status") not in STATUSES:
            raise ProtocolError(f"unknown status {raw.get('status')!r}")
        written = tuple(_file_head(item) for item in raw.get("files") or ())
        if len(written) > MAX_OUTPUT_FILES:
            raise ProtocolError(f"more than {MAX_OUTPUT_FILES} output files")
        if sum(head.size for head in written) > MAX_OUTPUT_BYTES:
            raise ProtocolError(f"the output files are larger than {MAX_OUTPUT_BYTES:,} bytes")
        skipped = tuple(
            Skipped(str(item.get("name", "")), str(item.get("reason", "")))
            for item in raw.get("skipped") or ()
            if isinstance(item, Mapping)
        )
        exit_code = raw.get("exit_code")
        return cls(
            status=raw["status"],
            message=str(raw.get("message", "")),
            exit_code=exit_code if isinstance(exit_code, int) else None,
            limit=str(raw.get("limit", "")),
            stdout=str(raw.get("stdout", "")),
            stderr=str(raw.get("stderr", "")),
            stdout_bytes=int(raw.get("stdout_bytes", 0)),
            stderr_bytes=int(raw.get("stderr_bytes", 0)),
            seconds=float(raw.get("seconds", 0.0)),
            skipped=skipped,
            written=written,
        )


def _file_head(raw: Any) -> FileHead:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        raise ProtocolError("an output file needs a name and a size")
    size = raw.get("size")
    if not valid_output_name(raw["name"]):
        raise ProtocolError("an output file has an unsafe name")
    if not isinstance(size, int) or not 0 <= size <= MAX_OUTPUT_FILE_BYTES:
        raise ProtocolError(f"an output file is larger than {MAX_OUTPUT_FILE_BYTES:,} bytes")
    return FileHead(raw["name"], size)


class Readable(Protocol):
    """A binary stream read into buffers: a BufferedReader over the response, or BytesIO."""

    def readline(self, size: int = -1, /) -> bytes: ...
    def readinto(self, buffer: Any, /) -> int: ...


class ResultReader:
    """Reads an encoded result from a stream: the JSON line at once (`result`, its files by
    name and size in `result.written`), then `files()` one at a time, each read when asked
    for; the caller lets each go before asking for the next."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        line = self._guarded(stream.readline, MAX_HEAD_BYTES + 1)
        if len(line) > MAX_HEAD_BYTES:
            raise ProtocolError("the result's JSON line is too long")
        self.result = RunResult._from_head(_object(line))
        self._read = False

    @property
    def total_bytes(self) -> int:
        return sum(head.size for head in self.result.written)

    def files(self) -> Iterator[RunFile]:
        if self._read:
            raise ProtocolError("a result's files can be read once")
        self._read = True
        for head in self.result.written:
            data = self._read_exactly(head)
            yield RunFile(head.name, data)
            del data  # the caller's reference is the only one left

    def _read_exactly(self, head: FileHead) -> bytes:
        """The file's bytes, read into one buffer a chunk at a time: a single large read
        would make a whole-size temporary in each layer of the HTTP client."""
        data = bytearray(head.size)
        view, done = memoryview(data), 0
        while done < head.size:
            got = self._guarded(self._stream.readinto, view[done : done + _READ_CHUNK])
            if not got:
                raise ProtocolError(f"the result ended inside {head.name!r}")
            done += got
        view.release()
        return bytes(data)  # the one copy: Storage's client takes bytes only

    @staticmethod
    def _guarded(read: Callable[[Any], Any], size: Any) -> Any:
        try:
            return read(size)
        except Exception as error:  # whatever the transport raises: the result is cut off
            raise ProtocolError(f"the result was cut off ({type(error).__name__})") from error


def _object(body: bytes | str) -> dict[str, Any]:
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("the body is not JSON") from None
    if not isinstance(raw, dict):
        raise ProtocolError("the body must be a JSON object")
    return raw
