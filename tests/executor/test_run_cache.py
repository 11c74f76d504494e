"""The executor answers a retried call from its cache, and only a retried call: the same
run_id with other code or other inputs is a new run."""

from __future__ import annotations

from main import Executor

from assistant.executor.protocol import RunFile, RunRequest, RunResult


class CountingRunner:
    def __init__(self) -> None:
        self.runs: list[RunRequest] = []

    def run(self, request: RunRequest) -> RunResult:
        self.runs.append(request)
        return RunResult(exit_code=0, stdout=f"run {len(self.runs)}")


def test_a_repeated_run_id_with_other_inputs_or_code_runs_again():
    runner = CountingRunner()
    executor = Executor(runner, None)  # type: ignore[arg-type]
    first = RunRequest(run_id="Ev1:1", code="print(1)", files=(RunFile("a.csv", b"1"),))
    other_input = RunRequest(run_id="Ev1:1", code="print(1)", files=(RunFile("a.csv", b"2"),))
    other_code = RunRequest(run_id="Ev1:1", code="print(2)", files=(RunFile("a.csv", b"1"),))

    answers = [executor.answer(request) for request in (first, first, other_input, other_code)]

    assert len(runner.runs) == 3
    assert answers[0] == answers[1]
    assert [answer.stdout for answer in answers] == [
        "run 1",
        "run 1",
        "run 2",
        "run 3",
    ]
