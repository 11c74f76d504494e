"""A code run's table and chart reach the answer as Slack's native blocks, above the feedback
buttons, through the whole answer path (in-process Slack sandbox, deterministic model)."""

from __future__ import annotations

import json

from assistant.executor.protocol import RunFile, RunRequest, RunResult
from tests.e2e.harness import unique
from tests.executor_stand_in import StandInExecutor
from tests.responders import local_clients, memory_stores, test_responder
from tests.unit.answer.test_responder import Bot

CHART = {"type": "bar", "title": "Q2 by region", "categories": ["north", "south"],
         "series": [{"name": "q2", "values": [14, 9]}]}  # fmt: skip


class Executor(StandInExecutor):
    def __init__(self, *files: RunFile) -> None:
        self.files = files

    def run(self, request: RunRequest, *, deadline: float) -> RunResult:
        return RunResult(exit_code=0, stdout="done\n", stdout_bytes=5, files=self.files)


def bot_with(local_slack, local_model, executor: Executor) -> Bot:
    stores = memory_stores()
    clients = local_clients(stores, local_slack, local_model, executor=executor)  # type: ignore[arg-type]
    core = test_responder(clients, executor_url="http://executor.invalid")
    return Bot(core, stores, None, local_slack, local_model)  # type: ignore[arg-type]


def test_a_runs_table_and_chart_are_native_blocks_above_the_feedback(local_slack, local_model):
    executor = Executor(
        RunFile("chart.png", b"\x89PNG"),
        RunFile("q2.chart.json", json.dumps(CHART).encode()),
        RunFile("totals.csv", b"region,q2\nnorth,14\nsouth,9\n"),
    )
    bot = bot_with(local_slack, local_model, executor)
    code = json.dumps({"code": "df.to_csv('totals.csv')"})

    mention, _ = bot.ask(unique(f"totals please [[tool:run_python:{code}]]"))

    [answer] = [m for m in local_slack.bot_replies(mention.thread_ts) if m.get("blocks")]
    # The words stream as the message's text (or a markdown block when edited instead).
    blocks = [block for block in answer["blocks"] if block["type"] != "markdown"]
    assert [block["type"] for block in blocks] == ["data_visualization", "table", "context_actions"]
    chart, table = blocks[0], blocks[1]
    assert [[c["text"] for c in row] for row in table["rows"]] == [
        ["region", "q2"], ["north", "14"], ["south", "9"]
    ]  # fmt: skip
    assert chart["chart"]["series"][0]["data"][0] == {"label": "north", "value": 14}
    [files] = [m["files"] for m in local_slack.bot_replies(mention.thread_ts) if m.get("files")]
    assert {f["name"] for f in files} == {"chart.png", "q2.chart.json", "totals.csv"}


def test_a_table_over_slacks_limits_stays_a_file_and_the_answer_has_only_feedback(
    local_slack, local_model
):
    big = RunFile("all.csv", b"n\n" + b"1\n" * 100)  # 101 rows with the header
    bot = bot_with(local_slack, local_model, Executor(big))
    code = json.dumps({"code": "df.to_csv('all.csv')"})

    mention, _ = bot.ask(unique(f"everything [[tool:run_python:{code}]]"))

    [answer] = [m for m in local_slack.bot_replies(mention.thread_ts) if m.get("blocks")]
    kinds = [block["type"] for block in answer["blocks"] if block["type"] != "markdown"]
    assert kinds == ["context_actions"]
    [files] = [m["files"] for m in local_slack.bot_replies(mention.thread_ts) if m.get("files")]
    assert [f["name"] for f in files] == ["all.csv"]
