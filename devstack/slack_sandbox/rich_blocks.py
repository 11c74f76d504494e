"""Slack's checks on the AI-answer blocks: `context_actions` (feedback buttons), `table` and
`data_visualization`, as pure functions raising `invalid_blocks` like Slack.

Sources: docs.slack.dev/reference/block-kit/blocks/context-actions-block,
…/block-elements/feedback-buttons-element, …/blocks/table-block and
…/blocks/data-visualization-block. Unknown fields are refused, as Slack's schema does. Where
the pages say nothing (a table cell's length, several tables in one message), the sandbox
follows what Slack was seen doing and what our own choices assume: one table per message, a
raw_text cell of at least one character.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .api_error import ApiError

__all__ = ["RICH_BLOCK_CHECKS", "check_one_table"]

MAX_CONTEXT_ACTIONS = 5
MAX_ACTION_ID = 255
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2_000
MAX_ACCESSIBILITY_LABEL = 75
MAX_TABLE_ROWS = 100
MAX_TABLE_CELLS = 20
MAX_CHART_TITLE = 50
MAX_SERIES = 6
MAX_SERIES_NAME = 20
MAX_POINTS = 20
MAX_LABEL = 20
MAX_AXIS_LABEL = 50
MAX_SEGMENTS = 6


def invalid(problem: str, pointer: str) -> ApiError:
    return ApiError("invalid_blocks", messages=[f"[ERROR] {problem} [json-pointer:{pointer}]"])


def _fields(obj: object, pointer: str, *, required: tuple[str, ...], optional: tuple[str, ...]):
    if not isinstance(obj, dict):
        raise invalid("must be an object", pointer)
    for name in required:
        if name not in obj:
            raise invalid(f"missing required field: {name}", pointer)
    for name in obj:
        if name not in required and name not in optional:
            raise invalid(f"unsupported field: {name}", f"{pointer}/{name}")
    return obj


def _string(value: object, pointer: str, limit: int, *, minimum: int = 1) -> str:
    if not isinstance(value, str):
        raise invalid("must be a string", pointer)
    if len(value) < minimum:
        raise invalid(f"must be at least {minimum} characters", pointer)
    if len(value) > limit:
        raise invalid(f"must be less than {limit + 1} characters", pointer)
    return value


def _array(value: object, pointer: str, low: int, high: int) -> list:
    if not isinstance(value, list):
        raise invalid("must be an array", pointer)
    if not low <= len(value) <= high:
        raise invalid(f"must provide between {low} and {high} items", pointer)
    return value


def _plain_text(obj: object, pointer: str, limit: int) -> None:
    _fields(obj, pointer, required=("type", "text"), optional=("emoji",))
    assert isinstance(obj, dict)
    if obj["type"] != "plain_text":
        raise invalid("must be a plain_text object", f"{pointer}/type")
    _string(obj["text"], f"{pointer}/text", limit)


def _context_actions(block: dict, pointer: str) -> None:
    _fields(block, pointer, required=("type", "elements"), optional=("block_id",))
    elements = _array(block["elements"], f"{pointer}/elements", 1, MAX_CONTEXT_ACTIONS)
    for i, element in enumerate(elements):
        where = f"{pointer}/elements/{i}"
        kind = element.get("type") if isinstance(element, dict) else None
        if kind == "feedback_buttons":
            _fields(element, where, required=("type", "positive_button", "negative_button"),
                    optional=("action_id",))  # fmt: skip
            if "action_id" in element:
                _string(element["action_id"], f"{where}/action_id", MAX_ACTION_ID)
            for half in ("positive_button", "negative_button"):
                button = _fields(element[half], f"{where}/{half}", required=("text", "value"),
                                 optional=("accessibility_label",))  # fmt: skip
                _plain_text(button["text"], f"{where}/{half}/text", MAX_BUTTON_TEXT)
                _string(button["value"], f"{where}/{half}/value", MAX_BUTTON_VALUE)
                if "accessibility_label" in button:
                    label = button["accessibility_label"]
                    _string(label, f"{where}/{half}/accessibility_label", MAX_ACCESSIBILITY_LABEL)
        elif kind == "icon_button":
            _fields(element, where, required=("type", "icon", "text"),
                    optional=("action_id", "value", "confirm", "accessibility_label",
                              "visible_to_user_ids"))  # fmt: skip
            _plain_text(element["text"], f"{where}/text", MAX_BUTTON_TEXT)
        else:
            raise invalid("must be a feedback_buttons or icon_button element", f"{where}/type")


def _table(block: dict, pointer: str) -> None:
    _fields(block, pointer, required=("type", "rows"), optional=("block_id", "column_settings"))
    rows = _array(block["rows"], f"{pointer}/rows", 1, MAX_TABLE_ROWS)
    for r, row in enumerate(rows):
        cells = _array(row, f"{pointer}/rows/{r}", 1, MAX_TABLE_CELLS)
        for c, cell in enumerate(cells):
            where = f"{pointer}/rows/{r}/{c}"
            kind = cell.get("type") if isinstance(cell, dict) else None
            if kind == "raw_text":
                _fields(cell, where, required=("type", "text"), optional=())
                _string(cell["text"], f"{where}/text", 10_000)
            elif kind == "rich_text":
                _fields(cell, where, required=("type", "elements"), optional=("block_id",))
            else:
                raise invalid("a table cell must be raw_text or rich_text", f"{where}/type")
    settings = block.get("column_settings", [])
    _array(settings, f"{pointer}/column_settings", 0, MAX_TABLE_CELLS)
    for i, setting in enumerate(settings):
        if setting is None:
            continue
        where = f"{pointer}/column_settings/{i}"
        _fields(setting, where, required=(), optional=("align", "is_wrapped"))
        if setting.get("align", "left") not in ("left", "center", "right"):
            raise invalid("must be one of left, center, right", f"{where}/align")
        if not isinstance(setting.get("is_wrapped", False), bool):
            raise invalid("must be a boolean", f"{where}/is_wrapped")


def _number(value: object, pointer: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid("must be a number", pointer)
    return float(value)


def _data_visualization(block: dict, pointer: str) -> None:
    _fields(block, pointer, required=("type", "title", "chart"), optional=("block_id",))
    _string(block["title"], f"{pointer}/title", MAX_CHART_TITLE)
    where = f"{pointer}/chart"
    chart = block["chart"]
    kind = chart.get("type") if isinstance(chart, dict) else None
    if kind == "pie":
        _fields(chart, where, required=("type", "segments"), optional=())
        segments = _array(chart["segments"], f"{where}/segments", 1, MAX_SEGMENTS)
        for i, segment in enumerate(segments):
            at = f"{where}/segments/{i}"
            _fields(segment, at, required=("label", "value"), optional=())
            _string(segment["label"], f"{at}/label", MAX_LABEL)
            if _number(segment["value"], f"{at}/value") <= 0:
                raise invalid("must be greater than 0", f"{at}/value")
        return
    if kind not in ("bar", "line", "area"):
        raise invalid("must be one of pie, bar, area, line", f"{where}/type")
    _fields(chart, where, required=("type", "series", "axis_config"), optional=())
    axis = _fields(chart["axis_config"], f"{where}/axis_config", required=("categories",),
                   optional=("x_label", "y_label"))  # fmt: skip
    categories = _array(axis["categories"], f"{where}/axis_config/categories", 1, MAX_POINTS)
    for i, category in enumerate(categories):
        _string(category, f"{where}/axis_config/categories/{i}", MAX_LABEL)
    for key in ("x_label", "y_label"):
        if key in axis:
            _string(axis[key], f"{where}/axis_config/{key}", MAX_AXIS_LABEL, minimum=0)
    series = _array(chart["series"], f"{where}/series", 1, MAX_SERIES)
    names = set()
    for s, item in enumerate(series):
        at = f"{where}/series/{s}"
        _fields(item, at, required=("name", "data"), optional=())
        names.add(_string(item["name"], f"{at}/name", MAX_SERIES_NAME))
        points = _array(item["data"], f"{at}/data", 1, MAX_POINTS)
        for p, point in enumerate(points):
            _fields(point, f"{at}/data/{p}", required=("label", "value"), optional=())
            if point["label"] not in categories:
                raise invalid("must be one of the axis categories", f"{at}/data/{p}/label")
            _number(point["value"], f"{at}/data/{p}/value")
    if len(names) != len(series):
        raise invalid("series names must be unique", f"{where}/series")


RICH_BLOCK_CHECKS: dict[str, Callable[[dict, str], None]] = {
    "context_actions": _context_actions,
    "table": _table,
    "data_visualization": _data_visualization,
}


def check_one_table(blocks: list) -> None:
    tables = [i for i, block in enumerate(blocks) if block.get("type") == "table"]
    if len(tables) > 1:
        raise invalid("only one table block is allowed per message", f"/blocks/{tables[1]}")
