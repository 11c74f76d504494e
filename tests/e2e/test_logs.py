"""Logs: one JSON object per line, correlated by event id across functions, and no secrets."""

from __future__ import annotations

import json

from tests.e2e.harness import unique

FUNCTIONS = ("ingress", "files", "responder")


def test_one_mention_is_traceable_across_all_three_functions_by_event_id(stack, sandbox, claims):
    csv = {"name": "regions.csv", "mimetype": "text/csv", "content": b"region,growth\nEMEA,3\n"}
    posted = sandbox.mention(unique("which region grew?"), files=[csv])
    claims.wait_final(posted["event_id"])

    for name in FUNCTIONS:
        lines = (stack.options.log_dir / f"{name}.log").read_text().splitlines()
        ours = [json.loads(line) for line in lines if posted["event_id"] in line]
        assert ours, f"{name} logged nothing for the event"
        for entry in ours:
            assert entry["severity"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
            assert entry["message"]
            assert entry["logging.googleapis.com/labels"] == {"event_id": posted["event_id"]}


def test_no_secret_ever_reaches_the_logs(stack, sandbox, claims):
    # Make sure there is something to look at, including a failure with a stack trace.
    posted = sandbox.mention(unique("[[fail:500:99]] log a failure"))
    claims.wait_final(posted["event_id"])

    secrets = (stack.options.signing_secret, stack.options.bot_token, stack.options.openai_api_key)
    for name in FUNCTIONS:
        text = (stack.options.log_dir / f"{name}.log").read_text()
        assert text.strip()
        for secret in secrets:
            assert secret not in text, f"{name}'s log contains a secret"
