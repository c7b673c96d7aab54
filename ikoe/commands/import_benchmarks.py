"""``ikoe import-benchmarks FILE [--name NAME] [--year YEAR]``: public benchmark figures from a
file."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.errors import ImportFailed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        metavar="FILE",
        help=_(
            "CSV file: reference format, GENESIS-Online table or GENESIS-Online flat file (ffcsv)"
        ),
    )
    parser.add_argument(
        "--name",
        help=_(
            "Name of the dataset (default: the GENESIS table code or the file name without its "
            "extension). Importing again under the same name replaces the dataset."
        ),
    )
    parser.add_argument(
        "--year",
        type=int,
        metavar="YEAR",
        help=_(
            "Year of every figure of a GENESIS table that names its year only in its title or a "
            "footnote (such as “Ergebnisse des Mikrozensus 2018”) and so has no time dimension."
        ),
    )
    parser.add_argument("--json", action="store_true", help=_("Print the result as JSON."))


def _years(years: list[int]) -> str:
    if not years:
        return "—"
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def run(args: argparse.Namespace) -> int:
    from ikoe.benchmarks.services import import_benchmark_file, summarise

    try:
        dataset = import_benchmark_file(args.file, name=args.name, year=args.year)
    except ImportFailed as exc:
        if not args.json:
            raise
        print(exc.as_json())
        return 1
    summary = summarise(dataset)
    if args.json:
        print(json.dumps({"ok": True, **asdict(summary)}, ensure_ascii=False))
        return 0
    print(
        ngettext(
            "Imported the dataset “%(name)s” (%(format)s) from %(file)s: %(rows)d figure.",
            "Imported the dataset “%(name)s” (%(format)s) from %(file)s: %(rows)d figures.",
            summary.rows,
        )
        % {
            "name": summary.name,
            "format": dataset.get_format_display(),
            "file": summary.file_name,
            "rows": summary.rows,
        }
    )
    print(_("Regions: %(regions)s") % {"regions": ", ".join(summary.regions) or "—"})
    print(_("Years: %(years)s") % {"years": _years(summary.years)})
    print(_("Measures: %(measures)s") % {"measures": "; ".join(summary.measures) or "—"})
    return 0
