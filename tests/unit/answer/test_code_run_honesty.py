"""A failed code run never passes for a result: the whole answer path with the deterministic
model, a stand-in executor and the in-process Slack sandbox."""

from __future__ import annotations

import json

from assistant.answer.delivery import Delivery
from assistant.executor.protocol import RunRequest, RunResult
from assistant.executor.report import FAILED
from tests.e2e.harness import message_text, unique
from tests.executor_stand_in import StandInExecutor
from tests.responders import local_clients, memory_stores, posted_mention, test_responder

CODE = "import pandas as pd\nprint(pd.read_csv('https://example.com/life.csv').mean())"


class Executor(StandInExecutor):
    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.requests: list[RunRequest] = []

    def run(self, request: RunRequest, *, deadline: float) -> RunResult:
        self.requests.append(request)
        return self.result


def answer(local_slack, local_model, result: RunResult, reply: str) -> tuple[str, list[dict]]:
    """Ask for a run of CODE that ends with `result`, the model replying `reply` after it."""
    clients = local_clients(memory_stores(), local_slack, local_model, executor=Executor(result))
    core = test_responder(clients, executor_url="http://executor.invalid")
    arguments = json.dumps({"code": CODE})
    question = unique(
        f"Which continent lives longest? [[tool:run_python:{arguments}]] [[reply:{reply}]]"
    )
    mention = posted_mention(local_slack, question)
    core.handle(Delivery(mention=mention, delivery_id=f"m-{mention.event_id}"))
    [shown] = [message_text(m) for m in local_slack.bot_replies(mention.thread_ts)]
    return shown, local_model.requests(question)


def test_a_failed_run_is_shown_failed_and_its_made_up_numbers_get_a_caution(
    local_slack, local_model
):
    failed = RunResult(
        exit_code=1,
        stderr="Traceback (most recent call last):\nurllib.error.URLError: <urlopen error>\n",
    )
    shown, requests = answer(local_slack, local_model, failed, "Europe, at 78.3 years.")

    told = requests[-1]["tool_messages"][0]["content"]
    assert told.startswith(f"{FAILED}: it ended with an error.")  # the model was told plainly
    assert "_This run failed (it ended with an error):_" in shown
    assert "urllib.error.URLError: <urlopen error>" in shown  # the end of the error, under it
    assert "No code run succeeded, so these numbers were not computed from the data: 78.3" in shown


def test_a_clean_run_shows_clean_and_its_numbers_need_no_caution(local_slack, local_model):
    clean = RunResult(exit_code=0, stdout="Oceania    80.72\nEurope     77.65\n", stdout_bytes=34)
    shown, _ = answer(local_slack, local_model, clean, "Oceania, at 80.7 years (Europe 77.6).")

    assert shown.startswith("Oceania, at 80.7 years (Europe 77.6).")
    assert "*Code run:*" in shown
    assert "failed" not in shown and ":warning:" not in shown and "⚠" not in shown
