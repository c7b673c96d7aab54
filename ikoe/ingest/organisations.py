"""The organisation hierarchy as a CSV file: ``code,name,parent,kind``, one row per organisation.

The reader checks the form of the file (the columns, one field per column); what the rows
mean — allowed parents, a Land's code, moves between Länder — is checked against the stored
hierarchy by :mod:`ikoe.organisations.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from ikoe.errors import ProblemList
from ikoe.ingest.text import read_csv

COLUMNS = ("code", "name", "parent", "kind")


@dataclass(frozen=True)
class OrganisationRow:
    row: int
    code: str
    name: str
    parent: str
    kind: str


def read_organisations(path: str | Path) -> tuple[str, list[OrganisationRow]]:
    """The file's name (for messages) and its rows; :class:`~ikoe.errors.ImportFailed` listing
    every problem of form."""
    table = read_csv(path)
    problems = ProblemList(file=table.file)
    rows = _parse(table.header, table.rows, problems)
    problems.raise_if_any()
    return table.file, rows


def _parse(
    header: list[str], raw_rows: list[tuple[int, list[str]]], problems: ProblemList
) -> list[OrganisationRow]:
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    for column in missing:
        problems.add(
            "missing_column",
            _("The column “%(column)s” is missing; expected the columns %(columns)s.")
            % {"column": column, "columns": ", ".join(COLUMNS)},
            row=1,
            column=column,
        )
    if missing:
        return []
    if not raw_rows:
        problems.add("no_rows", _("The file has a header but no rows."), row=1)
        return []
    index = {c: names.index(c) for c in COLUMNS}
    rows: list[OrganisationRow] = []
    for number, cells in raw_rows:
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
            problems.add(
                "extra_fields",
                _("This row has %(found)d fields, the header %(expected)d.")
                % {"found": len(cells), "expected": len(names)},
                row=number,
            )
            continue

        def cell(column: str, cells: list[str] = cells) -> str:
            i = index[column]
            return cells[i].strip() if i < len(cells) else ""

        rows.append(
            OrganisationRow(
                number, cell("code"), cell("name"), cell("parent"), cell("kind").lower()
            )
        )
    return rows
