"""OpenAI Chat Completions wire shapes: completions, stream chunks, errors.

Shapes follow what api.openai.com sends today, so the official client parses
them exactly as in production. One hybrid: the ``content_filter`` error code
is Azure's (api.openai.com blocks prompts with ``invalid_prompt``), kept with
OpenAI's ``"type": "invalid_request_error"`` instead of Azure's ``null`` type
and ``innererror``, because code that handles filtering keys on that code.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "SSE_DONE",
    "auth_error",
    "chunk",
    "completion",
    "content_filter_error",
    "context_length_error",
    "error_body",
    "sse",
    "status_error",
    "usage",
]

SSE_DONE = b"data: [DONE]\n\n"
_FINGERPRINT = "fp_fakeopenai"


def sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def completion(
    *,
    id: str,
    created: int,
    model: str,
    content: str,
    finish_reason: str,
    usage: dict[str, Any],
) -> dict[str, Any]:
    message = {
        "role": "assistant",
        "content": content,
        "refusal": None,
        "annotations": [],
    }
    return {
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": _FINGERPRINT,
    }


def chunk(
    *,
    id: str,
    created: int,
    model: str,
    delta: dict[str, Any] | None = None,
    finish_reason: str | None = None,
    usage: dict[str, Any] | None = None,
    with_usage_field: bool = False,
) -> dict[str, Any]:
    """One ``chat.completion.chunk``. A chunk with ``usage`` has empty ``choices``,
    as in OpenAI's final include_usage chunk; with include_usage every other
    chunk carries ``"usage": null``."""
    payload: dict[str, Any] = {
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": _FINGERPRINT,
        "choices": []
        if usage is not None
        else [
            {
                "index": 0,
                "delta": delta or {},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
    }
    if usage is not None or with_usage_field:
        payload["usage"] = usage
    return payload


def error_body(
    message: str, *, type: str | None, code: str | None = None, param: str | None = None
) -> dict:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def status_error(status: int, *, model: str) -> dict[str, Any]:
    """The error OpenAI sends for an injected HTTP status."""
    if status == 429:
        return error_body(
            f"Rate limit reached for {model} in organization org-fake on requests per min (RPM): "
            "Limit 3, Used 3, Requested 1. Please try again later.",
            type="requests",
            code="rate_limit_exceeded",
        )
    if status >= 500:
        return error_body(
            "The server had an error while processing your request. Sorry about that!",
            type="server_error",
        )
    return error_body(f"Injected error with HTTP status {status}.", type="invalid_request_error")


def auth_error(header: str | None) -> dict[str, Any]:
    if not header:
        return error_body(
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            type="invalid_request_error",
        )
    return error_body(
        "Incorrect API key provided. Use 'Authorization: Bearer <any non-empty key>'.",
        type="invalid_request_error",
        code="invalid_api_key",
    )


def content_filter_error() -> dict[str, Any]:
    return error_body(
        "The response was filtered due to the prompt triggering content management policy.",
        type="invalid_request_error",
        code="content_filter",
        param="prompt",
    )


def context_length_error(*, window: int, tokens: int) -> dict[str, Any]:
    return error_body(
        f"This model's maximum context length is {window} tokens. However, your messages resulted "
        f"in {tokens} tokens. Please reduce the length of the messages.",
        type="invalid_request_error",
        code="context_length_exceeded",
        param="messages",
    )
