"""Files of ``ikoe protect`` and ``ikoe audit``: hierarchies, bottom-level tables of counts, and
protected tables as ``ikoe protect`` writes them.

Every problem names the file, row and column; nothing is returned half.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, ProblemList, excerpt
from ikoe.ingest.text import CsvConventions, CsvTable, parse_number, read_csv
from ikoe.reports.csv import format_number, restore
from ikoe.stats.disclosure import TOTAL, Hierarchy, HierarchyError, Table, TableError


def read_hierarchies(specs: Sequence[str], dims: Sequence[str]) -> dict[str, Hierarchy]:
    """Read ``DIM=FILE`` hierarchy files; every problem names the file, row and column."""
    out: dict[str, Hierarchy] = {}
    for spec in specs:
        dim, sep, path = spec.partition("=")
        dim = dim.strip()
        if not sep or not dim or not path:
            raise ImportFailed.single(
                "hierarchy-spec",
                _("--hierarchy expects DIM=FILE, got “%(spec)s”.") % {"spec": spec},
            )
        if dim not in dims:
            raise ImportFailed.single(
                "hierarchy-dim",
                _("--hierarchy names “%(dim)s”, which is not one of the dimensions in --dims.")
                % {"dim": dim},
            )
        if dim in out:
            raise ImportFailed.single(
                "hierarchy-dim", _("--hierarchy names “%(dim)s” twice.") % {"dim": dim}
            )
        out[dim] = read_hierarchy(path)
    return out


def read_hierarchy(path: str) -> Hierarchy:
    table = read_csv(path)
    problems = ProblemList(file=table.file)
    columns = _columns(table, ["code", "parent"], problems)
    problems.raise_if_any()
    pairs: list[tuple[str, str | None]] = []
    row_of: list[int] = []
    for row_no, row in table.rows:
        code = _cell(row, columns["code"])
        parent = _cell(row, columns["parent"])
        if not code:
            problems.add("empty", _("The code is empty."), row=row_no, column="code")
            continue
        pairs.append((code, parent or None))
        row_of.append(row_no)
    problems.raise_if_any()
    try:
        return Hierarchy.from_parents(pairs)
    except HierarchyError as exc:
        where = row_of[exc.index] if exc.index is not None and exc.index < len(row_of) else None
        messages: dict[str, tuple[str, str | None]] = {
            "duplicate": (_("The code “%(code)s” appears more than once."), "code"),
            "unknown-parent": (_("The parent “%(code)s” is not a code of this file."), "parent"),
            "cycle": (_("The code “%(code)s” is its own ancestor."), "parent"),
            "reserved": (_("“%(code)s” is reserved for totals and cannot be a code."), "code"),
            "empty": (_("The code is empty."), "code"),
        }
        text, column = messages.get(exc.code, (_("The hierarchy is not a tree (%(code)s)."), None))
        raise ImportFailed.single(
            "hierarchy",
            text % {"code": excerpt(exc.item)},
            file=table.file,
            row=where,
            column=column,
        ) from exc


def read_bottom_table(
    path: str, dims: Sequence[str], count: str, hierarchies: dict[str, Hierarchy]
) -> tuple[Table, CsvTable]:
    """The complete table from a CSV file of bottom-level cells."""
    csv_table = read_csv(path)
    problems = ProblemList(file=csv_table.file)
    columns = _columns(csv_table, [*dims, count], problems)
    problems.raise_if_any()
    cells: list[tuple[tuple[str, ...], float]] = []
    row_numbers: list[int] = []
    seen: dict[tuple[str, ...], int] = {}
    for row_no, row in csv_table.rows:
        key = tuple(_cell(row, columns[d]) for d in dims)
        bad = False
        for d, code in zip(dims, key, strict=True):
            if not code:
                problems.add("empty", _("The code is empty."), row=row_no, column=d)
                bad = True
            elif code == TOTAL:
                problems.add(
                    "total",
                    _("“%(code)s” marks totals; give bottom-level cells only.") % {"code": TOTAL},
                    row=row_no,
                    column=d,
                )
                bad = True
            elif d in hierarchies:
                h = hierarchies[d]
                if code not in h:
                    problems.add(
                        "unknown-code",
                        _("The code “%(code)s” is not in the hierarchy of “%(dim)s”.")
                        % {"code": excerpt(code), "dim": d},
                        row=row_no,
                        column=d,
                    )
                    bad = True
                elif not h.is_leaf(code):
                    problems.add(
                        "not-bottom",
                        _("The code “%(code)s” has sub-codes; give bottom-level cells only.")
                        % {"code": excerpt(code)},
                        row=row_no,
                        column=d,
                    )
                    bad = True
        value = _number(_cell(row, columns[count]), csv_table.conventions, problems, row_no, count)
        if bad or value is None:
            continue
        if key in seen:
            problems.add(
                "duplicate",
                _("This cell was already given in row %(row)d.") % {"row": seen[key]},
                row=row_no,
                column=dims[0],
            )
            continue
        seen[key] = row_no
        cells.append((key, value))
        row_numbers.append(row_no)
    if not csv_table.rows:
        problems.add("empty", _("The file has no data rows."))
    problems.raise_if_any()
    try:
        table = Table.from_bottom(dims, cells, hierarchies)
    except TableError as exc:  # pragma: no cover - the checks above catch these
        raise ImportFailed.single(
            "table", str(exc), file=csv_table.file, row=row_numbers[exc.index]
        ) from exc
    return table, csv_table


def _columns(table: CsvTable, wanted: Sequence[str], problems: ProblemList) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in wanted:
        if name in table.header:
            found[name] = table.header.index(name)
        else:
            problems.add(
                "column",
                _("The column “%(column)s” is missing (columns: %(header)s).")
                % {"column": name, "header": ", ".join(excerpt(h) for h in table.header[:30])},
                row=1,
                column=name,
            )
    return found


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _number(
    raw: str, conventions: CsvConventions, problems: ProblemList, row: int, column: str
) -> float | None:
    if not raw:
        problems.add("number", _("The count is empty."), row=row, column=column)
        return None
    try:
        value = parse_number(raw, conventions.decimal)
    except ValueError:
        problems.add(
            "number",
            _("“%(value)s” is not a number.") % {"value": excerpt(raw)},
            row=row,
            column=column,
        )
        return None
    if not math.isfinite(value) or value < 0:
        problems.add(
            "number",
            _("Counts cannot be negative (“%(value)s”).") % {"value": excerpt(raw)},
            row=row,
            column=column,
        )
        return None
    return value


def read_protected(
    path: str, table: Table, dims: Sequence[str], count: str
) -> tuple[np.ndarray, np.ndarray]:
    """Which cells the file publishes (a count is given) and which it marks ``primary``.

    Cells of the complete table that the file does not list count as suppressed (the attacker
    does not see them). A published count must equal the original.
    """
    csv_table = read_csv(path)
    problems = ProblemList(file=csv_table.file)
    columns = _columns(csv_table, [*dims, count], problems)
    problems.raise_if_any()
    status_col = csv_table.header.index("status") if "status" in csv_table.header else None
    published = np.zeros(table.size, dtype=bool)
    marked = np.zeros(table.size, dtype=bool)
    seen = np.zeros(table.size, dtype=bool)
    for row_no, row in csv_table.rows:
        # The file was written by ikoe protect: codes that looked like formulas carry an apostrophe.
        key = tuple(restore(_cell(row, columns[d])) for d in dims)
        try:
            cell = table.index(key)
        except KeyError:
            bad = next(
                (d for d, c, h in zip(dims, key, table.hierarchies, strict=True) if c not in h),
                dims[0],
            )
            problems.add(
                "unknown-code",
                _("The code “%(code)s” does not occur in the original table.")
                % {"code": excerpt(key[dims.index(bad)])},
                row=row_no,
                column=bad,
            )
            continue
        if seen[cell]:
            problems.add("duplicate", _("This cell is listed twice."), row=row_no, column=dims[0])
            continue
        seen[cell] = True
        raw = _cell(row, columns[count])
        if status_col is not None and _cell(row, status_col) == "primary":
            marked[cell] = True
        if not raw:
            continue
        try:
            value = parse_number(raw, csv_table.conventions.decimal)
        except ValueError:
            problems.add(
                "number",
                _("“%(value)s” is not a number.") % {"value": excerpt(raw)},
                row=row_no,
                column=count,
            )
            continue
        if abs(value - table.values[cell]) > 1e-9 * max(1.0, abs(value)):
            problems.add(
                "value",
                _("The published count %(published)s differs from the original %(original)s.")
                % {"published": excerpt(raw), "original": format_number(table.values[cell])},
                row=row_no,
                column=count,
            )
            continue
        published[cell] = True
    problems.raise_if_any()
    return published, marked
