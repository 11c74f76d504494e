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


def test_large_results_are_read_one_at_a_time_and_small_ones_do_not_wait(server):
    big = RunResult(exit_code=0, files=(RunFile("big.bin", b"x" * 3_000_000),))
    body = (200, "application/x-run-result", b"".join(big.encode()))
    stand_in = server(body, body, OK)
    client = ExecutorClient(stand_in.url)
    events: list[str] = []
    inside = threading.Event()

    def take(tag: str, hold: float) -> None:
        with client.stream(REQUEST, deadline=time.monotonic() + 30) as reader:
            events.append(f"{tag} in")
            inside.set()
            assert [len(f.data) for f in reader.files()] == [len(f.data) for f in big.files]
            time.sleep(hold)
            events.append(f"{tag} out")

    first = threading.Thread(target=take, args=("large 1", 0.5))
    first.start()
    inside.wait(10)
    second = threading.Thread(target=take, args=("large 2", 0))
    second.start()
    time.sleep(0.1)
    small = client.run(REQUEST, deadline=time.monotonic() + 30)
    events.append("small")
    first.join()
    second.join()

    assert small.stdout == "1\n"
    assert events == ["large 1 in", "small", "large 1 out", "large 2 in", "large 2 out"]
