"""What is known about an answer's audience: its conversation and the person asking (pure data).

Read from Slack's `conversations.info` (`is_private`, `is_im`, `is_mpim`, `is_ext_shared`,
`shared_team_ids`, `context_team_id`) and `users.info` (`is_restricted`,
`is_ultra_restricted`) by `lookup.py`; decided on by `policy.py`.

    >>> facts = conversation_facts({"id": "C1", "is_channel": True, "is_private": False,
    ...     "is_ext_shared": True, "context_team_id": "T1", "shared_team_ids": ["T1", "T2"]})
    >>> facts.kind.value, facts.shared, sorted(facts.shared_teams)
    ('public', True, ['T1', 'T2'])
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

__all__ = [
    "UNKNOWN_CONVERSATION",
    "Audience",
    "ConversationFacts",
    "ConversationKind",
    "conversation_facts",
    "is_guest",
]


class ConversationKind(enum.Enum):
    PUBLIC = "public"  # a public channel
    PRIVATE = "private"  # a private channel
    DM = "dm"  # a direct message (with the bot, or between two people)
    GROUP_DM = "group_dm"  # a multi-person direct message
    UNKNOWN = "unknown"  # Slack would not say (the bot is not in it, or it does not exist)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConversationFacts:
    id: str
    kind: ConversationKind
    team: str = ""  # the workspace it belongs to (context_team_id)
    shared: bool = False  # shared with another organisation (Slack Connect)
    shared_teams: frozenset[str] = frozenset()  # every workspace it is shared with
    name: str = ""

    @property
    def known(self) -> bool:
        return self.kind is not ConversationKind.UNKNOWN


UNKNOWN_CONVERSATION = ConversationFacts(id="", kind=ConversationKind.UNKNOWN)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Audience:
    """Who will read this answer: the conversation it is posted in, and who asked."""

    conversation: ConversationFacts
    team: str  # the workspace the bot answers in
    asker: str
    asker_is_guest: bool = False  # a multi- or single-channel guest
    action_token: str = ""  # Slack's token for searching as the asker, when the event had one

    @property
    def is_bot_dm(self) -> bool:
        return self.conversation.kind is ConversationKind.DM


def conversation_facts(channel: Mapping[str, Any]) -> ConversationFacts:
    """A `conversations.info` channel object's facts. Unknown flags are read as the most
    restrictive: a conversation that is neither said public nor a DM counts as private."""
    if channel.get("is_im"):
        kind = ConversationKind.DM
    elif channel.get("is_mpim"):
        kind = ConversationKind.GROUP_DM
    elif channel.get("is_private") is False and (channel.get("is_channel") or channel.get("name")):
        kind = ConversationKind.PUBLIC
    else:
        kind = ConversationKind.PRIVATE
    teams = channel.get("shared_team_ids") or ()
    # Shared with another organisation, or about to be. `is_org_shared` is not: that is one
    # Enterprise organisation's own workspaces.
    shared = bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))
    return ConversationFacts(
        id=str(channel.get("id") or ""),
        kind=kind,
        team=str(channel.get("context_team_id") or ""),
        shared=shared,
        shared_teams=frozenset(str(team) for team in teams),
        name=str(channel.get("name") or ""),
    )


def is_guest(user: Mapping[str, Any]) -> bool:
    """A `users.info` user who is a guest (multi-channel: is_restricted; single-channel:
    is_ultra_restricted)."""
    return bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
