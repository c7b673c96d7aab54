"""Files of the registries of measures, training participation and funding programmes.

A CSV (encoding and ``;`` or ``,`` detected as everywhere, :mod:`ikoe.ingest.text`) or XLSX file
with one row per registry row. The columns of each registry are given by the caller as
:class:`Column` specifications: the column's name, the headings accepted for it (English and
German, compared as :func:`ikoe.ingest.text.header_key` folds them), whether it is required and
what kind of value it holds. Choices are passed in as plain data (spellings → code), so this
reader knows no app.

:func:`read_registry_file` checks the form of every cell and collects every problem with file,
row (the header is row 1, as a spreadsheet shows it) and column; what the rows mean against the
stored data (organisations, parents, scope) is checked by :mod:`ikoe.measures.io`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, ProblemList, excerpt
from ikoe.ingest.limits import ImportLimits, check_header, check_shape
from ikoe.ingest.text import decode_bytes, fold, header_key, parse_number, read_bytes, read_csv
from ikoe.ingest.xlsx import read_sheet_records
from ikoe.reports.csv import restore

TEXT = "text"
DATE = "date"
INTEGER = "integer"
DECIMAL = "decimal"
CHOICE = "choice"
EMAIL = "email"
URL = "url"

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_WHOLE = re.compile(r"^[+]?(\d+)(?:[.,]0+)?$")


@dataclass(frozen=True)
class Column:
    """One column of a registry file.

    ``headings`` are the accepted headings besides ``name`` itself; ``choices`` maps folded
    spellings (codes, English and German labels) to the stored code; ``minimum``/``maximum``
    bound integers and decimals; ``max_length`` bounds texts."""

    name: str
    kind: str = TEXT
    required: bool = False
    headings: Sequence[str] = ()
    max_length: int | None = None
    choices: Mapping[str, str] = field(default_factory=dict)
    expected: str = ""  # what a choice column expects, in words (e.g. the codes)
    minimum: int | None = None
    maximum: int | None = None
    max_digits: int | None = None  # decimals: digits in all
    decimal_places: int | None = None  # decimals: digits after the point


@dataclass(frozen=True)
class RegistryRow:
    """One row of the file: its row number and the values of the columns the file has
    (``None`` for an empty cell). ``ok`` is false when a cell of the row was refused."""

    row: int
    values: dict[str, Any]
    ok: bool = True


@dataclass
class RegistryFile:
    file: str
    header_row: int
    columns: list[str]  # the columns the file has, in the order of the specification
    rows: list[RegistryRow]
    problems: ProblemList

    @property
    def name(self) -> str:
        return Path(self.file).name


def choice_key(text: str) -> str:
    """How a choice's spelling is compared: folded, without spaces, dashes and underscores.

    >>> choice_key("In Progress") == choice_key("in_progress") == choice_key("in-progress")
    True
    """
    return re.sub(r"[\s_\-]", "", fold(text))


def parse_date(text: str) -> dt.date:
    """A day as YYYY-MM-DD or DD.MM.YYYY (an Excel date cell read as text ends in 00:00:00);
    ``ValueError`` otherwise.

    >>> parse_date("2026-03-31"), parse_date("1.4.2026"), parse_date("2026-03-31 00:00:00")
    (datetime.date(2026, 3, 31), datetime.date(2026, 4, 1), datetime.date(2026, 3, 31))
    """
    text = text.strip()
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _GERMAN_DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(text)
    return dt.date(year, month, day)


def parse_whole(text: str) -> int:
    """A whole number (an Excel cell may read ``50.0``); ``ValueError`` otherwise.

    >>> parse_whole("50"), parse_whole("50.0"), parse_whole("7,00")
    (50, 50, 7)
    """
    match = _WHOLE.match(text.strip())
    if match is None:
        raise ValueError(text)
    return int(match.group(1))


def parse_decimal(text: str, decimal: str, places: int | None = None) -> Decimal:
    """An amount written with the file's decimal mark (thousands separators allowed, a
    trailing ``€`` or ``EUR`` too); ``ValueError`` otherwise or with more than ``places``
    digits after the point.

    >>> parse_decimal("1.234,50 €", ","), parse_decimal("1234.5", ".")
    (Decimal('1234.50'), Decimal('1234.5'))
    """
    cleaned = re.sub(r"\s*(€|eur)$", "", text.strip(), flags=re.IGNORECASE)
    number = parse_number(cleaned, decimal)  # checks the form; the Decimal keeps the digits
    plain = cleaned.replace("\u00a0", "").replace(" ", "")
    plain = plain.replace(".", "").replace(",", ".") if decimal == "," else plain.replace(",", "")
    try:
        value = Decimal(plain)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or abs(float(value) - number) > 1e-6 * max(1.0, abs(number)):
        raise ValueError(text)
    exponent = value.as_tuple().exponent
    if places is not None and isinstance(exponent, int) and -exponent > places:
        raise ValueError(text)
    return value


def _read_rows(path: Path) -> tuple[str, int, list[str], list[tuple[int, list[str]]], str]:
    """The file's name, the header's row, the header, the non-blank rows with their numbers,
    and the decimal mark of the file (XLSX cells read as text use the point)."""
    name = str(path)
    data = read_bytes(path)
    if not data or data.isspace():
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    limits = ImportLimits.current()
    if data.startswith(b"PK\x03\x04"):
        header_row, header, rows = read_sheet_records(data, name, limits)
        return name, header_row, header, rows, "."
    table = read_csv(path, text=decode_bytes(data, name))
    check_header(table.header, name, 1, limits)
    check_shape(name, len(table.rows) + 1, len(table.header), limits)
    # A cell that looked like a formula was written with an apostrophe (ikoe.reports.csv).
    rows = [(number, [restore(c) for c in cells]) for number, cells in table.rows]
    return name, 1, table.header, rows, table.conventions.decimal


def read_registry_file(path: str | Path, columns: Sequence[Column]) -> RegistryFile:
    """The rows of the file with their values parsed (see the module). A file that cannot be
    read, lacks a required column, names a column twice or has no rows raises
    :class:`ImportFailed` at once; problems of single cells are collected in ``problems``."""
    name, header_row, header, raw_rows, decimal = _read_rows(Path(path))
    problems = ProblemList(file=name)
    by_heading: dict[str, Column] = {}
    for column in columns:
        for heading in (column.name, *column.headings):
            by_heading[header_key(heading)] = column
    index: dict[str, int] = {}
    for i, heading in enumerate(header):
        found = by_heading.get(header_key(heading))
        if found is None:
            if heading.strip():
                problems.add(
                    "unknown_column",
                    _("The column “%(column)s” is not known; expected the columns %(columns)s.")
                    % {"column": excerpt(heading), "columns": ", ".join(c.name for c in columns)},
                    row=header_row,
                    column=heading,
                )
            continue
        if found.name in index:
            problems.add(
                "duplicate_column",
                _("The column “%(column)s” appears twice.") % {"column": found.name},
                row=header_row,
                column=heading,
            )
        index[found.name] = i
    for column in columns:
        if column.required and column.name not in index:
            problems.add(
                "missing_column",
                _("The column “%(column)s” is missing; expected the columns %(columns)s.")
                % {"column": column.name, "columns": ", ".join(c.name for c in columns)},
                row=header_row,
                column=column.name,
            )
    problems.raise_if_any()
    if not raw_rows:
        raise ImportFailed.single(
            "no_rows", _("The file has a header but no rows."), file=name, row=header_row
        )
    present = [c for c in columns if c.name in index]
    rows: list[RegistryRow] = []
    for number, cells in raw_rows:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.add(
                "extra_fields",
                _("This row has %(found)d fields, the header %(expected)d.")
                % {"found": len(cells), "expected": len(header)},
                row=number,
            )
            rows.append(RegistryRow(number, {}, ok=False))
            continue
        values: dict[str, Any] = {}
        ok = True
        for column in present:
            i = index[column.name]
            text = cells[i].strip() if i < len(cells) else ""
            try:
                values[column.name] = _value(column, text, decimal)
            except _Refused as refused:
                problems.add(refused.code, refused.message, row=number, column=column.name)
                ok = False
        rows.append(RegistryRow(number, values, ok))
    return RegistryFile(name, header_row, [c.name for c in present], rows, problems)


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _value(column: Column, text: str, decimal: str) -> Any:
    """The value of one cell, or :class:`_Refused` with a message saying what was expected."""
    if not text:
        if column.required:
            raise _Refused(
                "missing_value",
                _("The cell is empty; expected %(expected)s.") % {"expected": _expected(column)},
            )
        return None
    value = excerpt(text)
    if column.kind == TEXT:
        if column.max_length is not None and len(text) > column.max_length:
            raise _Refused(
                "too_long",
                _("The text has %(length)d characters; expected at most %(max)d.")
                % {"length": len(text), "max": column.max_length},
            )
        return text
    if column.kind == DATE:
        try:
            return parse_date(text)
        except ValueError:
            raise _Refused(
                "date",
                _("“%(value)s” is not a date; expected YYYY-MM-DD or DD.MM.YYYY, e.g. 2026-03-31.")
                % {"value": value},
            ) from None
    if column.kind == INTEGER:
        try:
            number = parse_whole(text)
        except ValueError:
            number = None
        if number is None or not _within(column, number):
            raise _Refused(
                "number",
                _("“%(value)s” is not allowed; expected %(expected)s.")
                % {"value": value, "expected": _expected(column)},
            )
        return number
    if column.kind == DECIMAL:
        try:
            amount = parse_decimal(text, decimal, column.decimal_places)
        except ValueError:
            amount = None
        digits = len(amount.as_tuple().digits) if amount is not None else 0
        too_many = column.max_digits is not None and digits > column.max_digits
        if amount is None or too_many or not _within(column, amount):
            raise _Refused(
                "number",
                _("“%(value)s” is not allowed; expected %(expected)s.")
                % {"value": value, "expected": _expected(column)},
            )
        return amount
    if column.kind == CHOICE:
        code = column.choices.get(choice_key(text))
        if code is None:
            raise _Refused(
                "choice",
                _("“%(value)s” is not allowed; expected %(expected)s.")
                % {"value": value, "expected": _expected(column)},
            )
        return code
    if column.kind in (EMAIL, URL):
        validator = EmailValidator() if column.kind == EMAIL else URLValidator(["http", "https"])
        too_long = column.max_length is not None and len(text) > column.max_length
        try:
            validator(text)
        except ValidationError:
            too_long = True
        if too_long:
            raise _Refused(
                column.kind,
                _("“%(value)s” is not allowed; expected %(expected)s.")
                % {"value": value, "expected": _expected(column)},
            )
        return text
    raise ValueError(column.kind)  # pragma: no cover - the specifications name known kinds


def _within(column: Column, value: int | Decimal) -> bool:
    return (column.minimum is None or value >= column.minimum) and (
        column.maximum is None or value <= column.maximum
    )


def _expected(column: Column) -> str:
    """What a cell of ``column`` expects, in words."""
    if column.kind == DATE:
        return _("a date as YYYY-MM-DD or DD.MM.YYYY")
    if column.kind == INTEGER:
        if column.maximum is not None:
            return _("a whole number from %(min)d to %(max)d") % {
                "min": column.minimum or 0,
                "max": column.maximum,
            }
        return _("a whole number from %(min)d") % {"min": column.minimum or 0}
    if column.kind == DECIMAL:
        return _("an amount of at least 0 with at most %(places)d decimal places") % {
            "places": column.decimal_places or 0
        }
    if column.kind == CHOICE:
        return column.expected
    if column.kind == EMAIL:
        return _("an e-mail address such as %(example)s") % {"example": "referat@example.de"}
    if column.kind == URL:
        return _("a web address such as %(example)s") % {"example": "https://example.de/programm"}
    if column.max_length is not None:
        return _("a text of at most %(max)d characters") % {"max": column.max_length}
    return _("a text")
