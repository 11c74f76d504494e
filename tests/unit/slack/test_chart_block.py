"""A chart spec becomes Slack's native data_visualization block only within Slack's limits."""

from __future__ import annotations

import json

import pytest

from assistant.slack.chart_block import (
    MAX_AXIS_LABEL,
    MAX_CATEGORY,
    MAX_POINTS,
    MAX_SEGMENTS,
    MAX_SERIES,
    MAX_SERIES_NAME,
    MAX_TITLE,
    fit_chart,
    fit_chart_file,
)


def spec(kind: str = "bar", *, points: int = 3, series: int = 1, **extra) -> dict:
    categories = [f"c{i}" for i in range(points)]
    return {
        "type": kind,
        "title": "Sales by region",
        "categories": categories,
        "series": [
            {"name": f"s{s}", "values": [i + 1 for i in range(points)]} for s in range(series)
        ],
        **extra,
    }


def test_a_bar_spec_becomes_slacks_block_with_points_labelled_by_category():
    fit = fit_chart(spec(x_label="Region", y_label="EUR"))

    assert fit.fits
    assert fit.block == {
        "type": "data_visualization",
        "title": "Sales by region",
        "chart": {
            "type": "bar",
            "series": [
                {
                    "name": "s0",
                    "data": [
                        {"label": "c0", "value": 1},
                        {"label": "c1", "value": 2},
                        {"label": "c2", "value": 3},
                    ],
                }
            ],
            "axis_config": {
                "categories": ["c0", "c1", "c2"],
                "x_label": "Region",
                "y_label": "EUR",
            },
        },
    }


@pytest.mark.parametrize("kind", ["line", "area"])
def test_line_and_area_take_the_same_shape(kind):
    assert fit_chart(spec(kind)).block["chart"]["type"] == kind


def test_exactly_at_every_limit_is_a_chart():
    at_limit = spec(points=MAX_POINTS, series=MAX_SERIES, x_label="x" * MAX_AXIS_LABEL)
    at_limit["title"] = "t" * MAX_TITLE
    at_limit["categories"][0] = "c" * MAX_CATEGORY
    at_limit["series"][0]["name"] = "n" * MAX_SERIES_NAME

    assert fit_chart(at_limit).fits
    assert fit_chart(spec("pie", points=MAX_SEGMENTS)).fits


def longer(key: str, limit: int) -> dict:
    over = spec()
    if key == "category":
        over["categories"][0] = "c" * (limit + 1)
    elif key == "series name":
        over["series"][0]["name"] = "n" * (limit + 1)
    else:
        over[key] = "x" * (limit + 1)
    return over


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        (longer("title", MAX_TITLE), "the title has 51 characters (at most 50)"),
        (longer("x_label", MAX_AXIS_LABEL), "the x_label has 51 characters (at most 50)"),
        (longer("category", MAX_CATEGORY), "a category has 21 characters (at most 20)"),
        (longer("series name", MAX_SERIES_NAME), "a series name has 21 characters (at most 20)"),
        (spec(series=MAX_SERIES + 1), "it has 7 series (at most 6)"),
        (spec(points=MAX_POINTS + 1), "it has 21 categories (at most 20 points a series)"),
        (spec("pie", points=MAX_SEGMENTS + 1), "the pie has 7 slices (at most 6)"),
        (spec("pie", series=2), "a pie has exactly one series"),
        (spec("scatter"), "its type is 'scatter' (bar, line, area or pie)"),
    ],
)
def test_one_over_any_limit_is_no_chart_and_says_why(over, reason):
    fit = fit_chart(over)

    assert not fit.fits and fit.block == {}
    assert fit.reason == reason


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ([1, 2], "series 's0' needs one value per category (3)"),
        ([1, True, 3], "series 's0' has a value that is not a number"),
        ([1, "2", 3], "series 's0' has a value that is not a number"),
        ([1, float("nan"), 3], "series 's0' has a value that is not finite"),
    ],
)
def test_values_must_be_one_finite_number_per_category(values, reason):
    bad = spec()
    bad["series"][0]["values"] = values

    assert fit_chart(bad).reason == reason


def test_a_pie_needs_positive_slices_and_distinct_names():
    pie = spec("pie")
    pie["series"][0]["values"] = [1, 0, 2]
    assert fit_chart(pie).reason == "a pie slice's value must be above zero"
    twice = spec()
    twice["categories"] = ["a", "a", "b"]
    assert fit_chart(twice).reason == "its categories are not distinct"


def test_a_spec_file_that_is_not_json_stays_a_file():
    assert fit_chart_file(b"{nope").reason == "it is not JSON"
    assert fit_chart_file(json.dumps(spec()).encode()).fits
    assert fit_chart_file(b"[1]").reason == "the spec is not a JSON object"
