"""The registries in the API: /api/v1/measures, /trainings, /funding-programmes, scoped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ikoe.measures.models import (
    FundingCheck,
    FundingProgramme,
    Measure,
    Milestone,
    TrainingRecord,
)
from ikoe.measures.progress import rolled_up_progress


@pytest.fixture
def registry(agency_a, unit_a, agency_a2, agency_b):
    def measure(org, title, progress=0, parent=None, **kw):
        return Measure.objects.create(
            organisation=org,
            title=title,
            type="organisation",
            progress=progress,
            parent=parent,
            **kw,
        )

    top = measure(agency_a, "Leitbild", 10, status="in_progress", dimension="strategy")
    part1 = measure(agency_a, "Entwurf", 100, top, status="completed")
    part2 = measure(agency_a, "Beteiligung", 0, top)
    measure(unit_a, "Workshop", 80, part2)
    measure(unit_a, "Umfrage", 20, part2)
    other = measure(agency_a2, "Formulare", 50, budget=Decimal("1200.50"))
    b = measure(agency_b, "Land B Maßnahme", 70)
    Milestone.objects.create(measure=top, title="Beschluss", due=dt.date(2026, 6, 30))
    Milestone.objects.create(
        measure=top, title="Auftakt", due=dt.date(2026, 1, 15), done=dt.date(2026, 1, 10)
    )
    TrainingRecord.objects.create(
        organisation=agency_a, year=2025, group="leadership", staff=40, planned=20, trained=10
    )
    TrainingRecord.objects.create(organisation=agency_a, year=2025, group="hr", staff=0, trained=0)
    TrainingRecord.objects.create(
        organisation=agency_a2, year=2024, group="leadership", staff=8, trained=2
    )
    TrainingRecord.objects.create(organisation=agency_b, year=2025, group="hr", staff=5, trained=5)
    fonds = FundingProgramme.objects.create(organisation=agency_a, title="Fonds")
    FundingCheck.objects.create(
        programme=fonds, checked_on=dt.date(2025, 1, 1), answers={"languages": "no"}, score=20
    )
    FundingCheck.objects.create(
        programme=fonds,
        checked_on=dt.date(2026, 1, 1),
        answers={"languages": "yes", "outreach": "no", "diverse_juries": "partly"},
        score=55.5,
    )
    FundingProgramme.objects.create(organisation=agency_b, title="Fonds B")
    return {"top": top, "part1": part1, "part2": part2, "other": other, "b": b}


def titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == len(data["items"])  # every test registry fits one page
    return {m["title"] for m in data["items"]}


def test_roll_up_by_hand(registry, client_coordinator_a):
    # Beteiligung: mean(80, 20) = 50; Leitbild: mean(Entwurf 100, Beteiligung 50) = 75
    assert rolled_up_progress(registry["part2"]) == 50
    assert rolled_up_progress(registry["top"]) == 75
    assert rolled_up_progress(registry["part1"]) == 100
    answer = client_coordinator_a.get("/api/v1/measures").json()
    found = {m["title"]: m for m in answer["items"]}
    assert found["Leitbild"]["rolled_up_progress"] == 75.0
    assert found["Leitbild"]["progress"] == 10
    assert found["Beteiligung"]["rolled_up_progress"] == 50.0
    assert found["Formulare"]["rolled_up_progress"] == 50.0
    assert found["Formulare"]["budget"] == 1200.5
    assert found["Entwurf"]["parent"] == registry["top"].pk


def test_scope_across_two_laender(registry, client_coordinator_a, client_viewer_b, client_federal):
    a = {"Leitbild", "Entwurf", "Beteiligung", "Workshop", "Umfrage", "Formulare"}
    assert titles(client_coordinator_a.get("/api/v1/measures")) == a
    assert titles(client_viewer_b.get("/api/v1/measures")) == {"Land B Maßnahme"}
    assert titles(client_federal.get("/api/v1/measures")) == a | {"Land B Maßnahme"}
    assert titles(client_federal.get("/api/v1/measures?land=DE-HH")) == {"Land B Maßnahme"}
    top = registry["top"].pk
    assert client_viewer_b.get(f"/api/v1/measures/{top}").status_code == 404
    assert client_coordinator_a.get(f"/api/v1/measures/{registry['b'].pk}").status_code == 404
    assert client_coordinator_a.get("/api/v1/measures/999999").status_code == 404

    trainings = client_viewer_b.get("/api/v1/trainings").json()
    assert [(t["organisation"], t["coverage"]) for t in trainings] == [("B-AGY", 1.0)]
    programmes = client_viewer_b.get("/api/v1/funding-programmes").json()
    assert [p["title"] for p in programmes] == ["Fonds B"]
    assert programmes[0]["latest_check"] is None


def test_filters(registry, client_coordinator_a):
    get = client_coordinator_a.get
    assert titles(get("/api/v1/measures?organisation=A-UNIT")) == {"Workshop", "Umfrage"}
    assert titles(get("/api/v1/measures?status=completed")) == {"Entwurf"}
    assert titles(get("/api/v1/measures?dimension=strategy")) == {"Leitbild"}
    assert titles(get("/api/v1/measures?land=DE-HH")) == set()
    rows = get("/api/v1/trainings?year=2025&group=leadership").json()
    assert [(r["organisation"], r["trained"], r["staff"], r["coverage"]) for r in rows] == [
        ("A-AGY", 10, 40, 0.25)
    ]
    assert get("/api/v1/trainings?year=1").status_code == 422


def test_one_measure_with_milestones(registry, client_coordinator_a):
    top = client_coordinator_a.get(f"/api/v1/measures/{registry['top'].pk}").json()
    assert top["rolled_up_progress"] == 75.0
    assert top["children"] == [registry["part1"].pk, registry["part2"].pk]
    assert top["milestones"] == [
        {"title": "Auftakt", "due": "2026-01-15", "done": "2026-01-10"},
        {"title": "Beschluss", "due": "2026-06-30", "done": None},
    ]


def test_an_agency_limited_member_sees_their_subtree(registry, client_agency_viewer_a):
    get = client_agency_viewer_a.get
    assert titles(get("/api/v1/measures")) == {
        "Leitbild",
        "Entwurf",
        "Beteiligung",
        "Workshop",
        "Umfrage",
    }
    assert get(f"/api/v1/measures/{registry['other'].pk}").status_code == 404
    trainings = get("/api/v1/trainings").json()
    assert {t["organisation"] for t in trainings} == {"A-AGY"}
    hr = next(t for t in trainings if t["group"] == "hr")
    assert hr["coverage"] is None  # no staff


def test_funding_programmes_with_the_latest_check(registry, client_coordinator_a):
    (fonds,) = client_coordinator_a.get("/api/v1/funding-programmes").json()
    assert fonds["latest_check"] == {
        "checked_on": "2026-01-01",
        "score": 55.5,
        "unmet_criteria": ["outreach"],
        "partly_met_criteria": ["diverse_juries"],
    }


def test_anonymous_gets_nothing(registry, client_anonymous):
    assert client_anonymous.get("/api/v1/measures").json() == {"count": 0, "items": []}
    for path in ("/api/v1/trainings", "/api/v1/funding-programmes"):
        response = client_anonymous.get(path)
        assert response.status_code == 200 and response.json() == [], path
    assert client_anonymous.get(f"/api/v1/measures/{registry['top'].pk}").status_code == 404


def test_the_help_page_lists_the_endpoints(client_anonymous):
    from django.urls import reverse

    html = client_anonymous.get(reverse("api-help")).content.decode()
    for path in ("measures", "trainings", "funding-programmes", "practices"):
        assert f"<code>/api/v1/{path}</code>" in html


def test_the_measures_come_in_pages(registry, client_coordinator_a):
    everything = client_coordinator_a.get("/api/v1/measures").json()
    assert everything["count"] == len(everything["items"]) >= 4
    ordered = [m["title"] for m in everything["items"]]
    pages = []
    for offset in range(0, everything["count"], 2):
        page = client_coordinator_a.get(f"/api/v1/measures?limit=2&offset={offset}").json()
        assert page["count"] == everything["count"]
        assert len(page["items"]) <= 2
        pages += [m["title"] for m in page["items"]]
    assert pages == ordered
    # the roll-up of a measure on a page still counts its parts on other pages
    leitbild = next(m for m in everything["items"] if m["title"] == "Leitbild")
    alone = client_coordinator_a.get(
        f"/api/v1/measures?limit=1&offset={ordered.index('Leitbild')}"
    ).json()["items"]
    assert alone == [leitbild]
    assert client_coordinator_a.get("/api/v1/measures?limit=0").status_code == 422
    assert client_coordinator_a.get("/api/v1/measures?limit=1001").status_code == 422
