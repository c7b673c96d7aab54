"""Joint surveys of several Länder: one import, protection of all tables together, release part
by part, and every reader sees only the parts in their reach.

The survey covers Land A (DE-BE) and Land B (DE-HH) of the test cast. Each Land's coordinator
releases the part of their Land; the figures across both Länder are public only when both have.
"""

from __future__ import annotations

import json
import random
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ikoe.accounts.models import Membership, Role
from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
from ikoe.organisations.services import import_organisations
from ikoe.stats.disclosure import TOTAL
from ikoe.surveys.models import IndicatorCell, Survey, SurveyRelease
from ikoe.surveys.pipeline import ACROSS_LANDS, import_survey, load_frame, republish
from ikoe.surveys.release import Channel, set_release
from ikoe.surveys.scope import survey_reach, visible_cells
from tests.test_disclosure_attacker import Published, attack
from tests.test_survey_import import people, respondent, run_cli, write_csv

pytestmark = pytest.mark.django_db

NAME = "joint-2024"


def joint_rows() -> list[list[str]]:
    """Land A: A-AGY 30 yes / 60 no, A-AGY2 20 / 50; Land B: B-AGY 25 / 45, B-MIN 12 / 30."""
    return (
        people("A-AGY", 30, 60)
        + people("A-AGY2", 20, 50, career="gehoben")
        + people("B-AGY", 25, 45)
        + people("B-MIN", 12, 30, career="gehoben", gender="m")
    )


@pytest.fixture
def joint(cast, tmp_path) -> Survey:
    path = write_csv(tmp_path / "gemeinsam.csv", joint_rows())
    return import_survey(
        path, name=NAME, year=2024, title="Gemeinsame Befragung A und B", population="A+B"
    )


def cell(survey: Survey, table: str, **dims: str) -> IndicatorCell:
    found = [
        c
        for c in IndicatorCell.objects.filter(survey=survey, table=table, definition="mighev_short")
        if all(c.dims.get(k) == v for k, v in dims.items())
    ]
    assert len(found) == 1, found
    return found[0]


def test_a_file_with_respondents_of_two_laender_imports_as_one_survey_with_two_parts(joint):
    assert joint.land is None and joint.joint
    assert [(p.land.code, p.respondents, p.published) for p in joint.parts_list] == [
        ("DE-BE", 160, False),
        ("DE-HH", 112, False),
    ]
    assert joint.respondents == 272 and not joint.published
    # By hand: A 50 of 160, B 37 of 112, together 87 of 272.
    assert cell(joint, "land", land="DE-BE").yes == 50
    assert cell(joint, "land", land="DE-HH").yes == 37
    total = cell(joint, "land", land=ACROSS_LANDS)
    assert (total.yes, total.declared) == (87, 272)
    assert total.share == pytest.approx(87 / 272)
    # The career groups across both Länder: mittel = A-AGY + B-AGY, gehoben = A-AGY2 + B-MIN.
    mittel = cell(joint, "land × career_group", land=ACROSS_LANDS, career_group="mittel")
    assert (mittel.yes, mittel.declared) == (55, 160)


def test_a_joint_survey_is_weighted_to_the_personnel_totals_of_both_laender(
    cast, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "gemeinsam.csv", joint_rows())
    totals = write_csv(
        tmp_path / "personal.csv",
        [
            ["A-AGY", "mittel", "900"],
            ["A-AGY2", "gehoben", "300"],
            ["B-AGY", "mittel", "700"],
            ["B-MIN", "gehoben", "100"],
        ],
        header=("organisation", "career_group", "headcount"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        survey = import_survey(path, name=NAME, year=2024, totals=totals)
    assert survey.weighted and survey.population_size == 2000
    # Each Land's respondents carry exactly its staff, also after protecting the tables again.
    for _ in range(2):
        parts = survey.diagnostics["parts"]
        assert parts["DE-BE"]["weighting"]["population"] == pytest.approx(1200)
        assert parts["DE-HH"]["weighting"]["population"] == pytest.approx(800)
        assert survey.diagnostics["weighting"]["method"] == "post-stratification"
        republish(survey)
        survey.refresh_from_db()
    # Weighted shares by hand: A = (900·30/90 + 300·20/70) / 1200, B = (700·25/70 + 100·12/42) / 800.
    share_a = (900 * 30 / 90 + 300 * 20 / 70) / 1200
    share_b = (700 * 25 / 70 + 100 * 12 / 42) / 800
    assert cell(survey, "land", land="DE-BE").share == pytest.approx(share_a)
    assert cell(survey, "land", land="DE-HH").share == pytest.approx(share_b)
    across = cell(survey, "land", land=ACROSS_LANDS)
    assert across.share == pytest.approx((1200 * share_a + 800 * share_b) / 2000)


def test_the_diagnostics_keep_each_lands_part_apart(joint):
    parts = joint.diagnostics["parts"]
    assert sorted(parts) == ["DE-BE", "DE-HH"]
    assert parts["DE-HH"]["respondents"] == 112
    assert parts["DE-HH"]["respondents_by_organisation"] == {"B-AGY": 70, "B-MIN": 42}
    assert parts["DE-BE"]["declared"]["mighev_short"] == 160


def test_the_rows_across_laender_are_the_root_of_the_organisation_hierarchy():
    assert ACROSS_LANDS == TOTAL


# ---------------------------------------------------------------------------------------------
# Release part by part, and who sees what


def client_of(cast, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(cast.users[name])
    return client


def lands_served(client: Client) -> set[str]:
    response = client.get(f"/api/v1/surveys/{NAME}/cells")
    if response.status_code == 404:
        return set()
    return {c["dims"]["land"] for c in response.json()}


@pytest.fixture
def coordinator_b(cast):
    user = get_user_model().objects.create_user("coordinator_b", "b@example.org", "x")
    Membership.objects.create(user=user, role=Role.COORDINATOR, land=cast.orgs["DE-HH"])
    cast.users["coordinator_b"] = user
    return user


def test_each_land_releases_its_part_and_the_figures_across_laender_follow_the_last(
    joint, cast, coordinator_b
):
    anonymous = client_of(cast, "anonymous")
    assert lands_served(anonymous) == set()
    assert anonymous.get(f"/befragungen/{NAME}/").status_code == 404

    # Land A's coordinator releases on the page: only the part of Land A changes.
    page = client_of(cast, "coordinator_a")
    response = page.post(
        f"/befragungen/{NAME}/freigabe/",
        {"action": "release", "release-confirm": "on", "release-note": "A"},
    )
    assert response.status_code == 302
    joint.refresh_from_db()
    joint.forget_parts()
    assert [p.published for p in joint.parts_list] == [True, False]
    assert not joint.published
    assert lands_served(anonymous) == {"DE-BE"}
    # The public sees Land A's overview, not the figures across both Länder nor Land B's.
    html = anonymous.get(f"/befragungen/{NAME}/").content.decode()
    assert "Land A" in html and "Alle Länder der Befragung" not in html
    assert anonymous.get(f"/befragungen/{NAME}/organisation/B-AGY/").status_code == 404
    assert anonymous.get(f"/befragungen/{NAME}/organisation/A-AGY/").status_code == 200
    record = SurveyRelease.objects.get(survey=joint)
    assert (record.land.code, record.username) == ("DE-BE", "coordinator_a")

    # Land B's coordinator, on the command line: now every part, and the sums, are public.
    set_release(
        joint,
        True,
        channel=Channel.COMMAND,
        user=coordinator_b,
        lands=[cast.orgs["DE-HH"]],
    )
    assert joint.published
    assert lands_served(anonymous) == {"DE-BE", "DE-HH", ACROSS_LANDS}
    html = anonymous.get(f"/befragungen/{NAME}/").content.decode()
    assert "Alle Länder der Befragung" in html


def test_a_coordinator_cannot_release_the_part_of_another_land(joint, cast):

    viewer_b = client_of(cast, "viewer_b")
    # Land B's members reach Land B's part of the unreleased survey, not Land A's.
    assert lands_served(viewer_b) == {"DE-HH"}
    assert viewer_b.get(f"/befragungen/{NAME}/freigabe/").status_code == 403  # no coordinator
    # Land A's coordinator releases, by default, the part of Land A only.
    page = client_of(cast, "coordinator_a").get(f"/befragungen/{NAME}/freigabe/")
    assert "hier geben Sie den Teil folgender Länder frei: Land A." in page.content.decode()


def test_the_cli_releases_named_parts_and_refuses_a_land_the_survey_does_not_cover(
    joint, cast, capsys
):
    code, _out, err = run_cli(["release", "--survey", NAME, "--land", "DE-BY"], capsys)
    assert code == 1
    assert "hat keinen Teil in DE-BY; ihre Länder sind: DE-BE, DE-HH." in err
    code, out, _err = run_cli(
        ["release", "--survey", NAME, "--land", "DE-HH", "--user", "coordinator_a"], capsys
    )
    assert code == 1
    code, out, _err = run_cli(["release", "--survey", NAME, "--land", "DE-HH"], capsys)
    assert code == 0
    assert "Teil von Land B" in out
    joint.forget_parts()
    assert [(p.land.code, p.published) for p in joint.parts_list] == [
        ("DE-BE", False),
        ("DE-HH", True),
    ]


def test_data_stewards_see_the_diagnostics_of_their_own_lands_part_only(joint, cast):
    steward_b = get_user_model().objects.create_user("steward_b", "sb@example.org", "x")
    Membership.objects.create(user=steward_b, role=Role.DATA_STEWARD, land=cast.orgs["DE-HH"])
    cast.users["steward_b"] = steward_b

    page_a = client_of(cast, "data_steward_a").get(f"/befragungen/{NAME}/diagnose/")
    page_b = client_of(cast, "steward_b").get(f"/befragungen/{NAME}/diagnose/")
    whole = client_of(cast, "federal_coordinator").get(f"/befragungen/{NAME}/diagnose/")
    assert page_a.status_code == page_b.status_code == whole.status_code == 200
    a, b, w = (p.content.decode() for p in (page_a, page_b, whole))
    # Each sees its own Land's part: respondents, organisations, and nothing of the other Land.
    assert "Der Teil von Land A" in a and "Der Teil von Land B" not in a
    assert "Agency A" in a and "Agency B" not in a and "Ministry B" not in a
    assert "Der Teil von Land B" in b and "Agency A" not in b
    # The file and the weighting of the whole survey are for the federal level only.
    assert "gemeinsam.csv" in w and "gemeinsam.csv" not in a and "gemeinsam.csv" not in b
    # The steward's reach holds the Land's cells only, not those across both Länder.
    reach = survey_reach(cast.users["data_steward_a"], joint, Role.DATA_STEWARD)
    assert reach is not None and not reach.whole and reach.lands == {"DE-BE"}
    served = {c.dims["land"] for c in reach.cells(IndicatorCell.objects.filter(survey=joint))}
    assert served == {"DE-BE"}
    # The Land's coordinator, too, sees the Land's part only.
    coordinator = client_of(cast, "coordinator_a").get(f"/befragungen/{NAME}/diagnose/")
    c = coordinator.content.decode()
    assert "Der Teil von Land A" in c and "Agency B" not in c and "gemeinsam.csv" not in c
    # Viewers see no diagnostics at all.
    assert client_of(cast, "viewer_b").get(f"/befragungen/{NAME}/diagnose/").status_code == 404


def test_visible_cells_of_an_unreleased_joint_survey_follow_the_members_land(joint, cast):
    assert {c.dims["land"] for c in visible_cells(cast.users["viewer_b"], joint)} == {"DE-HH"}
    agency = {c.dims.get("agency") for c in visible_cells(cast.users["agency_viewer_a"], joint)}
    assert agency == {"A-AGY"}
    every = {c.dims["land"] for c in visible_cells(cast.users["federal_coordinator"], joint)}
    assert every == {"DE-BE", "DE-HH", ACROSS_LANDS}


# ---------------------------------------------------------------------------------------------
# The attacker against a joint survey


def test_no_suppressed_count_of_a_joint_survey_can_be_narrowed_below_the_protection_width(
    cast, tmp_path, client, django_capture_on_commit_callbacks
):
    """Everything the API serves of a released joint survey – both Länder's tables and the rows
    across them – attacked from outside (:mod:`tests.attacker`): no suppressed count can be
    narrowed below the protection width."""
    rng = random.Random(7)
    rows = []
    organisations = ["A-AGY", "A-UNIT", "A-AGY2", "A-MIN", "B-AGY", "B-UNIT", "B-MIN"]
    for i in range(420):
        org = rng.choice(organisations)
        status = rng.choices([True, False, None], weights=[3, 8, 1])[0]
        career = rng.choice(["einfach", "mittel", "gehoben", "hoeher"])
        gender = rng.choice(["w", "m"])
        rows.append(respondent(f"r{i:04d}", org, status, career, gender))
    path = write_csv(tmp_path / "gemeinsam.csv", rows)
    with django_capture_on_commit_callbacks(execute=True):
        survey = import_survey(path, name="joint-attacked", year=2024)
        set_release(survey, True, channel=Channel.COMMAND, username="test")
    data, _design = load_frame(survey)
    served = {c["dims"]["land"] for c in client.get("/api/v1/surveys/joint-attacked/cells").json()}
    assert served == {"DE-BE", "DE-HH", ACROSS_LANDS}
    assessment = attack(client, Published(survey, data))
    assert not assessment.failures(), assessment.summary()


# ---------------------------------------------------------------------------------------------
# The Ländervergleich of a joint survey


def test_the_laendervergleich_sets_each_lands_share_beside_its_population_share(joint, cast):
    dataset = BenchmarkDataset.objects.create(
        name="mz-test", title="Mikrozensus (Test)", format="csv", file_name="mz.csv"
    )
    for code, value in (("DE-BE", 40.1), ("DE-HH", 38.0), ("DE", 29.7)):
        Benchmark.objects.create(
            dataset=dataset,
            region_code=code,
            region_name=code,
            measure="population_share",
            year=2023,
            value=value,
            unit="%",
            source="Statistisches Bundesamt, Mikrozensus 2023",
        )
    client = client_of(cast, "federal_coordinator")
    page = client.get(f"/befragungen/{NAME}/laendervergleich/").content.decode()
    table = re.search(r"<table class=\"data\">.*?</table>", page, re.S).group(0)
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)
    ]
    # Land A: 50 of 160 = 31.25 %, 40.1 % in the population: 8.9 points behind.
    row_a = cells[cells.index("Land A") : cells.index("Land A") + 6]
    assert row_a[1] == "31,3" and row_a[3] == "40,1" and row_a[4] == "-8,9"
    # By hand: Wilson interval of 50/160 is 24.6 % to 38.8 %; the gap is beyond chance.
    assert row_a[2] == "24,6–38,8" and row_a[5] == "ja"
    row_b = cells[cells.index("Land B") : cells.index("Land B") + 6]
    assert row_b[1] == "33,0" and row_b[4] == "-5,0"
    assert cells.count("Alle Länder der Befragung") == 1
    assert "Statistisches Bundesamt, Mikrozensus 2023" in page
    assert "Bevölkerung 2023 in %" in cells
    # The chart has its text alternative.
    assert "<desc" in page and "Land A: 31,3 % / 40,1 %" in page
    # The Ländervergleich of public figures offers the joint survey to whoever can see it.
    overview = client.get(f"/befragungen/{NAME}/").content.decode()
    assert "Alle Länder der Befragung zusammen werden mit der Bevölkerung Deutschlands" in overview
    listing = client.get("/laendervergleich/").content.decode()
    assert f"/befragungen/{NAME}/laendervergleich/" in listing
    anonymous = client_of(cast, "anonymous").get("/laendervergleich/").content.decode()
    assert f"/befragungen/{NAME}/laendervergleich/" not in anonymous


def test_a_land_member_compares_only_the_lands_in_reach(joint, cast):
    page = client_of(cast, "viewer_b").get(f"/befragungen/{NAME}/laendervergleich/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Land B" in html and ">Land A<" not in html and "Alle Länder der Befragung" not in html


def test_a_survey_of_one_land_has_no_laendervergleich_page(cast, tmp_path):
    path = write_csv(tmp_path / "a.csv", people("A-AGY", 10, 20))
    import_survey(path, name="only-a", year=2024)
    client = client_of(cast, "coordinator_a")
    assert client.get("/befragungen/only-a/laendervergleich/").status_code == 404


def test_a_survey_of_a_land_and_the_federal_level_has_a_part_for_each(cast, tmp_path):
    tree = tmp_path / "bund.csv"
    tree.write_text(
        "code,name,parent,kind\n"
        "DE-BUND,Bund,,land\n"
        "BMI,Bundesministerium des Innern,DE-BUND,ministry\n"
        "BAMF,Bundesamt für Migration und Flüchtlinge,BMI,agency\n",
        encoding="utf-8",
    )
    import_organisations(tree)
    path = write_csv(tmp_path / "bund-land.csv", people("A-AGY", 10, 30) + people("BAMF", 12, 25))
    survey = import_survey(path, name="bund-und-a", year=2024)
    assert [(p.land.code, p.land.name, p.respondents) for p in survey.parts_list] == [
        ("DE-BE", "Land A", 40),
        ("DE-BUND", "Bund", 37),
    ]
    assert cell(survey, "land", land="DE-BUND").yes == 12


def test_a_further_table_of_a_joint_survey_is_protected_beside_its_release(
    cast, tmp_path, capsys, django_capture_on_commit_callbacks
):
    """``ikoe indicators`` on a joint survey: a table beyond the standard ones (agency × gender)
    is protected beside everything the survey publishes, the rows across the Länder included."""
    path = write_csv(tmp_path / "gemeinsam.csv", joint_rows())
    with django_capture_on_commit_callbacks(execute=True):
        import_survey(path, name=NAME, year=2024)
    code, out, err = run_cli(
        ["indicators", "--survey", NAME, "--by", "agency,gender", "--json"], capsys
    )
    assert code == 0, err
    rows = {(r["agency"], r["gender"]): r for r in json.loads(out)}
    # By hand: B-AGY's 70 respondents are all women, 25 with a migration background.
    assert rows[("B-AGY", "w")]["status"] == "published"
    assert rows[("B-AGY", "w")]["share"] == pytest.approx(25 / 70)
    assert rows[("A-AGY", "w")]["share"] == pytest.approx(30 / 90)
