"""The tool loop: the model calls tools in rounds, results go back, the answer streams last."""

from __future__ import annotations

import json
import time

import httpx2 as httpx
import openai

from assistant.llm.events import ModelRequest
from assistant.llm.loop import MAX_TOOL_CALLS_PER_ROUND, run_tool_loop
from assistant.llm.loop_events import AnswerText, FinalAnswer, RoundFinished, ToolsStarted
from assistant.llm.messages import Message
from assistant.llm.tools import Tool
from tests.e2e.harness import unique

ADD_SCHEMA = {
    "type": "object",
    "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
    "required": ["a", "b"],
}


class Adder:
    """A toy tool that remembers every call it ran."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, arguments: dict, *, deadline: float) -> str:
        self.calls.append(arguments)
        return str(arguments["a"] + arguments["b"])

    def tool(self) -> Tool:
        return Tool("add", "Adds two numbers.", ADD_SCHEMA, self, status="Adding…")


def run(model, text: str, tools, *, max_rounds: int = 4, done_rounds=(), first_call=""):
    client = openai.OpenAI(
        api_key="k", base_url=model.base_url, max_retries=0, timeout=httpx.Timeout(5.0)
    )
    request = ModelRequest(
        model="fake-gpt",
        messages=(Message.system("Be brief."), Message.user(text)),
        output_limit_param="max_completion_tokens",
        max_output_tokens=200,
    )
    return list(
        run_tool_loop(
            client,
            request,
            tools=tools,
            deadline=time.monotonic() + 20,
            max_rounds=max_rounds,
            done_rounds=done_rounds,
            first_call=first_call,
        )
    )


def test_two_rounds_of_tools_then_the_answer_quotes_both_results(local_model):
    adder = Adder()
    question = (
        f'{unique()} [[tool:add:{json.dumps({"a": 2, "b": 3})}]] [[tool:add:{{"a": 5, "b": 7}}]]'
    )
    events = run(local_model, question, [adder.tool()])

    assert adder.calls == [{"a": 2, "b": 3}, {"a": 5, "b": 7}]
    rounds = [e for e in events if isinstance(e, RoundFinished)]
    assert [r.number for r in rounds] == [0, 1]
    assert [e.status for e in events if isinstance(e, ToolsStarted)] == ["Adding…", "Adding…"]
    final = events[-1]
    assert isinstance(final, FinalAnswer) and final.rounds == 2
    assert final.text.endswith("[tool results: 5 | 12]")
    assert isinstance(events[-2], AnswerText)
    # The second request carried the first round back: the call and its result.
    second = local_model.requests(question)[1]["body"]["messages"]
    assert second[-2]["tool_calls"][0]["function"]["name"] == "add"
    assert second[-1] == {
        "role": "tool",
        "tool_call_id": second[-2]["tool_calls"][0]["id"],
        "content": "5",
    }


def test_replayed_rounds_are_not_run_again(local_model):
    adder = Adder()
    question = f'{unique()} [[tool:add:{{"a": 1, "b": 1}}]] [[tool:add:{{"a": 2, "b": 2}}]]'
    first = [
        e.round for e in run(local_model, question, [adder.tool()]) if isinstance(e, RoundFinished)
    ]
    calls_before, requests_before = len(adder.calls), len(local_model.requests(question))

    replay = run(local_model, question, [adder.tool()], done_rounds=first)

    assert len(adder.calls) == calls_before  # no tool ran again
    assert len(local_model.requests(question)) == requests_before + 1  # only the final round
    assert replay[-1].text.endswith("[tool results: 2 | 4]")


def test_the_round_cap_makes_the_model_answer(local_model):
    adder = Adder()
    question = f"{unique()} " + " ".join(f'[[tool:add:{{"a": {n}, "b": 0}}]]' for n in range(5))
    events = run(local_model, question, [adder.tool()], max_rounds=2)
    assert len(adder.calls) == 2
    last_request = local_model.requests(question)[-1]["body"]
    assert last_request["tool_choice"] == "none"
    assert isinstance(events[-1], FinalAnswer) and events[-1].rounds == 2


def test_a_required_first_call_is_asked_for_in_the_first_round_only(local_model):
    adder = Adder()
    question = f'{unique()} [[tool:add:{{"a": 2, "b": 3}}]]'
    events = run(local_model, question, [adder.tool()], first_call="add")
    first, second = (r["body"] for r in local_model.requests(question))
    assert first["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    assert "tool_choice" not in second  # then the model answers, or calls again, as it likes
    assert adder.calls == [{"a": 2, "b": 3}] and isinstance(events[-1], FinalAnswer)


def test_a_required_call_of_a_tool_not_offered_is_not_asked_for(local_model):
    question = f"{unique()} hello"
    run(local_model, question, [Adder().tool()], first_call="run_python")
    assert "tool_choice" not in local_model.requests(question)[0]["body"]


def test_tool_failures_become_results_the_model_can_read(local_model):
    def broken(arguments, *, deadline):
        raise RuntimeError("disk full")

    tools = [Tool("broken", "Fails.", {"type": "object"}, broken), Adder().tool()]
    question = f'{unique()} [[tool:broken]] [[tool:missing]] [[tool:add:"two"]]'
    events = run(local_model, question, tools)
    results = [r.round.results[0].content for r in events if isinstance(r, RoundFinished)]
    assert results == [
        "Error: the tool failed (RuntimeError: disk full).",
        "Error: there is no tool named 'missing'. Available: broken, add.",
        "Error: the arguments must be a JSON object.",
    ]
    assert isinstance(events[-1], FinalAnswer)


def test_without_tools_the_loop_is_one_plain_completion(local_model):
    question = f"{unique()} [[reply:just words]] [[tool:add]]"
    events = run(local_model, question, [])
    assert isinstance(events[-1], FinalAnswer) and events[-1].text == "just words"
    assert "tools" not in local_model.requests(question)[0]["body"]


def test_calls_past_the_cap_in_one_round_are_not_run_and_the_model_is_told(local_model):
    adder = Adder()
    question = (
        f'{unique()} [[tool:add:{{"a": 1, "b": 1}}]] [[parallel:{MAX_TOOL_CALLS_PER_ROUND + 3}]]'
    )

    events = run(local_model, question, [adder.tool()])

    assert len(adder.calls) == MAX_TOOL_CALLS_PER_ROUND
    [done] = [e.round for e in events if isinstance(e, RoundFinished)]
    texts = [message.content for message in done.results]
    assert texts[:MAX_TOOL_CALLS_PER_ROUND] == ["2"] * MAX_TOOL_CALLS_PER_ROUND
    assert all(
        text.startswith("Error: not run: at most") for text in texts[MAX_TOOL_CALLS_PER_ROUND:]
    )
    assert len(texts) == MAX_TOOL_CALLS_PER_ROUND + 3  # every call has its result
