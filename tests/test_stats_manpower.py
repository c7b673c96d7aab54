"""The Markov manpower model by career group (ikoe.stats.manpower): hand-computed cases, a
simulation of single persons, a loop written here, the stock-flow model as its one-group case,
and the estimation of promotion rates from the stocks of survey years."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from ikoe.stats.manpower import (
    CAREER_GROUPS,
    estimate_promotions,
    ladder,
    project_manpower,
)
from ikoe.stats.projection import workforce_trajectory

P_GROUP = [[0.75, 0.10], [0.0, 0.90]]
P_OTHER = [[0.70, 0.20], [0.0, 0.95]]


def test_two_career_groups_by_hand():
    years = project_manpower(
        [100, 50], [400, 150], P_GROUP, 2, [0.3, 0.5], promotion_other=P_OTHER, recruits=[150, 20]
    )
    # Year 1: lower m = 100·0.75 + 0.3·150 = 120, upper m = 100·0.10 + 50·0.90 + 0.5·20 = 65,
    # lower o = 400·0.70 + 0.7·150 = 385, upper o = 400·0.20 + 150·0.95 + 10 = 232.5.
    assert years[1].group == pytest.approx((120, 65))
    assert years[1].other == pytest.approx((385, 232.5))
    assert years[1].recruits == (150, 20) and years[1].group_recruits == pytest.approx((45, 10))
    assert years[1].shares == pytest.approx((120 / 505, 65 / 297.5))
    assert years[1].share == pytest.approx(185 / 802.5)
    # Year 2: m = (90 + 45, 12 + 58.5 + 10), o = (269.5 + 105, 77 + 220.875 + 10)
    assert years[2].group == pytest.approx((135, 80.5))
    assert years[2].other == pytest.approx((374.5, 307.875))
    assert years[0].recruits == (0.0, 0.0) and years[0].staff == (500, 200)


def test_keeping_or_growing_each_group_sets_the_recruits_by_hand():
    p = ladder([0.10, 0.20], [0.05])  # [[0.85, 0.05], [0, 0.80]]
    kept = project_manpower([100, 50], [400, 150], p, 1, [0.4, 0.2])[1]
    # lower: 500 − 425 = 75 recruits, 30 with a migration background; upper: 200 − 160 − 25 = 15
    assert kept.recruits == pytest.approx((75, 15))
    assert kept.group == pytest.approx((85 + 30, 40 + 5 + 3))
    assert kept.other == pytest.approx((340 + 45, 120 + 20 + 12))
    assert kept.staff == pytest.approx((500, 200))
    grown = project_manpower([100, 50], [400, 150], p, 1, [0.4, 0.2], growth=0.10)[1]
    assert grown.recruits == pytest.approx((550 - 425, 220 - 185))
    assert grown.staff == pytest.approx((550, 220))
    per_group = project_manpower([100, 50], [400, 150], p, 1, 0.4, growth=[0.0, 0.10])[1]
    assert per_group.staff == pytest.approx((500, 220))


@dataclass
class Person:
    migration_background: bool
    group: int


def simulate_persons(group, other, p_group, p_other, recruits, hiring, years):
    """Single persons, moved in whole numbers: of the n persons of a career group and
    background, n·P[i][j] go to group j (exactly whole numbers in this test), the rest leave;
    then the recruits join."""
    staff = [Person(True, g) for g, n in enumerate(group) for _ in range(n)]
    staff += [Person(False, g) for g, n in enumerate(other) for _ in range(n)]
    counts = []
    for _ in range(years):
        moved = []
        for background, p in ((True, p_group), (False, p_other)):
            for i in range(len(group)):
                cell = [x for x in staff if x.migration_background is background and x.group == i]
                start = 0
                for j, rate in enumerate(p[i]):
                    k = len(cell) * rate
                    assert abs(k - round(k)) < 1e-9, "whole persons in this test"
                    for _person in cell[start : start + round(k)]:
                        moved.append(Person(background, j))
                    start += round(k)
                # cell[start:] leave
        for j, (r, h) in enumerate(zip(recruits, hiring, strict=True)):
            k = r * h
            assert abs(k - round(k)) < 1e-9
            moved += [Person(True, j)] * round(k) + [Person(False, j)] * (r - round(k))
        staff = moved
        counts.append(
            (
                [sum(x.migration_background and x.group == j for x in staff) for j in range(3)],
                [sum(not x.migration_background and x.group == j for x in staff) for j in range(3)],
            )
        )
    return counts


def test_the_projection_equals_a_simulation_of_single_persons():
    p_group = [[0.7, 0.2, 0.0], [0.0, 0.8, 0.1], [0.0, 0.0, 0.9]]
    p_other = [[0.6, 0.3, 0.0], [0.0, 0.7, 0.2], [0.0, 0.0, 0.8]]
    group, other = [1000, 2000, 1000], [3000, 4000, 2000]
    recruits, hiring = [1000, 500, 200], [0.3, 0.2, 0.5]
    persons = simulate_persons(group, other, p_group, p_other, recruits, hiring, 3)
    years = project_manpower(
        group, other, p_group, 3, hiring, promotion_other=p_other, recruits=recruits
    )
    for (m, o), year in zip(persons, years[1:], strict=True):
        assert year.group == pytest.approx(m, abs=1e-9)
        assert year.other == pytest.approx(o, abs=1e-9)
    assert sum(persons[-1][0]) > 0 and persons[-1] != persons[0]


def test_the_projection_equals_a_loop_over_every_flow():
    k = len(CAREER_GROUPS)
    # stay, promoted one or two groups up; the rest leave
    p_group = [
        [0.80, 0.06, 0.01, 0.00],
        [0.00, 0.86, 0.04, 0.005],
        [0.00, 0.00, 0.90, 0.02],
        [0.00, 0.00, 0.00, 0.93],
    ]
    p_other = [
        [0.84, 0.05, 0.00, 0.00],
        [0.00, 0.88, 0.03, 0.00],
        [0.00, 0.00, 0.92, 0.025],
        [0.00, 0.00, 0.00, 0.95],
    ]
    group, other = [12.0, 240.0, 180.0, 60.0], [60.0, 1500.0, 1300.0, 640.0]
    growth, hiring = [-0.05, 0.0, 0.01, 0.02], [0.4, 0.3, 0.2, 0.1]
    years = project_manpower(
        group, other, p_group, 12, hiring, promotion_other=p_other, growth=growth
    )
    m, o = list(group), list(other)
    for year in years[1:]:
        new_m, new_o, recruits = [0.0] * k, [0.0] * k, [0.0] * k
        for i in range(k):
            for j in range(k):
                new_m[j] += m[i] * p_group[i][j]
                new_o[j] += o[i] * p_other[i][j]
        for j in range(k):
            recruits[j] = (m[j] + o[j]) * (1 + growth[j]) - new_m[j] - new_o[j]
            new_m[j] += hiring[j] * recruits[j]
            new_o[j] += (1 - hiring[j]) * recruits[j]
        m, o = new_m, new_o
        assert year.recruits == pytest.approx(recruits, rel=1e-12)
        assert year.group == pytest.approx(m, rel=1e-12)
        assert year.other == pytest.approx(o, rel=1e-12)
    assert years[-1].share == pytest.approx(sum(m) / (sum(m) + sum(o)))


@pytest.mark.parametrize(
    ("s_m", "s_o", "g", "h"), [(0.10, 0.05, 0.0, 0.3), (0.04, 0.07, 0.02, 0.6)]
)
def test_one_career_group_is_the_stock_flow_model(s_m, s_o, g, h):
    years = project_manpower(
        [120.0], [880.0], [[1 - s_m]], 15, h, promotion_other=[[1 - s_o]], growth=g
    )
    flows = workforce_trajectory(
        0.12, 15, 0.0, h, g, staff=1000, exit_rate_group=s_m, exit_rate_other=s_o
    )
    for year, flow in zip(years, flows, strict=True):
        assert year.group[0] == pytest.approx(flow.group, rel=1e-12)
        assert sum(year.staff) == pytest.approx(flow.staff, rel=1e-12)
        assert year.recruits[0] == pytest.approx(flow.hires, rel=1e-12, abs=1e-12)
        assert year.share == pytest.approx(flow.share, rel=1e-12)


def test_recruits_may_be_given_for_each_year():
    p = ladder([0.1, 0.1], [0.1])  # [[0.8, 0.1], [0, 0.9]]
    years = project_manpower([10, 0], [90, 0], p, 2, 0.5, recruits=[[10, 0], [0, 4]])
    assert years[1].recruits == (10, 0) and years[2].recruits == (0, 4)
    # year 1: m = (8 + 5, 1), o = (72 + 5, 9); year 2: m = (10.4, 1.3 + 0.9 + 2)
    assert years[1].group == pytest.approx((13, 1)) and years[1].other == pytest.approx((77, 9))
    assert years[2].group == pytest.approx((10.4, 4.2))
    assert years[2].other == pytest.approx((61.6, 7.7 + 8.1 + 2))


def test_empty_groups_have_no_share():
    year = project_manpower([0, 5], [0, 5], ladder([0.1, 0.1], [0.0]), 1, 0.5, recruits=[0, 1])[1]
    assert year.shares[0] is None and year.shares[1] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"promotion": [[0.9, 0.2], [0, 0.9]]}, "row 1 of the promotion matrix adds up to 1.1"),
        ({"promotion": [[0.9, -0.1], [0, 0.9]]}, "at least 0"),
        ({"promotion": [[0.9]]}, "2 rows of 2"),
        ({"hiring_share": 1.5}, "hiring share"),
        ({"recruits": [1, 2], "growth": 0.0}, "either the recruits or the growth"),
        ({"recruits": [[1, 2]]}, "one number per career group"),
        ({"growth": -1.0}, "above −100 %"),
        ({"years": 1.5}, "whole number"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    arguments = {"promotion": ladder([0.1, 0.1], [0.05]), "years": 3, "hiring_share": 0.3}
    arguments |= kwargs
    with pytest.raises(ValueError, match=message):
        project_manpower([10, 10], [90, 90], **arguments)


def test_a_group_that_cannot_keep_its_size_without_dismissals_is_named():
    with pytest.raises(ValueError, match="in year 1 career group 2 would need 90 fewer staff"):
        project_manpower([100, 50], [400, 150], ladder([0.10, 0.05], [0.20]), 1, 0.3)


# --- estimating the promotion rates ------------------------------------------------------


def test_the_estimate_by_hand_is_exact():
    e = estimate_promotions([[100, 50], [90, 67.5]], [[20, 0]], [0.10, 0.05])
    assert e.promotion_rates == pytest.approx((0.2,))
    assert np.allclose(e.residuals, 0.0, atol=1e-9)


def test_the_estimate_recovers_the_rates_that_made_the_stocks():
    exits, rates = [0.12, 0.06, 0.05, 0.04], [0.08, 0.05, 0.03]
    p = ladder(exits, rates)
    stocks, recruits = [np.array([50.0, 800.0, 600.0, 200.0])], []
    for r in ([20, 60, 40, 8], [15, 70, 35, 10], [10, 50, 45, 9]):
        recruits.append(r)
        stocks.append(stocks[-1] @ p + np.array(r, dtype=float))
    for years in (2, 4):  # two surveys are enough under the assumptions; more add equations
        e = estimate_promotions(stocks[:years], recruits[: years - 1], exits)
        assert e.promotion_rates == pytest.approx(rates, abs=1e-9)
        assert np.allclose(e.matrix, p)
        assert np.allclose(e.residuals, 0.0, atol=1e-7)
        assert e.at_bound == (False, False, False)


def test_the_estimate_with_noise_is_close_and_reports_the_residuals():
    exits, rates = [0.12, 0.06, 0.05, 0.04], [0.08, 0.05, 0.03]
    p = ladder(exits, rates)
    before = np.array([400.0, 800.0, 600.0, 200.0])
    recruits = np.array([60.0, 60.0, 40.0, 8.0])
    after = before @ p + recruits + np.array([1.0, -2.0, 1.5, 0.5])  # survey error
    e = estimate_promotions([before, after], [recruits], exits)
    assert e.promotion_rates == pytest.approx(rates, abs=0.01)
    assert max(abs(x) for x in e.residuals[0]) > 0.1


def test_stocks_no_promotion_can_explain_put_the_estimate_on_its_bound():
    # The upper group shrinks although nobody leaves it: no promotion rate ≥ 0 explains that.
    e = estimate_promotions([[100, 50], [100, 40]], [[10, 0]], [0.10, 0.0])
    assert e.promotion_rates == (0.0,) and e.at_bound == (True,)
    assert e.residuals[0][1] == pytest.approx(-10.0)


def test_an_empty_career_group_has_no_estimate():
    e = estimate_promotions([[0, 100, 50], [0, 90, 67.5]], [[0, 20, 0]], [0.1, 0.1, 0.05])
    assert e.promotion_rates[0] is None
    assert e.promotion_rates[1] == pytest.approx(0.2)
    assert e.matrix[0] == pytest.approx((0.9, 0.0, 0.0))


def test_one_survey_year_is_not_enough():
    with pytest.raises(ValueError, match="at least two years"):
        estimate_promotions([[100, 50]], [], [0.1, 0.1])
    with pytest.raises(ValueError, match="between every two years"):
        estimate_promotions([[100, 50], [90, 60]], [], [0.1, 0.1])
