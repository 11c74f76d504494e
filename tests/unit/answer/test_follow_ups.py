"""When a thread reply without a mention is answered (pure)."""

from __future__ import annotations

import pytest

from assistant.answer.follow_ups import FollowUp, follow_up
from assistant.conversation.thread_state import ThreadState


@pytest.mark.parametrize(
    ("answered", "people", "user", "enabled", "expected"),
    [
        (True, {"U1"}, "U1", True, FollowUp.ANSWER),  # a one-to-one conversation with the bot
        (True, {"U1", "U2"}, "U1", True, FollowUp.IGNORE),  # someone else wrote: mention again
        (True, {"U1"}, "U2", True, FollowUp.NOTE_PERSON),  # a second person joins
        (False, {"U1"}, "U1", True, FollowUp.IGNORE),  # the bot never answered here
        (False, set(), "U2", True, FollowUp.IGNORE),  # people's own thread: not even noted
        (True, {"U1"}, "U1", False, FollowUp.IGNORE),  # the channel turned follow-ups off
        (True, {"U1"}, "U2", False, FollowUp.NOTE_PERSON),  # still noted, for when it is on
    ],
)
def test_follow_up_verdicts(answered, people, user, enabled, expected):
    state = ThreadState(answered=answered, people=frozenset(people))
    assert follow_up(state, user=user, enabled=enabled) is expected
