"""Shares with migration background by group, with declaration rates and confidence intervals.

For every group (any combination of ``land``, ``ministry``, ``agency``, ``unit``,
``career_group``, ``employment``, ``gender``, ``age_group``, ``leadership`` or other columns)
:func:`estimate_shares` reports respondents, declared persons, the declaration rate and the
share of ``"yes"`` among the declared, with a confidence interval:

* **unweighted** (``design=None``): share ``m/n``, Wilson score interval, standard error
  ``√(p(1−p)/n)``;
* **weighted** (``design`` from :func:`ikoe.stats.weighting.weight_to_totals`,
  :func:`ikoe.stats.weighting.rake` or :func:`ikoe.stats.weighting.design_from_weights`): the
  weighted share ``Σ_declared,yes w / Σ_declared w`` and its design-based linearisation standard
  error, exactly as R's ``survey`` package computes ``svyby(~y, ~group, subset(design,
  declared), svymean)`` on ``svydesign(ids = ~1, weights = …)`` followed by ``rake()`` (the
  variance takes the calibration to the margins into account; see :mod:`ikoe.stats._variance`;
  a single margin of cells from equal starting weights is R's ``postStratify()``).
  The interval ("design-based") is, by ``ci_method``:

  - ``"logit"`` (default): on the logit scale, ``logit(p) ± t·se/(p(1−p))`` back-transformed,
    with ``t`` the Student quantile on ``declared − 1`` degrees of freedom (R's ``degf`` of the
    domain). This is R's ``svyciprop(method = "xlogit")`` exactly, and R's default
    ``svyciprop(method = "logit")`` wherever R's logistic fit converges (on raked designs R's
    ``svyglm`` often diverges in domains from its default start and returns [0, 0]; started
    at 0 it converges to the same value). Stays inside (0, 1). For ``p`` = 0 or 1 the
    interval is the point ``[p, p]`` (the standard error is 0).
  - ``"wald"``: R's ``confint(svymean(...))``: ``p ± z·se`` with the normal quantile; not
    clipped, so it can leave [0, 1] for small groups, exactly as in R.

"Unknown" status (no answer) is never counted as "no": shares are among the declared; the
declaration rate is reported beside every share. A group with no declared person has no share
(null).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import special  # the functions scipy.stats uses, without importing all of it

from ikoe.stats._codes import group_codes, group_sums
from ikoe.stats._variance import domain_mean_variance
from ikoe.stats.weighting import SurveyDesign

FloatArray = npt.NDArray[np.float64]
CIMethod = Literal["logit", "wald"]

RESULT_COLUMNS: tuple[str, ...] = (
    "respondents",
    "declared",
    "yes",
    "declaration_rate",
    "share",
    "se",
    "ci_lower",
    "ci_upper",
    "ci_method",
    "weighted",
    "population",
    "population_declared",
    "declaration_rate_weighted",
    "effective_n",
)
"""Columns of :func:`estimate_shares` after the group columns (and ``definition`` if given)."""

Where = pl.Expr | npt.NDArray[np.bool_] | pl.Series | None


def normal_quantile(level: float) -> float:
    """Two-sided normal quantile for a confidence level.

    >>> round(normal_quantile(0.95), 6)
    1.959964
    """
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    return float(special.ndtri(0.5 + level / 2))


def wilson_bounds(
    successes: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval, vectorised; NaN where ``n`` is 0.

    ``(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = successes/n``.

    >>> lo, hi = wilson_bounds([7, 0], [20, 10])
    >>> [round(float(x), 4) for x in lo], [round(float(x), 4) for x in hi]
    ([0.1812, 0.0], [0.5671, 0.2775])
    """
    m = np.asarray(successes, dtype=np.float64)
    nn = np.asarray(n, dtype=np.float64)
    z = normal_quantile(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = m / nn
        denom = 1.0 + z * z / nn
        centre = (p + z * z / (2.0 * nn)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / nn + z * z / (4.0 * nn * nn))
    lower = np.where(nn > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    upper = np.where(nn > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return lower, upper


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n`` (docs/domain.md §4, unweighted shares).

    >>> [round(x, 6) for x in wilson_interval(7, 20)]
    [0.181192, 0.567146]
    """
    lower, upper = wilson_bounds([successes], [n], level)
    return float(lower[0]), float(upper[0])


def shares_from_counts(
    yes: npt.ArrayLike, declared: npt.ArrayLike, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unweighted shares ``yes / declared`` with their standard errors and Wilson intervals.

    >>> share, se, lower, upper = shares_from_counts([7], [20])
    >>> round(float(share[0]), 3), round(float(se[0]), 4), round(float(lower[0]), 4)
    (0.35, 0.1067, 0.1812)
    """
    n_yes = np.asarray(yes, dtype=np.float64)
    n_declared = np.asarray(declared, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = n_yes / n_declared
        se = np.sqrt(share * (1.0 - share) / n_declared)
    lower, upper = wilson_bounds(n_yes, n_declared, level)
    return share, se, lower, upper


def logit_bounds(
    share: npt.ArrayLike, se: npt.ArrayLike, df: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """R's ``svyciprop(method="logit")`` interval from a share, its SE and degrees of freedom.

    ``expit(logit(p) ± t_df·se/(p(1−p)))``; ``[p, p]`` for ``p`` in {0, 1}; NaN for ``df < 1``.

    >>> lo, hi = logit_bounds([0.3], [0.05], [99])
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.2109, 0.4074)
    """
    p = np.asarray(share, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    d = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = special.stdtrit(np.where(d >= 1, d, np.nan), 0.5 + level / 2)
        inner = (p > 0) & (p < 1)
        pc = np.where(inner, p, 0.5)
        centre = np.log(pc / (1.0 - pc))
        half = t * s / (pc * (1.0 - pc))
        lower = np.where(inner, 1.0 / (1.0 + np.exp(-(centre - half))), p)
        upper = np.where(inner, 1.0 / (1.0 + np.exp(-(centre + half))), p)
    bad = ~(d >= 1) | np.isnan(p)
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


def _status_flags(column: pl.Series) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(is yes, is declared) per row from a status column (Enum/String or Boolean)."""
    if column.dtype == pl.Boolean:
        yes = column.fill_null(False).to_numpy()
        declared = column.is_not_null().to_numpy()
        return yes.astype(bool), declared.astype(bool)
    text = column.cast(pl.String)
    yes = (text == "yes").fill_null(False).to_numpy()
    no = (text == "no").fill_null(False).to_numpy()
    return yes.astype(bool), (yes | no).astype(bool)


def _mask(
    data: pl.DataFrame, where: pl.Expr | npt.NDArray[np.bool_] | pl.Series
) -> npt.NDArray[np.bool_]:
    if isinstance(where, pl.Expr):
        series = data.select(where.alias("__where")).to_series()
    else:
        series = pl.Series(where)
    if series.len() != data.height or series.dtype != pl.Boolean:
        raise ValueError("where must give one Boolean per respondent")
    return series.fill_null(False).to_numpy().astype(bool)


def estimate_shares(
    data: pl.DataFrame,
    by: Sequence[str] = (),
    *,
    status: str = "status",
    design: SurveyDesign | None = None,
    level: float = 0.95,
    ci_method: CIMethod = "logit",
    definition: str | None = None,
    where: Where = None,
) -> pl.DataFrame:
    """One row per group of ``by`` (all respondents when empty) with share and interval.

    ``status`` names a column with ``"yes"``/``"no"``/``"unknown"`` (see
    :mod:`ikoe.stats.definitions`; a Boolean column with null = unknown also works).
    ``design`` must belong to the same rows in the same order. ``definition``, when given, is
    added as a column so every figure says which definition it uses.

    ``where`` (a polars expression or Boolean mask) restricts the estimates to some
    respondents, e.g. ``pl.col("land") == "BE"``. Use it instead of filtering ``data``: the
    other respondents stay in the design, as R's ``subset()`` keeps them, so weighted
    variances stay correct.

    Columns: the ``by`` columns, then :data:`RESULT_COLUMNS`:
    ``respondents``, ``declared``, ``yes`` (unweighted counts), ``declaration_rate``
    (declared / respondents), ``share``, ``se``, ``ci_lower``, ``ci_upper``, ``ci_method``
    (``"wilson"``, ``"logit"`` or ``"wald"``), ``weighted``, ``population`` (Σw of the
    respondents: the estimated head count; the respondent count when unweighted),
    ``population_declared`` (Σw of the declared), ``declaration_rate_weighted`` and
    ``effective_n`` (Kish effective number of declared respondents). Rows are sorted by the
    group columns.

    >>> df = pl.DataFrame({"unit": ["a"] * 20 + ["b"] * 5,
    ...                    "status": ["yes"] * 7 + ["no"] * 13 + ["yes", "unknown", "no", "no", "no"]})
    >>> out = estimate_shares(df, ["unit"])
    >>> out.select("unit", "respondents", "declared", "yes", "share").rows()
    [('a', 20, 20, 7, 0.35), ('b', 5, 4, 1, 0.25)]
    >>> out.select(pl.col("declaration_rate", "share", "se", "ci_lower", "ci_upper").round(4)).row(0)
    (1.0, 0.35, 0.1067, 0.1812, 0.5671)
    """
    n = data.height
    by = list(by)
    if ci_method not in ("logit", "wald"):
        raise ValueError(f"unknown ci_method {ci_method!r}; choose 'logit' or 'wald'")
    if status not in data.columns:
        raise ValueError(f"no status column {status!r}")
    if design is not None and design.n != n:
        raise ValueError(f"design has {design.n} weights for {n} respondents")
    yes, declared = _status_flags(data.get_column(status))
    if where is None:
        subset = data
        codes = group_codes(data, by)
        dom = codes.codes
    else:
        mask = _mask(data, where)
        subset = data.filter(pl.Series(mask))
        codes = group_codes(subset, by)
        dom = np.full(n, -1, dtype=np.int64)
        dom[mask] = codes.codes
        yes = yes & mask
        declared = declared & mask
    groups = codes.size
    member = dom >= 0
    respondents = np.bincount(dom[member], minlength=groups)
    n_declared = np.bincount(dom[declared], minlength=groups)
    n_yes = np.bincount(dom[yes & declared], minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        declaration_rate = n_declared / respondents
    if design is None:
        share, se, lower, upper = shares_from_counts(n_yes, n_declared, level)
        method = "wilson"
        population = respondents.astype(np.float64)
        population_declared = n_declared.astype(np.float64)
        effective_n = n_declared.astype(np.float64)
    else:
        w = design.weights
        domain = np.where(declared, dom, -1)
        share, variance, population_declared = domain_mean_variance(
            design, w, domain, yes.astype(np.float64), groups
        )
        share = np.where(n_declared > 0, share, np.nan)
        se = np.where(n_declared > 0, np.sqrt(variance), np.nan)
        population = group_sums(dom[member], w[member], groups)
        w2 = group_sums(dom[declared], w[declared] ** 2, groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            effective_n = population_declared**2 / w2
        if ci_method == "logit":
            lower, upper = logit_bounds(share, se, n_declared - 1, level)
        else:
            z = normal_quantile(level)
            lower, upper = share - z * se, share + z * se
        method = ci_method
    with np.errstate(invalid="ignore", divide="ignore"):
        declaration_rate_weighted = population_declared / population
    keys = subset.select(by)[codes.first] if by else pl.DataFrame()
    columns: dict[str, object] = {
        "respondents": respondents.astype(np.int64),
        "declared": n_declared.astype(np.int64),
        "yes": n_yes.astype(np.int64),
        "declaration_rate": declaration_rate,
        "share": share,
        "se": se,
        "ci_lower": lower,
        "ci_upper": upper,
        "ci_method": [method] * groups,
        "weighted": [design is not None] * groups,
        "population": population,
        "population_declared": population_declared,
        "declaration_rate_weighted": declaration_rate_weighted,
        "effective_n": effective_n,
    }
    result = pl.DataFrame(columns).with_columns(pl.col(pl.Float64).fill_nan(None))
    if definition is not None:
        result = result.with_columns(pl.lit(definition).alias("definition"))
        result = result.select("definition", *RESULT_COLUMNS)
    result = pl.concat([keys, result], how="horizontal") if by else result
    return result.sort(by, nulls_last=True) if by else result


def estimate_groupings(
    data: pl.DataFrame,
    groupings: Sequence[Sequence[str]],
    *,
    status: str = "status",
    design: SurveyDesign | None = None,
    level: float = 0.95,
    ci_method: CIMethod = "logit",
    definition: str | None = None,
    where: Where = None,
) -> pl.DataFrame:
    """:func:`estimate_shares` for several groupings stacked into one table.

    A column ``grouping`` names the grouping (``"land × agency"``, ``"total"`` for ``[]``);
    group columns not in a grouping are null in its rows. Useful for tables with totals and
    hierarchies (Land > ministry > agency).

    >>> df = pl.DataFrame({"land": ["BE"] * 4, "gender": ["f", "m", "f", "m"],
    ...                    "status": ["yes", "no", "no", "unknown"]})
    >>> t = estimate_groupings(df, [[], ["gender"]])
    >>> t.select("grouping", "gender", "declared", "yes").rows()
    [('total', None, 3, 1), ('gender', 'f', 2, 1), ('gender', 'm', 1, 0)]
    """
    frames = []
    for grouping in groupings:
        part = estimate_shares(
            data,
            grouping,
            status=status,
            design=design,
            level=level,
            ci_method=ci_method,
            definition=definition,
            where=where,
        )
        label = " × ".join(grouping) if grouping else "total"
        frames.append(part.with_columns(pl.lit(label).alias("grouping")))
    if not frames:
        return pl.DataFrame()
    by_columns: list[str] = []
    for grouping in groupings:
        by_columns.extend(c for c in grouping if c not in by_columns)
    stacked = pl.concat(frames, how="diagonal_relaxed")
    rest = [c for c in stacked.columns if c not in by_columns and c != "grouping"]
    return stacked.select("grouping", *by_columns, *rest)
