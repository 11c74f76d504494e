"""Whether a thread reply that did not mention the bot is a follow-up to answer (pure).

Answered only in a thread where the bot has answered and where nobody but the asker has
written, so the bot takes part in a one-to-one conversation and never butts into people's
own. Anyone else writing makes a mention necessary again, for good in that thread.

    >>> from assistant.conversation.thread_state import ThreadState
    >>> state = ThreadState(answered=True, people=frozenset({"U1"}))
    >>> follow_up(state, user="U1", enabled=True)
    <FollowUp.ANSWER: 'answer'>
    >>> follow_up(state, user="U2", enabled=True)
    <FollowUp.NOTE_PERSON: 'note_person'>
"""

from __future__ import annotations

import enum

from assistant.conversation.thread_state import ThreadState

__all__ = ["FollowUp", "follow_up"]


class FollowUp(enum.Enum):
    ANSWER = "answer"
    IGNORE = "ignore"  # not a conversation with the bot, or followed up elsewhere: nothing to do
    NOTE_PERSON = "note_person"  # someone new wrote in a conversation with the bot: remember


def follow_up(state: ThreadState, *, user: str, enabled: bool) -> FollowUp:
    if not state.answered:
        return FollowUp.IGNORE  # the bot never spoke here: people's own thread
    if user not in state.people:
        return FollowUp.NOTE_PERSON
    if not enabled or state.people - {user}:
        return FollowUp.IGNORE
    return FollowUp.ANSWER
