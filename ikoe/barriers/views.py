"""Pages of the barrier analysis: the selection data a user may see, the overview of one data
set with its findings, and each funnel with its chart, table and findings.

Every page reads published funnel cells only (:mod:`ikoe.barriers.figures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import get_object_for_user_or_404, has_role
from ikoe.barriers.figures import (
    TOTAL,
    Finding,
    Funnel,
    PooledAnalysis,
    analysis,
    findings,
    funnels,
    pooled_analysis,
    pooled_findings,
)
from ikoe.barriers.models import SelectionData
from ikoe.barriers.upload_views import steward_lands
from ikoe.formats import fmt
from ikoe.reports.charts import Bar, bar_chart
from ikoe.reports.templatetags.ikoe import pct
from ikoe.stats.barriers import NOT_DECLARED, OVERALL, WITH, WITHOUT, StageResult


def visible_data(user: Any):  # type: ignore[no-untyped-def]
    return SelectionData.objects.visible_to(user).select_related("land")


def get_data(request: HttpRequest, name: str) -> SelectionData:
    return get_object_for_user_or_404(visible_data(request.user), request.user, name=name)


def selection_list(request: HttpRequest) -> HttpResponse:
    data = list(visible_data(request.user).order_by("land__name", "-last_year", "name"))
    can_upload = bool(steward_lands(request.user))
    return render(
        request, "barriers/selection_list.html", {"data_sets": data, "can_upload": can_upload}
    )


@dataclass
class FunnelSummary:
    funnel: Funnel
    findings: list[Finding]

    @property
    def barriers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "barrier"]

    @property
    def watch(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "watch"]


def selection_overview(request: HttpRequest, name: str) -> HttpResponse:
    data = get_data(request, name)
    summaries = []
    for f in funnels(data, request.user):
        summaries.append(FunnelSummary(f, findings(f, analysis(f))))
    pooled = [s for s in summaries if s.funnel.pooling != "procedure"]
    procedures = [s for s in summaries if s.funnel.pooling == "procedure"]
    return render(
        request,
        "barriers/selection_overview.html",
        {
            "data": data,
            "pooled": pooled,
            "procedures": procedures,
            **_status(request, data),
        },
    )


@dataclass(frozen=True)
class Row:
    """One stage and group of the funnel's table."""

    stage: str
    group: str
    label: str
    entered: str
    passed: str
    rate: str
    result: StageResult | None


def funnel_page(request: HttpRequest, name: str, number: int) -> HttpResponse:
    data = get_data(request, name)
    visible = funnels(data, request.user)
    found = [f for f in visible if f.number == number]
    if not found:
        raise Http404
    funnel = found[0]
    reference = request.GET.get("reference") or None
    pooled = pooled_analysis(funnel, visible, reference) if funnel.pooling != "procedure" else None
    results = analysis(funnel, reference)
    by_key = {(r.stage, r.group): r for r in results}
    # Each stage, then the whole procedure: entered the first stage, passed the last one.
    spans = [(stage, stage, stage) for stage in funnel.stages]
    if len(funnel.stages) > 1:
        spans.append((OVERALL, funnel.stages[0], funnel.stages[-1]))
    rows = []
    for stage, first, last in spans:
        for group in funnel.groups:
            start, end = funnel.cell(first, group), funnel.cell(last, group)
            if start is None or end is None:
                continue
            result = by_key.get((stage, group))
            rows.append(
                Row(
                    _stage_label(stage),
                    group,
                    _label(group),
                    _count(start.entered, start.entered_symbol),
                    _count(end.passed, end.passed_symbol),
                    _rate(result, start.entered, end.passed),
                    result,
                )
            )
    groups = [g for g in funnel.groups if g != TOTAL]
    return render(
        request,
        "barriers/funnel.html",
        {
            "data": data,
            "funnel": funnel,
            "stages": _by_stage(rows),
            "findings": findings(funnel, results),
            "chart": _chart(funnel),
            "groups": groups,
            "reference": reference if reference in groups else "",
            "group_choices": [(g, _label(g)) for g in groups],
            "pooled": pooled,
            "pooled_rows": _pooled_rows(pooled),
            "pooled_findings": pooled_findings(pooled) if pooled is not None else [],
            "pooled_group_label": _label(pooled.group) if pooled else "",
            "pooled_other_label": _label(pooled.compared_with) if pooled else "",
            **_status(request, data),
        },
    )


@dataclass(frozen=True)
class PooledRow:
    """One stage of the pooled comparison, formatted for the table."""

    stage: str
    strata: str
    odds_ratio: str
    interval: str
    p_holm: str
    homogeneity_p: str


def _pooled_rows(pooled: PooledAnalysis | None) -> list[PooledRow]:
    if pooled is None:
        return []
    rows = []
    for r in pooled.results:
        rows.append(
            PooledRow(
                _stage_label(r.stage),
                fmt(r.strata, 0),
                "x" if r.odds_ratio is None else fmt(r.odds_ratio, 2),
                "x"
                if r.or_ci_low is None or r.or_ci_high is None
                else f"{fmt(r.or_ci_low, 2)}–{fmt(r.or_ci_high, 2)}",
                _p_value(r.p_holm),
                _p_value(r.homogeneity_p),
            )
        )
    return rows


def _p_value(value: float | None) -> str:
    """A p-value for a table: three places, "< 0,001" below that, "x" when there is none."""
    if value is None:
        return "x"
    return f"< {fmt(0.001, 3)}" if value < 0.001 else fmt(value, 3)


def _count(value: int | None, symbol: str) -> str:
    if value is None:
        return symbol or "."
    return fmt(value, 0)


def _rate(result: StageResult | None, entered: int | None, passed: int | None) -> str:
    if entered is None or passed is None:
        return "."
    if entered == 0:
        return "x"
    return pct(passed / entered)


@dataclass(frozen=True)
class Chart:
    svg: str
    left_out: int = 0


def _chart(funnel: Funnel) -> Chart | None:
    """The funnel of every compared group (all but "keine Angabe"): of those who applied, the
    share that reached each stage, in %. Stages whose counts are secret are left out, and the
    chart says so."""
    series = [g for g in funnel.groups if g not in (NOT_DECLARED, TOTAL)]
    if not series:
        return None
    first = funnel.stages[0]
    bars: list[Bar] = []
    left_out = 0
    for stage in funnel.stages:
        for group in series:
            start, here = funnel.cell(first, group), funnel.cell(stage, group)
            if start is None or here is None or not start.entered or here.entered is None:
                left_out += 1
                continue
            bars.append(Bar(stage, 100 * here.entered / start.entered, series=_label(group)))
    if not bars:
        return None
    description = "; ".join(f"{b.label}, {b.series}: {pct(b.value / 100)} %" for b in bars)
    svg = bar_chart(
        bars,
        title=_("Share of applicants who reached each stage"),
        description=description,
        value_title=_("Share of the group's applicants in %"),
        ident=f"funnel-{funnel.number}",
        series_title=_("Applicants"),
    )
    return Chart(svg, left_out)


def _by_stage(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    grouped: dict[str, list[Row]] = {}
    for r in rows:
        grouped.setdefault(r.stage, []).append(r)
    return list(grouped.items())


def _stage_label(stage: str) -> str:
    return _("whole procedure") if stage == OVERALL else stage


def _label(group: str) -> str:
    if group == WITH:
        return _("with a migration background")
    if group == WITHOUT:
        return _("without a migration background")
    if group == NOT_DECLARED:
        return _("not declared")
    if group == TOTAL:
        return _("all applicants")
    return group


def _status(request: HttpRequest, data: SelectionData) -> dict[str, Any]:
    user = request.user
    return {
        "can_release": has_role(user, Role.COORDINATOR, land=data.land),
        "can_see_diagnostics": has_role(user, Role.DATA_STEWARD, land=data.land),
    }
