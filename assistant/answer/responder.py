"""The responder's core: one delivered mention in, one answer (or one clear error) in its thread.

The steps, in order: claim the event, plan the answer, assemble the prompt, generate (the
model and its tools), deliver into Slack, record (history, files the answer produced, the
claim). Every collaborator is passed in; `functions/responder/main.py` composes them.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

import openai

from assistant import deadline
from assistant.answer.assembly import Assembly, PromptBuilder
from assistant.answer.claim_store import ClaimStore
from assistant.answer.claims import Claim, Delivered, Lease, LostLease, Verdict
from assistant.answer.commands import Commands, command_of
from assistant.answer.delivery import (
    Delivery,
    Outcome,
    ResponderLimits,
    seconds_since,
    seconds_since_mention,
)
from assistant.answer.gate import Admitted, Gate, Refused
from assistant.answer.heartbeat import Heartbeat
from assistant.answer.plan import AnswerPlan
from assistant.answer.thread_replies import ThreadReplies
from assistant.conversation.history import HistoryStore
from assistant.conversation.turns import StoredTurn, turn_order
from assistant.feedback.buttons import feedback_block
from assistant.files.context import notes_text
from assistant.files.produced import AnswerFiles
from assistant.llm.events import ModelError, ModelRequest
from assistant.llm.loop import run_tool_loop
from assistant.llm.loop_events import AnswerText, FinalAnswer, RoundFinished, ToolsStarted
from assistant.llm.rounds import Usage
from assistant.llm.tokens import count_content
from assistant.llm.tools import ToolRound, tool_footers
from assistant.mention import Mention
from assistant.retrieval.catalog import is_sources_request
from assistant.retrieval.citations import with_sources
from assistant.slack.posted import answer_metadata
from assistant.slack.reply import ThreadReply
from assistant.slack.status import AssistantStatus, status_applies

__all__ = ["Responder"]

logger = logging.getLogger(__name__)

RESET_TEXT = "Done: I have forgotten this thread's earlier messages. Ask me anything."
EMPTY_ANSWER = "_The model returned an empty answer._"
INTERNAL_ERROR = (
    "Something went wrong on my side and I could not answer this message, even after retrying."
)
TOOL_STATUS = "Using a tool…"


class Responder:
    def __init__(
        self,
        *,
        plan_for: Callable[[Mention], AnswerPlan],
        claims: ClaimStore,
        history: HistoryStore,
        prompts: PromptBuilder,
        answer_files: AnswerFiles,
        slack: object,
        model_client: openai.OpenAI,
        dead_letter: Callable[[Mention], object],
        limits: ResponderLimits,
        sources: Callable[[AnswerPlan], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        gate: Gate | None = None,
        commands: Commands | None = None,
        replies: ThreadReplies | None = None,
    ) -> None:
        self._plan_for = plan_for
        self.claims = claims
        self.history = history
        self._prompts = prompts
        self._answer_files = answer_files
        self._slack = slack
        self._model_client = model_client
        self._dead_letter = dead_letter
        self._limits = limits
        self._sources = sources  # the `@assistant sources` reply: document sets and counts
        self._sleep = sleep
        self._gate = gate  # None: no allowlists, budgets or usage ledger
        self._commands = commands
        # Thread replies without a mention: by default decided from history alone.
        self._replies = replies or ThreadReplies(history=history, plan_for=plan_for)

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
        if claim.verdict is Verdict.WAIT:
            # Still in hand after a long wait: never ack this copy, or the holder's failure
            # could no longer be redelivered.
            logger.info("the same message is still in hand; Pub/Sub will redeliver")
            return Outcome.RETRY
        if claim.lease is None:
            logger.info("already handled or in hand", extra={"state": claim.state})
            return Outcome.ACK
        lease = claim.lease
        attempt = delivery.attempt or claim.attempts
        with Heartbeat(lambda: self.claims.renew(lease), interval=self._beat()) as heartbeat:
            reply = ThreadReply(
                self._slack,  # type: ignore[arg-type]
                channel=mention.channel,
                thread_ts=mention.thread_ts,
                message_ts=claim.message_ts,
                on_new_message=lambda ts: self.claims.record_messages(lease, ts),
                min_interval=self._limits.slack_update_interval_seconds,
                guard=heartbeat.check,
                metadata=answer_metadata(mention.message_key),
            )
            if status_applies(mention):  # the DM: a loading status, not a "Thinking…" message
                loading = self._limits.loading_messages
                reply.use_status(
                    AssistantStatus.of(self._slack, mention, loading, guard=heartbeat.check)
                )
            try:
                if claim.delivered is not None:  # only the bookkeeping is left to do
                    return self._record(mention, lease, claim.delivered)
                return self._answer(mention, lease, claim, reply)
            except LostLease:
                logger.warning("another delivery took this event over; standing down")
                return Outcome.ACK
            except Exception:
                return self._failed(mention, lease, reply, attempt, claim)

    def _claim(self, mention: Mention, delivery_id: str) -> Claim:
        """Acquire, waiting while the same message is still in hand elsewhere."""
        waited_until = time.monotonic() + min(
            self.claims.lease.total_seconds() * 1.5, deadline.remaining() / 2
        )
        while True:
            claim = self.claims.acquire(
                mention.message_key, event_id=mention.event_id, delivery_id=delivery_id
            )
            if claim.verdict is not Verdict.WAIT or time.monotonic() > waited_until:
                return claim
            self._sleep(self._beat() / 2)

    def _beat(self) -> float:
        return self.claims.lease.total_seconds() / 3

    def _answer(self, mention: Mention, lease: Lease, claim: Claim, reply: ThreadReply) -> Outcome:
        if claim.attempts > 1:  # an earlier attempt may have died between a post and its record
            reply.recover_posted(after=mention.ts)
        plan = self._plan_for(mention)
        reply.post_as(plan.identity())
        checked = self._check(mention, lease, reply, plan)
        if isinstance(checked, Outcome):
            return checked
        if mention.is_reset:
            deleted = self.history.clear(mention.thread_key, read_through=mention.ts)
            reply.say(RESET_TEXT)
            self.claims.finish(lease, deleted_turns=deleted)
            return Outcome.ACK
        if self._sources is not None and is_sources_request(mention.question):
            reply.say(self._sources(self._plan_for(mention)))
            self.claims.finish(lease)
            return Outcome.ACK

        reply.show_progress()
        started = time.monotonic()
        assembly = self._prompts.build(mention, plan)
        cost = [self._count(mention, plan, lease, "summary", assembly.summary_usage)]
        try:
            final = self._generate(
                mention, lease, plan, assembly, claim.rounds, reply, started, cost
            )
        except ModelError as error:
            reply.fail(str(error), partial_text=reply.streamed_text)
            self.claims.finish(lease, state="failed", error=str(error))
            logger.warning("model failed", extra={"reason": str(error)})
            return Outcome.ACK

        cited = with_sources(final.text.strip(), assembly.references.book)
        answer = (cited or EMPTY_ANSWER) + notes_text(assembly.notes)
        if self._gate is not None and plan.channel is not None and checked is not None:
            answer += self._gate.note(plan.channel, checked.spent, cost[0])
        blocks = (
            ()
            if self._gate is None
            else (feedback_block(event_id=mention.event_id, model=plan.model),)
        )
        reply.finish(answer, blocks=blocks)
        answer_turn = StoredTurn(
            order=turn_order(mention, 1),
            role="assistant",
            content=answer,
            tokens=count_content(answer, plan.spec),
            encoding=plan.spec.count_key,
            event_id=mention.event_id,
        )
        delivered = Delivered((assembly.question_turn, answer_turn), final.text, plan.input_budget)
        self.claims.record_delivered(lease, delivered, reply.message_ts)
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
                "cost_usd": round(cost[0], 6),
            },
        )
        return self._record(mention, lease, delivered)

    def _check(
        self, mention: Mention, lease: Lease, reply: ThreadReply, plan: AnswerPlan
    ) -> Outcome | Admitted | None:
        """Allowlists, then commands, then rate limit and budgets: an Outcome when the mention
        has been dealt with without the model, else what was spent so far (None: no gate)."""
        settings = plan.channel
        if self._gate is None or settings is None:
            return None
        verdict: Refused | Admitted | None = self._gate.access(mention, settings)
        if verdict is None and mention.is_reset:
            return None
        command = command_of(mention.question)
        if verdict is None and command is not None and self._commands is not None:
            text = self._commands.run(
                command,
                team=mention.team_id,
                channel=mention.channel,
                user=mention.user,
                settings=settings,
            )
            return self._say(lease, reply, text, command=command)
        if verdict is None:
            verdict = self._gate.admit(mention, settings)
        if isinstance(verdict, Admitted):
            return verdict
        if verdict.text is None:  # already said in this thread
            self.claims.finish(lease, refused=verdict.reason)
            return Outcome.ACK
        return self._say(lease, reply, verdict.text, refused=verdict.reason)

    def _say(self, lease: Lease, reply: ThreadReply, text: str, **details: str) -> Outcome:
        """A reply that needs no model: a command's answer or a refusal."""
        reply.say(text)
        self.claims.finish(lease, **details)
        return Outcome.ACK

    def _generate(
        self,
        mention: Mention,
        lease: Lease,
        plan: AnswerPlan,
        assembly: Assembly,
        done_rounds: tuple[ToolRound, ...],
        reply: ThreadReply,
        started: float,
        cost: list[float],
    ) -> FinalAnswer:
        """The answer; `cost` accumulates the estimated cost of the model calls made here."""
        rounds_in = rounds_out = 0

        def messages_for(rounds: tuple[ToolRound, ...]) -> tuple:
            prompt = assembly.prompt(rounds)
            logger.info(
                "model request",
                extra=prompt.to_log(
                    model=plan.model, rounds=len(rounds), with_text=self._limits.log_prompts
                ),
            )
            return prompt.messages

        request = ModelRequest(
            model=plan.model,
            messages=(),
            output_limit_param=plan.spec.output_limit_param,
            max_output_tokens=plan.max_output_tokens,
        )
        assembly.references.resume(done_rounds)
        events = run_tool_loop(
            self._model_client,
            request,
            messages_for=messages_for,
            tools=assembly.tools,
            deadline=time.monotonic() + deadline.remaining(),
            max_rounds=plan.max_tool_rounds,
            done_rounds=done_rounds,
        )
        rounds = list(done_rounds)
        for event in events:
            if isinstance(event, AnswerText):
                if not reply.streamed:
                    logger.info(
                        "first token",
                        extra={"seconds_since_mention": seconds_since_mention(mention)},
                    )
                reply.stream(event.text)
            elif isinstance(event, ToolsStarted):
                logger.info("tools requested", extra={"tools": list(event.names)})
                reply.show_status(event.status or TOOL_STATUS)
            elif isinstance(event, RoundFinished):
                self.claims.record_round(lease, event.number, event.round)
                rounds.append(event.round)
                usage = event.round.usage
                rounds_in += usage.prompt_tokens
                rounds_out += usage.completion_tokens
                cost[0] += self._count(mention, plan, lease, f"round-{event.number}", usage)
            elif isinstance(event, FinalAnswer):
                # FinalAnswer.usage covers every call of this delivery, the rounds included.
                last = Usage(
                    event.usage.prompt_tokens - rounds_in,
                    event.usage.completion_tokens - rounds_out,
                )
                cost[0] += self._count(mention, plan, lease, "answer", last)
                # Under the answer, what the tools show of their calls (the code that ran).
                footer = tool_footers(assembly.tools, rounds, event.text)
                return dataclasses.replace(event, text=event.text + footer) if footer else event
        raise AssertionError("the tool loop ended without an answer")

    def _count(
        self, mention: Mention, plan: AnswerPlan, lease: Lease, call: str, usage: Usage
    ) -> float:
        if self._gate is None or usage == Usage():
            return 0.0
        kind = call if call in ("answer", "summary") else "tool_round"
        if call == "summary" and plan.summary is not None and plan.summary.model != plan.model:
            plan = dataclasses.replace(plan, model=plan.summary.model, price=None)
        # Keyed by the claim's fence: a retried write never counts twice, while a takeover that
        # really calls the model again is counted again.
        return self._gate.record(
            mention, plan, call=f"{lease.fence}.{call}", kind=kind, usage=usage
        )

    def _record(self, mention: Mention, lease: Lease, delivered: Delivered) -> Outcome:
        """History, the files the answer produced, the claim: never the model again."""
        turns, keep = list(delivered.turns), delivered.keep_tokens
        deadline.check("saving the turn")
        self.history.append(
            mention.thread_key,
            turns,
            keep_tokens=keep,
            read_through=mention.ts,
            people={mention.user},
        )
        deadline.check("sharing the answer's files")
        self._answer_files.share(mention, delivered.answer_text)
        self.claims.finish(lease)
        return Outcome.ACK

    def _failed(
        self, mention: Mention, lease: Lease, reply: ThreadReply, attempt: int, claim: Claim
    ) -> Outcome:
        last = attempt >= self._limits.max_delivery_attempts
        logger.exception("answering failed", extra={"attempt": attempt, "last": last})
        if not last:
            try:
                self.claims.release(lease)
            except Exception:  # the redelivery then waits for the heartbeat to go stale
                logger.warning("could not release the claim", exc_info=True)
            return Outcome.RETRY
        if claim.delivered is None:
            self._give_up(lease, reply)
        # Filed by us rather than left to the subscription's dead-letter policy: the same
        # path in production and on the emulator (whose push mode does not dead-letter).
        self._dead_letter(mention)
        return Outcome.ACK

    def _give_up(self, lease: Lease, reply: ThreadReply) -> None:
        """Last attempt: tell the person, then let the message go to the dead-letter topic."""
        try:
            reply.fail(INTERNAL_ERROR)
            self.claims.finish(lease, state="failed", error="gave up")
        except Exception:
            logger.exception("could not report the failure")
