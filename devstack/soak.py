"""Soak: many mentions across many threads while things go wrong, then count what users saw.

Injected at stated rates: Slack delivering an event four times (retry storm), Pub/Sub
delivering a mention twice (a duplicate published to the topic), two copies of one Pub/Sub
message pushed at the same moment (as Pub/Sub does when it hands a message out again while the
first push still runs), poison attachments (a PDF that takes a minute of CPU to read, a PNG
that Pillow raises on, a small PNG that decodes to a quarter of a gigabyte), the model failing
once and
recovering, the model failing for good (the user must see an error), and the responder being
killed and restarted on a timer. Afterwards every mention must have exactly one answer or one
error message in its thread.

    nox -s soak -- --mentions 1000 --threads 50
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import os
import random
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from google.cloud import firestore

from assistant.mention import Mention, message_key
from assistant.pubsub.publish import publish_mention
from devstack.poison_files import blank_png, png_pillow_cannot_parse, slow_pdf
from devstack.stack import REPO_ROOT, LocalStack, StackOptions

__all__ = ["SoakPlan", "SoakReport", "run_soak"]

CHANNEL = "C0GENERAL"
TEAM = "T0SANDBOX"


@dataclasses.dataclass(frozen=True)
class SoakPlan:
    mentions: int = 1000
    threads: int = 50
    slack_retry_storm_rate: float = 0.05
    pubsub_duplicate_rate: float = 0.05
    concurrent_copy_rate: float = 0.05  # the same message id pushed twice at once
    poison_file_rate: float = 0.03  # a PDF that takes minutes to read, or an image that breaks
    model_flaky_rate: float = 0.05  # fails once, then answers
    model_broken_rate: float = 0.02  # keeps failing: the user sees an error
    kill_every_seconds: float | None = 20.0
    posting_workers: int = 8
    mentions_per_second: float = 10.0  # arrival rate, so latency is service time, not a backlog
    timeout_seconds: float = 900.0


@dataclasses.dataclass
class SoakReport:
    mentions_sent: int = 0
    answers_seen: int = 0
    error_messages_shown: int = 0
    duplicates: int = 0
    lost: int = 0
    responder_kills: int = 0
    first_text_p50_s: float = 0.0
    first_text_p99_s: float = 0.0
    wall_seconds: float = 0.0
    problems: list[str] = dataclasses.field(default_factory=list)

    def table(self) -> str:
        rows = [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)]
        lines = [f"| {name:<22} | {value} |" for name, value in rows if name != "problems"]
        return "\n".join(["| figure                 | value |", "|---|---|", *lines])


_POISON = (
    lambda: ("slow.pdf", "application/pdf", slow_pdf()),
    lambda: ("broken.png", "image/png", png_pillow_cannot_parse()),
    lambda: ("huge.png", "image/png", blank_png(7700, 7700)),
)


@dataclasses.dataclass
class _Sent:
    question: str
    expect_error: bool
    posted: dict[str, Any]
    thread_ts: str


def _mention(posted: dict[str, Any], question: str, thread_ts: str) -> Mention:
    return Mention(
        event_id=posted["event_id"],
        team_id=TEAM,
        channel=CHANNEL,
        user="U0ALICE",
        text=f"<@U0BOT> {question}",
        ts=posted["ts"],
        thread_ts=thread_ts,
        bot_user_id="U0BOT",
    )


def _push_twice_at_once(responder_url: str, mention: Mention) -> None:
    """Two pushes of one Pub/Sub message (same message id) racing each other."""
    body = {
        "message": {
            "data": base64.b64encode(mention.to_json()).decode(),
            "messageId": f"copy-{mention.event_id}",
            "orderingKey": mention.thread_key,
        },
        "subscription": "projects/local-project/subscriptions/mentions-push",
    }

    def push() -> None:
        for _ in range(40):  # as Pub/Sub would: redeliver until acked
            try:
                if requests.post(responder_url, json=body, timeout=600).status_code < 300:
                    return
            except requests.RequestException:  # the responder is being restarted
                pass
            time.sleep(0.5)

    copies = [threading.Thread(target=push, daemon=True) for _ in range(2)]
    for copy in copies:
        copy.start()


def run_soak(stack: LocalStack, plan: SoakPlan, *, seed: int = 7) -> SoakReport:
    http = requests.Session()
    api = stack.sandbox_url + "/_sandbox"
    started = time.monotonic()
    parents = [
        http.post(f"{api}/messages", json={"channel": CHANNEL, "text": f"soak thread {n}"}).json()[
            "ts"
        ]
        for n in range(plan.threads)
    ]
    killer = _Killer(stack, plan.kill_every_seconds)
    killer.start()
    try:
        first_post = time.monotonic()

        def paced(index: int) -> _Sent:
            time.sleep(max(0.0, first_post + index / plan.mentions_per_second - time.monotonic()))
            return _post(http, api, plan, seed, parents, index, stack.urls["responder"])

        with ThreadPoolExecutor(plan.posting_workers) as pool:
            sent = list(pool.map(paced, range(plan.mentions)))
        finals = _wait_for_claims(stack, sent, plan.timeout_seconds)
    finally:
        killer.stop()
    report = _count(http, api, sent, finals, parents)
    report.responder_kills = killer.kills
    report.wall_seconds = round(time.monotonic() - started, 1)
    return report


def _post(
    http, api, plan: SoakPlan, seed: int, parents: list[str], index: int, responder_url: str
) -> _Sent:
    rng = random.Random(seed * 1_000_003 + index)  # the same faults for the same mention
    marker = uuid.uuid4().hex[:8]
    roll = rng.random()
    directive, expect_error = "", False
    if roll < plan.model_broken_rate:
        directive, expect_error = "[[fail:500:99]] ", True
    elif roll < plan.model_broken_rate + plan.model_flaky_rate:
        directive = "[[fail:500:1]] "
    question = f"{directive}soak question {index} #{marker}"
    thread_ts = parents[index % len(parents)]
    storm = rng.random() < plan.slack_retry_storm_rate
    message = {
        "channel": CHANNEL,
        "user": "U0ALICE",
        "text": f"<@U0BOT> {question}",
        "thread_ts": thread_ts,
        "delivery": "retry_storm" if storm else "normal",
    }
    poison = rng.random() < plan.poison_file_rate
    if poison:
        name, mimetype, data = _POISON[index % len(_POISON)]()
        encoded = base64.b64encode(data).decode()
        message["files"] = [{"name": name, "mimetype": mimetype, "content_base64": encoded}]
    posted = http.post(f"{api}/messages", json=message).json()
    if poison:  # its path is uploads -> files -> mentions; the copies below are for mentions
        return _Sent(question, expect_error, posted, thread_ts)
    mention = _mention(posted, question, thread_ts)
    if rng.random() < plan.pubsub_duplicate_rate:
        publish_mention(project="local-project", topic="mentions", mention=mention)
    if rng.random() < plan.concurrent_copy_rate:
        _push_twice_at_once(responder_url, mention)
    return _Sent(question, expect_error, posted, thread_ts)


def _wait_for_claims(stack: LocalStack, sent: list[_Sent], timeout: float) -> dict[str, dict]:
    db = firestore.Client(project=stack.options.project)
    # Claims are keyed by message; the report is by event id.
    event_of = {message_key(TEAM, CHANNEL, s.posted["ts"]): s.posted["event_id"] for s in sent}
    pending = set(event_of)
    finals: dict[str, dict] = {}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        refs = [db.collection("event_claims").document(key) for key in pending]
        for snapshot in db.get_all(refs):
            claim = snapshot.to_dict() if snapshot.exists else None
            if claim and claim.get("state") in ("done", "failed"):
                finals[event_of[snapshot.id]] = claim
                pending.discard(snapshot.id)
        time.sleep(1)
    return finals


def _count(http, api, sent: list[_Sent], finals: dict[str, dict], parents) -> SoakReport:
    report = SoakReport(mentions_sent=len(sent))
    bot_messages: dict[str, dict] = {}
    for thread_ts in parents:
        messages = http.get(
            f"{api}/messages", params={"channel": CHANNEL, "thread_ts": thread_ts}
        ).json()["messages"]
        bot_messages.update({m["ts"]: m for m in messages if m.get("user") == "U0BOT"})
    claimed: set[str] = set()
    delays = []
    for item in sent:
        claim = finals.get(item.posted["event_id"])
        shown = [
            bot_messages[ts] for ts in (claim or {}).get("message_ts", []) if ts in bot_messages
        ]
        text = " ".join(m.get("markdown_text") or m.get("text") or "" for m in shown)
        claimed.update(m["ts"] for m in shown)
        if not shown or "Thinking" in text or text.endswith("▍"):
            report.lost += 1
            report.problems.append(f"no final reply: {item.question}")
            continue
        if ":warning:" in text:
            report.error_messages_shown += 1
            if not item.expect_error:
                report.problems.append(f"unexpected error for {item.question}: {text[:120]}")
        else:
            report.answers_seen += 1
            expected = item.question.split("]] ")[-1]
            if expected not in text:
                report.problems.append(f"wrong answer for {item.question}: {text[:120]}")
        # The first edit showed the first text; a native stream began with it (its own ts).
        first = shown[0].get("update_times") or []
        if shown[0].get("stream_state"):
            first = [float(shown[0]["ts"])]
        if first:
            delays.append(first[0] - float(item.posted["ts"]))
    orphans = [ts for ts in bot_messages if ts not in claimed]
    report.duplicates = len(orphans)
    report.problems += [f"reply belonging to no mention: {bot_messages[ts]}" for ts in orphans]
    if delays:
        delays.sort()
        report.first_text_p50_s = round(statistics.median(delays), 3)
        report.first_text_p99_s = round(delays[max(0, int(0.99 * len(delays)) - 1)], 3)
    return report


class _Killer:
    """Kills the responder (SIGKILL, like a crashed instance) and starts it again, on a timer."""

    def __init__(self, stack: LocalStack, every: float | None) -> None:
        self._stack, self._every = stack, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.kills = 0

    def start(self) -> None:
        if self._every:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._stack.processes["responder"].kill()
            self._stack.start_function("responder")
            self.kills += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nox -s soak --")
    parser.add_argument("--mentions", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--kill-every", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=10.0, help="mentions per second")
    args = parser.parse_args(argv)
    plan = SoakPlan(
        mentions=args.mentions,
        threads=args.threads,
        kill_every_seconds=args.kill_every or None,
        mentions_per_second=args.rate,
    )
    options = StackOptions(
        log_dir=REPO_ROOT / "build" / "soak-logs",
        slack_retry_delays="0.5,1,2",
        max_delivery_attempts=10,
        function_env={"CLAIM_LEASE_SECONDS": "30", "USER_MENTIONS_PER_MINUTE": "0"},
    )
    with LocalStack.start(options) as stack:
        os.environ.update(stack.env)  # this process publishes the Pub/Sub duplicates
        report = run_soak(stack, plan)
    print(f"\nSoak: {plan}\n")
    print(report.table())
    for problem in report.problems[:20]:
        print("  -", problem)
    return 0 if report.duplicates == 0 and report.lost == 0 and not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
