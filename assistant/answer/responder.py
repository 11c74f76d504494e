"""The responder's core: one delivered mention in, one answer (or one clear error) in its thread.

    claim → context → steps → assemble → generate → deliver → record

Claim the message (exactly one answer however often it is delivered); build the delivery's
`AnswerContext` (plan, reply, meter); run the pre-answer steps (access → commands →
admission, `steps.py`); assemble the prompt (`assembly.py`); generate with the tools this
answer is offered (`tools.py`, `generation.py`); deliver into Slack; record history, the
answer's files and the claim. Every collaborator is passed in by `wiring.build_responder`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from assistant import deadline
from assistant.answer.assembly import Assembly, PromptBuilder
from assistant.answer.claims import (
    Claim,
    Claims,
    ClaimVerdict,
    Delivered,
    Lease,
    LostLease,
    acquire_waiting,
)
from assistant.answer.context import AnswerContext, AnswerContexts
from assistant.answer.delivery import (
    Delivery,
    ResponderLimits,
    seconds_since,
    seconds_since_mention,
)
from assistant.answer.final import answer_text, answer_turn
from assistant.answer.generation import Generator
from assistant.answer.heartbeat import Heartbeat
from assistant.answer.linked import LinkedMessages
from assistant.answer.pasted_pages import PastedPages
from assistant.answer.steps import Step, StepResult, run_steps
from assistant.answer.stops import StopStore, StopWatch
from assistant.answer.thread_replies import ThreadReplies
from assistant.answer.tools import AnswerTools, ToolRequest
from assistant.approvals.resume import resumed_rounds
from assistant.approvals.store import PendingCalls
from assistant.conversation.thread_state import History
from assistant.feedback.buttons import feedback_block
from assistant.files.produced import AnswerFiles
from assistant.llm.events import Cancelled, ModelError
from assistant.llm.loop_events import FinalAnswer
from assistant.mention import Mention
from assistant.pubsub.outcome import Outcome, is_last_attempt
from assistant.slack.reply import ReplyState, ThreadReply

__all__ = ["Responder"]

logger = logging.getLogger(__name__)

STOPPED_NOTE = "_Stopped._"
INTERNAL_ERROR = (
    "Something went wrong on my side and I could not answer this message, even after retrying."
)


class Responder:
    def __init__(
        self,
        *,
        contexts: AnswerContexts,
        claims: Claims,
        history: History,
        replies: ThreadReplies,
        steps: tuple[Step, ...],
        prompts: PromptBuilder,
        tools: AnswerTools,
        linked: LinkedMessages,
        pasted: PastedPages,
        generator: Generator,
        answer_files: AnswerFiles,
        dead_letter: Callable[[Mention], object],
        limits: ResponderLimits,
        stops: StopStore,
        pending_calls: PendingCalls,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.claims = claims
        self.history = history
        self._contexts, self._replies, self._steps = contexts, replies, steps
        self.prompts, self._tools, self._generator = prompts, tools, generator
        self._linked = linked
        self._pasted = pasted
        self._answer_files = answer_files
        self._dead_letter, self._limits, self._stops = dead_letter, limits, stops
        self._pending_calls = pending_calls
        self._sleep, self._clock = sleep, clock

    def handle(self, delivery: Delivery) -> Outcome:
        with deadline.delivery_deadline(seconds=self._limits.response_time_budget_seconds):
            return self._handle(delivery)

    def _handle(self, delivery: Delivery) -> Outcome:
        mention = delivery.mention
        logger.info(
            "delivery received",
            extra={
                "message_id": delivery.delivery_id,
                "delivery_attempt": delivery.attempt,
                "seconds_since_mention": seconds_since_mention(mention),
            },
        )
        if mention.follow_up and not self._replies.answer_now(mention):
            return Outcome.ACK
        claim = self._claim(mention, delivery.delivery_id)
        if claim.verdict is ClaimVerdict.WAIT:
            # Still in hand after a long wait: never ack this copy, or the holder's failure
            # could no longer be redelivered.
            logger.info("the same message is still in hand; Pub/Sub will redeliver")
            return Outcome.RETRY
        if claim.lease is None:
            logger.info("already handled or in hand", extra={"state": claim.state})
            return Outcome.ACK
        lease = claim.lease
        with Heartbeat(lambda: self.claims.renew(lease), interval=self._beat()) as heartbeat:
            reply = self._contexts.reply(mention, claim, lease, guard=heartbeat.check)
            try:
                if claim.delivered is not None:  # only the bookkeeping is left to do
                    return self._record(mention, lease, claim.delivered)
                return self._answer(self._contexts.context(delivery, claim, lease, reply))
            except LostLease:
                logger.warning("another delivery took this event over; standing down")
                return Outcome.ACK
            except Exception:
                return self._failed(delivery, claim, lease, reply)

    def _claim(self, mention: Mention, delivery_id: str) -> Claim:
        """Acquire, waiting while the same message is still in hand elsewhere."""
        wait = min(self.claims.lease.total_seconds() * 1.5, deadline.remaining() / 2)
        return acquire_waiting(self.claims, mention, delivery_id, wait_seconds=wait,
                               poll_seconds=self._beat() / 2, sleep=self._sleep)  # fmt: skip

    def _beat(self) -> float:
        return self.claims.lease.total_seconds() / 3

    def _answer(self, context: AnswerContext) -> Outcome:
        mention, reply = context.mention, context.reply
        if context.claim.attempts > 1:  # an earlier attempt may have died between post and record
            reply.recover_posted(after=mention.ts)
        reply.post_as(context.plan.identity())
        if run_steps(self._steps, context) is StepResult.DONE:
            return Outcome.ACK
        reply.show_progress()
        started = time.monotonic()
        try:
            return self._generate(context, started)
        finally:
            context.meter.release()  # what a failed or unmade call still held

    def _generate(self, context: AnswerContext, started: float) -> Outcome:
        # The plan as the steps left it (the audience step narrows it).
        mention, plan, reply, meter = context.mention, context.plan, context.reply, context.meter
        assembly = self.prompts.build(
            mention,
            plan,
            reserve=lambda tokens_in, tokens_out: meter.reserve(
                model=plan.summary.model, tokens_in=tokens_in, tokens_out=tokens_out
            ),
        )
        linked = self._linked.gather(mention, context.audience, plan, assembly.people_said())
        pasted = self._pasted.gather(mention, plan, context.audience, meter)
        assembly = dataclasses.replace(assembly, linked=linked, pasted=pasted)
        context.slack_sources.extend(linked.sources)
        meter.record("summary", model=plan.summary.model, usage=assembly.summary_usage)
        request = ToolRequest(
            mention=mention,
            plan=plan,
            references=assembly.references,
            audience=context.audience,
            meter=meter,
            slack_sources=context.slack_sources,
            file_names=assembly.file_names,
        )
        tools = self._tools.choose(request)
        key = mention.message_key
        try:
            with StopWatch(lambda: self._stops.requested(key)) as watch:
                context.stop = watch
                final = self._generator.generate(
                    context,
                    assembly,
                    tools,
                    first_call=self._tools.first_call(request, tools),
                    resumed=resumed_rounds(self._pending_calls, context),
                )
        except Cancelled:
            return self._stopped(context, assembly, by=watch.by)
        except ModelError as error:
            reply.fail(str(error), partial_text=reply.streamed_text)
            context.finish(state="failed", error=str(error))
            logger.warning("model failed", extra={"reason": str(error)})
            return Outcome.ACK
        delivered = self._deliver(context, assembly, final)
        logger.info(
            "answered",
            extra={
                "seconds": round(time.monotonic() - started, 3),
                "seconds_since_mention": seconds_since_mention(mention),
                "first_token_seconds": seconds_since(started, final.first_token_at),
                "usage": final.usage.to_json(),
                "tool_rounds": final.rounds,
                "slack_edits": reply.edits,
                "stream_restarts": final.restarts,
                "cost_usd": round(context.meter.total_cost_usd, 6),
            },
        )
        return self._record(mention, context.lease, delivered)

    def _deliver(self, context: AnswerContext, assembly: Assembly, final: FinalAnswer) -> Delivered:
        """The answer finished in its message; what is left to record."""
        mention, plan = context.mention, context.plan
        spent = context.spent_before.plus(context.meter.total_cost_usd)
        notes = (*assembly.notes, *assembly.linked.notes, *assembly.pasted.notes, *context.notes)
        text = answer_text(final.text, question=mention.question, book=assembly.references.book,
                           notes=notes, plan=plan, spent=spent, now=self._clock(),
                           slack_sources=context.slack_sources)  # fmt: skip
        feedback = feedback_block(event_id=mention.event_id, model=plan.model)
        context.reply.finish(text, blocks=(*final.blocks, feedback))
        turns = (assembly.question_turn, answer_turn(mention, plan, text))
        delivered = Delivered(turns, final.text, plan.input_budget)
        self.claims.record_delivered(context.lease, delivered, context.reply.message_ts)
        return delivered

    def _stopped(self, context: AnswerContext, assembly: Assembly, *, by: str) -> Outcome:
        """Someone stopped the answer: what was written stays, with a note, and is remembered
        like any answer, so a redelivery finds the claim done and never starts it again."""
        mention, plan = context.mention, context.plan
        partial = context.reply.streamed_text.strip()
        text = f"{partial}\n\n{STOPPED_NOTE}" if partial else STOPPED_NOTE
        context.reply.finish(
            text, blocks=(feedback_block(event_id=mention.event_id, model=plan.model),)
        )
        turns = (assembly.question_turn, answer_turn(mention, plan, text))
        delivered = Delivered(turns, text, plan.input_budget)
        self.claims.record_delivered(context.lease, delivered, context.reply.message_ts)
        logger.info("answer stopped", extra={"stopped_by": by, "characters": len(partial)})
        return self._record(mention, context.lease, delivered)

    def _record(self, mention: Mention, lease: Lease, delivered: Delivered) -> Outcome:
        """History, the files the answer produced, the claim: never the model again."""
        deadline.check("saving the turn")
        self.history.append(
            mention.thread_key,
            list(delivered.turns),
            keep_tokens=delivered.keep_tokens,
            read_through=mention.ts,
            people={mention.user},
        )
        deadline.check("sharing the answer's files")
        self._answer_files.share(mention, delivered.answer_text)
        self.claims.finish(lease)
        return Outcome.ACK

    def _failed(
        self, delivery: Delivery, claim: Claim, lease: Lease, reply: ThreadReply
    ) -> Outcome:
        last = is_last_attempt(
            reported=delivery.attempt,
            counted=claim.attempts,
            max_attempts=self._limits.max_delivery_attempts,
        )
        logger.exception("answering failed", extra={"attempt": claim.attempts, "last": last})
        if not last:
            try:
                self.claims.release(lease)
            except Exception:  # the redelivery then waits for the heartbeat to go stale
                logger.warning("could not release the claim", exc_info=True)
            return Outcome.RETRY
        if claim.delivered is None:  # tell the person, then file the dead letter
            try:
                if reply.state is not ReplyState.FINAL:  # an answer already shown stays
                    reply.fail(INTERNAL_ERROR)
                self.claims.finish(lease, state="failed", error="gave up")
            except Exception:
                logger.exception("could not report the failure")
        # Filed by us rather than left to the subscription's dead-letter policy: the same
        # path in production and on the emulator (whose push mode does not dead-letter).
        self._dead_letter(delivery.mention)
        return Outcome.ACK
