"""The trend on the survey overview: the Land's share per year of the same population, and the
change between years with its test, computed from published cells only."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ikoe.surveys.models import IndicatorCell, Survey
from tests.test_survey_import import bare_survey

pytestmark = pytest.mark.django_db


def survey(
    land, year: int, yes: int, declared: int, population: str = "Landesverwaltung"
) -> Survey:
    s = bare_survey(
        f"a-{year}",
        land,
        title=f"Survey {year}",
        year=year,
        population=population,
        respondents=declared,
        published=True,
    )
    share = yes / declared
    IndicatorCell.objects.create(
        survey=s,
        table="land",
        definition="mighev_short",
        dims={"land": land.code},
        respondents=declared,
        declared=declared,
        yes=yes,
        share=share,
        se=(share * (1 - share) / declared) ** 0.5,
        status="published",
        symbol="",
    )
    return s


def test_the_overview_shows_the_change_between_years_with_its_test(client, land_a):
    survey(land_a, 2020, 150, 1000)
    survey(land_a, 2024, 217, 1000)
    survey(land_a, 2022, 1, 10, population="Polizei")  # another population: not in the trend
    html = client.get(reverse("surveys:overview", args=["a-2024"])).content.decode()
    change = re.search(
        r"<caption>Veränderung zwischen den Befragungsjahren</caption>.*?</table>", html, re.S
    )
    assert change, "no table of changes"
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", change.group(0), re.S)
    ]
    # 15.0 % → 21.7 %: +6.7 percentage points; pooled z = 3.87 (hand-computed), significant.
    assert cells[-5:] == ["2020", "2024", "6,7", cells[-2], "ja"]
    low, high = re.findall(r"-?\d+,\d", cells[-2])
    assert 3.0 < float(low.replace(",", ".")) < 6.7 < float(high.replace(",", ".")) < 10.5
    assert "a-2022" not in html


def test_a_single_survey_has_no_trend_section(client, land_a):
    survey(land_a, 2024, 217, 1000)
    html = client.get(reverse("surveys:overview", args=["a-2024"])).content.decode()
    assert "Veränderung zwischen den Befragungsjahren" not in html
