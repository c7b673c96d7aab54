"""``ikoe import-organisations FILE``: the organisation hierarchy from a CSV file."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Lazy: the parser is built before Django is set up; argparse renders the text later.
    parser.add_argument("file", help=_("CSV file (UTF-8 or Windows-1252, “,” or “;”)"))
    parser.add_argument("--json", action="store_true", help=_("Print the result as JSON."))


def run(args: argparse.Namespace) -> int:
    from ikoe.organisations.services import import_organisations

    try:
        result = import_organisations(args.file)
    except ImportFailed as exc:
        if not args.json:
            raise
        print(exc.as_json())
        return 1
    if args.json:
        print(json.dumps({"ok": True, **asdict(result)}))
    else:
        print(
            _("Organisations: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % asdict(result),
            file=sys.stdout,
        )
    return 0
