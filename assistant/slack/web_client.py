"""The one Slack WebClient per token: Slack's 429s waited out only within the delivery's
deadline, server errors retried twice."""

from __future__ import annotations

from functools import cache

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from assistant import deadline

__all__ = ["slack_client"]


class _RateLimitWithinDeadline(RateLimitErrorRetryHandler):
    """Waits out Slack's 429s only when the wait fits the delivery's deadline."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        if response is None:  # the parent retries only responses, those with status 429
            return False
        headers = {key.lower(): value for key, value in response.headers.items()}
        wait = int((headers.get("retry-after") or ["1"])[0]) + 1
        return wait < deadline.remaining()


@cache
def slack_client(token: str, base_url: str) -> WebClient:
    client = WebClient(token=token, base_url=base_url, timeout=15)
    client.retry_handlers.extend(
        [
            _RateLimitWithinDeadline(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ]
    )
    return client
