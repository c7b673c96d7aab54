"""The one service that reads published funnel cells for pages, API and commands.

:func:`funnels` gives the funnels of a data set that the user may see (scope rules of
:class:`~ikoe.barriers.models.FunnelCell`); :func:`analysis` computes the barrier analysis of a
funnel (:mod:`ikoe.stats.barriers`) from its **published** counts only: a stage and group whose
entered or passed count is kept secret, or whose comparison group's is, gets no figures, and
Holm's correction runs over the tests that remain. So nothing on a page narrows down a secret
count beyond what the published counts tell (docs/disclosure.md, "Selection funnels").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from ikoe.barriers.models import FunnelCell, SelectionData
from ikoe.formats import fmt
from ikoe.organisations.models import Organisation
from ikoe.stats.barriers import (
    NOT_DECLARED,
    OVERALL,
    WITH,
    WITHOUT,
    PooledResult,
    Procedure,
    StageResult,
    analyse,
    holm,
    pool,
)

TOTAL = "_T"
"""The group of every applicant."""

ALPHA = 0.05


@dataclass
class Funnel:
    """One funnel as published: a procedure, or procedures pooled."""

    number: int
    pooling: str
    procedure: str
    organisation: Organisation | None
    year: int | None
    career_group: str
    procedures: int
    stages: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    cells: dict[tuple[str, str], FunnelCell] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The funnel's name in words."""
        if self.pooling == "procedure":
            org = self.organisation.name if self.organisation is not None else ""
            details = [str(v) for v in (org, self.year, self.career_group) if v]
            return f"{self.procedure} ({', '.join(details)})" if details else self.procedure
        if self.pooling == "organisation+year" and self.organisation is not None:
            return _("All procedures of %(organisation)s in %(year)s") % {
                "organisation": self.organisation.name,
                "year": self.year,
            }
        if self.pooling == "organisation" and self.organisation is not None:
            return _("All procedures of %(organisation)s") % {
                "organisation": self.organisation.name
            }
        if self.pooling == "year" and self.year is not None:
            return _("All procedures of %(year)s") % {"year": self.year}
        return _("All procedures with these stages")

    def cell(self, stage: str, group: str) -> FunnelCell | None:
        return self.cells.get((stage, group))

    def published(self, stage: str, group: str) -> tuple[int, int] | None:
        """``(entered, passed)`` when both are published."""
        c = self.cells.get((stage, group))
        if c is None or c.entered is None or c.passed is None:
            return None
        return c.entered, c.passed


def funnels(data: SelectionData, user: Any, pooling: str | None = None) -> list[Funnel]:
    """The funnels of ``data`` in the user's scope, in the order of their numbers."""
    cells = FunnelCell.objects.visible_to(user).filter(data=data).select_related("organisation")
    if pooling is not None:
        cells = cells.filter(pooling=pooling)
    found: dict[int, Funnel] = {}
    for c in cells.order_by("funnel", "stage_index", "group"):
        f = found.get(c.funnel)
        if f is None:
            f = found[c.funnel] = Funnel(
                c.funnel,
                c.pooling,
                c.procedure,
                c.organisation,
                c.year,
                c.career_group,
                c.procedures,
            )
        if c.stage not in f.stages:
            f.stages.append(c.stage)
        if c.group not in f.groups:
            f.groups.append(c.group)
        f.cells[(c.stage, c.group)] = c
    for f in found.values():
        f.groups.sort(key=_group_order)
    return list(found.values())


def _group_order(group: str) -> tuple[int, str]:
    """The compared groups first, then further groups, "keine Angabe", all applicants."""
    fixed = {WITH: 0, WITHOUT: 1, NOT_DECLARED: 3, TOTAL: 4}
    return fixed.get(group, 2), group


def analysis(funnel: Funnel, reference: str | None = None) -> list[StageResult]:
    """The barrier analysis of ``funnel`` from its published counts (see the module)."""
    groups = _ordered_groups(funnel.groups)
    if not groups or not funnel.stages:
        return []
    entered = tuple(
        tuple((funnel.published(s, g) or (0, 0))[0] for g in groups) for s in funnel.stages
    )
    passed = tuple(
        tuple((funnel.published(s, g) or (0, 0))[1] for g in groups) for s in funnel.stages
    )
    procedure = Procedure(funnel.label, tuple(funnel.stages), tuple(groups), entered, passed)
    results = analyse(procedure, reference if reference in groups else None)
    known = [r if _inputs_published(funnel, r) else _blank(r) for r in results]
    adjusted = holm([np.nan if r.p_value is None else r.p_value for r in known])
    return [
        dataclasses.replace(r, p_holm=None if np.isnan(p) else float(p))
        for r, p in zip(known, adjusted, strict=True)
    ]


def _ordered_groups(groups: Sequence[str]) -> list[str]:
    return [g for g in groups if g != TOTAL]


def _inputs_published(funnel: Funnel, r: StageResult) -> bool:
    """Whether every count behind ``r`` is published: the group's and its comparison group's."""

    def known(group: str) -> bool:
        if r.stage == OVERALL:
            first, last = (
                funnel.cell(funnel.stages[0], group),
                funnel.cell(funnel.stages[-1], group),
            )
            return (
                first is not None
                and last is not None
                and first.entered is not None
                and last.passed is not None
                and all(funnel.published(s, group) is not None for s in funnel.stages)
            )
        return funnel.published(r.stage, group) is not None

    involved = [r.group, *(g for g in (r.compared_with, r.highest_rate_group) if g)]
    return all(known(g) for g in involved)


def _blank(r: StageResult) -> StageResult:
    """``r`` without any figure: its counts or those it is compared with are secret."""
    return StageResult(
        stage=r.stage,
        group=r.group,
        entered=r.entered,
        passed=r.passed,
        selection_rate=None,
        compared_with=None,
        impact_ratio=None,
        ir_ci_low=None,
        ir_ci_high=None,
        four_fifths=None,
        test=None,
        p_value=None,
        p_holm=None,
        shortfall=None,
        flip_one_reverses=None,
        highest_rate_group=None,
        impact_ratio_highest=None,
    )


@dataclass(frozen=True)
class Finding:
    """A finding in plain words; ``severity`` ``barrier`` (four-fifths rule broken and unlikely
    to be chance), ``watch`` (one of the two) or ``none``."""

    stage: str
    group: str
    severity: str
    text: str


def findings(funnel: Funnel, results: Sequence[StageResult]) -> list[Finding]:
    """The results of every compared group other than "keine Angabe", in words."""
    out = []
    for r in results:
        if r.group == NOT_DECLARED or r.compared_with is None or r.impact_ratio is None:
            continue
        out.append(_finding(r))
    return out


def _percent(value: float) -> str:
    return fmt(value * 100, 0)


def _p(value: float) -> str:
    """``p = 0,020`` or ``p < 0,001``."""
    if value < 0.001:
        return "p < " + fmt(0.001, 3)
    return "p = " + fmt(value, 3)


def _finding(r: StageResult) -> Finding:
    assert r.impact_ratio is not None
    where = (
        _("Over the whole procedure")
        if r.stage == OVERALL
        else _("At the stage “%(stage)s”") % {"stage": r.stage}
    )
    who = group_phrase(r.group)
    other = compared_phrase(str(r.compared_with))
    head = _("%(where)s, %(who)s passed at %(ratio)s %% of the rate of %(other)s.") % {
        "where": where,
        "who": who,
        "ratio": _percent(r.impact_ratio),
        "other": other,
    }
    significant = r.p_holm is not None and r.p_holm < ALPHA
    p_text = _p(r.p_holm) if r.p_holm is not None else ""
    test = _("Fisher's exact test") if r.test == "fisher" else _("z test")
    parts = [head]
    if r.four_fifths:
        parts.append(_("This breaks the four-fifths rule."))
    else:
        parts.append(_("This keeps to the four-fifths rule."))
    if significant:
        parts.append(
            _("The difference is unlikely to be chance (%(test)s, %(p)s after Holm).")
            % {"test": test, "p": p_text}
        )
    elif r.p_holm is not None:
        parts.append(
            _(
                "The difference may well be chance (%(test)s, %(p)s after Holm): with these "
                "numbers it is not established."
            )
            % {"test": test, "p": p_text}
        )
    if r.shortfall is not None and r.shortfall >= 0.5 and (r.four_fifths or significant):
        persons = round(r.shortfall)
        parts.append(
            _("At the same rate as the others, about %(n)s more would have passed.")
            % {"n": fmt(persons, 0)}
        )
    if r.flip_one_reverses:
        parts.append(_("The finding hangs on a single decision."))
    severity = (
        "barrier"
        if r.four_fifths and significant
        else "watch"
        if r.four_fifths or significant
        else "none"
    )
    return Finding(r.stage, r.group, severity, " ".join(parts))


def compared_phrase(group: str) -> str:
    """The comparison group as the rate's owner ("the rate of …")."""
    if group == WITH:
        return _("the applicants with a migration background")
    if group == WITHOUT:
        return _("the applicants without a migration background")
    return _("the applicants of the group “%(group)s”") % {"group": group}


def group_phrase(group: str) -> str:
    if group == WITH:
        return _("applicants with a migration background")
    if group == WITHOUT:
        return _("applicants without a migration background")
    return _("applicants of the group “%(group)s”") % {"group": group}


@dataclass(frozen=True)
class PooledAnalysis:
    """The Cochran–Mantel–Haenszel analysis of a pooled funnel over its procedures.

    ``results`` compare ``group`` with ``compared_with`` stage by stage (and over the whole
    procedure, :data:`~ikoe.stats.barriers.OVERALL`), each over the procedures whose four counts
    at that stage are published (``strata``); ``procedures`` is how many procedures of the pool
    the reader sees at all.
    """

    group: str
    compared_with: str
    procedures: int
    results: list[PooledResult]


def members(pooled: Funnel, candidates: Sequence[Funnel]) -> list[Funnel]:
    """The procedures of ``candidates`` that ``pooled`` adds up: the same stages and, where the
    pool is formed by organisation or year, the same organisation or year."""
    if pooled.pooling == "procedure":
        return []
    by_org = pooled.pooling in ("organisation", "organisation+year")
    by_year = pooled.pooling in ("year", "organisation+year")
    return [
        f
        for f in candidates
        if f.pooling == "procedure"
        and f.stages == pooled.stages
        and (not by_org or f.organisation == pooled.organisation)
        and (not by_year or f.year == pooled.year)
    ]


def pooled_analysis(
    pooled: Funnel, procedures: Sequence[Funnel], reference: str | None = None
) -> PooledAnalysis | None:
    """Mantel–Haenszel odds ratio, Cochran–Mantel–Haenszel test (Holm over the stages) and the
    Breslow–Day test of homogeneity for the applicants with a migration background against
    those without (or the other way round when ``reference`` is the former), each procedure a
    stratum, from **published** counts only: a procedure enters a stage's test only where the
    entered and passed counts of both groups at that stage are published (for the whole
    procedure: entered at the first stage and passed at the last). ``None`` when the pool has
    no procedure in which both groups can be compared."""
    group, other = (WITHOUT, WITH) if reference == WITH else (WITH, WITHOUT)
    inside = members(pooled, procedures)
    strata: list[Procedure] = []
    spans = [(stage, stage, stage) for stage in pooled.stages]
    if len(pooled.stages) > 1:
        spans.append((OVERALL, pooled.stages[0], pooled.stages[-1]))
    for f in inside:
        for stage, first, last in spans:
            counts = []
            for g in (group, other):
                start, end = f.published(first, g), f.published(last, g)
                if start is None or end is None:
                    break
                if first != last and any(f.published(s, g) is None for s in f.stages):
                    break
                counts.append((start[0], end[1]))
            if len(counts) < 2:
                continue
            strata.append(
                Procedure(
                    f"{f.number}",
                    (stage,),
                    (group, other),
                    ((counts[0][0], counts[1][0]),),
                    ((counts[0][1], counts[1][1]),),
                )
            )
    if not strata:
        return None
    results = [r for r in pool(strata, ["procedure"], reference=other) if r.group == group]
    order = {s: k for k, (s, _first, _last) in enumerate(spans)}
    results.sort(key=lambda r: order.get(r.stage, len(order)))
    return PooledAnalysis(group, other, len(inside), results)


def pooled_findings(analysis: PooledAnalysis) -> list[Finding]:
    """The pooled results in words, stage by stage."""
    out = []
    for r in analysis.results:
        if r.odds_ratio is None:
            continue
        where = (
            _("Over the whole procedure")
            if r.stage == OVERALL
            else _("At the stage “%(stage)s”") % {"stage": r.stage}
        )
        parts = [
            _(
                "%(where)s, taken over %(n)s procedures together, the odds of %(who)s to pass "
                "were %(ratio)s times those of %(other)s (Mantel–Haenszel, 95 %% interval "
                "%(low)s to %(high)s)."
            )
            % {
                "where": where,
                "n": fmt(r.strata, 0),
                "who": compared_phrase(r.group),
                "ratio": fmt(r.odds_ratio, 2),
                "other": compared_phrase(r.compared_with),
                "low": "–" if r.or_ci_low is None else fmt(r.or_ci_low, 2),
                "high": "–" if r.or_ci_high is None else fmt(r.or_ci_high, 2),
            }
        ]
        significant = r.p_holm is not None and r.p_holm < ALPHA
        if r.p_holm is not None:
            if significant:
                parts.append(
                    _(
                        "The difference is unlikely to be chance (Cochran–Mantel–Haenszel "
                        "test, %(p)s after Holm)."
                    )
                    % {"p": _p(r.p_holm)}
                )
            else:
                parts.append(
                    _(
                        "The difference may well be chance (Cochran–Mantel–Haenszel test, "
                        "%(p)s after Holm): with these numbers it is not established."
                    )
                    % {"p": _p(r.p_holm)}
                )
        if r.homogeneity_p is not None and r.homogeneity_p < ALPHA:
            parts.append(
                _(
                    "The procedures differ in this (Breslow–Day test, %(p)s): look at them one "
                    "by one rather than at the pooled figure."
                )
                % {"p": _p(r.homogeneity_p)}
            )
        below = r.or_ci_high is not None and r.or_ci_high < 1.0
        severity = "barrier" if significant and below else "watch" if significant else "none"
        out.append(Finding(r.stage, r.group, severity, " ".join(parts)))
    return out
