"""HTTP function: verify a Slack Events API request, queue the mention, ack within 3 s.

The same function is the app's interactivity Request URL (`…/interactivity`): a signed click
on an answer's feedback buttons is published to the `feedback` topic before the ack, and the
responder records it. So ingress, the one function open to the internet, still needs no
Firestore access and loads no Firestore client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from functools import cache

import flask
import functions_framework

from assistant.config import SecretUnavailable, Settings, get_settings
from assistant.logs import configure_logging, log_event
from assistant.pubsub.publish import publish_data, publish_mention
from assistant.slack.events import SignatureVerifier, decide
from assistant.slack.interactions import decide_interaction

logger = logging.getLogger("ingress")


@cache
def _verifier() -> SignatureVerifier:
    settings = get_settings()
    configure_logging(settings.log_level)
    if not settings.slack_signing_secret:
        raise SecretUnavailable("SLACK_SIGNING_SECRET is not set")
    return SignatureVerifier(settings.slack_signing_secret)


@functions_framework.http
def ingress(request: flask.Request) -> flask.Response:
    try:
        settings, verifier = get_settings(), _verifier()
    except SecretUnavailable as error:
        # Deployed before the secret was added: Slack retries, and so can the person.
        configure_logging()
        logger.error("signing secret not available yet", extra={"error": str(error)})
        return flask.Response("the app is not configured yet", status=503)
    if (request.content_length or 0) > settings.max_request_bytes:
        return flask.Response("request too large", status=413)
    body = request.get_data(cache=False)
    if len(body) > settings.max_request_bytes:
        return flask.Response("request too large", status=413)

    if request.path.rstrip("/").endswith("/interactivity"):
        return _interaction(body, request.headers, verifier, settings)
    decision = decide(
        body=body, headers=request.headers, verifier=verifier, received_at=time.time()
    )
    mention = decision.mention
    retry = request.headers.get("X-Slack-Retry-Num")
    if mention is None:
        level = logging.WARNING if decision.status >= 400 else logging.INFO
        log_event(logger, level, decision.reason, status=decision.status, slack_retry=retry)
        return flask.Response(decision.body, status=decision.status, mimetype=decision.content_type)

    topic = settings.uploads_topic if mention.files else settings.mentions_topic
    try:
        message_id = publish_mention(
            project=settings.google_cloud_project, topic=topic, mention=mention
        )
    except Exception:
        # Slack retries a failed ack, so the mention is not lost.
        logger.exception("publish failed", extra={"event_id": mention.event_id})
        return flask.Response("could not queue the event", status=500)
    log_event(
        logger,
        logging.INFO,
        "mention queued",
        event_id=mention.event_id,
        topic=topic,
        message_id=message_id,
        slack_retry=retry,
    )
    return flask.Response("", status=200)


def _interaction(
    body: bytes, headers: Mapping[str, str], verifier: SignatureVerifier, settings: Settings
) -> flask.Response:
    decision = decide_interaction(body=body, headers=headers, verifier=verifier)
    feedback = decision.feedback
    if feedback is None:
        level = logging.WARNING if decision.status >= 400 else logging.INFO
        log_event(logger, level, decision.reason, status=decision.status)
        return flask.Response(decision.body, status=decision.status)
    try:
        publish_data(
            project=settings.google_cloud_project,
            topic=settings.feedback_topic,
            data=feedback.to_json(),
            event_id=feedback.event_id,
        )
    except Exception:
        logger.exception("feedback not queued", extra={"event_id": feedback.event_id})
        return flask.Response("could not queue the feedback", status=500)
    log_event(
        logger,
        logging.INFO,
        "feedback queued",
        event_id=feedback.event_id,
        value=feedback.value,
        model=feedback.model,
    )
    return flask.Response("", status=200)
