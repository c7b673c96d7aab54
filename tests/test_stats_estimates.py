"""Shares, declaration rates and intervals (ikoe.stats.estimates) with hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from ikoe.stats import _variance
from ikoe.stats.estimates import (
    estimate_groupings,
    estimate_shares,
    logit_bounds,
    wilson_bounds,
    wilson_interval,
)
from ikoe.stats.weighting import design_from_weights, rake

Z95 = 1.959963984540054  # qnorm(0.975)


# ---------------------------------------------------------------- Wilson


def test_wilson_7_of_20_by_hand() -> None:
    """(p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n), p = 0.35, n = 20."""
    p, z2 = 0.35, Z95**2
    centre = (p + z2 / 40) / (1 + z2 / 20)  # 0.37417…
    half = Z95 * math.sqrt(p * (1 - p) / 20 + z2 / 1600) / (1 + z2 / 20)
    lo, hi = wilson_interval(7, 20)
    assert lo == pytest.approx(centre - half, abs=1e-12)
    assert hi == pytest.approx(centre + half, abs=1e-12)
    # the published 4-digit values
    assert (round(lo, 4), round(hi, 4)) == (0.1812, 0.5671)


def test_wilson_is_the_score_test_inversion() -> None:
    """Independent route: the bounds solve (p̂ − π)² = z²·π(1 − π)/n."""
    for m, n in [(7, 20), (1, 9), (40, 41), (123, 1000)]:
        ph = m / n
        a = 1 + Z95**2 / n
        b = -(2 * ph + Z95**2 / n)
        c = ph**2
        disc = math.sqrt(b * b - 4 * a * c)
        roots = ((-b - disc) / (2 * a), (-b + disc) / (2 * a))
        got = wilson_interval(m, n)
        assert got == pytest.approx(roots, abs=1e-12)


def test_wilson_edges() -> None:
    lo, hi = wilson_bounds([0, 5, 0], [5, 5, 0])
    assert lo[0] == 0.0 and hi[1] == 1.0
    # 0 of 5: upper bound z²/(n + z²)
    assert hi[0] == pytest.approx(Z95**2 / (5 + Z95**2))
    assert math.isnan(lo[2]) and math.isnan(hi[2])
    lo90, hi90 = wilson_interval(7, 20, level=0.90)
    lo95, hi95 = wilson_interval(7, 20)
    assert lo95 < lo90 < hi90 < hi95


# ---------------------------------------------------------------- unweighted table


def frame_7_of_20() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit": ["a"] * 25 + ["b"] * 6 + ["c"] * 2,
            "status": ["yes"] * 7
            + ["no"] * 13
            + ["unknown"] * 5
            + ["yes", "no", "no", "no", "unknown", None]
            + ["unknown", "unknown"],
        }
    )


def test_unweighted_table() -> None:
    out = estimate_shares(frame_7_of_20(), ["unit"], definition="mighev_short")
    assert out.columns[:3] == ["unit", "definition", "respondents"]
    a, b, c = out.rows(named=True)
    assert (a["respondents"], a["declared"], a["yes"]) == (25, 20, 7)
    assert a["declaration_rate"] == pytest.approx(0.8)
    assert a["share"] == pytest.approx(0.35)
    assert a["se"] == pytest.approx(math.sqrt(0.35 * 0.65 / 20))
    assert (a["ci_lower"], a["ci_upper"]) == pytest.approx(wilson_interval(7, 20))
    assert a["ci_method"] == "wilson" and a["weighted"] is False
    assert a["population"] == 25 and a["effective_n"] == 20
    # None in the status column counts as unknown
    assert (b["respondents"], b["declared"], b["yes"]) == (6, 4, 1)
    # no declared person: no share, but the declaration rate 0 is reported
    assert c["declared"] == 0 and c["share"] is None and c["ci_lower"] is None
    assert c["declaration_rate"] == 0.0


def test_total_and_boolean_status() -> None:
    df = pl.DataFrame({"mb": [True, False, None, True]})
    out = estimate_shares(df, status="mb")
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["respondents"], row["declared"], row["yes"]) == (4, 3, 2)


def test_groupings_stack() -> None:
    out = estimate_groupings(frame_7_of_20(), [[], ["unit"]])
    assert out["grouping"].to_list() == ["total", "unit", "unit", "unit"]
    assert out.row(0, named=True)["declared"] == 24


def test_errors() -> None:
    df = frame_7_of_20()
    with pytest.raises(ValueError, match="status"):
        estimate_shares(df, status="nope")
    with pytest.raises(ValueError, match="weights for"):
        estimate_shares(df, design=design_from_weights(np.ones(3)))
    with pytest.raises(ValueError, match="ci_method"):
        estimate_shares(df, design=design_from_weights(np.ones(df.height)), ci_method="bogus")  # type: ignore[arg-type]


# ---------------------------------------------------------------- weighted, by hand


def test_equal_weights_without_calibration_by_hand() -> None:
    """Equal weights: share m/n; R's variance n_all/(n_all − 1)·p(1 − p)/n_d."""
    df = frame_7_of_20()
    design = design_from_weights(np.full(df.height, 3.0))
    out = estimate_shares(df, ["unit"], design=design, ci_method="wald")
    a = out.row(0, named=True)
    n_all = df.height  # 33: every respondent is a PSU of the design
    se = math.sqrt(n_all / (n_all - 1) * 0.35 * 0.65 / 20)
    assert a["share"] == pytest.approx(0.35)
    assert a["se"] == pytest.approx(se, rel=1e-12)
    assert (a["ci_lower"], a["ci_upper"]) == pytest.approx((0.35 - Z95 * se, 0.35 + Z95 * se))
    assert a["population"] == pytest.approx(75.0)
    assert a["population_declared"] == pytest.approx(60.0)
    assert a["declaration_rate_weighted"] == pytest.approx(0.8)
    assert a["effective_n"] == pytest.approx(20.0)
    logit = estimate_shares(df, ["unit"], design=design).row(0, named=True)
    t = 2.093024054408263  # qt(0.975, 19)
    centre = math.log(0.35 / 0.65)
    half = t * se / (0.35 * 0.65)
    assert logit["ci_method"] == "logit"
    assert logit["ci_lower"] == pytest.approx(1 / (1 + math.exp(-(centre - half))), rel=1e-12)
    assert logit["ci_upper"] == pytest.approx(1 / (1 + math.exp(-(centre + half))), rel=1e-12)


def test_logit_bounds_edges() -> None:
    lo, hi = logit_bounds([0.0, 1.0, 0.4, 0.4], [0.0, 0.0, 0.1, 0.1], [5, 5, 0, np.nan])
    assert lo[:2].tolist() == [0.0, 1.0] and hi[:2].tolist() == [0.0, 1.0]
    assert np.isnan(lo[2:]).all() and np.isnan(hi[2:]).all()


def test_weighted_share_by_hand() -> None:
    # unit a: weights 1, 2, 3 (yes, no, yes) -> (1 + 3)/6
    df = pl.DataFrame({"unit": ["a", "a", "a", "b"], "status": ["yes", "no", "yes", "no"]})
    out = estimate_shares(df, ["unit"], design=design_from_weights([1.0, 2.0, 3.0, 4.0]))
    assert out["share"].to_list() == pytest.approx([4 / 6, 0.0])
    # Kish effective n of unit a: 6²/14
    assert out["effective_n"][0] == pytest.approx(36 / 14)


# ---------------------------------------------------------------- calibrated variance


def r_svymean_domain(
    y: npt.NDArray[np.float64],
    in_domain: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
    margins: list[npt.NDArray[np.int64]],
    sweeps: int = 10,
) -> tuple[float, float]:
    """Line-by-line transcription of R's survey:::svymean.survey.design2 on
    ``design[domain, ]`` of a raked ``svydesign(ids = ~1)``, with svyrecvar's "raking"
    branch and onestrat (no fpc)."""
    pweights = np.where(in_domain, w, 0.0)  # `[.survey.design2`: prob <- Inf outside
    psum = pweights.sum()
    average = float(np.sum(y * pweights / psum))
    x = (y - average) * pweights / psum
    for _ in range(sweeps):
        for margin in margins:
            psw = w
            ratio = x / psw
            ave = np.bincount(margin, weights=ratio) / np.bincount(margin)
            x = x - psw * ave[margin]
    n = x.size
    xc = x - x.mean()
    return average, float(n / (n - 1) * np.sum(xc * xc))


def survey(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    agency = rng.integers(0, 12, n)
    return pl.DataFrame(
        {
            "land": np.where(agency < 6, "BE", "HH"),
            "agency": [f"A{a:02d}" for a in agency],
            "career": rng.choice(["e", "m", "g", "h"], n, p=[0.1, 0.3, 0.4, 0.2]),
            "gender": rng.choice(["w", "m", "d"], n, p=[0.55, 0.43, 0.02]),
            "age": rng.choice(["y", "o"], n),
            "status": rng.choice(["yes", "no", "unknown"], n, p=[0.25, 0.6, 0.15]),
        }
    )


def totals(data: pl.DataFrame, keys: list[str], seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    cells = (
        data.group_by("land", "agency", "career", "gender", "age")
        .len()
        .sort("land", "agency", "career", "gender", "age")
    )
    cells = cells.with_columns(total=pl.col("len") * rng.uniform(3, 8, cells.height))
    return cells.group_by(keys).agg(pl.col("total").sum())


MARGIN_SETS = {
    "nested": [["agency", "career"], ["agency", "gender"]],
    "global": [["agency", "career"], ["gender"], ["age"]],
    "within_land": [["agency", "career"], ["agency", "gender"], ["land", "age"]],
    "single": [["agency", "career", "gender"]],
}


@pytest.mark.parametrize("margin_set", list(MARGIN_SETS))
@pytest.mark.parametrize(
    "by", [[], ["agency"], ["career", "gender"], ["land", "agency", "career", "gender"]]
)
def test_calibrated_variance_equals_r_algorithm(margin_set: str, by: list[str]) -> None:
    data = survey(1500, seed=4)
    margins = [totals(data, keys, seed=9) for keys in MARGIN_SETS[margin_set]]
    design = rake(data, margins, tolerance=1e-14)
    out = estimate_shares(data, by, design=design, ci_method="wald")
    y = (data["status"] == "yes").to_numpy().astype(float)
    declared = (data["status"] != "unknown").to_numpy()
    codes = list(design.margin_codes)
    for row in out.iter_rows(named=True):
        if row["declared"] == 0:
            assert row["share"] is None and row["se"] is None
            continue
        mask = declared.copy()
        for col in by:
            mask &= (data[col] == row[col]).to_numpy()
        mean, var = r_svymean_domain(y, mask, design.weights, codes)
        assert row["share"] == pytest.approx(mean, abs=1e-13)
        assert row["se"] == pytest.approx(math.sqrt(var), rel=1e-9, abs=1e-14)


@pytest.mark.parametrize(
    "knobs",
    [
        {"_DENSE_LIMIT": 10, "_BLOCK_ELEMENTS": 1000},  # sparse class matrices, chunks
        {"_OPERATOR_MAX": 0},  # sweeps directly on the domains
        {"_SMALL_MAX": 0},  # no padded batches: every component on its own
        {"_SMALL_MAX": 0, "_OPERATOR_MAX": 0, "_DENSE_LIMIT": 0, "_BLOCK_ELEMENTS": 50},
    ],
    ids=["sparse_chunks", "direct", "no_batches", "all_off"],
)
@pytest.mark.parametrize("margin_set", ["nested", "within_land", "single"])
def test_computation_paths_agree(
    monkeypatch: pytest.MonkeyPatch, knobs: dict[str, int], margin_set: str
) -> None:
    """Batched operators, kept operators, direct sweeps, sparse and chunked paths agree."""
    data = survey(2500, seed=21)
    margins = [totals(data, keys, seed=5) for keys in MARGIN_SETS[margin_set]]
    by = ["land", "agency", "career", "gender"]
    reference = estimate_shares(data, by, design=rake(data, margins, tolerance=1e-14))
    for name, value in knobs.items():
        monkeypatch.setattr(_variance, name, value)
    design = rake(data, margins, tolerance=1e-14)
    got = estimate_shares(data, by, design=design)
    np.testing.assert_allclose(
        got["se"].fill_null(-1), reference["se"].fill_null(-1), rtol=1e-10, atol=1e-15
    )
    again = estimate_shares(data, ["career"], design=design)  # reuses the kept structure
    y = (data["status"] == "yes").to_numpy().astype(float)
    declared = (data["status"] != "unknown").to_numpy()
    for row in again.iter_rows(named=True):
        mask = declared & (data["career"] == row["career"]).to_numpy()
        _, var = r_svymean_domain(y, mask, design.weights, list(design.margin_codes))
        assert row["se"] == pytest.approx(math.sqrt(var), rel=1e-9)


def test_large_component_sparse_path() -> None:
    """One component of 202 classes (200 units and gender), fewer domains than classes."""
    rng = np.random.default_rng(12)
    n = 3000
    data = pl.DataFrame(
        {
            "unit": rng.integers(0, 200, n),
            "gender": rng.choice(["w", "m"], n),
            "status": rng.choice(["yes", "no", "unknown"], n, p=[0.3, 0.6, 0.1]),
        }
    )
    m1 = data.group_by("unit").len().with_columns(total=pl.col("len") * 4.0).drop("len")
    m2 = pl.DataFrame({"gender": ["w", "m"], "total": [6000.0, 6000.0]})
    design = rake(data, [m1, m2], tolerance=1e-14)
    y = (data["status"] == "yes").to_numpy().astype(float)
    declared = (data["status"] != "unknown").to_numpy()
    for by in (["gender"], ["unit"]):
        out = estimate_shares(data, by, design=design, ci_method="wald")
        for row in out.head(6).iter_rows(named=True):
            mask = declared & (data[by[0]] == row[by[0]]).to_numpy()
            _, var = r_svymean_domain(y, mask, design.weights, list(design.margin_codes))
            assert row["se"] == pytest.approx(math.sqrt(var), rel=1e-9)


def test_calibration_lowers_the_variance_of_a_margin_variable() -> None:
    """A share that is a margin class (here: women) is known exactly after raking; R's ten
    sweeps of the adjustment leave only a tiny remainder of its standard error."""
    data = survey(800, seed=1).with_columns(
        status=pl.when(pl.col("gender") == "w").then(pl.lit("yes")).otherwise(pl.lit("no"))
    )
    margins = [totals(data, ["gender"], 3), totals(data, ["agency"], 3)]
    total = float(margins[0]["total"].sum())
    margins[1] = margins[1].with_columns(
        total=pl.col("total") * total / float(margins[1]["total"].sum())
    )
    design = rake(data, margins, tolerance=1e-14)
    est = estimate_shares(data, design=design, ci_method="wald").row(0, named=True)
    women = float(margins[0].filter(pl.col("gender") == "w")["total"][0])
    assert est["share"] == pytest.approx(women / total)
    assert est["se"] < 1e-6
    plain = estimate_shares(data, design=design_from_weights(design.weights)).row(0, named=True)
    assert plain["se"] > 0.01


def test_where_keeps_the_design_whole() -> None:
    """Restricting with ``where`` = R's subset(): same as a domain of the full design."""
    data = survey(1500, seed=4)
    margins = [totals(data, keys, seed=9) for keys in MARGIN_SETS["within_land"]]
    design = rake(data, margins, tolerance=1e-14)
    out = estimate_shares(data, ["career"], design=design, where=pl.col("land") == "BE")
    assert out["respondents"].sum() == int((data["land"] == "BE").sum())
    y = (data["status"] == "yes").to_numpy().astype(float)
    declared = (data["status"] != "unknown").to_numpy() & (data["land"] == "BE").to_numpy()
    for row in out.iter_rows(named=True):
        mask = declared & (data["career"] == row["career"]).to_numpy()
        mean, var = r_svymean_domain(y, mask, design.weights, list(design.margin_codes))
        assert row["share"] == pytest.approx(mean, abs=1e-13)
        assert row["se"] == pytest.approx(math.sqrt(var), rel=1e-9)
    # unweighted, with a mask, and with nothing selected
    mask = (data["agency"] == "A03").to_numpy()
    plain = estimate_shares(data, ["gender"], where=mask)
    assert plain["respondents"].sum() == int(mask.sum())
    empty = estimate_shares(data, ["gender"], where=pl.col("land") == "XX")
    assert empty.height == 0 and "share" in empty.columns
    with pytest.raises(ValueError, match="Boolean"):
        estimate_shares(data, where=np.ones(3, dtype=bool))
