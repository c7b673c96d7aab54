"""The Ländervergleich of a joint survey (``/befragungen/NAME/laendervergleich/``).

A joint survey of several Länder measures the share of staff with a migration background in
every Land with one questionnaire, so the Länder can be set side by side: each Land's share in
its public service (the protected cell of the table by Land, with its 95 % interval) beside
the share of people with a migration background in its population (the population series
with figures nearest to the survey year). Whether a Land's public service lags behind its
population more than chance explains comes from :func:`ikoe.surveys.figures.represent`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.benchmarks.comparison import (
    available_series,
    nearest_population,
    nearest_year,
    series_values,
)
from ikoe.benchmarks.models import Benchmark
from ikoe.labels import SURVEY_DEFINITION_LABELS, definition_label
from ikoe.reports.charts import Bar, bar_chart
from ikoe.reports.templatetags.ikoe import pct
from ikoe.stats.groupings import ALL_LANDS
from ikoe.surveys.catalogue import LAND
from ikoe.surveys.figures import cells_frame, cells_of, published_cells, represent
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.scope import survey_reach
from ikoe.surveys.views import can_release, disclosure_rules, get_reach, get_survey


@dataclass
class LandRow:
    """One Land of a joint survey (or all of them together) against its population."""

    code: str
    name: str
    cell: IndicatorCell
    population: Benchmark | None = None
    gap_pp: float | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def across(self) -> bool:
        return self.code == ALL_LANDS

    @property
    def below(self) -> bool:
        """The share lags behind the population share by more than chance explains: the z test
        (z ≤ −2) or, for unweighted figures, the exact binomial test flags it."""
        return bool({"z_score", "binomial"} & set(self.flags))


def comparison_rows(
    survey: Survey, cells: Any, definition: str, populations: dict[str, Benchmark]
) -> list[LandRow]:
    """The survey's Länder in the user's reach (``cells``), all of them together first where
    the user reaches the whole survey, each with its population share and the gap."""
    names = {p.land.code: p.land.name for p in survey.parts_list}
    order = [ALL_LANDS, *sorted(names, key=lambda c: names[c])]
    names[ALL_LANDS] = _("All Länder of the survey")
    found = {c.dims.get("land"): c for c in cells_of(cells, LAND, definition)}
    rows = []
    for code in order:
        cell = found.get(code)
        if cell is None:
            continue
        row = LandRow(code, names[code], cell, populations.get(code))
        if row.population is not None and row.population.value is not None:
            assessed = represent(cells_frame([cell]), row.population.value / 100).row(0, named=True)
            row.gap_pp, row.flags = assessed["gap_pp"], list(assessed["flags"] or [])
        rows.append(row)
    return rows


def survey_laendervergleich(request: HttpRequest, name: str) -> HttpResponse:
    survey = get_survey(request, name)
    if not survey.joint:
        raise Http404
    reach = get_reach(request, survey)
    definitions = survey.diagnostics.get("definitions_derived", [])
    definition = request.GET.get("definition", "")
    if definition not in definitions:
        definition = definitions[0] if definitions else ""
    series = nearest_population(available_series(), survey.year)
    populations: dict[str, Benchmark] = {}
    sources: list[str] = []
    population_year = None
    if series is not None:
        population_year = nearest_year(series.years, survey.year)
        if population_year is not None:
            populations, sources = series_values(series, population_year)
    rows = comparison_rows(survey, published_cells(request.user, survey), definition, populations)
    survey_label = _("Public service (survey %(year)s)") % {"year": survey.year}
    population_label = _("Population %(year)s") % {"year": population_year}
    bars: list[Bar] = []
    for row in rows:
        if row.cell.share is not None:
            bars.append(Bar(row.name, 100 * row.cell.share, survey_label))
        if row.population is not None and row.population.value is not None:
            bars.append(Bar(row.name, row.population.value, population_label))
    title = _("Share with a migration background by Land: public service and population")
    description = "; ".join(
        f"{r.name}: {pct(r.cell.share) if r.cell.share is not None else r.cell.symbol} % / "
        f"{pct(r.population.value / 100) if r.population and r.population.value is not None else '–'} %"
        for r in rows
    )
    chart = (
        bar_chart(
            bars,
            title=title,
            description=description,
            value_title=_("Share in %"),
            ident="chart-laender",
        )
        if any(b.series == survey_label for b in bars)
        else ""
    )
    notes = []
    if series is not None and population_year is not None and population_year != survey.year:
        notes.append(
            _("The population share is from %(ref)s, the nearest year with figures for %(year)s.")
            % {"ref": population_year, "year": survey.year}
        )
    if series is not None:
        notes.append(
            _("Survey: %(survey)s; population: %(population)s.")
            % {
                "survey": SURVEY_DEFINITION_LABELS.get(definition, definition),
                "population": definition_label(series.definition),
            }
        )
    return render(
        request,
        "surveys/survey_laendervergleich.html",
        {
            "survey": survey,
            "reach": reach,
            "definition": definition,
            "definitions": [(d, SURVEY_DEFINITION_LABELS.get(d, d)) for d in definitions],
            "definition_label": SURVEY_DEFINITION_LABELS.get(definition, definition),
            "rows": rows,
            "chart": chart,
            "chart_title": title,
            "population_year": population_year,
            "population_series": series,
            "sources": sources,
            "notes": notes,
            "disclosure_rules": disclosure_rules(survey),
            "can_release": can_release(request.user, survey),
            "can_see_diagnostics": survey_reach(request.user, survey, Role.DATA_STEWARD)
            is not None,
        },
    )


def joint_survey_links(user: Any) -> list[tuple[str, str]]:
    """(address, title) of the Ländervergleich of every joint survey the user can see, newest
    first: offered on the Ländervergleich of public figures."""
    visible = Survey.objects.with_parts().visible_to(user)
    surveys = [s for s in visible.order_by("-year", "title") if s.joint]
    return [
        (reverse("surveys:laendervergleich", args=[s.name]), f"{s.title} ({s.land_names})")
        for s in surveys
    ]
