"""Streaming a chat completion from any OpenAI-compatible server, within a time budget.

The `openai` client retries failed requests itself (429 with Retry-After, 5xx, connection
errors, timeouts). What it cannot retry is a stream that breaks after it started; that is
retried here, from the beginning, while the time budget allows. Failures that remain become a
`ModelError` whose text is written for the person in the thread.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx2 as httpx
import openai

from assistant.config import Settings

__all__ = ["Completion", "ModelError", "openai_client", "stream_completion"]

logger = logging.getLogger(__name__)

_MID_STREAM_RETRIES = 2


class ModelError(Exception):
    """The model could not answer; `str(error)` is safe and useful to show in Slack."""


@dataclasses.dataclass
class Completion:
    """Filled in while streaming: the answer so far and, at the end, how it finished."""

    text: str = ""
    finish_reason: str | None = None
    usage: dict[str, int] | None = None
    first_token_at: float | None = None
    stream_restarts: int = 0


@cache
def openai_client(settings: Settings) -> openai.OpenAI:
    return openai.OpenAI(
        # Local OpenAI-compatible servers accept any key; the real API rejects a missing one
        # with a clear 401, which ModelError reports.
        api_key=settings.openai_api_key or "no-key-set",
        base_url=settings.openai_base_url or None,
        max_retries=settings.openai_max_retries,
        timeout=httpx.Timeout(settings.openai_timeout_seconds, connect=10.0),
    )


def stream_completion(
    client: openai.OpenAI,
    *,
    model: str,
    messages: list[dict[str, Any]],
    output_limit: dict[str, int],
    deadline: float,
    completion: Completion,
) -> Iterator[str]:
    """Yield the whole answer so far after each streamed chunk.

    After a broken stream is restarted the text starts over, so callers render what they get
    rather than appending.
    """
    tries = client.max_retries + 1
    for attempt in range(_MID_STREAM_RETRIES + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            raise ModelError(_TOO_SLOW)
        completion.text = ""
        # The client's own retries all happen inside create(); sized so they fit the budget.
        per_request = min(client.timeout.read or remaining, remaining / tries)
        try:
            chunks = client.with_options(timeout=per_request).chat.completions.create(
                model=model,
                messages=messages,
                **output_limit,
                stream=True,
                stream_options={"include_usage": True},
            )
        except openai.APIStatusError as error:
            raise ModelError(describe_status_error(error)) from error
        except openai.APIError as error:  # connection failures and timeouts, already retried
            raise ModelError(describe_transport_error(error)) from error
        try:
            with chunks:
                for chunk in chunks:
                    if _absorb(chunk, completion):
                        yield completion.text
                    if time.monotonic() > deadline:
                        raise ModelError(_TOO_SLOW)
        except (openai.APIError, httpx.HTTPError) as error:
            # The stream broke after it started: the client does not retry that, we do.
            if attempt == _MID_STREAM_RETRIES:
                raise ModelError(describe_transport_error(error)) from error
            completion.stream_restarts += 1
            logger.warning(
                "model stream broke, starting it again",
                extra={"attempt": attempt + 1, "error": type(error).__name__},
            )
            continue
        if completion.finish_reason == "content_filter":
            raise ModelError(_CONTENT_FILTER)
        return
    raise AssertionError("unreachable")


def _absorb(chunk: Any, completion: Completion) -> bool:
    """Fold one chunk into `completion`; True when the visible text grew."""
    if getattr(chunk, "usage", None):
        completion.usage = chunk.usage.model_dump(include={"prompt_tokens", "completion_tokens"})
    grew = False
    for choice in chunk.choices or ():
        if choice.delta and choice.delta.content:
            if completion.first_token_at is None:
                completion.first_token_at = time.monotonic()
            completion.text += choice.delta.content
            grew = True
        if choice.finish_reason:
            completion.finish_reason = choice.finish_reason
    return grew


_CONTENT_FILTER = "The model's content filter blocked this request, so there is no answer."
_TOO_SLOW = "The model took too long to answer, so I stopped waiting."


def describe_status_error(error: openai.APIStatusError) -> str:
    code = _error_code(error)
    if code == "context_length_exceeded":
        return (
            "This thread is longer than the model can read at once. "
            "Start a new thread, or say `reset` here to forget the earlier messages."
        )
    if code in ("content_filter", "invalid_prompt"):
        return _CONTENT_FILTER
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
