"""Trimming keeps the system prompt and the newest turns that fit, and reads no further."""

from __future__ import annotations

import itertools

from assistant.llm.models import Turn, input_budget, model_spec, trim_to_budget
from assistant.llm.tokens import count_message, count_text, truncate_text

SYSTEM = Turn("system", "You are helpful.", 10)
QUESTION = Turn("user", "And now?", 10)


def thread(pairs: int, tokens: int = 10) -> list[Turn]:
    """Newest first: a3, u3, a2, u2, ..."""
    turns = []
    for n in range(pairs, 0, -1):
        turns += [Turn("assistant", f"a{n}", tokens), Turn("user", f"u{n}", tokens)]
    return turns


def contents(turns):
    return [turn.content for turn in turns]


def test_everything_fits_in_chronological_order():
    kept = trim_to_budget(system=SYSTEM, newest_first=thread(2), current=QUESTION, budget=1000)
    assert contents(kept) == ["You are helpful.", "u1", "a1", "u2", "a2", "And now?"]


def test_over_budget_keeps_the_newest_turns_and_the_system_prompt():
    kept = trim_to_budget(system=SYSTEM, newest_first=thread(100), current=QUESTION, budget=63)
    assert contents(kept) == ["You are helpful.", "u99", "a99", "u100", "a100", "And now?"]
    assert sum(turn.tokens for turn in kept) <= 63


def test_an_answer_is_never_kept_without_its_question():
    kept = trim_to_budget(system=SYSTEM, newest_first=thread(3), current=QUESTION, budget=38)
    assert contents(kept) == ["You are helpful.", "And now?"]


def test_history_is_consumed_only_as_far_as_the_budget_reaches():
    endless = (Turn("user", "x", 10) for _ in itertools.count())
    consumed = []
    tap = (consumed.append(turn) or turn for turn in endless)
    trim_to_budget(system=SYSTEM, newest_first=tap, current=QUESTION, budget=100)
    assert len(consumed) <= 9


def test_the_budget_follows_the_model_in_use():
    assert model_spec("gpt-4o-mini").context_window == 128_000
    assert model_spec("gpt-4.1-mini").context_window == 1_047_576
    assert model_spec("smollm2-135m-instruct").context_window == 2_048
    assert model_spec("my-model", context_override=32_000).context_window == 32_000
    small = model_spec("smollm2-135m-instruct")
    assert input_budget(small, reserved_output=4096) == 1_536
    assert input_budget(model_spec("gpt-4o"), reserved_output=4096) == 128_000 - 4096


def test_token_counts_are_real_tiktoken_counts_offline():
    spec = model_spec("gpt-4o")
    assert count_text("hello world", spec) == 2
    assert count_message("hello world", spec) == 6
    image = [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "x"}}]
    assert count_message(image, spec) > 700


def test_truncation_cuts_to_the_token_limit():
    spec = model_spec("gpt-4o")
    text, cut = truncate_text("word " * 1000, 50, spec)
    assert cut and count_text(text, spec) <= 50
    assert truncate_text("short", 50, spec) == ("short", False)
