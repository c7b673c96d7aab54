"""IKÖ-Check assessments filled in elsewhere: one row per organisation and item.

A CSV (encoding and ``;`` or ``,`` detected as everywhere, :mod:`ikoe.ingest.text`), XLSX or
Parquet file with the columns

==================  =========================================================================
``organisation``    the code of the organisation in the hierarchy (``A-AGY``)
``item``            the id of an item of the questionnaire version named on import (``1.2``)
``level``           0 to 4, or not applicable: ``n/a``, ``n. z.``, ``nicht zutreffend``
``evidence``        optional: a text, or a web address (``https://…``) kept as a link
==================  =========================================================================

:func:`read_assessment_file` checks the form of each row; :func:`check_rows` checks the rows
against the questionnaire: known items, each at most once per organisation, every core item
answered, and a sector module's items all or none (the modules answered are those chosen). Both
collect every problem with file, row (the header is row 1, as a spreadsheet shows it) and
column; checks against the stored organisations are made by :mod:`ikoe.assessment.imports`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, ProblemList, excerpt
from ikoe.ingest.limits import ImportLimits, check_header, check_shape
from ikoe.ingest.parquet import MAGIC as PARQUET_MAGIC
from ikoe.ingest.parquet import read_parquet
from ikoe.ingest.parquet import unreadable as parquet_unreadable
from ikoe.ingest.text import decode_bytes, fold, header_key, read_bytes, read_csv
from ikoe.ingest.xlsx import read_sheet_records
from ikoe.stats.assessment import MAX_LEVEL

COLUMNS = ("organisation", "item", "level", "evidence")
REQUIRED = ("organisation", "item", "level")
HEADINGS = {
    "organisation": "organisation",
    "organization": "organisation",
    "item": "item",
    "level": "level",
    "stufe": "level",
    "evidence": "evidence",
    "nachweis": "evidence",
}
"""Headings as :func:`ikoe.ingest.text.header_key` folds them, and the column each names."""
NOT_APPLICABLE = frozenset({"n/a", "na", "nz", "nichtzutreffend", "notapplicable"})
"""Spellings of *not applicable* once lower-cased without spaces and dots (``n. z.`` → ``nz``)."""
EVIDENCE_TEXT_MAX = 4000  # ikoe.assessment.models.Answer.evidence_text
EVIDENCE_LINK_MAX = 500  # ikoe.assessment.models.Answer.evidence_link
_LEVEL = re.compile(r"^([0-9]+)(?:[.,]0+)?$")
_LINK = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class AssessmentRow:
    row: int
    organisation: str
    item: str
    level: int | None  # None: not applicable
    evidence_text: str = ""
    evidence_link: str = ""
    ok: bool = True  # False: a problem of the row's form was found (it counts as given)


@dataclass
class AssessmentFile:
    """The rows of a file whose form is right, and the problems found so far."""

    file: str
    rows: list[AssessmentRow]
    problems: ProblemList

    @property
    def name(self) -> str:
        return Path(self.file).name


@dataclass
class OrganisationAnswers:
    """The answers of one organisation in a file: its rows, and the sector modules they choose."""

    code: str
    first_row: int
    rows: list[AssessmentRow] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)


def not_applicable(text: str) -> bool:
    """Whether a level cell says *not applicable*.

    >>> [not_applicable(t) for t in ("n/a", "N. z.", "nicht zutreffend", "Not applicable", "0")]
    [True, True, True, True, False]
    """
    return re.sub(r"[\s.]", "", fold(text)) in NOT_APPLICABLE


def parse_level(text: str) -> int | None:
    """A level 0–4 (``None`` for not applicable); ``ValueError`` for anything else.

    >>> parse_level("3"), parse_level("2.0"), parse_level("n. z.")
    (3, 2, None)
    """
    if not_applicable(text):
        return None
    match = _LEVEL.match(text.strip())
    if match is None or int(match.group(1)) > MAX_LEVEL:
        raise ValueError(text)
    return int(match.group(1))


def _read_rows(path: Path) -> tuple[str, list[str], list[tuple[int, list[str]]], int]:
    """The file's name for messages, the header, the non-blank rows with their row numbers and
    the header's row. Parquet and XLSX are told by their first bytes; anything else is CSV."""
    name = str(path)
    data = read_bytes(path)
    if not data or data.isspace():
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    limits = ImportLimits.current()
    if data.startswith(PARQUET_MAGIC):
        frame = read_parquet(name, data, limits)
        header = [str(c).strip() for c in frame.columns]
        check_header(header, name, 1, limits)
        texts = [_parquet_text(frame, c) for c in frame.columns]
        rows = [
            (number, list(cells))
            for number, cells in enumerate(frame.select(texts).iter_rows(), start=2)
        ]
        return name, header, [(n, c) for n, c in rows if any(x.strip() for x in c)], 1
    if path.suffix.lower() == ".parquet":
        raise parquet_unreadable(name, _("the file does not begin as a Parquet file does"))
    if data.startswith(b"PK\x03\x04"):
        header_row, header, rest = read_sheet_records(data, name, limits)
        return name, header, rest, header_row
    table = read_csv(path, text=decode_bytes(data, name))
    check_header(table.header, name, 1, limits)
    check_shape(name, len(table.rows) + 1, len(table.header), limits)
    return name, table.header, table.rows, 1


def _parquet_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A Parquet column as the text a CSV export would hold (2.0 as 2, null as empty)."""
    value = pl.col(column)
    dtype = frame.schema[column]
    if dtype.is_nested() or dtype in (pl.Binary, pl.Object, pl.Null):
        text = pl.lit(None, pl.String)
    elif dtype.is_float():
        whole = value.is_finite() & (value == value.round(0))
        text = (
            pl.when(whole)
            .then(value.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(value.cast(pl.String))
        )
    else:
        text = value.cast(pl.String)
    return text.fill_null("").alias(column)


def read_assessment_file(path: str | Path) -> AssessmentFile:
    """The rows of the file and the problems of their form (see the module); a file without
    the columns, or one that cannot be read, raises :class:`ImportFailed` at once."""
    name, header, raw_rows, header_row = _read_rows(Path(path))
    problems = ProblemList(file=name)
    index: dict[str, int] = {}
    for i, heading in enumerate(header):
        column = HEADINGS.get(header_key(heading))
        if column is None:
            continue
        if column in index:
            problems.add(
                "duplicate_column",
                _("The column “%(column)s” appears twice.") % {"column": column},
                row=header_row,
                column=heading,
            )
        index[column] = i
    for column in REQUIRED:
        if column not in index:
            problems.add(
                "missing_column",
                _("The column “%(column)s” is missing; expected the columns %(columns)s.")
                % {"column": column, "columns": ", ".join(COLUMNS)},
                row=header_row,
                column=column,
            )
    problems.raise_if_any()
    if not raw_rows:
        raise ImportFailed.single(
            "no_rows", _("The file has a header but no rows."), file=name, row=header_row
        )
    rows: list[AssessmentRow] = []
    for number, cells in raw_rows:

        def cell(column: str, cells: list[str] = cells) -> str:
            i = index.get(column)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        row = _row(number, cell, problems)
        if row is not None:
            rows.append(row)
    return AssessmentFile(name, rows, problems)


def _row(number: int, cell: Callable[[str], str], problems: ProblemList) -> AssessmentRow | None:
    ok = True
    code, item, level_text = cell("organisation"), cell("item"), cell("level")
    if not code:
        problems.add(
            "missing_value",
            _("The organisation is missing; expected the code of an organisation."),
            row=number,
            column="organisation",
        )
        ok = False
    if not item:
        problems.add(
            "missing_value",
            _("The item is missing; expected the id of an item of the questionnaire."),
            row=number,
            column="item",
        )
        ok = False
    level: int | None = None
    if not level_text:
        problems.add(
            "missing_value",
            _("The level is missing; expected 0, 1, 2, 3, 4 or n/a (not applicable)."),
            row=number,
            column="level",
        )
        ok = False
    else:
        try:
            level = parse_level(level_text)
        except ValueError:
            problems.add(
                "level",
                _("“%(value)s” is not a level; expected 0, 1, 2, 3, 4 or n/a (not applicable).")
                % {"value": excerpt(level_text)},
                row=number,
                column="level",
            )
            ok = False
    evidence = cell("evidence")
    text, link = "", ""
    if _LINK.match(evidence):
        try:
            URLValidator(schemes=["http", "https"])(evidence)
        except ValidationError:
            problems.add(
                "evidence_link",
                _("“%(value)s” is not a valid web address; expected one such as %(example)s.")
                % {"value": excerpt(evidence), "example": "https://example.org/konzept.pdf"},
                row=number,
                column="evidence",
            )
            ok = False
        if len(evidence) > EVIDENCE_LINK_MAX:
            problems.add(
                "evidence_link",
                _("The web address has %(length)d characters; at most %(max)d are kept.")
                % {"length": len(evidence), "max": EVIDENCE_LINK_MAX},
                row=number,
                column="evidence",
            )
            ok = False
        link = evidence
    else:
        if len(evidence) > EVIDENCE_TEXT_MAX:
            problems.add(
                "evidence_text",
                _("The evidence has %(length)d characters; at most %(max)d are kept.")
                % {"length": len(evidence), "max": EVIDENCE_TEXT_MAX},
                row=number,
                column="evidence",
            )
            ok = False
        text = evidence
    if not code or not item:
        return None
    return AssessmentRow(number, code, item, level, text, link, ok)


def check_rows(
    data: AssessmentFile,
    version: str,
    item_sectors: Mapping[str, str | None],
    sectors: Sequence[tuple[str, str]],
    skip: Collection[str] = (),
) -> list[OrganisationAnswers]:
    """The answers per organisation in the order of the file, the rows checked against the
    questionnaire ``version`` (see the module): ``item_sectors`` maps each of its item ids, in
    questionnaire order, to its sector module (``None`` for a core item), ``sectors`` names the
    modules ``(id, label)``. Every problem goes to ``data.problems``. The organisations in
    ``skip`` (already refused) are not checked for complete answers.

    A row whose form was wrong (``ok`` false) still counts as given, so that a wrong level is
    not also reported as a missing item."""
    problems = data.problems
    items = item_sectors
    core = [i for i, sector in item_sectors.items() if sector is None]
    by_code: dict[str, OrganisationAnswers] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in data.rows:
        if row.item not in items:
            problems.add(
                "unknown_item",
                _(
                    "The questionnaire version %(version)s has no item “%(value)s”; expected an "
                    "item id such as %(example)s."
                )
                % {"version": version, "value": excerpt(row.item), "example": core[0]},
                row=row.row,
                column="item",
            )
            continue
        earlier = seen.get((row.organisation, row.item))
        if earlier is not None:
            problems.add(
                "duplicate_item",
                _(
                    "The organisation %(code)s answers the item %(item)s a second time (first "
                    "in row %(row)d); expected each item once per organisation."
                )
                % {"code": excerpt(row.organisation), "item": row.item, "row": earlier},
                row=row.row,
                column="item",
            )
            continue
        seen[(row.organisation, row.item)] = row.row
        found = by_code.setdefault(row.organisation, OrganisationAnswers(row.organisation, row.row))
        found.rows.append(row)
    for answers in by_code.values():
        if answers.code in skip:
            continue
        given = {r.item for r in answers.rows}
        missing = [i for i in core if i not in given]
        if missing:
            problems.add(
                "missing_items",
                _(
                    "The organisation %(code)s does not answer the core items %(items)s; every "
                    "core item needs a level or n/a."
                )
                % {"code": excerpt(answers.code), "items": ", ".join(missing)},
                row=answers.first_row,
                column="item",
            )
        for sector, label in sectors:
            module = [i for i, s in item_sectors.items() if s == sector]
            answered = [i for i in module if i in given]
            if not answered:
                continue
            absent = [i for i in module if i not in given]
            if absent:
                first = min(r.row for r in answers.rows if r.item in answered)
                problems.add(
                    "incomplete_module",
                    _(
                        "The organisation %(code)s answers items of the sector module "
                        "“%(module)s” but not %(items)s; a module is answered completely or not "
                        "at all."
                    )
                    % {"code": excerpt(answers.code), "module": label, "items": ", ".join(absent)},
                    row=first,
                    column="item",
                )
            answers.sectors.append(sector)
    return list(by_code.values())
