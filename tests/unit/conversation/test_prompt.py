"""The assembler keeps the parts that must be sent and the newest earlier turns that fit."""

from __future__ import annotations

from assistant.conversation.prompt import PromptPart, assemble_prompt
from assistant.llm.messages import Message

SYSTEM = PromptPart("system", Message.system("You are helpful."), 10)
QUESTION = PromptPart("question", Message.user("And now?"), 10)


def thread(pairs: int, tokens: int = 10) -> list[PromptPart]:
    """Newest first: a3, u3, a2, u2, ..."""
    parts = []
    for n in range(pairs, 0, -1):
        parts += [
            PromptPart("earlier", Message.assistant(f"a{n}"), tokens),
            PromptPart("earlier", Message.user(f"u{n}"), tokens),
        ]
    return parts


def contents(prompt):
    return [message.content for message in prompt.messages]


def test_everything_fits_in_chronological_order():
    prompt = assemble_prompt(
        system=SYSTEM, question=QUESTION, earlier_newest_first=thread(2), budget=1000
    )
    assert contents(prompt) == ["You are helpful.", "u1", "a1", "u2", "a2", "And now?"]
    assert prompt.account.dropped_turns == 0


def test_over_budget_keeps_the_newest_turns_and_says_what_was_left_out():
    prompt = assemble_prompt(
        system=SYSTEM, question=QUESTION, earlier_newest_first=thread(100), budget=63
    )
    assert contents(prompt) == ["You are helpful.", "u99", "a99", "u100", "a100", "And now?"]
    assert prompt.tokens <= 63
    assert (prompt.account.dropped_turns, prompt.account.dropped_tokens) == (196, 1960)


def test_an_answer_is_never_kept_without_its_question():
    prompt = assemble_prompt(
        system=SYSTEM, question=QUESTION, earlier_newest_first=thread(3), budget=38
    )
    assert contents(prompt) == ["You are helpful.", "And now?"]


def test_tool_rounds_are_always_sent_and_crowd_out_the_oldest_turns():
    call = PromptPart("tool", Message.assistant("(calls a tool)"), 20)
    result = PromptPart("tool", Message.tool_result("call_1", "42"), 20)
    prompt = assemble_prompt(
        system=SYSTEM,
        question=QUESTION,
        earlier_newest_first=thread(3),
        budget=83,
        tool_rounds=[call, result],
    )
    assert contents(prompt) == ["You are helpful.", "u3", "a3", "And now?", "(calls a tool)", "42"]


def test_a_summary_comes_first_and_passages_sit_just_before_the_question():
    summary = PromptPart("summary", Message.system("Earlier: they chose Postgres."), 10)
    passage = PromptPart("passages", Message.system("[1] Runbook: restart the worker."), 10)
    prompt = assemble_prompt(
        system=SYSTEM,
        question=QUESTION,
        earlier_newest_first=thread(1),
        budget=1000,
        summary=summary,
        passages=[passage],
    )
    assert [p.kind for p in prompt.parts] == [
        "system",
        "summary",
        "earlier",
        "earlier",
        "passages",
        "question",
    ]


def test_optional_parts_that_do_not_fit_are_reported():
    summary = PromptPart("summary", Message.system("a very long summary"), 500)
    prompt = assemble_prompt(
        system=SYSTEM, question=QUESTION, earlier_newest_first=(), budget=100, summary=summary
    )
    assert prompt.account.dropped_optional == ("summary",)
    assert contents(prompt) == ["You are helpful.", "And now?"]
