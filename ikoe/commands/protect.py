"""``ikoe protect INPUT.csv --dims … --count COL --out OUT.csv``: disclosure control for a table.

INPUT holds bottom-level cells (one column per dimension, one count column). The command builds
the complete table with every subtotal (``_T`` for totals), applies the minimum-frequency rule,
chooses secondary suppressions so that every primary cell keeps an interval at least ``W`` wide
under the attacker's linear program, audits the pattern and writes every cell with its status.
The argument helpers here are shared with ``ikoe audit``; the files are read by
:mod:`ikoe.ingest.tables`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed
from ikoe.reports.csv import format_number, write_csv

if TYPE_CHECKING:
    from ikoe.ingest.text import CsvConventions

# The engine (SciPy) is imported when the command runs, not for its --help.


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


# running --------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except ImportFailed as exc:
        if not args.json:
            raise
        print(exc.as_json())
        return 1


def _run(args: argparse.Namespace) -> int:
    from ikoe.ingest.tables import read_bottom_table, read_hierarchies
    from ikoe.stats.disclosure import ProtectionFailed, Rules, protect_table

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
