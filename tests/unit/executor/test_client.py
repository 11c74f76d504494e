"""The executor client against a stand-in server: Cloud Run's own 503s are retried with the
same run id, the executor's refusal is a result, anything else an error."""

from __future__ import annotations

import threading
import time

import pytest
from aiohttp import web

from assistant.executor.client import ExecutorClient, ExecutorError
from assistant.executor.protocol import RunFile, RunRequest, RunResult
from tests.servers import serve


class Server:
    def __init__(self, loop, answers) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str]] = []
        app = web.Application()
        app.router.add_post("/", self.handle)
        self._loop = loop
        self._runner, port = loop.run(serve(app))
        self.url = f"http://127.0.0.1:{port}/"

    async def handle(self, request: web.Request) -> web.Response:
        body = RunRequest.from_json(await request.read())
        self.calls.append((body.run_id, request.headers.get("Authorization", "")))
        status, content_type, body = self.answers.pop(0)
        data = body.encode() if isinstance(body, str) else body
        return web.Response(status=status, body=data, content_type=content_type)

    def close(self) -> None:
        self._loop.run(self._runner.cleanup())


@pytest.fixture
def server(servers_loop):
    made = []

    def start(*answers):
        made.append(Server(servers_loop, answers))
        return made[-1]

    yield start
    for server in made:
        server.close()


REQUEST = RunRequest(run_id="Ev1:abc", code="print(1)", timeout_seconds=5)
OK = (200, "application/x-run-result", b"".join(RunResult(exit_code=0, stdout="1\n").encode()))


def test_cloud_runs_busy_answers_are_retried_with_the_same_run_id(server):
    stand_in = server(
        (503, "text/html", "<html>Service Unavailable</html>"), (429, "text/plain", ""), OK
    )
    client = ExecutorClient(stand_in.url, token=lambda: "id-token", sleep=lambda s: None)

    result = client.run(REQUEST, deadline=time.monotonic() + 30)

    assert result.stdout == "1\n"
    assert stand_in.calls == [("Ev1:abc", "Bearer id-token")] * 3


def test_the_executors_refusal_is_a_result_not_retried(server):
    refusal = b"".join(RunResult.unavailable("bubblewrap (bwrap) is not installed").encode())
    stand_in = server((503, "application/json", refusal))

    result = ExecutorClient(stand_in.url).run(REQUEST, deadline=time.monotonic() + 30)

    assert (result.status, result.message) == ("unavailable", "bubblewrap (bwrap) is not installed")
    assert len(stand_in.calls) == 1


def test_a_client_error_is_not_retried_and_says_what_happened(server):
    stand_in = server((403, "text/plain", "Forbidden"))

    with pytest.raises(ExecutorError, match="HTTP 403"):
        ExecutorClient(stand_in.url).run(REQUEST, deadline=time.monotonic() + 30)
    assert len(stand_in.calls) == 1


def test_retries_stop_at_the_deadline(server):
    stand_in = server(*[(502, "text/plain", "")] * 50)
    client = ExecutorClient(stand_in.url, sleep=lambda s: time.sleep(0.01))

    with pytest.raises(ExecutorError, match="HTTP 502"):
        client.run(REQUEST, deadline=time.monotonic() + 2.5)
    assert 1 <= len(stand_in.calls) < 50


def test_large_results_are_taken_one_at_a_time_by_one_thread_and_small_ones_do_not_wait(server):
    big = RunResult(exit_code=0, files=(RunFile("big.bin", b"x" * 3_000_000),))
    body = (200, "application/x-run-result", b"".join(big.encode()))
    stand_in = server(body, body, OK)
    client = ExecutorClient(stand_in.url)
    spans: list[tuple[float, float, str]] = []
    both_open = threading.Barrier(2)

    def take_slowly(files) -> list[int]:
        started = time.monotonic()
        sizes = [len(f.data) for f in files]
        time.sleep(0.3)
        spans.append((started, time.monotonic(), threading.current_thread().name))
        return sizes

    def large() -> None:
        deadline = time.monotonic() + 30
        with client.stream(REQUEST, deadline=deadline) as reader:
            both_open.wait(10)  # two large results arrived together
            assert client.take_files(reader, take_slowly, deadline=deadline) == [3_000_000]

    threads = [threading.Thread(target=large) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    small_started = time.monotonic()
    small = client.run(REQUEST, deadline=time.monotonic() + 30)
    small_seconds = time.monotonic() - small_started
    for thread in threads:
        thread.join()

    assert small.stdout == "1\n" and small_seconds < 0.3  # it did not queue behind them
    (_, first_end, first_thread), (second_start, _, second_thread) = sorted(spans)
    assert second_start >= first_end  # one at a time
    assert first_thread == second_thread and first_thread.startswith("large-results")
