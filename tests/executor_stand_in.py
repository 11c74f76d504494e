"""An executor client in memory for the answer-path tests: a subclass says what `run` returns
(or raises); the tool reads it as it reads the real client's streamed result."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from assistant.executor.protocol import ResultReader, RunFile, RunRequest, RunResult

T = TypeVar("T")


class StandInExecutor:
    def run(self, request: RunRequest, *, deadline: float) -> RunResult:
        raise NotImplementedError

    @contextlib.contextmanager
    def stream(self, request: RunRequest, *, deadline: float) -> Iterator[ResultReader]:
        result = self.run(request, deadline=deadline)
        yield ResultReader(io.BytesIO(b"".join(result.encode())))

    def take_files(
        self, reader: ResultReader, take: Callable[[Iterable[RunFile]], T], *, deadline: float
    ) -> T:
        return take(reader.files())
