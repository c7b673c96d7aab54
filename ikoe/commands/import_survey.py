"""``ikoe import-survey``: read a staff survey into restricted storage and publish its
protected tables."""

from __future__ import annotations

import argparse
import json

from django.utils.translation import gettext as _

from ikoe.formats import fmt


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help=_("survey file (CSV, XLSX or Parquet)"))
    parser.add_argument("--name", required=True, help=_("short name of the survey, e.g. be-2024"))
    parser.add_argument("--year", required=True, type=int, help=_("survey year"))
    parser.add_argument("--title", default="", help=_("title shown to users"))
    parser.add_argument(
        "--population",
        default="",
        help=_("surveyed population; surveys of one population form a trend"),
    )
    parser.add_argument("--fieldwork", default="", help=_("fieldwork period, e.g. 03/2024–05/2024"))
    parser.add_argument("--population-size", type=int, help=_("staff in the surveyed population"))
    parser.add_argument(
        "--totals",
        metavar="TOTALS.csv",
        action="append",
        help=_(
            "personnel totals for weighting; give it twice or more for totals that come as "
            "separate breakdowns of the same staff"
        ),
    )
    parser.add_argument(
        "--mapping", metavar="MAP.yaml", help=_("mapping of the file's own names and codes")
    )
    parser.add_argument(
        "--trim",
        metavar="LOW,HIGH",
        help=_("trim the weights to LOW…HIGH times the mean weight, e.g. 0.3,3 or 0,3;3"),
    )
    parser.add_argument("--json", action="store_true", help=_("print the diagnostics as JSON"))


def _trim(text: str) -> tuple[float, float]:
    """``LOW,HIGH`` with decimal points, or with decimal commas separated by ``;`` or ``/``."""
    from ikoe.errors import ImportFailed

    for sep in (";", "/", " "):
        if sep in text:
            parts = text.split(sep)
            break
    else:
        parts = text.split(",") if text.count(",") == 1 else []
    try:
        low, high = (float(p.strip().replace(",", ".")) for p in parts)
    except ValueError:
        low, high = 0.0, 0.0
    if not 0 < low <= 1 <= high:
        raise ImportFailed.single(
            "trim",
            _(
                "--trim needs two numbers LOW and HIGH with 0 < LOW ≤ 1 ≤ HIGH, such as 0.3,3 or 0,3;3."
            ),
            column="--trim",
        )
    return low, high


def run(args: argparse.Namespace) -> int:
    from ikoe.ingest.mapping import load_mapping
    from ikoe.labels import SURVEY_DEFINITION_LABELS
    from ikoe.surveys.pipeline import import_survey
    from ikoe.surveys.release import ended_by_import

    mapping = load_mapping(args.mapping) if args.mapping else None
    trim = _trim(args.trim) if args.trim else None
    survey = import_survey(
        args.file,
        name=args.name,
        year=args.year,
        title=args.title,
        population=args.population,
        fieldwork=args.fieldwork,
        population_size=args.population_size,
        totals=args.totals,
        mapping=mapping,
        mapping_source={"columns": mapping.columns, "values": mapping.values} if mapping else None,
        trim=trim,
    )
    diag = survey.diagnostics
    if args.json:
        print(
            json.dumps(
                {
                    "survey": survey.name,
                    "land": survey.land.code if survey.land is not None else None,
                    "lands": [land.code for land in survey.lands],
                    **diag,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(
        _("Imported survey “%(name)s” (%(land)s, %(year)d): %(rows)d respondents.")
        % {
            "name": survey.name,
            "land": survey.land_names,
            "year": survey.year,
            "rows": survey.respondents,
        }
    )
    for definition, declared in diag["declared"].items():
        print(
            _("  %(definition)s: %(declared)d declared (%(rate)s %%)")
            % {
                "definition": SURVEY_DEFINITION_LABELS.get(definition, definition),
                "declared": declared,
                "rate": fmt(100 * declared / max(survey.respondents, 1), 1),
            }
        )
    weighting = diag.get("weighting") or {}
    if weighting:
        print_weighting(weighting)
    else:
        print(_("  Not weighted (no personnel totals given)."))
    print(_("  %(cells)d protected table cells published.") % {"cells": survey.cells.count()})
    print_disclosure(diag.get("disclosure") or {})
    if ended_by_import(survey, list(survey.releases.all())):
        print(
            _(
                "  It replaces a released survey of the same name; the new figures are not "
                "public until they are released again (ikoe release --survey %(name)s)."
            )
            % {"name": survey.name}
        )
    return 0


def print_weighting(weighting: dict) -> None:
    """How the survey was weighted: method, cells and collapsed cells, weights."""
    cells = weighting.get("cells") or []
    if weighting.get("method") == "raking":
        print(
            _(
                "  Weighted to the personnel totals by raking across %(files)d totals files: "
                "%(iterations)d iterations, converged: %(converged)s."
            )
            % {
                "files": len(cells),
                "iterations": weighting["iterations"],
                "converged": _("yes") if weighting["converged"] else _("no"),
            }
        )
    elif weighting.get("method") == "post-stratification":
        print(_("  Weighted to the personnel totals by post-stratification."))
    else:  # a survey weighted before post-stratification (raking to separate margins)
        print(
            _(
                "  Weighted to the personnel totals: %(iterations)d iterations, converged: %(converged)s."
            )
            % {
                "iterations": weighting["iterations"],
                "converged": _("yes") if weighting["converged"] else _("no"),
            }
        )
    for table in cells:
        print(
            _(
                "  %(label)s: weighted to %(cells)d cells; %(collapsed)d of %(fine)d cells "
                "(fewer than %(min)d respondents or no head count) were collapsed into %(pooled)d."
            )
            % {
                "label": table["label"],
                "cells": table["cells"],
                "collapsed": table["collapsed"],
                "fine": table["fine_cells"],
                "min": table["min_respondents"],
                "pooled": table["pooled_count"],
            }
        )
    print(
        _("  Weights %(low)s–%(high)s, design effect %(deff)s.")
        % {
            "low": fmt(weighting["weight_min"], 2),
            "high": fmt(weighting["weight_max"], 2),
            "deff": fmt(weighting["design_effect"], 2),
        }
    )


def print_disclosure(summary: dict) -> None:
    """One line on how the tables were protected (shared with ``ikoe publish``)."""
    if not summary:
        return
    print(
        _(
            "  Disclosure control: %(primary)d primary and %(secondary)d secondary cells of "
            "%(cells)d (k = %(k)d, W = %(width)s); audit passed, narrowest interval %(narrow)s; "
            "%(seconds)s s."
        )
        % {
            "primary": summary["primary"],
            "secondary": summary["secondary"],
            "cells": summary["cells"],
            "k": summary["rules"]["min_count"],
            "width": fmt(summary["rules"]["width"], 0),
            "narrow": "–"
            if summary.get("narrowest_interval") is None
            else fmt(summary["narrowest_interval"], 1),
            "seconds": fmt(summary["seconds"], 1),
        }
    )
