"""The Ländervergleich: one measure, one year, all 16 Länder and Germany."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ikoe.benchmarks.models import Benchmark
from ikoe.formats import fmt
from ikoe.labels import (
    POPULATION_MEASURE,
    PUBLIC_SERVICE_MEASURES,
    definition_label,
    measure_label,
)
from ikoe.regions import GERMANY, LAENDER, display_name
from ikoe.reports.charts import Bar, bar_chart
from ikoe.reports.tilemap import tile_map

COMPARED_REGIONS = [*LAENDER, GERMANY]

RelatedLinks = Callable[[Any], list[tuple[str, str]]]
"""For a user: (address, title) of further comparisons of the Länder, e.g. joint surveys."""
_RELATED: list[RelatedLinks] = []


def register_related(provider: RelatedLinks) -> None:
    """Let an app above this one offer further comparisons on the Ländervergleich (the surveys
    app offers its joint surveys) without this app importing it."""
    if provider not in _RELATED:
        _RELATED.append(provider)


def related_links(user: Any) -> list[tuple[str, str]]:
    """Every further comparison the registered apps offer the user."""
    return [link for provider in _RELATED for link in provider(user)]


@dataclass(frozen=True)
class Series:
    """One comparable series: a measure under one definition and classification."""

    key: str
    dataset_id: int
    measure: str
    measure_label: str
    definition: str
    unit: str
    classification: tuple[tuple[str, str], ...]
    years: tuple[int, ...]

    @property
    def label(self) -> str:
        parts = [self.measure_label]
        if self.definition:
            parts.append(definition_label(self.definition))
        parts.extend(f"{k}: {v}" for k, v in self.classification)
        if self.unit and self.unit != "%":
            parts.append(self.unit)
        return " – ".join(parts)

    @property
    def is_public_service(self) -> bool:
        return self.measure in PUBLIC_SERVICE_MEASURES

    @property
    def is_population(self) -> bool:
        return self.measure == POPULATION_MEASURE


def _series_key(
    dataset_id: int, measure: str, definition: str, unit: str, classification: dict
) -> str:
    raw = json.dumps([dataset_id, measure, definition, unit, classification], sort_keys=True)
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def available_series() -> list[Series]:
    """Every series with figures for at least one Land, in a stable order."""
    groups: dict[str, dict] = {}
    rows = (
        Benchmark.objects.filter(region_code__in=COMPARED_REGIONS, year__isnull=False)
        .values(
            "dataset_id",
            "measure",
            "measure_label",
            "definition",
            "unit",
            "classification",
            "year",
            "region_code",
        )
        .order_by()
    )
    for row in rows:
        key = _series_key(
            row["dataset_id"], row["measure"], row["definition"], row["unit"], row["classification"]
        )
        group = groups.setdefault(key, {"row": row, "years": set(), "laender": set()})
        group["years"].add(row["year"])
        if row["region_code"] in LAENDER:
            group["laender"].add(row["region_code"])
    result = []
    for key, group in groups.items():
        if not group["laender"]:
            continue
        row = group["row"]
        result.append(
            Series(
                key=key,
                dataset_id=row["dataset_id"],
                measure=row["measure"],
                measure_label=measure_label(row["measure"], row["measure_label"]),
                definition=row["definition"],
                unit=row["unit"],
                classification=tuple(
                    sorted((str(k), str(v)) for k, v in row["classification"].items())
                ),
                years=tuple(sorted(group["years"])),
            )
        )
    # Population first, then public-service figures, then everything imported; the most
    # recent series of a measure first.
    rank = {POPULATION_MEASURE: 0, **{m: 1 for m in PUBLIC_SERVICE_MEASURES}}
    result.sort(
        key=lambda s: (
            rank.get(s.measure, 2),
            s.measure_label,
            -s.years[-1],
            s.definition,
            s.classification,
        )
    )
    return result


@dataclass
class ComparisonRow:
    code: str
    name: str
    value: float | None
    symbol: str
    reference: float | None = None
    reference_symbol: str = ""

    @property
    def gap_pp(self) -> float | None:
        if self.value is None or self.reference is None:
            return None
        return round(self.value - self.reference, 1)

    @property
    def is_germany(self) -> bool:
        return self.code == GERMANY


@dataclass
class Comparison:
    series: Series
    year: int
    rows: list[ComparisonRow]
    sources: list[str]
    reference: Series | None = None
    reference_year: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_reference(self) -> bool:
        return self.reference is not None and self.reference_year is not None


def series_values(series: Series, year: int) -> tuple[dict[str, Benchmark], list[str]]:
    """The figures of ``series`` in ``year`` by region code, and their sources."""
    rows = Benchmark.objects.filter(
        dataset_id=series.dataset_id,
        measure=series.measure,
        definition=series.definition,
        unit=series.unit,
        year=year,
        region_code__in=COMPARED_REGIONS,
    )
    wanted = dict(series.classification)
    found = {
        b.region_code: b
        for b in rows
        if {str(k): str(v) for k, v in b.classification.items()} == wanted
    }
    sources = sorted({b.source for b in found.values() if b.source})
    return found, sources


def nearest_year(years: tuple[int, ...], year: int) -> int | None:
    """The year closest to ``year``; on a tie the earlier one.

    >>> nearest_year((2018, 2023), 2019)
    2018
    >>> nearest_year((2018, 2023), 2021)
    2023
    >>> nearest_year((), 2021) is None
    True
    """
    if not years:
        return None
    return min(years, key=lambda y: (abs(y - year), y))


def build_comparison(
    series: Series, year: int, reference: Series | None = None, reference_year: int | None = None
) -> Comparison:
    found, sources = series_values(series, year)
    ref_found: dict[str, Benchmark] = {}
    notes: list[str] = []
    if reference is not None:
        reference_year = (
            reference_year
            if reference_year in reference.years
            else nearest_year(reference.years, year)
        )
        if reference_year is not None:
            ref_found, ref_sources = series_values(reference, reference_year)
            sources = sorted(set(sources) | set(ref_sources))
            if reference_year != year:
                notes.append(
                    _(
                        "The population share is from %(ref)s, the nearest year with figures for %(year)s."
                    )
                    % {"ref": reference_year, "year": year}
                )
            if reference.definition != series.definition:
                notes.append(
                    _("The two figures use different definitions: %(a)s and %(b)s.")
                    % {
                        "a": definition_label(series.definition),
                        "b": definition_label(reference.definition),
                    }
                )
    rows = []
    for code in COMPARED_REGIONS:
        b = found.get(code)
        r = ref_found.get(code)
        rows.append(
            ComparisonRow(
                code=code,
                name=display_name(code),
                value=b.value if b else None,
                symbol=(b.symbol if b else "."),
                reference=r.value if r else None,
                reference_symbol=(r.symbol if r else "."),
            )
        )
    if any(row.value is None and row.symbol == "." for row in rows):
        notes.append(_("“.” means that the source publishes no figure for this region and year."))
    return Comparison(
        series,
        year,
        rows,
        sources,
        reference if ref_found else None,
        reference_year if ref_found else None,
        notes,
    )


def default_reference(series: Series, year: int, all_series: list[Series]) -> Series | None:
    """The population share to set a public-service figure against: the series with the
    year nearest to ``year``, preferring the same definition on a tie."""
    if not series.is_public_service:
        return None
    candidates = [s for s in all_series if s.is_population and s.years]

    def distance(s: Series) -> tuple[int, bool]:
        near = nearest_year(s.years, year)
        return (abs((near or 0) - year), s.definition != series.definition)

    return min(candidates, key=distance) if candidates else None


def nearest_population(all_series: Sequence[Series], year: int) -> Series | None:
    """The population-share series with figures nearest to ``year`` (on a tie the first in
    the order of :func:`available_series`), or ``None``."""
    candidates = [s for s in all_series if s.is_population and s.years]
    if not candidates:
        return None
    return min(candidates, key=lambda s: abs((nearest_year(s.years, year) or 0) - year))


def pick(
    series_list: Sequence[Series], key: str | None, default: Series | None = None
) -> Series | None:
    """The series with ``key``, or ``default``."""
    return next((s for s in series_list if s.key == key), default)


def comparison_chart(series: Series, year: int, comparison: Comparison) -> tuple[str, str]:
    """The bar chart of a comparison (SVG with its text alternative) and its title: Länder
    ranked by value, beside the population share where the comparison has one."""
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
                population = _("Population %(year)s") % {"year": comparison.reference_year}
                bars.append(Bar(row.name, row.reference, population))
        else:
            bars.append(Bar(row.name, row.value or 0.0, highlight=row.is_germany))
    description = "; ".join(
        f"{r.name}: {fmt(r.value, 1) if unit == '%' else fmt(r.value, 0 if float(r.value or 0).is_integer() else 1)}"
        for r in ranked
    )
    title = f"{series.label}, {year}"
    chart = bar_chart(
        bars,
        title=title,
        description=description,
        value_title=value_title,
        ident="laendervergleich-chart",
        value_format=",.1f" if unit == "%" else ",~r",
    )
    return chart, title


def comparison_tilemap(series: Series, year: int, comparison: Comparison) -> str:
    """The tile map of the 16 Länder for a comparison (SVG with its text alternative)."""
    values = {r.code: r.value for r in comparison.rows if r.code in LAENDER}
    unit = series.unit or ""
    described = "; ".join(
        f"{r.name}: {fmt(r.value, 1) if r.value is not None else '.'}"
        for r in comparison.rows
        if r.code in LAENDER
    )
    return tile_map(
        values,
        title=_("%(series)s, %(year)s: map of the Länder") % {"series": series.label, "year": year},
        description=described,
        ident="laendervergleich-map",
        label=(lambda v: fmt(v, 1)) if unit == "%" else (lambda v: fmt(v, 0)),
    )
