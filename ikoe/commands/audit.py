"""``ikoe audit OUT.csv --original INPUT.csv …``: the attacker's linear program for a published table.

Reads a protected table (as ``ikoe protect`` writes it: an empty count means suppressed) and the
original bottom-level cells, solves the attacker's linear program for every suppressed cell
and prints its interval. Sensitive cells are found by the minimum-frequency rule on the
original (and any cell the file marks ``primary``). Exits 1 when a sensitive cell is published
or its interval is narrower than the protection width.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from ikoe.commands.protect import add_table_arguments, parse_dims
from ikoe.errors import ImportFailed
from ikoe.reports.csv import format_number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("protected", help=_("CSV file written by “ikoe protect”"))
    add_table_arguments(parser)
    parser.add_argument(
        "--original", required=True, help=_("CSV file with the original bottom-level cells")
    )
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except ImportFailed as exc:
        if not args.json:
            raise
        print(exc.as_json())
        return 1


def _run(args: argparse.Namespace) -> int:
    # The engine (SciPy) is imported when the command runs, not for its --help.
    from ikoe.ingest.tables import read_bottom_table, read_hierarchies, read_protected
    from ikoe.stats.disclosure import CellSystem, Rules, audit, count_flags

    dims = parse_dims(args.dims)
    if args.min_count < 1:
        raise ImportFailed.single("min-count", _("--min-count must be at least 1."))
    width = float(args.min_count if args.protection_width is None else args.protection_width)
    hierarchies = read_hierarchies(args.hierarchy, dims)
    table, _source = read_bottom_table(args.original, dims, args.count, hierarchies)
    published, marked = read_protected(args.protected, table, dims, args.count)
    suppressed = ~published
    primary = (count_flags(table.values, Rules(min_count=args.min_count)) != 0) | marked
    system = CellSystem.from_table(table)
    report = audit(system, suppressed, primary, width)
    exposed = np.flatnonzero(primary & published)  # sensitive cells published outright
    narrow = set(report.under_protected().tolist())
    cells: list[dict[str, Any]] = []
    for cell, lo, hi in report.rows():
        cells.append(
            {
                "cell": dict(zip(dims, table.key(cell), strict=True)),
                "value": float(table.values[cell]),
                "lower": lo,
                "upper": hi,
                "width": hi - lo,
                "status": "primary" if primary[cell] else "secondary",
                "under_protected": cell in narrow,
            }
        )
    failing = len(narrow) + int(exposed.size)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": failing == 0,
                    "protection_width": width,
                    "suppressed": len(cells),
                    "under_protected": len(narrow),
                    "published_sensitive": [
                        dict(zip(dims, table.key(int(c)), strict=True)) for c in exposed
                    ],
                    "cells": cells,
                },
                ensure_ascii=False,
            )
        )
        return 1 if failing else 0
    header = [*dims, _("value"), _("lower"), _("upper"), _("width"), _("status"), _("check")]
    print("\t".join(header))
    for c in cells:
        check = _("UNDER-PROTECTED") if c["under_protected"] else _("ok")
        status = _("primary") if c["status"] == "primary" else _("secondary")
        print(
            "\t".join(
                [
                    *c["cell"].values(),
                    format_number(c["value"]),
                    _fmt(c["lower"]),
                    _fmt(c["upper"]),
                    _fmt(c["width"]),
                    status,
                    check,
                ]
            )
        )
    for cell in exposed.tolist():
        print(
            _("Sensitive cell published: %(cell)s = %(value)s")
            % {"cell": " | ".join(table.key(cell)), "value": format_number(table.values[cell])},
            file=sys.stderr,
        )
    if failing:
        print(
            _(
                "%(bad)d of %(total)d sensitive cells are under-protected (interval narrower than %(width)s or published)."
            )
            % {"bad": failing, "total": int(primary.sum()), "width": format_number(width)},
            file=sys.stderr,
        )
        return 1
    print(
        _(
            "%(suppressed)d suppressed cells; every sensitive cell keeps an interval at least %(width)s wide."
        )
        % {"suppressed": len(cells), "width": format_number(width)}
    )
    return 0


def _fmt(x: float) -> str:
    return format_number(round(x, 6))
