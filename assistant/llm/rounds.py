"""Folding one completion's stream events into what the model said (pure).

Tool calls arrive in fragments keyed by `index`: the first fragment of a call carries its id
and name, later ones append to its arguments. Several calls may interleave.

    >>> from assistant.llm.events import Finished, TextDelta, ToolCallDelta
    >>> builder = RoundBuilder()
    >>> events = [ToolCallDelta(0, "call_1", "add", '{"a"'), ToolCallDelta(0, None, None, ': 1}')]
    >>> for event in [*events, Finished("tool_calls")]:
    ...     _ = builder.add(event)
    >>> builder.result().tool_calls
    (ToolCall(id='call_1', name='add', arguments='{"a": 1}'),)
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from assistant.llm.events import (
    Finished,
    Restarted,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from assistant.llm.messages import ToolCall

__all__ = ["ModelRound", "RoundBuilder", "Usage"]


@dataclasses.dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )

    def to_json(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ModelRound:
    text: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str | None
    usage: Usage
    restarts: int


@dataclasses.dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: str = ""


class RoundBuilder:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.first_token_at: float | None = None
        self.restarts = 0
        self._reset()

    def _reset(self) -> None:
        self.text = ""
        self._calls: dict[int, _PartialCall] = {}
        self._finish: str | None = None
        self._usage = Usage()

    @property
    def calls_tools(self) -> bool:
        return bool(self._calls)

    def add(self, event: StreamEvent) -> bool:
        """Fold in one event; True when the visible text grew."""
        if isinstance(event, TextDelta):
            if self.first_token_at is None:
                self.first_token_at = self._clock()
            self.text += event.text
            return True
        if isinstance(event, ToolCallDelta):
            call = self._calls.setdefault(event.index, _PartialCall())
            call.id = event.id or call.id
            call.name = event.name or call.name
            call.arguments += event.arguments
        elif isinstance(event, Finished):
            self._finish = event.reason
        elif isinstance(event, UsageReported):
            self._usage = Usage(event.prompt_tokens, event.completion_tokens)
        elif isinstance(event, Restarted):
            self.restarts += 1
            self._reset()
        return False

    def result(self) -> ModelRound:
        calls = tuple(
            ToolCall(id=call.id or f"call_{index}", name=call.name, arguments=call.arguments)
            for index, call in sorted(self._calls.items())
        )
        return ModelRound(self.text, calls, self._finish, self._usage, self.restarts)
