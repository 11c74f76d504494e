"""Token counts are real tiktoken counts, offline, and follow the model in use."""

from __future__ import annotations

from assistant.llm.messages import ImagePart, Message, TextPart, ToolCall
from assistant.llm.models import input_budget, model_spec
from assistant.llm.tokens import count_content, count_message, count_text, truncate_text


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
    assert count_content("hello world", spec) == 6
    assert count_content((TextPart("hi"), ImagePart("data:image/png;base64,x")), spec) > 700


def test_a_tool_call_costs_its_name_and_arguments():
    spec = model_spec("gpt-4o")
    call = ToolCall(id="call_1", name="lookup", arguments='{"query": "quarterly revenue"}')
    plain = count_message(Message.assistant(""), spec)
    assert count_message(Message.assistant("", tool_calls=(call,)), spec) > plain + 5


def test_truncation_cuts_to_the_token_limit():
    spec = model_spec("gpt-4o")
    text, cut = truncate_text("word " * 1000, 50, spec)
    assert cut and count_text(text, spec) <= 50
    assert truncate_text("short", 50, spec) == ("short", False)
