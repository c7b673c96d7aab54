"""Representation against a benchmark: gap, index, expected count, shortfall, flags (docs/domain.md §4).

With ``m`` persons with migration background among ``n`` declared staff of a unit and a
benchmark share ``b`` (whole population, population 15–64, employed persons or a custom one,
each with year and definition):

* share ``r = m/n``; gap ``r − b`` in percentage points; index ``r/b``;
* expected count ``E = N·b`` and shortfall ``E − N·r`` in persons, on a basis ``N``:
  the known head count of the unit when given; else, for weighted estimates, the weighted
  population (the head count the weights were raked to); else the declared respondents
  ``n`` (then the shortfall is docs/domain.md's ``E − m``);
* under-representation flags, each computed and named; ``rule`` chooses the one applied
  uniformly as ``under_represented``:

  - ``"80_percent"``: ``r < 0.8·b`` (a share of exactly 80 % of the benchmark is not
    flagged; a 1e-12 tolerance absorbs binary rounding);
  - ``"whole_person"``: shortfall ≥ 1 person (with a 1e-9 tolerance for rounding);
  - ``"z_score"``: ``z = (m − n·b)/√(n·b·(1−b)) ≤ −2``. For weighted estimates ``n`` is the
    Kish effective number of declared respondents and ``m = r·n`` (for unweighted data this is
    exactly the formula above);
  - ``"binomial"``: exact binomial test, lower tail: ``P(X ≤ m)`` for ``X ~ Bin(n, b)`` below
    ``alpha`` (default 0.025, the lower tail of a two-sided 5 % test, the exact counterpart of
    ``z ≤ −1.96``). Counts only: not computed for weighted estimates (null).

Groups without declared persons get no share and no flags (null).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import special  # the functions scipy.stats uses, without importing all of it

FlagRule = Literal["80_percent", "whole_person", "z_score", "binomial"]
FLAG_RULES: tuple[FlagRule, ...] = ("80_percent", "whole_person", "z_score", "binomial")
FLAG_LABELS: dict[str, str] = {
    "80_percent": "80-%-Regel: Anteil unter 80 % des Vergleichswerts",
    "whole_person": "Ganze-Person-Regel: mindestens eine Person fehlt",
    "z_score": "statistisch: z ≤ −2",
    "binomial": "statistisch: exakter Binomialtest (einseitig)",
}
"""German explanation of each flag, for tables and reports."""

BenchmarkPopulation = Literal["population", "population_15_64", "employed", "custom"]


@dataclass(frozen=True)
class Benchmark:
    """A comparison share, explicit about what it measures.

    >>> Benchmark(0.394, "Bevölkerung Berlin", year=2023, definition="mikrozensus")
    Benchmark(share=0.394, label='Bevölkerung Berlin', year=2023, definition='mikrozensus', population='population')
    """

    share: float
    label: str
    year: int | None = None
    definition: str | None = None
    population: BenchmarkPopulation = "population"

    def __post_init__(self) -> None:
        if not 0 < self.share < 1:
            raise ValueError("a benchmark share must be strictly between 0 and 1")


@dataclass(frozen=True)
class Representation:
    """Representation of one unit; see the module docstring for the formulas."""

    share: float
    benchmark: float
    gap_pp: float
    index: float
    basis: float
    expected: float
    shortfall: float
    z: float
    p_binomial: float | None
    flags: tuple[str, ...]
    rule: str
    under_represented: bool


def _z(
    m: npt.NDArray[np.float64], n: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (m - n * b) / np.sqrt(n * b * (1.0 - b))


def representation(
    yes: int,
    declared: int,
    benchmark: float | Benchmark,
    *,
    headcount: float | None = None,
    rule: FlagRule = "z_score",
    alpha: float = 0.025,
    z_threshold: float = -2.0,
) -> Representation:
    """Representation of a unit with ``yes`` of ``declared`` staff (counts, unweighted).

    Berlin's staff survey 2024 against the population (21.7 % vs 39.4 %), for a unit with
    1,000 declared staff and a head count of 1,400:

    >>> r = representation(217, 1000, 0.394, headcount=1400)
    >>> round(r.gap_pp, 1), round(r.index, 4), r.expected, round(r.shortfall, 1), round(r.z, 2)
    (-17.7, 0.5508, 551.6, 247.8, -11.45)
    >>> r.flags, r.under_represented
    (('80_percent', 'whole_person', 'z_score', 'binomial'), True)

    A small unit: 2 of 10 against 30 % is below 80 % of the benchmark, but not significantly:

    >>> representation(2, 10, 0.3).flags
    ('80_percent', 'whole_person')
    """
    b = benchmark.share if isinstance(benchmark, Benchmark) else float(benchmark)
    if declared <= 0:
        raise ValueError("representation needs at least one declared person")
    if not 0 <= yes <= declared:
        raise ValueError("yes must be between 0 and declared")
    table = assess(
        np.array([yes / declared]),
        b,
        yes=np.array([float(yes)]),
        declared=np.array([float(declared)]),
        basis=np.array([float(headcount if headcount is not None else declared)]),
        rule=rule,
        alpha=alpha,
        z_threshold=z_threshold,
    )
    row = table.row(0, named=True)
    p = row["p_binomial"]
    return Representation(
        share=row["share"],
        benchmark=b,
        gap_pp=row["gap_pp"],
        index=row["index"],
        basis=row["basis"],
        expected=row["expected"],
        shortfall=row["shortfall"],
        z=row["z"],
        p_binomial=None if p is None else float(p),
        flags=tuple(row["flags"]),
        rule=rule,
        under_represented=bool(row["under_represented"]),
    )


def assess(
    share: npt.ArrayLike,
    benchmark: float | npt.ArrayLike,
    *,
    yes: npt.ArrayLike | None,
    declared: npt.ArrayLike,
    basis: npt.ArrayLike,
    exact_counts: bool = True,
    rule: FlagRule = "z_score",
    alpha: float = 0.025,
    z_threshold: float = -2.0,
) -> pl.DataFrame:
    """Vectorised core: one row per unit with every indicator and flag.

    ``declared`` is ``n`` for the z statistic (for weighted estimates pass the effective
    number); ``yes`` is ``m`` (``None``: ``share·declared``); ``basis`` is the ``N`` of the
    expected count and shortfall. ``exact_counts=False`` skips the binomial test.
    """
    if rule not in FLAG_RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of {FLAG_RULES}")
    r = np.asarray(share, dtype=np.float64)
    b = np.broadcast_to(np.asarray(benchmark, dtype=np.float64), r.shape)
    if np.any((b <= 0) | (b >= 1)):
        raise ValueError("benchmark shares must be strictly between 0 and 1")
    n = np.asarray(declared, dtype=np.float64)
    m = r * n if yes is None else np.asarray(yes, dtype=np.float64)
    basis_arr = np.asarray(basis, dtype=np.float64)
    valid = np.isfinite(r) & (n > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap_pp = 100.0 * (r - b)
        index = r / b
        expected = basis_arr * b
        shortfall = basis_arr * (b - r)
    z = _z(m, n, b)
    p_bin = np.full(r.shape, np.nan)
    if exact_counts:
        # P(X <= m) for X ~ Bin(n, b), defined for whole numbers of persons only
        whole = valid & (n == np.floor(n))
        p_bin[whole] = special.bdtr(np.round(m[whole]), n[whole].astype(np.int64), b[whole])
    flag_80 = valid & (r < 0.8 * b - 1e-12)  # r = 0.8·b exactly is not below
    flag_person = valid & (shortfall >= 1.0 - 1e-9)  # tolerance for binary fractions
    flag_z = valid & (z <= z_threshold)
    flag_bin = valid & (p_bin < alpha)
    flags = {
        "80_percent": flag_80,
        "whole_person": flag_person,
        "z_score": flag_z,
        "binomial": flag_bin,
    }
    names = np.array(FLAG_RULES)
    stacked = np.column_stack([flags[name] for name in FLAG_RULES])
    flag_lists = [names[row].tolist() for row in stacked]

    def nullable(values: npt.NDArray[np.float64]) -> pl.Series:
        return pl.Series(np.where(valid, values, np.nan)).fill_nan(None)

    def nullable_flag(values: npt.NDArray[np.bool_], available: bool = True) -> pl.Series:
        series = pl.Series(values)
        mask = pl.Series(valid & available)
        return pl.select(pl.when(mask).then(series)).to_series()

    return pl.DataFrame(
        {
            "share": nullable(r),
            "benchmark": b.astype(np.float64),
            "gap_pp": nullable(gap_pp),
            "index": nullable(index),
            "basis": pl.Series(basis_arr).fill_nan(None),
            "expected": pl.Series(expected).fill_nan(None),
            "shortfall": nullable(shortfall),
            "z": nullable(z),
            "p_binomial": nullable(p_bin),
            "flag_80_percent": nullable_flag(flag_80),
            "flag_whole_person": nullable_flag(flag_person),
            "flag_z_score": nullable_flag(flag_z),
            "flag_binomial": nullable_flag(flag_bin, exact_counts),
            "flags": pl.Series(flag_lists, dtype=pl.List(pl.String)),
            "rule": [rule] * r.size,
            "under_represented": nullable_flag(flags[rule], exact_counts or rule != "binomial"),
        }
    )


def representation_table(
    estimates: pl.DataFrame,
    benchmark: float | Benchmark | pl.DataFrame,
    *,
    headcount: str | None = None,
    rule: FlagRule = "z_score",
    alpha: float = 0.025,
    z_threshold: float = -2.0,
) -> pl.DataFrame:
    """Representation of every group of an :func:`ikoe.stats.estimates.estimate_shares` table.

    ``benchmark`` is one share or :class:`Benchmark` for all groups, or a DataFrame with key
    columns of ``estimates`` and a column ``benchmark`` (optionally ``benchmark_label``,
    ``benchmark_year``, ``benchmark_definition``), e.g. one population share per Land.
    ``headcount`` names a column of ``estimates`` with known head counts (the basis of expected
    count and shortfall). The result is ``estimates`` with the representation columns added
    (``benchmark``, ``benchmark_label``, ``benchmark_year``, ``benchmark_definition``,
    ``gap_pp``, ``index``, ``basis``, ``basis_kind``, ``expected``, ``shortfall``, ``z``,
    ``p_binomial``, ``flag_80_percent``, ``flag_whole_person``, ``flag_z_score``,
    ``flag_binomial``, ``flags``, ``rule``, ``under_represented``).

    >>> est = pl.DataFrame({"unit": ["a", "b"], "yes": [2, 30], "declared": [10, 100],
    ...                     "share": [0.2, 0.3], "weighted": [False, False],
    ...                     "population": [12.0, 120.0], "population_declared": [10.0, 100.0],
    ...                     "effective_n": [10.0, 100.0]})
    >>> t = representation_table(est, Benchmark(0.3, "Bevölkerung", 2023))
    >>> t.select("unit", pl.col("gap_pp", "expected", "shortfall").round(6), "flags").rows()
    [('a', -10.0, 3.0, 1.0, ['80_percent', 'whole_person']), ('b', 0.0, 30.0, 0.0, [])]
    """
    est = estimates
    if isinstance(benchmark, pl.DataFrame):
        keys = [c for c in benchmark.columns if not c.startswith("benchmark")]
        if "benchmark" not in benchmark.columns or not keys:
            raise ValueError("a benchmark table needs key columns and a 'benchmark' column")
        bench = benchmark
        for extra, dtype in (
            ("benchmark_label", pl.String),
            ("benchmark_year", pl.Int64),
            ("benchmark_definition", pl.String),
        ):
            if extra not in bench.columns:
                bench = bench.with_columns(pl.lit(None, dtype=dtype).alias(extra))
        est = est.join(
            bench.select(
                *keys, "benchmark", "benchmark_label", "benchmark_year", "benchmark_definition"
            ),
            on=keys,
            how="left",
            maintain_order="left",
        )
        if est.get_column("benchmark").null_count():
            raise ValueError("some groups have no benchmark in the benchmark table")
    else:
        bm = benchmark if isinstance(benchmark, Benchmark) else Benchmark(float(benchmark), "")
        est = est.with_columns(
            pl.lit(bm.share).alias("benchmark"),
            pl.lit(bm.label).alias("benchmark_label"),
            pl.lit(bm.year, dtype=pl.Int64).alias("benchmark_year"),
            pl.lit(bm.definition, dtype=pl.String).alias("benchmark_definition"),
        )
    weighted = (
        est.get_column("weighted").to_numpy().astype(bool)
        if "weighted" in est.columns
        else np.zeros(est.height, dtype=bool)
    )
    if headcount is not None:
        basis = est.get_column(headcount).cast(pl.Float64).to_numpy()
        kind = np.full(est.height, "headcount", dtype=object)
    else:
        declared_basis = est.get_column("declared").cast(pl.Float64).to_numpy()
        population = (
            est.get_column("population").cast(pl.Float64).to_numpy()
            if "population" in est.columns
            else declared_basis
        )
        basis = np.where(weighted, population, declared_basis)
        kind = np.where(weighted, "weighted_population", "declared")
    share = est.get_column("share").cast(pl.Float64).fill_null(np.nan).to_numpy()
    declared = est.get_column("declared").cast(pl.Float64).to_numpy()
    n_eff = (
        est.get_column("effective_n").cast(pl.Float64).fill_null(np.nan).to_numpy()
        if "effective_n" in est.columns
        else declared
    )
    n_for_z = np.where(weighted, n_eff, declared)
    yes = np.where(weighted, share * n_for_z, est.get_column("yes").cast(pl.Float64).to_numpy())
    core = assess(
        share,
        est.get_column("benchmark").cast(pl.Float64).to_numpy(),
        yes=yes,
        declared=n_for_z,
        basis=basis,
        rule=rule,
        alpha=alpha,
        z_threshold=z_threshold,
    )
    if weighted.any():
        unavailable = pl.Series(weighted)
        core = core.with_columns(
            pl.when(unavailable).then(None).otherwise(pl.col("p_binomial")).alias("p_binomial"),
            pl.when(unavailable)
            .then(None)
            .otherwise(pl.col("flag_binomial"))
            .alias("flag_binomial"),
            pl.when(unavailable)
            .then(pl.col("flags").list.set_difference(["binomial"]))
            .otherwise(pl.col("flags"))
            .alias("flags"),
        )
        if rule == "binomial":
            core = core.with_columns(
                pl.when(unavailable)
                .then(None)
                .otherwise(pl.col("under_represented"))
                .alias("under_represented")
            )
    out = est.with_columns(
        core.drop("share", "benchmark").with_columns(pl.Series("basis_kind", kind.tolist()))
    )
    return out.with_columns(pl.col("basis_kind").cast(pl.String))
