"""The targets board ``/ziele/``, an organisation's target page, setting targets, promotion plans
and the exports (docs/targets.md), across two Länder and with an agency-limited member.

Land A's survey (``ziele-a-2024``, released) has 12 of 36 declared respondents of A-AGY with a
migration background (published: 33,3 %), 2 of 17 of A-AGY2 (kept secret: "."), and 10 of 30
counted directly at the ministry. Land B's survey (``ziele-b-2024``, released) has 10 of 30 at
B-AGY. The year of the board is fixed to 2026.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ikoe.accounts.models import Membership, Role
from ikoe.barriers.pipeline import import_selection
from ikoe.barriers.release import Channel as SelectionChannel
from ikoe.barriers.release import set_release as release_selection
from ikoe.benchmarks.models import Benchmark
from ikoe.benchmarks.services import load_reference_data
from ikoe.organisations.models import Organisation
from ikoe.surveys.catalogue import LAND_MINISTRY_AGENCY
from ikoe.surveys.figures import cells_of, published_cells
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.pipeline import import_survey
from ikoe.surveys.release import Channel, set_release
from ikoe.targets import board as board_module
from ikoe.targets.models import PromotionPlan, Target
from ikoe.targets.services import Assumptions, Baseline, set_target
from tests.test_survey_import import people, write_csv

pytestmark = pytest.mark.django_db

BOARD = "/ziele/"
YEAR = 2026
SELECTION = Path(__file__).parent / "data" / "selection" / "auswahl_land_a.csv"


@pytest.fixture(autouse=True)
def fixed_year(monkeypatch):
    monkeypatch.setattr(board_module, "this_year", lambda: YEAR)


def survey_of(tmp_path, name: str, rows, year: int = 2024, release: bool = True) -> Survey:
    survey = import_survey(
        write_csv(tmp_path / f"{name}.csv", rows), name=name, year=year, title=f"Befragung {name}"
    )
    if release:
        set_release(survey, True, channel=Channel.COMMAND, username="test")
    return survey


def land_a_rows(yes_a: int = 12, no_a: int = 24):
    return people("A-AGY", yes_a, no_a, 2) + people("A-AGY2", 2, 15) + people("A-MIN", 10, 20)


@pytest.fixture
def surveys(cast, tmp_path) -> tuple[Survey, Survey]:
    load_reference_data()
    a = survey_of(tmp_path, "ziele-a-2024", land_a_rows())
    b = survey_of(tmp_path, "ziele-b-2024", people("B-AGY", 10, 20))
    return a, b


def text(response) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def row_text(response, name: str) -> str:  # type: ignore[no-untyped-def]
    """The text of the table row whose heading cell names ``name``."""
    html = response.content.decode()
    for tr in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        heading = re.search(r'<th scope="row"><a [^>]*>(.*?)</a>', tr, flags=re.S)
        if heading and heading.group(1).strip() == name:
            return " ".join(unescape(re.sub(r"<[^>]+>", " ", tr)).split())
    raise AssertionError(f"no row {name}")


def agency_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.organisation.name for r in response.context["rows"]]


def a_target(cast, code: str = "A-AGY", **kwargs) -> Target:
    values = {"share": 0.40, "deadline": 2034, "definition": "mighev_short", **kwargs}
    return set_target(cast.orgs[code], cast.users["coordinator_a"], **values)


# ---------------------------------------------------------------------------------------------
# The current share: published cells only


def test_the_board_shows_the_published_share_and_the_symbol_of_a_protected_cell(
    surveys, cast, client_coordinator_a
):
    a_target(cast, "A-AGY")
    a_target(cast, "A-AGY2")
    response = client_coordinator_a.get(BOARD)
    assert response.status_code == 200
    agy = row_text(response, "Agency A")
    assert agy.startswith("Agency A 33,3 20,2–49,7 40,0 2034")
    # A-AGY2's cell is kept secret: its symbol, no number, and no figure computed from it.
    agy2 = row_text(response, "Agency A2")
    assert agy2.startswith("Agency A2 . . 40,0 2034 x x")
    assert "keine Daten" in agy2 and "Geheim gehalten" in agy2
    cell = IndicatorCell.objects.get(
        survey=surveys[0],
        table=LAND_MINISTRY_AGENCY.name,
        definition="mighev_short",
        dims__agency="A-AGY2",
    )
    assert cell.suppressed and cell.share is None and cell.symbol == "."


def test_every_current_share_equals_its_published_cell_and_no_respondent_row_is_read(
    surveys, cast, client_coordinator_a
):
    for code in ("A-AGY", "A-AGY2"):
        a_target(cast, code)
    for code in ("DE-BE", "A-MIN"):
        a_target(cast, code, share=0.45)
    with (
        mock.patch("ikoe.surveys.pipeline.load_frame", side_effect=AssertionError("microdata")),
        mock.patch("ikoe.surveys.pipeline.compute_table", side_effect=AssertionError("computed")),
    ):
        response = client_coordinator_a.get(BOARD)
    assert response.status_code == 200
    cells = published_cells(cast.users["coordinator_a"], surveys[0])
    shown = [*response.context["summary"], *response.context["rows"]]
    assert {r.organisation.code for r in shown} == {"DE-BE", "A-MIN", "A-AGY", "A-AGY2"}
    for r in shown:
        table = board_module.TABLE_OF_KIND[r.organisation.kind]
        (cell,) = cells_of(cells, table, "mighev_short", **{table.rows: r.organisation.code})
        assert r.cell is not None and r.cell.pk == cell.pk
        assert r.share == (None if cell.suppressed else cell.share)
    # the Land: 24 of 83 declared; the ministry as a whole the same respondents
    land = row_text(response, "Land A")
    assert land.startswith(f"Land A {100 * 24 / 83:.1f}".replace(".", ","))


def test_the_board_takes_the_latest_released_survey_of_the_land(
    surveys, cast, client_coordinator_a, tmp_path
):
    a_target(cast, "A-AGY")
    newer = survey_of(tmp_path, "ziele-a-2025", land_a_rows(18, 18), year=2025, release=False)
    page = client_coordinator_a.get(BOARD)
    assert page.context["board"].survey == surveys[0]
    assert row_text(page, "Agency A").startswith("Agency A 33,3")
    set_release(newer, True, channel=Channel.COMMAND, username="test")
    page = client_coordinator_a.get(BOARD)
    assert page.context["board"].survey == newer
    assert row_text(page, "Agency A").startswith("Agency A 50,0")
    assert "Befragung ziele-a-2025" in text(page)


def test_without_a_released_survey_the_board_says_so_and_shows_no_share(
    cast, client_coordinator_a, tmp_path
):
    survey_of(tmp_path, "ziele-a-2024", land_a_rows(), release=False)
    a_target(cast, "A-AGY")
    page = client_coordinator_a.get(BOARD)
    assert page.status_code == 200
    assert "Es ist noch keine Befragung des Landes freigegeben" in text(page)
    assert row_text(page, "Agency A").startswith("Agency A – – 40,0 2034 x x")


# ---------------------------------------------------------------------------------------------
# Path, projection, required hiring share, on track


def test_the_projection_and_the_required_hiring_share_are_computed_as_by_hand(
    surveys, cast, client_coordinator_a
):
    # 12/36 = 1/3 now (2024), 40 % by 2034: 10 years, 5 % exits, no growth, 50 % of hires.
    a_target(
        cast,
        "A-AGY",
        assumptions=Assumptions(exit_rate=0.05, hiring_share=0.5, note="Personalstatistik"),
    )
    page = client_coordinator_a.get(BOARD)
    (row,) = [r for r in page.context["rows"] if r.organisation.code == "A-AGY"]
    r10 = 0.95**10  # 0.598737
    projected = 0.5 + (1 / 3 - 0.5) * r10  # 0.400211: just reaches the target
    required = (0.40 - (1 / 3) * r10) / (1 - r10)  # 0.499474
    assert row.projected == pytest.approx(projected, abs=1e-12)
    assert row.requirement.status == "feasible"
    assert row.requirement.share == pytest.approx(required, abs=1e-12)
    assert round(projected, 4) == 0.4002 and round(required, 4) == 0.4995
    # the path starts at the share when the target was set (2024) and ends at 40 % in 2034
    assert row.path == pytest.approx(1 / 3 + (0.40 - 1 / 3) * 2 / 10)
    assert row.status == board_module.ON_TRACK
    line = row_text(page, "Agency A")
    assert "40,0 2034 34,7 40,0 49,9 % der Einstellungen: machbar auf Kurs" in line


def test_too_low_a_hiring_share_is_not_on_track_and_an_impossible_target_says_why(
    surveys, cast, client_coordinator_a
):
    a_target(cast, "A-AGY", assumptions=Assumptions(exit_rate=0.05, hiring_share=0.4, note="x"))
    a_target(cast, "A-AGY2", share=0.9, deadline=2027, assumptions=Assumptions(exit_rate=0.05))
    page = client_coordinator_a.get(BOARD)
    agy = row_text(page, "Agency A")
    assert "nicht auf Kurs" in agy
    assert (
        "Beim jetzigen Einstellungsanteil erreicht der Anteil bis 2034 36,0 %."
    )  # 0.4 - (0.4 - 1/3)·0.95¹⁰ in agy
    # A-AGY2 has no published share: nothing is projected for it, whatever the target
    assert "Kein aktueller Anteil" in row_text(page, "Agency A2")
    # an impossible target of A-AGY
    a_target(cast, "A-AGY", share=0.95, deadline=2027, assumptions=Assumptions(exit_rate=0.05))
    agy = row_text(client_coordinator_a.get(BOARD), "Agency A")
    assert "nicht erreichbar: Es bräuchte" in agy and "% der Einstellungen" in agy


def test_without_assumptions_the_path_judges_a_later_survey(
    surveys, cast, client_coordinator_a, tmp_path
):
    # Set on the 2024 survey itself: nothing to compare yet.
    a_target(cast, "A-AGY", baseline=Baseline(1 / 3, 2024, "ziele-a-2024"))
    text = row_text(client_coordinator_a.get(BOARD), "Agency A")
    # A share is published: not "no data", but not judged yet.
    assert "noch nicht beurteilt" in text and "Noch kein Urteil" in text
    assert "keine Daten" not in text
    # Set in 2020 at 30 %, 40 % by 2030: the straight path asks 34,0 % in 2024 (33,3 % is below
    # it) and 35,0 % in 2025.
    a_target(cast, "A-AGY", deadline=2030, baseline=Baseline(0.30, 2020, "früher"))
    line = row_text(client_coordinator_a.get(BOARD), "Agency A")
    assert "nicht auf Kurs" in line
    assert "Der Anteil von 2024 ist 33,3 %; der gerade Weg verlangt 34,0 %." in line
    # the path this year (2026): 30 + 10 · 6/10 = 36,0
    assert line.startswith("Agency A 33,3 20,2–49,7 40,0 2030 36,0 x")
    survey_of(tmp_path, "ziele-a-2025", land_a_rows(13, 23), year=2025)  # 13/36 = 36,1 %
    line = row_text(client_coordinator_a.get(BOARD), "Agency A")
    assert "auf Kurs" in line and "nicht auf Kurs" not in line
    assert "Der Anteil von 2025 ist 36,1 %; der gerade Weg verlangt 35,0 %." in line


def test_the_applicant_pool_of_the_selection_data_bounds_the_required_hiring_share(
    surveys, cast, client_coordinator_a
):
    data = import_selection(SELECTION, name="auswahl-a", land=cast.orgs["DE-BE"])
    release_selection(data, True, channel=SelectionChannel.COMMAND, username="test")
    # A-AGY's applications: 200 with, 300 without a migration background: a pool of 40 %.
    a_target(cast, "A-AGY", assumptions=Assumptions(exit_rate=0.05, note="x"))
    page = client_coordinator_a.get(BOARD)
    (row,) = [r for r in page.context["rows"] if r.organisation.code == "A-AGY"]
    assert row.pool == pytest.approx(0.4)
    assert row.requirement.status == "above_pool"
    assert "mehr als der Bewerbendenpool hergibt (40,0 %)" in row_text(page, "Agency A")
    assert (
        f"Bewerbendenpool: die veröffentlichten Zahlen der Bewerbungen in den Auswahldaten „{data.title}“"
        in text(page)
    )


# ---------------------------------------------------------------------------------------------
# Sorting and filtering


def test_the_columns_sort_on_the_server_with_buttons_and_missing_values_last(
    surveys, cast, client_coordinator_a
):
    Organisation.objects.create(
        code="A-AGY3", name="Agency A3", kind="agency", parent=cast.orgs["A-MIN"]
    )
    a_target(cast, "A-AGY", share=0.40)
    a_target(cast, "A-AGY2", share=0.30)
    page = client_coordinator_a.get(BOARD)
    assert agency_names(page) == ["Agency A", "Agency A2", "Agency A3"]
    html = page.content.decode()
    assert '<button type="submit" name="sort" value="target" class="sort-button">' in html
    assert 'aria-sort="ascending"' in html  # the names
    up = client_coordinator_a.get(BOARD, {"sort": "target"})
    assert agency_names(up) == ["Agency A2", "Agency A", "Agency A3"]
    assert (
        'aria-sort="ascending"><button type="submit" name="sort" value="-target"'
        in up.content.decode()
    )
    down = client_coordinator_a.get(BOARD, {"sort": "-target"})
    assert agency_names(down) == ["Agency A", "Agency A2", "Agency A3"]  # no target: last
    assert 'aria-sort="descending"' in down.content.decode()
    share = client_coordinator_a.get(BOARD, {"sort": "-share"})
    assert agency_names(share)[0] == "Agency A"  # the only published share
    # not grouped: each agency names its ministry
    assert row_text(share, "Agency A").startswith("Agency A Ministry A 33,3")
    # an unknown sort is the default order, not an error
    assert agency_names(client_coordinator_a.get(BOARD, {"sort": "pk"})) == agency_names(page)


def test_the_board_filters_by_ministry(surveys, cast, client_coordinator_a):
    other = Organisation.objects.create(
        code="A-MIN2", name="Ministry A2", kind="ministry", parent=cast.orgs["DE-BE"]
    )
    Organisation.objects.create(code="A-AGY9", name="Agency A9", kind="agency", parent=other)
    everything = client_coordinator_a.get(BOARD)
    assert agency_names(everything) == ["Agency A", "Agency A2", "Agency A9"]
    assert [m for m, _rows in everything.context["groups"]] == [cast.orgs["A-MIN"], other]
    only = client_coordinator_a.get(BOARD, {"ministry": "A-MIN2"})
    assert agency_names(only) == ["Agency A9"]
    assert [r.organisation.code for r in only.context["summary"]] == ["DE-BE", "A-MIN2"]


# ---------------------------------------------------------------------------------------------
# Who sees what


def test_a_coordinator_sees_only_their_land_and_another_land_is_not_found(
    surveys, cast, client_coordinator_a, client_viewer_b
):
    page = client_coordinator_a.get(BOARD)
    assert page.context["land"] == cast.orgs["DE-BE"]
    assert "Land B" not in text(page) and "Agency B" not in text(page)
    assert client_coordinator_a.get(BOARD, {"land": "DE-HH"}).status_code == 404
    assert client_coordinator_a.get("/ziele/export.csv", {"land": "DE-HH"}).status_code == 404
    b = client_viewer_b.get(BOARD)
    assert b.context["land"] == cast.orgs["DE-HH"] and agency_names(b) == ["Agency B"]
    assert client_viewer_b.get(BOARD, {"land": "DE-BE"}).status_code == 404


def test_an_agency_limited_member_sees_only_their_agency(surveys, cast, client_editor_a):
    a_target(cast, "A-AGY")
    a_target(cast, "A-AGY2")
    a_target(cast, "DE-BE", share=0.45)
    page = client_editor_a.get(BOARD)
    assert page.status_code == 200
    assert agency_names(page) == ["Agency A"]
    assert page.context["summary"] == []
    assert "Agency A2" not in text(page) and "Land A und seine Ressorts" not in text(page)
    assert "Ihr Zugang ist auf Ihre Dienststelle beschränkt" in text(page)
    assert client_editor_a.get("/ziele/organisation/A-AGY/").status_code == 200
    for code in ("A-AGY2", "A-MIN", "DE-BE", "B-AGY"):
        assert client_editor_a.get(f"/ziele/organisation/{code}/").status_code == 404, code
    exported = client_editor_a.get("/ziele/export.csv").content.decode("utf-8-sig")
    assert [row[2] for row in csv.reader(io.StringIO(exported), delimiter=";")][1:] == ["Agency A"]


def test_the_federal_level_chooses_any_land(surveys, cast, client_federal):
    page = client_federal.get(BOARD, {"land": "DE-HH"})
    assert page.status_code == 200 and agency_names(page) == ["Agency B"]
    assert '<select name="land" id="id_land">' in page.content.decode()
    assert client_federal.get(BOARD, {"land": "DE-BE"}).context["land"] == cast.orgs["DE-BE"]


def test_the_public_sees_no_targets(surveys, cast, client_anonymous):
    a_target(cast, "A-AGY")
    for url in (BOARD, "/ziele/export.csv", "/ziele/export.xlsx", "/ziele/organisation/A-AGY/"):
        response = client_anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    home = client_anonymous.get("/")
    assert 'href="/ziele/"' not in home.content.decode()


def test_a_signed_in_user_without_a_membership_sees_an_empty_board(surveys, cast):
    user = get_user_model().objects.create_user("niemand", "n@example.org", cast.password)
    client = Client()
    client.force_login(user)
    page = client.get(BOARD)
    assert page.status_code == 200 and "keine Mitgliedschaft" in text(page)
    assert 'href="/ziele/"' not in client.get("/").content.decode()


def test_the_menu_offers_the_targets_to_members(surveys, client_viewer_b, client_editor_a):
    for client in (client_viewer_b, client_editor_a):
        assert '<a href="/ziele/">Ziele</a>' in client.get("/").content.decode()


# ---------------------------------------------------------------------------------------------
# Setting targets


def target_post(**values: str) -> dict[str, str]:
    data = {"choice": "own", "own_share": "35,5", "deadline": "2032", "definition": "mighev_short"}
    data.update(values)
    return data


def test_the_coordinator_sets_a_target_and_a_new_version_keeps_the_old_one(
    surveys, cast, client_coordinator_a
):
    url = "/ziele/organisation/A-AGY/ziel/"
    form = client_coordinator_a.get(url)
    assert form.status_code == 200
    berlin = Benchmark.objects.get(region_code="DE-BE", measure="population_share", year=2023)
    # the default: the Land's newest population share, under the definition that draws the
    # same line, five years ahead
    assert form.context["form"].initial == {
        "choice": f"b{berlin.pk}",
        "deadline": YEAR + 5,
        "definition": "mikrozensus_wide",
    }
    response = client_coordinator_a.post(url, target_post(note="Senatsbeschluss"))
    assert response.status_code == 302 and response["Location"] == "/ziele/organisation/A-AGY/"
    first = Target.objects.get(organisation__code="A-AGY")
    assert (first.share, first.deadline, first.source) == (0.355, 2032, "own")
    assert (first.baseline_share, first.baseline_year) == (pytest.approx(1 / 3), 2024)
    assert first.set_by == cast.users["coordinator_a"] and first.set_by_name == "coordinator_a"
    response = client_coordinator_a.post(
        url, {"choice": f"b{berlin.pk}", "deadline": "2035", "definition": "mighev_short"}
    )
    assert response.status_code == 302
    versions = list(Target.objects.filter(organisation__code="A-AGY").order_by("pk"))
    assert [(v.share, v.current) for v in versions] == [
        (0.355, False),
        (pytest.approx(0.394), True),
    ]
    assert versions[1].source == "benchmark" and "39,4 %" in versions[1].benchmark_text
    page = client_coordinator_a.get("/ziele/organisation/A-AGY/")
    history = text(page)
    assert "35,5 2032 Senatsbeschluss" in history and "39,4 2035" in history
    assert "Grundlage ist der Vergleichswert der Bevölkerung: Berlin 2023" in history


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"own_share": "viel"},
            "own_share",
            "„viel“ ist keine Zahl; geben Sie einen Prozentwert wie 25,5 ein.",
        ),
        (
            {"own_share": "120"},
            "own_share",
            "Geben Sie einen Prozentwert über 0 und höchstens 100 ein, etwa 25,5.",
        ),
        ({"own_share": ""}, "own_share", "Geben Sie den eigenen Zielanteil ein, etwa 25,5."),
        (
            {"deadline": "2020"},
            "deadline",
            f"Die Frist ist ein Jahr von {YEAR} bis {YEAR + 50}, etwa {YEAR + 5}.",
        ),
        ({"deadline": "bald"}, "deadline", "Geben Sie ein Jahr als ganze Zahl ein, etwa 2030."),
        (
            {"hiring_share": "30", "assumptions_note": "x"},
            "exit_rate",
            "Die Projektion braucht die Abgangsrate",
        ),
        ({"exit_rate": "5"}, "assumptions_note", "Sagen Sie, woher die Annahmen stammen"),
        (
            {"exit_rate": "5", "growth": "-8", "assumptions_note": "x"},
            "growth",
            "Bei 5,0 % Abgängen im Jahr kann die Belegschaft um höchstens 5,0 % im Jahr schrumpfen",
        ),
        ({"definition": "erfunden"}, "definition", "Wählen Sie eine Definition aus der Liste."),
    ],
)
def test_a_wrong_target_is_refused_with_a_clear_message_at_its_field(
    surveys, client_coordinator_a, values, field, message
):
    response = client_coordinator_a.post("/ziele/organisation/A-AGY/ziel/", target_post(**values))
    assert response.status_code == 200
    assert response.context["form"].errors[field][0].startswith(message)
    assert f'href="#id_{field}"' in response.content.decode()  # the error summary links to it
    assert not Target.objects.exists()


def test_only_the_coordination_of_the_land_sets_targets(
    surveys, cast, client_data_steward_a, client_editor_a, client_viewer_b, client_anonymous
):
    url = "/ziele/organisation/A-AGY/ziel/"
    coordinator_b = get_user_model().objects.create_user("coordinator_b", "b@example.org", "x")
    Membership.objects.create(user=coordinator_b, role=Role.COORDINATOR, land=cast.orgs["DE-HH"])
    client_b = Client()
    client_b.force_login(coordinator_b)
    assert client_b.get(url).status_code == 404
    assert client_b.post(url, target_post()).status_code == 404
    assert client_b.post("/ziele/land/DE-BE/alle/", {}).status_code == 404
    assert client_data_steward_a.post(url, target_post()).status_code == 403
    assert client_editor_a.post(url, target_post()).status_code == 403
    assert client_viewer_b.post(url, target_post()).status_code == 403
    assert client_anonymous.post(url, target_post()).status_code == 302
    assert not Target.objects.exists()
    assert client_b.post("/ziele/organisation/B-AGY/ziel/", target_post()).status_code == 302


def test_the_federal_coordinator_may_set_a_target_in_any_land(surveys, client_federal):
    response = client_federal.post("/ziele/organisation/B-AGY/ziel/", target_post())
    assert response.status_code == 302
    assert Target.objects.get().organisation.code == "B-AGY"


def test_a_target_is_taken_back_with_a_confirmation_and_stays_in_the_history(
    surveys, cast, client_coordinator_a
):
    a_target(cast, "A-AGY")
    url = "/ziele/organisation/A-AGY/ziel/entfernen/"
    client_coordinator_a.post(url, {"remove-note": "ohne Bestätigung"})
    assert Target.objects.in_force().count() == 1
    response = client_coordinator_a.post(
        url, {"remove-confirm": "on", "remove-note": "Umorganisation"}
    )
    assert response.status_code == 302
    assert not Target.objects.in_force().exists()
    page = text(client_coordinator_a.get("/ziele/organisation/A-AGY/"))
    assert "Ziel zurückgenommen Umorganisation" in page
    assert "Für diese Organisation ist kein Ziel gesetzt." in page


def test_all_agencies_get_the_benchmark_at_once(surveys, cast, client_coordinator_a):
    a_target(cast, "A-AGY", share=0.30)
    home = text(client_coordinator_a.get("/"))
    assert "Für 1 Dienststelle ist noch kein Ziel gesetzt (Land A)" in home
    url = "/ziele/land/DE-BE/alle/"
    page = client_coordinator_a.get(url)
    assert page.status_code == 200
    berlin = Benchmark.objects.get(region_code="DE-BE", measure="population_share", year=2023)
    post = {
        "benchmark": str(berlin.pk),
        "deadline": "2035",
        "definition": "mighev_short",
        "which": "missing",
    }
    response = client_coordinator_a.post(url, post)
    assert response.status_code == 302 and response["Location"] == "/ziele/?land=DE-BE"
    shares = dict(Target.objects.in_force().values_list("organisation__code", "share"))
    assert shares == {"A-AGY": 0.30, "A-AGY2": pytest.approx(0.394)}
    # A-AGY2's share is kept secret: its path has no published start
    assert Target.objects.in_force().get(organisation__code="A-AGY2").baseline_share is None
    assert "Für 1 Dienststelle" not in text(client_coordinator_a.get("/"))
    client_coordinator_a.post(url, {**post, "which": "all"})
    shares = dict(Target.objects.in_force().values_list("organisation__code", "share"))
    assert shares == {"A-AGY": pytest.approx(0.394), "A-AGY2": pytest.approx(0.394)}
    assert Target.objects.filter(organisation__code="A-AGY").count() == 2
    agy = Target.objects.in_force().get(organisation__code="A-AGY")
    assert (agy.baseline_share, agy.baseline_year) == (pytest.approx(1 / 3), 2024)
    assert agy.baseline_survey == "Befragung ziele-a-2024 (2024)"
    # a benchmark of another Land is not in the list
    hamburg = Benchmark.objects.get(region_code="DE-HH", measure="population_share", year=2023)
    response = client_coordinator_a.post(url, {**post, "benchmark": str(hamburg.pk)})
    assert response.context["form"].errors["benchmark"] == [
        "Wählen Sie einen Vergleichswert aus der Liste."
    ]


# ---------------------------------------------------------------------------------------------
# Promotion plans


def plan_post(**values: str) -> dict[str, str]:
    data = {
        "period_start": "2025",
        "period_end": "2028",
        "goals": "Anteil auf 40 % bis 2034",
        "measures": "Mentoring\nAnonymisierte Bewerbungen",
        "responsible": "Personalreferat",
        "status": "adopted",
    }
    data.update(values)
    return data


def test_the_agency_editor_keeps_the_promotion_plan_and_the_coordinator_reads_it(
    surveys, cast, client_editor_a, client_coordinator_a, client_agency_viewer_a, client_viewer_b
):
    response = client_editor_a.post("/ziele/organisation/A-AGY/foerderplan/neu/", plan_post())
    assert response.status_code == 302
    plan = PromotionPlan.objects.get()
    assert (plan.organisation.code, plan.updated_by_name) == ("A-AGY", "editor_a")
    page = text(client_coordinator_a.get("/ziele/organisation/A-AGY/"))
    assert "Förderplan 2025–2028 (beschlossen)" in page and "Personalreferat" in page
    assert "Mentoring" in text(client_agency_viewer_a.get("/ziele/organisation/A-AGY/"))
    edit = f"/ziele/organisation/A-AGY/foerderplan/{plan.pk}/"
    assert client_editor_a.post(edit, plan_post(status="in_progress")).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "in_progress"
    # not another agency, not as a viewer, not from another Land
    assert client_editor_a.get("/ziele/organisation/A-AGY2/foerderplan/neu/").status_code == 404
    assert client_agency_viewer_a.post(edit, plan_post()).status_code == 403
    assert client_viewer_b.get(edit).status_code == 403
    assert client_viewer_b.get("/ziele/organisation/A-AGY/").status_code == 404
    # a plan id of another organisation is not found under this one
    assert (
        client_editor_a.get(f"/ziele/organisation/A-AGY2/foerderplan/{plan.pk}/").status_code == 404
    )
    assert (
        client_coordinator_a.get(f"/ziele/organisation/A-AGY2/foerderplan/{plan.pk}/").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"period_end": "2024"}, "period_end", "Das letzte Jahr liegt vor dem ersten Jahr."),
        ({"period_end": "2040"}, "period_end", "Ein Förderplan umfasst höchstens 10 Jahre."),
        ({"period_start": "1900"}, "period_start", "Geben Sie ein Jahr von 2000 bis 2100 ein."),
        ({"goals": ""}, "goals", "Beschreiben Sie die Ziele des Plans."),
        ({"responsible": ""}, "responsible", "Nennen Sie die zuständige Stelle des Plans."),
    ],
)
def test_a_wrong_promotion_plan_is_refused_with_a_clear_message(
    surveys, client_editor_a, values, field, message
):
    response = client_editor_a.post(
        "/ziele/organisation/A-AGY/foerderplan/neu/", plan_post(**values)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not PromotionPlan.objects.exists()


def test_two_promotion_plans_of_one_organisation_do_not_overlap(surveys, client_editor_a):
    client_editor_a.post("/ziele/organisation/A-AGY/foerderplan/neu/", plan_post())
    response = client_editor_a.post(
        "/ziele/organisation/A-AGY/foerderplan/neu/",
        plan_post(period_start="2028", period_end="2031"),
    )
    assert response.context["form"].errors["period_start"] == [
        "Agency A hat schon einen Förderplan für 2025–2028; die Zeiträume zweier Pläne dürfen sich nicht überschneiden."
    ]
    ok = client_editor_a.post(
        "/ziele/organisation/A-AGY/foerderplan/neu/",
        plan_post(period_start="2029", period_end="2032"),
    )
    assert ok.status_code == 302 and PromotionPlan.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# Exports and the chart


def test_the_csv_export_is_for_german_excel_and_holds_the_board(
    surveys, cast, client_coordinator_a
):
    a_target(cast, "A-AGY", assumptions=Assumptions(exit_rate=0.05, hiring_share=0.5, note="x"))
    a_target(cast, "A-AGY2")
    response = client_coordinator_a.get("/ziele/export.csv", {"land": "DE-BE", "sort": "-share"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ziele-de-be.csv"'
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:6] == [
        "Ebene",
        "Ministerium",
        "Organisation",
        "Code",
        "Befragungsjahr",
        "Aktueller Anteil in %",
    ]
    by_code = {r[3]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert list(by_code) == ["DE-BE", "A-MIN", "A-AGY", "A-AGY2"]
    agy = by_code["A-AGY"]
    assert agy["Aktueller Anteil in %"] == "33,3" and agy["Ziel in %"] == "40,0"
    assert (
        agy["Prognose zur Frist in %"] == "40,0"
        and agy["Nötiger Einstellungsanteil in %"] == "49,9"
    )
    assert agy["Gerader Weg 2026 in %"] == "34,7" and agy["Auf Kurs?"] == "auf Kurs"
    agy2 = by_code["A-AGY2"]
    assert agy2["Aktueller Anteil in %"] == "" and agy2["Zeichen"] == "."
    assert agy2["95-%-Intervall von"] == "" and agy2["Auf Kurs?"] == "keine Daten"


def test_the_xlsx_export_holds_numbers_and_the_source(
    surveys, cast, client_coordinator_a, tmp_path
):
    a_target(cast, "A-AGY")
    response = client_coordinator_a.get("/ziele/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "ziele.xlsx"
    path.write_bytes(response.content)
    frame = pl.read_excel(path)
    agy = frame.filter(pl.col("Code") == "A-AGY").row(0, named=True)
    assert agy["Aktueller Anteil in %"] == 33.3 and agy["Ziel in %"] == 40.0
    assert agy["Frist"] == 2034
    agy2 = frame.filter(pl.col("Code") == "A-AGY2").row(0, named=True)
    assert agy2["Aktueller Anteil in %"] is None and agy2["Zeichen"] == "."
    notes = [v for v in frame["Ebene"].to_list() if v and v.startswith("Quelle")]
    assert notes == [
        "Quelle: Befragung ziele-a-2024, Beschäftigtenbefragung 2024 (veröffentlichte, geschützte Zahlen)."
    ]


def test_the_chart_shows_current_share_and_target_with_a_text_alternative(
    surveys, cast, client_coordinator_a
):
    a_target(cast, "A-AGY")
    a_target(cast, "A-AGY2")
    page = client_coordinator_a.get(BOARD)
    html = page.content.decode()
    assert 'aria-labelledby="chart-targets-title chart-targets-desc"' in html
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", html, flags=re.S)
    assert desc is not None
    assert "Agency A: aktueller Anteil 33,3 %, Ziel 40,0 %" in unescape(desc.group(1))
    assert "Agency A2: aktueller Anteil ., Ziel 40,0 %" in unescape(desc.group(1))
    assert "1 Gruppe ist gesperrt oder nicht verlässlich genug" in text(page)


def test_the_home_page_offers_the_targets_to_members(
    surveys, client_coordinator_a, client_viewer_b
):
    home = text(client_coordinator_a.get("/"))
    assert "Ziele und Förderpläne" in home
    assert "Für 2 Dienststellen ist noch kein Ziel gesetzt (Land A)" in home
    viewer = text(client_viewer_b.get("/"))
    assert "Ziele und Förderpläne" in viewer and "noch kein Ziel gesetzt" not in viewer


def test_the_board_speaks_english_too(surveys, cast, client_coordinator_a):
    a_target(cast, "A-AGY", assumptions=Assumptions(exit_rate=0.05, hiring_share=0.5, note="x"))
    client_coordinator_a.cookies["django_language"] = "en"
    page = client_coordinator_a.get(BOARD)
    assert "Targets of Land A" in text(page)
    assert "Current share in % 95 % interval Target in % Deadline Straight path 2026 in %" in text(
        page
    )
    line = row_text(page, "Agency A")
    assert line == (
        "Agency A 33.3 20.2–49.7 40.0 2034 34.7 40.0 49.9 % of hires: can be done on track "
        "At the current hiring share the share reaches 40.0 % by 2034."
    )
    exported = client_coordinator_a.get("/ziele/export.csv").content.decode("utf-8-sig")
    assert exported.splitlines()[0].startswith("Level;Ministry;Organisation;Code;Survey year")
