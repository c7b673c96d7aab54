"""Selection data for the barrier analysis: counts per stage and group, or one row per applicant
(docs/imports.md, "Selection procedures").

:func:`read_selection` reads a CSV (German or English conventions, encoding detected), XLSX
or Parquet file in either form and returns a :class:`SelectionTable`: one
:class:`~ikoe.stats.barriers.Procedure` per procedure, its stages in order. Every problem is
collected with file, row and column and raised at the end as one
:class:`~ikoe.errors.ImportFailed`; nothing is returned half.

**Counts** (one row per procedure, stage and group): ``procedure``, ``stage``, ``group``,
``entered``, ``passed``; optional ``organisation``, ``year``, ``career_group``,
``stage_order``. **Applicants** (one row per applicant): ``procedure``, ``group``,
``last_stage`` (the last stage the applicant reached), ``passed`` (whether they passed it: yes
or no); optional ``organisation``, ``year``, ``career_group``, ``stage_order`` (the number of
the last stage), ``applicant_id``. German headings are accepted (``HEADINGS``).

A procedure is identified by ``procedure``, ``organisation``, ``year`` and ``career_group``
together. The order of the stages comes from, in this order of precedence: the ``stages``
argument (``ikoe barriers --stages``, the import page), the ``stage_order`` column, the known
German stage names (``KNOWN_STAGES``), or — counts only — the order in which the stages first
appear in the file.

The groups are the three standard groups in their spellings (``GROUP_VALUES``) and the further
groups named by the caller (``groups``: ``--group``, the upload page's field); any other value
is refused. A Parquet file's values are read as the text a CSV export would hold (whole
numbers stored as floats as whole numbers, text with the decimal point), its rows numbered as
in the survey import: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl
from django.utils.translation import gettext as _

from ikoe.errors import MAX_PROBLEMS, ImportFailed, ProblemList, excerpt
from ikoe.ingest.limits import ImportLimits, check_header, check_shape
from ikoe.ingest.mapping import yes_no
from ikoe.ingest.parquet import MAGIC as PARQUET_MAGIC
from ikoe.ingest.parquet import read_parquet
from ikoe.ingest.parquet import unreadable as parquet_unreadable
from ikoe.ingest.text import decode_bytes, fold, read_bytes, read_csv
from ikoe.ingest.xlsx import read_sheet_records
from ikoe.stats.barriers import NOT_DECLARED, OVERALL, WITH, WITHOUT, Procedure

Form = Literal["counts", "applicants"]
OrderSource = Literal["given", "column", "known", "appearance"]

YEAR_MIN, YEAR_MAX = 1900, 2100
GROUP_MAX_LENGTH = 100  # characters of a group's name (ikoe.barriers.models.FunnelCell.group)
GROUP_OPTION = "--group"  # how messages about the further groups given name their place
TOTAL = "_T"  # all applicants of a funnel (ikoe.stats.disclosure.TOTAL): not a group's name
Key = tuple[str, str, int | None, str]  # procedure, organisation, year, career group


def key(text: str) -> str:
    """How headings, stage names and group values are compared: folded, letters and digits.

    >>> key(" Assessment-Center/Auswahlgespräch "), key("k.A."), key("Career_Group")
    ('assessment center auswahlgespraech', 'k a', 'career group')
    """
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


# Canonical column -> accepted headings (compared by key).
HEADINGS: dict[str, tuple[str, ...]] = {
    "procedure": ("procedure", "verfahren", "auswahlverfahren", "verfahren id", "verfahrens id"),
    "organisation": ("organisation", "organization", "agency", "dienststelle", "behoerde"),
    "year": ("year", "jahr"),
    "career_group": ("career group", "laufbahngruppe", "laufbahn"),
    "stage": ("stage", "stufe", "verfahrensstufe", "auswahlstufe"),
    "last_stage": ("last stage", "letzte stufe", "erreichte stufe", "letzte erreichte stufe"),
    "stage_order": ("stage order", "order", "reihenfolge", "stufe nr", "stufennummer"),
    "group": ("group", "gruppe", "migrationshintergrund"),
    "entered": ("entered", "eingetreten", "beworben", "erreicht"),
    "passed": ("passed", "bestanden", "weiter"),
    "applicant_id": ("applicant id", "bewerber id", "bewerbernummer", "kennung", "id"),
}
_HEADING = {key(alias): name for name, aliases in HEADINGS.items() for alias in aliases}

# Group -> accepted values (compared by key).
GROUP_VALUES: dict[str, tuple[str, ...]] = {
    WITH: ("mit migrationshintergrund", "mit mh", "mit", "mh", "with migration background", "with"),
    WITHOUT: (
        "ohne migrationshintergrund",
        "ohne mh",
        "ohne",
        "without migration background",
        "without",
    ),
    NOT_DECLARED: ("keine angabe", "k a", "ka", "not declared", "no answer", "unknown"),
}
_GROUP = {key(v): group for group, values in GROUP_VALUES.items() for v in values}

# The known stages in their natural order: (rank, spellings). Hiring and promotion share one
# scale, so that a promotion round (eligible → appraisal → interview → decision → promotion)
# sorts as naturally as a hiring procedure.
KNOWN_STAGES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (10, ("bewerbung", "bewerbungseingang", "interessenbekundung", "application")),
    (20, ("formal geeignet", "formale eignung", "formal eligible", "formally eligible")),
    (20, ("befoerderungsfaehig", "eligible for promotion")),
    (25, ("beurteilung", "dienstliche beurteilung", "appraisal")),
    (30, ("schriftlicher test", "test", "written test", "eignungstest", "einstellungstest")),
    (
        40,
        (
            "assessment center auswahlgespraech",
            "assessment center",
            "assessment centre",
            "auswahlgespraech",
            "vorstellungsgespraech",
            "interview",
        ),
    ),
    (45, ("auswahlentscheidung", "selection decision")),
    (50, ("angebot", "einstellungsangebot", "offer")),
    (60, ("einstellung", "hire", "hiring")),
    (60, ("befoerderung", "promotion")),
)
_KNOWN = {key(s): rank for rank, spellings in KNOWN_STAGES for s in spellings}
_KNOWN_NAME = {key(s): spellings[0] for _rank, spellings in KNOWN_STAGES for s in spellings}


@dataclass(frozen=True)
class SelectionTable:
    """A checked selection file, aggregated to counts."""

    file: str
    form: Form
    procedures: tuple[Procedure, ...]
    stages: tuple[str, ...]  # every stage of the file, in order
    groups: tuple[str, ...]  # every group of the file, standard groups first
    columns: tuple[str, ...]  # the optional columns the file has (organisation, year, …)
    stage_order: OrderSource
    rows: int  # data rows read
    headings: dict[str, str] = field(default_factory=dict)  # column -> the file's heading


@dataclass
class _Row:
    number: int
    procedure: Key
    stage: str  # key
    group: str
    entered: int = 0
    passed: int = 0
    applicant_passed: bool = False
    order: int | None = None


@dataclass
class _Reader:
    file: str
    problems: ProblemList
    decimal: str  # the file's decimal mark: "," (German) or "."
    header_row: int  # the row of the headings (1, unless a sheet starts lower)
    headings: dict[str, str] = field(default_factory=dict)  # canonical -> the file's heading
    stage_name: dict[str, str] = field(default_factory=dict)  # key -> first spelling

    def add(
        self, code: str, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.problems.add(code, message, row=row, column=self.headings.get(column or "", column))


def read_selection(
    path: str | Path,
    *,
    stages: Sequence[str] | None = None,
    groups: Sequence[str] = (),
    limit: int = MAX_PROBLEMS,
) -> SelectionTable:
    """Read and check a selection file in either form; raise :class:`ImportFailed` with every
    problem.

    ``stages``: the order of the stages (names as in the file); every stage of the file must be
    one of them. ``groups``: groups allowed besides "mit Migrationshintergrund", "ohne
    Migrationshintergrund" and "keine Angabe".
    """
    name = str(path)
    header, rows, decimal, header_row = _read_rows(Path(path))
    problems = ProblemList(file=name, limit=limit)
    reader = _Reader(name, problems, decimal, header_row)
    allowed_groups = _allowed_groups(groups, reader)
    columns = _resolve_header(header, reader)
    form: Form = "counts"
    if "entered" not in columns and (
        "last_stage" in columns
        or ("passed" in columns and _looks_like_yes_no(rows, columns["passed"]))
    ):
        form = "applicants"
    stage_column = "last_stage" if form == "applicants" and "last_stage" in columns else "stage"
    if form == "applicants" and "stage" in columns and "last_stage" in columns:
        reader.add(
            "duplicate_column",
            _("The file has both a column of stages and a column of last stages; keep one."),
            row=reader.header_row,
            column="stage",
        )
    required = ["procedure", stage_column, "group", "passed"] + (
        ["entered"] if form == "counts" else []
    )
    for column in required:
        if column not in columns:
            _missing_column(reader, column, header, form)
    if not rows:
        reader.add(
            "no_rows", _("The file has a header row but no data rows."), row=reader.header_row
        )
    problems.raise_if_any()

    given = _given_order(stages) if stages is not None else None
    parsed: list[_Row] = []
    for number, cells in rows:
        row = _parse_row(number, cells, columns, form, stage_column, allowed_groups, given, reader)
        if row is not None:
            parsed.append(row)
    if form == "counts":
        _check_duplicates(parsed, reader)
    elif "applicant_id" in columns:
        _check_applicant_ids(rows, columns, parsed, reader)
    problems.raise_if_any()

    order, source = _stage_order(
        parsed, form, given, "stage_order" in columns, stage_column, reader
    )
    problems.raise_if_any()
    if form == "counts":
        procedures = _from_counts(parsed, order, reader)
    else:
        procedures = _from_applicants(parsed, order, reader)
    problems.raise_if_any()
    used = {s for p in procedures for s in p.stages}
    return SelectionTable(
        file=name,
        form=form,
        procedures=tuple(procedures),
        stages=tuple(reader.stage_name[s] for s in order if reader.stage_name[s] in used),
        groups=tuple(_groups_in_order(parsed)),
        columns=tuple(c for c in ("organisation", "year", "career_group") if c in columns),
        stage_order=source,
        rows=len(rows),
        headings=dict(reader.headings),
    )


# --------------------------------------------------------------------------------------------
# Reading rows


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], str, int]:
    """The header, the non-blank rows with their row numbers (the header is row 1, unless a
    sheet starts lower), the decimal mark and the row of the header. Parquet files are told by
    their first bytes (and a file named .parquet must be one), XLSX workbooks too; anything else
    is read as CSV."""
    name = str(path)
    data = read_bytes(path)
    if not data or data.isspace():
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    limits = ImportLimits.current()
    if data.startswith(PARQUET_MAGIC):
        return _read_parquet(name, data, limits)
    if path.suffix.lower() == ".parquet":
        raise parquet_unreadable(name, _("the file does not begin as a Parquet file does"))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(name, data, limits)
    table = read_csv(path, text=decode_bytes(data, name))
    check_header(table.header, name, 1, limits)
    check_shape(name, len(table.rows) + 1, len(table.header), limits)
    return table.header, table.rows, table.conventions.decimal, 1


def _read_xlsx(
    name: str, data: bytes, limits: ImportLimits
) -> tuple[list[str], list[tuple[int, list[str]]], str, int]:
    header_row, header, rows = read_sheet_records(data, name, limits)
    return header, rows, ".", header_row


def _read_parquet(
    name: str, data: bytes, limits: ImportLimits
) -> tuple[list[str], list[tuple[int, list[str]]], str, int]:
    """The columns' names as the header, and every record as text, as CSV would give it.

    Rows are numbered as in the survey import: the header is row 1, the first record row 2.
    A whole number stored as a floating-point number (12.0) is written as 12, a missing value
    (null, NaN) as an empty cell; text is read with the decimal point (“12.0” is 12, “12,5” is
    not a whole number), yes and no stored as true and false read as yes and no.
    """
    frame = read_parquet(name, data, limits)
    header = [str(c).strip() for c in frame.columns]
    check_header(header, name, 1, limits)
    problems = ProblemList(file=name)
    texts = []
    for column, dtype in frame.schema.items():
        value = pl.col(column)
        if dtype.is_nested() or dtype in (pl.Binary, pl.Object, pl.Null):
            if dtype != pl.Null and _HEADING.get(key(str(column))) is not None:
                problems.add(
                    "parquet_type",
                    _(
                        "The column has the type %(type)s, which selection data cannot use; "
                        "expected text, whole numbers or yes/no."
                    )
                    % {"type": dtype},
                    row=1,
                    column=str(column),
                )
            text = pl.lit(None, pl.String)
        elif dtype.is_float():
            whole = value.is_finite() & (value == value.round(0)) & (value.abs() < 2.0**53)
            text = (
                pl.when(value.is_nan())
                .then(pl.lit(None, pl.String))
                .when(whole)
                .then(value.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(value.cast(pl.String))
            )
        else:
            text = value.cast(pl.String)
        texts.append(text.fill_null("").alias(str(column)))
    problems.raise_if_any()
    rows = [
        (number, list(cells))
        for number, cells in enumerate(frame.select(texts).iter_rows(), start=2)
        if any(c.strip() for c in cells)
    ]
    return header, rows, ".", 1


def _resolve_header(header: list[str], reader: _Reader) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, heading in enumerate(header):
        canonical = _HEADING.get(key(heading))
        if canonical is None:
            continue  # other columns are ignored
        if canonical in columns:
            reader.problems.add(
                "duplicate_column",
                _("The columns “%(first)s” and “%(second)s” both stand for “%(name)s”; keep one.")
                % {
                    "first": excerpt(header[columns[canonical]]),
                    "second": excerpt(heading),
                    "name": canonical,
                },
                row=reader.header_row,
                column=heading,
            )
            continue
        columns[canonical] = index
        reader.headings[canonical] = heading
    return columns


def _missing_column(reader: _Reader, column: str, header: list[str], form: Form) -> None:
    found = ", ".join(f"“{excerpt(h)}”" for h in header[:30] if h) or _("none")
    if form == "counts":
        expected = _(
            "Expected counts per stage and group (procedure, stage, group, entered, passed) or "
            "one row per applicant (procedure, group, last_stage, passed); German headings such "
            "as Verfahren, Stufe, Gruppe, Beworben, Bestanden are accepted too."
        )
    else:
        expected = _(
            "One row per applicant needs procedure, group, last_stage and passed (German: "
            "Verfahren, Gruppe, letzte Stufe, Bestanden)."
        )
    reader.problems.add(
        "missing_column",
        _("The column “%(column)s” is missing (columns found: %(found)s). %(expected)s")
        % {"column": column, "found": found, "expected": expected},
        row=reader.header_row,
        column=column,
    )


def _looks_like_yes_no(rows: list[tuple[int, list[str]]], index: int) -> bool:
    """Whether the passed column holds yes/no answers (one row per applicant), not counts."""
    values = {_cell(cells, index) for _n, cells in rows[:1000]} - {""}
    return (
        bool(values)
        and all(isinstance(yes_no(v), bool) for v in values)
        and not all(v in ("0", "1") for v in values)
    )


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


# --------------------------------------------------------------------------------------------
# Values


def _allowed_groups(extra: Sequence[str], reader: _Reader) -> dict[str, str]:
    """The file's values of the group column (by key) and the group each stands for: the
    standard groups in their spellings, and each further group as given (a further group
    spelled like a standard group is that group)."""
    allowed = dict(_GROUP)
    for given in extra:
        group = given.strip()
        if not group:
            continue
        problem = None
        if group == TOTAL:
            problem = _("“%(group)s” is reserved for all applicants and cannot name a group.")
        elif not key(group):
            problem = _("“%(group)s” cannot name a group: it has no letters or digits.")
        elif len(group) > GROUP_MAX_LENGTH:
            problem = _(
                "The group “%(group)s” is too long: a group may have at most %(max)d characters."
            )
        if problem is not None:
            reader.problems.add(
                "further_group",
                problem % {"group": excerpt(group), "max": GROUP_MAX_LENGTH},
                column=GROUP_OPTION,
            )
            continue
        allowed.setdefault(key(group), group)
    return allowed


def _given_order(stages: Sequence[str]) -> dict[str, int]:
    order: dict[str, int] = {}
    for stage in stages:
        order.setdefault(key(stage), len(order))
    return order


def _parse_row(
    number: int,
    cells: list[str],
    columns: dict[str, int],
    form: Form,
    stage_column: str,
    groups: dict[str, str],
    given: dict[str, int] | None,
    reader: _Reader,
) -> _Row | None:
    before = len(reader.problems.problems) + reader.problems.more

    def cell(column: str) -> str:
        return _cell(cells, columns.get(column))

    procedure = cell("procedure")
    if not procedure:
        reader.add(
            "empty",
            _("The procedure is empty. Expected the name or code of the selection procedure."),
            number,
            "procedure",
        )
    organisation, career_group = cell("organisation"), cell("career_group")
    year = _year(cell("year"), number, reader) if "year" in columns else None
    stage_text = cell(stage_column)
    stage = key(stage_text)
    if not stage:
        reader.add(
            "empty",
            _(
                "The stage is empty. Expected the name of a stage, such as Bewerbung or schriftlicher Test."
            ),
            number,
            stage_column,
        )
    elif stage == OVERALL:
        reader.add(
            "reserved",
            _("“%(stage)s” is reserved for the whole procedure and cannot name a stage.")
            % {"stage": excerpt(stage_text)},
            number,
            stage_column,
        )
    elif given is not None and stage not in given:
        reader.add(
            "unknown_stage",
            _("The stage “%(stage)s” is not one of the stages given: %(stages)s.")
            % {
                "stage": excerpt(stage_text),
                "stages": ", ".join(reader.stage_name.get(s, s) for s in given),
            },
            number,
            stage_column,
        )
    else:
        reader.stage_name.setdefault(stage, stage_text)
    group_text = cell("group")
    group = groups.get(key(group_text))
    if not group_text:
        reader.add(
            "empty",
            _("The group is empty. Expected %(groups)s.") % {"groups": _group_list(groups)},
            number,
            "group",
        )
    elif group is None:
        reader.add(
            "unknown_group",
            _(
                "Unknown group “%(group)s”. Expected %(groups)s. Further groups are allowed when "
                "they are named: on the upload page under “Further groups”, on the command line "
                "with --group."
            )
            % {"group": excerpt(group_text), "groups": _group_list(groups)},
            number,
            "group",
        )
    order = None
    if "stage_order" in columns:
        order = _whole(
            cell("stage_order"),
            number,
            "stage_order",
            reader,
            _("the number of the stage in the procedure, such as 1 for the first"),
            minimum=1,
        )
    row = _Row(
        number, (procedure, organisation, year, career_group), stage, group or "", order=order
    )
    if form == "counts":
        entered = _whole(
            cell("entered"), number, "entered", reader, _("a whole number of 0 or more")
        )
        passed = _whole(cell("passed"), number, "passed", reader, _("a whole number of 0 or more"))
        if entered is not None and passed is not None and passed > entered:
            reader.add(
                "passed_exceeds_entered",
                _(
                    "%(passed)d passed, but only %(entered)d entered the stage. Expected at most as many passes as entrants."
                )
                % {"passed": passed, "entered": entered},
                number,
                "passed",
            )
        row.entered, row.passed = entered or 0, passed or 0
    else:
        answer = yes_no(cell("passed"))
        if not isinstance(answer, bool):
            reader.add(
                "passed_yes_no",
                _(
                    "“%(value)s” is not understood. Expected whether the applicant passed the last stage reached: ja or nein (yes/no, 1/0)."
                )
                % {"value": excerpt(cell("passed"))},
                number,
                "passed",
            )
        row.applicant_passed = answer is True
    if len(reader.problems.problems) + reader.problems.more > before:
        return None
    return row


def _group_list(groups: dict[str, str]) -> str:
    names = list(dict.fromkeys(groups.values()))
    return ", ".join(quoted(g) for g in names)


def quoted(text: str) -> str:
    """A name in the quotation marks of the active language."""
    return _("“%(name)s”") % {"name": excerpt(text)}


def _year(text: str, number: int, reader: _Reader) -> int | None:
    if not text:
        return None
    value = int(text) if re.fullmatch(r"\d{4}", text) else 0
    if not YEAR_MIN <= value <= YEAR_MAX:
        reader.add(
            "year",
            _(
                "“%(value)s” is not a valid year. Expected a four-digit year between %(min)d and %(max)d, such as 2024."
            )
            % {"value": excerpt(text), "min": YEAR_MIN, "max": YEAR_MAX},
            number,
            "year",
        )
        return None
    return value


def _whole(
    text: str, number: int, column: str, reader: _Reader, expected: str, minimum: int = 0
) -> int | None:
    if not text:
        reader.add(
            "empty",
            _("The cell is empty. Expected %(expected)s.") % {"expected": expected},
            number,
            column,
        )
        return None
    compact = text.replace("\u00a0", "").replace(" ", "")
    thousands = "." if reader.decimal == "," else ","
    if re.fullmatch(rf"[+-]?\d{{1,3}}(\{thousands}\d{{3}})+", compact):  # 1.234 (German)
        compact = compact.replace(thousands, "")
    compact = re.sub(rf"\{reader.decimal}0+$", "", compact)  # 12,0 is a whole number
    if not re.fullmatch(r"[+-]?\d+", compact):
        reader.add(
            "not_whole",
            _("“%(value)s” is not a whole number. Expected %(expected)s.")
            % {"value": excerpt(text), "expected": expected},
            number,
            column,
        )
        return None
    value = int(compact)
    if value < minimum:
        message = (
            _("Counts cannot be negative (“%(value)s”). Expected %(expected)s.")
            if value < 0
            else _("“%(value)s” is too small. Expected %(expected)s.")
        )
        reader.add(
            "negative" if value < 0 else "too_small",
            message % {"value": excerpt(text), "expected": expected},
            number,
            column,
        )
        return None
    return value


# --------------------------------------------------------------------------------------------
# Checks across rows


def _procedure_label(procedure: Key) -> str:
    return " / ".join(str(p) for p in procedure if p not in ("", None))


def _check_duplicates(rows: list[_Row], reader: _Reader) -> None:
    seen: dict[tuple[object, ...], int] = {}
    for row in rows:
        k = (row.procedure, row.stage, row.group)
        if k in seen:
            reader.add(
                "duplicate_row",
                _(
                    "This row repeats row %(row)d: the same procedure, stage and group. Each may appear only once; add the counts up or delete one of the rows."
                )
                % {"row": seen[k]},
                row.number,
                "stage",
            )
        else:
            seen[k] = row.number


def _check_applicant_ids(
    rows: list[tuple[int, list[str]]], columns: dict[str, int], parsed: list[_Row], reader: _Reader
) -> None:
    procedure_of = {r.number: r.procedure for r in parsed}
    seen: dict[tuple[object, ...], int] = {}
    for number, cells in rows:
        applicant = _cell(cells, columns["applicant_id"])
        if not applicant or number not in procedure_of:
            continue
        k = (procedure_of[number], applicant)
        if k in seen:
            reader.add(
                "duplicate_applicant",
                _(
                    "The applicant “%(id)s” already appears in row %(row)d of the same procedure. Expected one row per applicant."
                )
                % {"id": excerpt(applicant), "row": seen[k]},
                number,
                "applicant_id",
            )
        else:
            seen[k] = number


def _stage_order(
    rows: list[_Row],
    form: Form,
    given: dict[str, int] | None,
    has_column: bool,
    stage_column: str,
    reader: _Reader,
) -> tuple[list[str], OrderSource]:
    """The stages (keys) of the file in order, and where the order came from."""
    appearance = list(dict.fromkeys(r.stage for r in rows))
    if given is not None:
        return sorted(appearance, key=given.__getitem__), "given"
    if has_column:
        return _order_from_column(rows, appearance, stage_column, reader), "column"
    unknown = [s for s in appearance if s not in _KNOWN]
    if not unknown:
        _check_known_ranks(rows, stage_column, reader)
        return sorted(appearance, key=lambda s: (_KNOWN[s], appearance.index(s))), "known"
    if form == "counts":
        return appearance, "appearance"
    first: dict[str, int] = {}
    for r in rows:
        first.setdefault(r.stage, r.number)
    for stage in unknown[:10]:
        reader.add(
            "unknown_stage_order",
            _(
                "The order of the stage “%(stage)s” is not known. Give the order of the stages with a column stage_order (Reihenfolge) holding each stage's number, or list the stages in their order (on the upload page, or with --stages on the command line); known stages are %(known)s."
            )
            % {
                "stage": excerpt(reader.stage_name[stage]),
                "known": ", ".join(s[0] for _r, s in KNOWN_STAGES),
            },
            first[stage],
            stage_column,
        )
    return appearance, "appearance"


def _check_known_ranks(rows: list[_Row], stage_column: str, reader: _Reader) -> None:
    """Two known stages of the same place (formal geeignet, beförderungsfähig) in one procedure."""
    at: dict[tuple[object, int], tuple[str, int]] = {}
    for r in rows:
        k = (r.procedure, _KNOWN[r.stage])
        other = at.setdefault(k, (r.stage, r.number))
        if other[0] != r.stage:
            reader.add(
                "stage_same_place",
                _(
                    "The stages “%(first)s” (row %(row)d) and “%(second)s” of the procedure “%(procedure)s” stand at the same place of the known order; give the order with a column stage_order (Reihenfolge)."
                )
                % {
                    "first": excerpt(reader.stage_name[other[0]]),
                    "row": other[1],
                    "second": excerpt(reader.stage_name[r.stage]),
                    "procedure": excerpt(_procedure_label(r.procedure)),
                },
                r.number,
                stage_column,
            )
            at[k] = (r.stage, r.number)


def _order_from_column(
    rows: list[_Row], appearance: list[str], stage_column: str, reader: _Reader
) -> list[str]:
    """Each procedure's numbers must be consistent; all procedures together must agree."""
    number_of: dict[tuple[Key, str], tuple[int, int]] = {}  # (procedure, stage) -> (order, row)
    stage_at: dict[tuple[Key, int], tuple[str, int]] = {}  # (procedure, order) -> (stage, row)
    for r in rows:
        assert r.order is not None
        old = number_of.setdefault((r.procedure, r.stage), (r.order, r.number))
        if old[0] != r.order:
            reader.add(
                "stage_order_conflict",
                _(
                    "The stage “%(stage)s” has the number %(order)d here but %(other)d in row %(row)d of the same procedure. Expected one number per stage."
                )
                % {
                    "stage": excerpt(reader.stage_name[r.stage]),
                    "order": r.order,
                    "other": old[0],
                    "row": old[1],
                },
                r.number,
                "stage_order",
            )
            continue
        other = stage_at.setdefault((r.procedure, r.order), (r.stage, r.number))
        if other[0] != r.stage:
            reader.add(
                "stage_order_twice",
                _(
                    "The stages “%(first)s” (row %(row)d) and “%(second)s” of the same procedure both have the number %(order)d. Expected one stage per number."
                )
                % {
                    "first": excerpt(reader.stage_name[other[0]]),
                    "row": other[1],
                    "second": excerpt(reader.stage_name[r.stage]),
                    "order": r.order,
                },
                r.number,
                "stage_order",
            )
    if reader.problems:
        return appearance
    # One order for the file: a topological order of "comes before" within each procedure;
    # ties by first appearance. A cycle means two procedures order stages differently.
    per_procedure: dict[Key, list[tuple[int, str, int]]] = {}
    for (procedure, stage), (order, row) in number_of.items():
        per_procedure.setdefault(procedure, []).append((order, stage, row))
    before: dict[str, set[str]] = {s: set() for s in appearance}
    witness: dict[tuple[str, str], tuple[Key, int]] = {}
    for procedure, items in per_procedure.items():
        items.sort()
        for (_o1, s1, _r1), (_o2, s2, r2) in zip(items, items[1:], strict=False):
            before[s2].add(s1)
            witness.setdefault((s1, s2), (procedure, r2))
    result: list[str] = []
    placed: set[str] = set()
    while len(result) < len(appearance):
        ready = [s for s in appearance if s not in placed and before[s] <= placed]
        if not ready:  # a cycle: report one of its edges
            s2 = next(s for s in appearance if s not in placed)
            path = [s2]
            while True:  # walk back along unplaced stages until one repeats: a cycle
                s1 = min(before[s2] - placed, key=appearance.index)
                if s1 in path:
                    break
                path.append(s1)
                s2 = s1
            procedure, row = witness[(s1, s2)]
            reader.add(
                "stages_out_of_order",
                _(
                    "The stages are out of order: in the procedure “%(procedure)s” “%(first)s” "
                    "comes before “%(second)s”, in another procedure of the file after it. "
                    "Expected one order of the stages for the whole file."
                )
                % {
                    "procedure": excerpt(_procedure_label(procedure)),
                    "first": excerpt(reader.stage_name[s1]),
                    "second": excerpt(reader.stage_name[s2]),
                },
                row,
                "stage_order",
            )
            return appearance
        result.append(ready[0])
        placed.add(ready[0])
    return result


# --------------------------------------------------------------------------------------------
# Building the procedures


def _procedure(
    procedure: Key,
    stages: list[str],
    groups: list[str],
    entered: list[list[int]],
    passed: list[list[int]],
    reader: _Reader,
) -> Procedure:
    name, organisation, year, career_group = procedure
    return Procedure(
        name,
        tuple(reader.stage_name[s] for s in stages),
        tuple(groups),
        tuple(map(tuple, entered)),
        tuple(map(tuple, passed)),
        organisation=organisation,
        year=year,
        career_group=career_group,
    )


def _groups_in_order(rows: list[_Row]) -> list[str]:
    seen = list(dict.fromkeys(r.group for r in rows))
    return [g for g in (WITH, WITHOUT, NOT_DECLARED) if g in seen] + [
        g for g in seen if g not in (WITH, WITHOUT, NOT_DECLARED)
    ]


def _by_procedure(rows: list[_Row]) -> dict[Key, list[_Row]]:
    out: dict[Key, list[_Row]] = {}
    for r in rows:
        out.setdefault(r.procedure, []).append(r)
    return out


def _from_counts(rows: list[_Row], order: list[str], reader: _Reader) -> list[Procedure]:
    position = {s: i for i, s in enumerate(order)}
    procedures = []
    for procedure, members in _by_procedure(rows).items():
        stages = sorted({r.stage for r in members}, key=position.__getitem__)
        if members[0].order is not None:  # the procedure's own numbers decide
            number = {r.stage: r.order for r in members}
            stages = sorted(stages, key=lambda s: (number[s], position[s]))
        groups = _groups_in_order(members)
        k_of = {s: k for k, s in enumerate(stages)}
        j_of = {g: j for j, g in enumerate(groups)}
        entered = [[0] * len(groups) for _ in stages]
        passed = [[0] * len(groups) for _ in stages]
        row_of: dict[tuple[int, int], int] = {}
        for r in members:
            k, j = k_of[r.stage], j_of[r.group]
            entered[k][j], passed[k][j] = r.entered, r.passed
            row_of[(k, j)] = r.number
        for k in range(1, len(stages)):
            for j, group in enumerate(groups):
                if entered[k][j] > passed[k - 1][j]:
                    reader.add(
                        "more_than_passed",
                        _(
                            "%(entered)d applicants of the group “%(group)s” entered the stage “%(stage)s”, but only %(passed)d passed the stage before (“%(before)s”). Expected at most as many; are the stages in the right order?"
                        )
                        % {
                            "entered": entered[k][j],
                            "group": group,
                            "stage": reader.stage_name[stages[k]],
                            "passed": passed[k - 1][j],
                            "before": reader.stage_name[stages[k - 1]],
                        },
                        row_of.get((k, j)),
                        "entered",
                    )
        procedures.append(_procedure(procedure, stages, groups, entered, passed, reader))
    return procedures


def _from_applicants(rows: list[_Row], order: list[str], reader: _Reader) -> list[Procedure]:
    position = {s: i for i, s in enumerate(order)}
    procedures = []
    for procedure, members in _by_procedure(rows).items():
        stages = sorted({r.stage for r in members}, key=position.__getitem__)
        groups = _groups_in_order(members)
        k_of = {s: k for k, s in enumerate(stages)}
        j_of = {g: j for j, g in enumerate(groups)}
        last = [[0] * len(groups) for _ in stages]  # ended at the stage
        last_passed = [[0] * len(groups) for _ in stages]  # ended there and passed it
        for r in members:
            k, j = k_of[r.stage], j_of[r.group]
            last[k][j] += 1
            last_passed[k][j] += int(r.applicant_passed)
        entered = [[0] * len(groups) for _ in stages]
        passed = [[0] * len(groups) for _ in stages]
        for j in range(len(groups)):
            beyond = 0  # applicants who reached a later stage
            for k in reversed(range(len(stages))):
                passed[k][j] = beyond + last_passed[k][j]
                entered[k][j] = beyond + last[k][j]
                beyond = entered[k][j]
        procedures.append(_procedure(procedure, stages, groups, entered, passed, reader))
    return procedures
