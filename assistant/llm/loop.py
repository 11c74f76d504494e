"""The model and its tools, in rounds, until a final answer.

Each round streams one completion. When the model asks for tools, each call is run, the results
go back as `tool` messages, and the next round starts; the round is reported (`RoundFinished`)
so the caller can record it and a redelivery can replay it instead of running the tools again
(`done_rounds`). The number of tool rounds is capped: the last round offers no tools, so it
must answer. So is the number of calls in a round (`MAX_TOOL_CALLS_PER_ROUND`): the calls past
it are not run, and their results say so (one round of twenty code runs would hold twenty
executors, one after another, for one answer). One deadline bounds every round and every tool.

A tool's failure (unknown name, arguments that are not a JSON object, an exception) becomes
its result, in words the model can react to; it never fails the answer.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import cast

import openai

from assistant.llm.events import Cancelled, ModelError, ModelRequest, StreamEvent
from assistant.llm.loop_events import (
    AnswerText,
    FinalAnswer,
    LoopEvent,
    RoundFinished,
    StepFinished,
    StepStarted,
    ToolsStarted,
)
from assistant.llm.messages import Message, ToolCall
from assistant.llm.rounds import RoundBuilder, Usage
from assistant.llm.stream import stream_events
from assistant.llm.tools import StepSummary, Tool, ToolRound, first_line

__all__ = ["MAX_TOOL_CALLS_PER_ROUND", "MAX_TOOL_RESULT_CHARS", "run_tool_loop"]

logger = logging.getLogger(__name__)

MAX_TOOL_RESULT_CHARS = 16_000  # rounds are recorded on the claim document (1 MiB at most)
MAX_TOOL_CALLS_PER_ROUND = 4
_OVER_CAP = (
    f"Error: not run: at most {MAX_TOOL_CALLS_PER_ROUND} tool calls are run per round. "
    "Call it again in the next round if you still need it."
)
_CUT_NOTE = "\n[The result was cut here: it was {total:,} characters long.]"


def run_tool_loop(
    client: openai.OpenAI,
    request: ModelRequest,
    *,
    messages_for: Callable[[tuple[ToolRound, ...]], Sequence[Message]] | None = None,
    tools: Sequence[Tool],
    deadline: float,
    max_rounds: int,
    done_rounds: Sequence[ToolRound] = (),
    first_call: str = "",
    clock: Callable[[], float] = time.monotonic,
    cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[LoopEvent]:
    """Rounds until the model answers. `messages_for(rounds)` builds each round's prompt from
    the rounds so far (so a prompt assembler can make room for them); without it they are
    appended to `request.messages`. Once `cancelled()` is true, `Cancelled` is raised within a
    tenth of a second, whether the model is writing, silent, or a tool runs: the model's stream
    and the tool are left to their threads (the stream is closed at its next event).
    `first_call`: a tool the answer's first round must call ("" lets the model choose)."""
    by_name = {tool.name: tool for tool in tools}
    rounds = tuple(done_rounds)
    usage, restarts, first_token_at = Usage(), 0, None
    number = len(rounds)
    while True:
        if messages_for is not None:
            messages = tuple(messages_for(rounds))
        else:
            messages = request.messages + tuple(m for done in rounds for m in done.messages)
        offer_tools = bool(tools) and number < max_rounds
        builder = RoundBuilder(clock=clock)
        # The last round keeps the definitions (earlier rounds' calls refer to them) but may
        # not call: it must answer.
        this_round = dataclasses.replace(
            request,
            messages=tuple(messages),
            tools=tuple(tool.to_wire() for tool in tools),
            tool_choice="" if offer_tools or not tools else "none",
            must_call=first_call if offer_tools and not rounds and first_call in by_name else "",
        )
        if cancelled():
            raise Cancelled()
        for event in _model_events(client, this_round, deadline=deadline, cancelled=cancelled):
            if builder.add(event) and not builder.calls_tools:
                yield AnswerText(builder.text)
        result = builder.result()
        usage += result.usage
        restarts += result.restarts
        first_token_at = first_token_at or builder.first_token_at
        if not (offer_tools and result.tool_calls):
            yield FinalAnswer(
                result.text, result.finish_reason, usage, restarts, first_token_at, number
            )
            return
        names = tuple(call.name for call in result.tool_calls)
        statuses = [by_name[n].status for n in names if n in by_name and by_name[n].status]
        yield ToolsStarted(names, statuses[0] if statuses else "")
        # Every call is a visible step: waiting (when calls before it run first), running,
        # then done or failed. Calls past the per-round cap are not run, and say so.
        titles = {call.id: _title(by_name.get(call.name), call.name) for call in result.tool_calls}
        for call in result.tool_calls[1:]:
            yield StepStarted(call.id, titles[call.id], running=False)
        results = []
        for index, call in enumerate(result.tool_calls):
            yield StepStarted(call.id, titles[call.id], running=True)
            if index < MAX_TOOL_CALLS_PER_ROUND:
                message = _run_cancellable(call, by_name, deadline=deadline, cancelled=cancelled)
            else:
                message = Message.tool_result(call.id, _OVER_CAP)
            results.append(message)
            yield StepFinished(call.id, titles[call.id], *_outcome(by_name.get(call.name), message))
        done = ToolRound(
            Message.assistant(result.text, tool_calls=result.tool_calls),
            tuple(results),
            result.usage,
        )
        yield RoundFinished(done, number)
        rounds += (done,)
        number += 1


def _title(tool: Tool | None, name: str) -> str:
    return (tool.status if tool is not None and tool.status else f"Using {name}").rstrip("…")


def _outcome(tool: Tool | None, message: Message) -> tuple[bool, StepSummary]:
    """Whether the call failed (the loop words every failure "Error: …"), and its summary."""
    text = message.content if isinstance(message.content, str) else ""
    if text.startswith("Error:") or tool is None:
        return True, first_line(text)
    summary = tool.summarize(text)
    return summary.failed, summary


_READ_TO_END = object()


def _model_events(
    client: openai.OpenAI,
    request: ModelRequest,
    *,
    deadline: float,
    cancelled: Callable[[], bool],
) -> Iterator[StreamEvent]:
    """The round's model events, read on a thread of their own so that a stop need not wait for
    the model's next chunk (a model may say nothing for a while). Once stopped, the reader closes
    the model's HTTP stream at its next event; the answer does not wait for that."""
    events: queue.Queue[object] = queue.Queue()
    stop = threading.Event()

    def read() -> None:
        events_of = stream_events(client, request, deadline=deadline)
        stream = cast("Generator[StreamEvent, None, None]", events_of)
        try:
            for event in stream:
                events.put(event)
                if stop.is_set():
                    return
        except BaseException as error:  # handed to the answering thread
            events.put(error)
            return
        finally:
            stream.close()  # closes the model's HTTP response
        events.put(_READ_TO_END)

    context = contextvars.copy_context()  # the delivery's deadline and log fields go along
    reader = threading.Thread(target=context.run, args=(read,), name="model-stream", daemon=True)
    reader.start()
    try:
        while True:
            try:
                item = events.get(timeout=0.1)
            except queue.Empty:
                if cancelled():
                    raise Cancelled() from None
                continue
            if item is _READ_TO_END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
            if cancelled():
                raise Cancelled()
    finally:
        stop.set()


def _run_cancellable(
    call: ToolCall, tools: Mapping[str, Tool], *, deadline: float, cancelled: Callable[[], bool]
) -> Message:
    """The call on a thread of its own, so a stop need not wait for it: a stopped answer
    leaves the thread (a daemon, bounded by the tool's own deadline) to finish unheard."""
    outcome: list[Message | BaseException] = []

    def work() -> None:
        try:
            outcome.append(_run(call, tools, deadline=deadline))
        except BaseException as error:  # handed to the answering thread below
            outcome.append(error)

    # In a copy of this context: the delivery's deadline and log fields go with the call.
    context = contextvars.copy_context()
    worker = threading.Thread(
        target=context.run, args=(work,), name=f"tool-{call.name}", daemon=True
    )
    worker.start()
    while worker.is_alive():
        worker.join(timeout=0.1)
        if worker.is_alive() and cancelled():
            logger.info("tool abandoned: the answer was stopped", extra={"tool": call.name})
            raise Cancelled()
    [result] = outcome
    if isinstance(result, BaseException):
        raise result
    return result


def _run(call: ToolCall, tools: Mapping[str, Tool], *, deadline: float) -> Message:
    tool = tools.get(call.name)
    if tool is None:
        text = f"Error: there is no tool named {call.name!r}. Available: {', '.join(tools)}."
        return Message.tool_result(call.id, text)
    try:
        arguments = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as error:
        return Message.tool_result(call.id, f"Error: the arguments are not valid JSON ({error}).")
    if not isinstance(arguments, dict):
        return Message.tool_result(call.id, "Error: the arguments must be a JSON object.")
    if time.monotonic() >= deadline:
        raise ModelError("The answer took too long, so I stopped before running a tool.")
    try:
        text = str(tool.run(arguments, deadline=deadline))
    except ModelError:
        raise
    except Exception as error:
        logger.exception("tool failed", extra={"tool": call.name})
        text = f"Error: the tool failed ({type(error).__name__}: {str(error)[:500]})."
    return Message.tool_result(call.id, _bounded(text))


def _bounded(text: str) -> str:
    if len(text) <= MAX_TOOL_RESULT_CHARS:
        return text
    return text[:MAX_TOOL_RESULT_CHARS] + _CUT_NOTE.format(total=len(text))
