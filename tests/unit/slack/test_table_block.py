"""A CSV becomes Slack's native table only when it fits the limits; otherwise it stays a file."""

from __future__ import annotations

import pytest

from assistant.slack.table_block import (
    EMPTY_CELL,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TABLE_CHARS,
    fit_table,
    table_block,
)


def csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode()


def texts(block: dict) -> list[list[str]]:
    return [[cell["text"] for cell in row] for row in block["rows"]]


def test_a_small_csv_is_a_table_with_its_header_first_and_numbers_right_aligned():
    fit = fit_table(b"region,total,note\nnorth,1 200.5,ok\nsouth,-3,\n")

    assert fit.fits and fit.reason == ""
    assert fit.block["type"] == "table"
    assert texts(fit.block) == [
        ["region", "total", "note"],
        ["north", "1 200.5", "ok"],
        ["south", "-3", EMPTY_CELL],  # a raw_text cell cannot be empty
    ]
    assert all(cell["type"] == "raw_text" for row in fit.block["rows"] for cell in row)
    assert fit.block["column_settings"] == [
        {"align": "left"},
        {"align": "right"},
        {"align": "left"},
    ]


def test_exactly_at_the_row_and_column_limits_is_a_table():
    rows = [[f"c{c}" for c in range(MAX_COLUMNS)] for _ in range(MAX_ROWS)]

    fit = table_block(rows)

    assert fit.fits
    assert len(fit.block["rows"]) == MAX_ROWS
    assert {len(row) for row in fit.block["rows"]} == {MAX_COLUMNS}


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([["h"]] * (MAX_ROWS + 1), "it has 101 rows (a Slack table holds at most 100)"),
        ([["h"] * (MAX_COLUMNS + 1)] * 2, "it has 21 columns (a Slack table holds at most 20)"),
        ([["h"], ["x" * (MAX_CELL_CHARS + 1)]], "a cell has 501 characters (at most 500)"),
        ([["only a header"]], "it has no rows under its header"),
    ],
)
def test_one_over_any_limit_is_no_table_and_says_why(rows, reason):
    fit = table_block(rows)

    assert not fit.fits and fit.block == {}
    assert fit.reason == reason


def test_the_whole_tables_characters_are_capped_at_the_limit_not_before():
    cell = "x" * (MAX_CELL_CHARS)
    count = MAX_TABLE_CHARS // MAX_CELL_CHARS  # 12 cells of 500: exactly the limit
    rows = [["y" * MAX_CELL_CHARS]] + [[cell]] * (count - 1)

    assert table_block(rows).fits
    over = table_block([*rows, ["z"]])
    assert not over.fits and "6,001 characters" in over.reason


def test_a_cell_at_the_cell_limit_fits():
    assert table_block([["h"], ["x" * MAX_CELL_CHARS]]).fits


def test_ragged_rows_are_padded_and_text_columns_stay_left_aligned():
    fit = fit_table(b"a,b\n1\n2,x\n")

    assert texts(fit.block) == [["a", "b"], ["1", EMPTY_CELL], ["2", "x"]]
    assert fit.block["column_settings"] == [{"align": "right"}, {"align": "left"}]


def test_what_is_not_a_utf8_csv_stays_a_file():
    fit = fit_table(b"\xff\xfe\x00a")

    assert not fit.fits and fit.reason.startswith("it is not a UTF-8 CSV")
