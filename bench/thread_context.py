"""What one turn costs to know its thread: Slack calls, Firestore reads and writes, time, and
the rolling summary's model calls and tokens as a thread grows.

Runs the Slack sandbox and the deterministic model as servers (real HTTP, real `slack_sdk` and
`openai` clients) and the Firestore emulator; builds prompts with the responder's own
PromptBuilder, ThreadReader and Summariser, as `build_responder` wires them
(bench/responders.py). Slack calls are counted at the Slack client.
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from pathlib import Path

import requests
from google.cloud import firestore

from assistant.answer.plan import PlanDefaults, plan_answer
from assistant.channels.settings import ChannelSettings
from assistant.conversation.summary import Summary
from assistant.conversation.turns import StoredTurn
from assistant.llm.tokens import count_content
from assistant.mention import Mention
from bench.responders import BenchResponder, CountingSlack
from devstack.emulators import start_firestore
from devstack.processes import ManagedProcess, free_port, wait_for_http

TOKEN = "xoxb-bench"
SENTENCE = "The queue grew while the team checked the consumer lag on the ordering key. "


class _Servers:
    def __init__(self, log_dir: Path) -> None:
        self.slack_port, self.model_port = free_port(), free_port()
        self.slack = ManagedProcess(
            "bench-slack",
            [sys.executable, "-m", "devstack.slack_sandbox", "--port", str(self.slack_port),
             "--signing-secret", "s", "--bot-token", TOKEN, "--fresh",
             "--data-dir", str(log_dir / "slack")],
            log_dir=log_dir,
        )  # fmt: skip
        self.model = ManagedProcess(
            "bench-model",
            [sys.executable, "-m", "devstack.fake_openai", "--port", str(self.model_port)],
            log_dir=log_dir,
        )
        self.slack_url = f"http://127.0.0.1:{self.slack_port}"
        wait_for_http(f"{self.slack_url}/api/api.test", timeout=30, process=self.slack.process)
        wait_for_http(f"http://127.0.0.1:{self.model_port}/v1/models", timeout=30,
                      process=self.model.process)  # fmt: skip

    def post(self, text: str, *, user: str = "U0ALICE", thread_ts: str | None = None) -> str:
        payload = {"channel": "C0GENERAL", "user": user, "text": text}
        if thread_ts:
            payload["thread_ts"] = thread_ts
        response = requests.post(f"{self.slack_url}/_sandbox/messages", json=payload, timeout=10)
        response.raise_for_status()
        return response.json()["ts"]

    def stop(self) -> None:
        self.slack.stop()
        self.model.stop()


def _mention(
    ts: str, thread_ts: str, text: str = "<@U0BOT> summarise this thread", *, bot: str = "U0BOT"
) -> Mention:
    return Mention(
        event_id=f"Ev{uuid.uuid4().hex[:10].upper()}",
        team_id="T0SANDBOX",
        channel="C0GENERAL",
        user="U0ALICE",
        text=text,
        ts=ts,
        thread_ts=thread_ts,
        bot_user_id=bot,  # "": the thread is not read from Slack (history alone)
    )


def _responder(db, servers: _Servers) -> BenchResponder:
    """The responder's wiring on the servers. One per process in the responder: its thread
    reader keeps people's names cached across turns."""
    slack = CountingSlack(TOKEN, f"{servers.slack_url}/api/")
    model_url = f"http://127.0.0.1:{servers.model_port}/v1"
    return BenchResponder(db, slack=slack, model_url=model_url, openai_model="gpt-4o-mini")


def _turn_row(db, servers, plan, mention, label: str, size: int, wired=None) -> dict:
    wired = wired or _responder(db, servers)
    history, slack = wired.history, wired.slack
    reads, writes, calls = history.reads, history.writes, slack.calls
    start = time.perf_counter()
    assembly = wired.prompts.build(mention, plan)
    seconds = time.perf_counter() - start
    slack_calls = slack.calls - calls
    # What the responder records after answering: the question (the answer is not needed here).
    history.append(mention.thread_key, [assembly.question_turn], keep_tokens=plan.input_budget,
                   read_through=mention.ts, people={mention.user})  # fmt: skip
    return {
        "human_messages": size,
        "turn": label,
        "ms": 1000 * seconds,
        "slack_calls": slack_calls,
        "firestore_reads": history.reads - reads,
        "firestore_commits": history.writes - writes,
        "summary_tokens_in": assembly.summary_usage.prompt_tokens,
        "turns_sent": len(assembly.prompt().parts) - 2,
    }


def context_rows(db, servers: _Servers, sizes=(10, 1_000)) -> list[dict]:
    plan = plan_answer(PlanDefaults(model="gpt-4o-mini"), document_sets=())  # the whole window
    rows = []
    _warm_up(db, servers, plan)
    for size in sizes:
        wired = _responder(db, servers)
        parent = servers.post(f"thread of {size}", user="U0BOB")
        for n in range(size - 1):
            servers.post(f"message {n}: {SENTENCE}", user=("U0BOB", "U0ALICE")[n % 2],
                         thread_ts=parent)  # fmt: skip
        first = servers.post("<@U0BOT> summarise this thread", thread_ts=parent)
        rows.append(_turn_row(db, servers, plan, _mention(first, parent), "first", size, wired))
        servers.post("one more thing", user="U0BOB", thread_ts=parent)
        second = servers.post("<@U0BOT> and now?", thread_ts=parent)
        mention = _mention(second, parent, "<@U0BOT> and now?")
        rows.append(_turn_row(db, servers, plan, mention, "next", size, wired))
    return rows


def _warm_up(db, servers: _Servers, plan) -> None:
    """The emulator's and the servers' first requests are slow (JIT): keep them out."""
    parent = servers.post("warm-up", user="U0BOB")
    for _ in range(3):
        ts = servers.post("<@U0BOT> warm-up", thread_ts=parent)
        _turn_row(db, servers, plan, _mention(ts, parent), "warm-up", 1)


def summary_rows(db, servers: _Servers, sizes=(100, 1_000, 10_000), budget=4_000) -> list:
    """A conversation of N turns whose summary is caught up, then one more question and
    answer: the summary calls and tokens that turn costs (it should not grow with N)."""
    capped = ChannelSettings(model="gpt-4o-mini", max_prompt_tokens=budget)  # the channel's cap
    plan = plan_answer(PlanDefaults(model="gpt-4o-mini"), channel=capped, document_sets=())
    rows = []
    for size in sizes:
        thread_ts = f"{1_500_000_000 + size}.000000"
        key = f"T0SANDBOX:C0GENERAL:{thread_ts}"
        history = _responder(db, servers).history
        turns = [_seeded(thread_ts, n, plan) for n in range(size)]
        history.append(key, turns, keep_tokens=plan.input_budget)
        # As full as the prompt can be: each new turn then pushes the oldest kept ones out.
        kept = _fitting(turns, budget - 800)
        through = turns[-kept - 1].order if kept < len(turns) else ""
        history.save_summary(key, Summary("Earlier: the team debugged the queue.", 20,
                                          plan.spec.count_key, through, size - kept))  # fmt: skip
        calls, tokens_in, tokens_out, seconds, reads = [], [], [], [], []
        for n in range(5):  # five more turns, each a question and an answer
            ts = f"{1_500_000_000 + size}.{size * 2 + n * 2 + 2:06d}"
            mention = _mention(ts, thread_ts, f"question {n}: {SENTENCE * 2}", bot="")
            wired = _responder(db, servers)
            store = wired.history
            start = time.perf_counter()
            assembly = wired.prompts.build(mention, plan)
            seconds.append(time.perf_counter() - start)
            reads.append(store.reads)
            answer = StoredTurn(order=f"{ts}:1", role="assistant", content=SENTENCE * 8,
                                tokens=count_content(SENTENCE * 8, plan.spec),
                                encoding=plan.spec.count_key)  # fmt: skip
            store.append(key, [assembly.question_turn, answer], keep_tokens=plan.input_budget)
            usage = assembly.summary_usage
            calls.append(1 if usage.prompt_tokens else 0)
            tokens_in.append(usage.prompt_tokens)
            tokens_out.append(usage.completion_tokens)
        rows.append(
            {
                "turns_in_thread": size,
                "summary_calls_per_turn": statistics.mean(calls),
                "summary_tokens_in": int(statistics.median(tokens_in)),
                "summary_tokens_out": int(statistics.median(tokens_out)),
                "prompt_build_ms": 1000 * statistics.median(seconds),
                "firestore_reads": int(statistics.median(reads)),
            }
        )
    return rows


def _seeded(thread_ts: str, n: int, plan) -> StoredTurn:
    role = "user" if n % 2 == 0 else "assistant"
    text = f"turn {n}: " + SENTENCE * (2 if role == "user" else 8)
    seconds = thread_ts.split(".")[0]
    tokens = count_content(text, plan.spec)
    order = f"{seconds}.{n:06d}:0"
    return StoredTurn(
        order=order, role=role, content=text, tokens=tokens, encoding=plan.spec.count_key
    )


def _fitting(turns: list[StoredTurn], room: int) -> int:
    used = kept = 0
    for turn in reversed(turns):
        if used + turn.tokens > room:
            break
        used += turn.tokens
        kept += 1
    return kept


def run(log_dir: Path) -> tuple[list[dict], list[dict]]:
    import os

    process, host = start_firestore(log_dir)
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    servers = _Servers(log_dir)
    try:
        db = firestore.Client(project="bench-project")
        return context_rows(db, servers), summary_rows(db, servers)
    finally:
        servers.stop()
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous
        process.stop()


if __name__ == "__main__":
    import tempfile

    context, summary = run(Path(tempfile.mkdtemp(prefix="bench-thread-")))
    for row in context + summary:
        print(row)
