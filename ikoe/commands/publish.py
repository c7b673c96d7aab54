"""``ikoe publish``: protect and store the tables of surveys again from their snapshots."""

from __future__ import annotations

import argparse

from django.utils.translation import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--survey", metavar="NAME", help=_("short name of the survey"))
    which.add_argument("--all", action="store_true", help=_("every survey"))
    which.add_argument(
        "--outdated",
        action="store_true",
        help=_("every survey protected with other rules or an older method"),
    )


def run(args: argparse.Namespace) -> int:
    from ikoe.commands.import_survey import print_disclosure
    from ikoe.errors import ImportFailed
    from ikoe.surveys.models import Survey
    from ikoe.surveys.pipeline import republish
    from ikoe.surveys.publication import needs_republishing

    surveys = list(Survey.objects.select_related("land").order_by("name"))
    if args.survey:
        surveys = [s for s in surveys if s.name == args.survey]
        if not surveys:
            names = ", ".join(Survey.objects.values_list("name", flat=True)) or "–"
            raise ImportFailed.single(
                "survey",
                _("There is no survey “%(name)s”. Known surveys: %(names)s.")
                % {"name": args.survey, "names": names},
            )
    elif args.outdated:
        surveys = [s for s in surveys if needs_republishing(s)]
    if not surveys:
        print(_("Nothing to publish: every survey is protected with the current rules."))
        return 0
    for survey in surveys:
        cells = republish(survey)
        print(
            _("Published “%(name)s” again: %(cells)d protected table cells.")
            % {"name": survey.name, "cells": cells}
        )
        print_disclosure(survey.diagnostics.get("disclosure") or {})
    return 0
