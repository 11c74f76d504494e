"""A simple chart spec as Slack's native `data_visualization` block, when it fits (pure).

The spec is ours (docs/native-results.md), small enough for the model to write next to its PNG
as `<name>.chart.json`:

    {"type": "bar", "title": "Sales by region", "categories": ["north", "south"],
     "series": [{"name": "q2", "values": [14, 9]}], "x_label": "Region", "y_label": "EUR"}

`type` is bar, line, area or pie (a pie has one series: one slice per category). The limits
are Slack's (docs.slack.dev/reference/block-kit/blocks/data-visualization-block): a title of
1-50 characters, 1-6 series with distinct names of at most 20 characters, 1-20 data points per
series whose labels are the axis categories (at most 20 characters each), axis labels of at
most 50 characters, 1-6 pie segments with values above zero. A spec over any of them is not
cut down: the chart stays a PNG only, and `fit_chart` says why.

    >>> spec = {"type": "pie", "title": "Share", "categories": ["a", "b"],
    ...         "series": [{"name": "share", "values": [3, 1]}]}
    >>> fit_chart(spec).block["chart"]
    {'type': 'pie', 'segments': [{'label': 'a', 'value': 3}, {'label': 'b', 'value': 1}]}
    >>> fit_chart({**spec, "title": "x" * 51}).reason
    'the title has 51 characters (at most 50)'
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["CHART_SUFFIX", "CHART_TYPES", "ChartFit", "fit_chart", "fit_chart_file"]

CHART_SUFFIX = ".chart.json"
CHART_TYPES = ("bar", "line", "area", "pie")
MAX_TITLE = 50
MAX_AXIS_LABEL = 50
MAX_SERIES = 6
MAX_SERIES_NAME = 20
MAX_POINTS = 20  # data points per series
MAX_CATEGORY = 20  # characters of a category (data point label)
MAX_SEGMENTS = 6
MAX_SPEC_BYTES = 50_000


@dataclasses.dataclass(frozen=True)
class ChartFit:
    """The block when the chart fits (empty otherwise) and, when it does not, why."""

    block: dict[str, Any] = dataclasses.field(default_factory=dict)
    reason: str = ""

    @property
    def fits(self) -> bool:
        return bool(self.block)


class _Misfit(ValueError):
    pass


def fit_chart_file(data: bytes) -> ChartFit:
    if len(data) > MAX_SPEC_BYTES:
        return ChartFit(reason=f"it is larger than {MAX_SPEC_BYTES:,} bytes")
    try:
        spec = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return ChartFit(reason="it is not JSON")
    return fit_chart(spec)


def fit_chart(spec: object) -> ChartFit:
    try:
        return ChartFit(block=_block(spec))
    except _Misfit as misfit:
        return ChartFit(reason=str(misfit))


def _block(spec: object) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise _Misfit("the spec is not a JSON object")
    kind = spec.get("type")
    if kind not in CHART_TYPES:
        raise _Misfit(f"its type is {kind!r} (bar, line, area or pie)")
    title = _text(spec.get("title"), "the title", MAX_TITLE)
    categories = spec.get("categories")
    if not isinstance(categories, list) or not categories:
        raise _Misfit("it needs a non-empty list of categories")
    labels = [_text(c, "a category", MAX_CATEGORY) for c in categories]
    if len(set(labels)) != len(labels):
        raise _Misfit("its categories are not distinct")
    series = spec.get("series")
    if not isinstance(series, list) or not series:
        raise _Misfit("it needs a non-empty list of series")
    if len(series) > MAX_SERIES:
        raise _Misfit(f"it has {len(series)} series (at most {MAX_SERIES})")
    named = [_series(item, len(labels)) for item in series]
    if len({name for name, _ in named}) != len(named):
        raise _Misfit("its series names are not distinct")
    if kind == "pie":
        return {"type": "data_visualization", "title": title, "chart": _pie(labels, named)}
    if len(labels) > MAX_POINTS:
        raise _Misfit(f"it has {len(labels)} categories (at most {MAX_POINTS} points a series)")
    axis: dict[str, Any] = {"categories": labels}
    for key in ("x_label", "y_label"):
        if spec.get(key) not in (None, ""):
            axis[key] = _text(spec[key], f"the {key}", MAX_AXIS_LABEL)
    chart = {
        "type": kind,
        "series": [
            {
                "name": name,
                "data": [{"label": c, "value": v} for c, v in zip(labels, values, strict=True)],
            }
            for name, values in named
        ],
        "axis_config": axis,
    }
    return {"type": "data_visualization", "title": title, "chart": chart}


def _pie(labels: list[str], named: list[tuple[str, list[float | int]]]) -> dict[str, Any]:
    if len(named) != 1:
        raise _Misfit("a pie has exactly one series")
    if len(labels) > MAX_SEGMENTS:
        raise _Misfit(f"the pie has {len(labels)} slices (at most {MAX_SEGMENTS})")
    [(_, values)] = named
    if any(value <= 0 for value in values):
        raise _Misfit("a pie slice's value must be above zero")
    return {
        "type": "pie",
        "segments": [{"label": c, "value": v} for c, v in zip(labels, values, strict=True)],
    }


def _series(item: object, points: int) -> tuple[str, list[float | int]]:
    if not isinstance(item, Mapping):
        raise _Misfit("a series is not an object with a name and values")
    name = _text(item.get("name"), "a series name", MAX_SERIES_NAME)
    values = item.get("values")
    if not isinstance(values, list) or len(values) != points:
        raise _Misfit(f"series {name!r} needs one value per category ({points})")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Misfit(f"series {name!r} has a value that is not a number")
        if not math.isfinite(value):
            raise _Misfit(f"series {name!r} has a value that is not finite")
    return name, values


def _text(value: object, what: str, limit: int) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # a year as a category, say
    if not isinstance(value, str) or not value.strip():
        raise _Misfit(f"{what} is missing or not text")
    value = value.strip()
    if len(value) > limit:
        raise _Misfit(f"{what} has {len(value)} characters (at most {limit})")
    return value
