"""Which tools an answer is offered: every one for OpenAI's models; for a small local model only
those the question gives a reason for (issue 26: a deployment question routed to run_python,
and a routing step spent on questions that need no tool)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from assistant.answer.plan import PlanDefaults, plan_answer
from assistant.answer.references import References
from assistant.answer.tool_need import asks_to_compute
from assistant.answer.tools import AnswerTools, ToolRequest, deployed_tools
from assistant.audience.facts import Audience, ConversationFacts, ConversationKind
from assistant.audience.policy import Reach, decide
from assistant.conversation.prompt import PromptPart
from assistant.llm.messages import Message
from assistant.llm.tools import Tool
from assistant.web.search import WebSearch
from assistant.web.search_api import BraveSearch
from assistant.web.tool import ReadUrl
from tests.builders import make_mention

LOCAL, OPENAI = "qwen2.5-coder-1.5b-instruct", "gpt-4o-mini"
NO_SEARCH_KEY = BraveSearch(endpoint="http://127.0.0.1:9/unused", key=lambda: "")


def web_tools(search: BraveSearch) -> dict[str, Any]:
    """`deployed_tools`' web_search and the read_url that opens its results, as wired."""
    searching = WebSearch(search)
    return {"web_search": searching, "read_url": ReadUrl(opens_results_of=(searching,))}


def _tool(name: str) -> Tool:
    return Tool(name=name, description="", parameters={"type": "object"}, run=lambda a, **k: "")


class _CodeRuns:
    def tool(self, mention, meter):
        return _tool("run_python")


def offered(
    model: str, question: str, *, files=(), passages: bool = False, search_key: str = ""
) -> list[str]:
    plan = plan_answer(PlanDefaults(model=model, code_execution=True))
    part = PromptPart("passages", Message.user("[1] …"), 5) if passages else None
    references = References(passages=part, search=_tool("search_docs"), sets=("default",))
    mention = make_mention(f"<@U0BOT> {question}")
    # An internal channel's member: the audience allows every source (the policy's own tests).
    audience = decide(
        Audience(
            conversation=ConversationFacts(
                id=mention.channel, kind=ConversationKind.PUBLIC, team=mention.team_id
            ),
            team=mention.team_id,
            asker=mention.user,
        ),
        Reach(),
    )
    request = ToolRequest(
        mention=mention,
        plan=plan,
        references=references,
        audience=audience,
        meter=None,  # type: ignore[arg-type]  # none of these tools meters while being offered
        file_names=tuple(files),
    )
    tools = deployed_tools(
        code_runs=_CodeRuns(),  # type: ignore[arg-type]
        linked=None,  # type: ignore[arg-type]  # no Slack link in these questions
        slack_search=None,  # type: ignore[arg-type]  # no action token: search_slack is off
        # Never searches here: only whether web_search is offered is asked.
        **web_tools(BraveSearch(endpoint="http://127.0.0.1:9/unused", key=lambda: search_key)),
    )
    return [tool.name for tool in tools.choose(request)]


def first_call(model: str, question: str, *, files=()) -> str:
    """The tool the first round must call, as the responder asks `AnswerTools`."""
    plan = plan_answer(PlanDefaults(model=model, code_execution=True))
    request = ToolRequest(
        mention=make_mention(f"<@U0BOT> {question}"),
        plan=plan,
        references=References(passages=None, search=None, sets=()),
        audience=None,  # type: ignore[arg-type]  # not asked: only the first call is
        meter=None,  # type: ignore[arg-type]
        file_names=tuple(files),
    )
    return AnswerTools.first_call(request, [_tool("search_docs"), _tool("run_python")])


@pytest.mark.parametrize(
    "question",
    [
        "Explain the difference between TCP and UDP in three short bullet points.",
        "How do I deploy this bot to Google Cloud? Which commands do I run?",
        "このスレッドを要約してください。",
    ],
)
def test_a_small_model_gets_no_tool_for_a_question_without_a_reason(question):
    assert offered(LOCAL, question, passages=True) == []


def test_openai_models_keep_every_tool():
    question = "Explain the difference between TCP and UDP in three short bullet points."
    assert offered(OPENAI, question, passages=True) == ["search_docs", "run_python"]


def test_a_small_model_gets_run_python_for_data_files_in_the_thread():
    question = "Which continent lived longest in 2007?"
    assert offered(LOCAL, question, files=["gapminder.csv"]) == ["run_python"]
    assert offered(LOCAL, question, files=["photo.png"]) == []


@pytest.mark.parametrize(
    "question",
    [
        "Use Python to compute 48271 * 9973 exactly.",
        "What is 15% of 240?",
        "Plot the 2007 averages per continent as a bar chart.",
        "2007年の大陸ごとの平均寿命を計算してください。",
    ],
)
def test_a_small_model_gets_run_python_when_the_question_asks_to_compute(question):
    assert offered(LOCAL, question) == ["run_python"]


def test_words_that_only_look_like_computing_are_not_a_reason():
    assert not asks_to_compute("Which country uses GraphQL, and what is a chartered accountant?")


def test_a_small_model_searches_the_documents_only_when_pointed_at_them_without_passages():
    question = "What does our deployment runbook say about rotating secrets?"
    assert offered(LOCAL, question) == ["search_docs"]
    assert offered(LOCAL, question, passages=True) == []
    assert offered(LOCAL, "What is the capital of France?") == []


def searched(model: str, question: str) -> list[str]:
    """The tools offered in the bot's DM, where Slack gave the event an action token."""
    plan = plan_answer(PlanDefaults(model=model))
    mention = dataclasses.replace(
        make_mention(f"<@U0BOT> {question}", channel="D0ALICE"), action_token="act-1"
    )
    dm = ConversationFacts(id="D0ALICE", kind=ConversationKind.DM, team=mention.team_id)
    asker = Audience(
        conversation=dm, team=mention.team_id, asker=mention.user, action_token="act-1"
    )
    audience = decide(asker, Reach())
    request = ToolRequest(
        mention=mention,
        plan=plan,
        references=References(passages=None, search=None, sets=()),
        audience=audience,
        meter=None,  # type: ignore[arg-type]
    )
    tools = deployed_tools(
        code_runs=_CodeRuns(),  # type: ignore[arg-type]
        linked=None,  # type: ignore[arg-type]
        slack_search=None,  # type: ignore[arg-type]  # only offered here, never called
        **web_tools(NO_SEARCH_KEY),
    )
    return [tool.name for tool in tools.choose(request)]


def test_a_small_model_is_offered_slack_search_only_for_questions_about_slack():
    # The day-in-the-life benchmark: Qwen searched Slack with made-up dates for these.
    assert "search_slack" not in searched(LOCAL, "How do I deploy this bot to Google Cloud?")
    assert "search_slack" in searched(LOCAL, "Who mentioned the pool limit in #incidents?")
    assert "search_slack" in searched(OPENAI, "How do I deploy this bot to Google Cloud?")


def test_a_small_model_is_offered_web_search_only_when_asked_for_the_web():
    question = "What is the capital of France?"
    assert offered(LOCAL, question, search_key="k") == []
    every = ["search_docs", "run_python", "web_search", "read_url"]
    assert offered(OPENAI, question, search_key="k") == every
    assert offered(OPENAI, question) == every[:2]  # no key: never offered
    latest = "Search the web for the latest Python release notes."
    assert offered(LOCAL, latest, search_key="k") == ["web_search", "read_url"]


def test_a_small_model_asked_to_compute_over_the_thread_s_data_runs_code_first():
    # Issue 26: left to choose, Qwen 1.5B answered "Europe" from the CSV rows it could see,
    # and routed 100 s over the CSV inline before choosing no tool.
    chart = "Which continent had the highest average in 2007? Plot the averages as a bar chart."
    assert first_call(LOCAL, chart, files=["life.csv"]) == "run_python"
    assert first_call(LOCAL, "And the lowest average?", files=["life.csv"]) == "run_python"
    assert first_call(LOCAL, "What columns does this file have?", files=["life.csv"]) == ""
    assert first_call(LOCAL, "What is the average of 3 and 5?") == ""  # no data: its choice
    assert first_call(OPENAI, chart, files=["life.csv"]) == ""  # OpenAI's models choose
