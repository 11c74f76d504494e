"""Writing one recap with the model, within the plan's budget: one call when the window fits,
map-reduce over chunks when it does not. Every call goes through `llm/stream.py` (its retries,
errors and usage) and is reported to `record` as it finishes, so the ledger counts what was
spent even when a later call fails.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

import openai

from assistant.answer.plan import AnswerPlan
from assistant.llm.events import ModelError, ModelRequest
from assistant.llm.messages import Message
from assistant.llm.rounds import RoundBuilder, Usage
from assistant.llm.stream import stream_events
from assistant.llm.tokens import count_text
from assistant.routines import recap

__all__ = ["RecapWriter", "WrittenRecap"]

_OUTPUT_TOKENS = 1_500  # the recap's length, and each map call's notes
_MAX_MAP_CALLS = 24  # a window needing more chunks is recapped from its newest part
_OVERHEAD_TOKENS = 600  # instructions and framing around the lines


@dataclasses.dataclass(frozen=True)
class WrittenRecap:
    text: str
    calls: int
    chunks: int  # 1: it fitted one call
    left_out: int  # lines of the oldest part not read (more than _MAX_MAP_CALLS chunks)


Record = Callable[[str, str, Usage], object]  # (call name, model, usage)


class RecapWriter:
    def __init__(self, client: openai.OpenAI, *, seconds: float) -> None:
        self._client = client
        self._seconds = seconds

    def write(
        self,
        plan: AnswerPlan,
        *,
        instruction: str,
        window: str,
        lines: Sequence[str],
        record: Record,
    ) -> WrittenRecap:
        deadline = time.monotonic() + self._seconds
        output = min(_OUTPUT_TOKENS, plan.max_output_tokens)
        room = max(1_000, plan.input_budget - _OVERHEAD_TOKENS - count_text(instruction, plan.spec))
        tokens = [count_text(text, plan.spec) + 1 for text in lines]
        if sum(tokens) <= room:
            system, user = recap.recap_request(plan.persona, instruction, window, "\n".join(lines))
            text = self._call(plan, system, user, output, "recap", record, deadline)
            return WrittenRecap(text, 1, 1, 0)
        # Map: notes per chunk, small enough that every chunk's notes fit one reduce call.
        chunks = recap.chunk_lines(lines, tokens, room=min(room, 12_000))
        left_out = sum(len(chunk) for chunk in chunks[:-_MAX_MAP_CALLS])
        chunks = chunks[-_MAX_MAP_CALLS:]
        notes_tokens = max(150, min(output, (room // max(1, len(chunks))) - 50))
        words = notes_tokens * 3 // 4
        notes = []
        for number, chunk in enumerate(chunks, 1):
            system, user = recap.map_request(number, len(chunks), chunk, words=words)
            notes.append(
                self._call(plan, system, user, notes_tokens, f"map-{number}", record, deadline)
            )
        system, user = recap.reduce_request(plan.persona, instruction, window, notes)
        text = self._call(plan, system, user, output, "reduce", record, deadline)
        return WrittenRecap(text, len(chunks) + 1, len(chunks), left_out)

    def _call(
        self,
        plan: AnswerPlan,
        system: str,
        user: str,
        output: int,
        name: str,
        record: Record,
        deadline: float,
    ) -> str:
        request = ModelRequest(
            model=plan.model,
            messages=(Message.system(system), Message.user(user)),
            output_limit_param=plan.spec.output_limit_param,
            max_output_tokens=output,
        )
        builder = RoundBuilder()
        for event in stream_events(self._client, request, deadline=deadline):
            builder.add(event)
        result = builder.result()
        record(name, plan.model, result.usage)
        if not result.text.strip():
            raise ModelError("The model wrote nothing for this recap.")
        return result.text
