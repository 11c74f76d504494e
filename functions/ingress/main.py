"""HTTP function: verify a Slack Events API request, queue the mention, ack within 3 s.

An opened DM (`app_home_opened` on the Messages tab, or a legacy `assistant_thread_started`) is
published to the `assistant-events` topic, and the responder, which holds the bot token, sets
the DM's suggested prompts.

The same function is the app's interactivity Request URL (`…/interactivity`): a signed click
on an answer's feedback buttons is published to the `feedback` topic before the ack, and the
responder records it; a click on a routine's Confirm / Cancel goes to `routine-actions`. So
ingress, the one function open to the internet, still needs no Firestore access and loads no
Firestore client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import cache
from typing import IO

import flask
import functions_framework

from assistant.config import SecretUnavailable, Settings, get_settings
from assistant.logs import configure_logging, log_event
from assistant.pubsub.publish import publish_data, publish_mention
from assistant.slack.events import RequestHeaders, SignatureVerifier, decide, retry_number
from assistant.slack.interactions import decide_interaction
from assistant.slack.opened import DmOpened

logger = logging.getLogger("ingress")


@cache
def _verifier() -> SignatureVerifier:
    settings = get_settings()
    configure_logging(settings.log_level)
    if not settings.slack_signing_secret:
        raise SecretUnavailable("SLACK_SIGNING_SECRET is not set")
    return SignatureVerifier(settings.slack_signing_secret)


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    # One read() of a WSGI stream may return less than asked for, so read until size or EOF.
    chunks, total = [], 0
    while total < size:
        chunk = stream.read(size - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _too_large() -> flask.Response:
    # functions-framework reads the whole request after a response (its read_request hook)
    # unless the response is streamed: a plain 413 would still pull the body into memory.
    # gunicorn then drains at most 64 KiB of what is left and closes the connection.
    text = b"request too large"
    return flask.Response(iter([text]), status=413, headers={"Content-Length": str(len(text))})


@functions_framework.http
def ingress(request: flask.Request) -> flask.Response:
    try:
        settings, verifier = get_settings(), _verifier()
    except SecretUnavailable as error:
        # Deployed before the secret was added: Slack retries, and so can the person.
        configure_logging()
        logger.error("signing secret not available yet", extra={"error": str(error)})
        return flask.Response("the app is not configured yet", status=503)
    limit = settings.max_request_bytes
    if (request.content_length or 0) > limit:
        return _too_large()
    # A chunked body has no Content-Length: read one byte past the limit, never the whole of
    # what an unauthenticated sender streams.
    body = _read_at_most(request.stream, limit + 1)
    if len(body) > limit:
        return _too_large()

    if request.path.rstrip("/").endswith("/interactivity"):
        return _interaction(body, request.headers, verifier, settings)
    decision = decide(
        body=body, headers=request.headers, verifier=verifier, received_at=time.time()
    )
    mention = decision.mention
    if decision.status == 401:
        # Nothing of an unverified request is logged: its headers are anyone's to fill.
        log_event(logger, logging.WARNING, decision.reason, status=401)
        return flask.Response(decision.body, status=401, mimetype=decision.content_type)
    retry = retry_number(request.headers)
    if decision.opened is not None:
        return _dm_opened(decision.opened, settings, retry)
    if mention is None:
        level = logging.WARNING if decision.status >= 400 else logging.INFO
        log_event(logger, level, decision.reason, status=decision.status, slack_retry=retry)
        return flask.Response(decision.body, status=decision.status, mimetype=decision.content_type)

    # A follow-up's files are mirrored only once the responder has found it is one (most
    # thread replies are people's own and their files none of the bot's business).
    wants_files = mention.files and not mention.follow_up
    topic = settings.uploads_topic if wants_files else settings.mentions_topic
    return _queued(
        "mention",
        lambda: publish_mention(
            project=settings.google_cloud_project, topic=topic, mention=mention
        ),
        event_id=mention.event_id,
        topic=topic,
        slack_retry=retry,
    )


def _queued(what: str, publish: Callable[[], str], **fields: object) -> flask.Response:
    """Publish, then ack: a 200 means "safely queued". On failure 500, and Slack retries, so
    nothing is lost."""
    try:
        message_id = publish()
    except Exception:
        logger.exception(f"{what} not queued", extra={"event_id": fields.get("event_id")})
        return flask.Response(f"could not queue the {what}", status=500)
    log_event(logger, logging.INFO, f"{what} queued", message_id=message_id, **fields)
    return flask.Response("", status=200)


def _interaction(
    body: bytes, headers: RequestHeaders, verifier: SignatureVerifier, settings: Settings
) -> flask.Response:
    decision = decide_interaction(body=body, headers=headers, verifier=verifier)
    routine_action = decision.routine_action
    if routine_action is not None:
        return _published(
            "routine click",
            settings,
            topic=settings.routine_actions_topic,
            data=routine_action.to_json(),
            key={"action": routine_action.action},
        )
    # The responder holds the bot token: it checks who clicked, then decides an approval once
    # (running the call if approved) or stops the answer.
    approval = decision.approval
    if approval is not None:
        return _published(
            "approval click",
            settings,
            topic=settings.assistant_events_topic,
            data=approval.to_json(),
            key={"pending": approval.pending},
            approve=approval.approve,
        )
    stop = decision.stop
    if stop is not None:
        return _published(
            "stop request",
            settings,
            topic=settings.assistant_events_topic,
            data=stop.to_json(),
            key={"message_key": stop.message_key},
        )
    feedback = decision.feedback
    if feedback is None:
        level = logging.WARNING if decision.status >= 400 else logging.INFO
        log_event(logger, level, decision.reason, status=decision.status)
        return flask.Response(decision.body, status=decision.status)
    return _published("feedback", settings, topic=settings.feedback_topic,
                      data=feedback.to_json(), key={"event_id": feedback.event_id},
                      value=feedback.value, model=feedback.model)  # fmt: skip


def _published(
    what: str, settings: Settings, *, topic: str, data: bytes, key: dict[str, str], **logged: object
) -> flask.Response:
    """`data` published to `topic`, its `key` as the message's attributes and in the log."""
    return _queued(
        what,
        lambda: publish_data(project=settings.google_cloud_project, topic=topic, data=data, **key),
        topic=topic,
        **key,
        **logged,
    )


def _dm_opened(opened: DmOpened, settings: Settings, retry: int | None) -> flask.Response:
    # The suggested prompts are a nicety, but a retried ack makes them cheap to get right.
    return _published("DM-opened event", settings, topic=settings.assistant_events_topic,
                      data=opened.to_json(), key={"event_id": opened.event_id},
                      slack_retry=retry)  # fmt: skip
