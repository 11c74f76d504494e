"""The baseline for the ingress benchmark: a Bolt for Python app doing the same job.

It verifies the signature (Bolt's request verification), answers url_verification, drops
the bot's own events, and publishes each `app_mention` to the same emulator topic with the
same per-thread ordering key, before the 200, as ingress does (`process_before_response`,
how Bolt runs on functions). It runs under functions-framework like ingress:

    functions-framework --source bench/bolt_ingress.py --target bolt_ingress

The publisher is what a Bolt app gets from google-cloud-pubsub unless someone tunes it;
BENCH_PUBSUB_MAX_LATENCY (seconds) sets the batching delay for a "tuned" run. Needs
slack_bolt, a dev-only dependency (requirements-dev.txt).
"""

from __future__ import annotations

import json
import os

import functions_framework
from google.cloud import pubsub_v1
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult

_batching = (
    pubsub_v1.types.BatchSettings(max_latency=float(os.environ["BENCH_PUBSUB_MAX_LATENCY"]))
    if os.environ.get("BENCH_PUBSUB_MAX_LATENCY")
    else pubsub_v1.types.BatchSettings()
)
publisher = pubsub_v1.PublisherClient(
    batch_settings=_batching,
    publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True),
)
topic = publisher.topic_path(os.environ["GOOGLE_CLOUD_PROJECT"], "mentions")


def _authorize(enterprise_id, team_id):
    # A single workspace whose bot is known: no auth.test call to Slack per request.
    return AuthorizeResult(
        enterprise_id=enterprise_id,
        team_id=team_id,
        bot_user_id="U0BOT",
        bot_id="B0BOT",
        bot_token="xoxb-bench",
    )


app = App(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    authorize=_authorize,
    process_before_response=True,
)


@app.event("app_mention")
def publish_mention(body, event):
    thread_ts = event.get("thread_ts") or event["ts"]
    future = publisher.publish(
        topic,
        json.dumps(body).encode(),
        ordering_key=f"{body['team_id']}:{event['channel']}:{thread_ts}",
        event_id=body["event_id"],
    )
    future.result(timeout=2.0)


handler = SlackRequestHandler(app)


@functions_framework.http
def bolt_ingress(request):
    return handler.handle(request)
