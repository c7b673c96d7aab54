"""``ikoe import-selection FILE --name NAME --land CODE``: import the selection data of a Land.

The file is read and checked as by ``ikoe barriers`` (counts per stage and group, or one row per
applicant, as CSV, XLSX or Parquet); a group besides "mit Migrationshintergrund", "ohne
Migrationshintergrund" and "keine Angabe" is allowed when named with ``--group`` (repeatable).
Every funnel the pages show is protected (docs/disclosure.md, "Selection funnels") and only the
protected cells are stored. The data start unreleased: the coordination of the Land releases
them on their page.
"""

from __future__ import annotations

import argparse
import json

from django.utils.translation import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        help=_("CSV, XLSX or Parquet file: counts per stage and group, or one row per applicant"),
    )
    parser.add_argument(
        "--name", required=True, help=_("short name, e.g. be-auswahl-2024 (letters, digits, -)")
    )
    parser.add_argument("--land", required=True, metavar="CODE", help=_("the Land, e.g. DE-BE"))
    parser.add_argument("--title", default="", help=_("title shown on the pages"))
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
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))


def run(args: argparse.Namespace) -> int:
    import sys

    from ikoe.barriers.pipeline import import_selection
    from ikoe.organisations.models import Organisation
    from ikoe.organisations.services import ensure_laender

    ensure_laender()  # the 16 Länder exist on every installation, also before ikoe serve ran
    land = Organisation.objects.filter(code=args.land, kind=Organisation.Kind.LAND).first()
    if land is None:
        print(
            _("There is no Land with the code “%(code)s” (e.g. DE-BE).") % {"code": args.land},
            file=sys.stderr,
        )
        return 2
    stages = [s.strip() for s in args.stages.split(",")] if args.stages else None
    data = import_selection(
        args.file, name=args.name, land=land, title=args.title, stages=stages, groups=args.group
    )
    if args.json:
        print(
            json.dumps(
                {
                    "name": data.name,
                    "land": land.code,
                    "procedures": data.procedures,
                    **data.diagnostics,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    counts = data.diagnostics.get("counts", {})
    print(
        _(
            "Imported selection data “%(name)s” (%(land)s): %(procedures)d procedures, "
            "%(funnels)d funnels; %(secret)d of %(all)d counts kept secret."
        )
        % {
            "name": data.name,
            "land": land.name,
            "procedures": data.procedures,
            "funnels": data.diagnostics.get("funnels", 0),
            "secret": sum(v for k, v in counts.items() if k != "published"),
            "all": sum(counts.values()),
        }
    )
    print(_("Not released yet: the coordination of the Land releases the data on their page."))
    return 0
