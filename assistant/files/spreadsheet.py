"""An Excel workbook as text the model can read: each sheet as CSV under its name (pure).

Runs where the other parsers run, in the files function's limited child process (a workbook
is a zip of XML: a small upload can expand a lot), so openpyxl is imported only here. Read-only
mode streams the rows; cells are the values Excel last calculated, not formulas.

    >>> import openpyxl
    >>> book = openpyxl.Workbook()
    >>> book.active.title = "2007"
    >>> book.active.append(["continent", "lifeExp"]); book.active.append(["Oceania", 80.7])
    >>> buffer = io.BytesIO(); book.save(buffer)
    >>> workbook_text(buffer.getvalue(), max_chars=1_000)
    ('## Sheet: 2007\\ncontinent,lifeExp\\nOceania,80.7\\n\\n', False)
"""

from __future__ import annotations

import csv
import io
import zipfile

__all__ = ["is_workbook", "workbook_text"]

SHEET_HEADING = "## Sheet: "
_MAX_COLUMNS = 200


def is_workbook(data: bytes) -> bool:
    """An Office Open XML workbook (.xlsx, .xlsm), by its content, whatever its name."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def workbook_text(data: bytes, *, max_chars: int) -> tuple[str, bool]:
    """(each sheet as CSV under a heading, whether it was cut at `max_chars`)."""
    import openpyxl  # the files function's child process only

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    try:
        for sheet in book.worksheets:
            out.write(f"{SHEET_HEADING}{sheet.title}\n")
            for row in sheet.iter_rows(values_only=True):
                cells = ["" if value is None else str(value) for value in row[:_MAX_COLUMNS]]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    writer.writerow(cells)
                if out.tell() > max_chars:
                    return out.getvalue()[:max_chars], True
            out.write("\n")
    finally:
        book.close()
    return out.getvalue(), False
