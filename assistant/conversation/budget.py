"""How the input budget is shared: the room left for the current turn, and fitting text in it.

Pure. Every "how much is left" in the answer path comes from `room_for_question`, so the room
the files planner is given, the room a long question is cut to, and what the assembler keeps
all agree.

    >>> room_for_question(1000, 30, 70)
    897
"""

from __future__ import annotations

import dataclasses
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

__all__ = [
    "TRUNCATED_NOTE",
    "Selection",
    "fit_text",
    "room_for_question",
    "select_turns",
    "take_within",
]

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


@dataclasses.dataclass(frozen=True)
class Selection:
    kept: list[StoredTurn]  # newest first: the turns the prompt has room for
    overflowed: bool  # older turns exist that did not fit: the rolling summary's to cover


def select_turns(
    newest_first: Iterable[StoredTurn], *, room: int, summary_room: int, has_summary: bool
) -> Selection:
    """The newest turns that fit `room`, less `summary_room` when a summary is shown.

    Reads no further than the first turn that does not fit, as `take_within` does. When that
    turn is the first to fall out (no summary yet), room is made for the summary it will
    become. What the summary then covers is read oldest first, as far as it reaches
    (`HistoryStore.oldest_after`), never the whole of what fell out.

    >>> turns = [StoredTurn(order=str(n), role="user", content="", tokens=10, encoding="")
    ...          for n in (5, 4, 3, 2, 1)]
    >>> chosen = select_turns(turns, room=35, summary_room=12, has_summary=False)
    >>> [t.order for t in chosen.kept], chosen.overflowed
    (['5', '4'], True)
    """
    cap = room - summary_room if has_summary else room
    kept: list[StoredTurn] = []
    used = 0
    for turn in newest_first:
        if used + turn.tokens > cap:
            break
        kept.append(turn)
        used += turn.tokens
    else:
        return Selection(kept, False)
    if summary_room > 0 and not has_summary:
        while kept and used > room - summary_room:
            used -= kept.pop().tokens
    return Selection(kept, True)
