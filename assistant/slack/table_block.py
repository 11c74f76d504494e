"""A CSV's rows as Slack's native `table` block, when they fit its documented limits (pure).

Slack's table block (docs.slack.dev/reference/block-kit/blocks/table-block): at most 100 rows,
each at most 20 cells; cells are `raw_text` (or `rich_text`); one table per message. The first
row is shown as the header. Slack documents no per-cell or per-table character limit for this
block (its `data_table` sibling has one), so ours are our own, kept small enough that the
answer's Markdown and the table stay inside one message's block budget. A table over any limit
is not cut: it stays a file only, and `fit_table` says why.

    >>> fit = fit_table(b"region,total\\nnorth,14\\n")
    >>> fit.block["rows"][1]
    [{'type': 'raw_text', 'text': 'north'}, {'type': 'raw_text', 'text': '14'}]
    >>> fit.block["column_settings"]
    [{'align': 'left'}, {'align': 'right'}]
    >>> fit_table(b"a\\n" + b"1\\n" * 100).reason
    'it has 101 rows (a Slack table holds at most 100)'
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["EMPTY_CELL", "MAX_CELL_CHARS", "MAX_COLUMNS", "MAX_ROWS", "MAX_TABLE_CHARS",
           "TableFit", "fit_table", "table_block"]  # fmt: skip

MAX_ROWS = 100  # Slack's, the header row included
MAX_COLUMNS = 20  # Slack's, cells per row
MAX_CELL_CHARS = 500  # ours: Slack documents none for `table`
MAX_TABLE_CHARS = 6_000  # ours: the answer's Markdown (up to 12,000) shares the message
EMPTY_CELL = "–"  # a raw_text cell must have at least one character
MAX_CSV_BYTES = 200_000  # larger files are not read at all: they cannot fit
_NUMBER = re.compile(r"^[-+]?(\d[\d,_ ]*)?(\.\d+)?([eE][-+]?\d+)?%?$")


@dataclasses.dataclass(frozen=True)
class TableFit:
    """The block when the table fits (empty otherwise) and, when it does not, why."""

    block: dict[str, Any] = dataclasses.field(default_factory=dict)
    reason: str = ""

    @property
    def fits(self) -> bool:
        return bool(self.block)


def fit_table(data: bytes) -> TableFit:
    """A CSV file (UTF-8, comma separated, first row the header) as a table block, if it fits."""
    if len(data) > MAX_CSV_BYTES:
        return TableFit(reason=f"it is larger than {MAX_CSV_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    except (UnicodeDecodeError, csv.Error) as error:
        return TableFit(reason=f"it is not a UTF-8 CSV ({error})")
    return table_block(rows)


def table_block(rows: Sequence[Sequence[str]]) -> TableFit:
    """Rows of text (the first the header) as a table block, if they fit Slack's limits."""
    if len(rows) < 2:
        return TableFit(reason="it has no rows under its header")
    if len(rows) > MAX_ROWS:
        return TableFit(reason=f"it has {len(rows)} rows (a Slack table holds at most {MAX_ROWS})")
    width = max(len(row) for row in rows)
    if width > MAX_COLUMNS:
        return TableFit(
            reason=f"it has {width} columns (a Slack table holds at most {MAX_COLUMNS})"
        )
    cells = [[str(cell).strip() or EMPTY_CELL for cell in row] for row in rows]
    cells = [row + [EMPTY_CELL] * (width - len(row)) for row in cells]
    longest = max(len(cell) for row in cells for cell in row)
    if longest > MAX_CELL_CHARS:
        return TableFit(reason=f"a cell has {longest:,} characters (at most {MAX_CELL_CHARS})")
    total = sum(len(cell) for row in cells for cell in row)
    if total > MAX_TABLE_CHARS:
        return TableFit(
            reason=f"its cells hold {total:,} characters (at most {MAX_TABLE_CHARS:,} in all)"
        )
    numeric = [
        all(_NUMBER.match(row[column]) or row[column] == EMPTY_CELL for row in cells[1:])
        for column in range(width)
    ]
    block: dict[str, Any] = {
        "type": "table",
        "rows": [[{"type": "raw_text", "text": cell} for cell in row] for row in cells],
    }
    if any(numeric):
        # Numbers read best right-aligned, as in a spreadsheet.
        block["column_settings"] = [{"align": "right" if n else "left"} for n in numeric]
    return TableFit(block=block)
