"""Survey pages: Land overview, organisation page, diagnostics for data stewards, upload.

Every page reads protected cells (IndicatorCell) only; nothing here touches respondent rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.accounts.models import Role
from ikoe.accounts.scope import get_object_for_user_or_404, visible
from ikoe.benchmarks.models import Benchmark
from ikoe.formats import fmt
from ikoe.labels import (
    CODE_ORDER,
    COLUMN_LABELS,
    DIMENSION_LABELS,
    FLAG_LABELS,
    FLAG_SHORT,
    SURVEY_DEFINITION_LABELS,
    code_label,
    definition_label,
    definition_warning,
    measure_label,
)
from ikoe.organisations.models import Organisation
from ikoe.regions import GERMANY
from ikoe.reports.charts import Bar, bar_chart
from ikoe.reports.templatetags.ikoe import pct
from ikoe.stats.groupings import ALL_LANDS
from ikoe.stats.publication import PublicationRules
from ikoe.surveys.catalogue import (
    LAND,
    LAND_MINISTRY,
    LAND_MINISTRY_AGENCY,
    LAND_MINISTRY_AGENCY_CAREER_GROUP,
    LAND_MINISTRY_CAREER_GROUP,
    OVERVIEW_TABLES,
    PublishedTable,
    table_named,
)
from ikoe.surveys.figures import cells_frame, cells_of, land_trend, published_cells, represent
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.publication import REASONS
from ikoe.surveys.release import coordinated_parts
from ikoe.surveys.scope import Reach, survey_reach
from ikoe.surveys.upload_views import steward_lands


def visible_surveys(user: Any):  # type: ignore[no-untyped-def]
    return visible(Survey.objects.select_related("land"), user)


def get_survey(request: HttpRequest, name: str) -> Survey:
    return get_object_for_user_or_404(visible_surveys(request.user), request.user, name=name)


def get_reach(request: HttpRequest, survey: Survey) -> Reach:
    """What of a survey the user may read; the survey itself was found in their scope."""
    reach = survey_reach(request.user, survey)
    if reach is None:  # pragma: no cover - get_survey answers 404 first
        raise Http404
    return reach


# Respondents counted at the level above, e.g. staff of the ministry itself in a table of agencies.
UNASSIGNED = {
    "ministry": gettext_lazy("directly at Land level (no ministry given)"),
    "agency": gettext_lazy("directly at the ministry (no agency given)"),
    "unit": gettext_lazy("directly at the agency (no unit given)"),
}


@dataclass
class Row:
    """One cell as a table row, with representation against the benchmark."""

    label: str
    cell: IndicatorCell
    code: str | None = None
    link: str = ""
    gap_pp: float | None = None
    index: float | None = None
    shortfall: float | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def flag_labels(self) -> list[tuple[str, str]]:
        """(short name, explanation) of each flag."""
        return [(str(FLAG_SHORT.get(f, f)), str(FLAG_LABELS.get(f, f))) for f in self.flags]


def _benchmarks(survey: Survey) -> list[Benchmark]:
    return list(
        Benchmark.objects.filter(
            region_code__in=[land.code for land in survey.lands] + [GERMANY],
            unit="%",
            value__isnull=False,
        )
        .exclude(measure__in=["administration_staff_survey_share"])
        .order_by("region_code", "measure", "-year")
    )


def _represent(rows: list[Row], benchmark: float | None) -> None:
    """Representation of each row against the benchmark (:func:`figures.represent`)."""
    table = represent(cells_frame([r.cell for r in rows]), benchmark)
    for row, rec in zip(rows, table.iter_rows(named=True), strict=True):
        row.gap_pp, row.index, row.shortfall = rec["gap_pp"], rec["index"], rec["shortfall"]
        row.flags = list(rec["flags"] or [])


def _rows_by(
    cells: QuerySet[IndicatorCell],
    table: PublishedTable,
    definition: str,
    names: dict[str, str],
    **dims: str,
) -> list[Row]:
    """The rows of one published table, in the order of its row dimension."""
    dimension = table.rows
    cells_of_table = cells_of(cells, table, definition, **dims)
    order = CODE_ORDER.get(dimension)
    if order:
        rank = {code: i for i, code in enumerate(order)}
        cells_of_table.sort(key=lambda c: rank.get(str(c.dims.get(dimension)).lower(), len(order)))
    else:
        cells_of_table.sort(key=lambda c: names.get(c.dims.get(dimension) or "", "~"))
    rows = []
    for c in cells_of_table:
        code = c.dims.get(dimension)
        if dimension in ("ministry", "agency", "unit", "land"):
            label = (
                names.get(code, code) if code else str(UNASSIGNED.get(dimension, _("not assigned")))
            )
        else:
            label = code_label(dimension, code)
        rows.append(Row(label=label, cell=c, code=code))
    return rows


@dataclass(frozen=True)
class Chart:
    """A bar chart (accessible SVG) and how many groups of its table it leaves out."""

    svg: str
    left_out: int = 0


def _chart(
    rows: list[Row], title: str, ident: str, benchmark: float | None, benchmark_label: str
) -> Chart | None:
    """The chart of the rows with a published share beside the benchmark; ``None`` when no row
    has one (a chart of the benchmark alone says nothing). Rows without a share (kept secret or
    not reliable enough) are left out, and the chart says how many."""
    bars = [Bar(r.label, 100 * (r.cell.share or 0)) for r in rows if r.cell.share is not None]
    if not bars:
        return None
    if benchmark:
        bars.append(Bar(benchmark_label, 100 * benchmark, highlight=True))
    description = "; ".join(f"{b.label}: {pct(b.value / 100)} %" for b in bars)
    svg = bar_chart(
        bars, title=title, description=description, value_title=_("Share in %"), ident=ident
    )
    return Chart(svg, sum(1 for r in rows if r.cell.share is None))


def _shown_lands(survey: Survey, reach: Reach) -> list[tuple[str, str]]:
    """The Länder whose figures the overview can show the user (code, name): for a joint survey
    all its Länder together first (only for those who reach the whole survey), then each Land
    in reach."""
    shown = []
    if survey.joint and reach.whole:
        shown.append((ALL_LANDS, _("All Länder of the survey")))
    shown += [(p.land.code, p.land.name) for p in survey.parts_list if reach.covers(p.land)]
    return shown


def _context(request: HttpRequest, survey: Survey, reach: Reach) -> dict[str, Any]:
    lands = _shown_lands(survey, reach)
    land = request.GET.get("land", "")
    if land not in dict(lands):
        land = lands[0][0] if lands else ""
    definitions = survey.diagnostics.get("definitions_derived", [])
    definition = request.GET.get("definition") or (definitions[0] if definitions else "")
    if definition not in definitions:
        definition = definitions[0] if definitions else ""
    benchmarks = _benchmarks(survey)
    chosen = None
    try:
        wanted = int(request.GET.get("benchmark", ""))
        chosen = next((b for b in benchmarks if b.pk == wanted), None)
    except ValueError:
        pass
    if chosen is None:
        # The shown Land's population share; Germany's for all Länder of a joint survey.
        region = GERMANY if land == ALL_LANDS else land
        chosen = next(
            (b for b in benchmarks if b.region_code == region and b.measure == "population_share"),
            None,
        )
    share = (chosen.value or 0) / 100 if chosen else None
    label = _("Benchmark: %(what)s %(year)s") % {
        "what": measure_label(chosen.measure, chosen.measure_label) if chosen else "",
        "year": chosen.year if chosen else "",
    }
    short = _("Benchmark (%(year)s)") % {"year": chosen.year if chosen else ""}
    custom_text = request.GET.get("custom", "").strip()
    custom_error = ""
    if custom_text:
        try:
            value = float(custom_text.replace(",", "."))
        except ValueError:
            value = -1.0
        if 0 < value < 100:
            share, chosen = value / 100, None
            label = short = _("Own benchmark")
        else:
            custom_error = _("Enter a percentage between 0 and 100, such as %(example)s.") % {
                "example": fmt(25.5, 1)
            }
    names = _names(survey)
    return {
        "survey": survey,
        "benchmark_definition_label": definition_label(chosen.definition) if chosen else "",
        "definition_warning": definition_warning(definition, chosen.definition) if chosen else "",
        "reach": reach,
        "land": land,
        "lands": lands,
        "land_name": dict(lands).get(land, ""),
        "cells": published_cells(request.user, survey),
        "definition": definition,
        "definition_label": SURVEY_DEFINITION_LABELS.get(definition, definition),
        "definitions": [(d, SURVEY_DEFINITION_LABELS.get(d, d)) for d in definitions],
        "benchmarks": [
            (
                b,
                f"{b.region_name}: {measure_label(b.measure, b.measure_label)}, {definition_label(b.definition)}, {b.year} ({fmt(b.value, 1)} %)",
            )
            for b in benchmarks
        ],
        "benchmark": chosen,
        "benchmark_share": share,
        "benchmark_label": label,
        "benchmark_short": short,
        "custom": custom_text,
        "custom_error": custom_error,
        "names": names,
        "symbols_used": [],
        "disclosure_rules": disclosure_rules(survey),
        "can_see_diagnostics": survey_reach(request.user, survey, Role.DATA_STEWARD) is not None,
        "can_release": can_release(request.user, survey),
    }


def can_release(user: Any, survey: Survey) -> bool:
    """Whether the user may release (or withdraw) at least one part of the survey."""
    return bool(coordinated_parts(user, survey))


def _names(survey: Survey) -> dict[str, str]:
    """Names of the survey's Länder and of every organisation in them, by code."""
    lands = survey.lands
    names = dict(Organisation.objects.filter(land__in=lands).values_list("code", "name"))
    names.update({land.code: land.name for land in lands})
    names[ALL_LANDS] = _("All Länder of the survey")
    return names


def disclosure_rules(survey: Survey) -> dict[str, Any]:
    """The rules the survey's cells were protected with, for the footnote."""
    rules = PublicationRules.of_survey(survey.diagnostics)
    return {
        "k": rules.min_count,
        "n_min": rules.share_base,
        "rate": fmt(100 * rules.min_declaration_rate, 0),
        "width": fmt(rules.width, 0),
    }


def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = list(visible_surveys(request.user).order_by("land__name", "-year"))
    limited = False
    for s in surveys:
        reach = survey_reach(request.user, s)
        # The Land's respondent count is a Land-wide figure: only for those who reach the whole.
        s.land_totals = reach is not None and reach.whole  # type: ignore[attr-defined]
        limited = limited or not s.land_totals  # type: ignore[attr-defined]
    # Importing needs the data steward role for a whole Land (the file's Land).
    can_upload = bool(steward_lands(request.user))
    return render(
        request,
        "surveys/survey_list.html",
        {"surveys": surveys, "can_upload": can_upload, "limited": limited},
    )


def survey_overview(request: HttpRequest, name: str) -> HttpResponse:
    survey = get_survey(request, name)
    reach = get_reach(request, survey)
    if not reach.whole and not reach.lands:
        return _reach_page(request, survey, reach)
    ctx = _context(request, survey, reach)
    d, names, b, land = ctx["definition"], ctx["names"], ctx["benchmark_share"], ctx["land"]
    cells = ctx["cells"]
    total = _rows_by(cells, LAND, d, names, land=land)
    sections = []
    if land == ALL_LANDS:
        by_land = [r for r in _rows_by(cells, LAND, d, names) if r.code != ALL_LANDS]
        for r in by_land:
            r.link = f"?land={r.code}&definition={d}"
        _represent(by_land, b)
        title = _("Share with a migration background by Land")
        sections.append(
            {
                "id": "land",
                "heading": DIMENSION_LABELS["land"],
                "rows": by_land,
                "chart": _chart(by_land, title, "chart-land", b, ctx["benchmark_short"]),
                "chart_title": title,
            }
        )
    for table in OVERVIEW_TABLES:
        dimension = table.rows
        rows = _rows_by(cells, table, d, names, land=land)
        if not rows:
            continue
        _represent(rows, b)
        if dimension == "ministry":
            for r in rows:
                if r.code:
                    r.link = f"organisation/{r.code}/"
        title = _("Share with a migration background by %(dimension)s") % {
            "dimension": DIMENSION_LABELS[dimension]
        }
        sections.append(
            {
                "id": dimension,
                "heading": DIMENSION_LABELS[dimension],
                "rows": rows,
                "chart": _chart(rows, title, f"chart-{dimension}", b, ctx["benchmark_short"]),
                "chart_title": title,
            }
        )
    _represent(total, b)
    trend_rows, changes = _trend(request, survey, d, land)
    return render(
        request,
        "surveys/survey_overview.html",
        {
            **ctx,
            "total": total[0] if total else None,
            "sections": sections,
            "trend": trend_rows,
            "changes": changes,
        },
    )


def _reach_page(request: HttpRequest, survey: Survey, reach: Reach) -> HttpResponse:
    """The overview for a member limited to agencies: an unreleased survey's Land-wide figures
    contain other agencies' staff, so the member goes to their agency's page (or chooses one of
    their agencies) instead."""
    with_results = {
        a.code
        for a in reach.agencies
        if IndicatorCell.objects.filter(
            survey=survey, table=LAND_MINISTRY_AGENCY.name, dims__agency=a.code
        ).exists()
    }
    if len(reach.agencies) == 1 and with_results:
        url = reverse("surveys:organisation", args=[survey.name, reach.agencies[0].code])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    return render(
        request,
        "surveys/survey_reach.html",
        {
            "survey": survey,
            "agencies": [(a, a.code in with_results) for a in reach.agencies],
        },
    )


def _trend(
    request: HttpRequest, survey: Survey, definition: str, land: str
) -> tuple[list[Row], list[dict[str, Any]]]:
    """The Land's share over the survey years (:func:`figures.land_trend`) as table rows."""
    points, changes = land_trend(request.user, survey, definition, land)
    rows = [
        Row(
            label=str(p.survey.year),
            cell=p.cell,
            link=""
            if p.survey.pk == survey.pk
            else reverse("surveys:overview", args=[p.survey.name]),
        )
        for p in points
    ]
    return rows, changes


def organisation_page(request: HttpRequest, name: str, code: str) -> HttpResponse:
    survey = get_survey(request, name)
    if "\x00" in code:  # no code has it, and PostgreSQL refuses to compare with it
        raise Http404
    reach = get_reach(request, survey)
    org = Organisation.objects.filter(code=code, land__in=survey.lands).first()
    # Out of reach answers like an organisation that does not exist.
    if org is None or not reach.covers(org):
        raise Http404
    ctx = _context(request, survey, reach)
    d, names, b = ctx["definition"], ctx["names"], ctx["benchmark_share"]
    cells = ctx["cells"]
    if org.kind == "ministry":
        own = cells_of(cells, LAND_MINISTRY, d, ministry=code)
        children = _rows_by(cells, LAND_MINISTRY_AGENCY, d, names, ministry=code)
        ladder = _rows_by(cells, LAND_MINISTRY_CAREER_GROUP, d, names, ministry=code)
        for r in children:
            if r.code:
                r.link = f"../{r.code}/"
    elif org.kind == "agency":
        own = cells_of(cells, LAND_MINISTRY_AGENCY, d, agency=code)
        children = []
        ladder = _rows_by(cells, LAND_MINISTRY_AGENCY_CAREER_GROUP, d, names, agency=code)
    else:
        raise Http404
    if not own:
        raise Http404
    total = [Row(label=org.name, cell=own[0])]
    for rows in (total, children, ladder):
        _represent(rows, b)
    title = _("Share with a migration background by career group")
    return render(
        request,
        "surveys/survey_organisation.html",
        {
            **ctx,
            "organisation": org,
            # (organisation, whether its page is in reach) for the breadcrumb
            "parents": [(o, reach.covers(o)) for o in org.ancestors() if o.kind != "land"],
            "overview_link": reach.whole or len(reach.agencies) > 1,
            "total": total[0],
            "total_rows": total,
            "children": children,
            "ladder": ladder,
            "ladder_chart": _chart(ladder, title, "chart-ladder", b, ctx["benchmark_short"]),
            "ladder_title": title,
            "children_chart": _chart(
                children,
                _("Share with a migration background by agency"),
                "chart-agencies",
                b,
                ctx["benchmark_short"],
            ),
        },
    )


def _suppression_summary(
    cells: Any,
) -> tuple[list[dict[str, Any]], list[tuple[str, int]]]:
    """Per published table and definition: cells, published, primary, secondary; and how
    often each reason occurs (a cell with two reasons counts for both)."""
    per: dict[tuple[str, str], dict[str, Any]] = {}
    by_reason: dict[str, int] = {}
    for table, definition, status, reason in cells.values_list(
        "table", "definition", "status", "reason"
    ):
        row = per.setdefault(
            (table, definition),
            {
                "table": " × ".join(str(DIMENSION_LABELS.get(d, d)) for d in table_named(table).by),
                "definition": SURVEY_DEFINITION_LABELS.get(definition, definition),
                "cells": 0,
                "published": 0,
                "primary": 0,
                "secondary": 0,
            },
        )
        row["cells"] += 1
        row[status] = row.get(status, 0) + 1
        for code in reason.split(","):
            if code:
                by_reason[code] = by_reason.get(code, 0) + 1
    order = {name: i for i, name in enumerate(REASONS)}
    reasons = [
        (str(REASONS.get(code, code)), n)
        for code, n in sorted(by_reason.items(), key=lambda item: order.get(item[0], 99))
    ]
    return [per[k] for k in sorted(per)], reasons


def survey_summary(survey: Survey) -> dict[str, Any]:
    """What the import found and how the tables were protected, as the diagnostics page and the
    release page show it (``surveys/_survey_summary.html``, ``_disclosure_summary.html``):
    respondents and response rate (from ``survey``), declared respondents and declaration rate
    per definition, the weighting diagnostics and the summary of the disclosure control."""
    diag = survey.diagnostics
    declared = [
        {
            "definition": SURVEY_DEFINITION_LABELS.get(code, code),
            "declared": n,
            "rate": n / survey.respondents if survey.respondents else None,
        }
        for code, n in (diag.get("declared") or {}).items()
    ]
    weighting = diag.get("weighting") or {}
    return {
        "survey": survey,
        "declared": declared,
        "weighting": weighting,
        "margins": margin_labels(weighting.get("margins") or []),
        "weighting_tables": weighting_tables(weighting),
        "disclosure": diag.get("disclosure") or {},
    }


def margin_labels(margins: list[str]) -> list[str]:
    """The margins of a weighting in words: “organisation × gender” → “Organisation × Gender”."""
    return [
        " × ".join(
            str(_("Organisation") if c == "organisation" else DIMENSION_LABELS.get(c, c))
            for c in margin.split(" × ")
        )
        for margin in margins
    ]


def weighting_tables(weighting: dict[str, Any]) -> list[dict[str, Any]]:
    """Per totals file: how its cells were formed, with the collapsed-into cells named for
    reading (organisation name and code; the classes of the columns still used)."""
    tables = weighting.get("cells") or []
    codes = {p["organisation"] for t in tables for p in t.get("pooled", [])}
    names = dict(Organisation.objects.filter(code__in=codes).values_list("code", "name"))
    files = weighting.get("files") or []
    out = []
    for i, table in enumerate(tables):
        pooled = [
            {
                **p,
                "name": names.get(p["organisation"], p["organisation"]),
                "classes": "; ".join(
                    f"{DIMENSION_LABELS.get(col, col)}: {code_label(col, value)}"
                    for col, value in p["classes"].items()
                ),
            }
            for p in table.get("pooled", [])
        ]
        out.append(
            {
                **table,
                "file": files[i] if i < len(files) else "",
                "breakdown": " × ".join(
                    str(DIMENSION_LABELS.get(c, _("Organisation") if c == "organisation" else c))
                    for c in ("organisation", *table.get("columns", []))
                ),
                "pooled": pooled,
                "unlisted": table.get("pooled_count", 0) - len(pooled),
            }
        )
    return out


def survey_diagnostics(request: HttpRequest, name: str) -> HttpResponse:
    """What the import found, for data stewards of the survey's Land (and higher roles).

    A data steward limited to agencies sees only their agencies' part: the response of their
    agencies and units and the suppression of the cells in their reach. The Land-wide parts
    (file, rows, weighting, the protection of the whole system, answers per question) describe
    every agency's respondents and stay with the Land's data stewards. Of a joint survey of
    several Länder, the data stewards of one Land see their Land's part only: its respondents,
    answers and weights, and the suppression of its cells; the whole survey is for the
    federal level.
    """
    survey = get_survey(request, name)
    reach = survey_reach(request.user, survey, Role.DATA_STEWARD)
    if reach is None:
        raise Http404
    diag = survey.diagnostics
    names = _names(survey)
    staff = diag.get("staff_by_organisation") or {}
    counted = diag.get("respondents_by_organisation", {})
    land_of = dict(
        Organisation.objects.filter(code__in=list(counted)).values_list("code", "land__code")
    )
    by_org = [
        (
            code,
            names.get(code, code),
            n,
            staff.get(code),
            n / staff[code] if staff.get(code) else None,
        )
        for code, n in counted.items()
        if reach.whole or code in reach.codes or land_of.get(code) in reach.lands
    ]
    parts = [
        _part_summary(survey, code, names.get(code, code), part)
        for code, part in sorted((diag.get("parts") or {}).items())
        if not reach.whole and code in reach.lands
    ]
    cells = reach.cells(IndicatorCell.objects.filter(survey=survey))
    publications, reasons = _suppression_summary(cells)
    for part in parts:
        part["answers"] = _answers(part.pop("answers_per_item"))
    return render(
        request,
        "surveys/survey_diagnostics.html",
        {
            **(survey_summary(survey) if reach.whole else {"survey": survey}),
            "reach": reach,
            "diag": diag if reach.whole else {},
            "file_kind": _file_kind(diag) if reach.whole else "",
            "answers": _answers(diag.get("answers_per_item") or {}) if reach.whole else [],
            "parts": parts,
            "by_org": by_org,
            "publications": publications,
            "reasons": reasons,
            "cell_count": cells.count(),
            "can_release": can_release(request.user, survey),
        },
    )


FILE_FORMATS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "parquet": "Parquet"}
ENCODINGS = {
    "utf-8": gettext_lazy("UTF-8"),
    "utf-8-sig": gettext_lazy("UTF-8 with byte-order mark"),
    "cp1252": gettext_lazy("Windows-1252"),
}


def _file_kind(diag: dict[str, Any]) -> str:
    """The file's format and character set in words, e.g. "CSV, UTF-8 with byte-order mark"."""
    kind = FILE_FORMATS.get(str(diag.get("format") or ""), str(diag.get("format") or ""))
    encoding = diag.get("encoding")
    if encoding:
        kind = f"{kind}, {ENCODINGS.get(str(encoding), str(encoding))}"
    return kind


def _answers(per_item: dict[str, int]) -> list[tuple[str, int]]:
    """(label, answers) of every question, for the diagnostics."""
    return [(str(COLUMN_LABELS.get(c, c)), n) for c, n in per_item.items()]


def _part_summary(survey: Survey, code: str, name: str, part: dict[str, Any]) -> dict[str, Any]:
    """The diagnostics of one Land's part of a joint survey, as the diagnostics page shows them."""
    respondents = part.get("respondents") or 0
    return {
        "code": code,
        "name": name,
        "respondents": respondents,
        "declared": [
            {
                "definition": SURVEY_DEFINITION_LABELS.get(d, d),
                "declared": n,
                "rate": n / respondents if respondents else None,
            }
            for d, n in (part.get("declared") or {}).items()
        ],
        "weighting": part.get("weighting") or {},
        "margins": margin_labels((part.get("weighting") or {}).get("margins") or []),
        "answers_per_item": part.get("answers_per_item") or {},
    }
