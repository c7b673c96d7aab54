"""The stock-flow projection (ikoe.stats.projection): hand-computed cases, the closed forms
against the year-by-year recursion, separate exit rates against a simulation of the stocks
written here, infeasible targets and why, edge cases."""

from __future__ import annotations

import inspect
import math

import pytest
from scipy.optimize import brentq

from ikoe.stats.projection import (
    Requirement,
    required_hiring_share,
    retention,
    share_after,
    steady_state,
    trajectory,
    workforce_trajectory,
    years_to_target,
)


def simulate(share, years, s_m, s_o, h, g=0.0, staff=10_000.0):
    """The stocks year by year, written out afresh: staff with (M) and without (O) a migration
    background; the hires fill what the growth needs and the leavers leave."""
    m, o = share * staff, (1 - share) * staff
    shares = [m / (m + o)]
    for _ in range(years):
        leaving_m, leaving_o = m * s_m, o * s_o
        posts = (m + o) * (1 + g)
        hires = posts - (m - leaving_m) - (o - leaving_o)
        assert hires >= -1e-9, "the simulation needs no dismissals"
        m = m - leaving_m + h * hires
        o = o - leaving_o + (1 - h) * hires
        shares.append(m / (m + o))
    return shares


# --- one exit rate -----------------------------------------------------------------------


def test_the_example_of_the_methodology_takes_34_92_percent_of_the_hires():
    need = required_hiring_share(0.10, 0.20, 10, 0.05)
    assert need.status == "feasible" and need.feasible
    assert need.share == pytest.approx(0.140126 / 0.401263, abs=1e-6)
    assert round(need.share * 100, 2) == 34.92
    path = trajectory(0.10, 10, 0.05, need.share)
    assert path[10] == pytest.approx(0.20, abs=1e-12)
    assert all(p < 0.20 for p in path[:10])  # reached in year 10, not before
    assert years_to_target(0.10, 0.20, 0.05, need.share) == pytest.approx(10.0, abs=1e-9)


def test_a_hand_computed_trajectory_with_growth():
    # r = 0.95/1.05; p1 = r·0.2 + (1 − r)·0.5 = 0.2 + (1 − r)·0.3 = 0.2 + 0.3·0.1/1.05
    path = trajectory(0.20, 2, 0.05, 0.50, 0.05)
    assert path[1] == pytest.approx(0.2 + 0.03 / 1.05, abs=1e-15)
    r = 0.95 / 1.05
    assert path[2] == pytest.approx(r * path[1] + (1 - r) * 0.5, abs=1e-15)


@pytest.mark.parametrize(
    ("s", "g"),
    [(s, g) for s in (0.0, 0.03, 0.05, 0.2) for g in (-0.02, 0.0, 0.04) if g >= -s],
)
@pytest.mark.parametrize("h", [0.0, 0.1, 0.35, 1.0])
def test_the_closed_form_equals_the_recursion_and_the_simulation(s, g, h):
    path = trajectory(0.12, 15, s, h, g)
    for t in (0, 1, 7, 15):
        assert share_after(0.12, t, s, h, g) == pytest.approx(path[t], abs=1e-12)
    assert simulate(0.12, 15, s, s, h, g) == pytest.approx(path, abs=1e-12)


def test_the_required_share_after_one_year():
    # T = 1: h* = (p* − p₀·r)/(1 − r) = (0.11 − 0.095)/0.05 = 0.3
    need = required_hiring_share(0.10, 0.11, 1, 0.05)
    assert need.share == pytest.approx(0.3, abs=1e-12)


def test_hiring_at_the_current_share_keeps_it():
    assert trajectory(0.15, 5, 0.05, 0.15, 0.02) == pytest.approx([0.15] * 6, abs=1e-15)
    assert years_to_target(0.15, 0.20, 0.05, 0.15) is None


def test_a_target_at_the_current_share_is_reached():
    need = required_hiring_share(0.2, 0.2, 10, 0.05)
    assert need == Requirement("reached", None) and need.feasible and need.reason is None
    assert years_to_target(0.2, 0.2, 0.05, 0.1) == 0.0


def test_without_exits_only_growth_brings_hires():
    # s = 0, g = 10 %: r = 1/1.1; the hires are the new posts.
    assert retention(0.0, 0.10) == pytest.approx(1 / 1.1)
    path = trajectory(0.10, 1, 0.0, 0.50, 0.10)
    assert path[1] == pytest.approx((10 + 0.5 * 10) / 110, abs=1e-15)
    need = required_hiring_share(0.10, 0.20, 5, 0.0, 0.10)
    assert share_after(0.10, 5, 0.0, need.share, 0.10) == pytest.approx(0.20, abs=1e-12)


def test_a_shrinking_workforce_hires_only_what_the_exits_leave():
    # 5 % leave, 2 % fewer posts: hires are 3 % of this year's staff, r = 0.95/0.98.
    path = trajectory(0.10, 1, 0.05, 1.0, -0.02)
    assert path[1] == pytest.approx((9.5 + 3) / 98 * 1, abs=1e-12)
    assert simulate(0.10, 8, 0.05, 0.05, 0.4, -0.02) == pytest.approx(
        trajectory(0.10, 8, 0.05, 0.4, -0.02), abs=1e-12
    )


def test_shrinking_as_fast_as_the_staff_leave_hires_nobody():
    need = required_hiring_share(0.10, 0.20, 10, 0.05, -0.05)
    assert (need.status, need.share, need.reason, need.reachable) == (
        "impossible",
        None,
        "no_hires",
        0.10,
    )
    assert trajectory(0.10, 3, 0.05, 0.9, -0.05) == pytest.approx([0.10] * 4)


def test_shrinking_faster_than_the_staff_leave_is_refused():
    with pytest.raises(ValueError, match="without dismissals"):
        required_hiring_share(0.10, 0.20, 10, 0.05, -0.06)
    with pytest.raises(ValueError, match="without dismissals"):
        trajectory(0.10, 3, 0.05, 0.5, -0.06)


def test_more_than_every_hire_is_impossible_and_says_how_far_every_hire_gets():
    need = required_hiring_share(0.10, 0.60, 5, 0.05)
    rt = 0.95**5
    assert need.status == "impossible" and need.reason == "above_all_hires"
    assert need.share == pytest.approx((0.60 - 0.10 * rt) / (1 - rt))
    assert need.share > 1
    assert need.reachable == pytest.approx(share_after(0.10, 5, 0.05, 1.0))
    assert not need.feasible


def test_more_than_the_pool_supplies_says_how_far_the_pool_gets():
    need = required_hiring_share(0.10, 0.20, 10, 0.05, pool=0.30)
    assert need.status == "above_pool" and need.reason == "above_pool" and not need.feasible
    assert need.reachable == pytest.approx(share_after(0.10, 10, 0.05, 0.30))
    assert required_hiring_share(0.10, 0.20, 10, 0.05, pool=0.35).status == "feasible"


def test_bad_values_are_refused():
    for call in (
        lambda: required_hiring_share(1.2, 0.2, 10, 0.05),
        lambda: required_hiring_share(0.1, 0.2, 10, -0.05),
        lambda: required_hiring_share(0.1, 0.2, 0, 0.05),
        lambda: trajectory(0.1, -1, 0.05, 0.3),
        lambda: trajectory(0.1, 3, 0.05, math.nan),
        lambda: retention(0.05, -1.0),
    ):
        with pytest.raises(ValueError):
            call()


def test_the_signatures_the_other_apps_use_are_kept():
    """The targets board and the scenario page call these by position and name."""
    first = {
        retention: ["exit_rate", "growth"],
        share_after: ["share", "years", "exit_rate", "hiring_share", "growth"],
        trajectory: ["share", "years", "exit_rate", "hiring_share", "growth"],
        required_hiring_share: ["share", "target", "years", "exit_rate", "growth", "pool"],
        years_to_target: ["share", "target", "exit_rate", "hiring_share", "growth"],
        steady_state: ["hiring_share"],
    }
    for function, names in first.items():
        parameters = list(inspect.signature(function).parameters.values())
        assert [p.name for p in parameters[: len(names)]] == names, function.__name__
        # everything added since is keyword-only with a default
        for p in parameters[len(names) :]:
            assert p.kind is p.KEYWORD_ONLY and p.default is not p.empty, (function, p.name)


# --- separate exit rates -----------------------------------------------------------------

CASES = [
    # share, s_m, s_o, g, h
    (0.10, 0.10, 0.05, 0.0, 0.30),
    (0.10, 0.03, 0.06, 0.02, 0.25),
    (0.30, 0.08, 0.04, -0.03, 0.50),
    (0.05, 0.12, 0.02, 0.01, 0.90),
    (0.20, 0.0, 0.05, 0.0, 0.40),
]


@pytest.mark.parametrize(("p0", "s_m", "s_o", "g", "h"), CASES)
def test_separate_rates_the_closed_form_the_recursion_and_the_simulation_agree(p0, s_m, s_o, g, h):
    path = trajectory(p0, 20, 0.5, h, g, exit_rate_group=s_m, exit_rate_other=s_o)
    assert simulate(p0, 20, s_m, s_o, h, g) == pytest.approx(path, abs=1e-12)
    for t in (0, 1, 2, 9, 20):
        closed = share_after(p0, t, 0.5, h, g, exit_rate_group=s_m, exit_rate_other=s_o)
        assert closed == pytest.approx(path[t], abs=1e-12)


def test_separate_rates_by_hand():
    # 10 % with a migration background leave 10 %, the others 5 %, 30 % of hires: of 1,000
    # staff, 10 + 45 leave, 55 are hired, 16.5 of them with a migration background.
    years = workforce_trajectory(0.10, 2, 0.05, 0.30, staff=1000, exit_rate_group=0.10)
    assert years[1].hires == pytest.approx(55.0) and years[1].group == pytest.approx(106.5)
    # Year 2: 10.65 + 0.05·893.5 = 55.325 leave; M₂ = 95.85 + 0.3·55.325 = 112.4475
    assert years[2].hires == pytest.approx(55.325)
    assert years[2].group == pytest.approx(112.4475)
    assert years[2].share == pytest.approx(0.1124475)


def test_the_stock_after_t_years_is_not_linear_in_the_hiring_share():
    """Who is hired changes who leaves next year: M_T is a polynomial in h of degree T."""

    def m2(h):
        return workforce_trajectory(0.5, 2, 0.0, h, exit_rate_group=0.2)[-1].group

    assert m2(0.5) - (m2(0.0) + m2(1.0)) / 2 == pytest.approx(0.02 * (0.25 - 0.5))  # 0.02·h²
    # With one rate it is linear: the hires do not depend on h.
    lin = [workforce_trajectory(0.5, 2, 0.2, h)[-1].group for h in (0.0, 0.5, 1.0)]
    assert lin[1] == pytest.approx((lin[0] + lin[2]) / 2, abs=1e-15)


@pytest.mark.parametrize(("p0", "s_m", "s_o", "g", "_h"), CASES)
@pytest.mark.parametrize("years", [1, 3, 10])
def test_the_required_share_reaches_the_target_in_the_simulation(p0, s_m, s_o, g, _h, years):
    target = p0 + 0.037
    need = required_hiring_share(
        p0, target, years, 0.5, g, exit_rate_group=s_m, exit_rate_other=s_o
    )
    best = simulate(p0, years, s_m, s_o, 1.0, g)[-1]
    if best < target:
        assert need.status == "impossible" and need.reason == "above_all_hires"
        assert need.share is None and need.reachable == pytest.approx(best, abs=1e-12)
        return
    assert need.status == "feasible"
    assert simulate(p0, years, s_m, s_o, need.share, g)[-1] == pytest.approx(target, abs=1e-10)
    # the same root, found independently by Brent's method on the simulation
    root = brentq(lambda h: simulate(p0, years, s_m, s_o, h, g)[-1] - target, 0.0, 1.0, xtol=1e-14)
    assert need.share == pytest.approx(root, abs=1e-9)


def test_the_share_after_t_years_increases_with_the_hiring_share():
    shares = [
        share_after(0.1, 8, 0.05, h / 20, 0.01, exit_rate_group=0.12, exit_rate_other=0.04)
        for h in range(21)
    ]
    assert all(a < b for a, b in zip(shares, shares[1:], strict=False))


def test_one_year_with_separate_rates_has_a_closed_form():
    # h* = (p*(1 + g) − p₀(1 − s_m))/(g + p₀·s_m + (1 − p₀)·s_o) = (0.1133 − 0.092)/0.065
    need = required_hiring_share(
        0.10, 0.11, 1, 0.0, 0.03, exit_rate_group=0.08, exit_rate_other=0.03
    )
    assert need.share == pytest.approx((0.11 * 1.03 - 0.10 * 0.92) / (0.03 + 0.008 + 0.027))


def test_equal_separate_rates_give_the_one_rate_answers():
    one = required_hiring_share(0.10, 0.20, 10, 0.05, 0.01)
    two = required_hiring_share(
        0.10, 0.20, 10, 0.9, 0.01, exit_rate_group=0.05, exit_rate_other=0.05
    )
    assert two.share == one.share
    assert steady_state(0.3, exit_rate_group=0.07, exit_rate_other=0.07, growth=0.02) == 0.3
    # each rate defaults to exit_rate
    assert trajectory(0.1, 4, 0.05, 0.3, exit_rate_group=0.05) == trajectory(0.1, 4, 0.05, 0.3)


def test_a_higher_exit_rate_of_the_group_needs_a_higher_hiring_share():
    one = required_hiring_share(0.10, 0.20, 10, 0.05).share
    more = required_hiring_share(0.10, 0.20, 10, 0.05, exit_rate_group=0.08).share
    fewer = required_hiring_share(0.10, 0.20, 10, 0.05, exit_rate_group=0.03).share
    assert fewer < one < more


@pytest.mark.parametrize(("p0", "s_m", "s_o", "g", "h"), CASES)
def test_the_steady_state_is_where_the_simulation_goes(p0, s_m, s_o, g, h):
    steady = steady_state(h, growth=g, exit_rate_group=s_m, exit_rate_other=s_o)
    assert simulate(p0, 2000, s_m, s_o, h, g)[-1] == pytest.approx(steady, abs=1e-9)
    if g == 0.0:  # the formula of DOMAIN.md
        assert steady == pytest.approx(h * s_o / (h * s_o + (1 - h) * s_m))


def test_the_group_that_leaves_more_stays_below_the_hiring_share():
    assert steady_state(0.5, exit_rate_group=0.10, exit_rate_other=0.05) == pytest.approx(1 / 3)
    assert steady_state(0.5, exit_rate_group=0.05, exit_rate_other=0.10) == pytest.approx(2 / 3)


def test_a_share_that_does_not_move_has_no_steady_state():
    # Others never leave, nobody grows, every hire has a migration background: the hires only
    # replace the group's leavers and the share stays where it is.
    with pytest.raises(ValueError, match="no steady state"):
        steady_state(1.0, exit_rate_group=0.1, exit_rate_other=0.0)
    assert trajectory(0.3, 5, 0.0, 1.0, exit_rate_group=0.1) == pytest.approx([0.3] * 6)
    need = required_hiring_share(0.3, 0.4, 5, 0.0, exit_rate_group=0.1)
    assert (need.status, need.reason) == ("impossible", "above_all_hires")
    assert need.reachable == pytest.approx(0.3)


@pytest.mark.parametrize(("p0", "s_m", "s_o", "g", "h"), CASES)
def test_years_to_target_is_the_first_year_of_the_trajectory_at_the_target(p0, s_m, s_o, g, h):
    steady = steady_state(h, growth=g, exit_rate_group=s_m, exit_rate_other=s_o)
    target = p0 + 0.8 * (steady - p0)
    years = years_to_target(p0, target, 0.5, h, g, exit_rate_group=s_m, exit_rate_other=s_o)
    if steady <= p0:
        assert years == 0.0 if p0 >= target else years is None
        return
    path = simulate(p0, math.ceil(years) + 1, s_m, s_o, h, g)
    first = next(t for t, p in enumerate(path) if p >= target - 1e-12)
    assert first == math.ceil(years - 1e-9)
    # the fraction solves the closed form at a fractional time: α^T = (p∞ − p*)/(p∞ − p₀)
    assert steady + (p0 - steady) * ((path[1] - steady) / (p0 - steady)) ** years == pytest.approx(
        target, abs=1e-12
    )
    if steady < 1.0 - 1e-6:  # a target above the steady state is never reached
        beyond = years_to_target(
            p0, steady + 1e-6, 0.5, h, g, exit_rate_group=s_m, exit_rate_other=s_o
        )
        assert beyond is None


def test_dismissals_are_refused_with_the_year_in_which_they_would_come():
    with pytest.raises(ValueError, match="in year 3 the workforce shrinks by more than its staff"):
        trajectory(0.4, 3, 0.02, 0.0, -0.05, exit_rate_group=0.10)
    # the first two years are fine
    assert len(trajectory(0.4, 2, 0.02, 0.0, -0.05, exit_rate_group=0.10)) == 3
    with pytest.raises(ValueError, match="the lower rate"):
        required_hiring_share(0.4, 0.5, 3, 0.02, -0.05, exit_rate_group=0.10)
    with pytest.raises(ValueError, match="dismissals"):
        share_after(0.4, 3, 0.02, 0.0, -0.05, exit_rate_group=0.10)


def test_separate_rates_need_both_rates_for_the_steady_state():
    with pytest.raises(ValueError, match="both"):
        steady_state(0.3, exit_rate_group=0.1)
    assert steady_state(0.3, exit_rate=0.05, exit_rate_group=0.1) == pytest.approx(
        0.3 * 0.05 / (0.3 * 0.05 + 0.7 * 0.1)
    )


def test_the_closed_forms_take_fractional_years_as_before():
    assert share_after(0.1, 2.5, 0.05, 0.3) == pytest.approx(0.3 - 0.2 * 0.95**2.5, abs=1e-15)
    assert required_hiring_share(0.1, 0.2, 10.0, 0.05).share == pytest.approx(
        required_hiring_share(0.1, 0.2, 10, 0.05).share, abs=0
    )
    # at the fractional years to target the closed form is at the target
    t = years_to_target(0.1, 0.2, 0.05, 0.4)
    assert share_after(0.1, t, 0.05, 0.4) == pytest.approx(0.2, abs=1e-12)
    with pytest.raises(ValueError):
        trajectory(0.1, 2.5, 0.05, 0.3)  # a trajectory has whole years
