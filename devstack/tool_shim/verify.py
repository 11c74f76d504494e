"""The tool shim's check of a call before it is made: a yes/no question, with its probabilities.

The route's tool stands when the model is sure of it (`rewrite.MIN_TOOL_SHARE`), but a small
model is just as sure of a GDP tool for a question about the Gini coefficient, or of a concert
tool for a question about university classes (BFCL `irrelevance`, tool shares 0.93-0.95).
Asked afresh, with only the question, the tool's description and the call it wrote, whether
the tool gives the answer, it tells them apart better. Asked on the route's own prompt (cached,
so cheaper), it answered "no" to right and wrong calls alike.
"""

from __future__ import annotations

import math
from typing import Any

from . import rewrite

__all__ = ["MIN_YES_SHARE", "check_request", "confirmed", "yes_share"]

YES, NO = "yes", "no"
# The call is made only when "yes" holds this share of P(yes) + P(no) at the answer's token
# (any case: llama.cpp reports the probabilities before the grammar, and "No" counts as no).
# Measured through the shim on bench/bfcl.py's two samples of 20 per category: right calls of
# `simple` and `multiple` scored 0.53-0.92 but for one at 0.31 (the U.S. president of 1940: the
# model knows it without the tool); the irrelevant calls the route let through 0.32, 0.39,
# 0.44 and 0.49 (a film search for the highest-grossing film, an MVP tool for a team's ranking,
# a GDP tool for the Gini coefficient, a concert tool for university classes), and 0.59-0.83
# for four it does not catch (two of them debatable in BFCL: the time in Sydney with a
# local-time tool, today's cricket matches with a cricket schedule tool).
MIN_YES_SHARE = 0.5
_CHECK_MAX_TOKENS = 16
_QUESTION_CHARS = 1500
_ASK = "Does this tool give the answer to the question? Answer yes or no."


def check_request(body: dict[str, Any], name: str, arguments: str) -> dict[str, Any]:
    """Does calling `name` with `arguments` (the JSON the arguments step wrote) answer the
    user's last message? A constrained `{"answer": "yes" | "no"}` with its probabilities."""
    tool = rewrite.tool_definition(body, name)
    question = (
        f"Question: {_question(body.get('messages') or [])}\n\n"
        f"Tool {name}: {(tool.get('description') or '').strip()}\n"
        f"The call would be: {name}({arguments})\n\n"
        f"{_ASK}"
    )
    messages = [
        {"role": "system", "content": "You check whether a tool fits a question."},
        {"role": "user", "content": question},
    ]
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string", "enum": [YES, NO]}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    request = rewrite.constrained(body, messages, schema, "check", _CHECK_MAX_TOKENS)
    return request | {"logprobs": True, "top_logprobs": rewrite.TOP_LOGPROBS}


def _question(messages: list[dict[str, Any]]) -> str:
    """The last user message, its middle left out when long (a table pasted into it): the
    check is about what is asked, and every token here is read anew."""
    users = [m for m in messages if m.get("role") == "user"]
    text = rewrite.text_of(users[-1].get("content")) if users else ""
    if len(text) <= _QUESTION_CHARS:
        return text.strip()
    half = _QUESTION_CHARS // 2
    return f"{text[:half].strip()}\n…\n{text[-half:].strip()}"


def yes_share(completion: dict[str, Any]) -> float | None:
    """P(yes) / (P(yes) + P(no)) where the answer's value starts; None without logprobs."""
    alternatives = rewrite.deciding_alternatives(completion, "answer")
    if alternatives is None:
        return None
    p_yes = p_no = 0.0
    for alternative in alternatives:
        text = rewrite.value_text(alternative.get("token") or "").lower()
        if not text:
            continue
        p = math.exp(float(alternative.get("logprob", -math.inf)))
        if YES.startswith(text):
            p_yes += p
        elif NO.startswith(text):
            p_no += p
    return p_yes / (p_yes + p_no) if p_yes + p_no > 0 else None


def confirmed(share: float | None) -> bool:
    """Whether the call is made: without probabilities, it is (as a route's choice stands)."""
    return share is None or share >= MIN_YES_SHARE
