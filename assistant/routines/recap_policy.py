"""May a recap of one conversation be posted into another? (pure)

The one decision routines add to who may see what. A recap repeats what was said in its
source to everyone who can read its target, so:

- nothing from a private channel into a public one;
- nothing from a channel not shared with another organisation into one that is (Slack
  Connect), nor from one shared with other teams than the target's;
- nothing from a DM or a group DM, except a recap posted back into that same conversation;
- nothing from a conversation whose facts Slack would not give (it counts as refused).

It takes the same facts the audience policy reads from `conversations.info` (kind, shared,
shared teams); when the audience policy module (issue 22) is merged, this function is meant to
become one of its verdicts, beside `link_verdict`, and this module to call it.

    >>> public = Conversation(id="C1", kind=Kind.PUBLIC)
    >>> private = Conversation(id="G1", kind=Kind.PRIVATE)
    >>> recap_verdict(source=private, target=public).reason
    'private_into_public'
    >>> recap_verdict(source=public, target=private).allowed
    True
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

__all__ = ["REFUSALS", "Conversation", "Kind", "RecapVerdict", "conversation", "recap_verdict"]


class Kind(enum.Enum):
    PUBLIC = "public"
    PRIVATE = "private"
    DM = "dm"
    GROUP_DM = "group_dm"
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Conversation:
    id: str
    kind: Kind
    shared: bool = False  # shared with another organisation (Slack Connect)
    shared_teams: frozenset[str] = frozenset()
    name: str = ""


@dataclasses.dataclass(frozen=True)
class RecapVerdict:
    allowed: bool
    reason: str = ""  # a REFUSALS key when refused


# What the person is told when a routine is refused at creation.
REFUSALS = {
    "unknown": "I can't read {source}: I'm not in it, or it does not exist.",
    "direct_message": "I recap a direct message only into that same conversation.",
    "private_into_public": "{source} is private, so I won't post its recap where more people "
    "can read it.",
    "private_elsewhere": "{source} is private, so I post its recap only in that channel.",
    "into_shared": "{target} is shared with another organisation, and {source} is not shared "
    "with the same people.",
}


def recap_verdict(*, source: Conversation, target: Conversation) -> RecapVerdict:
    if source.kind is Kind.UNKNOWN or target.kind is Kind.UNKNOWN:
        return RecapVerdict(False, "unknown")
    if source.id == target.id:
        return RecapVerdict(True)
    if source.kind in (Kind.DM, Kind.GROUP_DM):
        return RecapVerdict(False, "direct_message")
    if source.kind is Kind.PRIVATE:
        # Its members are not the target's: a public target is everyone, a DM or another
        # private channel is other people again.
        reason = "private_into_public" if target.kind is Kind.PUBLIC else "private_elsewhere"
        return RecapVerdict(False, reason)
    if target.shared and not (source.shared and source.shared_teams == target.shared_teams):
        return RecapVerdict(False, "into_shared")
    return RecapVerdict(True)


def conversation(channel: Mapping[str, Any]) -> Conversation:
    """The facts of a `conversations.info` channel object; what Slack does not say is read as
    the most restrictive (neither public nor a DM: private)."""
    if not channel.get("id"):
        return Conversation(id="", kind=Kind.UNKNOWN)
    if channel.get("is_im"):
        kind = Kind.DM
    elif channel.get("is_mpim"):
        kind = Kind.GROUP_DM
    elif channel.get("is_private") is False and (channel.get("is_channel") or channel.get("name")):
        kind = Kind.PUBLIC
    else:
        kind = Kind.PRIVATE
    return Conversation(
        id=str(channel["id"]),
        kind=kind,
        shared=bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared")),
        shared_teams=frozenset(str(team) for team in channel.get("shared_team_ids") or ()),
        name=str(channel.get("name") or ""),
    )
