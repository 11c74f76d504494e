"""Which of a run's files the answer shows natively, and what the model is told about them."""

from __future__ import annotations

import json

from assistant.executor.protocol import RunFile
from assistant.executor.visuals import MAX_CHARTS, answer_blocks, assess, is_visual, report

CHART = {"type": "line", "title": "Trend", "categories": ["a", "b"],
         "series": [{"name": "y", "values": [1, 2]}]}  # fmt: skip


def chart(name: str = "trend.chart.json", **changes) -> RunFile:
    return RunFile(name, json.dumps({**CHART, **changes}).encode())


def test_csvs_and_chart_specs_are_judged_and_other_files_ignored():
    big = b"n\n" + b"1\n" * 200
    found = assess(
        [
            RunFile("chart.png", b"\x89PNG"),
            RunFile("t.csv", b"a\n1\n"),
            RunFile("big.CSV", big),
            chart(),
        ]
    )

    assert [(v.name, v.kind, v.fits) for v in found] == [
        ("t.csv", "table", True),
        ("big.CSV", "table", False),
        ("trend.chart.json", "chart", True),
    ]
    assert report(found) == [
        "Shown natively under your answer as a Slack table: t.csv (do not repeat its rows in "
        "your text; one table per answer, the latest run's)",
        "Not shown natively (posted as a file only): big.CSV: it has 201 rows "
        "(a Slack table holds at most 100)",
        "Shown natively under your answer as a Slack chart: trend.chart.json",
    ]


def test_an_answer_carries_its_charts_then_the_latest_runs_table_only():
    first = assess([RunFile("a.csv", b"x\n1\n"), chart("one.chart.json")])
    second = assess([RunFile("b.csv", b"y\n2\n"), RunFile("c.csv", b"z\n3\n")])

    blocks = answer_blocks([first, second])

    assert [(b["type"], b["block_id"]) for b in blocks] == [
        ("data_visualization", "chart-1"),
        ("table", "table"),
    ]
    assert blocks[-1]["rows"][0][0]["text"] == "z"  # Slack takes one table per message


def test_charts_are_capped_and_nothing_fitting_means_no_blocks():
    many = assess([chart(f"c{i}.chart.json") for i in range(MAX_CHARTS + 2)])

    assert len(answer_blocks([many])) == MAX_CHARTS
    assert answer_blocks([assess([chart(title="t" * 51)])]) == ()
    assert answer_blocks([]) == ()


def test_only_csvs_and_chart_specs_small_enough_to_fit_are_read_back():
    assert is_visual("a.CSV", 10) and is_visual("x.chart.json")
    assert not is_visual("a.csv", 10_000_000)  # it cannot fit: not downloaded at all
    assert not is_visual("chart.png", 10)
