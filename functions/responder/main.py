"""Pub/Sub push endpoint for the `mentions` topic: answer one mention in its Slack thread.

Status codes are the contract with Pub/Sub: 2xx acks; anything else is redelivered with
backoff and, after the subscription's attempt limit, dead-lettered.
"""

from __future__ import annotations

import logging
from functools import cache

import flask
import functions_framework

from assistant.config import SecretUnavailable, get_settings
from assistant.logs import configure_logging
from assistant.publisher import publish_mention
from assistant.push_envelope import InvalidEnvelope, parse_mention_push
from assistant.respond import Delivery, Outcome, Responder

logger = logging.getLogger("responder")


@cache
def _responder() -> Responder:
    from google.cloud import firestore

    from assistant.llm import openai_client
    from assistant.slack_reply import slack_client

    settings = get_settings()
    configure_logging(settings.log_level)
    return Responder(
        settings,
        db=firestore.Client(
            project=settings.google_cloud_project, database=settings.firestore_database
        ),
        slack=slack_client(settings.slack_bot_token, settings.slack_api_url),
        model_client=openai_client(settings),
        dead_letter=lambda mention: publish_mention(
            project=settings.google_cloud_project,
            topic=settings.mentions_dead_letter_topic,
            mention=mention,
        ),
    )


@functions_framework.http
def responder(request: flask.Request) -> tuple[str, int]:
    if request.method != "POST":
        return "Pub/Sub pushes with POST", 405
    try:
        core = _responder()
    except SecretUnavailable as error:
        configure_logging()
        logger.error("secrets not available yet; Pub/Sub will retry", extra={"error": str(error)})
        return "not configured yet", 503
    try:
        push, mention = parse_mention_push(request.get_data())
    except InvalidEnvelope as error:
        # Redelivery cannot fix it; a 400 lets it reach the dead-letter topic for inspection.
        logger.error("unusable push message", extra={"error": str(error)})
        return "bad message", 400
    outcome = core.handle(
        Delivery(mention=mention, delivery_id=push.message_id, attempt=push.delivery_attempt)
    )
    return ("", 204) if outcome is Outcome.ACK else ("retry", 503)
