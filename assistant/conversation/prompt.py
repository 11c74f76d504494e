"""The one prompt assembler: typed parts with their token counts in, the messages out (pure).

The parts that are always sent (system prompt, the current question, this answer's tool
rounds) come first in the reckoning; a thread summary and reference passages are kept when
they fit; earlier turns fill what is left, newest first. The result says what was kept and
what was left out, for the logs and the local workspace's "What happened" panel.

    >>> from assistant.llm.messages import Message, content_text
    >>> part = lambda kind, role, text, tokens: PromptPart(kind, Message(role, text), tokens)
    >>> prompt = assemble_prompt(
    ...     system=part("system", "system", "Be brief.", 7),
    ...     question=part("question", "user", "Hi?", 6),
    ...     earlier_newest_first=[part("earlier", "assistant", "Hello", 6),
    ...                           part("earlier", "user", "Hey", 6)],
    ...     budget=40)
    >>> [message.content for message in prompt.messages]
    ['Be brief.', 'Hey', 'Hello', 'Hi?']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

from assistant.llm.messages import Message, content_text
from assistant.llm.tokens import REPLY_PRIMING_TOKENS

__all__ = ["PartKind", "Prompt", "PromptAccount", "PromptPart", "assemble_prompt"]

PartKind = Literal["system", "summary", "passages", "earlier", "question", "tool"]


@dataclasses.dataclass(frozen=True)
class PromptPart:
    kind: PartKind
    message: Message
    tokens: int  # the message's cost in the prompt, overhead included


@dataclasses.dataclass(frozen=True)
class PromptAccount:
    budget: int
    used: int
    dropped_turns: int  # earlier turns that were offered but did not fit
    dropped_tokens: int
    dropped_optional: tuple[PartKind, ...]  # a summary or passages that did not fit

    def to_log(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Prompt:
    parts: tuple[PromptPart, ...]
    account: PromptAccount

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(part.message for part in self.parts)

    @property
    def tokens(self) -> int:
        return self.account.used

    def to_log(self, *, model: str, rounds: int, with_text: bool = False) -> dict[str, Any]:
        """What the logs say of a model request; the words themselves only `with_text`."""
        fields: dict[str, Any] = {
            "model": model,
            "turns": [
                {"role": p.message.role, "tokens": p.tokens, "kind": p.kind} for p in self.parts
            ],
            "prompt_tokens_estimate": self.tokens,
            "budget": self.account.budget,
            "dropped": self.account.to_log(),
            "tool_round": rounds,
        }
        if with_text:
            fields["prompt"] = [
                {"role": m.role, "content": content_text(m.content)[:4000]} for m in self.messages
            ]
        return fields


def assemble_prompt(
    *,
    system: PromptPart,
    question: PromptPart,
    earlier_newest_first: Sequence[PromptPart],
    budget: int,
    summary: PromptPart | None = None,
    passages: Sequence[PromptPart] = (),
    tool_rounds: Sequence[PromptPart] = (),
) -> Prompt:
    used = system.tokens + question.tokens + sum(p.tokens for p in tool_rounds)
    used += REPLY_PRIMING_TOKENS
    optional: list[PromptPart] = []
    dropped_optional: list[PartKind] = []
    for part in ([summary] if summary else []) + list(passages):
        if used + part.tokens <= budget:
            optional.append(part)
            used += part.tokens
        elif part.kind not in dropped_optional:
            dropped_optional.append(part.kind)
    kept: list[PromptPart] = []
    for part in earlier_newest_first:
        if used + part.tokens > budget:
            break
        kept.append(part)
        used += part.tokens
    if kept and kept[-1].message.role == "assistant":
        used -= kept.pop().tokens  # never an answer without the question it answered
    dropped = earlier_newest_first[len(kept) :]
    head = [system, *(p for p in optional if p.kind == "summary")]
    references = [p for p in optional if p.kind == "passages"]
    parts = (*head, *reversed(kept), *references, question, *tool_rounds)
    account = PromptAccount(
        budget=budget,
        used=used,
        dropped_turns=len(dropped),
        dropped_tokens=sum(p.tokens for p in dropped),
        dropped_optional=tuple(dropped_optional),
    )
    return Prompt(parts, account)
