"""Calling the executor: an ID token in the cloud, plain HTTP locally, retried within a deadline.

The executor is a private Cloud Run service that only the responder's service account may
invoke, so each call carries a Google ID token whose audience is the executor's URL (from the
metadata server, cached until it expires). Locally the executor listens on loopback over
plain HTTP and needs none.

A call is idempotent per run id (the mention's event and the code, `tool.py`): the executor
answers a retried run id from its cache, so a lost response or a busy instance (Cloud Run's
429/503 while instances start, concurrency 1) is retried with the same id.

A result is read as a stream (`stream`): its JSON line first, then one file at a time, which
the caller passes on and lets go (`take_files`). A result with more than `LARGE_RESULT_BYTES`
of files is taken by the instance's one thread for large results, one after another, so eight
answers in flight never hold eight results at once (the responder has 512 MiB), and the large
buffers are all made and freed by that one thread: the C allocator keeps freed memory per
thread (glibc's arenas), so eight threads taking turns would each keep their own high-water
mark (bench/result_memory.py measured 241 MiB that way, 164 MiB with one thread).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import io
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import requests

from assistant.executor.protocol import (
    ProtocolError,
    ResultReader,
    RunFile,
    RunRequest,
    RunResult,
)

__all__ = ["LARGE_RESULT_BYTES", "ExecutorClient", "ExecutorError", "google_id_token"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Cloud Run's answers while instances start or are all busy; a 500 is the executor's own
# failure, which the same request would meet again.
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_CONNECT_SECONDS = 10.0
_TRANSFER_SECONDS = 30.0  # on top of the run's own time limit: start-up, 30 MB each way
LARGE_RESULT_BYTES = 2_000_000  # results with more than this in files are read one at a time
_BUFFER_BYTES = 65_536


class ExecutorError(RuntimeError):
    """The executor could not be reached or answered something unusable."""


def google_id_token(audience: str) -> Callable[[], str]:
    """A token source for calling a private Cloud Run service as this service account."""
    import google.auth.transport.requests
    import google.oauth2.id_token

    lock = threading.Lock()
    credentials = None

    def token() -> str:
        nonlocal credentials
        with lock:
            request = google.auth.transport.requests.Request()
            if credentials is None:
                credentials = google.oauth2.id_token.fetch_id_token_credentials(
                    audience, request=request
                )
            if not credentials.valid:
                credentials.refresh(request)
            return credentials.token

    return token


class ExecutorClient:
    def __init__(
        self,
        url: str,
        *,
        token: Callable[[], str] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self._token = token
        self._session = session or requests.Session()
        self._sleep = sleep
        # One per instance (one client per responder): takes large results one at a time.
        self._large_results = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="large-results"
        )

    def run(self, request: RunRequest, *, deadline: float) -> RunResult:
        """The whole result, its files in memory (small results, tests); see `stream`."""
        with self.stream(request, deadline=deadline) as reader:
            files = self.take_files(reader, tuple, deadline=deadline)
            return dataclasses.replace(reader.result, files=files, written=())

    @contextlib.contextmanager
    def stream(self, request: RunRequest, *, deadline: float) -> Iterator[ResultReader]:
        """The result as it arrives: `reader.result` (a RunResult(status="unavailable") when
        the executor refused), then `reader.files()` one at a time, within this block. Raises
        ExecutorError when no usable answer came before the deadline."""
        response = self._respond(request, deadline)
        with response:
            try:
                if response.status_code == 200:
                    reader = ResultReader(io.BufferedReader(response.raw, _BUFFER_BYTES))
                else:  # the executor's refusal: a JSON line, no files
                    reader = ResultReader(io.BytesIO(response.content))
            except ProtocolError as error:
                raise ExecutorError(f"the executor's answer is unusable ({error})") from None
            yield reader

    def take_files(
        self, reader: ResultReader, take: Callable[[Iterable[RunFile]], T], *, deadline: float
    ) -> T:
        """`take(files)`, the files read one at a time as it iterates: on this thread for a
        small result, on the instance's one thread for large results otherwise (waiting for
        the ones before it)."""
        if reader.total_bytes <= LARGE_RESULT_BYTES:
            return take(reader.files())
        turn = self._large_results.submit(take, reader.files())
        try:
            return turn.result(timeout=max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            if turn.cancel():
                raise ExecutorError("other large results took all the time left") from None
            return turn.result()  # it started: it ends with the stream, which is still open

    def _respond(self, request: RunRequest, deadline: float) -> requests.Response:
        """The executor's answer (a result or its refusal), its body not read yet."""
        body = request.to_json()
        backoff, attempt = 1.0, 0
        while True:
            attempt += 1
            remaining = deadline - time.monotonic()
            if remaining < 1:
                raise ExecutorError("no time was left to run the code")
            answer = self._attempt(request, body, remaining)
            if isinstance(answer, requests.Response):
                return answer
            if time.monotonic() + backoff >= deadline - 1:
                raise ExecutorError(answer)
            logger.warning("executor call failed; retrying", extra={"attempt": attempt})
            self._sleep(backoff)
            backoff = min(backoff * 2, 8.0)

    def _attempt(
        self, request: RunRequest, body: bytes, remaining: float
    ) -> requests.Response | str:
        """The answer to read, or why this attempt failed (retryable)."""
        headers = {"Content-Type": "application/json"}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token()}"
        read = min(remaining, request.timeout_seconds + _TRANSFER_SECONDS)
        try:
            response = self._session.post(
                self.url, data=body, headers=headers, timeout=(_CONNECT_SECONDS, read), stream=True
            )
        except requests.RequestException as error:
            return f"the executor could not be reached ({type(error).__name__})"
        if response.status_code == 200 or _is_refusal(response):
            return response
        response.close()
        if response.status_code in _RETRY_STATUSES:
            return f"the executor answered HTTP {response.status_code}"
        raise ExecutorError(f"the executor answered HTTP {response.status_code}")


def _is_refusal(response: requests.Response) -> bool:
    """The executor's own 503 (isolation missing), not Cloud Run's (no instance ready)."""
    if response.status_code != 503:
        return False
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return False
    try:
        return response.json().get("status") == "unavailable"
    except ValueError:
        return False
