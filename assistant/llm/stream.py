"""One streamed chat completion from any OpenAI-compatible server, as a sequence of events.

The `openai` client retries failed requests itself (429 with Retry-After, 5xx, connection
errors, timeouts). What it cannot retry is a stream that breaks after it started; that is
started again here, from the beginning, while the time budget allows, and announced with a
`Restarted` event so consumers discard what they had. Failures that remain become a
`ModelError` whose text is written for the person in the thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import openai

from assistant.llm.events import (
    Finished,
    ModelError,
    ModelRequest,
    Restarted,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)

__all__ = ["describe_status_error", "describe_transport_error", "stream_events"]

logger = logging.getLogger(__name__)

_MID_STREAM_RETRIES = 2


def stream_events(
    client: openai.OpenAI, request: ModelRequest, *, deadline: float
) -> Iterator[StreamEvent]:
    """The events of one completion; raises ModelError with a readable reason."""
    tries = client.max_retries + 1
    body = request.to_wire()
    for attempt in range(_MID_STREAM_RETRIES + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            raise ModelError(TOO_SLOW)
        # The client's own retries all happen inside create(); sized so they fit the budget.
        configured = client.timeout  # seconds, or a Timeout with one per phase; None: none
        read = configured.read if isinstance(configured, httpx.Timeout) else configured
        per_request = min(read or remaining, remaining / tries)
        try:
            chunks = client.with_options(timeout=per_request).chat.completions.create(**body)
        except openai.APIStatusError as error:
            raise ModelError(describe_status_error(error)) from error
        except openai.APIError as error:  # connection failures and timeouts, already retried
            raise ModelError(describe_transport_error(error)) from error
        finish: str | None = None
        try:
            with chunks:
                for chunk in chunks:
                    for event in _events(chunk):
                        if isinstance(event, Finished):
                            finish = event.reason
                        yield event
                    if time.monotonic() > deadline:
                        raise ModelError(TOO_SLOW)
        except (openai.APIError, httpx.HTTPError) as error:
            # The stream broke after it started: the client does not retry that, we do.
            if attempt == _MID_STREAM_RETRIES:
                raise ModelError(describe_transport_error(error)) from error
            logger.warning(
                "model stream broke, starting it again",
                extra={"attempt": attempt + 1, "error": type(error).__name__},
            )
            yield Restarted(attempt + 1)
            continue
        if finish == "content_filter":
            raise ModelError(CONTENT_FILTER)
        return
    raise AssertionError("unreachable")


def _events(chunk: Any) -> Iterator[StreamEvent]:
    for choice in chunk.choices or ():
        delta = choice.delta
        if delta is not None and delta.content:
            yield TextDelta(delta.content)
        for call in (delta.tool_calls if delta is not None else None) or ():
            function = call.function
            yield ToolCallDelta(
                index=call.index,
                id=call.id,
                name=function.name if function else None,
                arguments=(function.arguments if function else None) or "",
            )
        if choice.finish_reason:
            yield Finished(choice.finish_reason)
    usage = getattr(chunk, "usage", None)
    if usage:
        yield UsageReported(usage.prompt_tokens or 0, usage.completion_tokens or 0)


CONTENT_FILTER = "The model's content filter blocked this request, so there is no answer."
TOO_SLOW = "The model took too long to answer, so I stopped waiting."


def describe_status_error(error: openai.APIStatusError) -> str:
    code = _error_code(error)
    if code == "context_length_exceeded":
        return (
            "This thread is longer than the model can read at once. "
            "Start a new thread, or say `reset` here to forget the earlier messages."
        )
    if code in ("content_filter", "invalid_prompt"):
        return CONTENT_FILTER
    if isinstance(error, openai.AuthenticationError):
        return "The model server rejected the API key (HTTP 401). Check OPENAI_API_KEY."
    if isinstance(error, openai.RateLimitError):
        return (
            "The model is rate-limited right now (HTTP 429) and kept refusing after retries. "
            "Please try again in a minute."
        )
    if error.status_code >= 500:
        return (
            f"The model server had an error (HTTP {error.status_code}) and kept failing "
            "after retries. Please try again shortly."
        )
    return f"The model server refused the request (HTTP {error.status_code}, {code or 'no code'})."


def describe_transport_error(error: Exception) -> str:
    if isinstance(error, (openai.APITimeoutError, httpx.TimeoutException)):
        return "The model did not answer in time, even after retries. Please try again."
    return "I could not reach the model server, even after retries. Please try again shortly."


def _error_code(error: openai.APIStatusError) -> str | None:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return inner.get("code")
    return getattr(error, "code", None)
