"""XLSX workbooks the platform writes (XlsxWriter), safe to open in a spreadsheet program.

Text is always written as text (``write_string``), so a cell that starts with ``=`` is never a
formula; numbers are numbers with a display format, so the spreadsheet can compute with them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import xlsxwriter

Cell = str | int | float | None


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row and rows; ``number_format`` for the floats (Excel's codes),
    ``notes`` lines written below the table (e.g. the source)."""

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    number_format: str = "0.0"
    notes: Sequence[str] = field(default_factory=tuple)


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook with ``sheets``, as the bytes of an .xlsx file.

    >>> data = workbook_bytes([Sheet("Tabelle", ["Name", "Anteil"], [["=A1", 12.5], [None, 3]])])
    >>> data[:2]
    b'PK'
    """
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    for sheet in sheets:
        number = book.add_format({"num_format": sheet.number_format})
        ws = book.add_worksheet(_sheet_name(sheet.name))
        for col, title in enumerate(sheet.header):
            ws.write_string(0, col, str(title), bold)
            ws.set_column(col, col, max(10, min(40, len(str(title)) + 2)))
        for r, row in enumerate(sheet.rows, start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    ws.write_string(r, col, str(value))
                elif isinstance(value, int):
                    ws.write_number(r, col, value)
                elif isinstance(value, float):
                    ws.write_number(r, col, value, number)
                else:
                    ws.write_string(r, col, str(value))
        if sheet.header:
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(sheet.rows), 1), len(sheet.header) - 1)
        for i, line in enumerate(sheet.notes):
            ws.write_string(len(sheet.rows) + 2 + i, 0, line)
    book.close()
    return out.getvalue()


def _sheet_name(name: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in name).strip("'")
    return (cleaned or "Tabelle")[:31]
