"""Agency-limited members and an unreleased survey: pages, diagnostics and API use one rule.

A member whose access is limited to agency A-AGY sees the survey in the list and the figures of
A-AGY and the units below it – not those of the Land, the ministry, respondents counted directly
at the ministry, or the other agency A-AGY2: these aggregates contain other agencies' staff.
Once a survey is released, it is public for everyone.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ikoe.accounts.models import Membership, Role
from ikoe.accounts.scope import forget_grants
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.pipeline import import_survey
from ikoe.surveys.scope import survey_reach, visible_cells
from tests.test_survey_import import mark_published, people, write_csv

pytestmark = pytest.mark.django_db

NAME = "be-scope-2024"
BASE = f"/befragungen/{NAME}/"


@pytest.fixture
def survey(cast, tmp_path) -> Survey:
    """An unreleased survey of Land A: agency A-AGY (some respondents in its unit A-UNIT), the
    other agency A-AGY2, and respondents counted directly at the ministry A-MIN."""
    rows = (
        people("A-AGY", 12, 24)
        + people("A-UNIT", 6, 10)
        + people("A-AGY2", 10, 20)
        + people("A-MIN", 5, 9)
    )
    path = write_csv(tmp_path / "befragung.csv", rows)
    return import_survey(
        path, name=NAME, year=2024, title="Befragung Land A 2024", population="Land A"
    )


# What each member gets for each page of the unreleased survey (302: sent on, see below).
PAGES = {
    "": {
        "agency_viewer_a": 302,
        "agency_steward_a": 302,
        "editor_a": 302,
        "coordinator_a": 200,
        "viewer_b": 404,
        "anonymous": 404,
    },
    "organisation/A-AGY/": {
        "agency_viewer_a": 200,
        "agency_steward_a": 200,
        "editor_a": 200,
        "coordinator_a": 200,
        "viewer_b": 404,
        "anonymous": 404,
    },
    "organisation/A-AGY2/": {
        "agency_viewer_a": 404,
        "agency_steward_a": 404,
        "editor_a": 404,
        "coordinator_a": 200,
        "viewer_b": 404,
        "anonymous": 404,
    },
    "organisation/A-MIN/": {
        "agency_viewer_a": 404,
        "agency_steward_a": 404,
        "editor_a": 404,
        "coordinator_a": 200,
        "viewer_b": 404,
        "anonymous": 404,
    },
    "organisation/B-AGY/": {
        "agency_viewer_a": 404,
        "agency_steward_a": 404,
        "editor_a": 404,
        "coordinator_a": 404,
        "viewer_b": 404,
        "anonymous": 404,
    },
    "diagnose/": {
        "agency_viewer_a": 404,
        "agency_steward_a": 200,
        "editor_a": 404,
        "coordinator_a": 200,
        "viewer_b": 404,
        "anonymous": 302,  # to the login page
    },
}


def client_of(cast, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(cast.users[name])
    return client


@pytest.mark.parametrize("page", PAGES)
def test_every_survey_page_answers_each_member_by_their_reach(survey, cast, page):
    answers = {name: client_of(cast, name).get(BASE + page).status_code for name in PAGES[page]}

    assert answers == PAGES[page]


def test_an_agency_member_is_sent_from_the_land_overview_to_the_agency_page(survey, cast):
    response = client_of(cast, "agency_viewer_a").get(BASE, {"definition": "mighev_short"})

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}organisation/A-AGY/?definition=mighev_short"


def test_the_agency_page_of_an_agency_member_shows_no_figure_of_the_land_or_other_agencies(
    survey, cast
):
    html = client_of(cast, "agency_viewer_a").get(BASE + "organisation/A-AGY/").content.decode()

    assert "<h1>Agency A</h1>" in html
    assert "Agency A2" not in html
    # the ministry is named in the breadcrumb but not linked, the overview is not linked
    assert "Ministry A" in html
    assert 'href="/befragungen/be-scope-2024/organisation/A-MIN/' not in html
    assert f'href="{BASE}?' not in html
    # the Land's number of respondents (12 + 24 + 6 + 10 + 10 + 20 + 5 + 9 = 96) is not shown
    assert not re.search(r"<dd>96\b", html)
    assert "Ihr Zugang ist auf Ihre Behörde beschränkt" in html


def test_the_coordinator_sees_the_lands_respondents_on_the_same_page(survey, cast):
    html = client_of(cast, "coordinator_a").get(BASE + "organisation/A-AGY/").content.decode()

    assert re.search(r"<dd>96\b", html)


def test_an_agency_member_sees_the_survey_in_the_list_without_the_lands_respondent_count(
    survey, cast
):
    html = client_of(cast, "agency_viewer_a").get("/befragungen/").content.decode()

    row = re.search(rf'<tr>\s*<th scope="row"><a href="{BASE}">.*?</tr>', html, re.S)
    assert row, html
    assert ">96<" not in row.group(0)
    assert '<td class="num">–</td>' in row.group(0)


def test_the_upload_is_offered_to_data_stewards_of_a_whole_land_only(survey, cast):
    upload = 'href="/befragungen/hochladen/"'

    assert upload in client_of(cast, "data_steward_a").get("/befragungen/").content.decode()
    assert upload not in client_of(cast, "agency_steward_a").get("/befragungen/").content.decode()


def test_the_upload_pages_refuse_agency_limited_members(survey, cast, tmp_path):
    steward, viewer = client_of(cast, "agency_steward_a"), client_of(cast, "agency_viewer_a")
    path = write_csv(tmp_path / "neu.csv", people("A-AGY", 12, 24))

    page = steward.get("/befragungen/hochladen/")
    with path.open("rb") as survey_file:
        posted = steward.post(
            "/befragungen/hochladen/",
            {"survey_file": survey_file, "name": "be-neu-2024", "year": "2024"},
        )

    assert page.status_code == 200
    assert "für ein ganzes Land" in page.content.decode()
    assert 'type="file"' not in page.content.decode()
    assert posted.status_code == 403
    assert viewer.get("/befragungen/hochladen/").status_code == 403
    assert steward.get("/befragungen/hochladen/abc/zuordnung/").status_code == 404
    assert not Survey.objects.filter(name="be-neu-2024").exists()


def test_a_member_of_several_agencies_chooses_among_them(survey, cast, agency_a2):
    member = cast.users["agency_viewer_a"]
    Membership.objects.create(user=member, role=Role.VIEWER, land=agency_a2.land, agency=agency_a2)

    response = client_of(cast, "agency_viewer_a").get(BASE)
    html = response.content.decode()

    assert response.status_code == 200
    assert f'href="{BASE}organisation/A-AGY/"' in html
    assert f'href="{BASE}organisation/A-AGY2/"' in html
    assert client_of(cast, "agency_viewer_a").get(BASE + "organisation/A-AGY2/").status_code == 200
    assert client_of(cast, "agency_viewer_a").get(BASE + "organisation/A-MIN/").status_code == 404


def test_an_agency_without_respondents_is_named_without_a_link(cast, tmp_path):
    path = write_csv(tmp_path / "befragung.csv", people("A-AGY2", 10, 20))
    import_survey(path, name="be-ohne-2024", year=2024)

    response = client_of(cast, "agency_viewer_a").get("/befragungen/be-ohne-2024/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Agency A –" in html
    assert "organisation/A-AGY/" not in html


# --- diagnostics ---------------------------------------------------------------------------


def test_an_agency_data_steward_sees_only_the_agencys_part_of_the_diagnostics(survey, cast):
    html = client_of(cast, "agency_steward_a").get(BASE + "diagnose/").content.decode()

    assert 'Agency A <span class="hint">(A-AGY)</span>' in html
    for elsewhere in ("Agency A2", "(A-AGY2)", "(A-MIN)", "befragung.csv"):
        assert elsewhere not in html, elsewhere
    for land_wide in ("<h2>Gewichtung</h2>", "<h2>Antworten je Frage</h2>"):
        assert land_wide not in html, land_wide
    reach = survey_reach(cast.users["agency_steward_a"], survey, Role.DATA_STEWARD)
    assert reach is not None and not reach.whole
    in_reach = reach.cells(IndicatorCell.objects.filter(survey=survey)).count()
    assert f"({in_reach} Zellen insgesamt)" in html
    assert in_reach < IndicatorCell.objects.filter(survey=survey).count()


def test_the_lands_data_steward_sees_the_whole_diagnostics(survey, cast):
    html = client_of(cast, "data_steward_a").get(BASE + "diagnose/").content.decode()

    for part in ("Agency A2", "befragung.csv", "Gewichtung"):
        assert part in html, part


def test_the_diagnostics_link_is_offered_to_the_agency_data_steward_only(survey, cast):
    steward = client_of(cast, "agency_steward_a").get(BASE + "organisation/A-AGY/")
    viewer = client_of(cast, "agency_viewer_a").get(BASE + "organisation/A-AGY/")

    assert f'href="{BASE}diagnose/"' in steward.content.decode()
    assert f'href="{BASE}diagnose/"' not in viewer.content.decode()


# --- API -----------------------------------------------------------------------------------


def _cells(client: Client) -> list[dict]:
    response = client.get(f"/api/v1/surveys/{NAME}/cells")
    assert response.status_code == 200
    return response.json()


def test_the_api_serves_an_agency_member_only_cells_of_the_agency_and_its_units(survey, cast):
    cells = _cells(client_of(cast, "agency_viewer_a"))

    assert cells
    for cell in cells:
        dims = cell["dims"]
        assert dims.get("agency") == "A-AGY" or dims.get("unit") == "A-UNIT", cell
    tables = {c["table"] for c in cells}
    assert "land" not in tables and "land × ministry" not in tables
    assert {c["dims"]["agency"] for c in cells if "agency" in c["dims"]} == {"A-AGY"}


def test_the_api_serves_the_coordinator_every_cell(survey, cast):
    cells = _cells(client_of(cast, "coordinator_a"))

    assert len(cells) == IndicatorCell.objects.filter(survey=survey).count()
    assert {"A-AGY", "A-AGY2", None} <= {c["dims"].get("agency") for c in cells}


def test_the_api_filters_by_table_within_the_reach(survey, cast):
    client = client_of(cast, "agency_viewer_a")

    land = client.get(f"/api/v1/surveys/{NAME}/cells", {"table": "land"})
    agencies = client.get(f"/api/v1/surveys/{NAME}/cells", {"table": "land × ministry × agency"})

    assert land.json() == []
    assert [c["dims"]["agency"] for c in agencies.json()] == ["A-AGY"] * len(agencies.json())


def test_the_api_lists_the_survey_without_land_wide_counts_for_an_agency_member(survey, cast):
    (listed,) = client_of(cast, "agency_viewer_a").get("/api/v1/surveys").json()
    (whole,) = client_of(cast, "coordinator_a").get("/api/v1/surveys").json()

    assert listed["name"] == NAME
    assert (listed["respondents"], listed["population_size"]) == (None, None)
    assert whole["respondents"] == 96


def test_another_land_and_the_public_get_404_from_the_cells_api(survey, cast):
    for name in ("viewer_b", "anonymous"):
        response = client_of(cast, name).get(f"/api/v1/surveys/{NAME}/cells")
        assert response.status_code == 404, name


# --- released surveys stay public -----------------------------------------------------------


def test_a_released_survey_is_whole_for_the_agency_member_and_the_public(survey, cast):
    mark_published(Survey.objects.filter(pk=survey.pk), True)
    survey.refresh_from_db()

    for name in ("agency_viewer_a", "anonymous", "viewer_b"):
        client = client_of(cast, name)
        assert client.get(BASE).status_code == 200, name
        assert client.get(BASE + "organisation/A-AGY2/").status_code == 200, name
        assert len(_cells(client)) == IndicatorCell.objects.filter(survey=survey).count()


def test_releasing_grants_no_diagnostics(survey, cast):
    mark_published(Survey.objects.filter(pk=survey.pk), True)

    assert client_of(cast, "agency_viewer_a").get(BASE + "diagnose/").status_code == 404
    assert client_of(cast, "viewer_b").get(BASE + "diagnose/").status_code == 404


def test_the_trend_of_a_released_survey_leaves_out_an_unreleased_year_the_member_reaches_in_part(
    survey, cast, tmp_path
):
    path = write_csv(tmp_path / "neu.csv", people("A-AGY", 14, 22) + people("A-AGY2", 12, 18))
    released = import_survey(path, name="be-scope-2025", year=2025, population="Land A")
    mark_published(Survey.objects.filter(pk=released.pk), True)

    agency = client_of(cast, "agency_viewer_a").get("/befragungen/be-scope-2025/")
    coordinator = client_of(cast, "coordinator_a").get("/befragungen/be-scope-2025/")

    assert agency.status_code == coordinator.status_code == 200
    assert BASE not in agency.content.decode()  # the 2024 row links to the unreleased survey
    assert BASE in coordinator.content.decode()


# --- the rule itself ------------------------------------------------------------------------


def test_visible_cells_is_the_one_rule_of_pages_and_api(survey, cast):
    counts = {
        name: visible_cells(cast.users[name], survey).count()
        for name in ("agency_viewer_a", "coordinator_a", "viewer_b", "federal_coordinator")
    }
    total = IndicatorCell.objects.filter(survey=survey).count()

    assert counts["coordinator_a"] == counts["federal_coordinator"] == total
    assert counts["viewer_b"] == 0
    assert 0 < counts["agency_viewer_a"] == len(_cells(client_of(cast, "agency_viewer_a")))


def test_a_land_wide_membership_beside_an_agency_one_reaches_the_whole_survey(survey, cast):
    member = cast.users["agency_viewer_a"]
    Membership.objects.create(user=member, role=Role.VIEWER, land=cast.orgs["DE-BE"])
    forget_grants(member)

    reach = survey_reach(member, survey)

    assert reach is not None and reach.whole


def test_a_member_of_an_outside_organisation_sees_nothing_of_the_lands_unreleased_survey(
    survey, cast, django_user_model
):
    """An association that registered itself for the IKÖ-Check is not part of the Land's
    administration: its members reach neither the survey of the Land nor its figures."""
    club = cast.orgs["DE-BE"].children.create(code="DE-BE-EXT-1", name="Verein", kind="association")
    member = django_user_model.objects.create_user("club_editor", password=cast.password)
    Membership.objects.create(user=member, land=cast.orgs["DE-BE"], agency=club, role=Role.EDITOR)
    assert survey_reach(member, survey) is None
    assert not Survey.objects.visible_to(member).exists()
    client = Client()
    client.force_login(member)
    assert client.get(BASE).status_code == 404
    assert NAME not in client.get("/befragungen/").content.decode()
    assert client.get(f"/api/v1/surveys/{NAME}/cells").status_code == 404
    # while an agency member of the same Land reaches the survey (the rule is not closed for all)
    assert survey_reach(cast.users["editor_a"], survey) is not None
