"""The responder's "generate" step: the model and its tools, streamed into the thread.

Each tool round is recorded on the claim as it finishes, so a delivery that takes over after a
crash replays the rounds instead of running the tools again; each model call is metered. Every
tool call is a visible step (a task card in a native stream, else the status line), whatever
the tool. What the tools show of their calls (the code that ran) goes under the answer.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator

import openai

from assistant import deadline
from assistant.answer.assembly import Assembly
from assistant.answer.context import AnswerContext
from assistant.answer.delivery import seconds_since_mention
from assistant.llm.events import Cancelled, ModelRequest
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
from assistant.llm.tools import Tool, ToolRound, tool_footers
from assistant.slack.native_stream import TaskUpdate

__all__ = ["Generator", "task_update"]

logger = logging.getLogger(__name__)


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
        self, context: AnswerContext, assembly: Assembly, tools: tuple[Tool, ...]
    ) -> FinalAnswer:
        """The final answer (its footer included); raises ModelError when the model fails,
        Cancelled (with this delivery's usage metered) when the answer was stopped."""
        plan, reply, done_rounds = context.plan, context.reply, context.claim.rounds

        def messages_for(rounds: tuple[ToolRound, ...]) -> tuple[Message, ...]:
            prompt = assembly.prompt(rounds)
            logger.info(
                "model request",
                extra=prompt.to_log(
                    model=plan.model, rounds=len(rounds), with_text=self._log_prompts
                ),
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
            cancelled=lambda: context.stop.stopped,
        )
        rounds, in_rounds = list(done_rounds), Usage()
        try:
            return self._follow(context, events, rounds, in_rounds, tools)
        except Cancelled:
            # The model's usage comes at the end of its stream, which a stop cuts: counted.
            prompt = assembly.prompt(tuple(rounds))
            partial = count_content(reply.streamed_text, plan.spec)
            context.meter.record("stopped", model=plan.model, usage=Usage(prompt.tokens, partial))
            raise

    def _follow(
        self,
        context: AnswerContext,
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
                context.claims.record_round(context.lease, event.number, event.round)
                rounds.append(event.round)
                in_rounds += event.round.usage
                context.meter.record(
                    f"round-{event.number}", model=plan.model, usage=event.round.usage
                )
            elif isinstance(event, FinalAnswer):
                # FinalAnswer.usage covers every call of this delivery, the rounds included.
                last = Usage(
                    event.usage.prompt_tokens - in_rounds.prompt_tokens,
                    event.usage.completion_tokens - in_rounds.completion_tokens,
                )
                context.meter.record("answer", model=plan.model, usage=last)
                footer = tool_footers(tools, rounds, event.text)
                return dataclasses.replace(event, text=event.text + footer) if footer else event
        raise AssertionError("the tool loop ended without an answer")
