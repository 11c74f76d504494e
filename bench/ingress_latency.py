"""Ingress ack latency: signed Slack events at 20 concurrent, publishing to the Pub/Sub emulator."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from slack_sdk.signature import SignatureVerifier

from devstack.emulators import start_pubsub
from devstack.processes import free_port
from devstack.pubsub_wiring import emulator_clients
from devstack.stack import launch_function

SECRET = "bench-signing-secret"
PROJECT = "bench-project"


def _event() -> bytes:
    ts = f"{time.time():.6f}"
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0BENCH",
            "event_id": f"Ev{uuid.uuid4().hex[:12]}",
            "event_time": int(time.time()),
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


def _send(session: requests.Session, url: str, verifier: SignatureVerifier) -> float:
    body = _event()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": verifier.generate_signature(timestamp=timestamp, body=body),
    }
    start = time.perf_counter()
    response = session.post(url, data=body, headers=headers, timeout=10)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"ingress answered {response.status_code}")
    return elapsed


def run(log_dir: Path, *, requests_total: int = 500, concurrency: int = 20) -> dict:
    pubsub, host = start_pubsub(log_dir, project=PROJECT)
    ingress = None
    try:
        publisher, _ = emulator_clients(host)
        publisher.create_topic(name=publisher.topic_path(PROJECT, "mentions"))
        port = free_port()
        ingress = launch_function(
            "ingress",
            port=port,
            env={
                "SLACK_SIGNING_SECRET": SECRET,
                "GOOGLE_CLOUD_PROJECT": PROJECT,
                "PUBSUB_EMULATOR_HOST": host,
                "LOG_LEVEL": "WARNING",
            },
            log_dir=log_dir,
            log_name="bench-ingress",
        )
        url = f"http://127.0.0.1:{port}/"
        verifier = SignatureVerifier(SECRET)
        sessions = [requests.Session() for _ in range(concurrency)]
        for session in sessions[:2]:
            _send(session, url, verifier)  # warm the publisher client
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = sorted(
                pool.map(
                    lambda i: _send(sessions[i % concurrency], url, verifier), range(requests_total)
                )
            )
    finally:
        if ingress is not None:
            ingress.stop()
        pubsub.stop()
    return {
        "requests": requests_total,
        "concurrency": concurrency,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * len(latencies)) - 1],
        "max_ms": 1000 * latencies[-1],
    }
