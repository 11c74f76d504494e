"""One streamed completion as events, against the deterministic server through the real client."""

from __future__ import annotations

import time

import httpx2 as httpx
import openai
import pytest

from assistant.llm.events import (
    Finished,
    ModelError,
    ModelRequest,
    Restarted,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from assistant.llm.messages import Message
from assistant.llm.rounds import RoundBuilder
from assistant.llm.stream import stream_events
from tests.e2e.harness import unique

TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


def client(model) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="k", base_url=model.base_url, max_retries=1, timeout=httpx.Timeout(3.0)
    )


def request(text: str, **overrides) -> ModelRequest:
    values = {
        "model": "fake-gpt",
        "messages": (Message.user(text),),
        "output_limit_param": "max_completion_tokens",
        "max_output_tokens": 100,
    }
    return ModelRequest(**{**values, **overrides})


def events(model, text: str, **overrides) -> list:
    deadline = time.monotonic() + 20
    return list(stream_events(client(model), request(text, **overrides), deadline=deadline))


def test_text_arrives_in_deltas_then_the_finish_and_usage(local_model):
    seen = events(local_model, "[[reply:one two three four five six seven]]")
    text = "".join(e.text for e in seen if isinstance(e, TextDelta))
    assert text == "one two three four five six seven"
    assert len([e for e in seen if isinstance(e, TextDelta)]) > 1
    assert Finished("stop") in seen
    assert any(isinstance(e, UsageReported) and e.completion_tokens > 0 for e in seen)


def test_a_broken_stream_is_announced_then_started_again(local_model):
    seen = events(local_model, f"{unique()} [[reply:a b c d e f g h i]] [[drop:1]]")
    restart = seen.index(Restarted(1))
    builder = RoundBuilder()
    for event in seen:
        builder.add(event)
    assert restart > 0
    assert builder.result().text == "a b c d e f g h i"  # nothing doubled after the restart
    assert builder.restarts == 1


def test_a_tool_call_is_assembled_from_its_streamed_fragments(local_model):
    arguments = '{"query": "the quarterly revenue of the north region"}'
    seen = events(local_model, f"[[tool:lookup:{arguments}]]", tools=(TOOL,))
    fragments = [e for e in seen if isinstance(e, ToolCallDelta)]
    assert len(fragments) > 2 and fragments[0].name == "lookup" and fragments[1].name is None
    builder = RoundBuilder()
    for event in seen:
        builder.add(event)
    [call] = builder.result().tool_calls
    assert (call.name, call.arguments) == ("lookup", arguments)
    assert call.id.startswith("call_")
    assert builder.result().finish_reason == "tool_calls"


def test_a_server_error_that_outlasts_the_retries_is_readable(local_model):
    with pytest.raises(ModelError, match="HTTP 500"):
        events(local_model, f"{unique()} [[fail:500]]")


def test_a_content_filter_mid_stream_is_readable(local_model):
    with pytest.raises(ModelError, match="content filter"):
        events(local_model, f"{unique()} hello there friend [[content_filter:stream]]")


def test_the_deadline_bounds_the_stream(local_model):
    with pytest.raises(ModelError, match="too long"):
        list(
            stream_events(
                client(local_model),
                request(f"{unique()} [[reply:{' w' * 40}]] [[slow:0.3]]"),
                deadline=time.monotonic() + 2.5,
            )
        )
