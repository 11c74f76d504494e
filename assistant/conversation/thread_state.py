"""A thread's conversation as the answer path sees it, and the contract of where it is kept
(pure; `history.py` keeps it in Firestore, tests keep it in memory).

A thread has a turn log (every turn, the durable record: questions and answers, and the
thread's other messages as they were read from Slack) and a state (`ThreadState`): a window of
the newest turns, at most a token budget, the rolling summary of what fell out of the prompt,
how far Slack's copy of the thread has been read, and who has written in it. Building a prompt
reads the state; only when a bigger budget wants more than the window holds are older turns
paged in from the log. Turns are keyed by their `order` (from the Slack ts), so writing a turn
twice overwrites rather than duplicates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from assistant.conversation.summary import Summary
from assistant.conversation.turns import StoredTurn

__all__ = ["History", "SlidWindow", "ThreadState", "slide_window"]


@dataclasses.dataclass(frozen=True)
class ThreadState:
    """The thread's state, as one read gives it."""

    window: tuple[StoredTurn, ...] = ()  # oldest first
    complete: bool = True  # True when no older turns exist outside the window
    summary: Summary | None = None
    read_through: str = ""  # ts of the newest Slack message read as context ("" none yet)
    people: frozenset[str] = frozenset()  # who has written in the thread (people, not bots)
    answered: bool = False  # the bot has answered here: a conversation with it

    @property
    def orders(self) -> frozenset[str]:
        return frozenset(turn.order for turn in self.window)


@dataclasses.dataclass(frozen=True)
class SlidWindow:
    window: tuple[StoredTurn, ...]  # oldest first
    complete: bool
    tokens: int


def slide_window(
    state: ThreadState, turns: Sequence[StoredTurn], *, keep_tokens: int, max_bytes: int
) -> SlidWindow:
    """The window after `turns` are added: the newest turns within `keep_tokens` (and
    `max_bytes` of stored size); turns already in the window are replaced, not doubled."""
    merged = {turn.order: turn for turn in state.window}
    merged.update({turn.order: turn for turn in turns})
    ordered = [merged[order] for order in sorted(merged)]
    kept: list[StoredTurn] = []
    tokens, size = 0, 0
    for turn in reversed(ordered):
        # One turn past the budget is kept, so trimming always stops inside the window
        # instead of paging older turns only to find they do not fit.
        if tokens > keep_tokens or size + turn.size() > max_bytes:
            break
        kept.append(turn)
        tokens += turn.tokens
        size += turn.size()
    kept.reverse()
    complete = len(kept) == len(ordered) and state.complete
    return SlidWindow(tuple(kept), complete, tokens)


class History(Protocol):
    """Where threads' conversations are kept, keyed by `team:channel:thread_ts`."""

    def load(self, thread_key: str) -> ThreadState:
        """The thread's state; an empty `ThreadState` for a thread never seen."""
        ...

    def newest_first(
        self,
        thread_key: str,
        *,
        before: str,
        after: str = "",
        state: ThreadState | None = None,
        extra: Sequence[StoredTurn] = (),
    ) -> Iterator[StoredTurn]:
        """Turns older than `before` and newer than `after`, newest first, read lazily: the
        window (with `extra` turns, not stored yet, merged in), then older turns from the log.
        `state`, when given, is the thread's state already loaded."""
        ...

    def oldest_after(
        self, thread_key: str, *, after: str, before: str, max_tokens: int
    ) -> list[StoredTurn]:
        """Logged turns between `after` and `before`, oldest first, until they reach
        `max_tokens` (the turn that reaches it included): what the rolling summary covers
        next."""
        ...

    def append(
        self,
        thread_key: str,
        turns: Sequence[StoredTurn],
        *,
        keep_tokens: int,
        read_through: str = "",
        people: Iterable[str] = (),
    ) -> None:
        """Log `turns`, slide the window so it holds about `keep_tokens`, and note how far the
        thread has been read and who wrote in it; a turn by the assistant marks it answered."""
        ...

    def save_summary(self, thread_key: str, summary: Summary) -> None:
        """Keep `summary` unless the thread already has one that reaches as far."""
        ...

    def add_people(self, thread_key: str, people: Iterable[str]) -> None: ...

    def clear(self, thread_key: str, *, read_through: str = "") -> int:
        """Forget the thread's turns and summary; returns how many logged turns were deleted.
        Who wrote in the thread and whether the bot answered are kept; `read_through` only
        moves forward."""
        ...
