"""The audience's facts from Slack: `conversations.info` and `users.info`, cached per instance.

Scopes: `channels:read`, `groups:read`, `im:read`, `mpim:read` (conversations.info, by the
conversation's type) and `users:read` (users.info). Facts are cached for a short while (a
channel being shared, or a person becoming a guest, shows within `ttl_seconds`). A failed call
is never an error: the conversation is UNKNOWN and the person counts as a guest, which the
policy reads as the most restrictive audience.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.audience.facts import (
    Audience,
    ConversationFacts,
    ConversationKind,
    conversation_facts,
    is_guest,
)
from assistant.mention import Mention

__all__ = ["AudienceLookup"]

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0


class AudienceLookup:
    def __init__(
        self,
        client: WebClient,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._clock = clock
        self._conversations: dict[str, tuple[ConversationFacts, float]] = {}
        self._guests: dict[str, tuple[bool, float]] = {}
        self.calls = 0  # Web API calls made

    def audience(self, mention: Mention) -> Audience:
        conversation = self.conversation(mention.channel)
        if mention.user_team and mention.user_team != mention.team_id and conversation.known:
            # Someone from another organisation asked: whatever the flags say, it is shared.
            conversation = dataclasses.replace(conversation, shared=True)
        return Audience(
            conversation=conversation,
            team=mention.team_id,
            asker=mention.user,
            asker_is_guest=self.is_guest(mention.user),
            action_token=mention.action_token,
        )

    def conversation(self, channel: str) -> ConversationFacts:
        cached = self._conversations.get(channel)
        if cached and self._clock() - cached[1] < self._ttl:
            return cached[0]
        try:
            self.calls += 1
            response = self._client.conversations_info(channel=channel)
        except SlackApiError as error:
            reason = error.response.get("error")
            logger.info("no facts for a conversation", extra={"error": reason})
            return ConversationFacts(id=channel, kind=ConversationKind.UNKNOWN)
        facts = conversation_facts(response.get("channel") or {})
        facts = dataclasses.replace(facts, id=facts.id or channel)
        self._conversations[channel] = (facts, self._clock())
        return facts

    def is_guest(self, user: str) -> bool:
        cached = self._guests.get(user)
        if cached and self._clock() - cached[1] < self._ttl:
            return cached[0]
        try:
            self.calls += 1
            response = self._client.users_info(user=user)
        except SlackApiError as error:
            logger.info("no facts for the asker", extra={"error": error.response.get("error")})
            return True  # not known: the most restrictive reading
        guest = is_guest(response.get("user") or {})
        self._guests[user] = (guest, self._clock())
        return guest
