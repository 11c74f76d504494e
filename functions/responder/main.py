"""The responder function: the push endpoint of every topic `assistant/topics.py` routes here
(mentions to answer, feedback clicks to record, DM openings to offer suggested prompts, Stop
clicks to check and pass on to the answer in progress).

The composition root: reads the settings, builds the cloud's clients, hands them to
`build_responder`. Status codes are the contract with Pub/Sub: 2xx acks, anything else is
redelivered with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import flask
import functions_framework

from assistant.answer.delivery import Delivery
from assistant.answer.responder import Responder
from assistant.answer.stopping import StopHandler, assistant_event_from_json
from assistant.answer.stops import StopRequest
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


class _AssistantEvents(NamedTuple):
    prompts: SuggestedPrompts
    stops: StopHandler


@cache
def _assistant_events() -> _AssistantEvents:
    configure_logging(get_settings().log_level)
    clients = _clients()
    return _AssistantEvents(
        prompts=SuggestedPrompts(clients.slack, get_settings().suggested_prompts),
        stops=StopHandler(clients.slack, clients.stores.stops),
    )


@push_endpoint(
    _assistant_events,
    logger=logger,
    parse=parse_push_of(assistant_event_from_json, "a DM-opened event or a stop request"),
    log_context=lambda event: (
        {"event_id": event.event_id}
        if isinstance(event, DmOpened)
        else {"message_key": event.message_key}
    ),
)
def _assistant_event(
    events: _AssistantEvents, push: PushMessage, event: DmOpened | StopRequest
) -> tuple[str, int]:
    if isinstance(event, StopRequest):
        events.stops.handle(event)  # a redelivered click writes the same stop again
    else:
        events.prompts.offer(event)  # setting the same prompts twice is harmless
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
