"""The tool shim in front of a real local model, driven by the real `openai` client with `tools=`.

SmolLM2 (fast, `nox -s tests`) proves the wire format: a forced call streams as OpenAI's chunks
and reassembles into arguments that fit the schema, requests without tools pass through, tool
results come back as a streamed text answer. Qwen (`nox -s smoke`) proves the routing: left to
choose, it calls the tool a question needs and answers plain questions in text.
"""

from __future__ import annotations

import json

import openai
import pytest

from devstack.local_model import LocalModel
from tests.smoke.tools import GET_WEATHER, RUN_PYTHON, SEARCH_DOCUMENTS, TOOLS

pytestmark = pytest.mark.slow


def client(model: LocalModel) -> openai.OpenAI:
    return openai.OpenAI(base_url=model.base_url, api_key="sk-local", timeout=300, max_retries=0)


def streamed(model: LocalModel, **request) -> tuple[list, dict]:
    """All chunks of a streamed request, and the tool call they add up to (as the SDK docs do)."""
    stream = client(model).chat.completions.create(
        model=model.spec.name, stream=True, stream_options={"include_usage": True}, **request
    )
    chunks = list(stream)
    call: dict = {}
    for chunk in chunks:
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            assert delta.index == 0
            if delta.id:
                call.update(id=delta.id, type=delta.type, name=delta.function.name, arguments="")
            call["arguments"] += delta.function.arguments or ""
    return chunks, call


def ask(text: str) -> list[dict]:
    return [
        {"role": "system", "content": "You are a helpful assistant in a Slack workspace."},
        {"role": "user", "content": text},
    ]


def test_a_forced_tool_call_streams_in_openais_chunk_format(smollm2):
    chunks, call = streamed(
        smollm2,
        messages=ask("What is the weather like in Lisbon?"),
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )

    first = chunks[0].choices[0].delta
    assert first.role == "assistant" and first.tool_calls[0].function.arguments == ""
    assert call["id"].startswith("call_") and call["type"] == "function"
    assert call["name"] == "get_weather"
    arguments = json.loads(call["arguments"])  # the grammar guarantees the schema's shape
    assert set(arguments) == {"city", "unit"} and isinstance(arguments["city"], str)
    assert arguments["unit"] in ("celsius", "fahrenheit")
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert not chunks[-1].choices and chunks[-1].usage.total_tokens > 0


def test_a_non_streamed_tool_call_is_one_message(smollm2):
    # get_weather: with a free-text argument the 135M model tends to loop until max_tokens.
    answer = client(smollm2).chat.completions.create(
        model=smollm2.spec.name,
        messages=ask("Is it raining in Oslo?"),
        tools=[GET_WEATHER],
        tool_choice="required",
    )

    [choice] = answer.choices
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    [call] = choice.message.tool_calls
    assert call.function.name == "get_weather" and call.id.startswith("call_")
    assert isinstance(json.loads(call.function.arguments)["city"], str)
    assert answer.usage.total_tokens > 0


def test_without_tools_requests_stream_through_unchanged(smollm2):
    chunks = list(
        client(smollm2).chat.completions.create(
            model=smollm2.spec.name,
            messages=ask("Say hello."),
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=16,
        )
    )

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert chunks[0].system_fingerprint != "devstack-tool-shim"  # llama.cpp's own chunks
    assert chunks[-1].usage.completion_tokens > 0


def tool_result_turns(question: str, name: str, arguments: dict, result: str) -> list[dict]:
    call = {"id": "call_1", "type": "function", "function": {"name": name}}
    call["function"]["arguments"] = json.dumps(arguments)
    return [
        *ask(question),
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]


def test_tool_results_are_answered_in_streamed_text(smollm2):
    chunks, call = streamed(
        smollm2,
        messages=tool_result_turns(
            "What is the weather in Lisbon?",
            "get_weather",
            {"city": "Lisbon", "unit": "celsius"},
            "21 degrees, sunny",
        ),
        tools=TOOLS,
        max_tokens=40,
    )

    assert not call
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] in ("stop", "length")


@pytest.mark.heavy_model
@pytest.mark.parametrize(
    ("question", "tool", "argument"),
    [
        ("Use Python to compute the sum of the squares of 1 to 100.", RUN_PYTHON, "code"),
        ("Find the onboarding checklist in the documents we shared.", SEARCH_DOCUMENTS, "query"),
    ],
)
def test_the_default_model_calls_the_tool_a_question_needs(qwen, question, tool, argument):
    chunks, call = streamed(qwen, messages=ask(question), tools=TOOLS)

    assert call["name"] == tool["function"]["name"], chunks
    assert json.loads(call["arguments"])[argument].strip()
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"


@pytest.mark.heavy_model
def test_the_default_model_answers_a_plain_question_without_tools(qwen):
    chunks, call = streamed(qwen, messages=ask("Say hello to the team."), tools=TOOLS)

    assert not call
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()


@pytest.mark.heavy_model
def test_the_default_model_answers_from_a_tool_result(qwen):
    chunks, call = streamed(
        qwen,
        messages=tool_result_turns(
            "Use Python to compute 1234 * 5678.",
            "run_python",
            {"code": "print(1234*5678)"},
            "7006652",
        ),
        tools=TOOLS,
        max_tokens=60,
    )

    assert not call
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "7006652" in text.replace(",", "").replace(" ", "")
