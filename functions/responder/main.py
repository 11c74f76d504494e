"""The responder function: the push endpoint of every topic `assistant/topics.py` routes here
(mentions to answer, feedback clicks to record, DM openings to offer suggested prompts, Stop
clicks to check and pass on to the answer in progress, Approve / Deny clicks on tool calls that
may write, the scheduler's ticks and the routine slots they publish).

The composition root: reads the settings, builds the cloud's clients, hands them to
`build_responder`. Status codes are the contract with Pub/Sub: 2xx acks, anything else is
redelivered with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import NamedTuple

import flask
import functions_framework

from assistant.answer.delivery import Delivery
from assistant.answer.responder import Responder
from assistant.answer.stopping import StopHandler, assistant_event_from_json
from assistant.answer.stops import StopRequest
from assistant.answer.wiring import (
    ResponderClients,
    build_approvals,
    build_responder,
    cloud_clients,
)
from assistant.approvals.card import ApprovalClick
from assistant.approvals.clicks import ApprovalClicks
from assistant.config import get_settings
from assistant.feedback.buttons import Feedback
from assistant.feedback.votes import FeedbackVotes
from assistant.logs import configure_logging
from assistant.mention import Mention
from assistant.pubsub.endpoint import push_endpoint
from assistant.pubsub.envelope import PushMessage, parse_push, parse_push_of
from assistant.pubsub.outcome import push_response
from assistant.pubsub.publish import publish_data
from assistant.routines.actions import RoutineAction
from assistant.routines.routine import RoutineRun
from assistant.routines.runner import RunOutcome
from assistant.routines.service import RoutineService, build_routines
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
    approvals: ApprovalClicks


@cache
def _assistant_events() -> _AssistantEvents:
    configure_logging(get_settings().log_level)
    clients = _clients()
    return _AssistantEvents(
        prompts=SuggestedPrompts(clients.slack, get_settings().suggested_prompts),
        stops=StopHandler(clients.slack, clients.stores.stops),
        approvals=_approvals(),
    )


@cache
def _approvals() -> ApprovalClicks:
    return build_approvals(get_settings(), _clients())


def _event_context(event: DmOpened | StopRequest | ApprovalClick) -> dict[str, str]:
    if isinstance(event, DmOpened):
        return {"event_id": event.event_id}
    if isinstance(event, ApprovalClick):
        return {"pending": event.pending}
    return {"message_key": event.message_key}


@push_endpoint(
    _assistant_events,
    logger=logger,
    parse=parse_push_of(assistant_event_from_json, "a DM opened, a Stop or an Approve click"),
    log_context=_event_context,
)
def _assistant_event(
    events: _AssistantEvents, push: PushMessage, event: DmOpened | StopRequest | ApprovalClick
) -> tuple[str, int]:
    if isinstance(event, StopRequest):
        events.stops.handle(event)  # a redelivered click writes the same stop again
    elif isinstance(event, ApprovalClick):
        # A repeated click decides nothing twice; one whose call still runs elsewhere comes back.
        if not events.approvals.handle(event):
            return "the approved call is still running", 409
    else:
        events.prompts.offer(event)  # setting the same prompts twice is harmless
    return "", 204


@cache
def _routines() -> RoutineService:
    settings = get_settings()
    configure_logging(settings.log_level)
    return build_routines(
        settings,
        _clients(),
        publish_run=lambda run: publish_data(
            project=settings.google_cloud_project,
            topic=settings.routine_runs_topic,
            data=run.to_json(),
            routine_id=run.routine_id,
        ),
    )


@push_endpoint(
    _routines,
    logger=logger,
    parse=lambda body: (parse_push(body), None),  # a tick carries nothing we read
    log_context=lambda _: {},
)
def _routines_tick(service: RoutineService, push: PushMessage, _: None) -> tuple[str, int]:
    service.ticker.tick(datetime.now(UTC))  # a late or repeated tick publishes nothing twice
    _approvals().sweep()  # the same tick expires tool calls nobody approved in time
    return "", 204


@push_endpoint(
    _routines,
    logger=logger,
    parse=parse_push_of(RoutineRun.from_json, "a routine run"),
    log_context=lambda run: {"routine": run.routine_id, "slot": run.slot_id},
)
def _routine_run(service: RoutineService, push: PushMessage, run: RoutineRun) -> tuple[str, int]:
    holder = f"{push.message_id}.{push.delivery_attempt or 1}"
    outcome = service.run_pushed(
        run,
        holder=holder,
        attempt=push.delivery_attempt,
        max_attempts=get_settings().max_delivery_attempts,
    )
    if outcome is RunOutcome.BUSY:
        return "another delivery is running this slot", 409  # look again after a backoff
    return "", 204


@push_endpoint(
    _routines,
    logger=logger,
    parse=parse_push_of(RoutineAction.from_json, "a routine click"),
    log_context=lambda click: {"action": click.action},
)
def _routine_action(
    service: RoutineService, push: PushMessage, click: RoutineAction
) -> tuple[str, int]:
    service.clicks.handle(click)  # a repeated click saves or cancels nothing twice
    return "", 204


# Which handler serves which topic's pushes: the topic table says at which path each arrives.
HANDLERS: dict[str, Callable[[flask.Request], tuple[str, int]]] = {
    "mentions": _mention,
    "feedback": _feedback,
    "assistant-events": _assistant_event,
    "routines": _routines_tick,
    "routine-runs": _routine_run,
    "routine-actions": _routine_action,
}


@functions_framework.http
def responder(request: flask.Request) -> tuple[str, int]:
    return HANDLERS[topic_at("responder", request.path).name](request)
