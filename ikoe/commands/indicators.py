"""``ikoe indicators``: protected indicators of a survey for any combination of dimensions."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from django.utils.translation import gettext as _

FIELDS = (
    "respondents",
    "declared",
    "share",
    "ci_low",
    "ci_high",
    "benchmark",
    "gap_pp",
    "index",
    "shortfall",
    "flags",
    "status",
    "symbol",
)


def _percent(text: str) -> float:
    """A percentage with a decimal comma or point."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a number.") % {"value": text}
        ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--survey", required=True, help=_("name of the survey"))
    parser.add_argument(
        "--by",
        default="land",
        help=_(
            "dimensions, comma-separated: land, ministry, agency, unit, career_group, employment, gender, age_group, leadership"
        ),
    )
    parser.add_argument(
        "--definition",
        default="mighev",
        choices=["mighev", "mz", "eg", "precomputed"],
        help=_("definition of migration background (default mighev: MighEV §6 short form)"),
    )
    parser.add_argument(
        "--weighted", action="store_true", help=_("use the weights (needs personnel totals)")
    )
    parser.add_argument(
        "--benchmark",
        type=int,
        help=_("ID of the benchmark figure (default: the Land's latest population share)"),
    )
    parser.add_argument(
        "--benchmark-value",
        type=_percent,
        metavar="PERCENT",
        help=_("a custom benchmark in percent, e.g. 25,5 or 25.5 (instead of --benchmark)"),
    )
    parser.add_argument(
        "--benchmark-label",
        default="",
        help=_("what the custom benchmark describes, e.g. “eligible labour force 2023”"),
    )
    out = parser.add_mutually_exclusive_group(required=True)
    out.add_argument("--json", action="store_true", help=_("JSON output"))
    out.add_argument("--csv", action="store_true", help=_("CSV output"))


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def run(args: argparse.Namespace) -> int:
    from ikoe.errors import ImportFailed
    from ikoe.reports.csv import write_csv
    from ikoe.surveys.catalogue import DEFINITION_CODES, DIMENSIONS, LEVELS
    from ikoe.surveys.figures import (
        BenchmarkChoice,
        TableRefused,
        benchmark_for,
        indicator_table,
    )
    from ikoe.surveys.models import Survey

    by = list(dict.fromkeys(d.strip() for d in args.by.split(",") if d.strip()))
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ImportFailed.single(
            "dimension",
            _("Unknown dimension %(dims)s; use any of: %(allowed)s.")
            % {"dims": ", ".join(unknown), "allowed": ", ".join(DIMENSIONS)},
            column="--by",
        )
    survey = Survey.objects.select_related("land").filter(name=args.survey).first()
    if survey is None:
        names = ", ".join(Survey.objects.values_list("name", flat=True)) or "–"
        raise ImportFailed.single(
            "survey",
            _("There is no survey “%(name)s”. Known surveys: %(names)s.")
            % {"name": args.survey, "names": names},
        )
    definition = DEFINITION_CODES[args.definition]
    if definition.value not in survey.diagnostics.get("definitions_derived", []):
        raise ImportFailed.single(
            "definition",
            _("The survey's answers do not allow the definition “%(definition)s”.")
            % {"definition": args.definition},
        )
    answered = (survey.diagnostics.get("columns_used") or {}).values()
    absent = [d for d in by if d not in LEVELS and answered and d not in answered]
    if absent:
        raise ImportFailed.single(
            "dimension",
            _("The survey has no answers for %(dims)s.") % {"dims": ", ".join(absent)},
            column="--by",
        )
    if args.weighted and not survey.weighted:
        raise ImportFailed.single(
            "weights", _("The survey has no personnel totals, so it cannot be weighted.")
        )
    benchmark: BenchmarkChoice | None
    if args.benchmark_value is not None:
        if not 0 < args.benchmark_value < 100:
            raise ImportFailed.single(
                "benchmark",
                _("A custom benchmark must be a percentage between 0 and 100."),
                column="--benchmark-value",
            )
        benchmark = BenchmarkChoice(
            args.benchmark_value / 100, args.benchmark_label or _("custom benchmark"), None, ""
        )
    else:
        benchmark = benchmark_for(survey, args.benchmark)
    if args.benchmark is not None and benchmark is None:
        raise ImportFailed.single(
            "benchmark", _("There is no benchmark figure with ID %(id)d.") % {"id": args.benchmark}
        )
    try:
        table = indicator_table(survey, by, definition, weighted=args.weighted, benchmark=benchmark)
    except TableRefused as exc:
        raise ImportFailed.single("protection", exc.reason, column="--by") from exc
    records = []
    for row in table.iter_rows(named=True):
        record: dict[str, Any] = {d: (None if row[d] is None else str(row[d])) for d in by}
        record.update(
            respondents=row["respondents"],
            declared=row["declared"],
            share=_clean(row["share"]),
            ci_low=_clean(row["ci_lower"]),
            ci_high=_clean(row["ci_upper"]),
            benchmark=benchmark.share if benchmark else None,
            gap_pp=_clean(row.get("gap_pp")),
            index=_clean(row.get("index")),
            shortfall=_clean(row.get("shortfall")),
            flags=list(row.get("flags") or []),
            status="published" if row["status"] == "published" else "suppressed",
            symbol=row["symbol"],
        )
        records.append(record)
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        columns = [*by, *FIELDS]
        rows = [[{**r, "flags": "|".join(r["flags"])}[c] for c in columns] for r in records]
        write_csv(sys.stdout, columns, rows, lineterminator="\r\n")
    return 0
