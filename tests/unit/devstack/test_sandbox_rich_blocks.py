"""The local Slack refuses context_actions / table / data_visualization blocks as Slack does, and
accepts exactly what our block builders make, at their limits."""

from __future__ import annotations

import copy

import pytest

from assistant.feedback.buttons import feedback_block
from assistant.slack.chart_block import fit_chart
from assistant.slack.table_block import MAX_COLUMNS, MAX_ROWS, table_block
from devstack.slack_sandbox.api_error import ApiError
from devstack.slack_sandbox.validation import check_blocks

FEEDBACK = feedback_block(event_id="Ev1", model="gpt-4o-mini")
TABLE = table_block([["h"] * MAX_COLUMNS] * MAX_ROWS).block
BAR = fit_chart(
    {
        "type": "bar",
        "title": "t" * 50,
        "categories": [f"c{i}" for i in range(20)],
        "series": [{"name": f"s{s}", "values": list(range(20))} for s in range(6)],
        "x_label": "x",
        "y_label": "y",
    }
).block
PIE = fit_chart(
    {
        "type": "pie",
        "title": "Share",
        "categories": list("abcdef"),
        "series": [{"name": "n", "values": [1, 2, 3, 4, 5, 6]}],
    }
).block


def refused(blocks: list) -> str:
    with pytest.raises(ApiError) as raised:
        check_blocks(blocks)
    assert raised.value.error == "invalid_blocks"
    [message] = raised.value.messages
    return message


def test_what_our_builders_make_at_the_limits_is_accepted():
    blocks = [{"type": "markdown", "text": "answer"}, BAR, PIE, TABLE, FEEDBACK]

    assert check_blocks(blocks) == blocks


def changed(block: dict, change) -> dict:
    block = copy.deepcopy(block)
    change(block)
    return block


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            changed(FEEDBACK, lambda b: b["elements"][0].pop("negative_button")),
            "[ERROR] missing required field: negative_button [json-pointer:/blocks/0/elements/0]",
        ),
        (
            changed(FEEDBACK, lambda b: b["elements"][0]["positive_button"].update(style="x")),
            "[ERROR] unsupported field: style "
            "[json-pointer:/blocks/0/elements/0/positive_button/style]",
        ),
        (
            changed(FEEDBACK, lambda b: b.update(elements=b["elements"] * 6)),
            "[ERROR] must provide between 1 and 5 items [json-pointer:/blocks/0/elements]",
        ),
        (
            changed(
                FEEDBACK, lambda b: b["elements"][0]["positive_button"].update(value="v" * 2001)
            ),
            "[ERROR] must be less than 2001 characters "
            "[json-pointer:/blocks/0/elements/0/positive_button/value]",
        ),
        (
            changed(FEEDBACK, lambda b: b["elements"][0].update(type="button")),
            "[ERROR] must be a feedback_buttons or icon_button element "
            "[json-pointer:/blocks/0/elements/0/type]",
        ),
        (
            changed(TABLE, lambda b: b["rows"].append(b["rows"][0])),
            "[ERROR] must provide between 1 and 100 items [json-pointer:/blocks/0/rows]",
        ),
        (
            changed(TABLE, lambda b: b["rows"][0].append(b["rows"][0][0])),
            "[ERROR] must provide between 1 and 20 items [json-pointer:/blocks/0/rows/0]",
        ),
        (
            changed(TABLE, lambda b: b["rows"][1][0].update(text="")),
            "[ERROR] must be at least 1 characters [json-pointer:/blocks/0/rows/1/0/text]",
        ),
        (
            changed(TABLE, lambda b: b.update(caption="x")),
            "[ERROR] unsupported field: caption [json-pointer:/blocks/0/caption]",
        ),
        (
            changed(BAR, lambda b: b.update(title="t" * 51)),
            "[ERROR] must be less than 51 characters [json-pointer:/blocks/0/title]",
        ),
        (
            changed(BAR, lambda b: b["chart"]["series"].append(b["chart"]["series"][0])),
            "[ERROR] must provide between 1 and 6 items [json-pointer:/blocks/0/chart/series]",
        ),
        (
            changed(BAR, lambda b: b["chart"]["series"][0]["data"][0].update(label="nope")),
            "[ERROR] must be one of the axis categories "
            "[json-pointer:/blocks/0/chart/series/0/data/0/label]",
        ),
        (
            changed(BAR, lambda b: b["chart"].pop("axis_config")),
            "[ERROR] missing required field: axis_config [json-pointer:/blocks/0/chart]",
        ),
        (
            changed(PIE, lambda b: b["chart"]["segments"][0].update(value=0)),
            "[ERROR] must be greater than 0 [json-pointer:/blocks/0/chart/segments/0/value]",
        ),
        (
            changed(PIE, lambda b: b["chart"].update(type="donut")),
            "[ERROR] must be one of pie, bar, area, line [json-pointer:/blocks/0/chart/type]",
        ),
    ],
)
def test_what_slack_refuses_is_refused_with_the_field_named(block, message):
    assert refused([block]) == message


def test_a_second_table_in_one_message_is_refused():
    assert refused([TABLE, TABLE]) == (
        "[ERROR] only one table block is allowed per message [json-pointer:/blocks/1]"
    )
