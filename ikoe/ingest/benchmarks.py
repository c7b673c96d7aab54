"""Files of public benchmark figures: the reference CSV and GENESIS-Online exports.

:func:`read_benchmark_file` reads a file, detects its format, checks every row and returns the
figures as :class:`BenchmarkRecord`; :mod:`ikoe.benchmarks.services` stores them. Nothing is
returned when any problem is found (:class:`~ikoe.errors.ImportFailed` lists them all). The
formats, columns and conventions are described for users in ``docs/imports.md``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, ProblemList, excerpt
from ikoe.ingest import genesis
from ikoe.ingest.text import CsvTable, decode_bytes, header_key, read_bytes, read_csv
from ikoe.regions import LAENDER, REGION_NAMES, display_name

CSV, GENESIS, GENESIS_FLAT = "csv", "genesis", "genesis-flat"
"""The formats a file can have (the values of ``BenchmarkDataset.Format``)."""


@dataclass
class BenchmarkRecord:
    """One figure of a file, in long form: region × time × classification × measure."""

    region_code: str
    region_name: str
    year: int | None
    period: str
    measure: str
    unit: str
    value: float | None
    symbol: str
    derived: bool
    source: str
    measure_label: str = ""
    definition: str = ""
    classification: dict[str, Any] = field(default_factory=dict)


PERCENT = "%"
YEAR_MIN, YEAR_MAX = 1900, 2100

# The columns of the reference CSV and the names accepted for them. Header cells are compared
# after header_key(): case, spaces, "-" and "_", umlaut spelling and "%" (as "prozent") do not matter.
COLUMNS = (
    "region_code",
    "region_name",
    "year",
    "measure",
    "concept",
    "value_percent",
    "derived",
    "source",
)
REQUIRED_COLUMNS = ("region_code", "year", "measure", "concept", "value_percent", "source")
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "region_code": ("regionscode", "regionalcode", "laendercode", "landescode", "iso_code"),
    "region_name": ("region", "regionsname", "land", "bundesland"),
    "year": ("jahr",),
    "measure": ("kennzahl", "indikator", "merkmal"),
    "concept": ("konzept", "definition"),
    "value_percent": (
        "wert_prozent",
        "anteil_prozent",
        "wert_in_prozent",
        "anteil_in_prozent",
        "prozent",
    ),
    "derived": ("abgeleitet", "berechnet"),
    "source": ("quelle",),
}
# report(code, message, column): add a problem for the current row.
Report = Callable[[str, str, str], None]

_YES = {"yes", "y", "ja", "j", "true", "wahr", "1"}
_NO = {"no", "n", "nein", "false", "falsch", "0", ""}

# Field lengths of a stored figure that texts from a file must fit.
_MAX_LENGTH = {
    "region_name": 100,
    "period": 40,
    "measure": 200,
    "measure_label": 300,
    "definition": 100,
    "unit": 40,
}


def column_key(text: str) -> str:
    """A heading as the reference CSV compares it: :func:`~ikoe.ingest.text.header_key`, then
    without spaces and accents and with "%" read as "prozent".

    >>> column_key(" Wert (%) "), column_key("Länder-Code"), column_key("Value Percent")
    ('wertprozent', 'laendercode', 'valuepercent')
    """
    key = unicodedata.normalize("NFKD", header_key(text).replace("%", " prozent "))
    return re.sub(r"[^a-z0-9]+", "", key)


_HEADER_INDEX = {column_key(name): name for name in COLUMNS} | {
    column_key(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases
}


@dataclass
class BenchmarkFile:
    """A checked file, ready to be stored."""

    path: Path
    format: str  # CSV, GENESIS or GENESIS_FLAT
    default_name: str
    sha256: str
    title: str = ""
    source: str = ""
    rows: list[BenchmarkRecord] = field(default_factory=list)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_benchmark_file(path: str | Path, year: int | None = None) -> BenchmarkFile:
    """Read and check a benchmark file of any supported format; raise :class:`ImportFailed`.

    ``year`` is the year of every figure of a GENESIS table that names its year only in its
    title or a footnote ("Ergebnisse des Mikrozensus 2018") and so has no time dimension.
    """
    path = Path(path)
    name = str(path)
    data = read_bytes(path)
    decoded = decode_bytes(data, name)
    if not decoded.text.strip():
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    kind = genesis.detect_format(decoded.text)
    result = BenchmarkFile(path, CSV, path.stem, sha256_of(data))
    problems = ProblemList(file=name)
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise ImportFailed.single(
            "year_option",
            _("The year %(year)d is outside %(min)d to %(max)d. Expected a year such as 2018.")
            % {"year": year, "min": YEAR_MIN, "max": YEAR_MAX},
            file=name,
        )
    if kind is None:
        if year is not None:
            raise ImportFailed.single(
                "year_option",
                _(
                    "A year can only be given for a GENESIS table without a time dimension; "
                    "this file is a reference CSV with a column of years. Import it without "
                    "the year."
                ),
                file=name,
            )
        _read_reference_csv(read_csv(path, text=decoded), result, problems)
    else:
        table = genesis.read_genesis(path, text=decoded, problems=problems)
        result.format = GENESIS if kind == genesis.TABLE else GENESIS_FLAT
        result.default_name = _genesis_name(table, path)
        _from_genesis(table, result, problems, year)
    problems.raise_if_any()
    return result


# --- reference CSV ------------------------------------------------------------------------------


def _read_reference_csv(table: CsvTable, result: BenchmarkFile, problems: ProblemList) -> None:
    columns: dict[str, int] = {}
    for index, heading in enumerate(table.header):
        canonical = _HEADER_INDEX.get(column_key(heading))
        if canonical is None:
            continue  # other columns are ignored
        if canonical in columns:
            problems.add(
                "duplicate_column",
                _("The column “%(column)s” appears twice in the first row; keep only one.")
                % {"column": excerpt(heading)},
                row=1,
                column=heading,
            )
            continue
        columns[canonical] = index
    if not columns:
        problems.add(
            "no_columns",
            _(
                "The first row names none of the columns of a benchmark file. Expected a reference "
                "CSV with the columns %(expected)s, or a GENESIS-Online export (table CSV or flat file)."
            )
            % {"expected": ", ".join(COLUMNS)},
            row=1,
        )
        return
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            problems.add(
                "missing_column",
                _(
                    "The column “%(column)s” is missing. Expected the columns %(expected)s in the "
                    "first row (German names such as %(german)s are accepted too)."
                )
                % {
                    "column": required,
                    "expected": ", ".join(COLUMNS),
                    "german": ", ".join(aliases[0] for aliases in COLUMN_ALIASES.values()),
                },
                row=1,
                column=required,
            )
    if problems:
        return
    if not table.rows:
        problems.add("no_rows", _("The file has a header row but no data rows."), row=2)
        return

    header_name = {canonical: table.header[index] for canonical, index in columns.items()}
    german = table.conventions.decimal == ","
    seen: dict[tuple[str, int, str, str], int] = {}
    for line, cells in table.rows:
        if len(cells) != len(table.header):
            problems.add(
                "field_count",
                _(
                    "The row has %(found)d fields, but the first row has %(expected)d. Check for "
                    "a missing or extra separator “%(delimiter)s” or an unclosed quotation mark."
                )
                % {
                    "found": len(cells),
                    "expected": len(table.header),
                    "delimiter": table.conventions.delimiter,
                },
                row=line,
            )
            continue
        before = len(problems.problems) + problems.more

        def cell(column: str, cells: list[str] = cells) -> str:
            index = columns.get(column)
            return cells[index].strip() if index is not None else ""

        def report(code: str, message: str, column: str, line: int = line) -> None:
            problems.add(code, message, row=line, column=header_name.get(column, column))

        region_code = _check_region(cell("region_code"), cell("region_name"), report)
        year = _check_year(cell("year"), report)
        measure = cell("measure")
        concept = cell("concept")
        source = cell("source")
        for column, text, expected in (
            ("measure", measure, _("a measure such as population_share")),
            ("concept", concept, _("a definition such as migrationshintergrund_weiterer_sinn")),
            ("source", source, _("the source of the figure: publication, table or web address")),
        ):
            if not text:
                report(
                    "empty",
                    _("The cell is empty. Expected %(expected)s.") % {"expected": expected},
                    column,
                )
        _check_length("measure", measure, "measure", report)
        _check_length("definition", concept, "concept", report)
        value, symbol = _check_percent(cell("value_percent"), german, report)
        derived = _check_derived(cell("derived"), report)
        if len(problems.problems) + problems.more > before or region_code is None or year is None:
            continue
        key = (region_code, year, measure, concept)
        if key in seen:
            problems.add(
                "duplicate_row",
                _(
                    "This row repeats row %(row)d: the same region, year, measure and concept. "
                    "Each figure may appear only once; delete one of the two rows."
                )
                % {"row": seen[key]},
                row=line,
                column=", ".join(
                    header_name[c] for c in ("region_code", "year", "measure", "concept")
                ),
            )
            continue
        seen[key] = line
        result.rows.append(
            BenchmarkRecord(
                region_code=region_code,
                region_name=REGION_NAMES[region_code],
                year=year,
                period=str(year),
                measure=measure,
                definition=concept,
                unit=PERCENT,
                value=value,
                symbol=symbol,
                derived=derived,
                source=source,
            )
        )
    sources = sorted({row.source for row in result.rows})
    result.source = sources[0] if len(sources) == 1 else ""


def _check_region(code: str, name: str, report: Report) -> str | None:
    if not code:
        report(
            "empty",
            _("The cell is empty. Expected a region code such as DE-BE (Berlin) or DE (Germany)."),
            "region_code",
        )
        return None
    canonical = code.upper().replace("_", "-")
    if canonical not in REGION_NAMES and f"DE-{canonical}" in LAENDER:
        canonical = f"DE-{canonical}"
    if canonical not in REGION_NAMES:
        report(
            "unknown_region",
            _(
                "Unknown region code “%(code)s”. Expected DE for Germany, DE-BUND for the federal "
                "administration or the ISO code of a Land: %(codes)s."
            )
            % {"code": excerpt(code), "codes": ", ".join(LAENDER)},
            "region_code",
        )
        return None
    with translation.override("en"):
        english = display_name(canonical)
    if name and name.casefold() not in {REGION_NAMES[canonical].casefold(), english.casefold()}:
        report(
            "region_mismatch",
            _(
                "The region name “%(name)s” does not match the code %(code)s, which stands for %(expected)s."
            )
            % {"name": excerpt(name), "code": canonical, "expected": REGION_NAMES[canonical]},
            "region_name",
        )
    return canonical


def _check_year(text: str, report: Report) -> int | None:
    if re.fullmatch(r"\d{4}", text) and YEAR_MIN <= int(text) <= YEAR_MAX:
        return int(text)
    report(
        "year",
        _(
            "“%(value)s” is not a valid year. Expected a four-digit year between %(min)d and %(max)d, such as 2023."
        )
        % {"value": excerpt(text), "min": YEAR_MIN, "max": YEAR_MAX},
        "year",
    )
    return None


def _check_percent(text: str, german: bool, report: Report) -> tuple[float | None, str]:
    example = "39,4" if german else "39.4"
    if text in genesis.SYMBOLS:
        return None, text
    pattern = r"-?\d+(,\d+)?" if german else r"-?\d+(\.\d+)?"
    if not re.fullmatch(pattern, text):
        if german and re.fullmatch(r"-?\d+\.\d+", text):
            message = _(
                "“%(value)s” uses a decimal point, but semicolon-separated files use the decimal "
                "comma. Expected a percentage such as %(example)s."
            )
        elif not german and re.fullmatch(r"-?\d+,\d+", text):
            message = _(
                "“%(value)s” uses a decimal comma, but comma-separated files use the decimal "
                "point. Expected a percentage such as %(example)s."
            )
        elif not text:
            message = _(
                "The cell is empty. Expected a percentage such as %(example)s or a symbol (-, ., /, x, ...)."
            )
        else:
            message = _(
                "“%(value)s” is not a number. Expected a percentage between 0 and 100, such as %(example)s."
            )
        report("value", message % {"value": excerpt(text), "example": example}, "value_percent")
        return None, ""
    value = float(text.replace(",", "."))
    if not 0 <= value <= 100:
        report(
            "value_range",
            _(
                "%(value)s is outside 0 to 100. Expected a percentage between 0 and 100, such as %(example)s."
            )
            % {"value": excerpt(text), "example": example},
            "value_percent",
        )
        return None, ""
    return value, ""


def _check_derived(text: str, report: Report) -> bool:
    folded = text.casefold()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    report(
        "derived",
        _("“%(value)s” is not understood. Expected yes or no (ja or nein; an empty cell means no).")
        % {"value": excerpt(text)},
        "derived",
    )
    return False


def _check_length(field_name: str, text: str, column: str, report: Report) -> None:
    limit = _MAX_LENGTH[field_name]
    if len(text) > limit:
        report(
            "too_long",
            _("The text has %(length)d characters; at most %(limit)d are allowed here.")
            % {"length": len(text), "limit": limit},
            column,
        )


# --- GENESIS ------------------------------------------------------------------------------------


# File names that say nothing about the table (an export of "GENESIS-Tabelle: Temporär" saved
# under the name GENESIS-Online offered).
_GENERIC_STEMS = frozenset({"temporär", "temporaer", "tabelle", "table", "download"})


def _genesis_name(table: genesis.GenesisTable, path: Path) -> str:
    """The default dataset name: the table code, else the file name, else the title.

    >>> t = genesis.GenesisTable("x.csv", genesis.TABLE, "Temporär", title="Baugenehmigungen: Gemeinden, Jahr")
    >>> _genesis_name(t, Path("wohngebiete.csv")), _genesis_name(t, Path("Temporär.csv"))
    ('wohngebiete', 'Baugenehmigungen: Gemeinden, Jahr')
    """
    if table.has_code:
        return table.code
    if path.stem.strip().casefold() in _GENERIC_STEMS and table.title:
        return table.title[:200]
    return path.stem


_YEAR_IN_TEXT = re.compile(r"(?<![\d.])(?:19|20)\d{2}(?![\d.])")


def _year_named(table: genesis.GenesisTable) -> int | None:
    """The one year a table names in its title and header lines or, failing that, in its notes
    ("Ergebnisse des Mikrozensus 2018"); ``None`` when it names none or several.

    >>> t = genesis.GenesisTable("f.csv", genesis.TABLE, "1", title="Bevölkerung", notes=["Mikrozensus 2018"])
    >>> _year_named(t), _year_named(genesis.GenesisTable("f.csv", genesis.TABLE, "1", notes=["1989, 2011"]))
    (2018, None)
    """
    for texts in ([table.title, table.statistic, table.region], table.notes):
        years = {int(y) for text in texts for y in _YEAR_IN_TEXT.findall(text)}
        if years:
            return years.pop() if len(years) == 1 else None
    return None


def _time_problems(
    table: genesis.GenesisTable, problems: ProblemList, year: int | None
) -> int | None:
    """Check the time of the table against ``year``; return the year that every value without
    a time of its own takes (``None``: each value keeps its own). Problems are recorded."""
    if not table.rows:
        return None
    dated = [row for row in table.rows if row.year is not None]
    if not dated:
        if year is not None:
            return year
        example = _year_named(table) or 2018
        problems.add(
            "genesis_time",
            _(
                "The table has no time dimension. Expected a column or header row with years "
                "(2023) or reference dates (31.12.2023); export the table with its time. If the "
                "whole table is for one year that only its title or a footnote names (such as "
                "“Ergebnisse des Mikrozensus %(example)d”), give that year when importing: "
                "ikoe import-benchmarks %(file)s --year %(example)d."
            )
            % {"example": example, "file": table.file},
        )
        return None
    if year is not None:
        other = next((row for row in dated if row.year != year), None)
        if other is not None:
            problems.add(
                "genesis_year_option",
                _(
                    "The table has its own time (here “%(time)s”), but the year %(year)d was "
                    "given for it. A year can only be given for a table without a time "
                    "dimension; import this table without the year."
                )
                % {"time": excerpt(other.time), "year": year},
                row=other.line,
                column=other.column,
            )
    return None


def _region_problem(table: genesis.GenesisTable, problems: ProblemList) -> bool:
    """Record one problem when no value of the table is for Germany or a Land (a table by
    Gemeinden or Kreise); return whether it was recorded."""
    if not table.rows or any(row.region_code for row in table.rows):
        return False
    first = table.rows[0]
    shown = first.region_name or "; ".join(label for label in first.labels if label)
    level = table.regional_level or first.region_name
    problems.add(
        "genesis_regions",
        _(
            "No figure of the table is for Germany or a Land: its regions are “%(level)s” "
            "(the first row shows “%(first)s”). Only figures for Germany and the Länder can be "
            "benchmarks. Export the table again with the regional level Deutschland or "
            "Bundesländer."
        )
        % {"level": excerpt(level) or "—", "first": excerpt(shown) or "—"},
        row=first.line,
        column=first.column if first.region_name else "A",  # the row labels start in A
    )
    return True


def _from_genesis(
    table: genesis.GenesisTable, result: BenchmarkFile, problems: ProblemList, year: int | None
) -> None:
    result.title = table.title or table.statistic
    result.source = table.source
    before = len(problems.problems) + problems.more
    fixed_year = _time_problems(table, problems, year)
    regions_refused = _region_problem(table, problems)
    if regions_refused or len(problems.problems) + problems.more > before:
        return
    seen: dict[tuple[str, str, str, str, str], GenesisRowRef] = {}
    for row in table.rows:
        if fixed_year is not None and row.year is None:
            row = replace(row, year=fixed_year, time=str(fixed_year))
        if row.region_code is None:
            problems.add(
                "genesis_region",
                _(
                    "The region “%(name)s” is not Germany or a Land, so its figures cannot be "
                    "used as benchmarks. Export the table for Germany or the Länder only."
                )
                % {"name": excerpt(row.region_name) or "—"},
                row=row.line,
                column=row.column,
            )
            continue
        if row.year is None:
            problems.add(
                "genesis_time",
                _(
                    "“%(time)s” has no year. Expected a year such as 2023 or a reference date such as 31.12.2023."
                )
                % {"time": excerpt(row.time)},
                row=row.line,
                column=row.column,
            )
            continue
        too_long = [
            (f, text)
            for f, text in (("period", row.time), ("measure", row.measure), ("unit", row.unit))
            if len(text) > _MAX_LENGTH[f]
        ]
        for f, text in too_long:
            problems.add(
                "too_long",
                _(
                    "The text “%(text)s” has %(length)d characters; at most %(limit)d are allowed here."
                )
                % {"text": excerpt(text), "length": len(text), "limit": _MAX_LENGTH[f]},
                row=row.line,
                column=row.column,
            )
        if too_long:
            continue
        key = (
            row.region_code,
            row.time,
            repr(sorted(row.classification.items())),
            row.measure,
            row.unit,
        )
        if key in seen:
            first = seen[key]
            problems.add(
                "duplicate_row",
                _(
                    "This value has the same region, time, classification and measure as the "
                    "value in row %(row)d, %(column)s. Each figure may appear only once."
                )
                % {"row": first.line, "column": first.column},
                row=row.line,
                column=row.column,
            )
            continue
        seen[key] = GenesisRowRef(row.line, row.column)
        result.rows.append(
            BenchmarkRecord(
                region_code=row.region_code,
                region_name=REGION_NAMES.get(row.region_code, row.region_name),
                year=row.year,
                period=row.time,
                measure=row.measure,
                measure_label=row.measure,
                definition="",
                classification=row.classification,
                unit=row.unit,
                value=row.value,
                symbol=row.symbol,
                derived=False,
                source=table.source,
            )
        )


@dataclass(frozen=True)
class GenesisRowRef:
    line: int
    column: str
