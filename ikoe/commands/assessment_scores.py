"""``ikoe assessment-scores --organisation CODE``: the scores of an organisation's latest
finished IKÖ-Check (``--all``: of every finished one, oldest first). An operator's command: it
sees every organisation's assessments."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--organisation",
        metavar="CODE",
        required=True,
        help=_("the code of the organisation, e.g. DE-BE or an agency's code"),
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help=_("every finished assessment of the organisation, oldest first"),
    )
    parser.add_argument("--json", action="store_true", help=_("Print the result as JSON."))


def _text(value: dict[str, str] | None) -> str:
    if value is None:
        return "–"
    return value["en"] if (get_language() or "de").startswith("en") else value["de"]


def print_result(result: dict[str, Any]) -> None:
    """One assessment's results as lines of text (``result``: :func:`result_dict`)."""
    from ikoe.assessment import questionnaire as questionnaires
    from ikoe.formats import fmt

    print(
        _("%(code)s %(name)s – questionnaire %(version)s, finished on %(date)s")
        % {
            "code": result["organisation"],
            "name": result["organisation_name"],
            "version": result["questionnaire_version"],
            "date": result["finished"],
        }
    )
    if "items" in result:
        print(
            ngettext(
                "%(count)d item answered, %(na)d of them not applicable",
                "%(count)d items answered, %(na)d of them not applicable",
                result["items"],
            )
            % {"count": result["items"], "na": result["not_applicable"]}
        )
    if result["sectors"]:
        try:
            found = questionnaires.load(result["questionnaire_version"])
            sectors = [str(found.sector_label(s)) for s in result["sectors"]]
        except KeyError:
            sectors = result["sectors"]
        print(_("Sector modules: %(sectors)s") % {"sectors": ", ".join(sectors)})
    overall = result["overall_score"]
    print(
        _("Overall score: %(score)s (%(band)s)")
        % {"score": fmt(overall) if overall is not None else "–", "band": _text(result["band"])}
    )
    for dimension in result["dimensions"]:
        score = dimension["score"]
        print(
            f"  {dimension['number']}. {_text(dimension['title'])}: "
            + (fmt(score) if score is not None else _("not applicable"))
        )


def run(args: argparse.Namespace) -> int:
    from ikoe.assessment.models import Assessment
    from ikoe.assessment.outputs import result_dict
    from ikoe.organisations.models import Organisation

    organisation = Organisation.objects.filter(code=args.organisation).first()
    if organisation is None:
        print(
            _("There is no organisation with the code “%(code)s” in the hierarchy.")
            % {"code": args.organisation},
            file=sys.stderr,
        )
        return 1
    finished = (
        Assessment.objects.filter(organisation=organisation)
        .finished()
        .select_related("organisation__land")
        .prefetch_related("scores")
        .order_by("finished_at", "pk")
    )
    chosen = list(finished) if args.all else list(finished)[-1:]
    if not chosen:
        print(
            _("%(code)s (%(name)s) has no finished IKÖ-Check.")
            % {"code": organisation.code, "name": organisation.name},
            file=sys.stderr,
        )
        return 1
    results = [result_dict(a) for a in chosen]
    if args.json:
        print(json.dumps(results if args.all else results[0], ensure_ascii=False))
        return 0
    for n, result in enumerate(results):
        if n:
            print()
        print_result(result)
    return 0
