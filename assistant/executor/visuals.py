"""Which of a code run's files the answer shows natively: tables and charts as Slack blocks (pure).

A CSV the run writes is a table; a `<name>.chart.json` spec (`assistant/slack/chart_block.py`)
is a chart. Each is judged alone against Slack's limits; the files are posted for download
either way. Slack allows one table per message, so an answer shows the table of its latest
run that has one fitting (the newest result), and up to `MAX_CHARTS` charts in run order.

    >>> from assistant.executor.protocol import RunFile
    >>> found = assess([RunFile("t.csv", b"region,q2\\nnorth,14\\n"), RunFile("c.png", b"")])
    >>> [(v.name, v.kind, v.fits) for v in found]
    [('t.csv', 'table', True)]
    >>> [block["type"] for block in answer_blocks([found])]
    ['table']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from assistant.executor.protocol import RunFile
from assistant.slack.chart_block import CHART_SUFFIX, fit_chart_file
from assistant.slack.table_block import MAX_CSV_BYTES, fit_table

__all__ = ["MAX_CHARTS", "Visual", "answer_blocks", "assess", "is_visual", "report"]

MAX_CHARTS = 4  # ours: each chart is tall; more than a few is a report, not an answer


@dataclasses.dataclass(frozen=True)
class Visual:
    name: str
    kind: str  # "table" or "chart"
    block: dict[str, Any]  # empty when it does not fit
    reason: str = ""  # why it does not fit

    @property
    def fits(self) -> bool:
        return bool(self.block)


def is_visual(name: str, size: int = 0) -> bool:
    """A file that may become a table or a chart; larger ones cannot fit, so are not read."""
    lower = name.lower()
    kind = lower.endswith(".csv") or lower.endswith(CHART_SUFFIX)
    return kind and size <= MAX_CSV_BYTES


def assess(files: Iterable[RunFile]) -> list[Visual]:
    """The run's tables and charts, each with its block or why it stays a file."""
    found = []
    for file in files:
        lower = file.name.lower()
        if lower.endswith(".csv"):
            table = fit_table(file.data)
            found.append(Visual(file.name, "table", table.block, table.reason))
        elif lower.endswith(CHART_SUFFIX):
            chart = fit_chart_file(file.data)
            found.append(Visual(file.name, "chart", chart.block, chart.reason))
    return found


def answer_blocks(runs: Sequence[Sequence[Visual]]) -> tuple[dict[str, Any], ...]:
    """The blocks an answer carries for its runs (oldest first): charts, then one table."""
    tables = [v for run in runs for v in run if v.kind == "table" and v.fits]
    charts = [v for run in runs for v in run if v.kind == "chart" and v.fits][:MAX_CHARTS]
    blocks = [{**v.block, "block_id": f"chart-{i}"} for i, v in enumerate(charts, 1)]
    if tables:
        blocks.append({**tables[-1].block, "block_id": "table"})
    return tuple(blocks)


def report(visuals: Sequence[Visual]) -> list[str]:
    """What the model reads about them, so it neither repeats a shown table nor promises one."""
    lines = []
    for v in visuals:
        if v.fits:
            lines.append(
                f"Shown natively under your answer as a Slack {v.kind}: {v.name} "
                "(do not repeat its rows in your text; one table per answer, the latest run's)"
                if v.kind == "table"
                else f"Shown natively under your answer as a Slack chart: {v.name}"
            )
        else:
            lines.append(f"Not shown natively (posted as a file only): {v.name}: {v.reason}")
    return lines
