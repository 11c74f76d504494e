"""The responder's side of a Stop click: who may stop an answer, and the stop itself.

Only the person who asked, or a workspace admin or owner (`users.info`), may stop an answer;
anyone else gets a polite message only they can see (`chat.postEphemeral`) and the answer goes
on. An allowed stop is written to the `StopStore`; the delivery answering watches it
(`stops.StopWatch`) and ends the answer with what it had written. A redelivered click writes the
same stop again: harmless.
"""

from __future__ import annotations

import json
import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.answer.stops import STOP_KIND, StopRequest, StopStore
from assistant.approvals.card import APPROVAL_KIND, ApprovalClick
from assistant.slack.opened import DmOpened

__all__ = ["NOT_YOURS", "StopHandler", "assistant_event_from_json"]

logger = logging.getLogger(__name__)

NOT_YOURS = (
    "Only the person who asked (or a workspace admin) can stop this answer. "
    "You can ask your own question in this thread instead."
)


def assistant_event_from_json(data: bytes | str) -> DmOpened | StopRequest | ApprovalClick:
    """What arrived on the assistant-events topic: a DM opened, a stop request, or a click on
    Approve / Deny."""
    raw = json.loads(data)
    if isinstance(raw, dict) and raw.get("kind") == STOP_KIND:
        return StopRequest.from_json(data)
    if isinstance(raw, dict) and raw.get("kind") == APPROVAL_KIND:
        return ApprovalClick.from_json(data)
    return DmOpened.from_json(data)


class StopHandler:
    def __init__(self, slack: WebClient, stops: StopStore) -> None:
        self._slack = slack
        self._stops = stops

    def handle(self, request: StopRequest) -> bool:
        """True when the answer was asked to stop; False when the click was refused."""
        if request.user != request.asker and not self._is_admin(request.user):
            logger.info("stop refused: not the asker", extra={"message_key": request.message_key})
            self._refuse(request)
            return False
        self._stops.request(request.message_key, by=request.user)
        logger.info("stop requested", extra={"message_key": request.message_key})
        return True

    def _is_admin(self, user: str) -> bool:
        try:
            person = self._slack.users_info(user=user)["user"]
        except (SlackApiError, KeyError, TypeError):
            logger.warning("users.info failed; the stop is refused", exc_info=True)
            return False
        return bool(person.get("is_admin") or person.get("is_owner"))

    def _refuse(self, request: StopRequest) -> None:
        try:
            self._slack.chat_postEphemeral(
                channel=request.channel,
                user=request.user,
                thread_ts=request.thread_ts,
                text=NOT_YOURS,
            )
        except SlackApiError:  # the refusal is a courtesy: the answer goes on either way
            logger.warning("could not say the stop was refused", exc_info=True)
