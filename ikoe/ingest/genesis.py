"""GENESIS-Online exports in long form: one row per value (docs/domain.md §6).

GENESIS-Online is the database of Destatis and of the Länder statistical offices. Two export
formats are read:

* **Table CSV** (classic "Tabelle", Windows-1252, ``;``)::

      GENESIS-Tabelle: 12411-0002                     table code ("Temporär" in older exports)
      Bevölkerung: Deutschland, Stichtag, Nationalität title (continued while a line ends with
                                                       "," or "/")
      Fortschreibung des Bevölkerungsstandes           statistic
      Deutschland                                      region (optional)
      Bevölkerungsstand (Anzahl)                       measure with unit (optional)
      ;Nationalität;Nationalität;Nationalität          column headers: an optional name row …
      ;Deutsche;Ausländer;Insgesamt                    … and a row of values; they start with
      31.12.1970;58263259;2737905;61001164             one empty cell per row dimension
      …
      __________                                       footer: notes (quoted, may span lines),
      © Statistisches Bundesamt (Destatis), 2020       copyright ("(C)opyright …" in older ones)
      Stand: 08.04.2020 / 17:09:43                     and the date of the data

* **Flat file "ffcsv"** (UTF-8 with BOM, ``;``): one value per row in the columns
  ``statistics_code``, ``statistics_label``, ``time_code``, ``time_label``, ``time``, then per
  variable ``N_variable_code``, ``N_variable_label``, ``N_variable_attribute_code``,
  ``N_variable_attribute_label``, then ``value``, ``value_unit``, ``value_variable_code``,
  ``value_variable_label`` and optionally ``value_q`` (quality flag).

Every row of the result names its region, time, classification, measure and unit.

How the dimensions of a table CSV are recognised
------------------------------------------------
Each column to the left of the values (a *row dimension*) and each header row above them (a
*column dimension*) is one dimension. Their roles are found from the values:

1. **Measure and unit.** When the header block has a line like ``Bevölkerungsstand (Anzahl)``, it
   gives the measure and unit of every value. Otherwise the measures are listed before the colon
   of the title (``Öffentlich geförderte Theaterunternehmen, Spielstätten, …: Bundesländer,
   Jahre``); the dimension whose values are those measures is the measure, and the dimension right
   after it is the unit when it holds one unit per measure (``Anzahl``, ``1000``, ``EUR`` …).
2. **Time.** The first dimension whose values all look like times: years (``2009``), reference
   dates (``31.12.1970``), school or academic years (``2019/20``), quarters or months with a year.
   Older exports of a table with one time write it as a header line instead
   (``Berichtsjahr: 2014``, ``Stichtag: 31.12.2010``); it applies to every value. A table that
   names its year only in its title or a footnote has no time here (the importer's ``--year``).
3. **Region.** A dimension whose values are mostly Germany or Land names (``Baden-Württemberg``);
   its total ``Insgesamt`` is Germany. When there is none, the region line of the header (or the
   first item after the colon of the title) applies to every value.
4. **Classification.** Every other dimension becomes one entry of ``classification``
   (``{"Nationalität": "Deutsche"}``).

A classifying dimension takes its name from the header row above its values when GENESIS writes
one (``;Nationalität;Nationalität``). Where the header cell is empty, the name is taken from the
title, which lists the region, the time and then every classifying variable after the colon
(``Ausländer: Deutschland, Stichtag, Geschlecht, Aufenthaltstitel/…, Ländergruppierungen/…``).
The title does not say which column holds which variable, so each unnamed dimension is matched to
a title variable, in this order:

a. known values: ``männlich``/``weiblich`` belong to a variable called ``Geschlecht``,
   ``Deutsche``/``Ausländer`` to ``Nationalität``;
b. shared words: the variable whose name's words (5 letters or more) occur in most of the
   dimension's values (``Unbefristeter Aufenthaltstitel`` → ``Aufenthaltstitel/…``);
c. the title variables left over, in title order, for the dimensions left over, from left to
   right and then top to bottom;
d. ``variable_N`` (N = position of the dimension) when the title names no variable for it.

Values and special values
-------------------------
Numbers use the decimal comma in German exports (``1,5``) and the decimal point in English ones.
The GENESIS symbols ``-`` (nothing), ``.`` (unknown or secret), ``/`` (not reliable enough),
``x`` (not meaningful) and ``...`` (later) are kept in ``symbol`` with no value: a ``-`` is
never read as zero. A value in parentheses (limited reliability) keeps its number and the symbol
``()``. Quality flags ``p`` (preliminary), ``r`` (revised), ``s`` (estimated) and ``e`` (final)
written after a number (``1234p``) or in the ``value_q`` column of a flat file are kept in
``symbol`` beside the number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, ProblemList, excerpt
from ikoe.ingest.text import DecodedText, parse_number, read_text
from ikoe.regions import GERMANY, code_for_name

SYMBOLS = ("-", ".", "/", "x", "...")
FLAGS = ("p", "r", "s", "e")
LIMITED = "()"

TABLE = "table"
FLAT = "flat"

_CODE_LINE = re.compile(r"^\s*GENESIS[- ]?(Tabelle|Table)\s*:\s*(\S.*?)\s*$", re.IGNORECASE)
_MEASURE_LINE = re.compile(r"^(?P<measure>.+?)\s*\((?P<unit>[^()]+)\)$")
_NUMBER_FLAG = re.compile(r"^(?P<number>[-+]?\d[\d.,]*)\s*(?P<flag>[prse])?$")
_COPYRIGHT = re.compile(
    r"^(©|\(c\)(opyright)?|copyright)\s*(?P<holder>.+?)(,?\s+(?P<year>\d{4}))?(\s*-)?\s*$",
    re.IGNORECASE,
)
_STAND = re.compile(r"^(Stand|As of|Status)\s*:\s*(?P<stand>.+?)\s*$", re.IGNORECASE)
_TABLE_CODE_IN_NAME = re.compile(r"(\d{5}-\d{4})")
# A table code of GENESIS-Online and the regional databases: 12411-0002, 12613-02-02-4,
# 1000A-0000, 12211-9134i. Older exports of a table put together by the user read "Temporär".
_TABLE_CODE = re.compile(r"^[0-9][0-9A-Z]{4}-[0-9A-Za-z]+(-[0-9A-Za-z]+)*$")
# A header line that fixes the time of every value: "Berichtsjahr: 2014", "Stichtag: 31.12.2010".
_FIXED_TIME = re.compile(
    r"^(Berichtsjahr|Berichtszeitraum|Stichtag|Jahr|Reference year|Reference date|Year)"
    r"\s*:\s*(?P<time>.+?)\s*$",
    re.IGNORECASE,
)
# Labels of a region dimension that stand for the sum of all Länder, that is Germany.
_TOTAL_LABELS = frozenset({"insgesamt", "deutschland insgesamt", "zusammen", "total"})

_MONTHS = (
    "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    "january|february|march|may|june|july|october|december"
)
_TIME_PATTERNS = [
    re.compile(r"^\d{4}$"),
    re.compile(r"^\d{2}\.\d{2}\.\d{4}$"),
    re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    re.compile(r"^\d{4}/\d{2}(\d{2})?$"),
    re.compile(r"^(WS|SS|WiSe|SoSe)\s*\d{4}(/\d{2,4})?$", re.IGNORECASE),
    re.compile(r"^\d\.?\s*(Quartal|Vierteljahr|Halbjahr)\s+\d{4}$", re.IGNORECASE),
    re.compile(r"^\d{4}\s*(Q|M|H)\d{1,2}$", re.IGNORECASE),
    re.compile(rf"^({_MONTHS})\s+\d{{4}}$", re.IGNORECASE),
]
_YEAR_AT_END = re.compile(r"^\d{2}\.\d{2}\.(\d{4})$")
_FIRST_YEAR = re.compile(r"(?<!\d)(1[89]\d{2}|2[01]\d{2})(?!\d)")

_UNIT_WORDS = {
    "anzahl",
    "number",
    "%",
    "prozent",
    "percent",
    "eur",
    "euro",
    "personen",
    "persons",
    "jahre",
    "years",
    "stunden",
    "hours",
    "tage",
    "days",
    "qkm",
    "sq km",
    "ha",
    "t",
    "kg",
    "km",
    "ew/qkm",
}
_UNIT_PREFIX = re.compile(
    r"^(\d+|tsd\.?|mill\.?|mrd\.?|thousand|million|billion)(\s+|$)", re.IGNORECASE
)
_INDEX_UNIT = re.compile(r"^\d{4}\s*=\s*100$")

# Values that identify a classifying variable by a word of its name (step a. above).
_KNOWN_VALUES: dict[str, frozenset[str]] = {
    "geschlecht": frozenset({"männlich", "weiblich", "divers", "ohne angabe", "insgesamt"}),
    "sex": frozenset({"male", "female", "diverse", "not stated", "total"}),
    "nationalität": frozenset({"deutsche", "ausländer", "ausländer/-innen", "insgesamt"}),
    "nationality": frozenset({"germans", "foreigners", "total"}),
}

# Variable codes of the flat file that hold regions (Deutschland insgesamt, Länder, Kreise …).
_REGION_VARIABLE_PREFIXES = ("DINSG", "DLAND", "GEO", "KREISE", "REGBEZ", "GEMEIN")


@dataclass(frozen=True)
class GenesisRow:
    """One value of a GENESIS table with everything that identifies it."""

    line: int  # the row of the file the value is in (spreadsheet numbering)
    column: str  # where in that row, for messages: "2009 (C)" or "value"
    region_name: str
    region_code: str | None  # ISO 3166-2 for a Land, "DE" for Germany, else None
    time: str  # as GENESIS writes it: "31.12.1970", "2009", "2019/20"
    year: int | None
    classification: dict[str, str]
    measure: str
    unit: str
    value: float | None
    symbol: str  # "", one of SYMBOLS, "()" or a flag p/r/s/e
    labels: tuple[str, ...] = ()  # the row labels of the data row (table CSV)


@dataclass
class GenesisTable:
    """A parsed GENESIS export."""

    file: str
    format: str  # TABLE or FLAT
    code: str  # "12411-0002"; "Temporär" in older exports of a table the user put together
    title: str = ""
    statistic: str = ""
    region: str = ""  # the region line of the header block, if any
    time: str = ""  # the time of every value, from a header line "Berichtsjahr: 2014", if any
    regional_level: str = ""  # the item of the title that names the regions: "Gemeinden"
    copyright: str = ""  # "© Statistisches Bundesamt (Destatis), 2020"
    stand: str = ""  # "08.04.2020 / 17:09:43"
    notes: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)  # classifying variables, in order
    rows: list[GenesisRow] = field(default_factory=list)

    @property
    def has_code(self) -> bool:
        """Whether the export names its table ("12411-0002"), not "Temporär".

        >>> GenesisTable("f.csv", TABLE, "12613-02-02-4").has_code, GenesisTable("f.csv", TABLE, "Temporär").has_code
        (True, False)
        """
        return bool(_TABLE_CODE.match(self.code))

    @property
    def publisher(self) -> str:
        """The copyright holder without the © and the year."""
        match = _COPYRIGHT.match(self.copyright)
        return match.group("holder").strip() if match else ""

    @property
    def source(self) -> str:
        """How a figure from this table is cited.

        >>> GenesisTable("f.csv", TABLE, "12411-0002", copyright="© Statistisches Bundesamt (Destatis), 2020",
        ...              stand="08.04.2020 / 17:09:43").source
        'Statistisches Bundesamt (Destatis), GENESIS-Online, table 12411-0002, Stand 08.04.2020 / 17:09:43'
        >>> GenesisTable("f.csv", FLAT, "12411-0002").source
        'GENESIS-Online, table 12411-0002'
        >>> GenesisTable("f.csv", TABLE, "Temporär", title="Baugenehmigungen: Gemeinden, Jahr").source
        'GENESIS-Online, Baugenehmigungen: Gemeinden, Jahr'
        """
        parts = [self.publisher] if self.publisher else []
        parts.append("GENESIS-Online")
        if self.has_code:
            parts.append(f"table {self.code}")
        elif self.title:
            parts.append(self.title)
        if self.stand:
            parts.append(f"Stand {self.stand}")
        return ", ".join(parts)


# --- values -------------------------------------------------------------------------------------


def _cell_value(
    raw: str, decimal: str, problems: ProblemList, line: int, column: str
) -> tuple[float | None, str] | None:
    """(value, symbol) of one data cell, or ``None`` after recording why it cannot be read."""
    if not raw:
        problems.add(
            "genesis_empty",
            _(
                "The cell is empty. Expected a number or one of the GENESIS symbols -, ., /, x or ..."
            ),
            row=line,
            column=column,
        )
        return None
    try:
        return parse_value(raw, decimal)
    except ValueError:
        problems.add(
            "genesis_value",
            _(
                "“%(value)s” is neither a number nor a GENESIS symbol. Expected a number "
                "(such as 1234 or %(example)s, optionally followed by a flag p, r, s or e) or one "
                "of the symbols -, ., /, x or ..."
            )
            % {"value": excerpt(raw), "example": "1,5" if decimal == "," else "1.5"},
            row=line,
            column=column,
        )
        return None


def parse_value(raw: str, decimal: str = ",") -> tuple[float | None, str]:
    """A GENESIS cell as (value, symbol). Raises ``ValueError`` for anything else.

    >>> parse_value("58263259")
    (58263259.0, '')
    >>> parse_value("1,5")
    (1.5, '')
    >>> parse_value("-")
    (None, '-')
    >>> parse_value("…")
    (None, '...')
    >>> parse_value("1234p")
    (1234.0, 'p')
    >>> parse_value("(12,5)")
    (12.5, '()')
    >>> parse_value("1.5", ".")
    (1.5, '')
    """
    text = raw.strip()
    if text == "…":
        text = "..."
    if text in SYMBOLS or text == "X":
        return None, text.lower()
    if len(text) > 2 and text.startswith("(") and text.endswith(")"):
        value, symbol = parse_value(text[1:-1], decimal)
        if value is None or symbol:
            raise ValueError(raw)
        return value, LIMITED
    match = _NUMBER_FLAG.match(text)
    if not match:
        raise ValueError(raw)
    number = match.group("number")
    if decimal == "," and re.search(r"\.\d{1,2}$", number):
        raise ValueError(raw)  # a decimal point in a file that uses the decimal comma
    return parse_number(number, decimal), match.group("flag") or ""


def is_time(label: str) -> bool:
    """Whether a label names a point or period of time.

    >>> [is_time(x) for x in ("2009", "31.12.1970", "2019/20", "2. Quartal 2020", "männlich", "Anzahl")]
    [True, True, True, True, False, False]
    """
    text = label.strip()
    if not any(p.match(text) for p in _TIME_PATTERNS):
        return False
    return year_of(text) is not None


def year_of(label: str) -> int | None:
    """The year of a time label: the year of a date, else the first year in it.

    >>> year_of("31.12.1970"), year_of("2009"), year_of("2019/20"), year_of("2022-05-15"), year_of("Insgesamt")
    (1970, 2009, 2019, 2022, None)
    """
    text = label.strip()
    match = _YEAR_AT_END.match(text) or _FIRST_YEAR.search(text)
    return int(match.group(1)) if match else None


def is_unit(label: str) -> bool:
    """Whether a label is a unit as GENESIS writes units.

    >>> [is_unit(x) for x in ("Anzahl", "1000", "Tsd. EUR", "Mill. EUR", "%", "2020=100", "Berlin")]
    [True, True, True, True, True, True, False]
    """
    text = label.strip().casefold()
    if not text:
        return False
    if text in _UNIT_WORDS or _INDEX_UNIT.match(text):
        return True
    match = _UNIT_PREFIX.match(text)
    if match:
        rest = text[match.end() :].strip()
        return not rest or rest in _UNIT_WORDS
    return False


# --- format detection ---------------------------------------------------------------------------


def detect_format(text: str) -> str | None:
    """``TABLE``, ``FLAT`` or ``None`` when the text is not a GENESIS export.

    >>> detect_format("GENESIS-Tabelle: 12411-0002\\nBevölkerung;;")
    'table'
    >>> detect_format("statistics_code;time;1_variable_attribute_label;value\\n")
    'flat'
    >>> detect_format("region_code,year\\n") is None
    True
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    if _CODE_LINE.match(first.split(";", 1)[0]):
        return TABLE
    header = {cell.strip().strip('"') for cell in first.split(";")}
    if {"time", "value", "1_variable_attribute_label"} <= header:
        return FLAT
    return None


def read_genesis(
    path: str | Path, *, text: DecodedText | None = None, problems: ProblemList | None = None
) -> GenesisTable:
    """Read a GENESIS export of either format.

    Problems with single values are collected in ``problems`` when it is given (the caller raises
    them together with its own); otherwise they are raised here. A file whose structure cannot be
    read raises :class:`ImportFailed` at once.
    """
    name = str(path)
    decoded = text or read_text(path)
    own = problems is None
    collected = ProblemList(file=name) if problems is None else problems
    if not decoded.text.strip():
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    kind = detect_format(decoded.text)
    if kind == TABLE:
        table = _read_table(name, decoded.text, collected)
    elif kind == FLAT:
        table = _read_flat(name, decoded.text, collected)
    else:
        raise ImportFailed.single(
            "format",
            _(
                "This is not a GENESIS-Online export. Expected a table CSV whose first line reads "
                "“GENESIS-Tabelle: <table code>” or a flat file (ffcsv) with the columns time, "
                "value and 1_variable_attribute_label."
            ),
            file=name,
            row=1,
        )
    if own:
        collected.raise_if_any()
    return table


# --- table CSV ----------------------------------------------------------------------------------


Record = tuple[int, list[str]]


def _records(name: str, text: str) -> list[Record]:
    """Non-blank CSV records with their (last) line number; cells stripped."""
    reader = csv.reader(io.StringIO(text), delimiter=";")
    records: list[Record] = []
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                records.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ImportFailed.single(
            "csv",
            _("The file is not valid CSV: %(reason)s") % {"reason": exc},
            file=name,
            row=reader.line_num,
        ) from exc
    return records


def _only_first(cells: Sequence[str]) -> bool:
    return bool(cells and cells[0]) and not any(cells[1:])


def _column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index.

    >>> _column_letter(0), _column_letter(25), _column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _fill_right(cells: list[str]) -> list[str]:
    filled: list[str] = []
    for cell in cells:
        filled.append(cell or (filled[-1] if filled else ""))
    return filled


@dataclass
class _Dim:
    """One dimension of a table CSV: a column of row labels or a row of column labels."""

    axis: str  # "row" or "column"
    index: int  # position on its axis
    labels: list[str]  # one per data row (axis "row") or per value column (axis "column")
    name: str | None = None
    role: str = ""  # "measure", "unit", "time", "region" or "" (classifying)

    def values(self) -> list[str]:
        return list(dict.fromkeys(self.labels))


def _split_title(title: str) -> tuple[str, list[str]]:
    """The subject before the colon and the items after it.

    >>> _split_title("Bevölkerung: Deutschland, Stichtag, Nationalität")
    ('Bevölkerung', ['Deutschland', 'Stichtag', 'Nationalität'])
    """
    subject, sep, rest = title.partition(":")
    if not sep:
        return title.strip(), []
    return subject.strip(), [item.strip() for item in rest.split(",") if item.strip()]


def _join_title(lines: list[str]) -> str:
    """The title from its lines: a space after a "," and nothing after a "/".

    >>> _join_title(["Ausländer: Deutschland, Stichtag, Geschlecht/Altersjahre/", "Familienstand"])
    'Ausländer: Deutschland, Stichtag, Geschlecht/Altersjahre/Familienstand'
    """
    title = ""
    for line in lines:
        title += line if not title or title.endswith("/") else " " + line
    return title


def _title_words(name: str) -> set[str]:
    return {w for w in re.split(r"[^\wäöüß]+", name.casefold()) if len(w) >= 5}


def _read_table(name: str, text: str, problems: ProblemList) -> GenesisTable:
    records = _records(name, text)
    table, decimal = _start_table(name, records[0])
    footer_at = _footer_start(records)
    _read_footer(table, records[footer_at + 1 :])
    parts = _split_body(name, records[0][0], records[1:footer_at])
    table.title = _join_title(parts.title)
    fixed_measure = _read_header_block(table, parts.meta)
    k, width, column_dims = _column_dims(parts.header)
    good_data, row_labels = _data_rows(parts.data, k, width, problems)
    row_dims = [_Dim("row", p, [labels[p] for labels in row_labels]) for p in range(k)]
    dims = row_dims + column_dims

    subject, items = _split_title(table.title)
    table.regional_level = next((item for item in items if _is_region_kind(item)), "")
    _assign_roles(dims, subject, items, find_measure=fixed_measure is None)
    table.variables = [d.name or "" for d in dims if not d.role]
    fixed_region = table.region or (items[0] if items and code_for_name(items[0]) else "")
    if not table.region and fixed_region:
        table.region = fixed_region

    layout = _Layout(
        k,
        dims,
        _column_names(column_dims, k, width - k),
        fixed_measure,
        subject,
        fixed_region,
        table.time,
    )
    for record, labels in zip(good_data, row_labels, strict=True):
        table.rows.extend(_value_rows(layout, record, labels, decimal, problems))
    return table


def _start_table(name: str, first: Record) -> tuple[GenesisTable, str]:
    """The table named by the first line ("GENESIS-Tabelle: 12411-0002"), and its decimal sign."""
    first_line, cells = first
    match = _CODE_LINE.match(cells[0])
    if not match:  # pragma: no cover - detect_format checked it
        raise ImportFailed.single(
            "format", _("The file is not a GENESIS-Online table."), file=name, row=first_line
        )
    decimal = "." if match.group(1).casefold() == "table" else ","
    return GenesisTable(name, TABLE, match.group(2)), decimal


def _footer_start(records: list[Record]) -> int:
    """Index of the footer line "__________" (the number of records when there is none)."""
    return next(
        (
            i
            for i, (_line, cells) in enumerate(records)
            if cells[0].startswith("___") and not any(cells[1:])
        ),
        len(records),
    )


@dataclass
class _Body:
    """The records between the code line and the footer, by what they are."""

    title: list[str]  # the title's lines (a line ending with "," continues on the next)
    meta: list[str]  # statistic, region, measure and further notes
    header: list[Record]  # the column headers
    data: list[Record]


def _split_body(name: str, first_line: int, body: list[Record]) -> _Body:
    """Title, header block, column headers and data rows; raises when headers or data are missing.

    >>> parts = _split_body("f.csv", 1, [(2, ["Title: Land, Year"]), (3, ["Statistic"]),
    ...                                  (4, ["", "2019", "2020"]), (5, ["Berlin", "1", "2"])])
    >>> parts.title, parts.meta, parts.header, parts.data
    (['Title: Land, Year'], ['Statistic'], [(4, ['', '2019', '2020'])], [(5, ['Berlin', '1', '2'])])

    A title line ending with "," or "/" continues on the next line (GENESIS breaks long titles
    there: "Ausländer: Deutschland, Stichtag, Geschlecht/Altersjahre/" + "Familienstand, …").
    """
    i = 0
    title_parts: list[str] = []
    while i < len(body) and _only_first(body[i][1]):
        title_parts.append(body[i][1][0])
        i += 1
        if not title_parts[-1].endswith((",", "/")):
            break
    meta: list[str] = []
    while i < len(body) and _only_first(body[i][1]):
        meta.append(body[i][1][0])
        i += 1
    header: list[Record] = []
    while i < len(body) and not body[i][1][0]:
        header.append(body[i])
        i += 1
    data = body[i:]

    if not header:
        line = body[i][0] if i < len(body) else first_line
        raise ImportFailed.single(
            "genesis_header",
            _(
                "The column headers of the table were not found. Expected one or two header rows "
                "after the title, statistic, region and measure lines, each starting with an empty "
                "cell for every column of row labels."
            ),
            file=name,
            row=line,
        )
    if not data:
        raise ImportFailed.single(
            "genesis_no_data",
            _(
                "The table has no data rows between its column headers and the footer line “__________”."
            ),
            file=name,
            row=header[-1][0] + 1,
        )
    return _Body(title_parts, meta, header, data)


def _read_header_block(table: GenesisTable, meta: list[str]) -> tuple[str, str] | None:
    """Fill in statistic, region and notes; return the (measure, unit) of every value, if given.

    The header block holds the statistic, then the region line and the measure line
    "Measure (unit)", each optional, in this order. Further lines are kept as notes. A line
    "Berichtsjahr: 2014" or "Stichtag: 31.12.2010" (older exports of a table with one time)
    gives the time of every value wherever it stands.

    >>> table = GenesisTable("f.csv", TABLE, "12411-0002")
    >>> _read_header_block(table, ["Fortschreibung", "Deutschland", "Bevölkerungsstand (Anzahl)"])
    ('Bevölkerungsstand', 'Anzahl')
    >>> table.statistic, table.region
    ('Fortschreibung', 'Deutschland')
    >>> table = GenesisTable("f.csv", TABLE, "Temporär")
    >>> _read_header_block(table, ["Statistik der Baugenehmigungen", "Berichtsjahr: 2014"])
    >>> table.statistic, table.region, table.time
    ('Statistik der Baugenehmigungen', '', '2014')
    """
    fixed_measure: tuple[str, str] | None = None
    for line in list(meta):
        m = _FIXED_TIME.match(line)
        if m and is_time(m.group("time")):
            table.time = m.group("time")
            meta = [other for other in meta if other is not line]
    if meta:
        table.statistic = meta[0]
        rest = meta[1:]
        m = _MEASURE_LINE.match(rest[-1]) if rest else None
        if m and (len(rest) >= 2 or code_for_name(rest[-1]) is None):
            fixed_measure = (m.group("measure").strip(), m.group("unit").strip())
            rest = rest[:-1]
        if rest:
            table.region = rest[0]
            table.notes.extend(rest[1:])
    return fixed_measure


def _column_dims(header: list[Record]) -> tuple[int, int, list[_Dim]]:
    """Row-label columns ``k``, the width of the header and its column dimensions.

    A header row whose cells all repeat one name (``;Nationalität;Nationalität``) names the
    dimension whose values are in the row below it. With a single value column, a lone name
    row is recognised when the row below holds a time (``;Stichtag`` above ``;31.12.2020``).

    >>> k, width, dims = _column_dims([(5, ["", "Nationalität", "Nationalität"]),
    ...                                (6, ["", "Deutsche", "Ausländer"])])
    >>> k, width, [(d.name, d.labels) for d in dims]
    (1, 3, [('Nationalität', ['Deutsche', 'Ausländer'])])
    >>> k, width, dims = _column_dims([(5, ["", "Stichtag"]), (6, ["", "31.12.2020"])])
    >>> k, width, [(d.name, d.labels) for d in dims]
    (1, 2, [('Stichtag', ['31.12.2020'])])
    """
    last_header = header[-1][1]
    k = next(j for j, cell in enumerate(last_header) if cell)
    width = max(max(j for j, cell in enumerate(cells) if cell) + 1 for _line, cells in header)
    column_dims: list[_Dim] = []
    header_rows = [
        _fill_right(cells[k:width] + [""] * (width - len(cells))) for _line, cells in header
    ]
    j = 0
    while j < len(header_rows):
        cells = header_rows[j]
        below = header_rows[j + 1] if j + 1 < len(header_rows) else []
        names_below = len(set(cells)) == 1 and (
            len(cells) > 1 or (not is_time(cells[0]) and all(is_time(v) for v in below))
        )
        if below and names_below:
            column_dims.append(_Dim("column", len(column_dims), header_rows[j + 1], name=cells[0]))
            j += 2
        else:
            column_dims.append(_Dim("column", len(column_dims), cells))
            j += 1
    return k, width, column_dims


def _data_rows(
    data: list[Record], k: int, width: int, problems: ProblemList
) -> tuple[list[Record], list[list[str]]]:
    """The data rows as wide as the header, with their ``k`` row labels (an empty label repeats
    the one above); a row of another width is recorded as a problem and left out."""
    row_labels: list[list[str]] = []
    previous = [""] * k
    good_data: list[Record] = []
    for line, cells in data:
        if len(cells) < width or any(cells[width:]):
            found = (
                len(cells) if len(cells) < width else max(j for j, c in enumerate(cells) if c) + 1
            )
            problems.add(
                "genesis_width",
                _(
                    "The row has %(found)d cells, but the column headers span %(expected)d. "
                    "Expected one label per row dimension and one value per column."
                )
                % {"found": found, "expected": width},
                row=line,
            )
            continue
        labels = [cells[p] or previous[p] for p in range(k)]
        previous = labels
        row_labels.append(labels)
        good_data.append((line, cells))
    return good_data, row_labels


def _assign_roles(dims: list[_Dim], subject: str, items: list[str], *, find_measure: bool) -> None:
    """Measure and unit (unless the header block gave them), time, region and the names of the
    classifying dimensions, in this order (see the module docstring)."""
    if find_measure:
        _assign_measure(dims, subject)
    time_dim = next(
        (d for d in dims if not d.role and d.labels and all(is_time(v) for v in d.values())), None
    )
    if time_dim:
        time_dim.role = "time"
    _assign_region(dims)
    _name_classifying(dims, items)


def _column_names(column_dims: list[_Dim], k: int, ncols: int) -> list[str]:
    """How messages name each value column: its labels and its spreadsheet letter.

    >>> _column_names([_Dim("column", 0, ["Deutsche", ""])], 1, 2)
    ['Deutsche (B)', 'C']
    """
    column_names = []
    for c in range(ncols):
        label = " / ".join(d.labels[c] for d in column_dims if d.labels[c])
        column_names.append(
            f"{label} ({_column_letter(k + c)})" if label else _column_letter(k + c)
        )
    return column_names


@dataclass
class _Layout:
    """What every value of a table CSV needs from its dimensions and header block."""

    k: int  # columns of row labels; values start after them
    dims: list[_Dim]  # row dimensions, then column dimensions, each with its role or name
    column_names: list[str]  # per value column, for messages
    fixed_measure: tuple[str, str] | None  # (measure, unit) of every value, from the header block
    subject: str  # the title before the colon: the measure when no dimension gives one
    fixed_region: str  # the region when no dimension gives one
    fixed_time: str  # the time when no dimension gives one ("Berichtsjahr: 2014")


def _value_rows(
    layout: _Layout, record: Record, labels: list[str], decimal: str, problems: ProblemList
) -> list[GenesisRow]:
    """One :class:`GenesisRow` per value of a data row (values that cannot be read are recorded
    as problems and left out)."""
    line, cells = record
    rows: list[GenesisRow] = []
    for c, column in enumerate(layout.column_names):
        at: dict[str, str] = {}
        classification: dict[str, str] = {}
        for d in layout.dims:
            label = labels[d.index] if d.axis == "row" else d.labels[c]
            if d.role:
                at[d.role] = label
            else:
                classification[d.name or ""] = label
        parsed = _cell_value(cells[layout.k + c], decimal, problems, line, column)
        if parsed is None:
            continue
        value, symbol = parsed
        if layout.fixed_measure:
            measure, unit = layout.fixed_measure
        else:
            measure = at.get("measure", layout.subject)
            unit = at.get("unit", "")
        region = at.get("region", layout.fixed_region)
        time = at.get("time", layout.fixed_time)
        rows.append(
            GenesisRow(
                line=line,
                column=column,
                region_name=region,
                region_code=_region_code(region, "region" in at),
                time=time,
                year=year_of(time) if time else None,
                classification=classification,
                measure=measure,
                unit=unit,
                value=value,
                symbol=symbol,
                labels=tuple(labels),
            )
        )
    return rows


def _region_code(name: str, in_dimension: bool) -> str | None:
    """The code of a region label; in a dimension of Länder its total ("Insgesamt") is Germany.

    >>> _region_code("Bremen", True), _region_code("Insgesamt", True), _region_code("Insgesamt", False)
    ('DE-HB', 'DE', None)
    """
    if not name:
        return None
    if in_dimension and name.strip().casefold() in _TOTAL_LABELS:
        return GERMANY
    return code_for_name(name)


def _read_footer(table: GenesisTable, footer: Iterable[Record]) -> None:
    for _line, cells in footer:
        for cell in cells:
            if not cell or set(cell) == {"_"}:  # older exports separate notes and copyright
                continue
            if _COPYRIGHT.match(cell):
                table.copyright = cell
            elif m := _STAND.match(cell):
                table.stand = m.group("stand")
            else:
                table.notes.append(cell)


def _assign_measure(dims: list[_Dim], subject: str) -> _Dim | None:
    """Find the dimension that lists the measures of the title, and its unit dimension."""
    items = {item.strip().casefold() for item in subject.split(",") if item.strip()}
    folded_subject = subject.casefold()
    for d in dims:
        values = [v.casefold() for v in d.values()]
        if not values or any(not v for v in values):
            continue
        if all(v in items for v in values) or (
            len(values) >= 2 and all(len(v) >= 4 and v in folded_subject for v in values)
        ):
            d.role = "measure"
            neighbour = next(
                (e for e in dims if e.axis == d.axis and e.index == d.index + 1 and not e.role),
                None,
            )
            if neighbour and all(is_unit(v) for v in neighbour.values()):
                units: dict[str, set[str]] = {}
                for measure, unit in zip(d.labels, neighbour.labels, strict=True):
                    units.setdefault(measure, set()).add(unit)
                if all(len(u) == 1 for u in units.values()):
                    neighbour.role = "unit"
            return d
    return None


def _assign_region(dims: list[_Dim]) -> _Dim | None:
    best: _Dim | None = None
    best_share = 0.5
    for d in dims:
        if d.role:
            continue
        values = d.values()
        if not values:
            continue
        share = sum(1 for v in values if code_for_name(v)) / len(values)
        if share > best_share:
            best, best_share = d, share
    if best:
        best.role = "region"
    return best


def _name_classifying(dims: list[_Dim], items: list[str]) -> None:
    """Give every classifying dimension a variable name (see the module docstring)."""
    classifying = [d for d in dims if not d.role]
    named = {d.name.casefold() for d in classifying if d.name}
    # The title lists region and time first; they are not classifying variables. An item such
    # as "Geschlecht/Altersjahre/Familienstand" offers alternatives: when the header already
    # names one of them ("Geschlecht"), the item is taken.
    candidates = [
        item
        for n, item in enumerate(items)
        if item.casefold() not in named
        and not any(part.strip() in named for part in item.casefold().split("/"))
        and not (n == 0 and (code_for_name(item) or _is_region_kind(item)))
        and not (n <= 1 and _is_time_kind(item))
    ]
    unnamed = [d for d in classifying if not d.name]

    def take(d: _Dim, candidate: str) -> None:
        d.name = candidate
        candidates.remove(candidate)
        unnamed.remove(d)

    # a. known values
    for d in list(unnamed):
        value_set = {v.casefold() for v in d.values()}
        for candidate in list(candidates):
            words = _title_words(candidate)
            if any(w in words and value_set <= known for w, known in _KNOWN_VALUES.items()):
                take(d, candidate)
                break
    # b. shared words, best match first
    while unnamed and candidates:
        scored = []
        for d in unnamed:
            values = [v.casefold() for v in d.values()]
            for candidate in candidates:
                words = _title_words(candidate)
                hits = sum(1 for v in values if any(w in v for w in words))
                if hits:
                    scored.append((hits / len(values), -dims.index(d), d, candidate))
        if not scored:
            break
        _share, _pos, d, candidate = max(scored, key=lambda s: (s[0], s[1]))
        take(d, candidate)
    # c. title order; d. generic names
    for d in list(unnamed):
        if candidates:
            take(d, candidates[0])
        else:
            d.name = f"variable_{dims.index(d) + 1}"
            unnamed.remove(d)


_REGION_KINDS = (
    "deutschland",
    "bundesländer",
    "länder",
    "kreise",
    "regierungsbezirke",
    "gemeinden",
    "germany",
)
_TIME_KINDS = (
    "stichtag",
    "jahr",
    "schuljahr",
    "monat",
    "quartal",
    "halbjahr",
    "semester",
    "reference date",
    "year",
    "month",
    "quarter",
)


def _is_region_kind(item: str) -> bool:
    text = item.casefold()
    return any(text.startswith(kind) for kind in _REGION_KINDS)


def _is_time_kind(item: str) -> bool:
    """The time item of a title: "Stichtag", "Jahre", "Monate", "Schuljahre", "Wintersemester" …"""
    text = item.casefold()
    return any(
        text.startswith(kind) or text.endswith(kind) or text.endswith(kind + "e")
        for kind in _TIME_KINDS
    )


# --- flat file (ffcsv) --------------------------------------------------------------------------

_FLAT_REQUIRED = ("time", "value")
_ENGLISH_TIME_LABELS = {"reference date", "year", "years", "month", "quarter", "semester"}


def _read_flat(name: str, text: str, problems: ProblemList) -> GenesisTable:
    records = _records(name, text)
    header_line, header = records[0]
    columns = _FlatColumns.of(name, header_line, header)
    rows = records[1:]
    decimal = _flat_decimal(name, columns, rows)
    cell = columns.cell

    code_match = _TABLE_CODE_IN_NAME.search(Path(name).name)
    first_cells = rows[0][1] if rows else []
    table = GenesisTable(
        name,
        FLAT,
        code_match.group(1) if code_match else cell(first_cells, "statistics_code"),
        title=cell(first_cells, "statistics_label"),
        statistic=cell(first_cells, "statistics_label"),
    )
    if not rows:
        raise ImportFailed.single(
            "genesis_no_data",
            _("The flat file has a header row but no data rows."),
            file=name,
            row=header_line + 1,
        )

    region_blocks = _region_blocks(columns, rows)
    table.variables = list(
        dict.fromkeys(
            cell(cells, f"{b}_variable_label")
            for _line, cells in rows[:1]
            for b in columns.blocks
            if b not in region_blocks
        )
    )
    for line, cells in rows:
        row = _flat_row(columns, region_blocks, table.statistic, line, cells, decimal, problems)
        if row is not None:
            table.rows.append(row)
    return table


@dataclass
class _FlatColumns:
    """The columns of a flat file: where each is, and the numbers ``N`` of its variable blocks
    (``N_variable_code``, ``N_variable_label``, ``N_variable_attribute_label`` …)."""

    position: dict[str, int]
    blocks: list[int]

    @classmethod
    def of(cls, name: str, header_line: int, header: list[str]) -> _FlatColumns:
        """The columns of ``header``; raises when a required one is missing."""
        position = {cell: j for j, cell in enumerate(header) if cell}
        missing = [column for column in _FLAT_REQUIRED if column not in position]
        if missing:
            header_problems = ProblemList(file=name)
            for column in missing:
                header_problems.add(
                    "flat_columns",
                    _(
                        "The flat file lacks the column “%(column)s”. A GENESIS-Online flat file (ffcsv) "
                        "has the columns time, value and N_variable_attribute_label."
                    )
                    % {"column": column},
                    row=header_line,
                    column=column,
                )
            header_problems.raise_if_any()
        blocks = []
        n = 1
        while f"{n}_variable_attribute_label" in position:
            blocks.append(n)
            n += 1
        return cls(position, blocks)

    def cell(self, cells: list[str], column: str) -> str:
        """The cell of ``column`` in a row (``""`` when the file or the row has none).

        >>> columns = _FlatColumns({"time": 0, "value": 1}, [])
        >>> columns.cell(["2019", "5"], "value"), columns.cell(["2019"], "value"), columns.cell([], "x")
        ('5', '', '')
        """
        j = self.position.get(column)
        return cells[j] if j is not None and j < len(cells) else ""


def _flat_decimal(name: str, columns: _FlatColumns, rows: list[Record]) -> str:
    """The decimal sign: ``.`` in English exports (by the file name or the time labels, or
    when no value has a comma but some end in a point and one or two digits), else ``,``."""
    cell = columns.cell
    english = "_en" in Path(name).stem.casefold() or any(
        cell(cells, "time_label").casefold() in _ENGLISH_TIME_LABELS for _line, cells in rows[:50]
    )
    if not english and not any("," in cell(cells, "value") for _line, cells in rows):
        english = any(re.search(r"\.\d{1,2}$", cell(cells, "value")) for _line, cells in rows)
    return "." if english else ","


def _region_blocks(columns: _FlatColumns, rows: list[Record]) -> set[int]:
    """The variable blocks that hold regions: their code says so, or most of their labels are
    Länder or Germany."""
    cell = columns.cell
    region_blocks: set[int] = set()
    for b in columns.blocks:
        codes = {cell(cells, f"{b}_variable_code").upper() for _line, cells in rows}
        labels = {cell(cells, f"{b}_variable_attribute_label") for _line, cells in rows}
        if any(c.startswith(_REGION_VARIABLE_PREFIXES) for c in codes if c) or (
            labels and sum(1 for label in labels if code_for_name(label)) / len(labels) > 0.5
        ):
            region_blocks.add(b)
    return region_blocks


def _flat_row(
    columns: _FlatColumns,
    region_blocks: set[int],
    statistic: str,
    line: int,
    cells: list[str],
    decimal: str,
    problems: ProblemList,
) -> GenesisRow | None:
    """The value of one row of a flat file (``None`` when it cannot be read: recorded as a
    problem)."""
    cell = columns.cell
    parsed = _cell_value(cell(cells, "value"), decimal, problems, line, "value")
    if parsed is None:
        return None
    value, symbol = parsed
    flag = cell(cells, "value_q").strip().lower()
    if not symbol and flag in FLAGS:
        symbol = flag
    region = ""
    classification: dict[str, str] = {}
    for b in columns.blocks:
        label = cell(cells, f"{b}_variable_attribute_label")
        variable = cell(cells, f"{b}_variable_label")
        if b in region_blocks:
            region = label
        elif label or variable:
            classification[variable or f"variable_{b}"] = label
    time = cell(cells, "time")
    return GenesisRow(
        line=line,
        column="value",
        region_name=region,
        region_code=code_for_name(region) if region else None,
        time=time,
        year=year_of(time) if time else None,
        classification=classification,
        measure=cell(cells, "value_variable_label") or statistic,
        unit=cell(cells, "value_unit"),
        value=value,
        symbol=symbol,
    )
