"""Pub/Sub push endpoint for the `mentions` topic: answer one mention in its Slack thread.

Status codes are the contract with Pub/Sub: 2xx acks; anything else is redelivered with
backoff and, after the subscription's attempt limit, dead-lettered.
"""

from __future__ import annotations

import logging
from functools import cache

import functions_framework

from assistant.answer.responder import Delivery, Outcome, Responder
from assistant.config import get_settings
from assistant.logs import configure_logging
from assistant.mention import Mention
from assistant.pubsub.endpoint import push_endpoint
from assistant.pubsub.envelope import PushMessage
from assistant.pubsub.publish import publish_mention

logger = logging.getLogger("responder")


@cache
def _responder() -> Responder:
    from google.cloud import firestore

    from assistant.llm.stream import openai_client
    from assistant.slack.reply import slack_client

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
@push_endpoint(_responder, logger=logger)
def responder(core: Responder, push: PushMessage, mention: Mention) -> tuple[str, int]:
    outcome = core.handle(
        Delivery(mention=mention, delivery_id=push.message_id, attempt=push.delivery_attempt)
    )
    return ("", 204) if outcome is Outcome.ACK else ("retry", 503)
