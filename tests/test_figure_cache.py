"""Figures computed once per version of the data (``ikoe.reports.cache``, issue 11).

The survey pages, the API's cells and the Ländervergleich keep what they computed in the
``figures`` cache, under the data version, the survey's state of release, the reader's scope and
the language. These tests fail if a change did not show at once (a release, a withdrawal, a
new import, protecting again, a renamed organisation, a changed reference figure) or if figures
computed for one reader were served to a reader with another scope.

The survey is the small import of Land A from ``tests/test_survey_release.py`` (46
respondents: A-AGY 12 yes, 24 no, 2 unknown; A-AGY2 3 yes, 5 no), the joint survey the one of
``tests/test_survey_joint.py``.
"""

from __future__ import annotations

import json
import re
from html import unescape
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from ikoe.accounts.models import Membership, Role
from ikoe.api import v1
from ikoe.api.v1 import CellOut
from ikoe.benchmarks.models import Benchmark
from ikoe.benchmarks.services import load_reference_data
from ikoe.commands import serve
from ikoe.organisations.models import Organisation
from ikoe.reports import cache
from ikoe.reports.models import DataVersion
from ikoe.stats.publication import PublicationRules
from ikoe.surveys import views
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.pipeline import import_survey, republish
from ikoe.surveys.release import Channel, set_release
from tests.test_laendervergleich import cells as comparison_cells
from tests.test_laendervergleich import series_for
from tests.test_survey_import import bare_survey, mark_published, people, write_csv
from tests.test_survey_joint import joint_rows
from tests.test_survey_release import API_CELLS, NAME, ORGANISATION, OVERVIEW, import_land_a

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [OVERVIEW, ORGANISATION, API_CELLS]
JOINT = "joint-2024"


@pytest.fixture(autouse=True)
def figures_dir(tmp_path, settings):
    """A figures cache of the test's own (files, as the workers of ikoe serve share them)."""
    location = tmp_path / "figures"
    settings.CACHES = {
        **settings.CACHES,
        "figures": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(location),
            "TIMEOUT": None,
        },
    }
    cache.clear()
    language = translation.get_language()
    yield location
    cache.clear()
    # A request in English leaves English active in this thread (LocaleMiddleware).
    translation.activate(language)


@pytest.fixture
def survey(cast, tmp_path) -> Survey:
    return import_land_a(tmp_path)


@pytest.fixture
def joint(cast, tmp_path) -> Survey:
    path = write_csv(tmp_path / "gemeinsam.csv", joint_rows())
    return import_survey(path, name=JOINT, year=2024, title="Gemeinsam", population="A+B")


def text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def api_cells(client: Client, name: str = NAME) -> list[dict]:
    response = client.get(f"/api/v1/surveys/{name}/cells")
    assert response.status_code == 200
    return response.json()


def expected_cells(survey: Survey, **filters: object) -> list[dict]:
    """What django-ninja answered before the cache: every cell validated against ``CellOut``."""
    qs = IndicatorCell.objects.filter(survey=survey, **filters).order_by(
        "table", "definition", "id"
    )
    return [CellOut.model_validate(c).model_dump() for c in qs]


def lands_of(cells: list[dict]) -> set[str]:
    return {c["dims"].get("land") for c in cells}


def land_cell(cells: list[dict], definition: str = "mighev_short") -> dict:
    return next(c for c in cells if c["table"] == "land" and c["definition"] == definition)


def test_a_release_shows_the_figures_at_once_and_a_withdrawal_hides_them_again(
    survey, client_coordinator_a, client_anonymous
):
    # The coordinator's pages are computed and kept while the survey is not released.
    for url in PUBLIC_URLS:
        assert client_coordinator_a.get(url).status_code == 200
        assert client_anonymous.get(url).status_code == 404
    set_release(survey, True, channel=Channel.COMMAND)
    overview = client_anonymous.get(OVERVIEW)
    assert overview.status_code == 200
    # 15 of the 44 who declared (A-AGY 12 of 36, A-AGY2 3 of 8): 34.1 %.
    assert "34,1 %" in text(overview)
    assert client_anonymous.get(ORGANISATION).status_code == 200
    assert api_cells(client_anonymous) == expected_cells(survey)
    land = land_cell(api_cells(client_anonymous))
    assert (land["yes"], land["declared"], land["status"]) == (15, 44, "published")
    set_release(survey, False, channel=Channel.COMMAND)
    for url in PUBLIC_URLS:
        assert client_anonymous.get(url).status_code == 404
    set_release(survey, True, channel=Channel.COMMAND)
    for url in PUBLIC_URLS:
        assert client_anonymous.get(url).status_code == 200


def test_figures_are_computed_once_per_version_of_the_data(survey, client_coordinator_a):
    with (
        mock.patch.object(views, "_overview_figures", wraps=views._overview_figures) as overview,
        mock.patch.object(v1, "cells_json", wraps=v1.cells_json) as cells,
    ):
        first = text(client_coordinator_a.get(OVERVIEW))
        assert text(client_coordinator_a.get(OVERVIEW)) == first
        api_cells(client_coordinator_a)
        api_cells(client_coordinator_a)
        assert (overview.call_count, cells.call_count) == (1, 1)
        # Another language is computed of its own.
        client_coordinator_a.get(OVERVIEW, headers={"accept-language": "en"})
        assert overview.call_count == 2
        # Reading changes nothing; saving the survey gives the data a new version.
        token = DataVersion.objects.get().token
        assert DataVersion.objects.get().token == token
        survey.save()
        assert DataVersion.objects.get().token != token
        assert text(client_coordinator_a.get(OVERVIEW)) == first
        api_cells(client_coordinator_a)
        assert (overview.call_count, cells.call_count) == (3, 2)


def test_a_new_import_under_the_same_name_replaces_the_figures_at_once(
    survey, tmp_path, client_coordinator_a, client_anonymous
):
    set_release(survey, True, channel=Channel.COMMAND)
    assert land_cell(api_cells(client_anonymous))["respondents"] == 46
    assert "34,1 %" in text(client_anonymous.get(OVERVIEW))
    # The new file: A-AGY 20 yes, 20 no; A-AGY2 10 yes, 10 no (30 of 60: 50.0 %).
    rows = people("A-AGY", 20, 20) + people("A-AGY2", 10, 10)
    new = import_survey(write_csv(tmp_path / "neu.csv", rows), name=NAME, year=2024, title="Neu")
    # A new import starts unreleased: gone for the public at once …
    for url in PUBLIC_URLS:
        assert client_anonymous.get(url).status_code == 404
    # … and its members see the new figures.
    assert land_cell(api_cells(client_coordinator_a))["respondents"] == 60
    assert "50,0 %" in text(client_coordinator_a.get(OVERVIEW))
    set_release(new, True, channel=Channel.COMMAND)
    assert api_cells(client_anonymous) == expected_cells(new)
    assert "50,0 %" in text(client_anonymous.get(OVERVIEW))


def test_protecting_again_with_other_rules_shows_the_new_cells_at_once(
    cast, tmp_path, client_coordinator_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the snapshot is written
        survey = import_land_a(tmp_path)
    before = api_cells(client_coordinator_a)
    assert before == expected_cells(survey)
    # A minimum of 10 instead of 3 persons withholds more (A-AGY2 has 3 and 5).
    republish(survey, PublicationRules(min_count=10))
    after = api_cells(client_coordinator_a)
    assert after == expected_cells(survey)
    suppressed = [sum(c["status"] == "suppressed" for c in cells) for cells in (before, after)]
    assert suppressed[1] > suppressed[0]


def test_figures_kept_for_a_coordinator_are_not_served_to_a_member_limited_to_an_agency(
    survey, client_coordinator_a, client_editor_a
):
    whole = api_cells(client_coordinator_a)
    assert (
        client_coordinator_a.get("/befragungen/land-a-2024/organisation/A-AGY2/").status_code == 200
    )
    limited = api_cells(client_editor_a)
    # Only the cells of A-AGY (the editor's agency) and its units: no Land or ministry as a
    # whole, nothing of A-AGY2.
    assert limited and len(limited) < len(whole)
    assert {c["dims"].get("agency") for c in limited} == {"A-AGY"}
    assert limited == [c for c in expected_cells(survey) if c["dims"].get("agency") == "A-AGY"]
    assert client_editor_a.get("/befragungen/land-a-2024/organisation/A-AGY2/").status_code == 404
    assert client_editor_a.get(ORGANISATION).status_code == 404


def test_a_trend_kept_for_a_coordinator_does_not_show_an_unreleased_year_to_the_public(
    cast, tmp_path, client_coordinator_a, client_anonymous
):
    rows = people("A-AGY", 10, 30) + people("A-AGY2", 5, 15)  # 15 of 60: 25.0 %
    earlier = write_csv(tmp_path / "2022.csv", rows)
    import_survey(earlier, name="land-a-2022", year=2022, title="A 2022", population="A")
    later = write_csv(tmp_path / "2024.csv", people("A-AGY", 12, 24) + people("A-AGY2", 3, 5))
    survey = import_survey(later, name=NAME, year=2024, title="A 2024", population="A")
    set_release(survey, True, channel=Channel.COMMAND)
    # The coordinator reads both years: 25.0 % in 2022, 34.1 % in 2024.
    trend = section(client_coordinator_a.get(OVERVIEW), "trend")
    assert "2022" in trend and "25,0" in trend and "34,1" in trend
    # The public reads 2024 only: no trend, nothing of 2022.
    response = client_anonymous.get(OVERVIEW)
    assert "34,1 %" in text(response) and "2022" not in text(response)
    assert 'id="h-trend"' not in response.content.decode()


def section(response, ident: str) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    found = re.search(rf'<section aria-labelledby="h-{ident}">(.*?)</section>', html, re.S)
    assert found, f"no section {ident}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_a_changed_membership_changes_what_a_member_reads_at_once(survey, cast, client_editor_a):
    limited = api_cells(client_editor_a)
    assert {c["dims"].get("agency") for c in limited} == {"A-AGY"}
    # No figure was saved: the data version stays, and the reader's scope decides.
    Membership.objects.create(
        user=cast.users["editor_a"], role=Role.VIEWER, land=cast.orgs["DE-BE"]
    )
    assert api_cells(client_editor_a) == expected_cells(survey)
    Membership.objects.filter(user=cast.users["editor_a"], agency=None).delete()
    assert api_cells(client_editor_a) == limited


def test_a_coordinators_figures_of_a_joint_survey_are_not_served_to_the_public(
    joint, cast, client_coordinator_a, client_anonymous
):
    set_release(joint, True, channel=Channel.COMMAND, lands=[cast.orgs["DE-HH"]])
    # Coordinator A reaches Land A's part and the released part of Land B: the whole survey.
    coordinator = api_cells(client_coordinator_a, JOINT)
    assert lands_of(coordinator) == {"DE-BE", "DE-HH", "_T"}
    # Across both Länder 87 of 272 (32.0 %); Land B 37 of 112 (33.0 %).
    assert "32,0 %" in text(client_coordinator_a.get(f"/befragungen/{JOINT}/"))
    assert "Ministry A" in text(client_coordinator_a.get(f"/befragungen/{JOINT}/?land=DE-BE"))
    # The public only Land B's part, also after the coordinator's figures were kept.
    public = api_cells(client_anonymous, JOINT)
    assert lands_of(public) == {"DE-HH"}
    assert public == [c for c in expected_cells(joint) if c["dims"].get("land") == "DE-HH"]
    for query in ["", "?land=DE-BE", "?land=_T"]:
        page = text(client_anonymous.get(f"/befragungen/{JOINT}/{query}"))
        assert "33,0 %" in page and "Ministry B" in page
        assert "32,0 %" not in page and "Ministry A" not in page


def test_release_flags_changed_without_saving_the_parts_still_give_other_figures(
    joint, cast, client_anonymous
):
    """A database restored from a backup may change the flags without the data version."""
    set_release(joint, True, channel=Channel.COMMAND, lands=[cast.orgs["DE-HH"]])
    page = text(client_anonymous.get(f"/befragungen/{JOINT}/"))
    assert "Alle Länder der Befragung" not in page
    token = DataVersion.objects.get().token
    mark_published(Survey.objects.filter(pk=joint.pk))
    assert DataVersion.objects.get().token == token
    page = text(client_anonymous.get(f"/befragungen/{JOINT}/"))
    assert "Alle Länder der Befragung" in page and "Land A" in page


def test_a_renamed_organisation_shows_its_new_name_at_once(survey, cast, client_coordinator_a):
    assert "Ministry A" in text(client_coordinator_a.get(OVERVIEW))
    ministry = Organisation.objects.get(code="A-MIN")
    ministry.name = "Ministerium für Neues"
    ministry.save()
    page = text(client_coordinator_a.get(OVERVIEW))
    assert "Ministerium für Neues" in page and "Ministry A" not in page


def test_a_changed_reference_figure_shows_at_once_on_the_laendervergleich(client):
    load_reference_data()
    series = series_for("population_share", "migrationshintergrund_weiterer_sinn")
    url = reverse("benchmarks:laendervergleich")
    asked = {"series": series.key, "year": 2023}
    assert comparison_cells(client.get(url, asked).content.decode(), "Berlin") == ["39,4"]
    berlin = Benchmark.objects.get(
        dataset_id=series.dataset_id,
        measure=series.measure,
        definition=series.definition,
        year=2023,
        region_code="DE-BE",
    )
    berlin.value = 41.2
    berlin.save()
    assert comparison_cells(client.get(url, asked).content.decode(), "Berlin") == ["41,2"]


def test_the_api_answers_what_the_schema_gives_also_for_one_table_and_unknown_names(
    survey, client_coordinator_a, figures_dir
):
    for query, filters in [
        ("?table=land", {"table": "land"}),
        (
            "?table=land%20%C3%97%20career_group&definition=einwanderungsgeschichte",
            {"table": "land × career_group", "definition": "einwanderungsgeschichte"},
        ),
        ("?table=nothing", {"table": "nothing"}),
        ("?definition=nothing", {"definition": "nothing"}),
    ]:
        response = client_coordinator_a.get(API_CELLS + query)
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json() == expected_cells(survey, **filters)
    assert client_coordinator_a.get(API_CELLS + "?table=land").json()
    # Only existing tables and definitions are kept (made-up names do not fill the cache).
    files = len(list(figures_dir.iterdir()))
    client_coordinator_a.get(API_CELLS + "?table=made-up&definition=made-up")
    client_coordinator_a.get(API_CELLS + "?definition=made-up")
    assert len(list(figures_dir.iterdir())) == files
    client_coordinator_a.get(API_CELLS + "?definition=einwanderungsgeschichte")
    assert len(list(figures_dir.iterdir())) == files + 1
    # The OpenAPI description still names the schema of every cell.
    schema = client_coordinator_a.get("/api/v1/openapi.json").json()
    answer = schema["paths"]["/api/v1/surveys/{name}/cells"]["get"]["responses"]["200"]
    items = answer["content"]["application/json"]["schema"]["items"]
    assert items == {"$ref": "#/components/schemas/CellOut"}
    assert list(schema["components"]["schemas"]["CellOut"]["properties"]) == list(
        CellOut.model_fields
    )


def test_pages_are_served_when_the_cache_cannot_be_written(survey, client_coordinator_a):
    with mock.patch.object(cache.figures_cache(), "set", side_effect=OSError("disk full")):
        assert "34,1 %" in text(client_coordinator_a.get(OVERVIEW))
        assert api_cells(client_coordinator_a) == expected_cells(survey)


def test_ikoe_serve_empties_the_figures_cache_when_it_starts(monkeypatch):
    monkeypatch.setattr("ikoe.startup.prepare_database", lambda: None)
    monkeypatch.setattr("ikoe.startup.load_shipped_data", lambda: iter(()))
    monkeypatch.setattr("ikoe.reports.charts.clear_cache", lambda: None)
    cache.figures_cache().set("kept", 1)
    serve.prepare()
    assert cache.figures_cache().get("kept") is None


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_lists_of_surveys_read_their_parts_in_one_query_not_one_per_survey(cast):
    """No N+1: the survey list, the API's list and the Ländervergleich's links to joint
    surveys need as many queries for three surveys as for one."""
    client = Client()
    user = get_user_model().objects.create_user("fed", "fed@example.org", cast.password)
    Membership.objects.create(user=user, role=Role.FEDERAL_COORDINATOR)
    client.force_login(user)
    urls = ["/befragungen/", "/api/v1/surveys", reverse("benchmarks:laendervergleich")]
    bare_survey("one-2024", cast.orgs["DE-BE"], published=True)
    one = [queries(client, url) for url in urls]
    bare_survey("two-2024", cast.orgs["DE-BE"], published=True)
    bare_survey("three-2024", cast.orgs["DE-HH"])
    assert [queries(client, url) for url in urls] == one
    assert len(json.loads(client.get("/api/v1/surveys").content)) == 3


def test_the_trend_reads_every_year_in_as_many_queries_for_four_surveys_as_for_two(cast):
    from ikoe.surveys.figures import land_trend

    user = get_user_model().objects.create_user("fed", "fed@example.org", cast.password)
    Membership.objects.create(user=user, role=Role.FEDERAL_COORDINATOR)
    land = cast.orgs["DE-BE"]
    for year in (2020, 2021):
        bare_survey(f"a-{year}", land, published=True, year=year, population="P")
    survey = Survey.objects.get(name="a-2021")

    def counted() -> int:
        with CaptureQueriesContext(connection) as captured:
            land_trend(user, survey, "mighev_short")
        return len(captured.captured_queries)

    counted()  # the user's grants are read once
    two = counted()
    for year in (2022, 2023):
        bare_survey(f"a-{year}", land, published=True, year=year, population="P")
    assert counted() == two
