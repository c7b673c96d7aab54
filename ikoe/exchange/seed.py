"""The practices shipped with the platform (``data/practices/practices.csv``, its sources in
``data/practices/SOURCES.md``): real public practices of the Länder, municipalities and the
federal level, described in our own words, loaded as published, read-only records.

:func:`load_shipped_practices` is idempotent: a row whose content already matches the file is left
alone, a changed row gets a new version, and a row gone from the file is deleted. Practices that
users entered are never touched.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import ikoe
from ikoe.errors import ImportFailed, ProblemList
from ikoe.exchange import vocab
from ikoe.exchange.models import Practice
from ikoe.exchange.services import content_of, delete_practice, save_practice
from ikoe.organisations.models import Organisation
from ikoe.organisations.services import ensure_laender
from ikoe.regions import FEDERAL, LAENDER

FILE_NAME = "practices.csv"
COLUMNS = (
    "id", "title", "summary", "language", "region_code", "municipality", "level", "lead_body",
    "lead_type", "partners", "partners_migrant_org", "contact_role", "contact", "dimensions",
    "sectors", "target_groups", "occupational_groups", "measure_types", "keywords",
    "starting_point", "goals", "activities", "legal_basis", "started", "ended", "period",
    "status", "cost_band", "funding_source", "staff", "outcomes", "indicators", "evaluation",
    "evaluation_link", "challenges", "success_conditions", "prerequisites", "adaptations",
    "reuses", "related", "licence", "certainty", "sources",
)  # fmt: skip
"""The columns of the shipped file, in this order."""
REQUIRED = ("id", "title", "summary", "region_code", "level", "lead_body", "lead_type", "status")
LISTS = vocab.LIST_FIELDS
SINGLE = vocab.SINGLE_FIELDS
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def shipped_file() -> Path:
    return Path(ikoe.__file__).resolve().parent.parent / "data" / "practices" / FILE_NAME


def parse_date(text: str) -> date | None:
    """A date written as YYYY-MM-DD, YYYY-MM or YYYY (the first day of the month or year).

    >>> parse_date("2021-07"), parse_date("2006"), parse_date("")
    (datetime.date(2021, 7, 1), datetime.date(2006, 1, 1), None)
    """
    text = text.strip()
    if not text:
        return None
    m = _DATE.match(text)
    if m is None:
        raise ValueError(text)
    return date(int(m[1]), int(m[2] or 1), int(m[3] or 1))


def read_rows(content: bytes, file_name: str) -> list[dict[str, Any]]:
    """The practices of the file as field values, or :class:`ImportFailed` naming every problem
    with its row and column."""
    problems = ProblemList(file=file_name)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add("encoding", _("The file is not in UTF-8."))
        raise ImportFailed(problems.problems) from None
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.add(
            "columns",
            _("Columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
            row=1,
        )
        raise ImportFailed(problems.problems)
    regions = {*LAENDER, FEDERAL}
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        values: dict[str, Any] = {}
        for column in REQUIRED:
            if not cells[column]:
                problems.add("empty", _("The value is missing."), number, column)
        if cells["id"] in seen:
            problems.add("duplicate", _("The id occurs twice."), number, "id")
        seen.add(cells["id"])
        if cells["region_code"] and cells["region_code"] not in regions:
            problems.add(
                "region",
                _("Expected the code of a Land (DE-BE …) or DE-BUND, found “%(value)s”.")
                % {"value": cells["region_code"]},
                number,
                "region_code",
            )
        for column, choices in SINGLE.items():
            if cells[column] and cells[column] not in vocab.codes(choices):
                problems.add(
                    "code",
                    _("Expected one of %(codes)s, found “%(value)s”.")
                    % {"codes": ", ".join(vocab.codes(choices)), "value": cells[column]},
                    number,
                    column,
                )
        for column, choices in LISTS.items():
            codes = [c.strip() for c in cells[column].split(";") if c.strip()]
            unknown = [c for c in codes if c not in vocab.codes(choices)]
            if unknown:
                problems.add(
                    "code",
                    _("Unknown codes %(unknown)s; expected codes of %(codes)s, separated by “;”.")
                    % {"unknown": ", ".join(unknown), "codes": ", ".join(vocab.codes(choices))},
                    number,
                    column,
                )
            values[column] = [c for c in vocab.codes(choices) if c in codes]
        for column in ("started", "ended"):
            try:
                values[column] = parse_date(cells[column])
            except ValueError:
                problems.add(
                    "date",
                    _("Expected a date as YYYY-MM-DD, YYYY-MM or YYYY, found “%(value)s”.")
                    % {"value": cells[column]},
                    number,
                    column,
                )
        if cells["partners_migrant_org"] not in ("ja", "nein", ""):
            problems.add("flag", _("Expected “ja” or “nein”."), number, "partners_migrant_org")
        for column in COLUMNS:
            if column not in values and column not in ("id", "related", "partners_migrant_org"):
                values[column] = cells[column]
        values["partners_migrant_org"] = cells["partners_migrant_org"] == "ja"
        values["language"] = cells["language"] or "de"
        values["cost_band"] = cells["cost_band"] or "unknown"
        values["evaluation"] = cells["evaluation"] or "none"
        values["licence"] = cells["licence"] or "CC BY 4.0"
        rows.append(
            {
                "code": cells["id"],
                "values": values,
                "related": [c.strip() for c in cells["related"].split(";") if c.strip()],
                "row": number,
            }
        )
    known = {r["code"] for r in rows}
    for r in rows:
        for code in r["related"]:
            if code not in known:
                problems.add(
                    "related",
                    _("“%(code)s” is not an id of this file.") % {"code": code},
                    r["row"],
                    "related",
                )
    if problems.problems:
        raise ImportFailed(problems.problems, problems.more)
    return rows


@transaction.atomic
def load_shipped_practices(path: str | Path | None = None) -> int | None:
    """Bring the shipped practices in line with the file; the number of practices when
    something changed, ``None`` when nothing did."""
    file = Path(path) if path is not None else shipped_file()
    rows = read_rows(file.read_bytes(), file.name)
    ensure_laender()
    lands = {o.code: o for o in Organisation.objects.filter(kind=Organisation.Kind.LAND)}
    existing = {p.code: p for p in Practice.objects.filter(shipped=True)}
    changed = False
    practices: dict[str, Practice] = {}
    for row in rows:
        practice = existing.pop(row["code"], None)
        fresh = practice is None
        practice = practice or Practice(code=row["code"], shipped=True)
        before = None if fresh else content_of(practice)
        for name, value in row["values"].items():
            setattr(practice, name, value)
        practice.land = lands.get(practice.region_code)
        practice.state = Practice.State.PUBLISHED
        practices[row["code"]] = practice
        after = content_of(practice)
        after["related"] = before["related"] if before else []
        if fresh or before != after:
            if fresh:
                practice.published_at = timezone.now()
            save_practice(practice, note=_("shipped file %(file)s") % {"file": file.name})
            changed = True
    # Relations go both ways (Practice.related is symmetrical): a pair listed on either row.
    pairs: dict[str, set[str]] = {row["code"]: set() for row in rows}
    for row in rows:
        for code in row["related"]:
            if code != row["code"]:
                pairs[row["code"]].add(code)
                pairs[code].add(row["code"])
    for row in rows:
        practice = practices[row["code"]]
        wanted = sorted(practices[c].pk for c in pairs[row["code"]])
        if sorted(practice.related.values_list("pk", flat=True)) != wanted:
            save_practice(
                practice, related=wanted, note=_("shipped file %(file)s") % {"file": file.name}
            )
            changed = True
    for gone in existing.values():
        delete_practice(gone)
        changed = True
    return len(rows) if changed else None
