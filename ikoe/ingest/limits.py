"""The limits of an imported file, and the messages when a file goes beyond them.

A staff survey has some hundred thousand rows at most (the platform is measured with five
million) and a few dozen, at most a few hundred columns. A file beyond the limits is refused
*before* it is read in full, with a message that names the limit: a file with 10,000 columns or a
workbook that unpacks to gigabytes never reaches the parser. The limits are settings
(``IKOE_IMPORT_MAX_*``, ``docs/operations.md``); :meth:`ImportLimits.current` reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, Problem
from ikoe.formats import fmt

MAX_HEADING_LENGTH = 1000  # characters of one heading; a longer first-row cell is not a heading


@dataclass(frozen=True)
class ImportLimits:
    columns: int  # columns of a survey file or of personnel totals
    rows: int  # rows, the header row included
    cells: int  # rows × columns of a CSV or Parquet file
    xlsx_cells: int  # rows × columns of the used range of an Excel sheet
    unpacked_bytes: int  # an XLSX file's parts unpacked; the text of a Parquet file's cells
    packing_ratio: float  # how many times smaller than unpacked a workbook part may be stored

    @classmethod
    def current(cls) -> ImportLimits:
        from django.conf import settings

        return cls(
            columns=settings.IMPORT_MAX_COLUMNS,
            rows=settings.IMPORT_MAX_ROWS,
            cells=settings.IMPORT_MAX_CELLS,
            xlsx_cells=settings.IMPORT_MAX_XLSX_CELLS,
            unpacked_bytes=int(settings.IMPORT_MAX_UNPACKED_MB * 1024 * 1024),
            packing_ratio=float(settings.IMPORT_MAX_PACKING_RATIO),
        )


def count(value: float) -> str:
    """A count with the active language's thousands separator."""
    return fmt(value, 0)


def megabytes(size: float) -> str:
    """Bytes as megabytes: whole ones from 10 MB on or when exact, else with one decimal."""
    mb = size / (1024 * 1024)
    return fmt(mb, 0 if mb >= 10 or mb == int(mb) else 1)


def _excel_hint() -> str:
    return _(
        "Excel counts rows and columns up to the last cell that holds anything, even a space or "
        "a format far below or to the right of the table: press Ctrl+End in Excel to see that "
        "cell, delete the rows and columns beyond the table and save again. Save large surveys "
        "as CSV or Parquet."
    )


def too_many_columns(
    file: str, found: int | None, limit: int, row: int | None = 1, *, excel: bool = False
) -> ImportFailed:
    """``found`` is ``None`` when reading stopped as soon as the limit was passed."""
    if found is None:
        message = _(
            "The file has more than %(limit)s columns; a survey file may have at most %(limit)s."
        )
    else:
        message = _("The file has %(found)s columns; a survey file may have at most %(limit)s.")
    message %= {"found": count(found or 0), "limit": count(limit)}
    hint = (
        _excel_hint()
        if excel
        else _(
            "Delete the columns the import does not need (such as free-text answers) and try again."
        )
    )
    return ImportFailed.single("too_many_columns", f"{message} {hint}", file=file, row=row)


def too_many_rows(file: str, found: int | None, limit: int, *, excel: bool = False) -> ImportFailed:
    if found is None:
        message = _(
            "The file has more than %(limit)s rows; a survey file may have at most %(limit)s."
        )
    else:
        message = _("The file has %(found)s rows; a survey file may have at most %(limit)s.")
    message %= {"found": count(found or 0), "limit": count(limit)}
    if excel:
        message += " " + _excel_hint()
    return ImportFailed.single("too_many_rows", message, file=file)


def too_many_cells(
    file: str, rows: int, columns: int, limit: int, *, excel: bool = False
) -> ImportFailed:
    message = _(
        "The file has %(rows)s rows and %(columns)s columns, %(cells)s cells in all; "
        "a survey file may have at most %(limit)s cells."
    ) % {
        "rows": count(rows),
        "columns": count(columns),
        "cells": count(rows * columns),
        "limit": count(limit),
    }
    if excel:
        message += " " + _excel_hint()
    return ImportFailed.single("too_many_cells", message, file=file)


def check_header(
    header: Sequence[str], file: str, row: int = 1, limits: ImportLimits | None = None
) -> None:
    """Refuse a header row with more columns than allowed, or with a "heading" that is a text."""
    limits = limits or ImportLimits.current()
    if len(header) > limits.columns:
        raise too_many_columns(file, len(header), limits.columns, row)
    long = [h for h in header if len(h) > MAX_HEADING_LENGTH]
    if long:
        raise ImportFailed(
            [
                Problem(
                    "heading_too_long",
                    _(
                        "The heading has %(length)s characters; a heading may have at most "
                        "%(limit)s. Is the first row with values really the header row?"
                    )
                    % {"length": count(len(h)), "limit": count(MAX_HEADING_LENGTH)},
                    file,
                    row,
                    h,
                )
                for h in long[:10]
            ],
            max(len(long) - 10, 0),
        )


def check_shape(file: str, rows: int, columns: int, limits: ImportLimits | None = None) -> None:
    """Refuse a CSV or Parquet file with too many rows or cells (rows include the header)."""
    limits = limits or ImportLimits.current()
    if columns > limits.columns:
        raise too_many_columns(file, columns, limits.columns)
    if rows > limits.rows:
        raise too_many_rows(file, rows, limits.rows)
    if rows * columns > limits.cells:
        raise too_many_cells(file, rows, columns, limits.cells)


def unpacked_too_large(file: str, size: int | None, limit: int, what: str) -> ImportFailed:
    """``what``: the kind of file, already translated (“Excel workbook”, “Parquet file”)."""
    if size is None:
        message = _(
            "Unpacked, the %(what)s would be larger than %(limit)s MB, the most a survey file "
            "may take."
        ) % {"what": what, "limit": megabytes(limit)}
    else:
        message = _(
            "Unpacked, the %(what)s would take %(size)s MB; a survey file may take at most "
            "%(limit)s MB."
        ) % {"what": what, "size": megabytes(size), "limit": megabytes(limit)}
    hint = _("Save only the survey's table, without other sheets, pictures or free texts.")
    return ImportFailed.single("unpacked_too_large", f"{message} {hint}", file=file)
