"""Extending a thread's rolling summary with turns that fell out of the prompt: model calls.

Each call is small: the summary so far plus one chunk of not-yet-summarised turns, answered in
at most `max_tokens`. A turn's share is bounded (`max_calls` chunks per turn): a first mention
in a very long thread summarises the oldest part now and the rest over the next turns, rather
than making the person wait for dozens of calls. A failing call never fails the answer: the
summary simply stays where it was.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence

import openai

from assistant import deadline
from assistant.conversation.summary import (
    Summary,
    SummaryLimits,
    summary_chunks,
    summary_request,
)
from assistant.conversation.turns import StoredTurn
from assistant.llm.events import ModelError, ModelRequest
from assistant.llm.rounds import RoundBuilder, Usage
from assistant.llm.stream import stream_events
from assistant.llm.tokens import count_message, truncate_text

__all__ = ["NO_RESERVATION", "Reserve", "Summariser", "SummaryOutcome"]

logger = logging.getLogger(__name__)

# Called before each summary call with its prompt's and its output limit's tokens; raises a
# ModelError (the budgets' `OverBudget`) when the call may not be made.
Reserve = Callable[[int, int], None]


def _reserve_nothing(tokens_in: int, tokens_out: int) -> None:
    """For callers with no budgets to keep (benchmarks)."""


NO_RESERVATION: Reserve = _reserve_nothing


@dataclasses.dataclass(frozen=True)
class SummaryOutcome:
    summary: Summary | None  # the extended summary (the previous one when nothing was added)
    calls: int
    usage: Usage
    summarised: int  # turns newly covered


class Summariser:
    def __init__(self, client: openai.OpenAI) -> None:
        self._client = client

    def extend(
        self,
        previous: Summary | None,
        turns: Sequence[StoredTurn],
        limits: SummaryLimits,
        *,
        reserve: Reserve = NO_RESERVATION,
    ) -> SummaryOutcome:
        """`previous` extended with `turns` (oldest first), as far as `limits` allow and
        `reserve` lets each call be made."""
        summary, calls, tokens_in, tokens_out, covered = previous, 0, 0, 0, 0
        # A third of the delivery's time at most: the answer itself needs the rest.
        stop_at = time.monotonic() + min(deadline.remaining() / 3, 180.0)
        for chunk in summary_chunks(turns, room=limits.chunk_tokens)[: limits.max_calls]:
            left = stop_at - time.monotonic()
            if left < 1:
                break
            try:
                text, usage = self._call(
                    summary, chunk, limits, timeout=min(60.0, left), reserve=reserve
                )
            except (ModelError, ValueError) as error:  # the client's own retries are done
                logger.warning("summary not extended", extra={"error": type(error).__name__})
                break
            calls += 1
            tokens_in += usage.prompt_tokens
            tokens_out += usage.completion_tokens
            covered += len(chunk)
            summary = _summary(text, chunk, summary, limits)
        return SummaryOutcome(summary, calls, Usage(tokens_in, tokens_out), covered)

    def _call(
        self,
        previous: Summary | None,
        chunk: Sequence[StoredTurn],
        limits: SummaryLimits,
        *,
        timeout: float,
        reserve: Reserve,
    ) -> tuple[str, Usage]:
        messages = summary_request(previous, chunk, max_words=limits.max_words)
        reserve(sum(count_message(m, limits.spec) for m in messages), limits.max_tokens)
        started = time.monotonic()
        request = ModelRequest(
            model=limits.model,
            messages=tuple(messages),
            output_limit_param=limits.spec.output_limit_param,
            max_output_tokens=limits.max_tokens,
        )
        # The same call path as answers (stream.py): its retries, its errors, its usage.
        builder = RoundBuilder()
        for event in stream_events(self._client, request, deadline=started + timeout):
            builder.add(event)
        result = builder.result()
        text = result.text.strip()
        if not text:
            raise ValueError("empty summary")
        logger.info(
            "summary extended",
            extra={"turns": len(chunk), "seconds": round(time.monotonic() - started, 3)},
        )
        return text, result.usage


def _summary(
    text: str, chunk: Sequence[StoredTurn], previous: Summary | None, limits: SummaryLimits
) -> Summary:
    # The output limit bounds a real model; a server that ignores it must not grow the
    # summary past what the prompt reserves for it.
    text, _ = truncate_text(text, limits.max_tokens, limits.spec)
    draft = Summary(text, 0, limits.spec.count_key, chunk[-1].order, len(chunk))
    return dataclasses.replace(
        draft,
        tokens=count_message(draft.message, limits.spec),
        turns=len(chunk) + (previous.turns if previous else 0),
    )
