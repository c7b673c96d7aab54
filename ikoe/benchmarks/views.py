"""The Ländervergleich: one measure and year for all Länder, as a table and a chart."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ikoe.benchmarks.comparison import (
    Comparison,
    Series,
    available_series,
    build_comparison,
    comparison_chart,
    comparison_tilemap,
    default_reference,
    pick,
    related_links,
)
from ikoe.regions import GERMANY
from ikoe.reports.cache import cached, data_version


def laendervergleich(request: HttpRequest) -> HttpResponse:
    # The series and each comparison are computed once per version of the data
    # (ikoe.reports.cache); they are the same for every reader.
    version = data_version()
    all_series = cached("benchmark-series", [], available_series, version=version)
    related = related_links(request.user)
    if not all_series:
        return render(
            request, "benchmarks/laendervergleich.html", {"all_series": [], "related": related}
        )
    series = pick(all_series, request.GET.get("series")) or all_series[0]
    asked = request.GET.get("year", "")
    try:
        year = int(asked)
    except ValueError:
        year = series.years[-1]
    missing_year = ""
    if year not in series.years:
        if asked:
            # Say that the year asked for does not exist instead of replacing it silently.
            missing_year = _(
                "There are no figures of this measure for %(asked)s; figures exist for "
                "%(years)s. Shown: %(shown)s."
            ) % {
                "asked": asked[:10],
                "years": ", ".join(str(y) for y in series.years),
                "shown": series.years[-1],
            }
        year = series.years[-1]
    population = [s for s in all_series if s.is_population]
    ref_key = request.GET.get("ref", "")
    if ref_key == "none" or not series.is_public_service:
        reference = None
    else:
        reference = pick(population, ref_key) or default_reference(series, year, all_series)
    comparison, chart, chart_title, tilemap = cached(
        "laendervergleich",
        [series.key, year, reference.key if reference else None],
        lambda: _figures(series, year, reference),
        version=version,
    )
    context = {
        "all_series": all_series,
        "population_series": population,
        "series": series,
        "year": year,
        "comparison": comparison,
        "chart": chart,
        "chart_title": chart_title,
        "tilemap": tilemap,
        "is_percent": series.unit == "%",
        "ref_key": reference.key if reference else "none",
        "related": related,
        "missing_year": missing_year,
        "laender_with_values": sum(
            1 for r in comparison.rows if r.value is not None and r.code != GERMANY
        ),
    }
    return render(request, "benchmarks/laendervergleich.html", context)


def _figures(
    series: Series, year: int, reference: Series | None
) -> tuple[Comparison, str, str, str]:
    """The comparison of ``series`` in ``year`` (beside ``reference``), its chart with its
    title, and its tile map."""
    comparison = build_comparison(series, year, reference)
    chart, chart_title = comparison_chart(series, year, comparison)
    return comparison, chart, chart_title, comparison_tilemap(series, year, comparison)
