"""``ikoe import-measures FILE [--registry measures|trainings|funding] [--land CODE] [--json]``:
import measures, training participation or funding programmes from a CSV or XLSX file
(:mod:`ikoe.measures.io`). A row updates the stored row with the same key, else it is created;
all or nothing. With ``--land`` every organisation of the file must belong to that Land."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed

REGISTRY_NAMES = ("measures", "trainings", "funding")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        metavar="FILE",
        help=_(
            "CSV or XLSX file, one row per measure (or training participation, or funding "
            "programme) with the columns of docs/measures.md"
        ),
    )
    parser.add_argument(
        "--registry",
        choices=REGISTRY_NAMES,
        default="measures",
        help=_(
            "what the file holds: measures (default), trainings (training participation per "
            "organisation, year and occupational group) or funding (funding programmes)"
        ),
    )
    parser.add_argument(
        "--land",
        metavar="CODE",
        help=_("limit the import to the organisations of this Land, e.g. DE-BE"),
    )
    parser.add_argument("--json", action="store_true", help=_("Print the result as JSON."))


def operator(command: str) -> str:
    """How the history names an operator on the command line."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        name = "?"
    return f"{name} (ikoe {command})"


def find_land(code: str) -> object | None:
    from ikoe.organisations.models import Organisation
    from ikoe.organisations.services import ensure_laender

    ensure_laender()  # the 16 Länder exist on every installation, also before ikoe serve ran
    land = Organisation.objects.filter(code=code, kind=Organisation.Kind.LAND).first()
    if land is None:
        print(
            _("There is no Land with the code “%(code)s” (e.g. DE-BE).") % {"code": code},
            file=sys.stderr,
        )
    return land


def run(args: argparse.Namespace) -> int:
    from ikoe.measures.io import import_registry

    land = None
    if args.land:
        land = find_land(args.land)
        if land is None:
            return 2
    try:
        result = import_registry(
            args.file,
            args.registry,
            land=land,  # type: ignore[arg-type]
            user=operator("import-measures"),
        )
    except ImportFailed as exc:
        if not args.json:
            raise
        print(exc.as_json())
        return 1
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return 0
    print(
        _("Imported %(file)s: %(created)d created, %(changed)d changed, %(unchanged)d unchanged.")
        % {
            "file": args.file,
            "created": len(result.created),
            "changed": len(result.changed),
            "unchanged": len(result.unchanged),
        }
    )
    return 0
