"""Survey pages under /befragungen/: the demo survey's overview, who may see what, and that no
page ever shows a respondent's id or raw answers.

The demo survey (``load_demo``: Land DE-XX "Musterland (synthetisch)", weighted to its personnel
totals, released) is loaded once for the module inside a transaction that is rolled back at the
end; every test runs in a savepoint within it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, override_settings

from ikoe.accounts.models import Membership, Role
from ikoe.organisations.models import Organisation
from ikoe.surveys.demo import DEMO_SURVEY, load_demo
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.pipeline import import_survey
from tests.test_survey_import import HEADER, mark_published, people, respondent, write_csv

LADDER = ["einfacher Dienst", "mittlerer Dienst", "gehobener Dienst", "höherer Dienst"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Survey]:
    restricted = tmp_path_factory.mktemp("demo") / "restricted"
    with (
        django_db_blocker.unblock(),
        override_settings(RESTRICTED_DIR=restricted),
        transaction.atomic(),
    ):
        survey = load_demo()
        assert survey is not None
        yield survey
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def restricted(tmp_path: Path, settings) -> Path:
    path = tmp_path / "ikoe-data" / "restricted"
    settings.RESTRICTED_DIR = path
    return path


def section(html: str, ident: str) -> str:
    match = re.search(rf'<section aria-labelledby="h-{ident}">(.*?)</section>', html, re.S)
    assert match, f"no section {ident}"
    return match.group(1)


def table_rows(html: str) -> list[tuple[str, list[str]]]:
    """(row heading, cells) of every body row of the first table in ``html``, as text."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert body
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        heading = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        text = [" ".join(unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in cells]
        rows.append(
            (
                " ".join(
                    unescape(re.sub(r"<[^>]+>", "", heading.group(1) if heading else "")).split()
                ),
                text,
            )
        )
    return rows


def german_number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def ladder(client: Client, url: str) -> list[tuple[str, float]]:
    response = client.get(url)
    assert response.status_code == 200
    rows = table_rows(section(response.content.decode(), "career_group"))
    # columns: respondents, declared, share in %, interval, …
    return [(label, german_number(cells[2])) for label, cells in rows]


# ---------------------------------------------------------------------------------------------
# The demo survey


@pytest.mark.django_db
def test_the_demo_overview_shows_the_career_ladder_in_order_with_falling_shares(
    demo, client_anonymous
):
    url = f"/befragungen/{DEMO_SURVEY}/"
    rows = ladder(client_anonymous, url)
    assert [label for label, _share in rows][:4] == LADDER
    shares = [share for _label, share in rows[:4]]
    assert shares == sorted(shares, reverse=True) and len(set(shares)) == 4
    # The page shows weighted shares (the demo is post-stratified to its totals); they stay near
    # Berlin's published 30.9 / 23.5 / 21.2 / 19.0 % (the unweighted demo matches them exactly,
    # see test_survey_indicators.py).
    assert shares == pytest.approx([30.9, 23.5, 21.2, 19.0], abs=1.5)
    assert (
        IndicatorCell.objects.filter(
            survey=demo, table="land × career_group", weighted=False
        ).count()
        == 0
    )


@pytest.mark.parametrize(
    "definition", ["mighev_short", "mikrozensus_wide", "einwanderungsgeschichte"]
)
@pytest.mark.django_db
def test_the_ladder_falls_under_every_definition(demo, client_anonymous, definition):
    rows = ladder(client_anonymous, f"/befragungen/{DEMO_SURVEY}/?definition={definition}")
    assert [label for label, _share in rows][:4] == LADDER
    shares = [share for _label, share in rows[:4]]
    assert shares == sorted(shares, reverse=True), (definition, shares)


@pytest.mark.django_db
def test_the_demo_overview_says_that_it_is_synthetic_and_weighted(demo, client_anonymous):
    html = client_anonymous.get(f"/befragungen/{DEMO_SURVEY}/").content.decode()
    assert "Synthetische Demodaten" in html
    assert "Musterland (synthetisch)" in html
    assert "nach den Personalbestandszahlen gewichtet (Poststratifikation)" in html
    assert "ungewichtet" not in html
    listing = client_anonymous.get("/befragungen/").content.decode()
    assert "synthetisch" in listing


# ---------------------------------------------------------------------------------------------
# Who may see an unreleased survey of Land A

SECRET_ID = "GEHEIM-ID-4711"
SECRET_COMMENT = "Vertraulicher Freitext 0815"
SECRET_YEAR = "1953"


@pytest.fixture
def land_a_survey(cast, tmp_path) -> Survey:
    """An unreleased survey of Land A with a distinctive id, year and comment in its raw rows."""
    rows = [[*r, ""] for r in people("A-AGY", 12, 24, 2) + people("A-AGY2", 10, 20, 1)]
    rows[0][0] = SECRET_ID
    rows[0][-1] = SECRET_COMMENT
    odd = respondent("R-ODD-99", "A-AGY2", True, career="gehoben")
    odd[HEADER.index("immigration_year")] = SECRET_YEAR
    rows.append([*odd, SECRET_COMMENT])
    path = write_csv(tmp_path / "befragung.csv", rows, header=(*HEADER, "Kommentar"))
    return import_survey(path, name="land-a-2024", year=2024, title="Befragung Land A 2024")


SURVEY_PAGES = [
    "/befragungen/land-a-2024/",
    "/befragungen/land-a-2024/?definition=einwanderungsgeschichte",
    "/befragungen/land-a-2024/organisation/A-MIN/",
    "/befragungen/land-a-2024/organisation/A-AGY/",
]


@pytest.mark.parametrize("url", SURVEY_PAGES)
@pytest.mark.django_db
def test_an_unreleased_survey_of_land_a_is_seen_by_its_coordinator_only(
    land_a_survey, client_coordinator_a, client_viewer_b, client_anonymous, url
):
    assert client_coordinator_a.get(url).status_code == 200
    assert client_viewer_b.get(url).status_code == 404
    assert client_anonymous.get(url).status_code == 404


@pytest.mark.django_db
def test_an_unreleased_survey_is_not_listed_for_other_laender_or_the_public(
    land_a_survey, client_coordinator_a, client_viewer_b, client_anonymous
):
    assert "land-a-2024" in client_coordinator_a.get("/befragungen/").content.decode()
    for client in (client_viewer_b, client_anonymous):
        response = client.get("/befragungen/")
        assert response.status_code == 200
        assert "land-a-2024" not in response.content.decode()


@pytest.fixture
def client_data_steward_b(cast) -> Client:
    """A data steward of Land B: has the role the diagnostics need, but in the other Land."""
    user = get_user_model().objects.create_user(
        "data_steward_b", "data_steward_b@example.org", cast.password
    )
    Membership.objects.create(user=user, role=Role.DATA_STEWARD, land=cast.orgs["DE-HH"])
    client = Client()
    client.force_login(user)
    return client


DIAGNOSTICS = "/befragungen/land-a-2024/diagnose/"


@pytest.mark.django_db
def test_the_diagnostics_page_is_for_the_lands_data_steward(
    land_a_survey,
    client_data_steward_a,
    client_coordinator_a,
    client_data_steward_b,
    client_anonymous,
):
    response = client_data_steward_a.get(DIAGNOSTICS)
    assert response.status_code == 200
    assert "Importdiagnose" in response.content.decode()
    assert client_coordinator_a.get(DIAGNOSTICS).status_code == 200  # a higher role of the Land
    assert client_data_steward_b.get(DIAGNOSTICS).status_code == 404
    anonymous = client_anonymous.get(DIAGNOSTICS)
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"] and "next=" in anonymous["Location"]


@pytest.mark.django_db
def test_a_land_b_viewer_learns_nothing_from_the_diagnostics_url(land_a_survey, client_viewer_b):
    # Refused by the permission map before the view: the same answer whether the survey exists.
    existing = client_viewer_b.get(DIAGNOSTICS).status_code
    missing = client_viewer_b.get("/befragungen/gibt-es-nicht/diagnose/").status_code
    assert existing == missing != 200


@pytest.mark.django_db
def test_the_diagnostics_page_of_land_a_is_404_for_a_land_b_viewer(land_a_survey, client_viewer_b):
    assert client_viewer_b.get(DIAGNOSTICS).status_code == 404


@pytest.mark.django_db
def test_a_released_survey_is_public_but_its_diagnostics_are_not(
    land_a_survey, client_viewer_b, client_anonymous, client_data_steward_b
):
    mark_published(Survey.objects.filter(pk=land_a_survey.pk), True)
    assert client_anonymous.get("/befragungen/land-a-2024/").status_code == 200
    assert client_viewer_b.get("/befragungen/land-a-2024/organisation/A-AGY/").status_code == 200
    assert client_data_steward_b.get(DIAGNOSTICS).status_code == 404
    assert client_anonymous.get(DIAGNOSTICS).status_code == 302


# ---------------------------------------------------------------------------------------------
# No respondent's id or raw answers on any page


def _get_all(client: Client, urls: list[str]) -> list[tuple[str, str]]:
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append((url, response.content.decode()))
    return pages


@pytest.mark.django_db
def test_no_page_of_a_survey_shows_a_respondent_id_or_a_raw_answer(
    land_a_survey, client_coordinator_a, client_data_steward_a
):
    urls = ["/befragungen/", *SURVEY_PAGES, "/befragungen/land-a-2024/organisation/A-AGY2/"]
    pages = _get_all(client_coordinator_a, urls)
    pages += _get_all(client_data_steward_a, [DIAGNOSTICS])
    for url, html in pages:
        for secret in (SECRET_ID, "R-ODD-99", "A-AGY-mittel-w-0", SECRET_COMMENT, SECRET_YEAR):
            assert secret not in html, (url, secret)


@pytest.mark.django_db
def test_no_page_of_the_demo_survey_shows_a_respondent_id(
    demo, client_anonymous, client_staff_admin
):
    organisations = Organisation.objects.filter(code__startswith="DE-XX-").values_list(
        "code", flat=True
    )
    urls = ["/befragungen/"]
    for definition in demo.diagnostics["definitions_derived"]:
        urls.append(f"/befragungen/{DEMO_SURVEY}/?definition={definition}")
    urls += [f"/befragungen/{DEMO_SURVEY}/organisation/{code}/" for code in organisations]
    pages = _get_all(client_anonymous, urls)
    pages += _get_all(client_staff_admin, [f"/befragungen/{DEMO_SURVEY}/diagnose/"])
    assert len(pages) == 1 + 3 + 31 + 1
    for url, html in pages:
        assert not re.search(r"XX-\d{7}", html), url  # the demo's respondent ids: XX-0000001 …
