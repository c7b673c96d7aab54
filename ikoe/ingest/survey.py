"""Reading and validating staff-survey files and personnel totals (``docs/surveys.md``).

:func:`read_survey` turns a CSV, XLSX or Parquet file into one canonical polars DataFrame, or
raises :class:`~ikoe.errors.ImportFailed` listing every problem (up to a limit, with the count of
the rest) with file, row and column. Nothing here stores anything.

Validation is vectorised: each column's *distinct* values are checked once in Python (a survey
column has a handful of them), and the verdicts are applied to all rows with polars expressions
and joins. No code loops over rows.

Row numbers are those a spreadsheet shows, the header being row 1 (blank lines count, a cell with
line breaks does not add rows): for CSV the record number in the file, for XLSX the sheet row,
for Parquet the record number + 1, as if the file had been exported with a header row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl
from django.utils.translation import gettext as _

from ikoe.errors import MAX_PROBLEMS, ImportFailed, ProblemList, excerpt
from ikoe.ingest.limits import (
    ImportLimits,
    check_header,
    check_shape,
    megabytes,
    too_many_columns,
)
from ikoe.ingest.mapping import (
    CLASSIFYING,
    HEADCOUNT,
    HEADCOUNT_COLUMN,
    ID_COLUMN,
    MIGRATION_BACKGROUND,
    ORGANISATION,
    RAW_ANSWERS,
    RESPONDENT_ID,
    SURVEY_COLUMNS,
    Column,
    SurveyMapping,
    column_title,
    quoted,
    resolve_header,
    value_key,
)
from ikoe.ingest.parquet import MAGIC as PARQUET_MAGIC
from ikoe.ingest.parquet import parquet_columns, read_parquet
from ikoe.ingest.survey_checks import Invalid, judge_for, message
from ikoe.ingest.text import (
    UTF8_BOM,
    decode_bytes,
    decode_prefix,
    detect_conventions,
    detect_encoding,
    read_bytes,
)
from ikoe.ingest.xlsx import check_workbook, first_row, read_first_sheet, read_header_row
from ikoe.labels import SURVEY_DEFINITION_LABELS
from ikoe.stats.definitions import REQUIRED_COLUMNS, Definition, derivable_definitions

Format = Literal["csv", "xlsx", "parquet"]

MAX_LISTED = 30  # headings a message lists at most
ROW = "__row"  # the row number a spreadsheet shows, carried through validation
YEAR_DTYPE = pl.Int16
HEADCOUNT_DTYPE = pl.Int64


@dataclass(frozen=True)
class SurveyDiagnostics:
    """What a data steward sees about an accepted file (never rows)."""

    file: str
    format: Format
    encoding: str | None  # CSV only: "utf-8-sig", "utf-8" or "cp1252"
    delimiter: str | None  # CSV only
    rows_read: int
    blank_rows_skipped: int
    rows_per_organisation: dict[str, int]
    answers_per_item: dict[str, int]  # canonical column -> rows with an answer
    columns_used: dict[str, str]  # the file's header -> canonical name
    columns_ignored: list[str]
    definitions: list[str]  # the definitions the columns allow (ikoe.stats.definitions.Definition)


@dataclass(frozen=True)
class SurveyFile:
    """A validated survey: canonical columns only, in canonical order.

    ``data`` has ``organisation`` (Enum of the hierarchy's codes), ``respondent_id`` (String,
    when the file has ids), the classifying columns (Enum; ``leadership`` Boolean), the raw
    answers (Boolean, years Int16) and ``migration_background`` (Boolean) — each only when the
    file has it. Null means no answer.
    """

    data: pl.DataFrame
    diagnostics: SurveyDiagnostics

    @property
    def has_respondent_id(self) -> bool:
        return RESPONDENT_ID in self.data.columns


def canonical_dtype(column: Column, organisation_codes: Collection[str]) -> pl.DataType:
    if column.kind == "organisation":
        return pl.Enum(sorted(set(organisation_codes)))
    if column.kind == "code":
        return pl.Enum(list(column.codes))
    if column.kind == "yes_no":
        return pl.Boolean()
    if column.kind == "year":
        return YEAR_DTYPE()
    if column.kind == "count":
        return HEADCOUNT_DTYPE()
    return pl.String()


# --------------------------------------------------------------------------------------------
# Public entry points


def read_survey(
    path: str | Path,
    *,
    organisation_codes: Collection[str],
    mapping: SurveyMapping | None = None,
    current_year: int,
    limit: int = MAX_PROBLEMS,
) -> SurveyFile:
    """Read and validate one survey file; raise :class:`ImportFailed` with every problem.

    ``organisation_codes``: the codes of the organisation hierarchy (a set, or a mapping whose
    keys are the codes). ``current_year``: immigration years after it are rejected.
    """
    problems = ProblemList(file=str(path), limit=limit)
    raw = _read_raw(Path(path), problems)
    allowed = {**SURVEY_COLUMNS, RESPONDENT_ID: ID_COLUMN}
    columns, ignored = _resolve_columns(raw, mapping, allowed, (HEADCOUNT,), problems)
    present = set(columns)
    if ORGANISATION not in present:
        _missing_column(raw, ORGANISATION, problems)
    definitions = [d.value for d in derivable_definitions(present)]
    if not definitions:
        _missing_answers(raw, present, problems)
    if raw.frame.height == 0:
        problems.add(
            "no_rows", _("The file has a header row but no data rows."), row=raw.header_row
        )

    checker = _Checker(raw, mapping, organisation_codes, current_year, no_answer=True)
    order = [name for name in (RESPONDENT_ID, *SURVEY_COLUMNS) if name in columns]
    parsed = checker.check([(allowed[name], columns[name]) for name in order])
    if RESPONDENT_ID in columns:
        checker.duplicates([columns[RESPONDENT_ID]], "duplicate_id", [parsed[RESPONDENT_ID]])
    checker.report(problems)
    problems.raise_if_any()

    data = pl.DataFrame(list(parsed.values()))
    answers = {
        name: int(series.count())
        for name, series in parsed.items()
        if name not in (ORGANISATION, RESPONDENT_ID)
    }
    per_org = data.group_by(ORGANISATION).len().sort(ORGANISATION)
    diagnostics = SurveyDiagnostics(
        file=raw.file,
        format=raw.format,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        rows_read=data.height,
        blank_rows_skipped=raw.blank_rows,
        rows_per_organisation={str(k): int(v) for k, v in per_org.iter_rows()},
        answers_per_item=answers,
        columns_used={raw.header[_index(pos)]: name for name, pos in columns.items()},
        columns_ignored=ignored,
        definitions=definitions,
    )
    return SurveyFile(data=data, diagnostics=diagnostics)


def read_totals(
    path: str | Path,
    organisation_codes: Collection[str],
    mapping: SurveyMapping | None = None,
    *,
    limit: int = MAX_PROBLEMS,
) -> pl.DataFrame:
    """Read personnel totals: ``organisation``, any classifying columns, ``headcount``.

    Every row needs every value; each combination may appear once; head counts are whole
    numbers of 0 or more.
    """
    problems = ProblemList(file=str(path), limit=limit)
    raw = _read_raw(Path(path), problems)
    allowed = {ORGANISATION: SURVEY_COLUMNS[ORGANISATION], **{c.name: c for c in CLASSIFYING}}
    allowed[HEADCOUNT] = HEADCOUNT_COLUMN
    not_classifying = tuple(c.name for c in RAW_ANSWERS) + (MIGRATION_BACKGROUND,)
    columns, _ignored = _resolve_columns(
        raw, mapping, allowed, (RESPONDENT_ID,), problems, not_classifying
    )
    for required in (ORGANISATION, HEADCOUNT):
        if required not in columns:
            _missing_column(raw, required, problems)
    if raw.frame.height == 0:
        problems.add(
            "no_rows", _("The file has a header row but no data rows."), row=raw.header_row
        )

    checker = _Checker(raw, mapping, organisation_codes, current_year=None, no_answer=False)
    parsed = checker.check(
        [(c, columns[n]) for n, c in allowed.items() if n in columns], required=True
    )
    keys = [n for n in parsed if n != HEADCOUNT]
    if keys:
        checker.duplicates([columns[n] for n in keys], "duplicate_total", [parsed[n] for n in keys])
    checker.report(problems)
    problems.raise_if_any()
    return pl.DataFrame(list(parsed.values()))


def read_header(path: str | Path) -> tuple[list[str], Format]:
    """The header cells of a survey or totals file and its detected format; no values.

    For a column-mapping step: the cells of the header row (stripped, ``""`` for a column
    without heading), in file order. Only the header is read (and, for an XLSX file, the
    workbook is checked against the limits first), so a file too large to import is refused
    here, before a page is built from it. Raises :class:`ImportFailed` when the file cannot be
    read as CSV, XLSX or Parquet at all, or goes beyond the limits.
    """
    name = str(path)
    data = read_bytes(path)
    if not data or data.isspace():
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    limits = ImportLimits.current()
    fmt: Format
    if data.startswith(PARQUET_MAGIC):
        header, row, fmt = parquet_columns(name, data, limits), 1, "parquet"
    elif data.startswith(b"PK\x03\x04"):
        check_workbook(data, name, limits)
        found = read_header_row(data, name)
        if found is None:  # a structure the header-only reading does not follow
            found = _normalise(_read_excel(name, data)).header
        if not any(found):
            raise ImportFailed.single("empty", _("The file is empty."), file=name)
        header, row, fmt = found, first_row(data), "xlsx"
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raw = _normalise(_read_excel(name, data))
        header, row, fmt = raw.header, raw.header_row, "xlsx"
    else:
        encoding = detect_encoding(data, name)
        header, row = _csv_header(name, lambda size: decode_prefix(data, encoding, size), limits)
        fmt = "csv"
    check_header(header, name, row, limits)
    return header, fmt


MAX_VALUES = 30  # distinct entries of one column that the upload's value step lists at most
_MAX_KEYED = 1000  # a column with more distinct entries is not a column of categories


@dataclass(frozen=True)
class ColumnValues:
    """The distinct entries of one column of a file, never its rows.

    ``values``: the first :data:`MAX_VALUES` distinct entries (stripped, one per spelling that
    :func:`~ikoe.ingest.mapping.value_key` tells apart, numbers in numeric order);
    ``more``: how many distinct entries there are besides them; ``filled``: rows with an entry.
    """

    values: tuple[str, ...]
    more: int
    filled: int


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts numbers in numeric order: "2" before "10", "Klasse 9" before "Klasse 10".

    >>> sorted(["10", "9", "Klasse 10", "Klasse 9", "b", "A"], key=_natural)
    ['9', '10', 'A', 'b', 'Klasse 9', 'Klasse 10']
    """
    parts = re.split(r"(\d+)", value_key(text))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


def distinct_values(
    path: str | Path, positions: Collection[int], *, limit: int = MAX_VALUES
) -> dict[int, ColumnValues]:
    """The distinct entries of the columns at ``positions`` (0 = first column), for the value
    step of the upload: which codes a file uses in a column of categories, so that a data
    steward can say what each stands for. Raises :class:`ImportFailed` when the file cannot be
    read. A column with more than 1,000 distinct entries lists none (``values`` is empty,
    ``more`` their number): it holds ids or free text, not categories.
    """
    problems = ProblemList(file=str(path))
    raw = _read_raw(Path(path), problems)
    problems.raise_if_any()
    found: dict[int, ColumnValues] = {}
    for index in positions:
        if not 0 <= index < len(raw.header):
            continue
        cells = raw.frame.get_column(_pos(index)).str.strip_chars()
        cells = cells.filter(cells.is_not_null() & (cells != ""))
        unique = cells.unique()
        if unique.len() > _MAX_KEYED:
            found[index] = ColumnValues((), unique.len(), cells.len())
            continue
        spellings: dict[str, str] = {}
        for text in sorted(unique.to_list(), key=_natural):
            spellings.setdefault(value_key(text), text)
        texts = list(spellings.values())
        found[index] = ColumnValues(tuple(texts[:limit]), max(len(texts) - limit, 0), cells.len())
    return found


HEADER_BYTES = 64 * 1024 * 1024  # a header row longer than this is refused
EXACT_HEADER_BYTES = 4 * 1024 * 1024  # too many columns: counted exactly in a header up to this
_LEADING_BLANK = re.compile(r"(?:[ \t]*\r?\n)*")


def _csv_header(
    name: str, prefix: Callable[[int], tuple[str, bool]], limits: ImportLimits
) -> tuple[list[str], int]:
    """The header record of a CSV file and its row, from as little of the text as it takes.

    ``prefix(size)`` gives the text of about the first ``size`` bytes and whether that is all.
    Leading blank lines are skipped as :func:`_read_csv` does.
    """
    size = 64 * 1024
    while True:
        text, whole = prefix(size)
        lead = _LEADING_BLANK.match(text)
        skipped = lead.group().count("\n") if lead else 0
        body = text[lead.end() :] if lead else text
        if body.strip():
            delimiter = detect_conventions(body[:65536]).delimiter
            stream = io.StringIO(body)
            record = next(csv.reader(stream, delimiter=delimiter), [])
            if whole or stream.tell() < len(body):
                return [cell.strip() for cell in record], skipped + 1
            if len(record) > limits.columns and size >= EXACT_HEADER_BYTES:
                raise too_many_columns(name, None, limits.columns, skipped + 1)
        elif whole:
            raise ImportFailed.single("empty", _("The file is empty."), file=name)
        if size >= HEADER_BYTES:
            raise ImportFailed.single(
                "header_too_long",
                _(
                    "The first row of the file is longer than %(size)s MB without ending; is the "
                    "file a CSV file with one row per line?"
                )
                % {"size": megabytes(HEADER_BYTES)},
                file=name,
                row=skipped + 1,
            )
        size *= 2


# --------------------------------------------------------------------------------------------
# Reading files into text columns


@dataclass
class _Raw:
    """A file as text: positional columns ``c0``, ``c1`` … (stripped, empty → null) and ROW."""

    file: str
    format: Format
    frame: pl.DataFrame
    header: list[str]
    header_row: int
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    blank_rows: int = 0


def _pos(index: int) -> str:
    return f"c{index}"


def _index(pos: str) -> int:
    return int(pos[1:])


def _read_raw(path: Path, problems: ProblemList) -> _Raw:
    name = str(path)
    data = read_bytes(path)
    if not data or data.isspace():
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    limits = ImportLimits.current()
    if data.startswith(PARQUET_MAGIC):
        raw = _read_parquet(name, data, problems, limits)
    elif data.startswith(b"PK\x03\x04"):
        check_workbook(data, name, limits)
        raw = _read_excel(name, data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raw = _read_excel(name, data)
    else:
        raw = _read_csv(name, data, problems, limits)
    raw = _normalise(raw)
    check_header(raw.header, name, raw.header_row, limits)
    return raw


def _read_csv(name: str, data: bytes, problems: ProblemList, limits: ImportLimits) -> _Raw:
    decoded = decode_bytes(data, name)
    text = decoded.text
    lead = _LEADING_BLANK.match(text)
    skipped = lead.group().count("\n") if lead else 0
    body = text[lead.end() :] if lead else text
    if not body or body.isspace():
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    # A file too wide for a survey is refused before it is parsed.
    header, header_row = _csv_header(name, lambda size: (text[:size], size >= len(text)), limits)
    check_header(header, name, header_row, limits)
    conventions = detect_conventions(body[:65536])
    if decoded.encoding == "cp1252":
        encoded = body.encode("utf-8")
    else:  # the bytes are UTF-8 already; leading blank lines are ASCII
        start = len(UTF8_BOM) if decoded.encoding == "utf-8-sig" else 0
        encoded = data[start + (lead.end() if lead else 0) :]
    options: dict[str, Any] = {
        "separator": conventions.delimiter,
        "has_header": False,
        "infer_schema": False,
        "quote_char": '"',
    }
    try:
        frame = pl.read_csv(io.BytesIO(encoded), **options)
    except pl.exceptions.PolarsError as exc:
        if not _ragged_rows(body, conventions.delimiter, skipped, problems):
            raise ImportFailed.single(
                "csv",
                _("The file is not valid CSV: %(reason)s")
                % {"reason": excerpt(str(exc).split("\n")[0], 200)},
                file=name,
            ) from exc
        problems.raise_if_any()  # rows with extra non-empty fields
        frame = pl.read_csv(io.BytesIO(encoded), truncate_ragged_lines=True, **options)
    check_shape(name, frame.height, frame.width, limits)
    frame = frame.rename({c: _pos(i) for i, c in enumerate(frame.columns)})
    frame = frame.with_row_index(ROW, offset=skipped + 1).with_columns(pl.col(ROW).cast(pl.Int64))
    return _Raw(
        file=name,
        format="csv",
        frame=frame,
        header=[],
        header_row=skipped + 1,
        encoding=decoded.encoding,
        delimiter=conventions.delimiter,
        decimal=conventions.decimal,
    )


def _ragged_rows(body: str, delimiter: str, skipped: int, problems: ProblemList) -> bool:
    """Report rows with more fields than the header (the slow path, for broken files only).

    Returns whether any row is longer than the header; trailing empty fields are no problem.
    """
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    width: int | None = None
    longer = False
    try:
        for number, record in enumerate(reader, start=skipped + 1):
            if width is None:
                width = len(record)
                continue
            if len(record) > width:
                longer = True
                if any(cell.strip() for cell in record[width:]):
                    problems.add(
                        "ragged",
                        _("The row has %(found)d fields, but the header row has only %(expected)d.")
                        % {"found": len(record), "expected": width},
                        row=number,
                    )
    except csv.Error:
        return False
    return longer


def _read_excel(name: str, data: bytes) -> _Raw:
    frame = read_first_sheet(data, name)
    if frame.height == 0:
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    check_shape(name, frame.height, frame.width, ImportLimits.current())
    first = first_row(data)
    frame = frame.select(pl.all().cast(pl.String))
    frame = frame.rename({c: _pos(i) for i, c in enumerate(frame.columns)})
    frame = frame.with_row_index(ROW, offset=first).with_columns(pl.col(ROW).cast(pl.Int64))
    return _Raw(file=name, format="xlsx", frame=frame, header=[], header_row=first)


def _read_parquet(name: str, data: bytes, problems: ProblemList, limits: ImportLimits) -> _Raw:
    frame = read_parquet(name, data, limits)
    header = list(frame.columns)
    usable = []
    for index, (column, dtype) in enumerate(frame.schema.items()):
        text = pl.col(column).cast(pl.String)
        if dtype.is_nested() or dtype in (pl.Binary, pl.Object):
            problems.add(
                "parquet_type",
                _(
                    "The column has the type %(type)s, which a survey cannot use; expected text, numbers or yes/no."
                )
                % {"type": dtype},
                row=1,
                column=column,
            )
            text = pl.lit(None, pl.String)
        usable.append(text.alias(_pos(index)))
    frame = (
        frame.select(usable).with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    )
    return _Raw(file=name, format="parquet", frame=frame, header=header, header_row=1)


def _normalise(raw: _Raw) -> _Raw:
    """Take the header (CSV, XLSX) and drop blank rows.

    Cells are not stripped here: each column's distinct values are, when they are judged.
    A blank row has no cell but, at most, spaces in its first (a line of spaces in a CSV file).
    """
    columns = [c for c in raw.frame.columns if c != ROW]
    frame = raw.frame
    if not raw.header:
        first = frame.row(0, named=True)
        raw.header = [(first[c] or "").strip() for c in columns]
        raw.header_row = int(first[ROW])
        frame = frame.slice(1)
    if columns:
        head = pl.col(columns[0])
        blank = head.is_null() | (head.str.strip_chars() == "")
        if len(columns) > 1:  # (all_horizontal of nothing is an error, not "true")
            blank &= pl.all_horizontal(pl.col(c).is_null() for c in columns[1:])
        before = frame.height
        frame = frame.filter(~blank)
        raw.blank_rows = before - frame.height
    raw.frame = frame
    return raw


# --------------------------------------------------------------------------------------------
# Headers


def _resolve_columns(
    raw: _Raw,
    mapping: SurveyMapping | None,
    allowed: dict[str, Column],
    quietly_ignored: tuple[str, ...],
    problems: ProblemList,
    rejected: tuple[str, ...] = (),
) -> tuple[dict[str, str], list[str]]:
    """canonical name -> positional column; and the headers that are ignored."""
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(raw.header):
        canonical = resolve_header(header, mapping) if header else None
        if canonical is None or canonical in quietly_ignored:
            if header or raw.frame.get_column(_pos(index)).null_count() < raw.frame.height:
                ignored.append(
                    header or _("(column %(letter)s without heading)") % {"letter": _letter(index)}
                )
            continue
        if canonical in rejected:
            problems.add(
                "not_classifying",
                _("This column cannot break down personnel totals; use only %(allowed)s.")
                % {
                    "allowed": quoted(
                        column_title(n) for n in allowed if n not in (ORGANISATION, HEADCOUNT)
                    )
                },
                row=raw.header_row,
                column=header,
            )
            continue
        if canonical not in allowed:
            ignored.append(header)
            continue
        if canonical in columns:
            problems.add(
                "duplicate_column",
                _(
                    "The columns “%(first)s” and “%(second)s” both stand for “%(name)s”; "
                    "keep one of them or correct the mapping file."
                )
                % {
                    "first": excerpt(raw.header[_index(columns[canonical])]),
                    "second": excerpt(header),
                    "name": column_title(canonical),
                },
                row=raw.header_row,
                column=header,
            )
            continue
        columns[canonical] = _pos(index)
    return columns, ignored


def _missing_column(raw: _Raw, name: str, problems: ProblemList) -> None:
    named = [h for h in raw.header if h]
    found = ", ".join(f"“{excerpt(h)}”" for h in named[:MAX_LISTED]) or _("none")
    if len(named) > MAX_LISTED:
        found += ", …"
    problems.add(
        "missing_column",
        _("The required column “%(name)s” is missing. Columns found: %(found)s.")
        % {"name": column_title(name), "found": found},
        row=raw.header_row,
        column=name,
    )


def _missing_answers(raw: _Raw, present: set[str], problems: ProblemList) -> None:
    """No definition of migration background can be derived: name the closest one's gaps."""
    gaps = {
        definition: [group for group in groups if not present.intersection(group)]
        for definition, groups in REQUIRED_COLUMNS.items()
        if definition != Definition.PRECOMPUTED
    }
    closest = min(gaps, key=lambda d: (len(gaps[d]), sum(len(g) for g in gaps[d])))
    missing = [
        quoted([column_title(group[0])])
        if len(group) == 1
        else _("one of %(columns)s")
        % {"columns": _(" or ").join(quoted([column_title(c)]) for c in group)}
        for group in gaps[closest]
    ]
    problems.add(
        "missing_answers",
        _(
            "The file needs either a column with the migration background already derived or "
            "the raw answers of at least one definition of migration background. Closest is "
            "the definition “%(definition)s”; for it, add: %(missing)s."
        )
        % {
            "definition": SURVEY_DEFINITION_LABELS.get(closest.value, closest.label),
            "missing": ", ".join(missing),
        },
        row=raw.header_row,
    )


def _letter(index: int) -> str:
    """Spreadsheet column letters: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --------------------------------------------------------------------------------------------
# Values


_PROBLEM_SCHEMA = {
    ROW: pl.Int64,
    "position": pl.Int64,
    "value": pl.String,
    "code": pl.String,
    "detail": pl.String,
}


@dataclass
class _Checker:
    """Validates columns of one file and collects the bad rows as a frame per check.

    What a single cell may hold, and the messages for those that may not, are in
    :mod:`ikoe.ingest.survey_checks`; here the verdicts are applied to whole columns.
    """

    raw: _Raw
    mapping: SurveyMapping | None
    organisation_codes: Collection[str]
    current_year: int | None
    no_answer: bool  # whether a value may be left out (surveys) or not (personnel totals)
    found: list[pl.DataFrame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.codes = frozenset(self.organisation_codes)

    def check(
        self, specs: list[tuple[Column, str]], *, required: bool = False
    ) -> dict[str, pl.Series]:
        """Parse the given (column, position) pairs; record every bad cell.

        The distinct texts of all columns are fetched in one pass and judged once each; each
        column is then translated through a lookup table indexed by the text's position among
        the distinct texts (an Enum cast), all columns in one parallel ``select``.
        """
        frame = self.raw.frame
        judged = [(column, pos) for column, pos in specs if column.kind != "id"]
        distinct = (
            frame.select(pl.col(pos).unique().implode() for _column, pos in judged).row(0)
            if judged
            else ()
        )
        exprs = [
            self._parse(column, pos, values, required)
            for (column, pos), values in zip(judged, distinct, strict=True)
        ]
        for column, pos in specs:
            if column.kind == "id":
                exprs.append(pl.col(pos).str.strip_chars().replace("", None).alias(column.name))
        parsed = frame.select(exprs) if exprs else pl.DataFrame()
        return {column.name: parsed.get_column(column.name) for column, _pos in specs}

    def _parse(self, column: Column, pos: str, values: list[str | None], required: bool) -> pl.Expr:
        """Judge the distinct ``values`` of one column, record its invalid and missing cells,
        and return the expression that gives its canonical values."""
        frame = self.raw.frame
        texts = [v for v in values if v is not None]
        dtype = canonical_dtype(column, self.codes)
        judge = judge_for(
            column,
            self.mapping,
            self.codes,
            no_answer=self.no_answer,
            current_year=self.current_year,
            decimal=self.raw.decimal,
        )
        lookup: list[Any] = []
        invalid: dict[str, tuple[str, str]] = {}
        absent: list[str] = []  # texts that mean "no value"
        for value in texts:
            verdict = judge(value)
            if isinstance(verdict, Invalid):
                invalid[value] = (verdict.code, verdict.detail)
                verdict = None
            elif verdict is None:
                absent.append(value)
            lookup.append(verdict)
        if invalid:
            self._add_invalid(pos, invalid)
        if (column.kind == "organisation" or required) and (
            absent or frame.get_column(pos).has_nulls()
        ):
            self._add_missing(column, pos, absent)
        if not texts:
            return pl.lit(None, dtype).alias(column.name)
        table = pl.Series(column.name, lookup, dtype=dtype)
        return (
            pl.lit(table).gather(pl.col(pos).cast(pl.Enum(texts)).to_physical()).alias(column.name)
        )

    def _add_invalid(self, pos: str, invalid: dict[str, tuple[str, str]]) -> None:
        """The rows of column ``pos`` holding one of the ``invalid`` texts (text -> code, detail)."""
        bad = pl.DataFrame(
            {
                "value": list(invalid),
                "code": [c for c, _d in invalid.values()],
                "detail": [d for _c, d in invalid.values()],
            },
            schema={"value": pl.String, "code": pl.String, "detail": pl.String},
        )
        frame = self.raw.frame
        self._add(frame.select(ROW, pl.col(pos).alias("value")).join(bad, on="value"), pos)

    def _add_missing(self, column: Column, pos: str, absent: list[str]) -> None:
        """The rows of column ``pos`` without a value (empty, or a text meaning none)."""
        missing = pl.col(pos).is_null() | pl.col(pos).is_in(absent)
        code = "missing_organisation" if column.kind == "organisation" else "missing_value"
        rows = self.raw.frame.filter(missing).select(
            ROW,
            pl.col(pos).alias("value"),
            pl.lit(code).alias("code"),
            pl.lit("").alias("detail"),
        )
        self._add(rows, pos)

    def duplicates(self, positions: list[str], code: str, keys: list[pl.Series]) -> None:
        """Rows whose key (an id, or a combination of values) appeared in an earlier row."""
        frame = pl.DataFrame([self.raw.frame.get_column(ROW), *(k.cast(pl.String) for k in keys)])
        names = [k.name for k in keys]
        complete = pl.all_horizontal(pl.col(n).is_not_null() for n in names)
        key = pl.col(names[0]) if len(names) == 1 else pl.struct(names)
        repeated = frame.filter(complete & key.is_duplicated())
        keyed = repeated.with_columns(first=pl.col(ROW).min().over(names))
        rows = keyed.filter(pl.col(ROW) != pl.col("first")).select(
            ROW,
            pl.concat_str([pl.col(n) for n in names], separator=" / ").alias("value"),
            pl.lit(code).alias("code"),
            pl.col("first").cast(pl.String).alias("detail"),
        )
        self._add(rows, positions[0])

    def _add(self, rows: pl.DataFrame, pos: str) -> None:
        if rows.height:
            self.found.append(
                rows.with_columns(pl.lit(_index(pos), pl.Int64).alias("position")).select(
                    pl.col(name).cast(dtype) for name, dtype in _PROBLEM_SCHEMA.items()
                )
            )

    def report(self, problems: ProblemList) -> None:
        """Add the bad rows in file order; only the first ones are turned into messages."""
        if not self.found:
            return
        everything = pl.concat(self.found).sort(ROW, "position", "code")
        room = max(problems.limit - len(problems.problems), 0)
        for row, position, value, code, detail in everything.head(room).iter_rows():
            header = self.raw.header[position]
            problems.add(code, message(code, value, detail), row=row, column=header)
        problems.more += everything.height - min(room, everything.height)
