"""The room for the current turn is computed once, and history is read no further than needed."""

from __future__ import annotations

import itertools

from assistant.conversation.budget import TRUNCATED_NOTE, fit_text, room_for_question, take_within
from assistant.conversation.turns import StoredTurn
from assistant.llm.models import model_spec
from assistant.llm.tokens import REPLY_PRIMING_TOKENS, count_content

SPEC = model_spec("gpt-4o")


def turn(n: int, tokens: int = 10) -> StoredTurn:
    return StoredTurn(order=f"{n}:0", role="user", content=f"u{n}", tokens=tokens, encoding="x")


def test_history_is_consumed_only_as_far_as_the_budget_reaches():
    consumed = []
    endless = (consumed.append(turn(n)) or turn(n) for n in itertools.count())
    taken = take_within(endless, 95)
    assert len(taken) == 9
    assert len(consumed) == 10  # the first turn that does not fit ends the reading


def test_the_room_left_is_the_budget_less_fixed_parts_and_reply_priming():
    assert room_for_question(1000, 100, 50) == 850 - REPLY_PRIMING_TOKENS


def test_a_question_longer_than_the_room_is_cut_with_a_note_and_fits_exactly():
    text, tokens = fit_text("word " * 5000, 300, SPEC)
    assert text.endswith(TRUNCATED_NOTE)
    assert tokens == count_content(text, SPEC) <= 300
    assert fit_text("short", 300, SPEC) == ("short", count_content("short", SPEC))
