"""The synthetic demo survey of "Musterland (synthetisch)", calibrated on Berlin 2024."""

from __future__ import annotations

import polars as pl
import pytest

from ikoe.ingest import demo
from ikoe.ingest.survey import read_survey, read_totals
from ikoe.regions import LAENDER, REGION_NAMES
from ikoe.stats.definitions import derive_status


def mighev(data: pl.DataFrame) -> pl.Series:
    """The platform's own derivation: True / False / None (unknown)."""
    status = derive_status(data, "mighev_short")
    return status.replace_strict(
        {"yes": True, "no": False, "unknown": None}, return_dtype=pl.Boolean
    )


@pytest.fixture(scope="module")
def generated() -> demo.Demo:
    return demo.generate_demo()


def test_the_fictitious_land_has_a_code_no_real_region_uses_and_says_it_is_synthetic():
    organisations = demo.demo_organisations()
    land = organisations[0]
    assert (land.code, land.kind, land.parent) == ("DE-XX", "land", None)
    assert land.code not in LAENDER and land.code not in REGION_NAMES
    assert "synthetisch" in land.name
    assert all("synthetisch" in o.name for o in organisations)


def test_the_organisation_tree_has_six_ministries_and_twenty_five_agencies_under_the_land():
    organisations = demo.demo_organisations()
    kinds = [o.kind for o in organisations]
    assert (kinds.count("land"), kinds.count("ministry"), kinds.count("agency")) == (1, 6, 25)
    codes = [o.code for o in organisations]
    assert len(set(codes)) == len(codes)
    seen: set[str] = set()
    for o in organisations:  # parents come before their children
        assert o.parent is None or o.parent in seen
        seen.add(o.code)
    kind_of = {o.code: o.kind for o in organisations}
    parent_kinds = {(o.kind, kind_of.get(o.parent or "")) for o in organisations}
    assert parent_kinds == {("land", None), ("ministry", "land"), ("agency", "ministry")}
    assert demo.organisations_frame().columns == ["code", "name", "parent", "kind"]


def test_personnel_totals_add_up_to_berlins_staff_at_the_stated_scale(generated):
    totals = generated.totals
    assert totals.columns == ["organisation", "career_group", "gender", "headcount"]
    assert totals["headcount"].sum() == round(demo.BERLIN_STAFF * demo.SCALE) == 14_300
    assert totals["headcount"].min() > 0
    assert not totals.select("organisation", "career_group", "gender").is_duplicated().any()


def test_about_as_many_staff_answer_as_in_berlin(generated):
    rate = generated.respondents.height / generated.totals["headcount"].sum()
    assert rate == pytest.approx(demo.BERLIN_RESPONDENTS / demo.BERLIN_STAFF, abs=0.015)


def test_no_cell_has_more_respondents_than_staff(generated):
    # Respondents who state their career group and gender, against the personnel totals.
    counted = (
        generated.respondents.drop_nulls(["career_group", "gender"])
        .group_by("organisation", "career_group", "gender")
        .len()
        .join(generated.totals, on=["organisation", "career_group", "gender"], how="left")
    )
    assert counted["headcount"].null_count() == 0
    assert (counted["len"] <= counted["headcount"]).all()


def test_shares_by_career_group_match_berlins_published_figures(generated):
    data = generated.respondents.with_columns(status=mighev(generated.respondents))
    declared = data.drop_nulls("status")
    by_group = declared.group_by("career_group").agg(pl.col("status").mean(), pl.len())
    for group, share, n in by_group.drop_nulls("career_group").iter_rows():
        target = demo.BERLIN_SHARE_BY_CAREER_GROUP[group]
        assert abs(share - target) <= 0.5 / n + 1e-9, (group, share, target, n)
    assert declared["status"].mean() == pytest.approx(demo.BERLIN_SHARE_OVERALL, abs=0.002)


def test_the_raw_answers_decide_the_status_for_everyone_who_answered_them(generated):
    data = generated.respondents
    status = mighev(data)
    answered_block = data["german"].is_not_null()
    assert status.filter(answered_block).null_count() == 0
    assert status.filter(~answered_block).null_count() == (~answered_block).sum()
    skipped = (~answered_block).mean()
    assert skipped == pytest.approx(demo.NO_ANSWER_RATES["migration_block"], abs=0.02)


def test_the_raw_answers_are_consistent_with_each_other(generated):
    data = generated.respondents
    for prefix in ("", "mother_", "father_"):
        years = data.filter(pl.col(f"{prefix}born_abroad").fill_null(False))[
            f"{prefix}immigration_year"
        ]
        assert years.null_count() == 0
        assert years.min() >= 1950 and years.max() <= demo.REFERENCE_YEAR - 1
        not_abroad = data.filter(pl.col(f"{prefix}born_abroad").not_().fill_null(False))
        assert not_abroad[f"{prefix}immigration_year"].null_count() == not_abroad.height
    assert data.filter(pl.col("german").not_().fill_null(False))["german_since_birth"].not_().all()
    trainees = data.filter(pl.col("career_group") == "ausbildung")
    assert trainees["employment"].drop_nulls().unique().to_list() == ["ausbildung"]


def test_some_respondents_leave_items_unanswered(generated):
    nulls = generated.respondents.null_count().row(0, named=True)
    for item in (
        "career_group",
        "gender",
        "age_group",
        "leadership",
        "german",
        "mother_german_since_birth",
    ):
        assert nulls[item] > 0, item
    assert nulls["organisation"] == 0 and nulls["respondent_id"] == 0


def test_the_demo_is_reproducible_by_seed():
    first, again, other = demo.generate_demo(7), demo.generate_demo(7), demo.generate_demo(8)
    assert first.respondents.equals(again.respondents)
    assert first.totals.equals(again.totals)
    assert not first.respondents.equals(other.respondents)


def test_the_written_demo_files_read_back_unchanged(tmp_path, generated):
    paths = demo.write_demo(tmp_path)
    assert paths["survey"].read_bytes().startswith(b"\xef\xbb\xbf")
    codes = demo.organisation_codes()
    survey = read_survey(
        paths["survey"], organisation_codes=codes, current_year=demo.REFERENCE_YEAR
    )
    assert survey.data.equals(generated.respondents)
    assert survey.diagnostics.delimiter == ";"
    assert read_totals(paths["totals"], codes).equals(generated.totals)
    organisations = pl.read_csv(paths["organisations"], separator=";")
    assert organisations["code"].to_list() == codes
