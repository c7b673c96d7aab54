"""The help page of the API (/schnittstelle/): public, in German and English, reached from the
menu, and every example on it answers with data."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse

from ikoe.barriers.models import FunnelCell
from ikoe.barriers.pipeline import import_selection
from ikoe.barriers.release import Channel, set_release
from ikoe.benchmarks.services import load_reference_data
from tests.test_api import survey_a  # noqa: F401  (fixture)
from tests.test_survey_import import mark_published

pytestmark = pytest.mark.django_db

SELECTION = Path(__file__).parent / "data" / "selection" / "auswahl_land_a.csv"


def examples(html: str) -> list[str]:
    """The paths of the page's examples: its browser links and its curl commands."""
    links = re.findall(r'<a class="example-link" href="([^"]+)"', html)
    commands = re.findall(
        r'<code class="example-curl">curl "http://testserver([^"]+)"</code>', html
    )
    assert links == commands
    return [unescape(path) for path in links]


def test_the_page_is_public_and_german_by_default(client_anonymous):
    response = client_anonymous.get("/schnittstelle/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "<h1>Die Schnittstelle (API)</h1>" in html
    assert 'href="/api/v1/openapi.json"' in html
    assert "Noch nicht freigegebene Zahlen" in html


def test_the_page_in_english(client_anonymous):
    client_anonymous.cookies["django_language"] = "en"
    html = client_anonymous.get(reverse("api-help")).content.decode()

    assert '<html lang="en">' in html
    assert "<h1>The interface (API)</h1>" in html
    assert "OpenAPI description (JSON)" in html


def test_the_menu_and_the_home_page_link_to_the_page(client_anonymous):
    html = client_anonymous.get(reverse("home")).content.decode()

    assert html.count('<a href="/schnittstelle/">') == 2  # menu and card
    assert "Schnittstelle (API)" in html
    page = client_anonymous.get(reverse("api-help")).content.decode()
    assert '<a href="/schnittstelle/" aria-current="page">Schnittstelle (API)</a>' in page


def test_every_example_answers_with_data(client_anonymous, survey_a):  # noqa: F811
    load_reference_data()
    mark_published(type(survey_a).objects.filter(pk=survey_a.pk))

    html = client_anonymous.get(reverse("api-help")).content.decode()

    paths = examples(html)
    assert paths == [
        "/api/v1/benchmarks?measure=population_share&region_code=DE-HH&year=2023",
        "/api/v1/surveys",
        "/api/v1/surveys/a-2024/cells?table=land",
        "/api/v1/selection",
    ]
    answers = [client_anonymous.get(path) for path in paths]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    benchmarks, surveys, cells, _selection = (a.json() for a in answers)
    assert [(b["region_name"], b["value"]) for b in benchmarks["items"]] == [("Hamburg", 39.5)]
    assert [s["name"] for s in surveys] == ["a-2024"]
    assert [c["yes"] for c in cells] == [25]
    assert "Survey A" in html


def test_without_a_released_survey_the_page_shows_no_survey_example(client_anonymous, survey_a):  # noqa: F811
    html = client_anonymous.get(reverse("api-help")).content.decode()

    paths = examples(html)
    assert paths == [
        "/api/v1/benchmarks?measure=population_share&region_code=DE-HH&year=2023",
        "/api/v1/surveys",
        "/api/v1/selection",
    ]
    assert all(client_anonymous.get(path).status_code == 200 for path in paths)
    assert "<code>/api/v1/surveys/NAME/cells</code>" in html
    assert "<code>/api/v1/selection/NAME/funnels</code>" in html


def test_the_suppressed_cell_on_the_page_is_what_the_api_serves(client_anonymous, survey_a):  # noqa: F811
    mark_published(type(survey_a).objects.filter(pk=survey_a.pk))
    cells = client_anonymous.get("/api/v1/surveys/a-2024/cells").json()
    suppressed = next(c for c in cells if c["status"] == "suppressed")

    html = client_anonymous.get(reverse("api-help")).content.decode()

    for field in ["yes", "share"]:
        assert suppressed[field] is None
        assert f'"{field}": null' in html
    assert suppressed["symbol"] == "."
    assert '"status": "suppressed"' in html


def test_the_funnel_examples_answer_with_released_selection_data(client_anonymous, land_a):
    data = import_selection(
        SELECTION, name="auswahl-a-2024", land=land_a, title="Auswahl Land A 2024"
    )
    html = client_anonymous.get(reverse("api-help")).content.decode()
    assert "/api/v1/selection/auswahl-a-2024" not in html  # not released: no example of it
    set_release(data, True, channel=Channel.COMMAND, username="test")

    html = client_anonymous.get(reverse("api-help")).content.decode()

    paths = examples(html)
    first = FunnelCell.objects.filter(data=data, pooling="all").order_by("funnel").first().funnel
    assert paths[-3:] == [
        "/api/v1/selection",
        "/api/v1/selection/auswahl-a-2024/funnels?pooling=all",
        f"/api/v1/selection/auswahl-a-2024/funnels/{first}/analysis",
    ]
    listing, funnels, analysis = (client_anonymous.get(path).json() for path in paths[-3:])
    assert [d["name"] for d in listing] == ["auswahl-a-2024"]
    assert {f["pooling"] for f in funnels} == {"all"} and len(funnels) == 2
    assert analysis["number"] == first and analysis["results"]
    assert "Auswahl Land A 2024" in html
    assert "<code>/api/v1/selection/NAME/funnels</code>" not in html
    for endpoint in ("/api/v1/selection", "/funnels", "/analysis"):
        assert f"{endpoint}</code>" in html
