"""Deployed before its secret exists, ingress says so (503) and works once the secret is added.

In the cloud the secret is a Secret Manager volume; locally, the same file path mechanism. The
first version Terraform creates holds a placeholder (terraform/secrets.tf): it must read as "not
configured yet" exactly like no version at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import requests

from assistant.config import SECRET_PLACEHOLDER
from devstack.processes import free_port
from devstack.pubsub_wiring import emulator_clients
from devstack.stack import launch_function

PROJECT = "late-secret-project"


def signed(body: bytes, secret: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def test_ingress_waits_for_its_signing_secret_then_serves(stack, tmp_path):
    publisher, _ = emulator_clients(stack.env["PUBSUB_EMULATOR_HOST"])
    publisher.create_topic(name=publisher.topic_path(PROJECT, "mentions"))
    secret_file = tmp_path / "slack-signing-secret" / "value"
    port = free_port()
    process = launch_function(
        "ingress",
        port=port,
        env={
            "SLACK_SIGNING_SECRET_FILE": str(secret_file),
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "PUBSUB_EMULATOR_HOST": stack.env["PUBSUB_EMULATOR_HOST"],
        },
        log_dir=stack.options.log_dir,
        log_name="late-secret-ingress",
    )
    url = f"http://127.0.0.1:{port}/"
    body = json.dumps({"type": "url_verification", "challenge": "late"}).encode()
    try:
        before = requests.post(url, data=body, headers=signed(body, "s3cret"), timeout=10)
        secret_file.parent.mkdir()
        secret_file.write_text(SECRET_PLACEHOLDER)  # what `terraform apply` leaves
        placeholder = requests.post(url, data=body, headers=signed(body, "s3cret"), timeout=10)
        secret_file.write_text("s3cret\n")  # the person adds the real version
        after = requests.post(url, data=body, headers=signed(body, "s3cret"), timeout=10)
    finally:
        process.stop()

    assert before.status_code == 503
    assert placeholder.status_code == 503, placeholder.text
    assert after.status_code == 200 and after.json() == {"challenge": "late"}
    log = (stack.options.log_dir / "late-secret-ingress.log").read_text()
    assert log.count("signing secret not available yet") >= 2 and "s3cret" not in log
    assert "placeholder" in log
