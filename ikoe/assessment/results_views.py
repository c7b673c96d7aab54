"""Results of an IKÖ-Check: scores, history, peer comparison, action plan, PDF and XLSX, and the
anonymised aggregate of a Land (docs/assessment.md, "Results").

Every page of one assessment reads it through ``Assessment.objects.visible_to`` (404 outside the
reader's reach); the comparisons come from :mod:`ikoe.assessment.comparison` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role
from ikoe.assessment import comparison, services
from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment.models import Assessment
from ikoe.assessment.questionnaire import Band, Questionnaire
from ikoe.formats import fmt, rounded
from ikoe.organisations.models import Organisation
from ikoe.reports.charts import Bar, Line, bar_chart, line_chart
from ikoe.reports.download import download
from ikoe.reports.xlsx import Sheet, workbook_bytes
from ikoe.stats.assessment import Scores


@dataclass(frozen=True)
class Chart:
    svg: str
    left_out: int = 0


@dataclass(frozen=True)
class ScoreRow:
    key: str
    number: int | None
    title: str
    score: float | None
    band: Band | None

    @property
    def shown(self) -> str:
        return fmt(self.score) if self.score is not None else "–"


def score_rows(found: Questionnaire, scores: Scores) -> list[ScoreRow]:
    """One row per dimension, and last the overall score."""
    rows = []
    for d in found.dimensions:
        score = scores.dimensions.get(d.id)
        band = found.band(score) if score is not None else None
        rows.append(ScoreRow(d.id, d.number, str(d.title), score, band))
    overall = scores.overall
    rows.append(
        ScoreRow(
            comparison.OVERALL,
            None,
            _("Overall score"),
            overall,
            found.band(overall) if overall is not None else None,
        )
    )
    return rows


def _score_chart(rows: list[ScoreRow], draft: bool) -> Chart | None:
    bars = [
        Bar(r.title, float(rounded(r.score, 1)), highlight=r.key == comparison.OVERALL)
        for r in rows
        if r.score is not None
    ]
    if not bars:
        return None
    title = _("Provisional scores per dimension") if draft else _("Scores per dimension")
    svg = bar_chart(
        bars,
        title=title,
        description="; ".join(f"{r.title}: {r.shown}" for r in rows),
        value_title=_("Score (0 to 100)"),
        ident="chart-scores",
    )
    return Chart(svg)  # a dimension without a score shows “–” in the table beside it


@dataclass(frozen=True)
class HistoryEntry:
    assessment: Assessment
    scores: dict[str, float | None]
    cells: list[str]


@dataclass
class History:
    entries: list[HistoryEntry]
    keys: list[tuple[str, str]]
    versions_differ: bool
    charts: list[Chart] = field(default_factory=list)


def _history(assessment: Assessment, found: Questionnaire) -> History | None:
    """The organisation's finished assessments, oldest first (only when there are two)."""
    finished = services.history(assessment.organisation)
    if len(finished) < 2:
        return None
    keys = [(d.id, str(d.title)) for d in found.dimensions] + [
        (comparison.OVERALL, _("Overall score"))
    ]
    entries = []
    for a in finished:
        stored = {s.dimension: s.score for s in a.scores.all()}
        stored[comparison.OVERALL] = a.overall_score
        entries.append(
            HistoryEntry(
                a, stored, [fmt(stored[k]) if stored.get(k) is not None else "–" for k, _t in keys]
            )
        )
    # at most four lines per chart, so that every line has a colour and a marker of its own
    charts = []
    for part, chunk in enumerate([keys[i : i + 4] for i in range(0, len(keys), 4)], start=1):
        lines = []
        for n, (key, title) in enumerate(chunk):
            points = tuple(
                (float(i), float(rounded(score, 1)))
                for i, e in enumerate(entries, start=1)
                if (score := e.scores.get(key)) is not None
            )
            if points:
                lines.append(Line(title, points, colour=n))
        if not lines:
            continue
        described = "; ".join(
            f"{line.label}: " + ", ".join(f"{int(x)}. {fmt(y)}" for x, y in line.points)
            for line in lines
        )
        charts.append(
            Chart(
                line_chart(
                    lines,
                    title=_("Scores of the finished IKÖ-Checks of the organisation (%(part)d)")
                    % {"part": part},
                    description=described,
                    x_title=_("IKÖ-Check (number, oldest first)"),
                    y_title=_("Score (0 to 100)"),
                    ident=f"chart-history-{part}",
                )
            )
        )
    versions = {e.assessment.questionnaire_version for e in entries}
    return History(entries, keys, len(versions) > 1, charts)


@dataclass
class GroupView:
    group: comparison.Group
    bands: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    chart: Chart | None = None


def _peer_views(assessment: Assessment, found: Questionnaire, scores: Scores) -> list[GroupView]:
    own = comparison.own_scores(dict(scores.dimensions), scores.overall)
    groups = comparison.peer_groups(assessment.organisation, assessment.size_class, found, own)
    return [_group_view(g, found, n) for n, g in enumerate(groups)]


def _group_view(group: comparison.Group, found: Questionnaire, n: int) -> GroupView:
    bands = [str(b.label) for b in found.bands]
    view = GroupView(group, bands)
    if not group.shown:
        return view
    for d in group.distributions:
        view.rows.append(
            {
                "title": d.title,
                "cells": [{"count": c, "own": d.own_band == i} for i, c in enumerate(d.counts)],
            }
        )
    overall = next((d for d in group.distributions if d.key == comparison.OVERALL), None)
    if overall is not None:
        own_label = _("%(band)s (your band)")
        bars = [
            Bar(
                own_label % {"band": label} if overall.own_band == i else label,
                float(count),
                highlight=overall.own_band == i,
            )
            for i, (label, count) in enumerate(zip(bands, overall.counts, strict=True))
        ]
        view.chart = Chart(
            bar_chart(
                bars,
                title=_("Overall score: organisations per maturity band – %(group)s")
                % {"group": group.label},
                description="; ".join(f"{b.label}: {int(b.value)}" for b in bars),
                value_title=_("Organisations (perturbed counts)"),
                ident=f"chart-peers-{n}",
                value_format=",.0f",
            )
        )
    return view


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.visible_to(request.user).select_related("organisation__land"), pk=pk
    )


def _questionnaire(assessment: Assessment) -> Questionnaire:
    try:
        return services.questionnaire_of(assessment)
    except services.AssessmentError as exc:
        raise Http404(str(exc)) from None


def _scores_context(assessment: Assessment, found: Questionnaire) -> dict[str, Any]:
    """What the results page and the PDF both show: the scores, their rows and chart."""
    scores = services.scores(assessment, found)
    rows = score_rows(found, scores)
    return {
        "assessment": assessment,
        "organisation": assessment.organisation,
        "questionnaire": found,
        "scores": scores,
        "rows": rows,
        "draft": not assessment.finished,
        "chart": _score_chart(rows, not assessment.finished),
    }


def results(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    found = _questionnaire(assessment)
    context = _scores_context(assessment, found)
    scores = context["scores"]
    context |= {
        "history": _history(assessment, found),
        "peers": _peer_views(assessment, found, scores),
        "min_peers": comparison.min_peers(),
        "plan_count": len(services.action_plan(assessment, found)),
    }
    return render(request, "assessment/results.html", context)


@dataclass
class PlanSection:
    number: int
    title: str
    entries: list[dict[str, Any]]
    dimension: str = ""


def plan_sections(assessment: Assessment, found: Questionnaire) -> list[PlanSection]:
    """The action plan grouped by dimension, in questionnaire order."""
    sections: dict[str, PlanSection] = {}
    for entry in services.action_plan(assessment, found):
        d = found.dimension(entry.item.dimension)
        section = sections.setdefault(d.id, PlanSection(d.number, str(d.title), [], d.id))
        section.entries.append(
            {
                "item": entry.item,
                "question": str(entry.item.question),
                "level": entry.level,
                "level_label": str(found.scale[entry.level]),
                "level_text": str(entry.item.levels[entry.level]),
                "target": entry.target,
                "target_label": str(found.scale[entry.target]),
                "steps": [{"from": n, "to": n + 1, "text": str(text)} for n, text in entry.steps],
                "evidence": str(entry.item.evidence),
            }
        )
    return list(sections.values())


def plan(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    found = _questionnaire(assessment)
    context = {
        "assessment": assessment,
        "organisation": assessment.organisation,
        "questionnaire": found,
        "draft": not assessment.finished,
        "sections": plan_sections(assessment, found),
    }
    return render(request, "assessment/plan.html", context)


def _filename(assessment: Assessment, ext: str) -> str:
    code = "".join(c if c.isalnum() or c in "-_" else "-" for c in assessment.organisation.code)
    return f"ikoe-check-{code.lower()}-{assessment.pk}.{ext}"


def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The results as a tagged PDF (PDF/UA-1): scores, chart, action plan."""
    from weasyprint import HTML  # imported here: it loads Pango, which only this view needs

    assessment = _assessment(request, pk)
    found = _questionnaire(assessment)
    html = render_to_string(
        "assessment/results_pdf.html",
        {
            **_scores_context(assessment, found),
            "sections": plan_sections(assessment, found),
            "language": (get_language() or "de")[:2],
        },
        request=request,
    )
    data = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    return download(data, _filename(assessment, "pdf"))


def export_sheets(assessment: Assessment, found: Questionnaire) -> list[Sheet]:
    """The sheets of the XLSX export: result, answers (no file contents), action plan."""
    scores = services.scores(assessment, found)
    status = _("provisional (draft)") if not assessment.finished else _("finished")
    result_rows: list[list[Any]] = [
        [
            r.number if r.number is not None else "",
            r.title,
            float(rounded(r.score, 1)) if r.score is not None else None,
            str(r.band.label) if r.band else "–",
        ]
        for r in score_rows(found, scores)
    ]
    notes = [
        _("%(organisation)s, IKÖ-Check with questionnaire version %(version)s, %(status)s.")
        % {
            "organisation": assessment.organisation.name,
            "version": assessment.questionnaire_version,
            "status": status,
        },
        _("Scores run from 0 to 100; – no value (every item not applicable)."),
    ]
    rows = services.answers_of(assessment)
    answers = []
    for item in found.items(assessment.sectors):
        row = rows.get(item.id)
        if row is None:
            level: Any = _("not answered yet")
        elif row.level is None:
            level = _("not applicable")
        else:
            level = row.level
        answers.append(
            [
                item.id,
                str(found.dimension(item.dimension).title),
                str(item.question),
                level,
                str(found.scale[row.level]) if row is not None and row.level is not None else "",
                row.evidence_text if row else "",
                row.evidence_link if row else "",
            ]
        )
    plan_rows = [
        [
            s.title,
            e["item"].id,
            e["question"],
            e["level"],
            e["target"],
            " ".join(f"{st['from']}→{st['to']}: {st['text']}" for st in e["steps"]),
            e["evidence"],
        ]
        for s in plan_sections(assessment, found)
        for e in s.entries
    ]
    return [
        Sheet(
            _("Result"),
            [_("No."), _("Dimension"), _("Score (0 to 100)"), _("Maturity band")],
            result_rows,
            notes=notes,
        ),
        Sheet(
            _("Answers"),
            [
                _("Item"),
                _("Dimension"),
                _("Question"),
                _("Level"),
                _("Meaning of the level"),
                _("Evidence"),
                _("Link to evidence"),
            ],
            answers,
            notes=[_("Evidence files are not part of the export.")],
        ),
        Sheet(
            _("Action plan"),
            [
                _("Dimension"),
                _("Item"),
                _("Question"),
                _("Current level"),
                _("Target level"),
                _("Next steps"),
                _("Evidence, for example"),
            ],
            plan_rows,
        ),
    ]


def xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    found = _questionnaire(assessment)
    data = workbook_bytes(export_sheets(assessment, found))
    return download(data, _filename(assessment, "xlsx"))


def land(request: HttpRequest, code: str) -> HttpResponse:
    """The anonymised aggregate of a Land: for its coordination and the federal level."""
    found_land = get_object_or_404(Organisation, kind=Organisation.Kind.LAND, code=code)
    if not has_role(request.user, Role.COORDINATOR, land=found_land):
        raise Http404
    aggregate = comparison.land_aggregate(found_land)
    found = questionnaires.load(aggregate.version)
    whole = _group_view(aggregate.whole, found, 0)
    kinds = [_group_view(g, found, n) for n, g in enumerate(aggregate.kinds, start=1)]
    context = {
        "land": found_land,
        "aggregate": aggregate,
        "questionnaire": found,
        "whole": whole,
        "kinds": kinds,
        "min_peers": comparison.min_peers(),
        "levels": [str(t) for t in found.scale],
    }
    return render(request, "assessment/land.html", context)
