"""The `openai` clients (chat, embeddings), built once per process from the settings."""

from __future__ import annotations

from functools import cache

import httpx2 as httpx
import openai

from assistant.config import Settings

__all__ = ["embeddings_client", "openai_client"]


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


@cache
def embeddings_client(settings: Settings) -> openai.OpenAI:
    """For /v1/embeddings: EMBEDDINGS_BASE_URL when embeddings live on another server."""
    return openai.OpenAI(
        api_key=settings.openai_api_key or "no-key-set",
        base_url=settings.embeddings_base_url or settings.openai_base_url or None,
        max_retries=settings.openai_max_retries,
        timeout=httpx.Timeout(settings.openai_timeout_seconds, connect=10.0),
    )
