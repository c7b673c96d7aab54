"""Targets and promotion plans as data: versions and their history, the constraints, the scope
of who reads and changes them, setting all agencies to the benchmark, the forms' checks, and the
straight path and judgement of the board (docs/targets.md)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import translation

from ikoe.accounts.models import Role
from ikoe.benchmarks.models import Benchmark
from ikoe.benchmarks.services import load_reference_data
from ikoe.organisations.models import Organisation
from ikoe.stats.projection import Requirement
from ikoe.targets.board import (
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    Row,
    sort_rows,
    straight_path,
)
from ikoe.targets.forms import BulkTargetForm, PromotionPlanForm, TargetForm, parse_percent
from ikoe.targets.models import PromotionPlan, Target
from ikoe.targets.services import (
    Assumptions,
    Baseline,
    comparable_definition,
    default_benchmark,
    land_benchmarks,
    land_coordinated,
    missing_targets,
    remove_target,
    set_all_to_benchmark,
    set_target,
)

pytestmark = pytest.mark.django_db


def target(cast, code: str, share: float = 0.3, **kwargs) -> Target:
    values = {"deadline": 2030, "definition": "mighev_short", **kwargs}
    return set_target(cast.orgs[code], cast.users["coordinator_a"], share=share, **values)


# ---------------------------------------------------------------------------------------------
# Versions


def test_setting_a_target_again_adds_a_version_and_keeps_the_old_one(cast):
    first = target(cast, "A-AGY", 0.30, note="erste Fassung")
    second = target(
        cast,
        "A-AGY",
        0.35,
        assumptions=Assumptions(exit_rate=0.05, growth=0.01, hiring_share=0.4, note="PS 2023"),
        baseline=Baseline(0.25, 2024, "Befragung 2024"),
    )
    first.refresh_from_db()
    assert (first.current, second.current) == (False, True)
    assert list(Target.objects.in_force()) == [second]
    assert list(Target.objects.filter(organisation__code="A-AGY").order_by("-set_at", "-pk")) == [
        second,
        first,
    ]
    assert (second.exit_rate, second.growth, second.hiring_share) == (0.05, 0.01, 0.4)
    assert second.assumptions_note == "PS 2023" and second.has_assumptions
    assert (second.baseline_share, second.baseline_year) == (0.25, 2024)
    assert second.set_by_name == "coordinator_a" and first.note == "erste Fassung"


def test_a_target_taken_back_leaves_a_version_that_says_so(cast):
    target(cast, "A-AGY")
    removed = remove_target(cast.orgs["A-AGY"], cast.users["coordinator_a"], "Umbau")
    assert removed is not None and removed.removed and removed.current and removed.share is None
    assert not Target.objects.in_force().exists()
    assert Target.objects.filter(organisation__code="A-AGY").count() == 2
    assert remove_target(cast.orgs["A-AGY"], cast.users["coordinator_a"]) is None
    # set again: in force once more
    target(cast, "A-AGY", 0.4)
    assert Target.objects.in_force().get().share == 0.4


def test_the_database_keeps_one_version_in_force_and_shares_within_0_and_1(cast):
    target(cast, "A-AGY")
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(organisation=cast.orgs["A-AGY"], share=0.2, deadline=2030)
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(organisation=cast.orgs["A-AGY2"], share=1.5, deadline=2030)
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(organisation=cast.orgs["A-AGY2"], share=0.0, deadline=2030)
    with pytest.raises(ValueError):
        target(cast, "A-AGY2", 0.0)


def test_a_promotion_plan_keeps_its_period_in_order(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        PromotionPlan.objects.create(
            organisation=cast.orgs["A-AGY"], period_start=2028, period_end=2025, goals="x"
        )


# ---------------------------------------------------------------------------------------------
# Benchmarks and all agencies at once


def test_the_default_target_is_the_lands_newest_population_share(cast):
    load_reference_data()
    berlin = land_benchmarks(cast.orgs["DE-BE"])
    assert [(b.year, b.value, b.definition) for b in berlin] == [
        (2023, 39.4, "migrationshintergrund_weiterer_sinn"),
        (2018, 31.6, "migrationshintergrund_engerer_sinn"),
    ]
    assert default_benchmark(cast.orgs["DE-BE"]) == berlin[0]
    # the survey definition that draws the same line as the Mikrozensus in the broad sense
    assert comparable_definition(berlin[0]) == "mikrozensus_wide"
    assert comparable_definition(berlin[1]) == "mighev_short"  # none draws the narrow line
    assert comparable_definition(None) == "mighev_short"
    # a Land without population figures has no default
    other = Organisation.objects.create(code="DE-XX", name="Musterland", kind="land")
    assert default_benchmark(other) is None


def test_all_agencies_get_the_benchmark_and_only_missing_keeps_the_targets_set_before(cast):
    load_reference_data()
    land = cast.orgs["DE-BE"]
    berlin = default_benchmark(land)
    assert berlin is not None
    target(cast, "A-AGY", 0.25)
    assert missing_targets(land) == 1 and missing_targets(cast.orgs["DE-HH"]) == 1
    agencies = [cast.orgs["A-AGY"], cast.orgs["A-AGY2"]]
    user = cast.users["coordinator_a"]
    kw = {"benchmark": berlin, "deadline": 2030, "definition": "mikrozensus_wide"}
    assert set_all_to_benchmark(agencies, user, **kw) == 1
    shares = dict(Target.objects.in_force().values_list("organisation__code", "share"))
    assert shares == {"A-AGY": 0.25, "A-AGY2": pytest.approx(0.394)}
    made = Target.objects.in_force().get(organisation__code="A-AGY2")
    assert made.source == "benchmark" and made.benchmark == berlin
    with translation.override("de"):
        assert set_all_to_benchmark(agencies, user, **kw, only_missing=False) == 2
    made = Target.objects.in_force().get(organisation__code="A-AGY")
    assert made.share == pytest.approx(0.394)
    assert made.benchmark_text == (
        "Berlin 2023, Migrationshintergrund im weiteren Sinn (Mikrozensus): 39,4 %"
    )
    assert missing_targets(land) == 0
    # the text stays when the reference data are replaced
    Benchmark.objects.all().delete()
    made.refresh_from_db()
    assert made.benchmark is None and made.benchmark_text.endswith("39,4 %")


def test_the_home_task_goes_to_the_coordinators_of_a_land(cast):
    assert land_coordinated(cast.users["coordinator_a"]) == [cast.orgs["DE-BE"]]
    for name in ("federal_coordinator", "data_steward_a", "editor_a", "viewer_b"):
        assert land_coordinated(cast.users[name]) == [], name


# ---------------------------------------------------------------------------------------------
# Scope


def codes(qs) -> set[str]:  # type: ignore[no-untyped-def]
    return {t.organisation.code for t in qs}


def test_targets_are_read_within_the_land_and_the_agency_and_never_by_the_public(cast):
    for code in ("DE-BE", "A-MIN", "A-AGY", "A-AGY2", "B-AGY", "A-UNIT"):
        target(cast, code)
    everything = {"DE-BE", "A-MIN", "A-AGY", "A-AGY2", "A-UNIT"}
    users = cast.users
    assert codes(Target.objects.visible_to(users["coordinator_a"])) == everything
    assert codes(Target.objects.visible_to(users["data_steward_a"])) == everything
    # limited to A-AGY: the agency and its unit, not the Land, the ministry or A-AGY2
    assert codes(Target.objects.visible_to(users["editor_a"])) == {"A-AGY", "A-UNIT"}
    assert codes(Target.objects.visible_to(users["agency_viewer_a"])) == {"A-AGY", "A-UNIT"}
    assert codes(Target.objects.visible_to(users["viewer_b"])) == {"B-AGY"}
    assert codes(Target.objects.visible_to(users["federal_coordinator"])) == everything | {"B-AGY"}
    assert not Target.objects.visible_to(AnonymousUser()).exists()
    # changing needs the coordinator's role
    assert codes(Target.objects.visible_to(users["coordinator_a"], Role.COORDINATOR)) == everything
    assert not Target.objects.visible_to(users["data_steward_a"], Role.COORDINATOR).exists()


def test_promotion_plans_are_kept_by_editors_of_the_agency_or_the_land(cast):
    for code in ("A-AGY", "A-AGY2", "A-MIN", "B-AGY"):
        PromotionPlan.objects.create(
            organisation=cast.orgs[code], period_start=2025, period_end=2028, goals="x"
        )
    users = cast.users

    def plans(user, role=None):  # type: ignore[no-untyped-def]
        return codes(PromotionPlan.objects.visible_to(user, role))

    assert plans(users["editor_a"]) == {"A-AGY"}
    assert plans(users["editor_a"], Role.EDITOR) == {"A-AGY"}
    assert plans(users["agency_viewer_a"]) == {"A-AGY"}
    assert plans(users["agency_viewer_a"], Role.EDITOR) == set()
    assert plans(users["coordinator_a"]) == {"A-AGY", "A-AGY2", "A-MIN"}
    assert plans(users["coordinator_a"], Role.EDITOR) == {"A-AGY", "A-AGY2", "A-MIN"}
    assert plans(users["viewer_b"]) == {"B-AGY"} and plans(users["viewer_b"], Role.EDITOR) == set()
    assert plans(AnonymousUser()) == set()


# ---------------------------------------------------------------------------------------------
# Forms


def target_form(year: int = 2026, benchmarks=(), **values: str) -> TargetForm:
    data = {"choice": "own", "own_share": "25,5", "deadline": "2030", "definition": "mighev_short"}
    data.update(values)
    return TargetForm(data, benchmarks=list(benchmarks), year=year)


def test_percentages_are_read_as_people_write_them():
    assert parse_percent("25,5") == 25.5 and parse_percent("25.5%") == 25.5
    assert parse_percent("\u22122") == -2.0 and parse_percent("1.234,5") is None
    form = target_form(
        own_share="12,5 %", exit_rate="4", growth="-1,5", hiring_share="30", assumptions_note="PS"
    )
    assert form.is_valid(), form.errors
    assert form.share == 0.125
    a = form.assumptions()
    assert (a.exit_rate, a.growth, a.hiring_share, a.note) == (0.04, -0.015, 0.3, "PS")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"own_share": "0"},
            "own_share",
            "Enter a percentage above 0 and at most 100, such as 25.5.",
        ),
        (
            {"exit_rate": "100", "assumptions_note": "x"},
            "exit_rate",
            "Enter a percentage above 0 and below 100, such as 5.0.",
        ),
        (
            {"growth": "60", "exit_rate": "5", "assumptions_note": "x"},
            "growth",
            "Enter a percentage from -50 to 50, such as 1.0.",
        ),
        (
            {"hiring_share": "-1", "exit_rate": "5", "assumptions_note": "x"},
            "hiring_share",
            "Enter a percentage from 0 to 100, such as 20.0.",
        ),
        (
            {"deadline": "2077"},
            "deadline",
            "The deadline is a year from 2026 to 2076, such as 2031.",
        ),
        ({"choice": "b999"}, "choice", "Choose one of the benchmarks in the list or an own share."),
        (
            {"growth": "1", "assumptions_note": "x"},
            "exit_rate",
            "The projection needs the exit rate when growth or a hiring share is entered.",
        ),
    ],
)
def test_the_target_form_names_what_it_expects(values, field, message):
    with translation.override("en"):
        form = target_form(**values)
        assert not form.is_valid()
        assert form.errors[field] == [message]


def test_the_bulk_form_checks_the_same_assumptions(cast):
    load_reference_data()
    berlin = default_benchmark(cast.orgs["DE-BE"])
    assert berlin is not None
    data = {
        "benchmark": str(berlin.pk),
        "deadline": "2030",
        "definition": "mighev_short",
        "which": "all",
    }
    form = BulkTargetForm({**data, "exit_rate": "5"}, benchmarks=[berlin], year=2026)
    assert not form.is_valid() and "assumptions_note" in form.errors
    form = BulkTargetForm(
        {**data, "exit_rate": "5", "assumptions_note": "PS"}, benchmarks=[berlin], year=2026
    )
    assert form.is_valid(), form.errors
    assert form.chosen == berlin and form.assumptions().exit_rate == 0.05


def test_the_plan_form_refuses_a_period_that_overlaps_another_plan_but_not_its_own(cast):
    org = cast.orgs["A-AGY"]
    plan = PromotionPlan.objects.create(
        organisation=org, period_start=2025, period_end=2028, goals="x", responsible="P"
    )
    data = {
        "period_start": "2026",
        "period_end": "2029",
        "goals": "y",
        "responsible": "P",
        "status": "draft",
    }
    with translation.override("en"):
        clash = PromotionPlanForm(data, organisation=org)
        assert not clash.is_valid()
        assert clash.errors["period_start"] == [
            "Agency A has a promotion plan for 2025–2028 already; the periods of two plans must not overlap."
        ]
    assert PromotionPlanForm(data, instance=plan, organisation=org).is_valid()
    # another organisation's plan is no clash
    assert PromotionPlanForm(data, organisation=cast.orgs["A-AGY2"]).is_valid()


# ---------------------------------------------------------------------------------------------
# The straight path, the judgement and the order of the board


def test_the_straight_path_runs_from_the_baseline_to_the_target():
    assert straight_path(0.10, 2020, 0.20, 2030, 2020) == 0.10
    assert straight_path(0.10, 2020, 0.20, 2030, 2024) == pytest.approx(0.14)
    assert straight_path(0.10, 2020, 0.20, 2030, 2030) == 0.20
    assert straight_path(0.10, 2020, 0.20, 2030, 2035) == 0.20
    assert straight_path(0.30, 2020, 0.20, 2030, 2025) == pytest.approx(0.25)  # downwards too


def row(cast, code: str, share: float | None, goal: float | None, status: str = NO_DATA) -> Row:
    org = Organisation.objects.get(code=code)
    r = Row(org, cast.orgs["A-MIN"], None, status=status)
    if goal is not None:
        r.target = Target(organisation=org, share=goal, deadline=2030)
    if share is not None:
        from ikoe.surveys.models import IndicatorCell

        r.cell = IndicatorCell(share=share, status="published")
    return r


def test_the_board_sorts_with_missing_values_last_in_either_direction(cast):
    Organisation.objects.create(
        code="A-AGY3", name="Agency A3", kind="agency", parent=cast.orgs["A-MIN"]
    )
    rows = [
        row(cast, "A-AGY", 0.30, 0.40, ON_TRACK),
        row(cast, "A-AGY2", None, 0.35, NO_DATA),
        row(cast, "A-AGY3", 0.20, None, OFF_TRACK),
    ]
    names = lambda rs: [r.organisation.code for r in rs]  # noqa: E731
    assert names(sort_rows(rows, "share")) == ["A-AGY3", "A-AGY", "A-AGY2"]
    assert names(sort_rows(rows, "-share")) == ["A-AGY", "A-AGY3", "A-AGY2"]
    assert names(sort_rows(rows, "target")) == ["A-AGY2", "A-AGY", "A-AGY3"]
    assert names(sort_rows(rows, "-target")) == ["A-AGY", "A-AGY2", "A-AGY3"]
    assert names(sort_rows(rows, "status")) == ["A-AGY3", "A-AGY", "A-AGY2"]  # not on track first
    assert names(sort_rows(rows, "organisation")) == ["A-AGY", "A-AGY2", "A-AGY3"]
    assert names(sort_rows(rows, "-organisation")) == ["A-AGY3", "A-AGY2", "A-AGY"]
    rows[0].requirement = Requirement("feasible", 0.5)
    rows[2].requirement = Requirement("impossible", None)
    rows[1].requirement = Requirement("reached", None)
    assert names(sort_rows(rows, "required")) == ["A-AGY2", "A-AGY", "A-AGY3"]


def test_a_suppressed_cell_gives_its_symbol_and_no_share(cast):
    from ikoe.surveys.models import IndicatorCell

    r = Row(cast.orgs["A-AGY"], None, None)
    assert (r.share, r.symbol) == (None, "–")
    r.cell = IndicatorCell(share=None, status="primary", symbol="/")
    assert (r.share, r.symbol) == (None, "/")
    r.cell = IndicatorCell(share=0.2, status="secondary", symbol="")
    assert (r.share, r.symbol) == (None, ".")  # never a number of a cell that is not published
