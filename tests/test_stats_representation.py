"""Representation against a benchmark (ikoe.stats.representation), worked by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import binomtest

from ikoe.stats.estimates import estimate_shares
from ikoe.stats.representation import (
    FLAG_LABELS,
    FLAG_RULES,
    Benchmark,
    representation,
    representation_table,
)
from ikoe.stats.weighting import design_from_weights

POPULATION_BERLIN = Benchmark(0.394, "Bevölkerung Berlin", year=2023, definition="mikrozensus")


def test_berlin_21_7_against_39_4_by_hand() -> None:
    """217 of 1,000 declared staff (21.7 %) against 39.4 % of the population.

    gap = 21.7 − 39.4 = −17.7 pp; index = 0.217/0.394 = 0.55076…;
    E = 1000·0.394 = 394; shortfall = 394 − 217 = 177;
    z = (217 − 394)/√(1000·0.394·0.606) = −177/√238.764 = −177/15.4520… = −11.4549…
    """
    r = representation(217, 1000, POPULATION_BERLIN)
    assert r.share == pytest.approx(0.217)
    assert r.gap_pp == pytest.approx(-17.7)
    assert r.index == pytest.approx(0.217 / 0.394)
    assert round(r.index, 4) == 0.5508
    assert r.basis == 1000
    assert r.expected == pytest.approx(394.0)
    assert r.shortfall == pytest.approx(177.0)
    assert r.z == pytest.approx(-177 / math.sqrt(238.764))
    assert round(r.z, 3) == -11.455
    exact = binomtest(217, 1000, 0.394, alternative="less").pvalue
    assert r.p_binomial == pytest.approx(exact, rel=1e-9)
    assert r.flags == ("80_percent", "whole_person", "z_score", "binomial")
    assert r.under_represented and r.rule == "z_score"


def test_head_count_gives_persons() -> None:
    """With the unit's head count (1,400) the expected count and shortfall are in staff."""
    r = representation(217, 1000, 0.394, headcount=1400)
    assert r.expected == pytest.approx(1400 * 0.394)  # 551.6
    assert r.shortfall == pytest.approx(1400 * (0.394 - 0.217))  # 247.8


def test_berlin_career_groups() -> None:
    """Published shares by former career group against 39.4 %: only the index by hand."""
    for share, index in [(0.309, 0.7843), (0.235, 0.5964), (0.212, 0.5381), (0.190, 0.4822)]:
        r = representation(round(share * 1000), 1000, 0.394)
        assert round(r.index, 4) == index
        assert "80_percent" in r.flags


@pytest.mark.parametrize(
    ("m", "n", "b", "flags"),
    [
        # 2 of 10 against 30 %: below 80 % and one person short, not significant
        (2, 10, 0.3, ("80_percent", "whole_person")),
        # exactly 80 % of the benchmark is not below it
        (24, 100, 0.3, ("whole_person",)),
        # at the benchmark: nothing
        (30, 100, 0.3, ()),
        # shortfall 0.5 persons: below 80 % but not a whole person
        (0, 5, 0.1, ("80_percent",)),
        # large unit slightly below: significant, not below 80 %
        (2700, 10000, 0.3, ("whole_person", "z_score", "binomial")),
    ],
)
def test_flags(m: int, n: int, b: float, flags: tuple[str, ...]) -> None:
    r = representation(m, n, b)
    assert r.flags == flags
    assert set(r.flags) <= set(FLAG_LABELS)


def test_z_and_binomial_by_hand() -> None:
    # 20 of 100 against 30 %: z = (20 − 30)/√21 = −2.182 → flagged;
    # P(X ≤ 20 | 100, 0.3) = 0.0165 < 0.025 → flagged
    r = representation(20, 100, 0.3)
    assert r.z == pytest.approx(-10 / math.sqrt(21))
    assert r.p_binomial == pytest.approx(binomtest(20, 100, 0.3, alternative="less").pvalue)
    assert {"z_score", "binomial"} <= set(r.flags)
    # 22 of 100: z = −1.746 (not ≤ −2); P(X ≤ 22) = 0.0479 ≥ 0.025
    r = representation(22, 100, 0.3)
    assert "z_score" not in r.flags and "binomial" not in r.flags
    assert "binomial" in representation(22, 100, 0.3, alpha=0.05).flags


def test_rule_choice() -> None:
    assert representation(2, 10, 0.3, rule="80_percent").under_represented
    assert not representation(2, 10, 0.3, rule="z_score").under_represented
    assert not representation(2, 10, 0.3, rule="binomial").under_represented
    assert FLAG_RULES == ("80_percent", "whole_person", "z_score", "binomial")
    with pytest.raises(ValueError, match="rule"):
        representation(2, 10, 0.3, rule="four_fifths")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Benchmark(1.2, "bad")
    with pytest.raises(ValueError):
        representation(2, 0, 0.3)


def survey_table() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "land": ["BE"] * 30 + ["HH"] * 12 + ["HH"] * 3,
            "unit": ["u1"] * 30 + ["u2"] * 12 + ["u3"] * 3,
            "status": ["yes"] * 6
            + ["no"] * 20
            + ["unknown"] * 4
            + ["yes"] * 3
            + ["no"] * 9
            + ["unknown"] * 3,
        }
    )


def test_table_unweighted_and_keyed_benchmarks() -> None:
    est = estimate_shares(survey_table(), ["land", "unit"])
    bench = pl.DataFrame(
        {
            "land": ["BE", "HH"],
            "benchmark": [0.394, 0.27],
            "benchmark_label": ["Bevölkerung BE", "Bevölkerung HH"],
        }
    )
    out = representation_table(est, bench, rule="80_percent")
    u1, u2, u3 = out.rows(named=True)
    # u1: 6 of 26 against 39.4 %: E = 10.244, shortfall 4.244
    assert u1["benchmark"] == 0.394 and u1["benchmark_label"] == "Bevölkerung BE"
    assert u1["expected"] == pytest.approx(26 * 0.394)
    assert u1["shortfall"] == pytest.approx(26 * 0.394 - 6)
    assert u1["basis_kind"] == "declared"
    assert u1["z"] == pytest.approx((6 - 26 * 0.394) / math.sqrt(26 * 0.394 * 0.606))
    assert u1["flag_80_percent"] and u1["under_represented"]
    # u2: 3 of 12 against 27 %: index 0.926, shortfall 0.24: no flag
    assert u2["flags"] == [] and u2["under_represented"] is False
    # u3: nobody declared: no share, no flags
    assert u3["share"] is None and u3["gap_pp"] is None and u3["under_represented"] is None
    assert u3["flags"] == []


def test_table_with_head_counts_and_single_benchmark() -> None:
    est = estimate_shares(survey_table(), ["unit"]).with_columns(
        headcount=pl.Series([120.0, 40.0, 9.0])
    )
    out = representation_table(est, POPULATION_BERLIN, headcount="headcount")
    u1 = out.row(0, named=True)
    assert u1["basis_kind"] == "headcount"
    assert u1["expected"] == pytest.approx(120 * 0.394)
    assert u1["shortfall"] == pytest.approx(120 * (0.394 - 6 / 26))
    assert u1["benchmark_year"] == 2023 and u1["benchmark_definition"] == "mikrozensus"


def test_table_weighted_uses_effective_n_and_no_binomial() -> None:
    data = survey_table()
    weights = np.where(data["status"].to_numpy() == "yes", 1.0, 2.0)
    est = estimate_shares(data, ["unit"], design=design_from_weights(weights))
    out = representation_table(est, 0.394, rule="binomial")
    u1 = out.row(0, named=True)
    # weighted share 6/(6 + 40) and Kish n_eff = 46²/(6 + 80) among the declared
    share = 6 / 46
    n_eff = 46**2 / 86
    assert u1["share"] == pytest.approx(share)
    assert u1["z"] == pytest.approx((share - 0.394) / math.sqrt(0.394 * 0.606 / n_eff))
    assert u1["basis_kind"] == "weighted_population"
    assert u1["expected"] == pytest.approx(float(weights[:30].sum()) * 0.394)
    assert u1["p_binomial"] is None and u1["flag_binomial"] is None
    assert "binomial" not in u1["flags"]
    assert u1["under_represented"] is None  # the chosen rule is not available when weighted
