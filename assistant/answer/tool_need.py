"""Whether a question gives a reason for a tool: for small models, which route better among few.

A 1.5B local model asked to choose among every tool for every question picks wrongly too often
(issue 26: a deployment question sent to `run_python`) and spends a routing step on questions
that need none. So on models whose spec says `tools_by_need` (self-hosted ones), a tool is
offered only with a reason found here; OpenAI's models are offered every tool. Pure.

    >>> asks_to_compute("Plot the 2007 averages per continent as a bar chart.")
    True
    >>> asks_to_compute("Explain the difference between TCP and UDP in three bullets.")
    False
    >>> has_data_files(["gapminder.csv", "notes.pdf"])
    True
    >>> refers_to_documents("What does our deploy runbook say about secrets?")
    True
    >>> asks_to_search_slack("Find where we discussed the pool limit in Slack")
    True
    >>> asks_to_search_slack("How do I deploy this bot to Google Cloud?")
    False
    >>> asks_to_search_web("Search the web for the latest Python release")
    True
    >>> asks_to_search_web("What does our deploy runbook say about secrets?")
    False
    >>> computes_over_data("Average life expectancy per continent?", ["life.csv"])
    True
    >>> computes_over_data("What is in this file?", ["life.csv"])
    False
    >>> names_the_tool("What time is it in Tokyo?", "get_current_time")
    True
    >>> names_the_tool("Add a note: standup moves to 9:30", "create_note")
    True
    >>> names_the_tool("Explain TCP and UDP", "get_current_time")
    False
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "DATA_SUFFIXES",
    "asks_to_compute",
    "asks_to_search_slack",
    "asks_to_search_web",
    "computes_over_data",
    "has_data_files",
    "names_the_tool",
    "refers_to_documents",
]

# Files a run_python answer reads: tables and structured data.
DATA_SUFFIXES = frozenset(
    [
        ".csv",
        ".tsv",
        ".xlsx",
        ".xlsm",
        ".xls",
        ".ods",
        ".json",
        ".jsonl",
        ".parquet",
        ".xml",
        ".sqlite",
        ".db",
        ".npy",
        ".txt",
        ".log",
    ]
)
# Whole words only ("count" would match "country", "graph" "GraphQL"): explicit forms.
_COMPUTE_WORDS = """calculate calculates calculated calculating calculation calculations compute
computes computed computing sum total totals average averages mean median percent percentage
percentages ratio std variance deviation correlation correlations regression forecast
statistics plot plots plotted plotting chart charts graph graphs histogram histograms visualise
visualize visualisation visualization aggregate tabulate pivot factorial prime primes fibonacci
integral derivative equation equations simulate simulation dataframe pandas csv excel
spreadsheet xlsx tsv"""
_COMPUTE = re.compile(
    r"\b(?:" + "|".join(_COMPUTE_WORDS.split()) + r")\b"
    # arithmetic written out: "15% of 240", "3 * 7", "2^10", "sqrt(2)"
    r"|\d\s*(?:[-+*/^×÷]|\*\*)\s*\d|\d+(?:\.\d+)?\s*%\s*of\b|\bsqrt\b"
    # Japanese: calculate, average, total, sum, graph, plot, aggregate, median, ratio, stats
    r"|計算|平均|合計|総和|グラフ|プロット|図に|集計|中央値|割合|統計|標準偏差|相関|何パーセント",
    re.IGNORECASE,
)
_DOCUMENT_WORDS = r"""docs? documentation documents? document's handbook\w* runbook\w*
polic(?:y|ies) wiki manual\w* guide\w* playbook\w* faq readme"""
_DOCUMENTS = re.compile(
    r"\b(?:"
    + "|".join(_DOCUMENT_WORDS.split())
    + r")\b|ドキュメント|資料|マニュアル|手順書|規程|規定",
    re.IGNORECASE,
)


# Asking about what was said elsewhere in Slack (a 1.5B model offered search_slack for "how do
# I deploy this bot?" searched Slack with made-up dates instead of answering).
_SLACK_SEARCH = re.compile(
    r"\bslack\b|\b(?:who|where)\s+(?:said|mentioned|asked|posted|discussed|talked)\b"
    r"|\b(?:discussed|mentioned|posted|talked about)\b|\b(?:messages?|channels?|threads?)\b"
    r"|#[\w-]+|スラック|メッセージ|チャンネル|スレッド|発言|話題に",
    re.IGNORECASE,
)


# Asking for what is on the web now, in so many words (not "the web app" or "our wiki").
_WEB_SEARCH = re.compile(
    r"\b(?:search|google|look\s+up)\b.{0,40}\b(?:web|internet|online)\b|\bweb\s+search\b"
    r"|\bon\s+the\s+(?:web|internet)\b|\bonline\b|\bgoogle\s+(?:it|this|that)\b"
    r"|\b(?:latest|news)\b|ウェブ|インターネット|ネットで|最新",
    re.IGNORECASE,
)


def asks_to_search_web(question: str) -> bool:
    """The question asks for something on the web (search online, the latest, the news)."""
    return bool(_WEB_SEARCH.search(question))


def asks_to_search_slack(question: str) -> bool:
    """The question is about what people said in Slack (a message, a channel, who said what)."""
    return bool(_SLACK_SEARCH.search(question))


def asks_to_compute(question: str) -> bool:
    """The question asks for a calculation, a chart or code to be run."""
    return bool(_COMPUTE.search(question))


def has_data_files(names: Iterable[str]) -> bool:
    """One of the thread's files is data a run can read (a table, JSON, a log)."""
    return any(name.lower().endswith(tuple(DATA_SUFFIXES)) for name in names)


def computes_over_data(question: str, file_names: Iterable[str]) -> bool:
    """The question asks to compute over data files the thread has: only code gets it right.
    A 1.5B model left to choose answered such questions from the rows it could see (a wrong
    continent, a made-up total) or spent 100 s routing over a CSV inline."""
    return has_data_files(file_names) and asks_to_compute(question)


def refers_to_documents(question: str) -> bool:
    """The question points at the organisation's documents ("our runbook", "the docs")."""
    return bool(_DOCUMENTS.search(question))


# Words in tools' names that say nothing about what they are for.
_TOOL_VERBS = frozenset({
    "get", "set", "list", "create", "make", "add", "read", "find", "search", "update", "delete",
    "run", "fetch", "query", "lookup", "the", "new",
})  # fmt: skip


def names_the_tool(question: str, tool: str) -> bool:
    """Whether the question uses a word of a tool's name that says what it is about (an MCP
    server's `get_current_time`: "time"; `list_notes`: "note"), singular or plural."""
    words = {_singular(word) for word in re.findall(r"[a-z0-9]+", question.lower())}
    subjects = {_singular(part) for part in re.split(r"[^a-z0-9]+", tool.lower())
                if len(part) >= 3 and part not in _TOOL_VERBS}  # fmt: skip
    return bool(subjects & words)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word
