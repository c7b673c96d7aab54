"""The anchoring register: the shipped provisions, who may change which, the Länder comparison
and the CSV import and export (docs/measures.md, "Anchoring register").

``data/anchoring/anchoring.csv`` ships 131 provisions of the Länder and the federal level
(data/anchoring/SOURCES.md). :func:`load_shipped_provisions` loads them as rows with
``shipped=True``: when the file changed, the shipped rows are brought in line with it (rows kept
where their key still exists, so their address stays the same); rows that users entered are never
touched. Shipped rows are read-only on the pages.

The summaries carry certainty markers such as ``[unverifiziert]``; every page, export and API
answer shows the texts in full, so a marker is never cut off (:func:`certainty_parts` lets the
pages set the markers apart).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import ikoe
from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role
from ikoe.errors import ImportFailed, ProblemList, excerpt
from ikoe.ingest.limits import ImportLimits
from ikoe.ingest.xlsx import read_sheet_records
from ikoe.measures.history import record, snapshot
from ikoe.measures.models import Change, Provision
from ikoe.organisations.models import Organisation
from ikoe.organisations.services import ensure_laender
from ikoe.regions import DISPLAY_NAMES, FEDERAL, LAENDER

FILE_NAME = "anchoring.csv"
COLUMNS = (
    "region_code",
    "instrument_type",
    "official_name",
    "short_name",
    "in_force_since",
    "provision",
    "paragraph",
    "requirement_summary_de",
    "source",
)
"""The columns of the shipped file, of an import and of the export, in this order."""

# column of the file -> field of Provision
FIELD_OF = {
    "region_code": "region_code",
    "instrument_type": "instrument",
    "official_name": "official_name",
    "short_name": "short_name",
    "in_force_since": "in_force_since",
    "provision": "provision",
    "paragraph": "paragraph",
    "requirement_summary_de": "requirement",
    "source": "source",
}
REQUIRED = (
    "region_code",
    "instrument_type",
    "official_name",
    "short_name",
    "provision",
    "requirement_summary_de",
    "source",
)
HISTORY_FIELDS = (*FIELD_OF.values(), "organisation")
REGIONS = (*LAENDER, FEDERAL)
"""The Länder in Destatis order, then the federal level."""
SOURCE_SEPARATOR = " ; "

_LEADING_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?!\d)")
# Markers of certainty in the summaries (data/anchoring/README.md): bracketed notes and the words
# that say a paragraph number was inferred.
CERTAINTY = re.compile(r"\[[^\]]*\]|\b(?:vermutlich|erschlossen)\b", re.IGNORECASE)


def region_name(code: str) -> str:
    return str(DISPLAY_NAMES.get(code, code))


def shipped_file_candidates() -> list[Path]:
    """Where the shipped file is looked for: the repository, then the working directory."""
    repo = Path(ikoe.__file__).resolve().parent.parent
    return [
        repo / "data" / "anchoring" / FILE_NAME,
        Path.cwd() / "data" / "anchoring" / FILE_NAME,
    ]


def shipped_file() -> Path:
    candidates = shipped_file_candidates()
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ImportFailed.single(
        "anchoring_missing",
        _("The file of the anchoring register was not found. Looked in: %(places)s.")
        % {"places": ", ".join(str(c) for c in candidates)},
    )


def parse_since(text: str) -> date | None:
    """The date at the start of “in force since”: ``YYYY-MM-DD``, ``YYYY-MM`` (first of the
    month) or ``YYYY`` (1 January); ``None`` when the text starts otherwise.

    >>> parse_since("2021-07-16"), parse_since("2012-02 (Tag unverifiziert)"), parse_since("2006")
    (datetime.date(2021, 7, 16), datetime.date(2012, 2, 1), datetime.date(2006, 1, 1))
    >>> parse_since("(Datum unverifiziert)"), parse_since("nicht in Kraft"), parse_since("2021-13")
    (None, None, None)
    """
    match = _LEADING_DATE.match(text.strip())
    if match is None:
        return None
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def leading_date(text: str) -> str:
    """The date at the start of “in force since” as written (``2012-02``), or ``""``."""
    match = _LEADING_DATE.match(text.strip())
    return match.group(0) if match and parse_since(text) else ""


def certainty_parts(text: str) -> list[tuple[str, bool]]:
    """``text`` in pieces, each with whether it is a certainty marker (the pages set markers
    apart; together the pieces are the whole text).

    >>> certainty_parts("Gilt für alle [unverifiziert].")
    [('Gilt für alle ', False), ('[unverifiziert]', True), ('.', False)]
    """
    parts: list[tuple[str, bool]] = []
    last = 0
    for match in CERTAINTY.finditer(text):
        if match.start() > last:
            parts.append((text[last : match.start()], False))
        parts.append((match.group(0), True))
        last = match.end()
    if last < len(text):
        parts.append((text[last:], False))
    return parts


def is_uncertain(provision: Provision) -> bool:
    """Whether a certainty marker is in its summary or its date in force."""
    return bool(
        CERTAINTY.search(provision.requirement)
        or "unverifiziert" in provision.in_force_since.casefold()
    )


def source_links(source: str) -> list[tuple[str, bool]]:
    """The sources of a row (separated by “ ; ”), each with whether it is a web address."""
    parts = [p.strip() for p in source.split(";")]
    return [(p, p.startswith(("https://", "http://"))) for p in parts if p]


# --- who may change what -------------------------------------------------------------------------


def can_edit_region(user: Any, code: str) -> bool:
    """Whether the user may add provisions of the region: coordinators of the Land (or of one of
    its agencies) for a Land, the federal coordination for the federal level."""
    if code == FEDERAL:
        return has_role(user, Role.FEDERAL_COORDINATOR)
    land = Organisation.objects.filter(code=code, kind=Organisation.Kind.LAND).first()
    if land is None:
        return False
    return has_role(user, Role.COORDINATOR, land=land) or bool(editable_agencies(user, land))


def can_edit_land_wide(user: Any, code: str) -> bool:
    """Whether the user may keep provisions of the region that belong to no agency."""
    if code == FEDERAL:
        return has_role(user, Role.FEDERAL_COORDINATOR)
    land = Organisation.objects.filter(code=code, kind=Organisation.Kind.LAND).first()
    return land is not None and has_role(user, Role.COORDINATOR, land=land)


def editable_agencies(user: Any, land: Organisation) -> list[Organisation]:
    """The organisations of the Land that the user coordinates (for provisions of an agency)."""
    candidates = Organisation.objects.filter(land=land).exclude(
        kind__in=[Organisation.Kind.LAND, *Organisation.OUTSIDE_KINDS]
    )
    return [o for o in candidates.order_by("code") if has_role(user, Role.COORDINATOR, agency=o)]


def can_edit(user: Any, provision: Provision) -> bool:
    """Whether the user may change the row: never a shipped one; a row of an agency for its
    coordinators, a row of a Land for the Land's, the federal level's for the federal ones."""
    if provision.shipped:
        return False
    if provision.organisation is not None:
        return has_role(user, Role.COORDINATOR, agency=provision.organisation)
    return can_edit_land_wide(user, provision.region_code)


def editable_regions(user: Any) -> list[str]:
    return [code for code in REGIONS if can_edit_region(user, code)]


# --- the shipped file ----------------------------------------------------------------------------


def _lands() -> dict[str, Organisation]:
    ensure_laender()
    return {o.code: o for o in Organisation.objects.filter(code__in=LAENDER, kind="land")}


def _values(row: dict[str, str]) -> dict[str, str]:
    return {FIELD_OF[c]: (row.get(c) or "").strip() for c in COLUMNS}


def _key(values: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(values[f]) for f in ("region_code", "short_name", "provision", "paragraph"))


@transaction.atomic
def load_shipped_provisions(path: str | Path | None = None) -> int | None:
    """Bring the shipped rows in line with ``data/anchoring/anchoring.csv``.

    Returns the number of shipped rows when something changed, ``None`` when the rows already
    matched the file (the start of ``ikoe serve`` then says nothing). A row whose key (region,
    short name, provision, paragraph) is still in the file keeps its id; rows entered by users
    are never touched. Every change is recorded in the history.
    """
    file = Path(path) if path is not None else shipped_file()
    rows = read_rows(file.read_bytes(), file.name, shipped=True)
    wanted = [_values(r) for r in rows]
    fields = list(FIELD_OF.values())
    existing = list(Provision.objects.filter(shipped=True).order_by("pk"))
    if sorted(tuple(v[f] for f in fields) for v in wanted) == sorted(
        tuple(getattr(p, f) for f in fields) for p in existing
    ):
        return None
    lands = _lands()
    by_key: dict[tuple[str, ...], list[Provision]] = defaultdict(list)
    for p in existing:
        by_key[_key({f: getattr(p, f) for f in fields})].append(p)
    who = _("the shipped file %(file)s") % {"file": file.name}
    for values in wanted:
        matches = by_key.get(_key(values))
        row = matches.pop(0) if matches else None
        before = snapshot(row, HISTORY_FIELDS) if row is not None else None
        row = row or Provision(shipped=True)
        for name, value in values.items():
            setattr(row, name, value)
        row.land = lands.get(values["region_code"])
        row.organisation = None
        row.since = parse_since(values["in_force_since"])
        if before is None or before != snapshot(row, HISTORY_FIELDS):
            row.save()
            record(
                row,
                Change.Action.IMPORTED if before is None else Change.Action.CHANGED,
                who,
                before,
                snapshot(row, HISTORY_FIELDS),
                organisation=row.land,
            )
    for left in by_key.values():
        for row in left:
            record(row, Change.Action.DELETED, who, snapshot(row, HISTORY_FIELDS), None,
                   organisation=row.land)  # fmt: skip
            row.delete()
    return len(wanted)


# --- reading a file ------------------------------------------------------------------------------


def _table(
    content: bytes, file_name: str, problems: ProblemList
) -> tuple[list[str], list[tuple[int, dict[Any, Any]]]]:
    """The header and the rows (with their row numbers) of a CSV file in UTF-8 or of the first
    sheet of an XLSX workbook; a row with more cells than the header has a key ``None``."""
    if content.startswith(b"PK\x03\x04"):
        header_row, header, cells = read_sheet_records(content, file_name, ImportLimits.current())
        rows = []
        for number, values in cells:
            row: dict[Any, Any] = dict(zip(header, values, strict=False))
            extra = [v for v in values[len(header) :] if v.strip()]
            if extra:
                row[None] = extra
            rows.append((number, row))
        return header, rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add(
            "encoding", _("The file is not UTF-8 encoded text; save it as CSV UTF-8 or as XLSX.")
        )
        problems.raise_if_any()
        raise  # unreachable
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    return header, list(enumerate(reader, start=2))


def read_rows(
    content: bytes,
    file_name: str,
    *,
    shipped: bool = False,
    user: Any = None,
) -> list[dict[str, str]]:
    """The rows of a CSV file of provisions, checked; raises :class:`ImportFailed` naming file,
    row and column of every problem. Unless ``shipped``, each row's region must be one that
    ``user`` may add provisions of."""
    problems = ProblemList(file=file_name)
    header, records = _table(content, file_name, problems)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.add(
            "columns",
            _("The header lacks the column(s) %(missing)s; expected the columns %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)},
            row=1,
        )
        problems.raise_if_any()
    allowed = set(REGIONS) if shipped else set(editable_regions(user))
    limits = {
        c: getattr(Provision._meta.get_field(FIELD_OF[c]), "max_length", None) for c in COLUMNS
    }
    instruments = {c for c, _label in Provision.Instrument.choices}
    rows: list[dict[str, str]] = []
    for number, raw in records:
        if None in raw:
            problems.add(
                "cells",
                _("The row has more cells than the header has columns (%(count)d).")
                % {"count": len(header)},
                row=number,
            )
            continue
        row = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not any(row.values()):
            continue
        for column in REQUIRED:
            if not row[column]:
                problems.add("empty", _("The cell is empty; a value is required."), number, column)
        for column, limit in limits.items():
            if limit is not None and len(row[column]) > limit:
                problems.add(
                    "length",
                    _("The text has %(length)d characters; at most %(limit)d are allowed.")
                    % {"length": len(row[column]), "limit": limit},
                    number,
                    column,
                )
        code = row["region_code"]
        if code and code not in REGIONS:
            problems.add(
                "region",
                _("“%(value)s” is no region; expected a Land code such as DE-BE or %(federal)s.")
                % {"value": excerpt(code), "federal": FEDERAL},
                number,
                "region_code",
            )
        elif code and code not in allowed:
            problems.add(
                "region_rights",
                _("You may not add provisions of %(region)s (%(code)s).")
                % {"region": region_name(code), "code": code},
                number,
                "region_code",
            )
        if row["instrument_type"] and row["instrument_type"] not in instruments:
            problems.add(
                "instrument",
                _("“%(value)s” is no instrument; expected one of %(choices)s.")
                % {"value": excerpt(row["instrument_type"]), "choices": ", ".join(instruments)},
                number,
                "instrument_type",
            )
        rows.append(row)
    if not rows and not problems:
        problems.add("no_rows", _("The file holds no provisions below its header."))
    problems.raise_if_any()
    return rows


@transaction.atomic
def import_provisions(content: bytes, file_name: str, user: Any) -> tuple[int, int]:
    """Add the provisions of a CSV file as rows entered by ``user`` (all or nothing).

    A row equal in every column to a row already in the register is skipped, so importing the
    same file twice adds nothing. Returns (added, skipped).
    """
    rows = read_rows(content, file_name, user=user)
    lands = _lands()
    fields = list(FIELD_OF.values())
    present = Counter(tuple(r) for r in Provision.objects.values_list(*fields))
    added = skipped = 0
    for raw in rows:
        values = _values(raw)
        key = tuple(values[f] for f in fields)
        if present[key]:
            skipped += 1
            continue
        present[key] += 1
        row = Provision(**values, shipped=False, since=parse_since(values["in_force_since"]))
        row.land = lands.get(values["region_code"])
        row.save()
        record(row, Change.Action.IMPORTED, user, None, snapshot(row, HISTORY_FIELDS),
               organisation=row.land)  # fmt: skip
        added += 1
    return added, skipped


def export_xlsx(provisions: Iterable[Provision]) -> bytes:
    """The provisions in the columns of the shipped file as an Excel workbook."""
    from ikoe.reports.xlsx import Sheet, workbook_bytes

    rows = [[getattr(p, FIELD_OF[c]) for c in COLUMNS] for p in provisions]
    return workbook_bytes([Sheet("Verankerung", COLUMNS, rows)])


def export_csv(provisions: Iterable[Provision]) -> str:
    """The provisions in the columns of the shipped file (spreadsheet-safe)."""
    from ikoe.reports.csv import write_csv

    out = io.StringIO()
    write_csv(
        out,
        COLUMNS,
        ([getattr(p, FIELD_OF[c]) for c in COLUMNS] for p in provisions),
    )
    return out.getvalue()


# --- the Länder comparison -----------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    key: str
    label: Any
    words: tuple[str, ...]


FLAGS: tuple[Flag, ...] = (
    Flag(
        "targets",
        gettext_lazy("targets or promotion plans"),
        ("Zielvorgabe", "Zielquote", "Zielwert", "Förderplan", "Förderpläne"),
    ),
    Flag("survey", gettext_lazy("staff survey or data collection"), ("Befragung", "Erhebung")),
    Flag(
        "training",
        gettext_lazy("training or intercultural competence"),
        ("Fortbildung", "Schulung", "interkulturelle Kompetenz"),
    ),
    Flag("body", gettext_lazy("advisory council or commissioner"), ("Beirat", "Beauftragte")),
)
"""Named flags of the comparison: a flag is set when the summary of at least one provision of
the region contains one of its words (capitals ignored). Nothing else is read into the
texts."""

NOT_IN_FORCE = "nicht in kraft"


@dataclass
class FlagCell:
    state: str  # "yes", "uncertain" (only rows with a certainty marker) or "no"

    @property
    def symbol(self) -> str:
        return {"yes": "✓", "uncertain": "(✓)"}.get(self.state, "–")


@dataclass
class ComparisonRow:
    code: str
    name: str
    total: int
    by_instrument: list[int]
    has_law: bool
    earliest: str
    flags: list[FlagCell] = field(default_factory=list)


def flag_state(flag: Flag, provisions: Sequence[Provision]) -> str:
    hits = [
        p for p in provisions if any(w.casefold() in p.requirement.casefold() for w in flag.words)
    ]
    if not hits:
        return "no"
    return "uncertain" if all(is_uncertain(p) for p in hits) else "yes"


def has_law_in_force(provisions: Sequence[Provision]) -> bool:
    """At least one provision of a law whose “in force since” does not say “nicht in Kraft”."""
    return any(
        p.instrument == Provision.Instrument.LAW
        and not p.in_force_since.casefold().startswith(NOT_IN_FORCE)
        for p in provisions
    )


def comparison(provisions: Iterable[Provision]) -> list[ComparisonRow]:
    """Per Land (Destatis order) and the federal level: provisions per instrument, whether a law
    is in force, the earliest date in force and the flags."""
    by_region: dict[str, list[Provision]] = defaultdict(list)
    for p in provisions:
        by_region[p.region_code].append(p)
    instruments = [c for c, _label in Provision.Instrument.choices]
    result = []
    for code in REGIONS:
        rows = by_region.get(code, [])
        counts = Counter(p.instrument for p in rows)
        dated = [p for p in rows if p.since is not None]
        first = min(dated, key=lambda p: p.since or date.max) if dated else None
        result.append(
            ComparisonRow(
                code=code,
                name=region_name(code),
                total=len(rows),
                by_instrument=[counts.get(i, 0) for i in instruments],
                has_law=has_law_in_force(rows),
                earliest=leading_date(first.in_force_since) if first else "",
                flags=[FlagCell(flag_state(f, rows)) for f in FLAGS],
            )
        )
    return result
