"""The shim's check of a call before it is made: what the model is asked, and how its yes/no
answer decides."""

from __future__ import annotations

import pytest

from devstack.tool_shim import verify
from tests.unit.devstack.test_tool_shim_rewrite import body, routed

ARGUMENTS = '{"code": "print(1)"}'


def checked(p_yes: float, p_no: float) -> dict:
    decision = {"yes": p_yes, "no": p_no, "maybe": 0.01}  # not an answer: not counted
    tokens = [('{"', {}), ("answer", {}), ('":', {}), (' "', {}), ("yes", decision), ('"}', {})]
    return routed('{"answer": "yes"}', tokens)


def test_the_check_asks_afresh_whether_the_call_answers_the_last_question():
    # Not on the route's prompt: after the routing instruction Qwen answered "no" to right and
    # wrong calls alike (yes share 0.21-0.37 for both on BFCL).
    check = verify.check_request(body(), "run_python", ARGUMENTS)

    system, user = check["messages"]
    assert system["role"] == "system" and "Be concise" not in system["content"]
    assert user["content"].startswith("Question: What does the handbook say about holidays?")
    assert "Tool run_python: run_python does things." in user["content"]
    assert f"run_python({ARGUMENTS})" in user["content"]
    schema = check["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["answer"]["enum"] == ["yes", "no"]
    assert check["logprobs"] is True and check["temperature"] == 0


def test_a_long_question_is_checked_by_its_start_and_end():
    pasted = "Which region sold most?\n" + "north,12\n" * 2000 + "Plot it per region."
    long = body(messages=[{"role": "user", "content": pasted}])
    question = verify.check_request(long, "run_python", ARGUMENTS)["messages"][1]["content"]
    assert "Which region sold most?" in question and "Plot it per region." in question
    assert len(question) < 2000


def test_a_call_the_model_says_no_to_is_not_made():
    # BFCL irrelevance_48: "What is the current Gini Coefficient of USA?" with only a GDP tool:
    # the route chose it at a tool share of 0.93, the check gave "yes" a share of 0.44. Nearly
    # all right calls of two samples of `simple` and `multiple` scored 0.53-0.92.
    assert verify.yes_share(checked(0.3, 0.6)) == pytest.approx(1 / 3)
    assert not verify.confirmed(0.44) and not verify.confirmed(0.49)
    assert verify.yes_share(checked(0.9, 0.05)) == pytest.approx(0.9 / 0.95)
    assert verify.confirmed(0.53)


def test_no_counts_in_any_case():
    # llama.cpp reports the probabilities before the grammar: "No" is the model saying no.
    decision = {"yes": 0.3, "No": 0.5, "no": 0.2}
    completion = routed('{"answer": "yes"}', [('{"answer": "', {}), ('yes"}', decision)])
    assert verify.yes_share(completion) == pytest.approx(0.3)


def test_the_answer_is_read_where_its_value_starts_even_in_a_token_with_the_quotes():
    decision = {' "yes': 0.3, 'no"}': 0.6}
    completion = routed('{"answer": "no"}', [('{"answer":', {}), ('no"}', decision)])
    assert verify.yes_share(completion) == pytest.approx(1 / 3)


def test_without_probabilities_the_call_stands():
    plain = {"choices": [{"message": {"content": '{"answer": "no"}'}}]}
    assert verify.yes_share(plain) is None
    assert verify.confirmed(None)
