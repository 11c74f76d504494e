"""One delivery's answer in the making: everything the steps after the claim read and write.

Built once per delivery, after the claim, and handed to every step (`steps.py`), the
assembler, the generator and the recorder, instead of each taking the same ten arguments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient

from assistant.answer.claims import Claim, Claims, Lease
from assistant.answer.delivery import Delivery, ResponderLimits
from assistant.answer.meter import CallRecorder, Meter
from assistant.answer.plan import AnswerPlan, Planner
from assistant.answer.stops import NeverStopped, StopSignal
from assistant.audience.policy import AudienceDecision, undecided
from assistant.mention import Mention
from assistant.slack.native_stream import StreamRecipient
from assistant.slack.posted import answer_metadata
from assistant.slack.reply import ThreadReply
from assistant.slack.status import AssistantStatus
from assistant.slack.stop_button import stop_block
from assistant.usage.policy import Spent

__all__ = ["AnswerContext", "AnswerContexts"]


@dataclasses.dataclass(kw_only=True)
class AnswerContext:
    delivery: Delivery
    claim: Claim
    lease: Lease
    plan: AnswerPlan
    reply: ThreadReply
    meter: Meter
    claims: Claims
    # What had been spent before this answer, as admission found it: for the 80 % note.
    spent_before: Spent = dataclasses.field(default_factory=Spent)
    # Who can see the answer and what it may draw on (the audience step); until then, the
    # most restrictive reading.
    audience: AudienceDecision = dataclasses.field(default_factory=undecided)
    notes: tuple[str, ...] = ()  # for the person, under the answer (a source left out, ...)
    # The Slack messages the answer drew on (linked, read or found), listed under it once.
    slack_sources: list[str] = dataclasses.field(default_factory=list)
    stop: StopSignal = dataclasses.field(default_factory=NeverStopped)  # the asker's Stop

    @property
    def mention(self) -> Mention:
        return self.delivery.mention

    def finish(self, **details: Any) -> None:
        """The claim is done: nothing about this mention will be retried."""
        self.claims.finish(self.lease, **details)

    def say(self, text: str, **details: Any) -> None:
        """A reply that needs no model (a command's answer, a refusal), and the claim done."""
        self.reply.say(text)
        self.finish(**details)


class AnswerContexts:
    """Makes each delivery's reply (as soon as the claim is held) and then its context."""

    def __init__(
        self,
        *,
        planner: Planner,
        claims: Claims,
        slack: WebClient,
        ledger: CallRecorder,
        limits: ResponderLimits,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._planner = planner
        self._claims = claims
        self._slack = slack
        self._ledger = ledger
        self._limits = limits
        self._clock = clock

    def reply(
        self, mention: Mention, claim: Claim, lease: Lease, *, guard: Callable[[], None]
    ) -> ThreadReply:
        """The thread's reply, editing what an earlier attempt posted; `guard` raises once
        another delivery took the claim over, so nothing more reaches Slack. A fresh answer
        streams natively, with the loading status (DM and channel threads) until it starts."""
        reply = ThreadReply(
            self._slack,
            channel=mention.channel,
            thread_ts=mention.thread_ts,
            message_ts=claim.message_ts,
            on_new_message=lambda ts: self._claims.record_messages(lease, ts),
            min_interval=self._limits.slack_update_interval_seconds,
            guard=guard,
            metadata=answer_metadata(mention.message_key),
        )
        loading = self._limits.loading_messages
        reply.use_status(AssistantStatus.of(self._slack, mention, loading, guard=guard))
        # A stream is always an answer's first message; an instance killed between recording
        # the message and recording its stream left `stream_ts` empty: stopping a message that
        # is not streaming is refused harmlessly, so the first message is always stopped.
        reply.close_leftover_stream(claim.stream_ts or next(iter(claim.message_ts), ""))
        reply.use_stream(
            StreamRecipient(user_id=mention.user, team_id=mention.team_id),
            on_stream=lambda ts: self._claims.record_stream(lease, ts),
            interval=self._limits.slack_stream_append_seconds,
            controls=(stop_block(message_key=mention.message_key, asker=mention.user),),
        )
        return reply

    def context(
        self, delivery: Delivery, claim: Claim, lease: Lease, reply: ThreadReply
    ) -> AnswerContext:
        plan = self._planner.plan(delivery.mention)
        meter = Meter(
            ledger=self._ledger,
            prices=plan.prices,
            mention=delivery.mention,
            fence=lease.fence,
            budgets=plan.channel.budgets,
            clock=self._clock,
        )
        return AnswerContext(
            delivery=delivery,
            claim=claim,
            lease=lease,
            plan=plan,
            reply=reply,
            meter=meter,
            claims=self._claims,
        )
