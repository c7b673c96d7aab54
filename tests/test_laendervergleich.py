"""The public Ländervergleich built from the shipped reference figures."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from ikoe.benchmarks.comparison import available_series, build_comparison, default_reference
from ikoe.benchmarks.services import load_reference_data
from ikoe.regions import LAENDER

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference():
    load_reference_data()


def series_for(measure: str, definition: str):
    return next(
        s for s in available_series() if s.measure == measure and s.definition == definition
    )


def cells(html: str, region: str) -> list[str]:
    row = re.search(r"<th scope=\"row\">" + re.escape(region) + r"</th>(.*?)</tr>", html, re.S)
    assert row, f"no row for {region}"
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


def test_it_shows_berlins_2023_population_share_as_39_4_percent_in_german(client, reference):
    series = series_for("population_share", "migrationshintergrund_weiterer_sinn")
    response = client.get(
        reverse("benchmarks:laendervergleich"), {"series": series.key, "year": 2023}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert cells(html, "Berlin") == ["39,4"]
    assert cells(html, "Deutschland") == ["29,7"]


def test_it_lists_all_sixteen_laender_and_germany(client, reference):
    html = client.get(reverse("benchmarks:laendervergleich")).content.decode()
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert len(rows) == 17
    assert rows[-1] == "Deutschland"
    assert set(rows[:-1]) == set(LAENDER.values())


def test_it_renders_the_chart_as_inline_svg_with_a_text_alternative(client, reference):
    html = client.get(reverse("benchmarks:laendervergleich")).content.decode()
    svg = re.search(r"<svg [^>]*>", html).group(0)
    assert 'role="img"' in svg and "aria-labelledby" in svg
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", html, re.S).group(1)
    assert "Berlin: 39,4" in desc
    # The chart's own axis labels use the German decimal comma, too.
    assert re.search(r"<text[^>]*>39,4</text>", html)


def test_it_sets_public_service_shares_beside_the_population_with_the_gap(client, reference):
    series = series_for("public_service_employed_share", "migrationshintergrund_weiterer_sinn")
    assert series.years == (2019,)
    response = client.get(
        reverse("benchmarks:laendervergleich"), {"series": series.key, "year": 2019}
    )
    html = response.content.decode()
    # Hamburg: 19.7 % in the public service (2019) against 33.3 % of the population (2018,
    # the nearest year with population figures): a gap of -13.6 percentage points.
    assert cells(html, "Hamburg") == ["19,7", "33,3", "-13,6"]
    assert cells(html, "Deutschland") == ["14,5", "25,5", "-11,0"]
    # Länder without an I1 figure show the Destatis symbol for an unknown value.
    assert cells(html, "Berlin") == [".", "31,6", "x"]
    assert "2018" in html and "nearest year" not in html  # German page


def test_the_comparison_can_be_switched_to_another_population_year(client, reference):
    series = series_for("public_service_employed_share", "migrationshintergrund_weiterer_sinn")
    population_2023 = series_for("population_share", "migrationshintergrund_weiterer_sinn")
    html = client.get(
        reverse("benchmarks:laendervergleich"),
        {"series": series.key, "year": 2019, "ref": population_2023.key},
    ).content.decode()
    assert cells(html, "Hamburg") == ["19,7", "39,5", "-19,8"]


def test_the_default_comparison_takes_the_nearest_population_year(reference):
    series = series_for("public_service_employed_share", "migrationshintergrund_weiterer_sinn")
    reference_series = default_reference(series, 2019, available_series())
    assert reference_series is not None and reference_series.years == (2018,)
    comparison = build_comparison(series, 2019, reference_series)
    by_code = {r.code: r for r in comparison.rows}
    assert by_code["DE-TH"].gap_pp == pytest.approx(6.4 - 7.3)


def test_the_english_page_uses_english_names_and_number_format(client, reference):
    series = series_for("population_share", "migrationshintergrund_weiterer_sinn")
    with translation.override("en"):
        response = client.get(
            reverse("benchmarks:laendervergleich"),
            {"series": series.key, "year": 2023},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    html = response.content.decode()
    assert 'lang="en"' in html
    assert cells(html, "Bavaria") == ["29.9"]
    assert cells(html, "Germany") == ["29.7"]


def test_an_unknown_series_or_year_falls_back_to_the_first_series(client, reference):
    response = client.get(
        reverse("benchmarks:laendervergleich"), {"series": "nonsense", "year": "abc"}
    )
    assert response.status_code == 200
    assert "39,4" in response.content.decode()


def test_the_page_names_its_sources(client, reference):
    html = client.get(reverse("benchmarks:laendervergleich")).content.decode()
    assert "Mikrozensus" in html or "destatis" in html.lower()


def test_without_figures_the_page_says_how_to_load_them(client):
    html = client.get(reverse("benchmarks:laendervergleich")).content.decode()
    assert "ikoe import-benchmarks" in html


def test_an_imported_genesis_table_by_land_shows_in_the_comparison(client):
    from pathlib import Path

    from ikoe.benchmarks.services import import_benchmark_file

    genesis = Path(__file__).resolve().parent / "data" / "genesis"
    import_benchmark_file(genesis / "21611-0111.csv")
    series = next(s for s in available_series() if s.measure == "Theaterbesuche")
    assert series.unit == "1000" and series.years[-1] == 2018
    html = client.get(
        reverse("benchmarks:laendervergleich"), {"series": series.key, "year": 2018}
    ).content.decode()
    # Berlin 2018: 1,731 thousand theatre visits (GENESIS 21611-0111), German grouping.
    assert cells(html, "Berlin") == ["1.731"]
    assert "Statistisches Bundesamt (Destatis), GENESIS-Online" in html
