"""What one answer may use: resolved per mention, so that channels can differ.

Everything below the responder takes its model, window, budgets, persona and tools from the
`AnswerPlan`, never from process-wide settings. Today every mention gets the deployment's
defaults; per-workspace and per-channel settings resolve here later.

    >>> defaults = PlanDefaults(model="gpt-4o-mini", persona="Be brief.")
    >>> plan = plan_answer(defaults)
    >>> plan.spec.context_window, plan.input_budget, plan.max_output_tokens
    (128000, 123904, 4096)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from assistant.config import DEFAULT_SYSTEM_PROMPT, Settings
from assistant.llm.loop import Tool
from assistant.llm.models import ModelSpec, input_budget, model_spec

__all__ = ["AnswerPlan", "PlanDefaults", "plan_answer"]

DEFAULT_MAX_TOOL_ROUNDS = 4


@dataclasses.dataclass(frozen=True)
class AnswerPlan:
    model: str
    spec: ModelSpec
    input_budget: int  # tokens the prompt may use
    persona: str  # the system prompt
    max_file_tokens: int
    tools: tuple[Tool, ...] = ()
    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS

    @property
    def max_output_tokens(self) -> int:
        """The output reservation: what the window leaves after the input budget."""
        return self.spec.context_window - self.input_budget


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlanDefaults:
    model: str
    context_override: int | None = None
    reserved_output: int = 4096
    persona: str = DEFAULT_SYSTEM_PROMPT
    max_file_tokens: int = 20_000
    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS
    # Offer `run_python` (assistant/executor/tool.py): on when an executor is configured.
    code_execution: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> PlanDefaults:
        return cls(
            model=settings.openai_model,
            context_override=settings.model_context_tokens,
            reserved_output=settings.reserved_output_tokens,
            persona=settings.system_prompt,
            max_file_tokens=settings.max_file_tokens,
            code_execution=bool(settings.executor_url),
        )


def plan_answer(defaults: PlanDefaults, *, tools: Sequence[Tool] = ()) -> AnswerPlan:
    spec = model_spec(defaults.model, context_override=defaults.context_override)
    return AnswerPlan(
        model=defaults.model,
        spec=spec,
        input_budget=input_budget(spec, reserved_output=defaults.reserved_output),
        persona=defaults.persona,
        max_file_tokens=defaults.max_file_tokens,
        tools=tuple(tools),
        max_tool_rounds=defaults.max_tool_rounds,
    )
