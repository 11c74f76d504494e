"""The shim's request rewriting: which plan a request gets, and what the model is sent."""

from __future__ import annotations

import math

import pytest

from devstack.tool_shim import rewrite
from devstack.tool_shim.rewrite import Plan


def tool(name: str, **properties: dict) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} does things.",
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
            },
        },
    }


SEARCH = tool("search_documents", query={"type": "string"})
RUN = tool("run_python", code={"type": "string"})
QUESTION = [
    {"role": "system", "content": "Be concise."},
    {"role": "user", "content": "What does the handbook say about holidays?"},
]


def body(**extra) -> dict:
    return {"model": "m", "messages": QUESTION, "tools": [SEARCH, RUN], **extra}


def test_requests_without_tools_pass_through():
    assert rewrite.plan({"model": "m", "messages": QUESTION}).kind == "passthrough"
    assert rewrite.plan({"model": "m", "messages": QUESTION, "tools": []}).kind == "passthrough"


def test_auto_routes_among_the_declared_tools_or_none():
    assert rewrite.plan(body()) == Plan("route", candidates=("search_documents", "run_python"))


def test_required_leaves_none_out_and_a_single_tool_is_called_directly():
    assert rewrite.plan(body(tool_choice="required")).allow_none is False
    single = {**body(tool_choice="required"), "tools": [RUN]}
    assert rewrite.plan(single) == Plan("call", tool="run_python")


def test_a_named_tool_choice_is_called_and_an_unknown_one_refused():
    named = {"type": "function", "function": {"name": "run_python"}}
    assert rewrite.plan(body(tool_choice=named)) == Plan("call", tool="run_python")
    with pytest.raises(ValueError, match="not among the tools"):
        rewrite.plan(body(tool_choice={"type": "function", "function": {"name": "nope"}}))


def test_tool_choice_none_and_fresh_tool_results_mean_answer():
    assert rewrite.plan(body(tool_choice="none")).kind == "answer"
    assert rewrite.plan(body(messages=after_a_call())).kind == "answer"


def test_tool_results_of_an_earlier_turn_do_not_stop_routing():
    messages = [*after_a_call(), {"role": "assistant", "content": "Done."}, QUESTION[1]]
    assert rewrite.plan(body(messages=messages)).kind == "route"


def after_a_call() -> list[dict]:
    call = {
        "id": "call_7",
        "type": "function",
        "function": {"name": "search_documents", "arguments": '{"query":"holidays"}'},
    }
    return [
        *QUESTION,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_7", "content": "25 days a year."},
    ]


def test_folding_turns_calls_and_results_into_one_user_turn_after_the_question():
    folded = rewrite.fold_tool_messages(after_a_call())

    assert [m["role"] for m in folded] == ["system", "user"]
    text = folded[1]["content"]
    assert text.startswith("What does the handbook say about holidays?")
    assert 'search_documents({"query":"holidays"}) returned:\n25 days a year.' in text
    assert text.endswith("Answer my message above using these results.")
    assert "tool_calls" not in folded[1]


def test_folding_keeps_what_the_assistant_said_alongside_its_call():
    messages = after_a_call()
    messages[2] = {**messages[2], "content": "Let me look that up."}
    folded = rewrite.fold_tool_messages(messages)
    assert [m["role"] for m in folded] == ["system", "user", "assistant", "user"]
    assert folded[2]["content"] == "Let me look that up."


def test_folding_reads_content_arrays():
    messages = [{"role": "user", "content": [{"type": "text", "text": "Look."}]}]
    messages += after_a_call()[2:]
    folded = rewrite.fold_tool_messages(messages)
    assert folded[0]["content"].startswith("Look.\n\nThe tool call search_documents")


def test_the_plain_request_drops_every_tool_key_and_keeps_the_rest():
    plain = rewrite.plain_request(
        body(messages=after_a_call(), tool_choice="auto", parallel_tool_calls=False, stream=True)
    )
    assert set(plain) == {"model", "messages", "stream"}
    assert all(m["role"] in ("system", "user") for m in plain["messages"])


def test_the_route_request_is_a_constrained_enum_with_the_tools_described():
    request = rewrite.route_request(body(), rewrite.plan(body()))

    schema = request["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["tool"]["enum"] == ["search_documents", "run_python", "none"]
    assert request["stream"] is False and request["temperature"] == 0
    assert request["cache_prompt"] is True  # llama.cpp keeps it for the arguments step
    [system, user] = request["messages"]
    assert system["content"].startswith("Be concise.\n\nYou can call these tools:")
    assert "- run_python(code: string): run_python does things." in system["content"]
    assert user == QUESTION[1]
    assert "tools" not in request


def test_a_required_route_offers_no_none():
    step = rewrite.plan(body(tool_choice="required"))
    request = rewrite.route_request(body(tool_choice="required"), step)
    schema = request["response_format"]["json_schema"]["schema"]
    assert "none" not in schema["properties"]["tool"]["enum"]
    assert '"none"' not in request["messages"][0]["content"]


def test_parse_route_accepts_only_declared_names():
    step = rewrite.plan(body())
    assert rewrite.parse_route('{"tool": "run_python"}', step) == "run_python"
    assert rewrite.parse_route('{\n "tool"\n:\n"none"}', step) is None
    assert rewrite.parse_route('{"tool": "rm_rf"}', step) is None
    assert rewrite.parse_route('{"tool": "run_py', step) is None  # cut off by max_tokens
    assert rewrite.parse_route(None, step) is None
    assert rewrite.parse_route("[1]", step) is None


def test_the_arguments_request_uses_the_tools_own_schema_and_the_callers_budget():
    request = rewrite.arguments_request(body(max_tokens=100), "run_python")

    json_schema = request["response_format"]["json_schema"]
    assert json_schema["schema"] == RUN["function"]["parameters"]
    assert json_schema["name"] == "run_python"
    assert request["max_tokens"] == 100
    assert "Call the tool run_python" in request["messages"][0]["content"]
    assert rewrite.arguments_request(body(), "run_python")["max_tokens"] == 512


def test_a_tool_without_parameters_gets_an_empty_object_schema():
    bare = {"type": "function", "function": {"name": "now"}}
    request = rewrite.arguments_request({"messages": QUESTION, "tools": [bare]}, "now")
    assert request["response_format"]["json_schema"]["schema"]["type"] == "object"


def test_parse_arguments_compacts_objects_and_refuses_the_rest():
    assert rewrite.parse_arguments('{\n  "code": "print(1)"\n}') == '{"code":"print(1)"}'
    assert rewrite.parse_arguments('{"q": "café"}') == '{"q":"café"}'  # text, not an escape
    assert rewrite.parse_arguments('{"q": "unterminated') is None
    assert rewrite.parse_arguments('"just a string"') is None


def test_a_tool_without_a_name_is_refused():
    with pytest.raises(ValueError, match=r"function\.name"):
        rewrite.plan(body(tools=[{"type": "function", "function": {"description": "?"}}]))


def routed(content: str, tokens: list[tuple[str, dict[str, float]]]) -> dict:
    """A route completion as llama.cpp answers it with logprobs: each token with its
    alternatives' probabilities."""
    return {
        "choices": [
            {
                "message": {"role": "assistant", "content": content},
                "logprobs": {
                    "content": [
                        {
                            "token": token,
                            "logprob": math.log(alternatives.get(token, 1.0)),
                            "top_logprobs": [
                                {"token": t, "logprob": math.log(p)}
                                for t, p in alternatives.items()
                            ],
                        }
                        for token, alternatives in tokens
                    ]
                },
            }
        ]
    }


def chose_run_python(p_run: float, p_none: float) -> dict:
    decision = {"run": p_run, "none": p_none, "x": 0.01}  # "x": no choice, not counted
    tokens = [('{"', {}), ("tool", {}), ('":', {}), (' "', {}), ("run", decision),
              ("_python", {}), ('"}', {})]  # fmt: skip
    return routed('{"tool": "run_python"}', tokens)


def test_the_route_asks_for_the_probabilities_of_its_choice():
    request = rewrite.route_request(body(), rewrite.plan(body()))
    assert request["logprobs"] is True and request["top_logprobs"] >= 5
    step = rewrite.plan(body(tool_choice="required"))
    assert "logprobs" not in rewrite.route_request(body(tool_choice="required"), step)


def test_a_tool_the_model_is_unsure_of_is_no_tool():
    # BFCL's irrelevance: Qwen chose a tool for half the questions no tool answers, at a
    # share of 0.52-0.96; the right tools of `simple` had 0.67-1.00.
    step = rewrite.plan(body())
    sure, unsure = chose_run_python(0.9, 0.05), chose_run_python(0.55, 0.4)

    assert rewrite.tool_share(sure, step) == pytest.approx(0.9 / 0.95)
    assert rewrite.parse_route('{"tool": "run_python"}', step, share=0.947) == "run_python"
    assert rewrite.tool_share(unsure, step) == pytest.approx(0.55 / 0.95)
    assert rewrite.parse_route('{"tool": "run_python"}', step, share=0.58) is None


def test_the_share_is_read_where_the_name_starts_even_in_a_token_with_the_quote():
    step = rewrite.plan(body())
    decision = {' "run': 0.7, ' "none': 0.1, ' "': 0.05}
    tokens = [('{"tool":', {}), (' "run', decision), ("_python", {}), ('"}', {})]
    assert rewrite.tool_share(routed('{"tool": "run_python"}', tokens), step) == pytest.approx(
        0.875
    )


def test_a_token_ending_the_value_counts_for_its_name():
    # Seen with Qwen: "none" and the closing quote and brace as one token.
    step = rewrite.plan(body())
    decision = {'none"}': 0.6, "run": 0.3, "search": 0.1}
    tokens = [('{"tool": "', {}), ('none"}', decision)]
    assert rewrite.tool_share(routed('{"tool": "none"}', tokens), step) == pytest.approx(0.4)


def test_without_probabilities_the_choice_stands():
    step = rewrite.plan(body())
    plain = {"choices": [{"message": {"content": '{"tool": "run_python"}'}}]}
    assert rewrite.tool_share(plain, step) is None
    assert rewrite.parse_route('{"tool": "run_python"}', step, share=None) == "run_python"
    required = rewrite.plan(body(tool_choice="required"))
    assert rewrite.parse_route('{"tool": "run_python"}', required, share=0.1) == "run_python"


def test_after_a_route_the_arguments_request_extends_the_routes_prompt():
    # The model server has the route's prompt cached: the arguments step reads only its
    # instruction anew, not the conversation (a CSV in the question) a second time.
    step = rewrite.plan(body())
    route = rewrite.route_request(body(), step)
    arguments = rewrite.arguments_request(body(), "run_python", step)

    *prefix, instruction = arguments["messages"]
    assert prefix == route["messages"]
    assert instruction["role"] == "system"
    assert instruction["content"].startswith("Call the tool run_python")
    forced = rewrite.arguments_request(body(), "run_python")  # no route before it
    assert forced["messages"][0]["content"].startswith("Be concise.\n\nCall the tool run_python")
