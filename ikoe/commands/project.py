"""``ikoe project``: the stock-flow projection of the share with a migration background.

``ikoe project --share S --target T --years Y --exit-rate R [--exit-rate-group RM]
[--exit-rate-other RO] [--growth G] [--hiring-share H] [--pool P] (--json|--csv)`` prints the
hiring share it takes to reach the target in ``Y`` years (with whether it can be done and why
not), the years to the target at the hiring share given, the steady state and the trajectory
year by year — at the hiring share given, else at the required one (at every hire, when even
that is not enough). Pure arithmetic (:mod:`ikoe.stats.projection`): no database, no files.

**Shares and rates**: a number with ``%`` is a percentage (``20%``, ``20 %``, ``-1,5%``); a
plain number is a fraction and must lie below 1 in size (``0.2``, ``0,2``). A plain ``20``
or ``1`` is refused as ambiguous (20 % or 2,000 %? 1 % or 100 %?), with the two ways to write
it. The output gives every share as a fraction (JSON) or with a decimal comma (CSV).

A target that is reached already is an answer, not an error: status ``reached``, exit 0. So is
a target that cannot be reached (``impossible``, ``above_pool``, with the share reachable at
the most that can be hired). Invalid input — a share outside 0–100 %, a negative rate, a
workforce shrinking faster than its staff leave — is refused with exit 1, every problem named.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.formats import fmt

if TYPE_CHECKING:
    from ikoe.stats.projection import Requirement

MAX_YEARS = 200
_NEGATIVE = re.compile(r"^-(?:\d+(?:[.,]\d*)?|[.,]\d+)\s*%?$")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # argparse formats help texts with %: a percent sign is written %%.
    parser.add_argument(
        "--share", required=True, metavar="S", help=_("the share now, e.g. “10%%” or “0.1”")
    )
    parser.add_argument(
        "--target", required=True, metavar="T", help=_("the target share, e.g. “20%%” or “0.2”")
    )
    parser.add_argument(
        "--years", required=True, metavar="Y", help=_("years until the target (a whole number)")
    )
    parser.add_argument(
        "--exit-rate",
        required=True,
        metavar="R",
        help=_("the share of staff who leave each year, e.g. “5%%” or “0.05”"),
    )
    parser.add_argument(
        "--exit-rate-group",
        metavar="RM",
        help=_("the exit rate of staff with a migration background, if it differs (else R)"),
    )
    parser.add_argument(
        "--exit-rate-other",
        metavar="RO",
        help=_("the exit rate of the other staff, if it differs (else R)"),
    )
    parser.add_argument(
        "--growth",
        default="0",
        metavar="G",
        help=_(
            "growth of the workforce a year, e.g. “1%%”; negative (“-1%%”): it shrinks (default 0)"
        ),
    )
    parser.add_argument(
        "--hiring-share",
        metavar="H",
        help=_("the share with a migration background among the hires: years to the target at it"),
    )
    parser.add_argument(
        "--pool",
        metavar="P",
        help=_(
            "the share with a migration background the applicant pool supplies (the most that can be hired)"
        ),
    )
    # ``--growth -2%`` is a value, not an option: argparse takes only ``-2`` and ``-0.5`` for
    # negative numbers, so it is told about percentages and decimal commas (``--growth=-2%``
    # always works).
    parser._negative_number_matcher = _NEGATIVE  # type: ignore[attr-defined]
    out = parser.add_mutually_exclusive_group(required=True)
    out.add_argument("--json", action="store_true", help=_("JSON output"))
    out.add_argument("--csv", action="store_true", help=_("CSV output (semicolon, decimal comma)"))


@dataclass(frozen=True)
class _Problem:
    code: str
    option: str
    text: str


def _pct(value: float) -> str:
    """``34,92 %``: a fraction as a percentage, two places at most."""
    text = fmt(value * 100, 2)
    separator = str(formats.get_format("DECIMAL_SEPARATOR"))
    if separator in text:
        text = text.rstrip("0").rstrip(separator)
    return f"{text}\u00a0%"


def _plain(value: float) -> str:
    """``0,2``: a number in the active language's format, four places at most."""
    text = fmt(value, 4)
    separator = str(formats.get_format("DECIMAL_SEPARATOR"))
    return text.rstrip("0").rstrip(separator) if separator in text else text


def _number(
    option: str, raw: str, problems: list[_Problem], *, signed: bool = False
) -> float | None:
    """A percentage (``20%``) or a fraction (``0.2``) as a fraction, or a problem."""
    text = raw.strip().replace("\u2212", "-")
    percent = text.endswith("%")
    digits = text[:-1].strip() if percent else text
    if not _NUMBER.fullmatch(digits):
        problems.append(
            _Problem(
                "number",
                option,
                _(
                    "“%(value)s” is not a number. Write a percentage such as 20%% or a fraction such as 0.2."
                )
                % {"value": raw},
            )
        )
        return None
    value = float(digits.replace(",", "."))
    if not percent:
        if abs(value) >= 1.0:
            problems.append(
                _Problem(
                    "ambiguous",
                    option,
                    _(
                        "“%(value)s” is ambiguous: a number without %% must be a fraction below 1. "
                        "Write %(value)s%% for %(value)s percent, or the fraction %(fraction)s."
                    )
                    % {"value": digits, "fraction": _plain(value / 100)},
                )
            )
            return None
    else:
        value /= 100.0
    if value < 0.0 and not signed:
        problems.append(
            _Problem(
                "negative",
                option,
                _("“%(value)s”: a share or rate cannot be negative.") % {"value": raw.strip()},
            )
        )
        return None
    if value > 1.0:
        problems.append(
            _Problem("range", option, _("“%(value)s” lies above 100 %%.") % {"value": raw.strip()})
        )
        return None
    return value


def _years(raw: str, problems: list[_Problem]) -> int | None:
    text = raw.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_YEARS:
        problems.append(
            _Problem(
                "years",
                "--years",
                _("“%(value)s”: the years must be a whole number from 1 to %(max)d.")
                % {"value": raw, "max": MAX_YEARS},
            )
        )
        return None
    return int(text)


@dataclass(frozen=True)
class _Inputs:
    share: float
    target: float
    years: int
    exit_rate: float
    exit_rate_group: float | None
    exit_rate_other: float | None
    growth: float
    hiring_share: float | None
    pool: float | None

    @property
    def rates(self) -> dict[str, float | None]:
        return {"exit_rate_group": self.exit_rate_group, "exit_rate_other": self.exit_rate_other}


def _inputs(args: argparse.Namespace) -> tuple[_Inputs | None, list[_Problem]]:
    problems: list[_Problem] = []
    values: dict[str, Any] = {}
    for name, option in (
        ("share", "--share"),
        ("target", "--target"),
        ("years", "--years"),
        ("exit_rate", "--exit-rate"),
        ("exit_rate_group", "--exit-rate-group"),
        ("exit_rate_other", "--exit-rate-other"),
        ("hiring_share", "--hiring-share"),
        ("pool", "--pool"),
    ):
        raw = getattr(args, name)
        if name == "years":
            values[name] = _years(raw, problems)
        else:
            values[name] = None if raw is None else _number(option, raw, problems)
    values["growth"] = _number("--growth", args.growth, problems, signed=True)
    if problems:
        return None, problems
    inputs = _Inputs(**values)
    if inputs.growth <= -1.0:
        problems.append(
            _Problem(
                "growth",
                "--growth",
                _("A workforce cannot shrink by all its staff or more in a year."),
            )
        )
        return None, problems
    rates = [
        r if r is not None else inputs.exit_rate
        for r in (inputs.exit_rate_group, inputs.exit_rate_other)
    ]
    if inputs.growth < -min(rates) - 1e-12:
        problems.append(
            _Problem(
                "dismissals",
                "--growth",
                _(
                    "The workforce cannot shrink faster than its staff leave: with the exit "
                    "rates given (%(rates)s) it may shrink by at most %(most)s a year, not by "
                    "%(growth)s; that would take dismissals."
                )
                % {
                    "rates": ", ".join(dict.fromkeys(_pct(r) for r in rates)),
                    "most": _pct(min(rates)),
                    "growth": _pct(-inputs.growth),
                },
            )
        )
        return None, problems
    return inputs, []


def run(args: argparse.Namespace) -> int:
    inputs, problems = _inputs(args)
    if inputs is None:
        if args.json:
            document = {
                "ok": False,
                "problems": [
                    {"code": p.code, "column": p.option, "text": f"{p.option}: {p.text}"}
                    for p in problems
                ],
                "more": 0,
            }
            print(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            for p in problems:
                print(f"{p.option}: {p.text}", file=sys.stderr)
        return 1
    document = _project(inputs)
    if args.json:
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    else:
        sys.stdout.write(_csv(document))
    return 0


def _project(i: _Inputs) -> dict[str, Any]:
    from ikoe.stats import projection

    need = projection.required_hiring_share(
        i.share, i.target, i.years, i.exit_rate, i.growth, pool=i.pool, **i.rates
    )
    # The trajectory at the hiring share given; else at the required one; at every hire when
    # even that is not enough; none when the target is reached and no hiring share is given.
    h: float | None = i.hiring_share
    if h is None and need.status != "reached":
        h = need.share if need.share is not None and need.share <= 1.0 else 1.0
    steady: float | None = None
    path: list[float] = []
    if h is not None:
        path = projection.trajectory(i.share, i.years, i.exit_rate, h, i.growth, **i.rates)
        try:
            steady = projection.steady_state(h, exit_rate=i.exit_rate, growth=i.growth, **i.rates)
        except ValueError:
            steady = None  # the share does not move: no steady state
    document: dict[str, Any] = {
        "ok": True,
        "inputs": {
            "share": i.share,
            "target": i.target,
            "years": i.years,
            "exit_rate": i.exit_rate,
            "exit_rate_group": i.exit_rate_group if i.exit_rate_group is not None else i.exit_rate,
            "exit_rate_other": i.exit_rate_other if i.exit_rate_other is not None else i.exit_rate,
            "growth": i.growth,
            "hiring_share": i.hiring_share,
            "pool": i.pool,
        },
        "status": need.status,
        "reason": need.reason,
        "required_hiring_share": need.share,
        "reachable_share": need.reachable,
    }
    sentences = [_summary(i, need)]
    if i.hiring_share is not None:
        years = projection.years_to_target(
            i.share, i.target, i.exit_rate, i.hiring_share, i.growth, **i.rates
        )
        document["years_to_target"] = years
        if years != 0.0:
            sentences.append(_when(i, years, steady))
    document["steady_state_share"] = steady
    document["trajectory_hiring_share"] = h
    document["trajectory"] = [{"year": t, "share": p} for t, p in enumerate(path)]
    document["summary"] = " ".join(sentences)
    return document


def _summary(i: _Inputs, need: Requirement) -> str:
    within = ngettext("in %(years)d year", "in %(years)d years", i.years) % {"years": i.years}
    values = {
        "share": _pct(i.share),
        "target": _pct(i.target),
        "within": within,
        "required": _pct(need.share) if need.share is not None else "",
        "reachable": _pct(need.reachable) if need.reachable is not None else "",
        "pool": _pct(i.pool) if i.pool is not None else "",
    }
    if need.status == "reached":
        return _("The share (%(share)s) is at or above the target (%(target)s) already.") % values
    if need.status == "feasible":
        return (
            _(
                "To go from %(share)s to %(target)s %(within)s, %(required)s of the hires must "
                "have a migration background."
            )
            % values
        )
    if need.status == "above_pool":
        return (
            _(
                "To go from %(share)s to %(target)s %(within)s would take %(required)s of the "
                "hires, more than the applicant pool supplies (%(pool)s); at the pool's share the "
                "share reaches %(reachable)s."
            )
            % values
        )
    if need.reason == "no_hires":
        return (
            _(
                "Nobody is hired (nobody leaves and the workforce does not grow): the share stays "
                "at %(share)s and cannot reach %(target)s."
            )
            % values
        )
    return (
        _(
            "%(target)s cannot be reached %(within)s: even if every hire had a migration "
            "background, the share would reach %(reachable)s."
        )
        % values
    )


def _when(i: _Inputs, years: float | None, steady: float | None) -> str:
    values = {"hiring": _pct(i.hiring_share or 0.0), "target": _pct(i.target)}
    if years is None:
        if steady is None:
            return _("At a hiring share of %(hiring)s the share never reaches %(target)s.") % values
        return _(
            "At a hiring share of %(hiring)s the share never reaches %(target)s; it tends to "
            "%(steady)s."
        ) % {**values, "steady": _pct(steady)}
    whole = math.ceil(years - 1e-9)
    return _(
        "At a hiring share of %(hiring)s the share reaches %(target)s after %(years)s years "
        "(during year %(whole)d)."
    ) % {**values, "years": fmt(years, 1), "whole": whole}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def _csv(document: dict[str, Any]) -> str:
    from ikoe.reports.csv import write_csv

    keys = [
        "status",
        "reason",
        "required_hiring_share",
        "reachable_share",
        *(["years_to_target"] if "years_to_target" in document else []),
        "steady_state_share",
        "trajectory_hiring_share",
    ]
    out = io.StringIO()
    rows = [[k, _cell(document[k])] for k in keys]
    rows += [[k, _cell(v)] for k, v in document["inputs"].items()]
    write_csv(out, ["measure", "value"], rows, delimiter=";", lineterminator="\r\n")
    out.write("\r\n")
    write_csv(
        out,
        ["year", "share"],
        ([str(p["year"]), _cell(p["share"])] for p in document["trajectory"]),
        delimiter=";",
        lineterminator="\r\n",
    )
    return out.getvalue()
