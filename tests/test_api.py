"""The REST API at /api/v1/: OpenAPI description, benchmarks, organisations and surveys, scoped
like the web pages."""

from __future__ import annotations

import pytest

from ikoe.benchmarks.services import load_reference_data
from ikoe.surveys.models import IndicatorCell, Survey
from tests.test_survey_import import bare_survey, mark_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey_a(land_a):
    survey = bare_survey("a-2024", land_a, title="Survey A", respondents=120)
    IndicatorCell.objects.create(
        survey=survey,
        table="land",
        definition="mighev_short",
        dims={"land": "DE-BE"},
        respondents=120,
        declared=110,
        yes=25,
        share=25 / 110,
        status="published",
        symbol="",
    )
    IndicatorCell.objects.create(
        survey=survey,
        table="land × agency",
        definition="mighev_short",
        dims={"land": "DE-BE", "agency": "A-AGY"},
        respondents=4,
        declared=2,
        yes=None,
        share=None,
        status="primary",
        symbol=".",
        reason="min_declared",
    )
    return survey


def test_the_openapi_description_lists_every_endpoint(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "IKÖ-Monitor API"
    assert {
        "/api/v1/benchmarks",
        "/api/v1/datasets",
        "/api/v1/organisations",
        "/api/v1/surveys",
        "/api/v1/surveys/{name}/cells",
    } <= set(spec["paths"])


def test_benchmarks_can_be_filtered_by_measure_region_and_year(client):
    load_reference_data()
    body = client.get(
        "/api/v1/benchmarks", {"measure": "population_share", "region_code": "DE-BE", "year": 2023}
    ).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["value"], item["unit"], item["definition"]) == (
        39.4,
        "%",
        "migrationshintergrund_weiterer_sinn",
    )
    assert item["dataset"] == "benchmarks"


def test_datasets_report_their_row_counts(client):
    load_reference_data()
    [dataset] = client.get("/api/v1/datasets").json()
    assert dataset["rows"] == 52


def test_the_public_sees_only_the_laender_of_the_organisation_tree(client_anonymous, cast):
    codes = {o["code"] for o in client_anonymous.get("/api/v1/organisations").json()}
    assert codes == {"DE-BE", "DE-HH"}


def test_a_land_member_sees_the_tree_of_the_own_land_only(client_coordinator_a):
    codes = {o["code"] for o in client_coordinator_a.get("/api/v1/organisations").json()}
    assert {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2"} <= codes
    assert not codes & {"B-MIN", "B-AGY", "B-UNIT"}


def test_an_unreleased_survey_is_hidden_from_other_laender_and_the_public(
    survey_a, client_viewer_b, client_anonymous, client_coordinator_a
):
    assert client_viewer_b.get("/api/v1/surveys").json() == []
    assert client_anonymous.get("/api/v1/surveys").json() == []
    assert client_viewer_b.get("/api/v1/surveys/a-2024/cells").status_code == 404
    assert client_anonymous.get("/api/v1/surveys/a-2024/cells").status_code == 404
    assert [s["name"] for s in client_coordinator_a.get("/api/v1/surveys").json()] == ["a-2024"]


def test_suppressed_cells_carry_no_share_and_no_count(survey_a, client_coordinator_a):
    cells = client_coordinator_a.get("/api/v1/surveys/a-2024/cells").json()
    by_table = {c["table"]: c for c in cells}
    assert by_table["land"]["share"] == pytest.approx(25 / 110)
    hidden = by_table["land × agency"]
    assert (hidden["share"], hidden["yes"], hidden["status"], hidden["symbol"]) == (
        None,
        None,
        "suppressed",  # primary or secondary is not told: it would narrow the hidden value
        ".",
    )
    assert "reason" not in hidden


def test_a_released_survey_is_public(survey_a, client_anonymous):
    mark_published(Survey.objects.filter(pk=survey_a.pk), True)
    assert [s["name"] for s in client_anonymous.get("/api/v1/surveys").json()] == ["a-2024"]
    assert (
        client_anonymous.get("/api/v1/surveys/a-2024/cells", {"table": "land"}).status_code == 200
    )


def test_writing_to_the_api_needs_a_login(client_anonymous):
    response = client_anonymous.post("/api/v1/surveys")
    assert response.status_code in (302, 403, 405)
