"""The IKÖ-Check in the API: /api/v1/assessments answers with the finished assessments the caller
may see (own organisation; Land coordination and federal level once shared; everyone once
public), /api/v1/questionnaires with the versions and their contents."""

from __future__ import annotations

from pathlib import Path

import pytest

from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment import services
from ikoe.assessment.models import Assessment

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "assessment"
VERSION = "2025.1"


@pytest.fixture
def test_questionnaire(monkeypatch):
    monkeypatch.setattr(questionnaires, "QUESTIONNAIRE_DIR", DATA / "questionnaires")


def finished(organisation, sharing: str, level: int = 2, sectors=()) -> Assessment:  # type: ignore[no-untyped-def]
    assessment = services.start(organisation, None, sectors=sectors, version=VERSION)
    found = services.questionnaire_of(assessment)
    for item in found.items(assessment.sectors):
        services.answer(assessment, item.id, None, level=level)
    services.finish(assessment, None)
    Assessment.objects.filter(pk=assessment.pk).update(sharing=sharing)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def assessments(cast, test_questionnaire) -> dict[str, Assessment]:
    o = cast.orgs
    made = {
        "agency_private": finished(o["A-AGY"], "private", level=3, sectors=["education"]),
        "agency2_land": finished(o["A-AGY2"], "land", level=1),
        "land_private": finished(o["DE-BE"], "private"),
        "b_public": finished(o["B-AGY"], "public", level=4),
    }
    # A draft is never served, whoever asks.
    made["draft"] = services.start(o["A-AGY"], None, version=VERSION)
    return made


def ids(client, query: str = "") -> set[int]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/assessments{query}")
    assert response.status_code == 200, response.content
    return {a["id"] for a in response.json()}


def test_each_caller_sees_what_the_scope_rules_allow(
    assessments,
    client_federal,
    client_coordinator_a,
    client_editor_a,
    client_agency_viewer_a,
    client_viewer_b,
    client_anonymous,
):
    a = {k: v.pk for k, v in assessments.items()}
    # Own members: the agency-limited members of A-AGY see its private assessment.
    assert ids(client_editor_a) == {a["agency_private"], a["b_public"]}
    assert ids(client_agency_viewer_a) == {a["agency_private"], a["b_public"]}
    # The Land's coordination: the Land's own (private) one, what is shared with the Land.
    assert ids(client_coordinator_a) == {a["land_private"], a["agency2_land"], a["b_public"]}
    assert ids(client_federal) == {a["agency2_land"], a["b_public"]}
    # Another Land sees neither Land A's shared nor its private assessments.
    assert ids(client_viewer_b) == {a["b_public"]}
    assert ids(client_anonymous) == {a["b_public"]}


def test_a_private_assessment_reaches_the_coordinator_once_shared(
    assessments, client_coordinator_a, client_federal
):
    private = assessments["agency_private"]
    url = f"/api/v1/assessments/{private.pk}"
    assert client_coordinator_a.get(url).status_code == 404
    assert client_federal.get(url).status_code == 404

    Assessment.objects.filter(pk=private.pk).update(sharing=Assessment.Sharing.LAND)

    assert client_coordinator_a.get(url).status_code == 200
    assert client_federal.get(url).status_code == 200
    assert private.pk in ids(client_coordinator_a)


def test_one_assessment_with_its_scores(assessments, client_editor_a):
    private = assessments["agency_private"]
    body = client_editor_a.get(f"/api/v1/assessments/{private.pk}").json()

    assert body["organisation"] == "A-AGY"
    assert body["organisation_name"] == "Agency A"
    assert body["land"] == "DE-BE"
    assert body["questionnaire_version"] == VERSION
    assert body["sectors"] == ["education"]
    assert body["overall_score"] == 75.0  # every item level 3
    assert body["band"] == {"de": "Etabliert", "en": "Established"}
    assert [d["id"] for d in body["dimensions"]] == list(questionnaires.DIMENSION_IDS)
    assert body["dimensions"][0] == {
        "id": "strategy",
        "number": 1,
        "title": {
            "de": "Strategie und rechtliche Verankerung",
            "en": "Strategy and legal anchoring",
        },
        "score": 75.0,
    }
    assert body["finished"] == private.finished_at.date().isoformat()


def test_out_of_scope_drafts_and_unknown_ids_are_404(
    assessments, client_editor_a, client_viewer_b, client_anonymous
):
    assert (
        client_viewer_b.get(f"/api/v1/assessments/{assessments['agency_private'].pk}").status_code
        == 404
    )
    assert (
        client_anonymous.get(f"/api/v1/assessments/{assessments['land_private'].pk}").status_code
        == 404
    )
    assert (
        client_editor_a.get(f"/api/v1/assessments/{assessments['agency2_land'].pk}").status_code
        == 404
    )
    # The own organisation's draft is not a result.
    assert client_editor_a.get(f"/api/v1/assessments/{assessments['draft'].pk}").status_code == 404
    assert client_anonymous.get("/api/v1/assessments/999999").status_code == 404
    assert (
        client_anonymous.get(f"/api/v1/assessments/{assessments['b_public'].pk}").status_code == 200
    )
    assert client_anonymous.get("/api/v1/assessments/0").status_code == 422


def test_filters_by_organisation_and_land(assessments, client_coordinator_a):
    a = {k: v.pk for k, v in assessments.items()}
    assert ids(client_coordinator_a, "?land=DE-BE") == {a["land_private"], a["agency2_land"]}
    assert ids(client_coordinator_a, "?land=DE-HH") == {a["b_public"]}
    assert ids(client_coordinator_a, "?organisation=A-AGY2") == {a["agency2_land"]}
    assert ids(client_coordinator_a, "?organisation=A-AGY") == set()  # private, not shared
    assert client_coordinator_a.get("/api/v1/assessments?land=%00").status_code == 422


def test_questionnaire_versions_and_one_questionnaire(test_questionnaire, client_anonymous):
    versions = client_anonymous.get("/api/v1/questionnaires").json()
    assert versions == [
        {
            "version": VERSION,
            "title": {"de": "IKÖ-Check (Testfragebogen)", "en": "IKÖ-Check (test questionnaire)"},
            "current": True,
        }
    ]
    body = client_anonymous.get(f"/api/v1/questionnaires/{VERSION}").json()
    assert body == questionnaires.load(VERSION).as_dict()
    assert body["dimensions"][3]["items"][2]["id"] == "4.E1"
    assert body["dimensions"][3]["items"][2]["sector"] == "education"
    assert client_anonymous.get("/api/v1/questionnaires/2024.1").status_code == 404
    assert client_anonymous.get("/api/v1/questionnaires/..%2F..%2Fsettings").status_code == 404


def test_the_shipped_questionnaire_is_served(cast, client_anonymous):
    versions = [v["version"] for v in client_anonymous.get("/api/v1/questionnaires").json()]
    assert versions == questionnaires.available_versions() and versions
    body = client_anonymous.get(f"/api/v1/questionnaires/{versions[-1]}").json()
    assert body["version"] == versions[-1]
    assert [d["id"] for d in body["dimensions"]] == list(questionnaires.DIMENSION_IDS)


def test_the_endpoints_are_in_the_openapi_description(client_anonymous):
    paths = client_anonymous.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/assessments",
        "/api/v1/assessments/{id}",
        "/api/v1/questionnaires",
        "/api/v1/questionnaires/{version}",
    ):
        assert path in paths


def test_the_help_page_lists_the_endpoints(client_anonymous):
    client_anonymous.cookies["django_language"] = "en"
    html = client_anonymous.get("/schnittstelle/").content.decode()
    assert "<dt><code>/api/v1/assessments</code></dt>" in html
    assert "<dt><code>/api/v1/questionnaires/<var>VERSION</var></code></dt>" in html
    assert "those shared with your Land's coordination" in html
