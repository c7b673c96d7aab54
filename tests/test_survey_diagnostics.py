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
