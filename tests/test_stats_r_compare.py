"""Agreement with R's survey package on the shared file tests/data/stats/survey_sample.csv.

R rakes ``svydesign(ids = ~1, weights = ~base_weight)`` to the three margins of
``margins.txt`` and computes, for the declared respondents as a domain,
``svymean`` / ``svyby(svymean)`` with ``confint`` (Wald) and ``svyciprop`` (logit and xlogit).
ikoe must agree to 1e-6 (weights relative, shares, standard errors and interval bounds
absolute). Runs whenever ``Rscript`` is on the PATH; the script is
``tests/data/stats/survey_reference.R`` (also used by ``bench/bench_survey_stats.py``).

The weighting to personnel totals (:func:`ikoe.stats.weighting.weight_to_totals`) is compared
on a generated survey with an organisation tree, sparse cells and unanswered classes: its cells
(formed and collapsed by ikoe) go to R, which post-stratifies to them (``postStratify``, one
totals table) or rakes to the cells of two tables (``rake``); weights, shares and standard
errors must agree to 1e-6.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ikoe.stats.estimates import estimate_shares, wilson_interval
from ikoe.stats.weighting import (
    SurveyDesign,
    design_from_weights,
    rake,
    weight_to_totals,
    weighting_cells,
)

DATA = Path(__file__).parent / "data" / "stats"
TOL = 1e-6
BYS = [["agency", "gender"], ["career_group"], ["agency", "career_group", "age_group"]]

pytestmark = [
    pytest.mark.r,
    pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed"),
]


def run_r(indir: Path, out: Path, bys: list[list[str]], **env: str) -> Path:
    """``survey_reference.R`` on the files in ``indir``; its results in ``out``."""
    proc = subprocess.run(
        ["Rscript", str(DATA / "survey_reference.R"), str(indir), str(out)]
        + [",".join(by) for by in bys],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def r_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_r(DATA, tmp_path_factory.mktemp("r_survey"), BYS)


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return pl.read_csv(DATA / "survey_sample.csv", schema_overrides={"agency": pl.String})


@pytest.fixture(scope="module")
def designs(sample: pl.DataFrame) -> dict[str, SurveyDesign]:
    margins = [
        pl.read_csv(DATA / name.strip())
        for name in (DATA / "margins.txt").read_text().splitlines()
        if name.strip()
    ]
    raked = rake(sample, margins, base_weights="base_weight", tolerance=1e-14)
    assert raked.diagnostics.converged
    return {"raked": raked, "base": design_from_weights(sample["base_weight"].to_numpy())}


def max_abs(values: pl.Series) -> float:
    return float(np.max(np.abs(values.to_numpy()), initial=0.0))


def read_r(path: Path, keys: list[str]) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema_length=0)
    return frame.with_columns(
        pl.exclude(*keys, "design").str.strip_chars().cast(pl.Float64, strict=False)
    )


def test_raked_weights(r_out: Path, designs: dict[str, SurveyDesign]) -> None:
    r_weights = pl.read_csv(r_out / "weights.csv")["weight"].to_numpy()
    ours = designs["raked"].weights
    assert np.max(np.abs(r_weights / ours - 1)) < TOL
    assert np.max(np.abs(r_weights - ours)) < TOL


@pytest.mark.parametrize("design_name", ["raked", "base"])
def test_overall_share_and_intervals(
    r_out: Path, sample: pl.DataFrame, designs: dict[str, SurveyDesign], design_name: str
) -> None:
    r = read_r(r_out / f"overall_{design_name}.csv", []).row(0, named=True)
    design = designs[design_name]
    wald = estimate_shares(sample, design=design, ci_method="wald").row(0, named=True)
    logit = estimate_shares(sample, design=design, ci_method="logit").row(0, named=True)
    assert abs(wald["share"] - r["share"]) < TOL
    assert abs(wald["se"] - r["se"]) < TOL
    assert abs(wald["ci_lower"] - r["wald_lower"]) < TOL
    assert abs(wald["ci_upper"] - r["wald_upper"]) < TOL
    for bound in ("lower", "upper"):
        assert abs(logit[f"ci_{bound}"] - r[f"logit_{bound}"]) < TOL
        assert abs(logit[f"ci_{bound}"] - r[f"xlogit_{bound}"]) < TOL


@pytest.mark.parametrize("design_name", ["raked", "base"])
@pytest.mark.parametrize("by", BYS, ids=["_".join(b) for b in BYS])
def test_domains_svyby(
    r_out: Path,
    sample: pl.DataFrame,
    designs: dict[str, SurveyDesign],
    design_name: str,
    by: list[str],
) -> None:
    r = read_r(r_out / f"by_{'_'.join(by)}_{design_name}.csv", by)
    design = designs[design_name]
    wald = estimate_shares(sample, by, design=design, ci_method="wald")
    logit = estimate_shares(sample, by, design=design, ci_method="logit").select(
        *by,
        pl.col("ci_lower").alias("our_logit_lower"),
        pl.col("ci_upper").alias("our_logit_upper"),
    )
    ours = wald.filter(pl.col("declared") > 0).join(logit, on=by)
    joined = ours.join(r, on=by, how="full", coalesce=True)
    assert joined.height == ours.height == r.height  # the same domains on both sides
    for a, b in [
        ("share", "share_right"),
        ("se", "se_right"),
        ("ci_lower", "wald_lower"),
        ("ci_upper", "wald_upper"),
    ]:
        assert max_abs(joined[a] - joined[b]) < TOL, a
    # logit interval = R's svyciprop(method = "xlogit") wherever that is defined
    regular = joined.filter(
        (pl.col("share") > 0) & (pl.col("share") < 1) & (pl.col("declared") >= 2)
    )
    for bound in ("lower", "upper"):
        assert max_abs(regular[f"our_logit_{bound}"] - regular[f"xlogit_{bound}"]) < TOL
    # ... and = svyciprop(method = "logit") wherever R's logistic fit converged. On raked
    # designs R's svyglm often diverges from its default start in a domain (intercept
    # around -1e15, interval [0, 0] or [0, NaN], which excludes R's own svymean estimate);
    # started at 0 it converges to logit(share). Those domains are compared via xlogit only.
    converged = regular.filter(
        pl.col("logit_lower").is_finite()
        & pl.col("logit_upper").is_finite()
        & (pl.col("logit_lower") < pl.col("share"))
        & (pl.col("share") < pl.col("logit_upper"))
    )
    for bound in ("lower", "upper"):
        assert max_abs(converged[f"our_logit_{bound}"] - converged[f"logit_{bound}"]) < TOL
    assert converged.height >= regular.height // 2


def test_wilson_equals_prop_test() -> None:
    """Wilson = R's prop.test(correct = FALSE) interval."""
    code = (
        "for (a in list(c(7,20), c(1,9), c(0,5), c(123,1000))) "
        "cat(sprintf('%.15f %.15f\\n', prop.test(a[1], a[2], correct=FALSE)$conf.int[1], "
        "prop.test(a[1], a[2], correct=FALSE)$conf.int[2]))"
    )
    proc = subprocess.run(
        ["Rscript", "-e", f"suppressWarnings({{{code}}})"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    r_bounds = [tuple(float(x) for x in line.split()) for line in proc.stdout.splitlines()]
    for (m, n), (lo, hi) in zip([(7, 20), (1, 9), (0, 5), (123, 1000)], r_bounds, strict=True):
        ours = wilson_interval(m, n)
        assert abs(ours[0] - lo) < 1e-12 and abs(ours[1] - hi) < 1e-12


# ---------------------------------------------------------------------------------------------
# Weighting to personnel totals: post-stratification (one table) and raking (two tables)

TREE: dict[str, str | None] = {
    "L": None,
    "M1": "L",
    "M2": "L",
    "A1": "M1",
    "A2": "M1",
    "A3": "M1",
    "A4": "M2",
    "A5": "M2",
    "U1": "A1",
    "U2": "A1",
}
LISTED = ("M1", "A1", "U1", "U2", "A2", "A3", "A4", "A5")  # M1 and A1: their own staff
CAREERS = ("einfach", "mittel", "gehoben", "hoeher")
GENDERS = ("w", "m", "d")
AGES = ("u30", "30-49", "50+")
PS_BYS = [["career_group"], ["agency", "gender"], ["ministry", "career_group"]]


def generated_survey(seed: int = 11) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Respondents and two tables of the same staff: organisation × career group × gender and
    organisation × age group. Response varies with organisation, career group, gender and their
    combination; 4 % leave the career group and 3 % the gender unanswered; small units and the
    gender d give sparse cells."""
    rng = np.random.default_rng(seed)
    size = dict(zip(LISTED, [250, 900, 60, 140, 2200, 1600, 3000, 1200], strict=True))
    staff = []
    for org in LISTED:
        mix = rng.dirichlet([2, 8, 8, 4])
        for c, career in enumerate(CAREERS):
            for g, gender in enumerate(GENDERS):
                for age in AGES:
                    share = mix[c] * (0.985 * (0.55, 0.45)[g] if g < 2 else 0.015) / len(AGES)
                    staff.append((org, career, gender, age, int(rng.poisson(size[org] * share))))
    cells = pl.DataFrame(
        staff,
        schema=["organisation", "career_group", "gender", "age_group", "headcount"],
        orient="row",
    ).filter(pl.col("headcount") > 0)
    rates = 0.22 * np.exp(rng.normal(0, 0.35, cells.height))  # every combination its own rate
    answered = rng.binomial(cells["headcount"].to_numpy(), np.minimum(rates, 0.9))
    resp = cells.select(pl.exclude("headcount"))[np.repeat(np.arange(cells.height), answered)]
    n = resp.height
    career_index = resp["career_group"].replace_strict(
        {c: i for i, c in enumerate(CAREERS)}, return_dtype=pl.Int64
    )
    p_yes = 1 / (
        1
        + np.exp(
            -(-1.2 + 0.4 * (career_index.to_numpy() == 0) - 0.3 * (career_index.to_numpy() == 3))
        )
    )
    status = np.where(rng.random(n) < 0.1, "unknown", np.where(rng.random(n) < p_yes, "yes", "no"))
    resp = resp.with_columns(
        pl.when(pl.Series(rng.random(n) < 0.04))
        .then(None)
        .otherwise(pl.col("career_group"))
        .alias("career_group"),
        pl.when(pl.Series(rng.random(n) < 0.03))
        .then(None)
        .otherwise(pl.col("gender"))
        .alias("gender"),
        pl.Series("status", status),
    )
    by_career_gender = cells.group_by("organisation", "career_group", "gender").agg(
        pl.col("headcount").sum()
    )
    by_age = cells.group_by("organisation", "age_group").agg(pl.col("headcount").sum())
    return resp, by_career_gender.sort(pl.all()), by_age.sort(pl.all())


def with_groups(resp: pl.DataFrame) -> pl.DataFrame:
    """Columns to break the shares down by (unanswered classes as "_U", as in R's file)."""

    def above(code: str, level: str) -> str:
        node: str | None = code
        while node is not None and not node.startswith(level):
            node = TREE[node]
        return node or code

    orgs = resp["organisation"].to_list()
    return resp.with_columns(
        pl.Series("agency", [above(o, "A") for o in orgs]),
        pl.Series("ministry", [above(o, "M") for o in orgs]),
        pl.col("career_group").fill_null("_U"),
        pl.col("gender").fill_null("_U"),
    )


@pytest.fixture(scope="module", params=["poststratify", "rake"])
def weighted_to_totals(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, pl.DataFrame, SurveyDesign, Path]:
    resp, by_career_gender, by_age = generated_survey()
    tables = [by_career_gender] if request.param == "poststratify" else [by_career_gender, by_age]
    design = weight_to_totals(resp, tables, parent=TREE, total="headcount", tolerance=1e-14)
    assert design.diagnostics.converged
    indir = tmp_path_factory.mktemp(f"r_{request.param}_in")
    sample = with_groups(resp).with_row_index("id", offset=1)
    names = []
    for k, table in enumerate(tables):
        cells = weighting_cells(resp, table, parent=TREE, total="headcount")
        assert cells.summary.collapsed > 0  # the comparison covers collapsed cells
        sample = sample.with_columns(pl.Series(f"cell_{k}", [f"c{c}" for c in cells.codes]))
        pl.DataFrame(
            {f"cell_{k}": [f"c{c}" for c in range(cells.size)], "total": cells.totals}
        ).write_csv(indir / f"cells_{k}.csv", float_precision=17)
        names.append(f"cells_{k}.csv")
    (indir / "margins.txt").write_text("\n".join(names) + "\n")
    sample.with_columns(base_weight=pl.lit(1.0)).write_csv(indir / "survey_sample.csv")
    out = run_r(
        indir,
        tmp_path_factory.mktemp(f"r_{request.param}_out"),
        PS_BYS,
        IKOE_R_METHOD=request.param,
        IKOE_R_SKIP_BASE="1",
        IKOE_R_SKIP_CIPROP="1",
    )
    return request.param, with_groups(resp), design, out


def test_weights_to_totals_agree_with_r(weighted_to_totals) -> None:
    method, _data, design, out = weighted_to_totals
    assert design.diagnostics.method == {"poststratify": "post-stratification"}.get(
        method, "raking"
    )
    r_weights = pl.read_csv(out / "weights.csv")["weight"].to_numpy()
    assert np.max(np.abs(r_weights / design.weights - 1)) < TOL
    assert np.max(np.abs(r_weights - design.weights)) < TOL


def test_shares_and_standard_errors_weighted_to_totals_agree_with_r(weighted_to_totals) -> None:
    _method, data, design, out = weighted_to_totals
    r = read_r(out / "overall_raked.csv", []).row(0, named=True)
    ours = estimate_shares(data, design=design, ci_method="wald").row(0, named=True)
    for a, b in [
        ("share", "share"),
        ("se", "se"),
        ("ci_lower", "wald_lower"),
        ("ci_upper", "wald_upper"),
    ]:
        assert abs(ours[a] - r[b]) < TOL, a
    for by in PS_BYS:
        r = read_r(out / f"by_{'_'.join(by)}_raked.csv", by)
        ours = estimate_shares(data, by, design=design, ci_method="wald").filter(
            pl.col("declared") > 0
        )
        joined = ours.join(r, on=by, how="full", coalesce=True)
        assert joined.height == ours.height == r.height, by
        for a, b in [("share", "share_right"), ("se", "se_right"), ("ci_lower", "wald_lower")]:
            assert max_abs(joined[a] - joined[b]) < TOL, (by, a)
