"""Trends across survey years (ikoe.stats.trends), worked by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from ikoe.stats.estimates import estimate_shares, wilson_interval
from ikoe.stats.trends import trend
from ikoe.stats.weighting import design_from_weights


def year_frame(year: int, yes: int, no: int, unknown: int, unit: str = "u") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit": [unit] * (yes + no + unknown),
            "status": ["yes"] * yes + ["no"] * no + ["unknown"] * unknown,
        }
    ).with_columns(pl.lit(year).alias("year"))


def stacked(weighted: bool = False) -> pl.DataFrame:
    parts = []
    for year, (yes, no, unknown) in {
        2018: (30, 170, 50),
        2021: (45, 155, 20),
        2024: (60, 140, 0),
    }.items():
        data = year_frame(year, yes, no, unknown)
        design = design_from_weights(np.ones(data.height)) if weighted else None
        parts.append(
            estimate_shares(data, ["unit"], design=design, definition="mighev_short").with_columns(
                pl.lit(year).alias("year")
            )
        )
    return pl.concat(parts)


def test_unweighted_pooled_z_and_newcombe_by_hand() -> None:
    out = trend(stacked(), ["unit"])
    assert out["year_from"].to_list() == [2018, 2021]
    assert out["year_to"].to_list() == [2021, 2024]
    first = out.row(0, named=True)
    # 30/200 → 45/200: change 7.5 pp; pooled P = 75/400; z = 0.075/√(P(1−P)(2/200))
    p = 75 / 400
    z = 0.075 / math.sqrt(p * (1 - p) * (2 / 200))
    assert first["change_pp"] == pytest.approx(7.5)
    assert first["z"] == pytest.approx(z)
    assert first["p_value"] == pytest.approx(2 * norm.sf(z))
    assert first["test"] == "pooled_z"
    assert first["significant"] is False  # p = 0.0547
    # Newcombe: d − √((p₂ − l₂)² + (u₁ − p₁)²), d + √((u₂ − p₂)² + (p₁ − l₁)²)
    l1, u1 = wilson_interval(30, 200)
    l2, u2 = wilson_interval(45, 200)
    lo = 0.075 - math.sqrt((0.225 - l2) ** 2 + (u1 - 0.15) ** 2)
    hi = 0.075 + math.sqrt((u2 - 0.225) ** 2 + (0.15 - l1) ** 2)
    assert first["ci_lower_pp"] == pytest.approx(100 * lo)
    assert first["ci_upper_pp"] == pytest.approx(100 * hi)
    assert first["declaration_rate_from"] == pytest.approx(0.8)
    assert first["declaration_rate_to"] == pytest.approx(200 / 220)


def test_compare_with_first_year() -> None:
    out = trend(stacked(), ["unit"], compare="first")
    assert out["year_from"].to_list() == [2018, 2018]
    assert out["change_pp"].to_list() == pytest.approx([7.5, 15.0])


def test_weighted_design_z() -> None:
    est = stacked(weighted=True)
    out = trend(est, ["unit"])
    first = out.row(0, named=True)
    se1, se2 = est["se"][0], est["se"][1]
    z = 0.075 / math.sqrt(se1**2 + se2**2)
    assert first["test"] == "design_z"
    assert first["z"] == pytest.approx(z)
    assert first["ci_lower_pp"] == pytest.approx(
        100 * (0.075 - 1.959963984540054 * math.sqrt(se1**2 + se2**2))
    )


def test_without_groups_and_missing_share() -> None:
    parts = [
        estimate_shares(year_frame(2020, 0, 0, 5), []).with_columns(pl.lit(2020).alias("year")),
        estimate_shares(year_frame(2022, 5, 5, 0), []).with_columns(pl.lit(2022).alias("year")),
    ]
    out = trend(pl.concat(parts))
    row = out.row(0, named=True)
    assert row["share_from"] is None and row["z"] is None and row["change_pp"] is None


def test_definitions_must_match() -> None:
    est = stacked().with_columns(
        pl.when(pl.col("year") == 2024)
        .then(pl.lit("einwanderungsgeschichte"))
        .otherwise(pl.col("definition"))
        .alias("definition")
    )
    with pytest.raises(ValueError, match="different definitions"):
        trend(est, ["unit"])
    with pytest.raises(ValueError, match="year"):
        trend(est.drop("year"), ["unit"])
