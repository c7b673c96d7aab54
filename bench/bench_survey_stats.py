"""Benchmark of the staff-survey statistics (ikoe.stats): definitions, raking, estimates.

Generates synthetic respondents with the structure of a Land staff survey (2 Länder,
16 ministries, ~300 agencies of very different sizes, 5 career groups, 3 genders, 4 age
groups; raw MighEV / Mikrozensus / Einwanderungsgeschichte answers with ~10 % item
non-response; response propensity that differs by career group, gender and age) and personnel
totals from a synthetic population, then times

1. the status under every definition,
2. raking to agency × career group, agency × gender and Land × age group,
3. estimates with confidence intervals for land × ministry × agency × career group × gender
   (weighted, design-based variance with the raking adjustment, logit intervals),

and prints times and peak memory (``resource.getrusage``). With R present, a 100,000-row sample
is also run through R's survey package (rake + svyby/svymean + confint) and the time ratio and
the largest differences are printed.

Usage::

    .venv/bin/python bench/bench_survey_stats.py              # 1 million respondents + R
    .venv/bin/python bench/bench_survey_stats.py --five-million
    .venv/bin/python bench/bench_survey_stats.py --rows 200000 --no-r
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ikoe.stats.definitions import derive_all  # noqa: E402
from ikoe.stats.estimates import estimate_shares  # noqa: E402
from ikoe.stats.weighting import rake  # noqa: E402

R_SCRIPT = ROOT / "tests" / "data" / "stats" / "survey_reference.R"
BY = ["land", "ministry", "agency", "career_group", "gender"]
CAREERS = ["einfach", "mittel", "gehoben", "hoeher", "ausbildung"]
GENDERS = ["w", "m", "d"]
AGES = ["u30", "30-44", "45-54", "55+"]


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux: ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def structure(rng: np.random.Generator) -> pl.DataFrame:
    """Agencies with their ministry and Land and a relative size (Zipf-like)."""
    ministries = [(land, f"{land}-M{m:02d}") for land in ("BE", "HH") for m in range(1, 9)]
    rows = []
    agency = 0
    for land, ministry in ministries:
        for _ in range(int(rng.integers(8, 30))):
            agency += 1
            rows.append((land, ministry, f"A{agency:04d}"))
    sizes = 1.0 / np.arange(1, len(rows) + 1) ** 0.9
    rng.shuffle(sizes)
    return pl.DataFrame(
        {
            "land": [r[0] for r in rows],
            "ministry": [r[1] for r in rows],
            "agency": [r[2] for r in rows],
            "size": sizes / sizes.sum(),
        }
    )


def generate(n: int, seed: int = 1) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """``n`` respondents and the margins (personnel totals) they are raked to."""
    rng = np.random.default_rng(seed)
    orgs = structure(rng)
    agency_idx = rng.choice(orgs.height, n, p=orgs["size"].to_numpy())
    career = rng.choice(5, n, p=[0.05, 0.30, 0.38, 0.20, 0.07])
    gender = rng.choice(3, n, p=[0.58, 0.415, 0.005])
    age = rng.choice(4, n, p=[0.18, 0.32, 0.25, 0.25])
    # migration-related answers, more frequent in einfach/mittel and among the young
    base_logit = (
        -1.6
        + np.array([0.6, 0.3, 0.0, -0.2, 0.7])[career]
        + np.array([0.5, 0.2, -0.1, -0.4])[age]
        + rng.normal(0, 0.3, orgs.height)[agency_idx]
    )
    p_imm = 1 / (1 + np.exp(-(base_logit - 0.4)))
    p_parent = 1 / (1 + np.exp(-base_logit))
    born_abroad = rng.random(n) < p_imm
    german = ~(born_abroad & (rng.random(n) < 0.35))
    german_since_birth = np.where(german, ~born_abroad | (rng.random(n) < 0.3), False)
    mother_abroad = rng.random(n) < np.where(born_abroad, 0.9, p_parent)
    father_abroad = rng.random(n) < np.where(born_abroad, 0.9, p_parent * 0.9)
    year = rng.integers(1960, 2023, n)
    m_year = rng.integers(1950, 2000, n)
    f_year = rng.integers(1950, 2000, n)

    def with_missing(values: np.ndarray, rate: float) -> pl.Series:
        mask = rng.random(n) < rate
        return pl.Series(values).scatter(np.flatnonzero(mask), None)

    data = pl.DataFrame(
        {
            "land": orgs["land"].gather(agency_idx),
            "ministry": orgs["ministry"].gather(agency_idx),
            "agency": orgs["agency"].gather(agency_idx),
            "career_group": pl.Series(CAREERS).gather(career),
            "gender": pl.Series(GENDERS).gather(gender),
            "age_group": pl.Series(AGES).gather(age),
            "german": with_missing(german, 0.06),
            "german_since_birth": with_missing(german_since_birth, 0.08),
            "born_abroad": with_missing(born_abroad, 0.06),
            "immigration_year": with_missing(np.where(born_abroad, year, 0), 0.05).replace(0, None),
            "mother_born_abroad": with_missing(mother_abroad, 0.09),
            "mother_immigration_year": pl.Series(np.where(mother_abroad, m_year, 0)).replace(
                0, None
            ),
            "mother_german_since_birth": with_missing(~mother_abroad, 0.12),
            "father_born_abroad": with_missing(father_abroad, 0.10),
            "father_immigration_year": pl.Series(np.where(father_abroad, f_year, 0)).replace(
                0, None
            ),
            "father_german_since_birth": with_missing(~father_abroad, 0.14),
        }
    ).with_columns(
        pl.col("land", "ministry", "agency", "career_group", "gender", "age_group").cast(
            pl.Categorical
        )
    )
    # population = respondents / response propensity, per cell (consistent margins)
    propensity = (
        0.35
        * np.array([0.6, 0.8, 1.1, 1.3, 0.9])
        * np.array([1.1, 0.9, 0.9])[:, None]
        * np.array([0.8, 1.0, 1.05, 1.1])[:, None, None]
    )
    cells = (
        data.group_by("land", "agency", "career_group", "gender", "age_group")
        .len()
        .with_columns(
            c=pl.col("career_group")
            .cast(pl.String)
            .replace_strict({c: i for i, c in enumerate(CAREERS)}, return_dtype=pl.Int64),
            g=pl.col("gender")
            .cast(pl.String)
            .replace_strict({c: i for i, c in enumerate(GENDERS)}, return_dtype=pl.Int64),
            a=pl.col("age_group")
            .cast(pl.String)
            .replace_strict({c: i for i, c in enumerate(AGES)}, return_dtype=pl.Int64),
        )
    )
    prop = propensity[cells["a"].to_numpy(), cells["g"].to_numpy(), cells["c"].to_numpy()]
    cells = cells.with_columns(total=pl.Series((cells["len"].to_numpy() / prop).round()))
    margins = [
        cells.group_by(keys).agg(pl.col("total").sum())
        for keys in (["agency", "career_group"], ["agency", "gender"], ["land", "age_group"])
    ]
    return data, margins


def run_python(data: pl.DataFrame, margins: list[pl.DataFrame], by: list[str]) -> dict[str, float]:
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    data = derive_all(data)
    times["definitions (3)"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    design = rake(data, margins)
    times["raking"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    est = estimate_shares(data, by, status="status_mighev_short", design=design)
    times["estimates + CIs"] = time.perf_counter() - t2
    times["total"] = time.perf_counter() - t0
    d = design.diagnostics
    print(
        f"  raking: {d.iterations} sweeps, converged={d.converged}, "
        f"max rel. margin deviation {d.max_relative_margin_deviation:.1e}, "
        f"weights {d.weight_min:.2f}–{d.weight_max:.2f} (ratio {d.weight_ratio:.1f}), "
        f"Kish deff {d.design_effect:.3f}"
    )
    print(
        f"  {est.height:,} groups; declared {int(est['declared'].sum()):,} of "
        f"{int(est['respondents'].sum()):,}; median CI width "
        f"{float(np.nanmedian((est['ci_upper'] - est['ci_lower']).to_numpy())):.3f}"
    )
    return times


def r_compare(data: pl.DataFrame, margins: list[pl.DataFrame], n_sample: int) -> None:
    if shutil.which("Rscript") is None:
        print("\nRscript not found: R comparison skipped")
        return
    sample = derive_all(data.sample(n_sample, seed=7)).with_columns(
        pl.col("status_mighev_short").cast(pl.String).alias("status")
    )
    by = ["career_group", "gender"]  # R's svyby costs a full pass per group
    # margins for the sample: the sample's cells scaled up, so classes stay non-empty
    scale = float(np.sum(margins[0]["total"].to_numpy())) / sample.height
    small = [
        sample.group_by(m.columns[:-1]).len().with_columns(total=pl.col("len") * scale).drop("len")
        for m in margins
    ]
    # perturb so raking has work to do while margins stay consistent
    small[0] = small[0].with_columns(
        total=pl.col("total")
        * pl.when(pl.col("career_group").cast(pl.String) == "einfach").then(1.3).otherwise(1.0)
    )
    grand = float(np.sum(small[0]["total"].to_numpy()))
    small = [small[0]] + [
        m.with_columns(total=pl.col("total") * grand / float(np.sum(m["total"].to_numpy())))
        for m in small[1:]
    ]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        out.mkdir()
        cols = ["land", "ministry", "agency", "career_group", "gender", "age_group"]
        sample.select(
            pl.int_range(1, sample.height + 1).alias("id"),
            *(pl.col(c).cast(pl.String) for c in cols),
            pl.lit(1.0).alias("base_weight"),
            "status",
        ).write_csv(Path(tmp) / "survey_sample.csv")
        names = []
        for i, m in enumerate(small):
            name = f"margin_{i}.csv"
            m.with_columns(pl.exclude("total").cast(pl.String)).write_csv(Path(tmp) / name)
            names.append(name)
        (Path(tmp) / "margins.txt").write_text("\n".join(names) + "\n")
        t0 = time.perf_counter()
        proc = subprocess.run(
            ["Rscript", str(R_SCRIPT), tmp, str(out), ",".join(by)],
            capture_output=True,
            text=True,
            env={"IKOE_R_SKIP_BASE": "1", "IKOE_R_SKIP_CIPROP": "1", "PATH": "/usr/bin:/bin"},
        )
        r_wall = time.perf_counter() - t0
        if proc.returncode:
            print("R failed:", proc.stderr[-2000:])
            return
        timing = pl.read_csv(out / "timing.csv").row(0, named=True)
        # Python on the same sample and margins
        t1 = time.perf_counter()
        design = rake(sample, small, tolerance=1e-13)
        t2 = time.perf_counter()
        est = estimate_shares(sample, by, design=design, ci_method="wald")
        t3 = time.perf_counter()
        r_w = pl.read_csv(out / "weights.csv")["weight"].to_numpy()
        r_by = pl.read_csv(out / f"by_{'_'.join(by)}_raked.csv", infer_schema_length=0)
        r_by = r_by.with_columns(pl.exclude(by).str.strip_chars().cast(pl.Float64, strict=False))
        joined = est.with_columns(pl.col(by).cast(pl.String)).join(r_by, on=by)
        diff = max(
            float(np.max(np.abs((joined[a] - joined[b]).to_numpy()), initial=0.0))
            for a, b in [
                ("share", "share_right"),
                ("se", "se_right"),
                ("ci_lower", "wald_lower"),
                ("ci_upper", "wald_upper"),
            ]
        )
        py_rake, py_est = t2 - t1, t3 - t2
        r_total = timing["rake"] + timing["svyby_svymean"]
        print(f"\nR survey {n_sample:,} rows, svyby over {' × '.join(by)} ({est.height} groups):")
        print(
            f"  R: rake {timing['rake']:.2f} s, svyby(svymean)+confint "
            f"{timing['svyby_svymean']:.2f} s (Rscript wall {r_wall:.1f} s)"
        )
        print(f"  Python: rake {py_rake:.3f} s, estimates {py_est:.3f} s")
        print(
            f"  time ratio R/Python (rake + svymean with CI): {r_total / (py_rake + py_est):.0f}×"
        )
        print(
            f"  largest difference: weights {np.abs(r_w - design.weights).max():.1e}, "
            f"shares/SE/CI {diff:.1e}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--five-million", action="store_true", help="5,000,000 respondents")
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    parser.add_argument("--r-sample", type=int, default=100_000)
    args = parser.parse_args(argv)
    n = 5_000_000 if args.five_million else args.rows
    t0 = time.perf_counter()
    data, margins = generate(n)
    gc.collect()
    print(
        f"generated {n:,} respondents, {data['agency'].n_unique()} agencies, "
        f"{data['ministry'].n_unique()} ministries in {time.perf_counter() - t0:.1f} s "
        f"(peak {peak_mb():,.0f} MB)"
    )
    times = run_python(data, margins, BY)
    for name, seconds in times.items():
        print(f"  {name:<18} {seconds:7.2f} s")
    print(f"  peak memory {peak_mb():,.0f} MB")
    if not args.no_r:
        r_compare(data, margins, min(args.r_sample, n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
