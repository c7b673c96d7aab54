"""Agreement with R's survey package on the shared file tests/data/stats/survey_sample.csv.

R rakes ``svydesign(ids = ~1, weights = ~base_weight)`` to the three margins of
``margins.txt`` and computes, for the declared respondents as a domain,
``svymean`` / ``svyby(svymean)`` with ``confint`` (Wald) and ``svyciprop`` (logit and xlogit).
ikoe must agree to 1e-6 (weights relative, shares, standard errors and interval bounds
absolute). Runs whenever ``Rscript`` is on the PATH; the script is
``tests/data/stats/survey_reference.R`` (also used by ``bench/bench_survey_stats.py``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ikoe.stats.estimates import estimate_shares, wilson_interval
from ikoe.stats.weighting import SurveyDesign, design_from_weights, rake

DATA = Path(__file__).parent / "data" / "stats"
TOL = 1e-6
BYS = [["agency", "gender"], ["career_group"], ["agency", "career_group", "age_group"]]

pytestmark = [
    pytest.mark.r,
    pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed"),
]


@pytest.fixture(scope="module")
def r_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("r_survey")
    proc = subprocess.run(
        [
            "Rscript",
            str(DATA / "survey_reference.R"),
            str(DATA),
            str(out),
            *(",".join(by) for by in BYS),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


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
