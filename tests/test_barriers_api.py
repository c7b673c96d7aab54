"""The barrier analysis through the REST API (/api/v1/selection…): scope across two Länder and
an agency-limited member, released data for the public, secret counts as empty values with
their symbol, and the analysis of a funnel as the funnel page computes it (the cast of
tests/conftest.py: Land A = DE-BE with agencies A-AGY and A-AGY2, Land B = DE-HH)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from ikoe.barriers.figures import analysis, funnels, pooled_analysis
from ikoe.barriers.models import FunnelCell
from ikoe.barriers.pipeline import import_selection
from ikoe.barriers.release import Channel, set_release

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "selection"
FILE = DATA / "auswahl_land_a.csv"
API = "/api/v1/selection"
A = f"{API}/auswahl-a-2024"
WITH = "mit Migrationshintergrund"
WITHOUT = "ohne Migrationshintergrund"
RESULT_FIELDS = (
    "selection_rate",
    "compared_with",
    "impact_ratio",
    "ir_ci_low",
    "ir_ci_high",
    "four_fifths",
    "test",
    "p_value",
    "p_holm",
    "shortfall",
    "flip_one_reverses",
)


@pytest.fixture
def selection_a(cast, land_a):
    return import_selection(FILE, name="auswahl-a-2024", land=land_a, title="Auswahl Land A 2024")


@pytest.fixture
def selection_b(cast, land_b, tmp_path):
    # The same procedures in Land B's agency and unit.
    text = FILE.read_text(encoding="utf-8").replace("A-AGY2", "B-UNIT").replace("A-AGY", "B-AGY")
    file = tmp_path / "auswahl_land_b.csv"
    file.write_text(text, encoding="utf-8")
    return import_selection(file, name="auswahl-b-2024", land=land_b, title="Auswahl Land B 2024")


def release(data):
    set_release(data, True, channel=Channel.COMMAND, username="test")


def by_org(served, pooling="procedure"):
    return {f["organisation"]: f for f in served if f["pooling"] == pooling}


def count(funnel, stage, group):
    return next(c for c in funnel["counts"] if (c["stage"], c["group"]) == (stage, group))


def test_the_openapi_description_lists_the_endpoints_under_barriers(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = {
        "/api/v1/selection",
        "/api/v1/selection/{name}/funnels",
        "/api/v1/selection/{name}/funnels/{number}/analysis",
    }
    assert paths <= set(spec["paths"])
    assert all(spec["paths"][p]["get"]["tags"] == ["barriers"] for p in paths)


def test_each_land_sees_its_unreleased_data_and_nobody_else_does(
    selection_a,
    selection_b,
    client_coordinator_a,
    client_viewer_b,
    client_anonymous,
    client_federal,
):
    [mine] = client_coordinator_a.get(API).json()
    assert mine == {
        "name": "auswahl-a-2024",
        "title": "Auswahl Land A 2024",
        "land": "DE-BE",
        "land_name": "Land A",
        "first_year": 2024,
        "last_year": 2024,
        "published": False,
        "funnels": 10,  # 2 tables × (procedure + by organisation, year, both, all)
    }
    assert [d["name"] for d in client_viewer_b.get(API).json()] == ["auswahl-b-2024"]
    assert client_anonymous.get(API).json() == []
    assert {d["name"] for d in client_federal.get(API).json()} == {
        "auswahl-a-2024",
        "auswahl-b-2024",
    }
    number = FunnelCell.objects.filter(data=selection_a).first().funnel
    for other in (client_viewer_b, client_anonymous):
        assert other.get(f"{A}/funnels").status_code == 404
        assert other.get(f"{A}/funnels/{number}/analysis").status_code == 404
    assert client_coordinator_a.get(f"{API}/auswahl-b-2024/funnels").status_code == 404
    served = client_coordinator_a.get(f"{A}/funnels").json()
    assert len(served) == 10
    assert {f["pooling"] for f in served} == {
        "procedure",
        "organisation",
        "year",
        "organisation+year",
        "all",
    }


def test_an_agency_member_sees_only_the_funnels_of_the_agency_before_the_release(
    selection_a, client_agency_viewer_a
):
    [listed] = client_agency_viewer_a.get(API).json()
    served = client_agency_viewer_a.get(f"{A}/funnels").json()
    assert listed["funnels"] == len(served) == 3  # the procedure, by organisation, by both
    assert {f["organisation"] for f in served} == {"A-AGY"}
    assert {f["pooling"] for f in served} == {"procedure", "organisation", "organisation+year"}
    # No funnel of the whole Land or of a year, nor another agency's: 404 as for a made-up one.
    hidden = FunnelCell.objects.filter(data=selection_a).exclude(
        funnel__in=[f["number"] for f in served]
    )
    assert hidden.exists()
    for number in set(hidden.values_list("funnel", flat=True)):
        assert client_agency_viewer_a.get(f"{A}/funnels/{number}/analysis").status_code == 404
    mine = client_agency_viewer_a.get(f"{A}/funnels/{served[0]['number']}/analysis")
    assert mine.status_code == 200
    # After the release everyone sees every funnel.
    release(selection_a)
    assert len(client_agency_viewer_a.get(f"{A}/funnels").json()) == 10


def test_the_public_sees_released_data_only(selection_a, selection_b, client_anonymous):
    release(selection_a)
    [public] = client_anonymous.get(API).json()
    assert (public["name"], public["published"], public["funnels"]) == ("auswahl-a-2024", True, 10)
    assert len(client_anonymous.get(f"{A}/funnels").json()) == 10
    assert client_anonymous.get(f"{API}/auswahl-b-2024/funnels").status_code == 404
    set_release(selection_a, False, channel=Channel.COMMAND, username="test")
    assert client_anonymous.get(API).json() == []
    assert client_anonymous.get(f"{A}/funnels").status_code == 404


def test_a_funnel_has_its_stages_in_order_and_its_counts_per_stage_and_group(
    selection_a, client_coordinator_a
):
    agy = by_org(client_coordinator_a.get(f"{A}/funnels").json())["A-AGY"]
    assert agy["procedure"] == "Ausbildung 2024"
    assert (agy["organisation_name"], agy["year"], agy["career_group"]) == ("Agency A", 2024, None)
    assert agy["procedures"] == 1
    assert agy["stages"] == ["Bewerbung", "schriftlicher Test", "Auswahlgespräch"]
    assert agy["groups"] == [WITH, WITHOUT, "keine Angabe"]
    assert [(c["stage"], c["group"]) for c in agy["counts"]] == [
        (s, g) for s in agy["stages"] for g in agy["groups"]
    ]
    test = count(agy, "schriftlicher Test", WITH)
    assert (test["entered"], test["passed"]) == (180, 72)
    assert test["entered_status"] == test["passed_status"] == "published"
    # Pooled: all procedures of the year, one per stage list.
    years = [f for f in client_coordinator_a.get(f"{A}/funnels?pooling=year").json()]
    assert {f["pooling"] for f in years} == {"year"} and len(years) == 2
    assert all(f["procedure"] is None and f["organisation"] is None for f in years)


def test_a_secret_count_is_empty_with_its_symbol_and_no_reason(selection_a, client_federal):
    served = client_federal.get(f"{A}/funnels").json()
    agy2 = by_org(served)["A-AGY2"]
    # 2 of 30 with a migration background passed the interview: below k = 3, secret.
    secret = count(agy2, "Auswahlgespräch", WITH)
    assert secret["entered"] == 30
    assert (secret["passed"], secret["passed_status"], secret["passed_symbol"]) == (
        None,
        "suppressed",
        ".",
    )
    suppressed = 0
    for funnel in served:
        for c in funnel["counts"]:
            assert "reason" not in c
            for kind in ("entered", "passed"):
                hidden = c[f"{kind}_status"] == "suppressed"
                assert (c[kind] is None) == hidden
                assert c[f"{kind}_symbol"] == ("." if hidden else "")
                assert c[f"{kind}_status"] in ("published", "suppressed")
                suppressed += hidden
    assert suppressed == FunnelCell.objects.exclude(entered_status="published").count() + (
        FunnelCell.objects.exclude(passed_status="published").count()
    )


def test_the_analysis_is_the_one_of_the_funnel_page(
    selection_a, coordinator_a, client_coordinator_a
):
    compared_pools = 0
    for funnel in funnels(selection_a, coordinator_a):
        for reference in (None, "", WITH, WITHOUT):
            query = {"reference": reference} if reference is not None else {}
            url = f"{A}/funnels/{funnel.number}/analysis"
            served = client_coordinator_a.get(url, query).json()
            reference = reference or None
            assert (served["number"], served["reference"]) == (funnel.number, reference)
            expected = analysis(funnel, reference)
            assert [(r["stage"], r["group"]) for r in served["results"]] == [
                (r.stage, r.group) for r in expected
            ]
            for got, want in zip(served["results"], expected, strict=True):
                assert got == {"stage": want.stage, "group": want.group} | {
                    f: getattr(want, f) for f in RESULT_FIELDS
                }
            # The findings in words are those the funnel page shows.
            page = client_coordinator_a.get(
                f"/auswahlverfahren/auswahl-a-2024/trichter/{funnel.number}/", query
            ).content.decode()
            shown = [
                " ".join(unescape(t).split())
                for t in re.findall(
                    r'<li class="finding [a-z]+"><span class="finding-text">(.*?)</span>',
                    page,
                    re.S,
                )
            ]
            pooled = served["pooled"]
            want = (
                None
                if funnel.pooling == "procedure"
                else pooled_analysis(
                    funnel, funnels(selection_a, coordinator_a, "procedure"), reference
                )
            )
            assert (pooled is None) == (want is None)
            pooled_texts = [f["text"] for f in pooled["findings"]] if pooled else []
            assert [f["text"] for f in served["findings"]] + pooled_texts == shown
            if pooled:
                assert [r["odds_ratio"] for r in pooled["results"]] == [
                    r.odds_ratio for r in want.results
                ]
                compared_pools += 1
    assert compared_pools > 0  # the pooled comparison was served and checked
    # The written test of A-AGY is a barrier: 72/180 against 196/280.
    agy = next(f for f in funnels(selection_a, coordinator_a, "procedure") if f.year == 2024)
    assert agy.organisation.code == "A-AGY"
    served = client_coordinator_a.get(f"{A}/funnels/{agy.number}/analysis").json()
    test = next(
        r for r in served["results"] if (r["stage"], r["group"]) == ("schriftlicher Test", WITH)
    )
    assert test["selection_rate"] == pytest.approx(0.4)
    assert test["impact_ratio"] == pytest.approx(0.4 / 0.7)
    assert test["four_fifths"] is True and test["compared_with"] == WITHOUT
    assert test["shortfall"] == pytest.approx(180 * 268 / 460 - 72)
    assert any(
        f["severity"] == "barrier" and "Vier-Fünftel-Regel" in f["text"] for f in served["findings"]
    )


def test_a_stage_with_a_secret_count_has_no_figures(selection_a, client_coordinator_a):
    agy2 = by_org(client_coordinator_a.get(f"{A}/funnels").json())["A-AGY2"]
    for reference in ({}, {"reference": WITH}):
        served = client_coordinator_a.get(
            f"{A}/funnels/{agy2['number']}/analysis", reference
        ).json()
        results = {(r["stage"], r["group"]): r for r in served["results"]}
        for key in (("Auswahlgespräch", WITH), ("overall", WITH)):
            assert all(results[key][f] is None for f in RESULT_FIELDS), key
        # Compared with the secret count, the other group gets no comparison, only its own
        # rate from its published counts (30 of 60).
        if reference:
            other = results[("Auswahlgespräch", WITHOUT)]
            assert other["selection_rate"] == 0.5
            assert other["compared_with"] is other["impact_ratio"] is other["shortfall"] is None


def test_the_labels_and_findings_speak_the_language_of_the_request(
    selection_a, client_coordinator_a
):
    client_coordinator_a.cookies["django_language"] = "en"
    served = client_coordinator_a.get(f"{A}/funnels?pooling=organisation").json()
    assert {f["label"] for f in served} == {
        "All procedures of Agency A",
        "All procedures of Agency A2",
    }
    agy = by_org(client_coordinator_a.get(f"{A}/funnels").json())["A-AGY"]
    findings = client_coordinator_a.get(f"{A}/funnels/{agy['number']}/analysis").json()["findings"]
    assert any("four-fifths rule" in f["text"] for f in findings)
    client_coordinator_a.cookies["django_language"] = "de"
    served = client_coordinator_a.get(f"{A}/funnels?pooling=organisation").json()
    assert "Alle Verfahren von Agency A" in {f["label"] for f in served}


def test_unknown_names_and_numbers_are_not_found_and_bad_parameters_explained(
    selection_a, client_coordinator_a
):
    assert client_coordinator_a.get(f"{API}/gibt-es-nicht/funnels").status_code == 404
    assert client_coordinator_a.get(f"{A}/funnels/999/analysis").status_code == 404
    for url, name in (
        (f"{A}/funnels/0/analysis", "number"),
        (f"{A}/funnels/x/analysis", "number"),
        (f"{A}/funnels/{10**30}/analysis", "number"),
        (f"{A}/funnels?pooling=agency", "pooling"),
        (f"{A}/funnels/1/analysis?reference=Außerirdische", "reference"),
        (f"{A}/funnels/1/analysis?reference=_T", "reference"),
    ):
        answer = client_coordinator_a.get(url)
        assert answer.status_code == 422, url
        assert answer.json()["message"].startswith(f"{name}="), answer.json()
        assert "nicht zulässig" in answer.json()["message"]


def test_a_barrier_finding_offers_a_measure_that_keeps_the_link(
    selection_a, coordinator_a, client_coordinator_a, client_anonymous
):
    links: list[str] = []
    for funnel in funnels(selection_a, coordinator_a):
        url = f"/auswahlverfahren/auswahl-a-2024/trichter/{funnel.number}/"
        page = client_coordinator_a.get(url).content.decode()
        links = re.findall(r'href="(/massnahmen/neu/\?from=barrier[^"]+)"', page)
        if links:
            break
    assert links, "a barrier or watch finding offers a measure"
    form = client_coordinator_a.get(unescape(links[0]))
    assert form.status_code == 200
    assert "Barriere" in form.content.decode() or "barrier" in form.content.decode()
    # the public reads the findings without the offer
    assert "/massnahmen/neu/" not in client_anonymous.get(url).content.decode()
