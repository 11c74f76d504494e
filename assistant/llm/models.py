"""What each model can take: its context window, tokenizer, output-limit parameter, images.

>>> spec = model_spec("gpt-4o-mini")
>>> spec.context_window, input_budget(spec, reserved_output=4096)
(128000, 123904)
"""

from __future__ import annotations

import dataclasses

__all__ = ["SELF_HOSTED_PASSAGE_TOKENS", "ModelSpec", "input_budget", "model_spec"]


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    context_window: int
    encoding: str
    # Our counts use an OpenAI encoding; other models' tokenizers split text finer, so their
    # counts are scaled up rather than risk a context-length error.
    count_scale: float = 1.0
    # OpenAI's current models take `max_completion_tokens`; most self-hosted servers only
    # honour the older `max_tokens`.
    output_limit_param: str = "max_completion_tokens"
    supports_images: bool = False  # accepts `image_url` content parts (vision models)
    # Small self-hosted models route better among few tools: each is offered only when the
    # question gives a reason for it (assistant/answer/tool_need.py); OpenAI's get every tool.
    tools_by_need: bool = False
    # The most passage tokens sent with a question. A self-hosted model on CPU reads its prompt
    # at about 50 tokens a second before its first word (Qwen2.5-Coder-1.5B on 2 cores: 600
    # passage tokens were 12 s of a documents answer's first text); the best passage comes
    # first (retrieval/ranking.py), so the cut loses the least useful ones.
    max_passage_tokens: int = 100_000

    @property
    def count_key(self) -> str:
        """Identifies how counts were made, so cached counts are reused only when valid."""
        return f"{self.encoding}x{self.count_scale}"


# About 300 of the model's own tokens at our 1.3 scale: 6 s of prompt on 2 cores, so a documents
# question's first text comes within 8 s.
SELF_HOSTED_PASSAGE_TOKENS = 400

# Longest prefix wins. Figures from the providers' model pages.
_SPECS: dict[str, ModelSpec] = {
    "gpt-5": ModelSpec(400_000, "o200k_base", supports_images=True),
    "gpt-4.1": ModelSpec(1_047_576, "o200k_base", supports_images=True),
    "gpt-4o": ModelSpec(128_000, "o200k_base", supports_images=True),
    "gpt-4-turbo": ModelSpec(128_000, "cl100k_base"),
    "gpt-4": ModelSpec(8_192, "cl100k_base"),
    "gpt-3.5-turbo": ModelSpec(16_385, "cl100k_base"),
    "o1": ModelSpec(200_000, "o200k_base", supports_images=True),
    "o1-mini": ModelSpec(128_000, "o200k_base"),
    "o3": ModelSpec(200_000, "o200k_base", supports_images=True),
    "o3-mini": ModelSpec(200_000, "o200k_base"),
    "o4-mini": ModelSpec(200_000, "o200k_base", supports_images=True),
    "smollm2": ModelSpec(
        2_048,
        "o200k_base",
        count_scale=1.3,
        output_limit_param="max_tokens",
        tools_by_need=True,
        max_passage_tokens=SELF_HOSTED_PASSAGE_TOKENS,
    ),
    "fake-gpt": ModelSpec(128_000, "o200k_base", supports_images=True),
}
# Self-hosted models (the local Qwen among them).
_UNKNOWN = ModelSpec(
    8_192,
    "o200k_base",
    count_scale=1.3,
    output_limit_param="max_tokens",
    tools_by_need=True,
    max_passage_tokens=SELF_HOSTED_PASSAGE_TOKENS,
)


def model_spec(model: str, *, context_override: int | None = None) -> ModelSpec:
    """The window of `model`; an explicit override wins (for self-hosted models)."""
    name = model.lower().rsplit("/", 1)[-1]
    matches = [prefix for prefix in _SPECS if name.startswith(prefix)]
    spec = _SPECS[max(matches, key=len)] if matches else _UNKNOWN
    if context_override:
        spec = dataclasses.replace(spec, context_window=context_override)
    return spec


def input_budget(spec: ModelSpec, *, reserved_output: int) -> int:
    """Tokens the prompt may use: the window minus what the answer needs.

    A reservation that would eat most of a small window is capped at a quarter of it, so a
    2,048-token local model still gets a useful prompt.
    """
    reserve = min(reserved_output, spec.context_window // 4)
    return spec.context_window - reserve
