"""Building the model's prompt for one mention: system prompt, thread history, the question."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from assistant.conversation.history import HistoryStore, StoredTurn
from assistant.llm.models import ModelSpec, Turn, trim_to_budget
from assistant.llm.tokens import count_message, truncate_text
from assistant.mention import Mention

__all__ = ["Prompt", "build_prompt", "turn_order"]

_TRUNCATED_NOTE = "\n\n[The message was cut here to fit the model's context window.]"


@dataclasses.dataclass(frozen=True)
class Prompt:
    turns: list[Turn]
    current: StoredTurn  # the user's turn as it will be saved
    notes: tuple[str, ...] = ()  # for the person, shown after the answer (e.g. files cut)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [turn.as_message() for turn in self.turns]

    @property
    def tokens(self) -> int:
        return sum(turn.tokens for turn in self.turns)


def turn_order(mention: Mention, index: int) -> str:
    """Chronological id of the index-th turn this mention produces (0: question, 1: answer)."""
    return f"{mention.ts}:{index}"


def build_prompt(
    mention: Mention,
    *,
    history: HistoryStore,
    spec: ModelSpec,
    budget: int,
    system_prompt: str,
    user_content: Any = None,
    file_refs: tuple[dict[str, Any], ...] = (),
    expand: Callable[[StoredTurn], Any] | None = None,
) -> Prompt:
    """The newest history that fits `budget` with the system prompt and the question kept.

    `user_content` overrides the plain question (for example with file contents as parts).
    A turn with `file_refs` is stored as the question plus those references, with the token
    count of `user_content`; `expand` turns such a stored turn back into its full content.
    """
    system = Turn("system", system_prompt, count_message(system_prompt, spec))
    content = user_content if user_content is not None else mention.question
    tokens = count_message(content, spec)
    room = budget - system.tokens - 8
    if tokens > room and isinstance(content, str):
        content, _ = truncate_text(content, room - 40, spec)
        content += _TRUNCATED_NOTE
        tokens = count_message(content, spec)
    current = StoredTurn(
        order=turn_order(mention, 0),
        role="user",
        content=mention.question if file_refs else content,
        tokens=tokens,
        encoding=spec.count_key,
        event_id=mention.event_id,
        file_refs=file_refs,
    )
    earlier = history.newest_first(mention.thread_key, before=current.order)
    turns = trim_to_budget(
        system=system,
        newest_first=_as_turns(earlier, spec, expand),
        current=Turn("user", content, tokens),
        budget=budget,
    )
    return Prompt(turns=turns, current=current)


def _as_turns(
    stored: Iterator[StoredTurn],
    spec: ModelSpec,
    expand: Callable[[StoredTurn], Any] | None = None,
) -> Iterator[Turn]:
    for turn in stored:
        content = expand(turn) if expand is not None and turn.file_refs else turn.content
        # A count made with another encoding (the model was changed) is redone, not trusted.
        same = turn.encoding == spec.count_key
        tokens = turn.tokens if same else count_message(content, spec)
        yield Turn(turn.role, content, tokens)
