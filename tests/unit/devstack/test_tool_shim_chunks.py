"""The shim's tool calls in OpenAI's wire format, read back by the real `openai` types."""

from __future__ import annotations

import json

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from devstack.tool_shim import chunks
from devstack.tool_shim.chunks import ToolCall

ARGUMENTS = json.dumps({"code": "print(sum(i * i for i in range(1, 101)))"})
USAGE = {"prompt_tokens": 170, "completion_tokens": 20, "total_tokens": 190}


def stream(**kwargs) -> list[ChatCompletionChunk]:
    call = ToolCall("run_python", ARGUMENTS, call_id="call_abc")
    raw = list(chunks.stream_chunks(call, model="qwen", usage=USAGE, **kwargs))
    return [ChatCompletionChunk.model_validate(c) for c in raw]


def test_the_first_chunk_names_the_call_and_later_ones_carry_argument_fragments():
    [first, *middle, last] = stream()

    head = first.choices[0].delta
    assert head.role == "assistant" and head.content is None
    [call] = head.tool_calls
    assert (call.index, call.id, call.type) == (0, "call_abc", "function")
    assert (call.function.name, call.function.arguments) == ("run_python", "")
    fragments = [c.choices[0].delta.tool_calls[0] for c in middle]
    assert all(f.index == 0 and f.id is None and f.function.name is None for f in fragments)
    assert "".join(f.function.arguments for f in fragments) == ARGUMENTS
    assert len(fragments) > 1
    assert (
        last.choices[0].finish_reason == "tool_calls" and last.choices[0].delta.tool_calls is None
    )


def test_every_chunk_belongs_to_one_completion():
    got = stream()
    assert len({c.id for c in got}) == 1 and got[0].id.startswith("chatcmpl-")
    assert {c.model for c in got} == {"qwen"} and {c.object for c in got} == {
        "chat.completion.chunk"
    }


def test_usage_comes_last_without_choices_only_when_asked_for():
    assert all(c.usage is None for c in stream())
    *rest, usage = stream(include_usage=True)
    assert usage.choices == [] and usage.usage.total_tokens == 190
    assert all(c.usage is None for c in rest)
    assert all(
        "usage" in c
        for c in chunks.stream_chunks(ToolCall("f", "{}"), model="m", include_usage=True)
    )


def test_empty_arguments_still_make_a_complete_call():
    raw = list(chunks.stream_chunks(ToolCall("now", "{}"), model="m"))
    assert raw[1]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert raw[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_the_non_streamed_completion_is_one_assistant_message_with_the_call():
    answer = ChatCompletion.model_validate(
        chunks.completion(
            ToolCall("run_python", ARGUMENTS, call_id="call_abc"), model="qwen", usage=USAGE
        )
    )
    [choice] = answer.choices
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    [call] = choice.message.tool_calls
    assert (call.id, call.function.name, call.function.arguments) == (
        "call_abc",
        "run_python",
        ARGUMENTS,
    )
    assert answer.usage.prompt_tokens == 170


def test_call_ids_are_fresh():
    assert ToolCall("f", "{}").id != ToolCall("f", "{}").id


def test_usage_adds_the_steps_up_and_tolerates_missing_ones():
    assert chunks.add_usage(USAGE, None, {"prompt_tokens": 5, "total_tokens": 5}) == {
        "prompt_tokens": 175,
        "completion_tokens": 20,
        "total_tokens": 195,
    }


def test_server_sent_events_are_framed_as_openai_frames_them():
    assert chunks.sse("[DONE]") == b"data: [DONE]\n\n"
    assert chunks.sse({"a": "é"}) == 'data: {"a": "é"}\n\n'.encode()
