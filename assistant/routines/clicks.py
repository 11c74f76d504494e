"""What a click on a routine's button does, in the responder (ingress only queued it).

Confirm saves the proposal the button carries, if the one who clicks is the one who asked and
the routine may still exist (`RoutineDrafts.refusal`); its id is the proposal's, so a second
click (or Slack's retry) saves nothing more. Cancel on a proposal discards it. Cancel on a
listed routine cancels it for good, if the one who clicks created it or is a workspace admin.
Each answer replaces the message's buttons or is said in its thread.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.answer.plan import Planner
from assistant.routines.actions import CANCEL, CONFIRM, DISCARD, RoutineAction, decode_draft
from assistant.routines.actions import spelled_out as words
from assistant.routines.creation import RoutineDrafts
from assistant.routines.routine import Routine, RoutineRun, State
from assistant.routines.runner import routine_mention, when
from assistant.routines.schedule import next_slot
from assistant.routines.stores import Routines

__all__ = ["ClickOutcome", "RoutineClicks"]

logger = logging.getLogger(__name__)


class ClickOutcome(enum.Enum):
    SAVED = "saved"
    ALREADY_SAVED = "already_saved"
    DISCARDED = "discarded"
    CANCELLED = "cancelled"
    REFUSED = "refused"  # not theirs to click, or no longer allowed
    IGNORED = "ignored"  # malformed, or a routine that is gone


class RoutineClicks:
    def __init__(
        self,
        *,
        routines: Routines,
        drafts: RoutineDrafts,
        planner: Planner,
        slack: WebClient,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._routines = routines
        self._drafts = drafts
        self._planner = planner
        self._slack = slack
        self._clock = clock

    def handle(self, click: RoutineAction) -> ClickOutcome:
        if click.action == CONFIRM:
            return self._confirm(click)
        if click.action == DISCARD:
            return self._discard(click)
        if click.action == CANCEL:
            return self._cancel(click)
        return ClickOutcome.IGNORED

    def _confirm(self, click: RoutineAction) -> ClickOutcome:
        now = self._clock()
        try:
            draft = decode_draft(click.value, next_run=now)
        except (ValueError, KeyError, TypeError):
            return ClickOutcome.IGNORED
        if click.user != draft.creator or click.team != draft.team:
            self._say(click, "Only the person who asked for this routine can confirm it.")
            return ClickOutcome.REFUSED
        routine = _scheduled(draft, now)
        if self._routines.get(routine.id) is not None:
            return ClickOutcome.ALREADY_SAVED
        plan = self._planner.plan(routine_mention(routine, RoutineRun(routine.id, now)))
        refusal = self._drafts.refusal(routine, plan)
        if refusal:
            self._replace(click, f"Not saved: {refusal}")
            return ClickOutcome.REFUSED
        if not self._routines.create(routine):
            return ClickOutcome.ALREADY_SAVED
        names = self._drafts.names((*routine.sources, routine.target))
        self._replace(
            click,
            f"*Routine saved*: {words(routine, names)}\nFirst run: {when(routine.next_run)}. "
            "`@assistant routines` lists it, with a Cancel button.",
        )
        return ClickOutcome.SAVED

    def _discard(self, click: RoutineAction) -> ClickOutcome:
        self._replace(click, "Routine not saved.")
        return ClickOutcome.DISCARDED

    def _cancel(self, click: RoutineAction) -> ClickOutcome:
        routine = self._routines.get(click.value) if click.value.isalnum() else None
        if routine is None or routine.team != click.team:
            return ClickOutcome.IGNORED
        if click.user != routine.creator and not self._is_admin(click.user):
            self._say(click, "Only the routine's creator or a workspace admin can cancel it.")
            return ClickOutcome.REFUSED
        self._routines.set_state(routine.id, State.CANCELLED, note=f"cancelled by {click.user}")
        names = self._drafts.names((*routine.sources, routine.target))
        self._say(click, f"Cancelled: {words(routine, names)}")
        return ClickOutcome.CANCELLED

    def _is_admin(self, user: str) -> bool:
        try:
            member = self._slack.users_info(user=user).get("user") or {}
        except SlackApiError:
            return False
        return bool(member.get("is_admin") or member.get("is_owner"))

    def _replace(self, click: RoutineAction, text: str) -> None:
        """The proposal's message becomes the outcome, without its buttons."""
        try:
            self._slack.chat_update(
                channel=click.channel, ts=click.message_ts, text=text, blocks=[]
            )
        except SlackApiError as error:
            logger.warning(
                "routine message not updated", extra={"error": error.response.get("error")}
            )
            self._say(click, text)

    def _say(self, click: RoutineAction, text: str) -> None:
        self._slack.chat_postMessage(
            channel=click.channel, thread_ts=click.thread_ts or click.message_ts, text=text
        )


def _scheduled(draft: Routine, now: datetime) -> Routine:
    """The proposal with its first run counted from the Confirm, not from the proposal."""
    return dataclasses.replace(draft, next_run=next_slot(draft.schedule, after=now))
