"""The import diagnostics page for data stewards: response by organisation, weighting and
suppression, never rows."""

from __future__ import annotations

import re

import polars as pl
import pytest
from django.urls import reverse

from ikoe.ingest.demo import generate_demo
from ikoe.surveys.demo import DEMO_SURVEY, load_demo

pytestmark = pytest.mark.django_db


def test_the_diagnostics_show_the_response_rate_of_each_agency(client_staff_admin):
    load_demo()
    demo = generate_demo()
    agency = "DE-XX-01-01"
    staff = int(
        demo.totals.filter(pl.col("organisation").cast(pl.String) == agency)["headcount"].sum()
    )
    answered = demo.respondents.filter(pl.col("organisation").cast(pl.String) == agency).height
    html = client_staff_admin.get(
        reverse("surveys:diagnostics", args=[DEMO_SURVEY])
    ).content.decode()
    row = re.search(r"\(" + agency + r"\)</span></th>(.*?)</tr>", html, re.S)
    assert row
    values = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]
    rate = f"{100 * answered / staff:.1f}".replace(".", ",")
    assert values == [str(answered), f"{staff:,}".replace(",", "."), rate]
    assert "Rücklaufquote in %" in html
    # Respondent ids never appear.
    assert "XX-0000001" not in html


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_diagnostics_say_how_the_survey_was_weighted(client_staff_admin, language):
    """Method, threshold, cells and the cells sparse cells were collapsed into (named)."""
    survey = load_demo()
    weighting = survey.diagnostics["weighting"]
    [cells] = weighting["cells"]
    assert weighting["method"] == "post-stratification"
    assert cells["collapsed"] > 0 and cells["pooled"]
    client_staff_admin.cookies["django_language"] = language
    html = client_staff_admin.get(reverse("surveys:diagnostics", args=[DEMO_SURVEY])).content
    text = text_of(html.decode())
    expected = {
        "de": [
            "Poststratifikation auf die Zellen der Personalbestandszahlen",
            "mindestens 20 Befragte je Zelle",
            "Zellen: Organisation × Laufbahngruppe × Geschlecht",
            f"Zellen, auf die gewichtet wurde {cells['cells']}",
            f"Zusammengelegte Zellen {cells['collapsed']}, in {cells['pooled_count']} Zellen",
        ],
        "en": [
            "post-stratification to the cells of the personnel totals",
            "at least 20 respondents per cell",
            "Cells: Organisation × Career group × Gender",
            f"Cells weighted to {cells['cells']}",
            f"Collapsed cells {cells['collapsed']}, into {cells['pooled_count']} cells",
        ],
    }[language]
    for phrase in expected:
        assert phrase in text, phrase
    first = cells["pooled"][0]
    assert f"({first['organisation']})" in text
    assert "XX-0000001" not in text  # never a respondent
