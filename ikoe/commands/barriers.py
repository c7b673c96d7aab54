"""``ikoe barriers FILE (--json|--csv)``: barrier analysis of selection procedures.

Reads the statistician's own file (:mod:`ikoe.ingest.selection`: counts per stage and group, or
one row per applicant), analyses every stage and the whole procedure of every procedure
(:func:`ikoe.stats.barriers.analyse_all`) and, with ``--pool-by``, pools the procedures over
strata (:func:`ikoe.stats.barriers.pool`). Prints the results; stores nothing.

``--csv`` prints German CSV (semicolon, decimal comma) for Excel; with ``--pool-by`` the pooled
table follows the table of stages after an empty line. ``--out FILE`` writes to a file instead
(UTF-8 with byte-order mark, so that Excel shows umlauts).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed

if TYPE_CHECKING:
    from ikoe.ingest.selection import SelectionTable

KEYS = ("procedure", "organisation", "year", "career_group")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        help=_("CSV, XLSX or Parquet file: counts per stage and group, or one row per applicant"),
    )
    parser.add_argument(
        "--reference",
        metavar="GROUP",
        help=_(
            "compare with this group (e.g. “ohne Migrationshintergrund”) instead of the group "
            "with the highest selection rate"
        ),
    )
    parser.add_argument(
        "--pool-by",
        metavar="COL[,COL]",
        help=_(
            "pool over the strata formed by these columns (procedure, organisation, year, "
            "career_group): Mantel–Haenszel odds ratio, CMH test and Breslow–Day test per stage"
        ),
    )
    parser.add_argument(
        "--stages",
        metavar="A,B,…",
        help=_("the order of the stages, comma-separated (default: from the file)"),
    )
    parser.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="NAME",
        help=_("a further group besides the three standard groups; repeatable"),
    )
    parser.add_argument("--out", metavar="FILE", help=_("write to this file instead"))
    out = parser.add_mutually_exclusive_group(required=True)
    out.add_argument("--json", action="store_true", help=_("JSON output"))
    out.add_argument("--csv", action="store_true", help=_("CSV output (semicolon, decimal comma)"))


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except ImportFailed as exc:
        if not args.json:
            raise
        print(exc.as_json())
        return 1


def _run(args: argparse.Namespace) -> int:
    from ikoe.ingest.selection import read_selection
    from ikoe.stats.barriers import analyse_all, pool

    stages = None
    if args.stages is not None:
        stages = [s.strip() for s in args.stages.split(",") if s.strip()]
        if not stages:
            raise ImportFailed.single(
                "stages", _("--stages needs the names of the stages, comma-separated.")
            )
    table = read_selection(args.file, stages=stages, groups=args.group)
    reference = _reference(args.reference, table)
    pool_by = _pool_by(args.pool_by, table)
    results = analyse_all(table.procedures, reference)
    pooled = pool(table.procedures, pool_by, reference) if pool_by else None

    rows: list[dict[str, Any]] = []
    for procedure, stage_results in zip(table.procedures, results, strict=True):
        keys = {k: getattr(procedure, k) for k in KEYS}
        rows.extend(keys | dataclasses.asdict(r) for r in stage_results)
    pooled_rows = [dataclasses.asdict(r) for r in pooled] if pooled is not None else None

    if args.json:
        document: dict[str, Any] = {
            "ok": True,
            "file": table.file,
            "form": table.form,
            "stage_order": table.stage_order,
            "stages": list(table.stages),
            "groups": list(table.groups),
            "reference": reference,
            "procedures": len(table.procedures),
            "results": rows,
        }
        if pooled_rows is not None:
            document["pool_by"] = pool_by
            document["pooled"] = pooled_rows
        text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    else:
        text = _csv(rows, pooled_rows)
    if args.out:
        encoding = "utf-8" if args.json else "utf-8-sig"
        Path(args.out).write_text(text, encoding=encoding, newline="")
    else:
        sys.stdout.write(text)
    return 0


def _reference(name: str | None, table: SelectionTable) -> str | None:
    from ikoe.ingest.selection import GROUP_VALUES, key, quoted

    if name is None:
        return None
    found = next(
        (
            g
            for g in table.groups
            if key(g) == key(name) or key(name) in map(key, GROUP_VALUES.get(g, ()))
        ),
        None,
    )
    if found is None:
        raise ImportFailed.single(
            "reference",
            _(
                "The reference group “%(group)s” does not occur in the file; its groups are %(groups)s."
            )
            % {"group": name, "groups": ", ".join(quoted(g) for g in table.groups)},
            column="--reference",
        )
    return found


def _pool_by(raw: str | None, table: SelectionTable) -> list[str]:
    from ikoe.ingest.selection import HEADINGS, key

    if raw is None:
        return []
    names = [n.strip() for n in raw.split(",") if n.strip()]
    aliases = {key(a): c for c in KEYS for a in (c, *HEADINGS[c])}
    out: list[str] = []
    for name in names:
        column = aliases.get(key(name))
        if column is None:
            raise ImportFailed.single(
                "pool_by",
                _("--pool-by names “%(name)s”; use any of: %(allowed)s.")
                % {"name": name, "allowed": ", ".join(KEYS)},
                column="--pool-by",
            )
        if column != "procedure" and column not in table.columns:
            raise ImportFailed.single(
                "pool_by",
                _("--pool-by names “%(name)s”, but the file has no such column.") % {"name": name},
                column="--pool-by",
            )
        if column not in out:
            out.append(column)
    if not out:
        raise ImportFailed.single(
            "pool_by", _("--pool-by needs at least one column."), column="--pool-by"
        )
    return out


def _cell(value: Any) -> str:
    """A value as German CSV writes it: decimal comma, yes/no in words, empty for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def _csv(rows: list[dict[str, Any]], pooled: list[dict[str, Any]] | None) -> str:
    from ikoe.reports.csv import write_csv
    from ikoe.stats.barriers import PooledResult, StageResult

    out = io.StringIO()
    header = [*KEYS, *(f.name for f in dataclasses.fields(StageResult))]
    write_csv(
        out,
        header,
        ([_cell(r[c]) for c in header] for r in rows),
        delimiter=";",
        lineterminator="\r\n",
    )
    if pooled is not None:
        out.write("\r\n")
        pooled_header = [f.name for f in dataclasses.fields(PooledResult)]
        write_csv(
            out,
            pooled_header,
            ([_cell(r[c]) for c in pooled_header] for r in pooled),
            delimiter=";",
            lineterminator="\r\n",
        )
    return out.getvalue()
