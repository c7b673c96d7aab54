"""``ikoe import-assessments FILE --questionnaire VERSION``: IKÖ-Check assessments filled in
elsewhere (CSV, XLSX or Parquet; one row per organisation and item), each organisation's as one
new finished assessment. All or nothing (:mod:`ikoe.assessment.imports`)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.errors import ImportFailed


def day(text: str) -> dt.date:
    """A date as YYYY-MM-DD (argparse turns the error into its usage message)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a date; expected YYYY-MM-DD, e.g. 2026-03-31.") % {"value": text}
        ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        metavar="FILE",
        help=_(
            "CSV, XLSX or Parquet file with the columns organisation (code), item (item id), "
            "level (0 to 4 or n/a) and optionally evidence (a text or a web address)"
        ),
    )
    parser.add_argument(
        "--questionnaire",
        metavar="VERSION",
        required=True,
        help=_("the questionnaire version the assessments were made with, e.g. 2026.1"),
    )
    parser.add_argument(
        "--finished-on",
        metavar="YYYY-MM-DD",
        type=day,
        help=_("the day the assessments were done (default: today)"),
    )
    parser.add_argument("--json", action="store_true", help=_("Print the result as JSON."))


def run(args: argparse.Namespace) -> int:
    from ikoe.assessment.imports import import_assessments
    from ikoe.assessment.outputs import result_dict
    from ikoe.commands.assessment_scores import print_result

    try:
        imported = import_assessments(args.file, args.questionnaire, args.finished_on)
    except ImportFailed as exc:
        if not args.json:
            raise
        print(exc.as_json())
        return 1
    results = [
        {
            **result_dict(i.assessment),
            "items": i.scores.answered,
            "not_applicable": i.scores.not_applicable,
        }
        for i in imported
    ]
    if args.json:
        print(json.dumps({"ok": True, "assessments": results}, ensure_ascii=False))
        return 0
    print(
        ngettext(
            "Imported %(count)d assessment (questionnaire %(version)s) from %(file)s:",
            "Imported %(count)d assessments (questionnaire %(version)s) from %(file)s:",
            len(results),
        )
        % {"count": len(results), "version": args.questionnaire, "file": args.file}
    )
    for result in results:
        print()
        print_result(result)
    return 0
