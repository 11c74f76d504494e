"""How the input budget is shared: the room left for the current turn, and fitting text in it.

Pure. Every "how much is left" in the answer path comes from `room_for_question`, so the room
the files planner is given, the room a long question is cut to, and what the assembler keeps
all agree.

    >>> room_for_question(1000, 30, 70)
    897
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from assistant.conversation.turns import StoredTurn
from assistant.llm.models import ModelSpec
from assistant.llm.tokens import (
    REPLY_PRIMING_TOKENS,
    TOKENS_PER_MESSAGE,
    count_content,
    count_text,
    truncate_text,
)

__all__ = ["TRUNCATED_NOTE", "fit_text", "room_for_question", "take_within"]

TRUNCATED_NOTE = "\n\n[The message was cut here to fit the model's context window.]"


def room_for_question(budget: int, *fixed_tokens: int) -> int:
    """Tokens the current turn may use once the parts that are always sent are counted."""
    return budget - sum(fixed_tokens) - REPLY_PRIMING_TOKENS


def fit_text(text: str, room: int, spec: ModelSpec) -> tuple[str, int]:
    """`text` as one message within `room` tokens (cut, with a note, when it is longer)."""
    tokens = count_content(text, spec)
    if tokens <= room:
        return text, tokens
    allowance = room - TOKENS_PER_MESSAGE - count_text(TRUNCATED_NOTE, spec)
    cut, _ = truncate_text(text, max(0, allowance), spec)
    text = cut + TRUNCATED_NOTE
    return text, count_content(text, spec)


def take_within(newest_first: Iterable[StoredTurn], max_tokens: int) -> list[StoredTurn]:
    """The newest turns whose stored counts fit `max_tokens`, reading no further than needed.

    `newest_first` may page from a store as it is consumed; it is not read past the first
    turn that does not fit.
    """
    taken: list[StoredTurn] = []
    used = 0
    turns: Iterator[StoredTurn] = iter(newest_first)
    for turn in turns:
        if used + turn.tokens > max_tokens:
            break
        taken.append(turn)
        used += turn.tokens
    return taken
