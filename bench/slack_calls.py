"""Slack Web API calls per answer: streamed natively (chat.startStream …) vs the old path
(a "Thinking…" message, then chat.update at most once a second), and the calls a minute each
method sees with 10 answers streaming at once, against Slack's published tier.

Driven through `ThreadReply` (what the responder uses) and the real WebClient against the
local Slack sandbox, with a simulated clock: the model writes 50 tokens a second (4 characters
each), each tool runs 3 s. Both paths answer in a channel thread. `first_visible` times a
mention through the whole local stack to the loading status and to the answer's first text.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from aiohttp import web
from slack_sdk import WebClient

from assistant.slack.native_stream import STREAM_APPEND_SECONDS, StreamRecipient, TaskUpdate
from assistant.slack.reply import ThreadReply
from assistant.slack.status import AssistantStatus
from devstack.slack_sandbox import create_app
from devstack.slack_sandbox.config import SandboxConfig
from devstack.stack import LocalStack, StackOptions

__all__ = ["first_visible", "run"]

TOKEN_SECONDS = 1 / 50  # the model's pace
TOOL_SECONDS = 3.0
CONCURRENT = 10
# Slack's published tiers (docs.slack.dev/reference/methods/*), calls a minute per workspace.
TIERS = {
    "chat.startStream": ("Tier 2", 20),
    "chat.appendStream": ("Tier 4", 100),
    "chat.stopStream": ("Tier 2", 20),
    "chat.update": ("Tier 3", 50),
    "chat.postMessage": ("special", 60),  # about one a second per channel
    "assistant.threads.setStatus": ("Tier 3", 50),
}


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Counting(WebClient):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.counts: Counter[str] = Counter()

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        self.counts[api_method] += 1
        return super().api_call(api_method, **kwargs)


def _sandbox() -> tuple[str, str, Callable[[], None]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    token = "xoxb-bench"
    app = create_app(SandboxConfig(signing_secret="bench", bot_token=token))

    async def serve() -> tuple[web.AppRunner, int]:
        runner = web.AppRunner(app, shutdown_timeout=1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, runner.addresses[0][1]

    runner, port = asyncio.run_coroutine_threadsafe(serve(), loop).result(30)

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)

    return f"http://127.0.0.1:{port}/api/", token, stop


def _answer(api_url: str, token: str, *, streamed: bool, tokens: int, tools: int) -> dict:
    client = _Counting(token=token, base_url=api_url)
    question = client.chat_postMessage(channel="C0GENERAL", text="a question")  # the person's
    client.counts.clear()
    clock = _Clock()
    reply = ThreadReply(client, channel="C0GENERAL", thread_ts=question["ts"], message_ts=[],
                        on_new_message=lambda ts: None, min_interval=1.0, clock=clock)  # fmt: skip
    if streamed:
        status = AssistantStatus(client, channel="C0GENERAL", thread_ts=question["ts"],
                                 loading_messages=["Thinking…"])  # fmt: skip
        reply.use_status(status)
        recipient = StreamRecipient(user_id="U0ALICE", team_id="T0SANDBOX")
        reply.use_stream(recipient, on_stream=lambda ts: None, interval=STREAM_APPEND_SECONDS)
    reply.show_progress()
    for number in range(tools):
        task = TaskUpdate(id=f"call_{number}", title="Running Python", status="in_progress")
        if streamed:
            reply.task(task)
        else:
            reply.show_status("Running Python…")  # the old path's status line
        clock.now += TOOL_SECONDS
        if streamed:
            reply.task(TaskUpdate(id=task.id, title=task.title, status="complete", output="42"))
    text = ""
    for _ in range(tokens):
        text += "word "
        clock.now += TOKEN_SECONDS
        reply.stream(text)
    reply.finish(text + "end.")
    return {"counts": client.counts, "seconds": clock.now}


def run() -> tuple[list[dict], list[dict]]:
    api_url, token, stop = _sandbox()
    try:
        per_answer, concurrent = [], []
        for label, tokens, tools in (("1,500-token answer", 1500, 0),
                                     ("two tool rounds, 300-token answer", 300, 2)):  # fmt: skip
            runs = {streamed: _answer(api_url, token, streamed=streamed, tokens=tokens,
                                      tools=tools) for streamed in (False, True)}  # fmt: skip
            for streamed, result in runs.items():
                counts = result["counts"]
                per_answer.append({
                    "answer": label,
                    "path": "native stream" if streamed else "chat.update (old)",
                    "calls": sum(counts.values()),
                    "by method": [f"{m} {n}" for m, n in sorted(counts.items())],
                    "answer seconds": round(result["seconds"], 1),
                })  # fmt: skip
                if label.startswith("1,500"):
                    # 10 such answers streaming back to back, each for its whole length.
                    minutes = result["seconds"] / 60
                    for method, n in sorted(counts.items()):
                        tier, limit = TIERS.get(method, ("?", 0))
                        rate = n * CONCURRENT / minutes
                        concurrent.append({
                            "path": "native stream" if streamed else "chat.update (old)",
                            "method": method,
                            "calls/min (10 at once)": round(rate, 1),
                            "Slack tier": f"{tier} ({limit}+/min)",
                            "share of tier": f"{rate / limit:.0%}" if limit else "?",
                        })  # fmt: skip
        return per_answer, concurrent
    finally:
        stop()


if __name__ == "__main__":
    answers, rates = run()
    for row in answers + rates:
        print(row)


def first_visible(log_dir: Path, *, mentions: int = 5) -> dict:
    """Through the whole local stack (deterministic model): from posting a channel mention to
    the first thing the person sees (the loading status, or a message) and to the first answer
    text (the stream's start), median and worst of `mentions` after one warm-up."""
    options = StackOptions(log_dir=log_dir / "first-visible", function_env={"LOG_LEVEL": "WARNING"})
    with LocalStack.start(options) as stack:
        http = requests.Session()
        samples = [_first_visible(http, stack.sandbox_url) for _ in range(mentions + 1)][1:]
    status = [s for s, _ in samples]
    text = [t for _, t in samples]
    return {
        "mentions": mentions,
        "first visible p50 s": statistics.median(status),
        "first visible max s": max(status),
        "first answer text p50 s": statistics.median(text),
        "first answer text max s": max(text),
    }


def _first_visible(http: requests.Session, sandbox: str) -> tuple[float, float]:
    text = f"<@U0BOT> how fast? #{uuid.uuid4().hex[:8]}"
    started = time.time()
    posted = http.post(
        f"{sandbox}/_sandbox/messages",
        json={"channel": "C0GENERAL", "user": "U0ALICE", "text": text},
        timeout=10,
    ).json()

    def first(*methods: str) -> float | None:
        times = [
            call["at"]
            for method in methods
            for call in http.get(
                f"{sandbox}/_sandbox/calls", params={"method": method}, timeout=10
            ).json()["calls"]
            if str(call["args"].get("thread_ts")) == posted["ts"] and call.get("ok", True)
        ]
        return min(times) - started if times else None

    deadline = time.time() + 60
    while time.time() < deadline:
        answered = first("chat.startStream", "chat.postMessage")
        if answered is not None:
            visible = first("assistant.threads.setStatus", "chat.startStream", "chat.postMessage")
            return visible or answered, answered
        time.sleep(0.05)
    raise RuntimeError("no answer within 60 s")
