"""Public pages of the monitoring: home and Ländervergleich."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ikoe.formats import fmt
from ikoe.monitoring.comparison import available_series, build_comparison, default_reference
from ikoe.monitoring.demo import DEMO_DATASET
from ikoe.monitoring.models import Benchmark, BenchmarkDataset
from ikoe.reports.charts import Bar, bar_chart


def home(request: HttpRequest) -> HttpResponse:
    # Public figures only: the demo Land's synthetic benchmark is not one.
    public = BenchmarkDataset.objects.exclude(name=DEMO_DATASET)
    context = {
        "benchmark_count": Benchmark.objects.filter(dataset__in=public).count(),
        "dataset_count": public.count(),
    }
    return render(request, "monitoring/home.html", context)


def _pick(series_list, key, default=None):  # type: ignore[no-untyped-def]
    return next((s for s in series_list if s.key == key), default)


def laendervergleich(request: HttpRequest) -> HttpResponse:
    all_series = available_series()
    if not all_series:
        return render(request, "monitoring/laendervergleich.html", {"all_series": []})
    series = _pick(all_series, request.GET.get("series"), all_series[0])
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = series.years[-1]
    if year not in series.years:
        year = series.years[-1]
    population = [s for s in all_series if s.is_population]
    ref_key = request.GET.get("ref", "")
    if ref_key == "none" or not series.is_public_service:
        reference = None
    else:
        reference = _pick(population, ref_key) or default_reference(series, year, all_series)
    comparison = build_comparison(series, year, reference)

    unit = series.unit or ""
    value_title = _("Share in %") if unit == "%" else unit
    bars: list[Bar] = []
    ranked = sorted(
        (r for r in comparison.rows if r.value is not None), key=lambda r: -(r.value or 0)
    )
    series_name = _("Public service %(year)s") % {"year": year}
    for row in ranked:
        if comparison.has_reference:
            bars.append(Bar(row.name, row.value or 0.0, series_name))
            if row.reference is not None:
                bars.append(
                    Bar(
                        row.name,
                        row.reference,
                        _("Population %(year)s") % {"year": comparison.reference_year},
                    )
                )
        else:
            bars.append(Bar(row.name, row.value or 0.0, highlight=row.is_germany))
    shown = [r for r in ranked]
    description = "; ".join(
        f"{r.name}: {fmt(r.value, 1) if unit == '%' else fmt(r.value, 0 if float(r.value or 0).is_integer() else 1)}"
        for r in shown
    )
    chart_title = f"{series.label}, {year}"
    chart = bar_chart(
        bars,
        title=chart_title,
        description=description,
        value_title=value_title,
        ident="laendervergleich-chart",
        value_format=",.1f" if unit == "%" else ",~r",
    )
    context = {
        "all_series": all_series,
        "population_series": population,
        "series": series,
        "year": year,
        "comparison": comparison,
        "chart": chart,
        "chart_title": chart_title,
        "is_percent": unit == "%",
        "ref_key": reference.key if reference else "none",
    }
    return render(request, "monitoring/laendervergleich.html", context)
