"""What the tool loop reports while it works, as plain data (pure).

`loop.py` yields these; the responder shows the text, the tools' status line, records each
finished round and ends on the final answer.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from assistant.llm.rounds import Usage
from assistant.llm.tools import StepSummary, ToolRound

__all__ = [
    "AnswerText",
    "FinalAnswer",
    "LoopEvent",
    "RoundFinished",
    "StepFinished",
    "StepStarted",
    "ToolsStarted",
]


@dataclasses.dataclass(frozen=True)
class AnswerText:
    text: str  # the answer so far in this round (a restarted stream starts it over)


@dataclasses.dataclass(frozen=True)
class ToolsStarted:
    names: tuple[str, ...]
    status: str


@dataclasses.dataclass(frozen=True)
class StepStarted:
    """One tool call begins (every call of a round is announced before the first runs)."""

    call_id: str
    title: str
    running: bool  # False: announced, waiting for the calls before it


@dataclasses.dataclass(frozen=True)
class StepFinished:
    call_id: str
    title: str
    failed: bool
    summary: StepSummary


@dataclasses.dataclass(frozen=True)
class RoundFinished:
    round: ToolRound
    number: int  # 0 for the first round


@dataclasses.dataclass(frozen=True)
class FinalAnswer:
    text: str
    finish_reason: str | None
    usage: Usage  # of the calls made by this delivery
    restarts: int
    first_token_at: float | None
    rounds: int  # tool rounds before the answer, replayed ones included
    # What the tools put under the answer (a code run's native table, say); set by the caller.
    blocks: tuple[dict[str, Any], ...] = ()


LoopEvent = AnswerText | ToolsStarted | StepStarted | StepFinished | RoundFinished | FinalAnswer
