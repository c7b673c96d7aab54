"""Trends across survey years of the same population.

Input: the :func:`ikoe.stats.estimates.estimate_shares` tables of several survey years stacked
into one, with a ``year`` column. For every group and every pair of consecutive years (or each
year against the first, ``compare="first"``) :func:`trend` reports the change and a simple test
of the difference, where both years have a share with a standard error:

* both years unweighted (``ci_method == "wilson"``): pooled two-proportion z-test
  ``z = (p₂ − p₁)/√(P(1−P)(1/n₁ + 1/n₂))`` with ``P = (m₁ + m₂)/(n₁ + n₂)``, and Newcombe's
  hybrid score interval for the difference (built from the two Wilson intervals);
* otherwise (weighted): ``z = (p₂ − p₁)/√(se₁² + se₂²)`` and the Wald interval
  ``p₂ − p₁ ± z_{1−α/2}·√(se₁² + se₂²)``.

Both treat the years as independent samples. In repeated staff surveys many persons answer in
both years; with positive correlation the test is then conservative.

All years must use the same definition (column ``definition`` when present), otherwise
:class:`ValueError`: a trend across definitions is not a trend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from scipy import special  # the functions scipy.stats uses, without importing all of it

from ikoe.stats.estimates import normal_quantile, wilson_bounds


def trend(
    estimates: pl.DataFrame,
    by: Sequence[str] = (),
    *,
    year: str = "year",
    compare: Literal["previous", "first"] = "previous",
    level: float = 0.95,
) -> pl.DataFrame:
    """Change of the share between survey years, per group of ``by``.

    Columns: the ``by`` columns, ``year_from``, ``year_to``, ``share_from``, ``share_to``,
    ``change_pp`` (percentage points), ``ci_lower_pp``, ``ci_upper_pp``, ``z``, ``p_value``
    (two-sided), ``significant`` (p below 1 − level), ``test`` (``"pooled_z"`` or
    ``"design_z"``), ``declaration_rate_from``, ``declaration_rate_to``. Rows whose years lack
    a share or a standard error have null test columns.

    >>> est = pl.DataFrame({"year": [2020, 2024], "yes": [150, 217], "declared": [1000, 1000],
    ...                     "share": [0.15, 0.217], "se": [0.0113, 0.0130],
    ...                     "ci_method": ["wilson", "wilson"], "declaration_rate": [0.8, 0.9]})
    >>> t = trend(est)
    >>> t.select("year_from", "year_to", pl.col("change_pp", "z").round(2), "significant").rows()
    [(2020, 2024, 6.7, 3.87, True)]
    """
    by = list(by)
    _check(estimates, year)
    z_crit = normal_quantile(level)
    pairs = _pair_years(_columns(estimates, by, year), by, year, compare)
    tests = _difference_tests(pairs, level, z_crit)
    return _result(pairs, by, tests, level)


def _check(estimates: pl.DataFrame, year: str) -> None:
    """Refuse estimates without the year column or with years of different definitions."""
    if year not in estimates.columns:
        raise ValueError(f"no column {year!r} in the estimates")
    if "definition" in estimates.columns:
        definitions = estimates.get_column("definition").drop_nulls().unique().to_list()
        if len(definitions) > 1:
            raise ValueError(f"the years use different definitions: {sorted(definitions)}")


def _columns(estimates: pl.DataFrame, by: list[str], year: str) -> pl.DataFrame:
    """The columns a trend needs, sorted by group and year; ``ci_method`` ``"wald"`` and a null
    ``declaration_rate`` where the estimates have none."""
    cols = [year, "share", "se", "yes", "declared", "ci_method", "declaration_rate"]
    present = [c for c in cols if c in estimates.columns]
    data = estimates.select(*by, *present).sort(*by, year)
    if "ci_method" not in data.columns:
        data = data.with_columns(pl.lit("wald").alias("ci_method"))
    if "declaration_rate" not in data.columns:
        data = data.with_columns(pl.lit(None, dtype=pl.Float64).alias("declaration_rate"))
    return data


def _pair_years(
    data: pl.DataFrame, by: list[str], year: str, compare: Literal["previous", "first"]
) -> pl.DataFrame:
    """One row per pair of years and group: the later year's columns as they are (``year`` as
    ``year_to``, ``share`` as ``share_to``), the earlier year's with ``_from`` appended.

    >>> data = pl.DataFrame({"year": [2020, 2022, 2024], "share": [0.1, 0.2, 0.3]})
    >>> _pair_years(data, [], "year", "previous").select("year_from", "year_to").rows()
    [(2020, 2022), (2022, 2024)]
    >>> _pair_years(data, [], "year", "first").select("year_from", "year_to").rows()
    [(2020, 2022), (2020, 2024)]
    """
    over = by or None
    if compare == "previous":
        shifted = [
            pl.col(c).shift(1).over(over).alias(f"{c}_from")
            if over
            else pl.col(c).shift(1).alias(f"{c}_from")
            for c in data.columns
            if c not in by
        ]
    elif compare == "first":
        shifted = [
            pl.col(c).first().over(over).alias(f"{c}_from")
            if over
            else pl.col(c).first().alias(f"{c}_from")
            for c in data.columns
            if c not in by
        ]
    else:
        raise ValueError(f"compare must be 'previous' or 'first', not {compare!r}")
    return (
        data.with_columns(shifted)
        .filter(pl.col(f"{year}_from").is_not_null() & (pl.col(f"{year}_from") != pl.col(year)))
        .rename(
            {
                year: "year_to",
                f"{year}_from": "year_from",
                "share": "share_to",
                "share_from": "share_from",
            }
        )
    )


def _floats(pairs: pl.DataFrame, column: str) -> np.ndarray:
    """A column as floats, NaN for null."""
    return pairs.get_column(column).cast(pl.Float64).fill_null(np.nan).to_numpy()


@dataclass(frozen=True)
class _Tests:
    """Per pair of years: the difference of the shares, its interval, ``z`` and ``p``, and
    whether the pooled test (both years unweighted) was used."""

    diff: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    unweighted: np.ndarray


def _difference_tests(pairs: pl.DataFrame, level: float, z_crit: float) -> _Tests:
    """The tests of the module docstring: pooled z and Newcombe's interval where both years
    are unweighted and have counts, otherwise the design-based z and Wald interval."""
    p1 = _floats(pairs, "share_from")
    p2 = _floats(pairs, "share_to")
    se1 = _floats(pairs, "se_from")
    se2 = _floats(pairs, "se")
    unweighted = (
        (
            (pairs.get_column("ci_method_from") == "wilson")
            & (pairs.get_column("ci_method") == "wilson")
        )
        .fill_null(False)
        .to_numpy()
    )
    if "yes" in pairs.columns and "declared" in pairs.columns:
        m1 = _floats(pairs, "yes_from")
        m2 = _floats(pairs, "yes")
        n1 = _floats(pairs, "declared_from")
        n2 = _floats(pairs, "declared")
    else:
        m1 = m2 = n1 = n2 = np.full(pairs.height, np.nan)
        unweighted = np.zeros(pairs.height, dtype=bool)
    diff = p2 - p1
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (m1 + m2) / (n1 + n2)
        se_pooled = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        se_design = np.sqrt(se1**2 + se2**2)
        z = np.where(unweighted, diff / se_pooled, diff / se_design)
    l1, u1 = wilson_bounds(m1, np.nan_to_num(n1), level)
    l2, u2 = wilson_bounds(m2, np.nan_to_num(n2), level)
    newcombe_lo = diff - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    newcombe_hi = diff + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    lo = np.where(unweighted, newcombe_lo, diff - z_crit * se_design)
    hi = np.where(unweighted, newcombe_hi, diff + z_crit * se_design)
    z = np.where(np.isfinite(z), z, np.nan)
    p_value = 2 * special.ndtr(-np.abs(z))
    return _Tests(diff, lo, hi, z, p_value, unweighted)


def _result(pairs: pl.DataFrame, by: list[str], tests: _Tests, level: float) -> pl.DataFrame:
    """The columns :func:`trend` returns, in its order."""
    alpha = 1 - level

    def col(values: np.ndarray) -> pl.Series:
        return pl.Series(np.asarray(values, dtype=np.float64)).fill_nan(None)

    result = pairs.select(*by, "year_from", "year_to", "share_from", "share_to").with_columns(
        col(100 * tests.diff).alias("change_pp"),
        col(100 * tests.lo).alias("ci_lower_pp"),
        col(100 * tests.hi).alias("ci_upper_pp"),
        col(tests.z).alias("z"),
        col(tests.p_value).alias("p_value"),
        pl.Series(np.where(tests.unweighted, "pooled_z", "design_z").tolist()).alias("test"),
        pairs.get_column("declaration_rate_from").alias("declaration_rate_from"),
        pairs.get_column("declaration_rate").alias("declaration_rate_to"),
    )
    return result.with_columns((pl.col("p_value") < alpha).alias("significant")).select(
        *by,
        "year_from",
        "year_to",
        "share_from",
        "share_to",
        "change_pp",
        "ci_lower_pp",
        "ci_upper_pp",
        "z",
        "p_value",
        "significant",
        "test",
        "declaration_rate_from",
        "declaration_rate_to",
    )
