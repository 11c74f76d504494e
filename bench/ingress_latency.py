"""Ingress ack latency against a Bolt for Python baseline: signed Slack events at 20 concurrent,
each app publishing to the same Pub/Sub emulator topic before it answers.

Every contender runs under functions-framework (gunicorn), is warmed up, and is measured in
many short alternating rounds so that a busy moment on a shared machine hits all of them
alike. Requests are signed before the clock starts and sent on keep-alive connections, one
closed loop per connection, so the client's own CPU stays small beside the servers'. On a
machine that other work keeps busy the p99 measures its scheduling as much as the apps; the
per-round ratios printed with it show how much.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hcl2
from slack_sdk.signature import SignatureVerifier

from devstack.emulators import start_pubsub
from devstack.processes import ManagedProcess, free_port, wait_for_http
from devstack.pubsub_wiring import emulator_clients
from devstack.stack import REPO_ROOT

SECRET = "bench-signing-secret"
PROJECT = "bench-project"
BOLT_DEFAULT_MAX_LATENCY = 0.01  # google-cloud-pubsub's BatchSettings default
BOLT_TUNED_MAX_LATENCY = 0.001


@dataclasses.dataclass(frozen=True)
class Contender:
    name: str
    source: Path
    target: str
    env: dict[str, str]
    threads: str  # for the table
    batching: str


def ingress_threads() -> int:
    """THREADS as Terraform deploys ingress: its request concurrency (terraform/locals.tf)."""
    with (REPO_ROOT / "terraform" / "locals.tf").open() as handle:
        blocks = hcl2.load(handle)["locals"]
    return int(
        next(b for b in blocks if "function_concurrency" in b)["function_concurrency"]["ingress"]
    )


def contenders() -> list[Contender]:
    ingress = REPO_ROOT / "functions" / "ingress" / "main.py"
    bolt = REPO_ROOT / "bench" / "bolt_ingress.py"
    count = str(ingress_threads())
    return [
        Contender(
            "ingress", ingress, "ingress", {"THREADS": count}, count, "none: one Publish call"
        ),
        # The baseline: a Bolt app as it comes, deployed with functions-framework's defaults.
        Contender(
            "bolt",
            bolt,
            "bolt_ingress",
            {},
            "unset: 4 per CPU",
            f"library default, {BOLT_DEFAULT_MAX_LATENCY} s",
        ),
        # The same app given ingress's thread pool and a small batching delay: what tuning
        # alone buys.
        Contender(
            "bolt, tuned",
            bolt,
            "bolt_ingress",
            {"THREADS": count, "BENCH_PUBSUB_MAX_LATENCY": str(BOLT_TUNED_MAX_LATENCY)},
            count,
            f"{BOLT_TUNED_MAX_LATENCY} s",
        ),
    ]


def _event(seconds: int, n: int) -> bytes:
    ts = f"{seconds}.{n:06d}"  # a thread of its own per request: no ordering key is shared
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0BENCH",
            "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": seconds,
            "authorizations": [{"user_id": "U0BOT", "is_bot": True}],
            "event": {
                "type": "app_mention",
                "user": "U0ALICE",
                "text": "<@U0BOT> benchmark",
                "ts": ts,
                "channel": "C0BENCH",
                "event_ts": ts,
            },
        }
    ).encode()


def _signed(count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Requests signed before the clock starts: the client's own work stays out of the way of
    the server it measures, on a machine whose cores they share."""
    verifier, seconds = SignatureVerifier(SECRET), int(time.time())
    prepared = []
    for n in range(count):
        body = _event(seconds, n)
        signature = verifier.generate_signature(timestamp=str(seconds), body=body)
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": str(seconds),
            "X-Slack-Signature": signature,
        }
        prepared.append((body, headers))
    return prepared


def _client(port: int, requests: list[tuple[bytes, dict[str, str]]]) -> list[float]:
    """One connection, one request at a time, each sent as soon as the last was answered. The
    first request opens the connection and is not timed: rounds are short, and connecting is
    not what is compared."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies = []
    try:
        for body, headers in requests:
            start = time.perf_counter()
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - start)
            if response.status != 200:
                raise RuntimeError(f"port {port} answered {response.status}")
    finally:
        connection.close()
    return latencies[1:]


def _launch(
    contender: Contender, host: str, log_dir: Path, index: int
) -> tuple[ManagedProcess, int]:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "functions-framework"),
        "--target",
        contender.target,
        "--source",
        str(contender.source),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {
        "PYTHONPATH": str(REPO_ROOT),
        "SLACK_SIGNING_SECRET": SECRET,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "PUBSUB_EMULATOR_HOST": host,
        "LOG_LEVEL": "WARNING",
        **contender.env,
    }
    process = ManagedProcess(
        f"bench-{index}-{contender.target}",
        command,
        env=env,
        log_dir=log_dir,
        cwd=contender.source.parent,
    )
    wait_for_http(f"http://127.0.0.1:{port}/", timeout=60, process=process.process)
    return process, port


def _measure(port: int, requests_total: int, concurrency: int) -> list[float]:
    prepared = _signed(requests_total + concurrency)  # + one untimed request per connection
    shares = [prepared[i::concurrency] for i in range(concurrency)]
    with ThreadPoolExecutor(concurrency) as pool:
        return [
            latency for share in pool.map(lambda s: _client(port, s), shares) for latency in share
        ]


def _percentile(latencies: list[float], fraction: float) -> float:
    ordered = sorted(latencies)
    return ordered[max(0, int(fraction * len(ordered)) - 1)]


def run(
    log_dir: Path, *, requests_per_round: int = 200, rounds: int = 20, concurrency: int = 20
) -> tuple[list[dict], list[str]]:
    """The table rows (one per contender) and sentences with the p99 ratios.

    Many short rounds, each contender in turn: a burst of other work on the machine then
    lands on all of them alike, instead of on whichever one was being measured.
    """
    pubsub, host = start_pubsub(log_dir, project=PROJECT)
    running: list[tuple[Contender, ManagedProcess, int]] = []
    try:
        publisher, _ = emulator_clients(host)
        publisher.create_topic(name=publisher.topic_path(PROJECT, "mentions"))
        for index, contender in enumerate(contenders()):
            process, port = _launch(contender, host, log_dir, index)
            running.append((contender, process, port))
            _measure(port, 2 * concurrency, concurrency)  # warm: clients, channels, threads
        samples: dict[str, list[float]] = {c.name: [] for c, _, _ in running}
        per_round: dict[str, list[float]] = {c.name: [] for c, _, _ in running}
        for _ in range(rounds):
            for contender, _, port in running:
                latencies = _measure(port, requests_per_round, concurrency)
                samples[contender.name] += latencies
                per_round[contender.name].append(_percentile(latencies, 0.99))
    finally:
        for _, process, _ in running:
            process.stop()
        pubsub.stop()
    rows = [
        {
            "app": c.name,
            "threads": c.threads,
            "publish batching": c.batching,
            "requests": len(samples[c.name]),
            "concurrency": concurrency,
            "p50_ms": 1000 * statistics.median(samples[c.name]),
            "p90_ms": 1000 * _percentile(samples[c.name], 0.90),
            "p99_ms": 1000 * _percentile(samples[c.name], 0.99),
            "max_ms": 1000 * max(samples[c.name]),
        }
        for c, _, _ in running
    ]
    ingress, *bolts = rows
    ratios = []
    for bolt in bolts:
        per = [
            i / b for i, b in zip(per_round[ingress["app"]], per_round[bolt["app"]], strict=True)
        ]
        ratios.append(
            f"p99 ratio ingress / {bolt['app']}: {ingress['p99_ms'] / bolt['p99_ms']:.2f} over "
            f"all requests; per round of {requests_per_round}: median {statistics.median(per):.2f}"
            f", from {min(per):.2f} to {max(per):.2f}"
        )
    return rows, ratios
