"""Barrier analysis (ikoe.stats.barriers): hand-computed cases, and agreement with scipy.stats,
statsmodels and R.

The hand computations are written out in the comments. References: ``scipy.stats.fisher_exact``
(Fisher's exact test), ``statsmodels.stats.proportion.proportions_ztest`` and the normal
distribution of ``scipy.stats.norm`` (z test), ``statsmodels.stats.multitest.multipletests``
(Holm), ``statsmodels.stats.contingency_tables.StratifiedTable`` (Mantel–Haenszel odds ratio
and interval, CMH test, Breslow–Day with Tarone's correction) and R's ``mantelhaen.test``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import subprocess

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from ikoe.stats.barriers import (
    NOT_DECLARED,
    OVERALL,
    WITH,
    WITHOUT,
    Procedure,
    analyse,
    analyse_all,
    fisher_p,
    four_fifths,
    holm,
    impact_ratio_ci,
    needs_fisher,
    pool,
    rate_test,
    z_test_p,
)

GROUPS = (WITH, WITHOUT, NOT_DECLARED)
STAGES = ("Bewerbung", "schriftlicher Test", "Auswahlgespräch", "Einstellung")


def proc(entered, passed, stages=STAGES, groups=GROUPS, **keys) -> Procedure:  # type: ignore[no-untyped-def]
    return Procedure(keys.pop("procedure", "P"), stages, groups, entered, passed, **keys)


def by_key(results):  # type: ignore[no-untyped-def]
    return {(r.stage, r.group): r for r in results}


# --------------------------------------------------------------------------------------------
# A procedure computed by hand


def test_a_procedure_by_hand() -> None:
    # Groups: with (W), without (O), not declared (K).
    #   Bewerbung:          W 200 → 160, O 400 → 340, K 20 → 15
    #   schriftlicher Test: W 160 →  40, O 340 → 136, K 15 →  6
    #   Auswahlgespräch:    W  40 →  10, O 136 →  40, K  6 →  2
    #   Einstellung:        W  10 →  10, O  40 →  40, K  2 →  2
    p = proc(
        [[200, 400, 20], [160, 340, 15], [40, 136, 6], [10, 40, 2]],
        [[160, 340, 15], [40, 136, 6], [10, 40, 2], [10, 40, 2]],
    )
    r = by_key(analyse(p))
    assert [x.stage for x in analyse(p)][::3] == [*STAGES, OVERALL]

    # Bewerbung: SR_W = 0.8, SR_O = 0.85 (highest; K's 0.75 is not compared); IR = 0.8/0.85
    # = 0.941176; not below 4/5. All expected cells ≥ 5: z test with P = 500/600,
    # z = −0.05/√(P(1−P)(1/200 + 1/400)) = −0.05/0.032275 = −1.5492, p = 0.12134.
    # Shortfall 200·500/600 − 160 = 6.667.
    b = r[("Bewerbung", WITH)]
    assert b.compared_with == WITHOUT and b.highest_rate_group == WITHOUT
    assert b.impact_ratio == pytest.approx(0.8 / 0.85, abs=1e-12)
    assert b.four_fifths is False and b.test == "z"
    assert b.p_value == pytest.approx(0.121335, abs=1e-6)
    assert b.shortfall == pytest.approx(200 * 500 / 600 - 160, abs=1e-12)

    # Test: SR_W = 0.25, SR_O = 0.4: IR = 0.625 (adverse impact). P = 176/500 = 0.352,
    # z = −0.15/√(0.352·0.648·(1/160 + 1/340)) = −0.15/0.045787 = −3.2760, p = 0.001053.
    # Shortfall 160·0.352 − 40 = 16.32.
    t = r[("schriftlicher Test", WITH)]
    assert t.impact_ratio == pytest.approx(0.625, abs=1e-12) and t.four_fifths is True
    assert t.test == "z" and t.p_value == pytest.approx(0.001053, rel=1e-3)
    assert t.shortfall == pytest.approx(16.32, abs=1e-9)
    assert t.flip_one_reverses is False  # 41/160 or 135/340 leave IR < 0.8 and p < 0.05

    # Auswahlgespräch: 10/40 against 40/136: IR = 0.25/0.294118 = 0.85. Passes 50 of 176;
    # smallest expected cell 40·50/176 = 11.4: z test.
    a = r[("Auswahlgespräch", WITH)]
    assert a.impact_ratio == pytest.approx(0.85, abs=1e-12) and a.four_fifths is False
    # Einstellung: everyone passes; expected failures 0 < 5: Fisher, p = 1; IR = 1.
    e = r[("Einstellung", WITH)]
    assert (e.impact_ratio, e.test, e.p_value, e.shortfall) == (1.0, "fisher", 1.0, 0.0)
    assert e.ir_ci_low is not None and e.ir_ci_low <= 1.0 <= e.ir_ci_high  # type: ignore[operator]
    # Whole procedure: W 200 → 10, O 400 → 40: IR = 0.05/0.1 = 0.5, adverse impact.
    o = r[(OVERALL, WITH)]
    assert (o.entered, o.passed, o.impact_ratio, o.four_fifths) == (200, 10, 0.5, True)

    # Holm over the five tests of the procedure (one per stage and the whole procedure).
    ps = [r[(s, WITH)].p_value for s in (*STAGES, OVERALL)]
    assert all(
        r[(s, WITH)].p_holm == pytest.approx(h)
        for s, h in zip((*STAGES, OVERALL), multipletests(ps, method="holm")[1], strict=True)
    )

    # Not declared: reported with counts and rate, never compared.
    k = r[("Bewerbung", NOT_DECLARED)]
    assert (k.entered, k.passed, k.selection_rate) == (20, 15, 0.75)
    assert k.compared_with is None and k.p_value is None and k.four_fifths is None
    assert k.impact_ratio_highest == pytest.approx(0.75 / 0.85)
    # The comparison group itself.
    o_b = r[("Bewerbung", WITHOUT)]
    assert (o_b.impact_ratio, o_b.compared_with, o_b.p_value) == (1.0, None, None)


def test_the_flip_of_one_decision() -> None:
    # 3 of 10 against 4 of 10: IR 0.75 < 0.8, adverse impact; one more pass (4 of 10) gives
    # IR 1: the finding hangs on one decision.
    fragile = analyse(proc([[10, 10, 0]], [[3, 4, 0]], stages=("Test",)))[0]
    assert fragile.four_fifths is True and fragile.flip_one_reverses is True
    # 300 of 1000 against 500 of 1000: IR 0.6, z = −8.98; no single decision changes anything.
    solid = analyse(proc([[1000, 1000, 0]], [[300, 500, 0]], stages=("Test",)))[0]
    assert solid.four_fifths is True and solid.flip_one_reverses is False
    # No adverse impact, but significance hangs on one decision: 61 of 100 against 74 of 100
    # (IR 0.824): P = 0.675, z = −0.13/√(0.675·0.325·0.02) = −1.963, p = 0.0497; one more
    # pass for the group (62 of 100): z = −0.12/√(0.68·0.32·0.02) = −1.819, p = 0.069.
    edge = analyse(proc([[100, 100, 0]], [[61, 74, 0]], stages=("Test",)))[0]
    assert edge.p_value == pytest.approx(proportions_ztest([61, 74], [100, 100])[1])
    assert edge.p_value < 0.05 < proportions_ztest([62, 74], [100, 100])[1]
    assert edge.four_fifths is False and edge.flip_one_reverses is True


def test_a_reference_group_and_the_view_against_the_highest_rate() -> None:
    # W 30 of 50 (0.6), O 40 of 100 (0.4), K 9 of 10 (0.9, not compared).
    p = proc([[50, 100, 10]], [[30, 40, 9]], stages=("Test",))
    w, o, k = analyse(p)
    assert o.compared_with == WITH and o.impact_ratio == pytest.approx(0.4 / 0.6)
    w, o, k = analyse(p, reference=WITHOUT)
    # Against the reference: IR = 0.6/0.4 = 1.5; the shortfall 50·70/150 − 30 = −6.67 says
    # that 6.67 more passed than a shared rate would give.
    assert w.compared_with == WITHOUT and w.impact_ratio == pytest.approx(1.5)
    assert w.four_fifths is False and w.shortfall == pytest.approx(50 * 70 / 150 - 30)
    assert w.highest_rate_group == WITH and w.impact_ratio_highest == 1.0
    assert o.impact_ratio == 1.0 and o.compared_with is None
    assert o.impact_ratio_highest == pytest.approx(0.4 / 0.6)
    assert k.compared_with is None
    # "keine Angabe" chosen as reference is compared all the same.
    w, o, k = analyse(p, reference=NOT_DECLARED)
    assert w.compared_with == NOT_DECLARED and w.impact_ratio == pytest.approx(0.6 / 0.9)
    with pytest.raises(ValueError, match="reference"):
        analyse(p, reference="Gruppe X")


# --------------------------------------------------------------------------------------------
# The pieces against scipy and statsmodels


def random_tables(n: int, seed: int, largest: int = 60) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    ag = rng.integers(1, largest, n)
    ac = rng.integers(1, largest, n)
    sg = rng.binomial(ag, rng.uniform(0, 1, n))
    sc = rng.binomial(ac, rng.uniform(0, 1, n))
    return sg, ag, sc, ac


def test_fisher_agrees_with_scipy() -> None:
    sg, ag, sc, ac = random_tables(3000, 1)
    # Symmetric tables have exactly tied probabilities; and some large, lopsided ones.
    extra = [(5, 10, 5, 10), (3, 10, 7, 10), (0, 7, 7, 7), (2, 300, 12, 900), (0, 1, 0, 1),
             (1, 1, 0, 1), (1, 5000, 9, 4000), (40, 40, 0, 3)]  # fmt: skip
    sg = np.concatenate([sg, [t[0] for t in extra]])
    ag = np.concatenate([ag, [t[1] for t in extra]])
    sc = np.concatenate([sc, [t[2] for t in extra]])
    ac = np.concatenate([ac, [t[3] for t in extra]])
    ours = fisher_p(sg, ag, sc, ac)
    scipy_p = np.array(
        [
            stats.fisher_exact([[a, b - a], [c, d - c]]).pvalue
            for a, b, c, d in zip(sg, ag, sc, ac, strict=True)
        ]
    )
    np.testing.assert_allclose(ours, scipy_p, rtol=1e-9, atol=1e-14)


def test_z_test_agrees_with_statsmodels_and_the_normal_distribution() -> None:
    sg, ag, sc, ac = random_tables(500, 2, largest=400)
    ours = z_test_p(sg, ag, sc, ac)
    for i in range(sg.size):
        pooled = (sg[i] + sc[i]) / (ag[i] + ac[i])
        if pooled in (0, 1):
            assert ours[i] == 1.0
            continue
        z, p = proportions_ztest([sg[i], sc[i]], [ag[i], ac[i]])
        assert ours[i] == pytest.approx(p, rel=1e-10, abs=1e-300)
        se = math.sqrt(pooled * (1 - pooled) * (1 / ag[i] + 1 / ac[i]))
        by_hand = 2 * stats.norm.sf(abs(sg[i] / ag[i] - sc[i] / ac[i]) / se)
        assert ours[i] == pytest.approx(by_hand, rel=1e-10, abs=1e-300)


def test_the_test_is_chosen_by_the_smallest_expected_cell() -> None:
    # 10 of 20 against 10 of 20 passes: the smallest expected cell is 20·20/40 = 10 → z.
    # 5 of 10 against 5 of 40: 10 passes of 50, smallest expected 10·10/50 = 2 → Fisher.
    # Exactly 5 is not below 5: 5 of 10 against 5 of 10 → 10·10/20 = 5 → z.
    assert needs_fisher([10, 5, 5], [20, 10, 10], [10, 5, 5], [20, 40, 10]).tolist() == [
        False,
        True,
        False,
    ]
    fisher, p = rate_test([5], [10], [5], [40])
    assert fisher.tolist() == [True]
    assert p[0] == pytest.approx(stats.fisher_exact([[5, 5], [5, 35]]).pvalue)


def test_impact_ratio_interval() -> None:
    # Katz: 18 of 120 against 45 of 150: ln 0.5 ± 1.96·√(1/18 − 1/120 + 1/45 − 1/150).
    low, high = impact_ratio_ci([18], [120], [45], [150])
    se = math.sqrt(1 / 18 - 1 / 120 + 1 / 45 - 1 / 150)
    assert low[0] == pytest.approx(0.5 * math.exp(-stats.norm.ppf(0.975) * se), rel=1e-12)
    assert high[0] == pytest.approx(0.5 * math.exp(stats.norm.ppf(0.975) * se), rel=1e-12)
    # A zero cell: 0.5 added to every cell; the lower bound is the ratio 0 itself.
    low, high = impact_ratio_ci([0, 10, 3], [10, 10, 10], [50, 10, 0], [100, 10, 10])
    se0 = math.sqrt(1 / 0.5 - 1 / 11 + 1 / 50.5 - 1 / 101)
    assert low[0] == 0.0
    assert high[0] == pytest.approx((0.5 / 11) / (50.5 / 101) * math.exp(1.959963984540054 * se0))
    # Everyone passes in both groups: corrected to 10.5 of 11 each, an interval around 1.
    se1 = math.sqrt(2 * (1 / 10.5 - 1 / 11))
    assert low[1] == pytest.approx(math.exp(-1.959963984540054 * se1))
    assert high[1] == pytest.approx(math.exp(1.959963984540054 * se1))
    # No passes in the comparison group: no ratio, no interval.
    assert math.isnan(low[2]) and math.isnan(high[2])


def test_four_fifths_in_whole_numbers() -> None:
    # 4 of 10 against 5 of 10 is exactly 0.8: not adverse impact (0.4/0.5 is 0.8000000000000002
    # or 0.7999999999999999 in binary floating point depending on the order of operations).
    assert four_fifths(4, 10, 5, 10) is False
    assert four_fifths(39, 100, 49, 100) is True  # 0.7959
    assert four_fifths(1, 3, 0, 5) is False
    assert four_fifths(1, 0, 1, 5) is None


def test_holm_agrees_with_statsmodels() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.2, 200) ** 2
    family = rng.integers(0, 7, 200)
    p[5] = np.nan
    ours = holm(p, family)
    assert math.isnan(ours[5])
    for f in range(7):
        members = (family == f) & ~np.isnan(p)
        expected = multipletests(p[members], method="holm")[1]
        np.testing.assert_allclose(ours[members], expected, rtol=1e-12)
    # Ties.
    np.testing.assert_allclose(
        holm([0.01, 0.01, 0.5]), multipletests([0.01, 0.01, 0.5], method="holm")[1]
    )


# --------------------------------------------------------------------------------------------
# Pooling against statsmodels and R


def strata_procedures(tables: np.ndarray) -> list[Procedure]:
    """One procedure (one stage "Test") per stratum, from 2×2 tables [[s_g, f_g], [s_c, f_c]]."""
    return [
        Procedure(
            "P",
            ("Test",),
            (WITH, WITHOUT),
            ((int(t[0, 0] + t[0, 1]), int(t[1, 0] + t[1, 1])),),
            ((int(t[0, 0]), int(t[1, 0])),),
            organisation=f"B{i}",
        )
        for i, t in enumerate(tables)
    ]


@pytest.mark.parametrize("seed", range(8))
def test_pool_agrees_with_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 30))
    tables = []
    while len(tables) < k:
        n_g, n_c = rng.integers(2, 80, 2)
        s_g = rng.binomial(n_g, rng.uniform(0.1, 0.6))
        s_c = rng.binomial(n_c, rng.uniform(0.2, 0.8))
        if 0 < s_g + s_c < n_g + n_c:  # both outcomes: Breslow–Day is defined in every stratum
            tables.append([[s_g, n_g - s_g], [s_c, n_c - s_c]])
    arr = np.array(tables, dtype=float)
    [ours] = pool(strata_procedures(arr), by=["organisation"], reference=WITHOUT)
    ref = StratifiedTable(arr.transpose(1, 2, 0))
    assert ours.strata == k
    assert ours.odds_ratio == pytest.approx(ref.oddsratio_pooled, rel=1e-12)
    low, high = ref.oddsratio_pooled_confint()
    assert (ours.or_ci_low, ours.or_ci_high) == (
        pytest.approx(low, rel=1e-10),
        pytest.approx(high, rel=1e-10),
    )
    null = ref.test_null_odds(correction=True)
    delta = float((arr[:, 0, 0] - arr[:, 0].sum(1) * arr[:, :, 0].sum(1) / arr.sum((1, 2))).sum())
    if abs(delta) >= 0.5:  # (below, statsmodels squares a negative number; R and ikoe do not)
        assert ours.cmh_statistic == pytest.approx(null.statistic, rel=1e-10)
        assert ours.p_value == pytest.approx(null.pvalue, rel=1e-8, abs=1e-15)
    equal = ref.test_equal_odds(adjust=True)
    assert ours.homogeneity_statistic == pytest.approx(equal.statistic, rel=1e-8, abs=1e-10)
    assert ours.homogeneity_p == pytest.approx(equal.pvalue, rel=1e-8, abs=1e-12)
    assert ours.homogeneity_df == k - 1


def test_pool_sums_procedures_of_a_stratum_and_skips_empty_strata() -> None:
    # Two procedures in agency A (added up: W 10 of 40, O 30 of 60), one in B, and one in C
    # without applicants with a migration background (no information: left out).
    ps = [
        proc([[20, 30, 0]], [[5, 15, 0]], stages=("Test",), organisation="A"),
        proc([[20, 30, 0]], [[5, 15, 0]], stages=("Test",), organisation="A", procedure="Q"),
        proc([[10, 10, 0]], [[2, 6, 0]], stages=("Test",), organisation="B"),
        proc([[0, 10, 0]], [[0, 6, 0]], stages=("Test",), organisation="C"),
    ]
    [r] = pool(ps, by=["organisation"])
    assert (r.strata, r.entered, r.passed, r.compared_entered, r.compared_passed) == (
        2,
        50,
        12,
        70,
        36,
    )
    ref = StratifiedTable(
        np.array([[[10, 30], [30, 30]], [[2, 8], [6, 4]]], dtype=float).transpose(1, 2, 0)
    )
    assert r.odds_ratio == pytest.approx(ref.oddsratio_pooled)
    # Pooled by procedure instead: strata P (A, B, C added up) and Q.
    [r2] = pool(ps, by=["procedure"])
    assert r2.strata == 2 and r2.entered == 50


def test_pool_overall_adds_each_procedures_own_whole_procedure() -> None:
    # Procedure 1 has stages A, B; procedure 2 only A. OVERALL: 1 contributes entered A →
    # passed B, 2 has one stage and no OVERALL of its own… so it contributes nothing there.
    p1 = proc([[10, 10, 0], [8, 9, 0]], [[8, 9, 0], [2, 6, 0]], stages=("A", "B"), organisation="X")
    p2 = proc([[10, 10, 0]], [[3, 7, 0]], stages=("A",), organisation="Y")
    results = {r.stage: r for r in pool([p1, p2], by=["organisation"])}
    assert list(results) == ["A", "B", OVERALL]
    assert (results[OVERALL].entered, results[OVERALL].passed, results[OVERALL].strata) == (
        10,
        2,
        1,
    )
    assert results["A"].strata == 2 and results["A"].passed == 11


def test_pool_edge_cases_give_none_not_errors() -> None:
    # Nobody fails anywhere: no odds ratio (0/0), no test.
    everyone = [proc([[5, 5, 0]], [[5, 5, 0]], stages=("T",), organisation=o) for o in "AB"]
    [r] = pool(everyone, by=["organisation"])
    assert (r.odds_ratio, r.cmh_statistic, r.p_value, r.homogeneity_p) == (None, None, None, None)
    # The group never passes: OR 0, no interval, no homogeneity test; the CMH test exists.
    never = [proc([[5, 5, 0]], [[0, 3, 0]], stages=("T",), organisation=o) for o in "AB"]
    [r] = pool(never, by=["organisation"])
    assert r.odds_ratio == 0.0 and r.or_ci_low is None and r.homogeneity_p is None
    assert r.p_value is not None and 0 < r.p_value < 1
    # One stratum only: no homogeneity test (0 degrees of freedom).
    [r] = pool(never[:1], by=["organisation"])
    assert r.homogeneity_df is None
    json.dumps([dataclasses.asdict(x) for x in pool(never, by=["organisation"])], allow_nan=False)
    with pytest.raises(ValueError, match="unknown stratum"):
        pool(never, by=["agency"])


@pytest.mark.r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")
def test_pool_agrees_with_r_mantelhaen_test() -> None:
    rng = np.random.default_rng(11)
    tables = []
    for _ in range(12):
        n_g, n_c = rng.integers(3, 60, 2)
        s_g, s_c = rng.binomial(n_g, 0.3), rng.binomial(n_c, 0.45)
        tables.append([[s_g, n_g - s_g], [s_c, n_c - s_c]])
    # A small effect too, where |Δ| < 0.5 (R leaves out the continuity correction).
    small = [[[5, 5], [5, 5]], [[4, 6], [5, 5]], [[5, 5], [4, 6]], [[6, 4], [6, 4]]]
    lines = []
    for arr in (np.array(tables), np.array(small)):
        cells = ",".join(str(int(v)) for t in arr for v in (t[0, 0], t[1, 0], t[0, 1], t[1, 1]))
        lines.append(
            f"t <- mantelhaen.test(array(c({cells}), dim = c(2, 2, {len(arr)})));"
            "cat(sprintf('%.15g %.15g %.15g %.15g %.15g\\n', t$statistic, t$p.value, t$estimate,"
            " t$conf.int[1], t$conf.int[2]))"
        )
    out = subprocess.run(
        ["Rscript", "-e", "\n".join(lines)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    for arr, line in zip((np.array(tables), np.array(small)), out.stdout.split("\n"), strict=False):
        statistic, p, odds, low, high = map(float, line.split())
        [ours] = pool(strata_procedures(arr.astype(float)), by=["organisation"], reference=WITHOUT)
        assert ours.cmh_statistic == pytest.approx(statistic, rel=1e-9)
        assert ours.p_value == pytest.approx(p, rel=1e-8)
        assert ours.odds_ratio == pytest.approx(odds, rel=1e-9)
        assert (ours.or_ci_low, ours.or_ci_high) == (
            pytest.approx(low, rel=1e-8),
            pytest.approx(high, rel=1e-8),
        )


# --------------------------------------------------------------------------------------------
# Edge cases: nothing crashes, nothing divides by zero, everything is JSON


def assert_clean(results) -> None:  # type: ignore[no-untyped-def]
    text = json.dumps([dataclasses.asdict(r) for r in results], allow_nan=False)
    assert "NaN" not in text and "Infinity" not in text


def test_empty_stage_and_a_group_without_applicants() -> None:
    # Stage 2 is empty (nobody entered); nobody without a declaration at all.
    p = proc([[10, 20, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0]], stages=("A", "B"))
    results = analyse(p)
    assert_clean(results)
    r = by_key(results)
    # A: nobody passed in either group: rates 0, IR undefined, four-fifths not flagged,
    # Fisher p = 1 (expected passes 0).
    a = r[("A", WITH)]
    assert a.selection_rate == 0.0 and a.impact_ratio is None and a.four_fifths is False
    assert (a.test, a.p_value, a.shortfall) == ("fisher", 1.0, 0.0)
    # The empty stage: counts 0, no rate, no comparison.
    for g in GROUPS:
        b = r[("B", g)]
        assert (b.entered, b.selection_rate, b.compared_with, b.p_value) == (0, None, None, None)
    assert r[("A", NOT_DECLARED)].selection_rate is None


def test_everyone_passes_and_one_group_at_100_percent() -> None:
    # Everyone passes: IR 1, Fisher p 1, no shortfall.
    everyone = analyse(proc([[30, 60, 5]], [[30, 60, 5]], stages=("T",)))
    assert_clean(everyone)
    assert (everyone[0].impact_ratio, everyone[0].p_value, everyone[0].shortfall) == (1.0, 1.0, 0.0)
    # 100 % selection in the comparison group, 50 % in the other: IR 0.5, Fisher (expected
    # failures 10·5/20 = 2.5).
    half = analyse(proc([[10, 10, 0]], [[5, 10, 0]], stages=("T",)))
    assert_clean(half)
    assert half[0].impact_ratio == 0.5 and half[0].test == "fisher"
    assert half[0].p_value == pytest.approx(stats.fisher_exact([[5, 5], [10, 0]]).pvalue)
    # The group passes nobody: IR 0, interval from 0.
    zero = analyse(proc([[10, 10, 0]], [[0, 8, 0]], stages=("T",)))[0]
    assert zero.impact_ratio == 0.0 and zero.ir_ci_low == 0.0 and zero.ir_ci_high is not None


def test_a_group_missing_from_a_procedure_and_many_procedures_at_once() -> None:
    two_groups = Procedure("Q", ("T",), (WITHOUT, WITH), ((20, 10),), ((10, 2),))
    three = proc([[10, 20, 3], [5, 10, 1]], [[5, 10, 1], [1, 6, 1]], stages=("A", "B"))
    together = analyse_all([three, two_groups, three])
    assert together[0] == analyse(three) == together[2]
    assert together[1] == analyse(two_groups)
    assert [r.group for r in together[1]] == [WITHOUT, WITH]  # the procedure's own order
    # Deterministic.
    assert analyse_all([three, two_groups, three]) == together


def test_procedure_checks_its_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        Procedure("P", ("A",), ("x",), ((-1,),), ((0,),))
    with pytest.raises(ValueError, match="one row per stage"):
        Procedure("P", ("A", "B"), ("x",), ((1,),), ((0,),))
    with pytest.raises(ValueError, match="whole numbers"):
        Procedure("P", ("A",), ("x",), ((1.5,),), ((0,),))
    with pytest.raises(ValueError, match="distinct"):
        Procedure("P", ("A", "A"), ("x",), ((1,), (1,)), ((0,), (0,)))


def test_many_random_procedures_hold_the_invariants() -> None:
    rng = np.random.default_rng(5)
    procedures = []
    for i in range(300):
        k = int(rng.integers(1, 6))
        entered = np.zeros((k, 3), dtype=int)
        passed = np.zeros((k, 3), dtype=int)
        entered[0] = rng.integers(0, 40, 3)
        for stage in range(k):
            passed[stage] = rng.binomial(entered[stage], rng.uniform(0, 1, 3))
            if stage + 1 < k:
                entered[stage + 1] = passed[stage]
        procedures.append(
            proc(entered, passed, stages=tuple(f"S{j}" for j in range(k)), procedure=f"P{i}")
        )
    for reference in (None, WITHOUT):
        results = analyse_all(procedures, reference)
        flat = [r for rs in results for r in rs]
        assert_clean(flat)
        for r in flat:
            if r.p_value is not None:
                assert 0 <= r.p_value <= 1 and r.p_value <= r.p_holm <= 1  # type: ignore[operator]
                assert r.compared_with is not None and r.flip_one_reverses is not None
            if r.impact_ratio is not None and r.ir_ci_low is not None:
                assert r.ir_ci_low <= r.impact_ratio <= r.ir_ci_high  # type: ignore[operator]
            if r.entered == 0:
                assert r.selection_rate is None and r.p_value is None
            if r.group == NOT_DECLARED and reference is None:
                assert r.compared_with is None
    # Pooled by procedure over all of them.
    assert_clean(pool(procedures, by=["procedure"]))
