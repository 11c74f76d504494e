"""What a routine says when the audience policy refuses a recap (pure).

Whether a recap of one conversation may be posted into another is decided where every other
"who may see what" is decided: `assistant.audience.policy.recap_verdict`, from the same
conversation facts (`conversations.info`). This module names those facts as routines read
them and words the refusals.

    >>> public = Conversation(id="C1", kind=Kind.PUBLIC)
    >>> private = Conversation(id="G1", kind=Kind.PRIVATE)
    >>> recap_verdict(source=private, target=public).reason
    'private_into_public'
    >>> recap_verdict(source=public, target=private).allowed
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.audience.facts import UNKNOWN_CONVERSATION, conversation_facts
from assistant.audience.facts import ConversationFacts as Conversation
from assistant.audience.facts import ConversationKind as Kind
from assistant.audience.policy import recap_verdict

__all__ = ["REFUSALS", "Conversation", "Kind", "conversation", "recap_verdict"]


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


def conversation(channel: Mapping[str, Any]) -> Conversation:
    """A `conversations.info` channel object's facts; unknown when Slack gave none."""
    return conversation_facts(channel) if channel.get("id") else UNKNOWN_CONVERSATION
