"""``ikoe protect INPUT.csv --dims … --count COL --out OUT.csv``: disclosure control for a table.

INPUT holds bottom-level cells (one column per dimension, one count column). The command builds
the complete table with every subtotal (``_T`` for totals), applies the minimum-frequency rule,
chooses secondary suppressions so that every primary cell keeps an interval at least ``W`` wide
under the attacker's linear program, audits the pattern and writes every cell with its status.
The helpers here are shared with ``ikoe audit``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, ProblemList, excerpt
from ikoe.ingest.text import CsvConventions, CsvTable, parse_number, read_csv
from ikoe.reports.csv import write_csv
from ikoe.stats.disclosure import (
    TOTAL,
    Hierarchy,
    HierarchyError,
    ProtectionFailed,
    Rules,
    Table,
    TableError,
    protect_table,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help=_("CSV file with one row per bottom-level cell"))
    add_table_arguments(parser)
    parser.add_argument(
        "--no-zero-complements",
        action="store_true",
        help=_("never suppress empty cells to protect others"),
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=_("clean independent parts of the pattern in N processes (default 1)"),
    )
    parser.add_argument("--reasons", action="store_true", help=_("add a column “reason”"))
    parser.add_argument("--out", required=True, help=_("CSV file to write"))
    parser.add_argument("--json", action="store_true", help=_("print the summary as JSON"))


def add_table_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dims",
        required=True,
        metavar="D1,D2,…",
        help=_("dimension columns, comma-separated"),
    )
    parser.add_argument("--count", required=True, metavar="COL", help=_("count column"))
    parser.add_argument(
        "--hierarchy",
        action="append",
        default=[],
        metavar="DIM=FILE",
        help=_(
            "CSV file “code,parent” for a dimension (top-level codes have an empty parent); repeatable"
        ),
    )
    parser.add_argument(
        "--min-count",
        type=int,
        default=3,
        metavar="K",
        help=_("cells with 1 to K-1 contributors are sensitive (default 3)"),
    )
    parser.add_argument(
        "--protection-width",
        type=float,
        default=None,
        metavar="W",
        help=_("required width of the attacker's interval for sensitive cells (default K)"),
    )


# reading --------------------------------------------------------------------------------------


def parse_dims(raw: str) -> list[str]:
    dims = [d.strip() for d in raw.split(",") if d.strip()]
    if not dims:
        raise ImportFailed.single("dims", _("Name at least one dimension with --dims."))
    if len(set(dims)) != len(dims):
        raise ImportFailed.single("dims", _("Each dimension may be named only once in --dims."))
    return dims


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


def format_number(value: float, decimal: str = ".") -> str:
    """Counts as integers where they are; otherwise with the file's decimal mark.

    >>> format_number(3.0), format_number(2.5, ",")
    ('3', '2,5')
    """
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value)).replace(".", decimal)


# running --------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except ImportFailed as exc:
        if not args.json:
            raise
        problems = [
            {"code": p.code, "file": p.file, "row": p.row, "column": p.column, "text": str(p)}
            for p in exc.problems
        ]
        print(json.dumps({"ok": False, "problems": problems, "more": exc.more}, ensure_ascii=False))
        return 1


def _run(args: argparse.Namespace) -> int:
    dims = parse_dims(args.dims)
    if args.count in dims:
        raise ImportFailed.single("count", _("The count column cannot also be a dimension."))
    if args.min_count < 1:
        raise ImportFailed.single("min-count", _("--min-count must be at least 1."))
    if args.protection_width is not None and args.protection_width < 0:
        raise ImportFailed.single("width", _("--protection-width cannot be negative."))
    hierarchies = read_hierarchies(args.hierarchy, dims)
    table, source = read_bottom_table(args.input, dims, args.count, hierarchies)
    rules = Rules(min_count=args.min_count)
    start = time.perf_counter()
    try:
        result = protect_table(
            table,
            rules,
            args.protection_width,
            zero_complements=not args.no_zero_complements,
            workers=max(1, args.workers),
        )
    except ProtectionFailed as exc:
        cells = ", ".join("|".join(table.key(int(c))) for c in exc.cells[:10])
        message = _(
            "No safe pattern exists: %(count)d sensitive cells cannot be given an interval of the "
            "required width (%(cells)s). Lower --protection-width or publish a coarser table."
        ) % {"count": exc.cells.size, "cells": cells}
        if args.json:
            print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
        else:
            print(message, file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    write_protected(args.out, result, dims, args.count, source.conventions, args.reasons)
    pattern = result.pattern
    summary = {
        "ok": True,
        "cells": table.size,
        "primary": int(pattern.primary.sum()),
        "secondary": pattern.secondary_count,
        "suppressed_total": pattern.suppressed_total,
        "protection_width": pattern.width,
        "under_protected": int(pattern.audit.under_protected().size),
        "seconds": round(elapsed, 3),
        "out": str(args.out),
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(
            _(
                "%(cells)d cells, %(primary)d primary and %(secondary)d secondary suppressions "
                "(suppressed total %(total)s); the audit finds no sensitive cell narrower than %(width)s. "
                "Written to %(out)s in %(seconds).1f s."
            )
            % {
                "cells": summary["cells"],
                "primary": summary["primary"],
                "secondary": summary["secondary"],
                "total": format_number(pattern.suppressed_total),
                "width": format_number(pattern.width),
                "out": args.out,
                "seconds": elapsed,
            }
        )
    return 0


def write_protected(
    path: str,
    result,
    dims: Sequence[str],
    count: str,
    conventions: CsvConventions,  # type: ignore[no-untyped-def]
    reasons: bool,
) -> None:
    """Every cell of the complete table: dimension columns, count (empty when suppressed), status."""
    header = [*dims, count, "status"] + (["reason"] if reasons else [])
    encoding = "utf-8-sig" if conventions.delimiter == ";" else "utf-8"
    rows = []
    for key, value, status, why, _interval in result.rows():
        shown = "" if status.value != "published" else format_number(value, conventions.decimal)
        rows.append([*key, shown, status.value, *([" ".join(why)] if reasons else [])])
    with Path(path).open("w", encoding=encoding, newline="") as fh:
        write_csv(fh, header, rows, delimiter=conventions.delimiter)
