"""The responder's "generate" step: the model and its tools, streamed into the thread.

Each tool round is recorded on the claim as it finishes, so a delivery that takes over after a
crash replays the rounds instead of running the tools again; each model call is metered. Every
tool call is a visible step (a task card in a native stream, else the status line), whatever
the tool. What the tools show of their calls (the code that ran) goes under the answer. A link
in the answer to an address that nothing the model read contains is shown as text, not a link.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator

import openai

from assistant import deadline
from assistant.answer.assembly import Assembly
from assistant.answer.claims import RoundTooLarge
from assistant.answer.context import AnswerContext
from assistant.answer.delivery import seconds_since_mention
from assistant.answer.final import urls_read
from assistant.llm.events import Cancelled, ModelError, ModelRequest
from assistant.llm.loop import run_tool_loop
from assistant.llm.loop_events import (
    AnswerText,
    FinalAnswer,
    LoopEvent,
    RoundFinished,
    StepFinished,
    StepStarted,
    ToolsStarted,
)
from assistant.llm.messages import Message
from assistant.llm.rounds import Usage
from assistant.llm.tokens import count_content
from assistant.llm.tools import Tool, ToolRound, tool_blocks, tool_footers
from assistant.slack.native_stream import TaskUpdate
from assistant.slack.neutralise import unlink_unknown

__all__ = ["ROUND_TOO_BIG", "Generator", "task_update"]

logger = logging.getLogger(__name__)

ROUND_TOO_BIG = (
    "The tools returned more than I can keep for one answer, so I stopped here. "
    "Please ask for less at a time."
)


def task_update(event: StepStarted | StepFinished) -> TaskUpdate:
    """A tool call's step as Slack's task card."""
    if isinstance(event, StepStarted):
        status = "in_progress" if event.running else "pending"
        return TaskUpdate(id=event.call_id, title=event.title, status=status)
    return TaskUpdate(
        id=event.call_id,
        title=event.title,
        status="error" if event.failed else "complete",
        output=event.summary.output,
        sources=event.summary.sources,
    )


class Generator:
    def __init__(self, model_client: openai.OpenAI, *, log_prompts: bool = False) -> None:
        self._model_client = model_client
        self._log_prompts = log_prompts

    def generate(
        self,
        context: AnswerContext,
        assembly: Assembly,
        tools: tuple[Tool, ...],
        *,
        first_call: str = "",
        resumed: tuple[ToolRound, ...] = (),
    ) -> FinalAnswer:
        """The final answer (its footer and the tools' blocks included); raises ModelError when
        the model fails, Cancelled (with this delivery's usage metered) when it was stopped.
        `resumed`: rounds an earlier answer left for this one to go on from (an approved
        call's), before the rounds this answer's earlier attempts completed. `first_call`: a
        tool the first round must call ("" lets the model choose)."""
        plan, reply = context.plan, context.reply
        done_rounds = (*resumed, *context.claim.rounds)

        def messages_for(rounds: tuple[ToolRound, ...]) -> tuple[Message, ...]:
            prompt = assembly.prompt(rounds)
            logger.info(
                "model request",
                extra=prompt.to_log(
                    model=plan.model, rounds=len(rounds), with_text=self._log_prompts
                ),
            )
            # Built right before the call: its maximum cost is reserved against the budgets
            # (OverBudget, a ModelError, ends the answer when they allow no more).
            context.meter.reserve(
                model=plan.model,
                tokens_in=prompt.account.used,
                tokens_out=plan.max_output_tokens,
            )
            return tuple(prompt.messages)

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
            tools=tools,
            deadline=time.monotonic() + deadline.remaining(),
            max_rounds=plan.max_tool_rounds,
            done_rounds=done_rounds,
            first_call=first_call,
            cancelled=lambda: context.stop.stopped,
        )
        rounds, in_rounds = list(done_rounds), Usage()
        try:
            return self._follow(context, assembly, events, rounds, in_rounds, tools)
        except Cancelled:
            # The model's usage comes at the end of its stream, which a stop cuts: counted.
            prompt = assembly.prompt(tuple(rounds))
            partial = count_content(reply.streamed_text, plan.spec)
            context.meter.record("stopped", model=plan.model, usage=Usage(prompt.tokens, partial))
            raise

    def _follow(
        self,
        context: AnswerContext,
        assembly: Assembly,
        events: Iterator[LoopEvent],
        rounds: list[ToolRound],
        in_rounds: Usage,
        tools: tuple[Tool, ...],
    ) -> FinalAnswer:
        plan, reply = context.plan, context.reply
        for event in events:
            if isinstance(event, AnswerText):
                if not reply.streamed:
                    extra = {"seconds_since_mention": seconds_since_mention(context.mention)}
                    logger.info("first token", extra=extra)
                reply.stream(event.text)
            elif isinstance(event, ToolsStarted):
                logger.info("tools requested", extra={"tools": list(event.names)})
            elif isinstance(event, StepStarted | StepFinished):
                reply.task(task_update(event))
            elif isinstance(event, RoundFinished):
                rounds.append(event.round)
                in_rounds += event.round.usage
                # Counted first: the call was paid for, whether or not its round can be kept.
                context.meter.record(
                    f"round-{event.number}", model=plan.model, usage=event.round.usage
                )
                _keep_round(context, event)
            elif isinstance(event, FinalAnswer):
                # FinalAnswer.usage covers every call of this delivery, the rounds included.
                last = Usage(
                    event.usage.prompt_tokens - in_rounds.prompt_tokens,
                    event.usage.completion_tokens - in_rounds.completion_tokens,
                )
                context.meter.record("answer", model=plan.model, usage=last)
                # A link to an address nothing read contains may carry the thread away.
                read = urls_read(assembly.prompt(tuple(rounds)), assembly.references.book)
                text = unlink_unknown(event.text, read)
                footer = tool_footers(tools, rounds, text, earlier=assembly.pasted.earlier_calls)
                blocks = tool_blocks(tools, rounds)
                return dataclasses.replace(event, text=text + footer, blocks=blocks)
        raise AssertionError("the tool loop ended without an answer")


def _keep_round(context: AnswerContext, event: RoundFinished) -> None:
    """The round on the claim, so a takeover replays it. One too big for the claim document
    ends the answer for good: a redelivery would pay for the same round and fail again."""
    try:
        context.claims.record_round(context.lease, event.number, event.round)
    except RoundTooLarge as error:
        logger.warning("tool round too big to keep", extra={"round": event.number})
        raise ModelError(ROUND_TOO_BIG) from error
