"""Turning a request into a routine, and deciding whether it may exist: shared by the
`create_routine` tool (which proposes) and the Confirm click (which saves).

The model's arguments are untrusted: every field is checked, channel references are resolved
through Slack, the instruction is bounded and neutralised. The schedule's time zone is the
person's own (`users.info`) unless the request names one. Whether a routine may exist is
decided again on Confirm, since a channel's settings or audience may have changed since.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.answer.plan import AnswerPlan
from assistant.routines.recap_policy import REFUSALS, Conversation, conversation, recap_verdict
from assistant.routines.routine import Routine, State
from assistant.routines.schedule import InvalidSchedule, Schedule, next_slot
from assistant.routines.stores import Routines
from assistant.slack.neutralise import neutralise

__all__ = ["InvalidRoutine", "RoutineDrafts"]

MAX_INSTRUCTION_CHARS = 600  # the proposal travels in a button's value (2,000 characters)
MAX_SOURCES = 5
MAX_WINDOW_HOURS = 24 * 7
_CHANNEL_LINK = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,31}")


class InvalidRoutine(ValueError):
    """A request that cannot become a routine; the message is for the person (and model)."""


class RoutineDrafts:
    def __init__(
        self,
        slack: WebClient,
        routines: Routines,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._slack = slack
        self._routines = routines
        self._clock = clock

    def draft(
        self, arguments: Mapping[str, object], *, team: str, creator: str, channel: str
    ) -> Routine:
        """The routine the arguments describe, not saved; raises InvalidRoutine."""
        try:
            days = Schedule.parse_days(arguments.get("days") or "weekdays")
            zone = str(arguments.get("time_zone") or "") or self.zone_of(creator)
            schedule = Schedule(days=days, time=str(arguments.get("time") or ""), zone=zone)
        except InvalidSchedule as error:
            raise InvalidRoutine(str(error)) from None
        raw_sources = arguments.get("sources") or []
        if isinstance(raw_sources, str):
            raw_sources = [raw_sources]
        if not isinstance(raw_sources, list) or not raw_sources:
            raise InvalidRoutine("name at least one channel to recap")
        if len(raw_sources) > MAX_SOURCES:
            raise InvalidRoutine(f"a routine recaps at most {MAX_SOURCES} channels")
        sources = tuple(dict.fromkeys(self.resolve(str(s), here=channel) for s in raw_sources))
        target = self.resolve(str(arguments.get("target") or "here"), here=channel)
        try:
            hours = int(str(arguments.get("window_hours") or 24))
        except ValueError:
            raise InvalidRoutine("window_hours must be a whole number of hours") from None
        if not 1 <= hours <= MAX_WINDOW_HOURS:
            raise InvalidRoutine(f"the window must be 1 to {MAX_WINDOW_HOURS} hours")
        instruction = " ".join(neutralise(str(arguments.get("instruction") or "")).split())
        return Routine(
            id=uuid.uuid4().hex,
            team=team,
            creator=creator,
            created_in=channel,
            target=target,
            sources=sources,
            schedule=schedule,
            window_hours=hours,
            instruction=instruction[:MAX_INSTRUCTION_CHARS] or "Recap what was said.",
            state=State.ACTIVE,
            next_run=next_slot(schedule, after=self._clock()),
        )

    def refusal(self, routine: Routine, plan: AnswerPlan) -> str:
        """Why this routine may not exist ("" when it may): the target channel's settings,
        the person's cap, and the audience of each source against the target's."""
        if not plan.channel.routines.allowed:
            return "Routines are switched off where this one would post."
        cap = plan.channel.routines.per_person
        if cap and self._routines.count_active(team=routine.team, user=routine.creator) >= cap:
            return f"You already have {cap} routines, the most allowed; cancel one first."
        target = self.facts(routine.target)
        for source in routine.sources:
            facts = self.facts(source)
            verdict = recap_verdict(source=facts, target=target)
            if not verdict.allowed:
                return "I can't set that up: " + REFUSALS[verdict.reason].format(
                    source=_name(facts, source), target=_name(target, routine.target)
                )
        return ""

    def names(self, channels: tuple[str, ...]) -> dict[str, str]:
        return {channel: self.facts(channel).name or channel for channel in channels}

    def facts(self, channel: str) -> Conversation:
        try:
            info = self._slack.conversations_info(channel=channel)
        except SlackApiError:
            return conversation({})
        return conversation(info.get("channel") or {})

    def zone_of(self, user: str) -> str:
        try:
            info = self._slack.users_info(user=user)
        except SlackApiError:
            return "UTC"
        return str((info.get("user") or {}).get("tz") or "UTC")

    def resolve(self, reference: str, *, here: str) -> str:
        """A channel id from what the model wrote: "here", <#C123|name>, C123 or #name."""
        text = reference.strip()
        if text.lower() in ("", "here", "this channel", "this conversation"):
            return here
        link = _CHANNEL_LINK.search(text)
        if link:
            return link.group(1)
        if _CHANNEL_ID.fullmatch(text):
            return text
        name = text.lstrip("#").lower()
        cursor = None
        try:
            while True:
                listed = self._slack.conversations_list(
                    types="public_channel,private_channel", limit=200, cursor=cursor
                )
                for channel in listed.get("channels") or ():
                    if str(channel.get("name", "")).lower() == name:
                        return str(channel["id"])
                cursor = (listed.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError:
            pass
        raise InvalidRoutine(f"I can't find a channel called {neutralise(text)!r}")


def _name(facts: Conversation, channel: str) -> str:
    return f"#{facts.name}" if facts.name else "that conversation"
