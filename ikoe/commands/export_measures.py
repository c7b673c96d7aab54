"""``ikoe export-measures --land CODE --format csv|xlsx [--registry …] [--out FILE]``: the
measures (or training participation, or funding programmes) of the organisations of a Land in
the columns that ``ikoe import-measures`` reads, so that the file imports again unchanged."""

from __future__ import annotations

import argparse
import sys

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.commands.import_measures import REGISTRY_NAMES, find_land


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--land", metavar="CODE", required=True, help=_("the Land, e.g. DE-BE"))
    parser.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        default="csv",
        help=_("csv (UTF-8, “;”, decimal comma) or xlsx (Excel)"),
    )
    parser.add_argument(
        "--registry",
        choices=REGISTRY_NAMES,
        default="measures",
        help=_("what to export: measures (default), trainings or funding"),
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help=_("write to this file (default: the standard output)"),
    )


def run(args: argparse.Namespace) -> int:
    from ikoe.measures.io import REGISTRIES, export_csv, export_xlsx

    land = find_land(args.land)
    if land is None:
        return 2
    model = REGISTRIES[args.registry].model
    rows = model._default_manager.filter(organisation__land=land)
    data = (export_csv if args.format == "csv" else export_xlsx)(args.registry, rows)
    if args.out:
        try:
            with open(args.out, "wb") as out:
                out.write(data)
        except OSError as exc:
            print(
                _("The file %(file)s cannot be written: %(reason)s")
                % {"file": args.out, "reason": exc.strerror},
                file=sys.stderr,
            )
            return 2
        count = rows.count()
        print(
            ngettext("Wrote %(count)d row to %(file)s.", "Wrote %(count)d rows to %(file)s.", count)
            % {"count": count, "file": args.out}
        )
        return 0
    if args.format == "xlsx" and sys.stdout.isatty():
        print(
            _("An Excel file is not printed to a terminal; name a file with --out."),
            file=sys.stderr,
        )
        return 2
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return 0
