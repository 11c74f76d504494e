"""The responder function: the push endpoint of every topic `assistant/topics.py` routes here
(mentions to answer, feedback clicks to record, DM openings to offer suggested prompts).

The composition root: reads the settings, builds the cloud's clients, hands them to
`build_responder`. Status codes are the contract with Pub/Sub: 2xx acks, anything else is
redelivered with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

import flask
import functions_framework

from assistant.answer.delivery import Delivery
from assistant.answer.responder import Responder
from assistant.answer.wiring import ResponderClients, build_responder, cloud_clients
from assistant.config import get_settings
from assistant.feedback.buttons import Feedback
from assistant.feedback.votes import FeedbackVotes
from assistant.logs import configure_logging
from assistant.mention import Mention
from assistant.pubsub.endpoint import push_endpoint
from assistant.pubsub.envelope import PushMessage, parse_push_of
from assistant.pubsub.outcome import push_response
from assistant.slack.opened import DmOpened
from assistant.slack.suggestions import SuggestedPrompts
from assistant.topics import topic_at

logger = logging.getLogger("responder")


@cache
def _responder() -> Responder:
    settings = get_settings()
    configure_logging(settings.log_level)
    return build_responder(settings, _clients())


@cache
def _clients() -> ResponderClients:
    return cloud_clients(get_settings())


@push_endpoint(_responder, logger=logger)
def _mention(core: Responder, push: PushMessage, mention: Mention) -> tuple[str, int]:
    delivery = Delivery(mention=mention, delivery_id=push.message_id, attempt=push.delivery_attempt)
    return push_response(core.handle(delivery))


def _feedback_votes() -> FeedbackVotes:
    configure_logging(get_settings().log_level)
    return _clients().stores.feedback


@push_endpoint(
    _feedback_votes,
    logger=logger,
    parse=parse_push_of(Feedback.from_json, "a feedback click"),
    log_context=lambda feedback: {"event_id": feedback.event_id},
)
def _feedback(votes: FeedbackVotes, push: PushMessage, feedback: Feedback) -> tuple[str, int]:
    votes.record(feedback)  # one document per answer and person: a redelivery rewrites it
    return "", 204


@cache
def _suggested_prompts() -> SuggestedPrompts:
    configure_logging(get_settings().log_level)
    return SuggestedPrompts(_clients().slack, get_settings().suggested_prompts)


@push_endpoint(
    _suggested_prompts,
    logger=logger,
    parse=parse_push_of(DmOpened.from_json, "a DM-opened event"),
    log_context=lambda opened: {"event_id": opened.event_id},
)
def _assistant_event(
    prompts: SuggestedPrompts, push: PushMessage, opened: DmOpened
) -> tuple[str, int]:
    prompts.offer(opened)  # setting the same prompts twice is harmless
    return "", 204


# Which handler serves which topic's pushes: the topic table says at which path each arrives.
HANDLERS: dict[str, Callable[[flask.Request], tuple[str, int]]] = {
    "mentions": _mention,
    "feedback": _feedback,
    "assistant-events": _assistant_event,
}


@functions_framework.http
def responder(request: flask.Request) -> tuple[str, int]:
    return HANDLERS[topic_at("responder", request.path).name](request)
