"""The one place tools join an answer: which of the deployed tools this answer is offered.

Each deployed tool is a `ToolSource`: it says, from the plan, the mention and the documents
found for it, whether it applies, and builds the `Tool` the model sees. Each names the
`Source` it draws on, and the audience policy's decision for this answer filters them all
here, in one place: a tool the audience may not have is never offered, whatever it says. A
new tool is its own module plus one entry in `deployed_tools`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from assistant.answer.linked import LinkedMessages
from assistant.answer.meter import Meter
from assistant.answer.plan import AnswerPlan
from assistant.answer.references import References
from assistant.answer.slack_tools import ReadSlackLink, SearchSlack
from assistant.answer.tool_need import (
    asks_to_compute,
    computes_over_data,
    has_data_files,
    refers_to_documents,
)
from assistant.audience.policy import AudienceDecision, Source
from assistant.executor.tool import RUN_PYTHON, CodeRuns
from assistant.llm.tools import Tool
from assistant.mention import Mention
from assistant.retrieval.search import TOOL_NAME as SEARCH_DOCS
from assistant.slack.search import SlackSearch
from assistant.web.search import WebSearch
from assistant.web.tool import ReadUrl

__all__ = [
    "AnswerTools",
    "RunPython",
    "SearchDocs",
    "ToolFamily",
    "ToolRequest",
    "ToolSource",
    "deployed_tools",
]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ToolRequest:
    mention: Mention
    plan: AnswerPlan
    references: References  # the documents side of this answer (its search tool, if any)
    audience: AudienceDecision  # who can see the answer: what its tools may draw on
    # The answer's usage: code runs' executor seconds and paid or rate-limited API calls count.
    meter: Meter
    # Where tools that read Slack list the permalinks they gave the model (one list per answer).
    slack_sources: list[str] = dataclasses.field(default_factory=list)
    # The files of the question and of the thread's turns in the prompt, by name.
    file_names: tuple[str, ...] = ()

    @property
    def every_tool(self) -> bool:
        """OpenAI's models are offered every tool that applies; small ones only with a reason."""
        return not self.plan.spec.tools_by_need


class ToolSource(Protocol):
    name: str
    source: Source  # what it draws on, for the audience policy

    def applies(self, request: ToolRequest) -> bool: ...

    def tool(self, request: ToolRequest) -> Tool: ...


@runtime_checkable
class ToolFamily(Protocol):
    """A source of several tools at once, known only per answer (an MCP server's)."""

    name: str
    source: Source

    def applies(self, request: ToolRequest) -> bool: ...

    def tools(self, request: ToolRequest) -> tuple[Tool, ...]: ...


class SearchDocs:
    """`search_docs`: wherever this answer may use documents and some are indexed; for a small
    model, only when no passage came with the question and it points at the documents."""

    name = SEARCH_DOCS
    source = Source.DOCUMENTS

    def applies(self, request: ToolRequest) -> bool:
        if request.references.search is None:
            return False
        return request.every_tool or (
            request.references.passages is None and refers_to_documents(request.mention.question)
        )

    def tool(self, request: ToolRequest) -> Tool:
        assert request.references.search is not None
        return request.references.search


class RunPython:
    """`run_python`: where an executor is deployed and the channel allows code; for a small
    model, only when the thread has data files or the question asks to compute."""

    name = RUN_PYTHON
    source = Source.TOOLS

    def __init__(self, code_runs: CodeRuns) -> None:
        self._code_runs = code_runs

    def applies(self, request: ToolRequest) -> bool:
        if not request.plan.code_execution:
            return False
        return (
            request.every_tool
            or has_data_files(request.file_names)
            or asks_to_compute(request.mention.question)
        )

    def tool(self, request: ToolRequest) -> Tool:
        # Built per mention: it works on the mention's own thread's files.
        return self._code_runs.tool(request.mention, request.meter)


class AnswerTools:
    def __init__(self, sources: Sequence[ToolSource | ToolFamily]) -> None:
        self._sources = tuple(sources)

    def choose(self, request: ToolRequest) -> tuple[Tool, ...]:
        chosen: list[Tool] = []
        for source in self._sources:
            if request.audience.permits(source.source) and source.applies(request):
                if isinstance(source, ToolFamily):
                    chosen.extend(source.tools(request))
                else:
                    chosen.append(source.tool(request))
        return tuple(chosen)

    @staticmethod
    def first_call(request: ToolRequest, offered: Sequence[Tool]) -> str:
        """The tool the answer's first round must call, or "" to leave the choice to the model:
        a small model asked to compute over the thread's data files runs code first (left to
        choose, it answered from the rows it could see). OpenAI's models choose for
        themselves."""
        if (
            not request.every_tool
            and any(tool.name == RUN_PYTHON for tool in offered)
            and computes_over_data(request.mention.question, request.file_names)
        ):
            return RUN_PYTHON
        return ""


def deployed_tools(
    *,
    code_runs: CodeRuns,
    linked: LinkedMessages,
    slack_search: SlackSearch,
    web_search: WebSearch,
    read_url: ReadUrl,
    extra: Sequence[ToolSource | ToolFamily] = (),
) -> AnswerTools:
    """Every tool this deployment has, in the order the model is offered them. A tool whose
    service is not configured stays registered and never applies (`run_python` without
    EXECUTOR_URL: the plan's `code_execution` is off; `search_slack` without the event's
    action token; `web_search` without WEB_SEARCH_API_KEY). `read_url` is passed in: the
    question's links are read through it too, and it opens `web_search`'s results."""
    return AnswerTools(
        (
            SearchDocs(),
            RunPython(code_runs),
            ReadSlackLink(linked),
            SearchSlack(slack_search),
            web_search,
            read_url,
            *extra,
        )
    )
