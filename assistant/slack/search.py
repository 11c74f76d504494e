"""Slack's Real-time Search API: `assistant.search.context`, as the asker (their action token).

docs.slack.dev/ai/using-data-access-api. The bot token searches with the `action_token` of
the event a person's message produced, so results are what that person may see, narrowed to
the `channel_types` the audience policy allows. Scopes: `search:read.public` (public
channels), `search:read.private`, `search:read.mpim`, `search:read.im` for the rest. slack_sdk
has no named method for it (3.47), so it goes through `WebClient.api_call`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk import WebClient

__all__ = ["SearchHit", "SlackSearch"]


@dataclasses.dataclass(frozen=True)
class SearchHit:
    author: str
    channel: str  # its name, as Slack gives it
    ts: str
    text: str
    permalink: str

    @classmethod
    def from_slack(cls, message: Mapping[str, Any]) -> SearchHit:
        return cls(
            author=str(message.get("author_name") or message.get("author_user_id") or "someone"),
            channel=str(message.get("channel_name") or message.get("channel_id") or ""),
            ts=str(message.get("message_ts") or ""),
            text=str(message.get("content") or ""),
            permalink=str(message.get("permalink") or ""),
        )


class SlackSearch:
    def __init__(self, client: WebClient) -> None:
        self._client = client

    def search(
        self,
        *,
        query: str,
        action_token: str,
        channel_types: Sequence[str],
        limit: int,
        context_channel: str = "",
        after: int | None = None,
        before: int | None = None,
    ) -> list[SearchHit]:
        """The messages that match, best first; SlackApiError when Slack refuses."""
        params: dict[str, Any] = {
            "query": query,
            "action_token": action_token,
            "channel_types": ",".join(channel_types),
            "content_types": "messages",
            "limit": limit,
        }
        if context_channel:
            params["context_channel_id"] = context_channel
        if after is not None:
            params["after"] = after
        if before is not None:
            params["before"] = before
        response = self._client.api_call("assistant.search.context", params=params)
        results = response.get("results") or {}
        return [SearchHit.from_slack(m) for m in results.get("messages") or ()][:limit]
