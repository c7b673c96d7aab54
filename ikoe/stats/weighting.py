"""Survey weights: raking of respondents to personnel totals, with diagnostics (docs/domain.md §4).

A voluntary staff survey over-represents whoever likes to answer. Where personnel statistics
give the true head counts (by agency × career group × gender, or other margins), the
respondents are weighted by raking (iterative proportional fitting): the weights are multiplied
margin by margin so that the weighted respondent counts hit each margin's totals, and the sweeps
repeat until every margin is met within a tolerance.

The result is a :class:`SurveyDesign`: the weights, the margins they were calibrated to (the
variance of :func:`ikoe.stats.estimates.estimate_shares` takes the calibration into account, as
R's ``survey`` package does) and :class:`WeightingDiagnostics`.

Without totals the survey is analysed unweighted: pass ``design=None`` to the estimates.

Conventions
-----------
* A margin is a table of totals: its key columns (one or several, e.g. ``agency`` and
  ``career_group``) plus a ``total`` column with head counts. Keys are matched as text, so
  ``"01"`` and ``1`` do not match; codes with leading zeros must be text on both sides.
* Every respondent must fall into a class of every margin (otherwise :class:`ValueError`).
* A class with a total but no respondents cannot be met: :class:`ValueError`, unless
  ``allow_empty_classes=True`` drops it (its head count is then lost; the diagnostics count
  such classes and raking converges only if the margins still agree).
* All margins must sum to the same grand total (relative difference ≤ 1e-9).
* Convergence: after each sweep over all margins, the largest relative deviation
  ``|weighted count − total| / total`` over all classes of all margins is at most ``tolerance``.
* Trimming (optional, ``trim=(lower, upper)``): after each sweep, weights are cut to
  ``[lower·w̄, upper·w̄]`` with ``w̄ = N/n`` the mean weight; raking and cutting alternate until
  both the margins and the bounds hold (Kolenikov's ``ipfraking`` approach). The diagnostics
  say how many respondents sit at a bound. With trimming, the calibrated variance is an
  approximation (the weights no longer meet the margins exactly).
* Kish design effect ``deff = n·Σw² / (Σw)² = 1 + CV²`` (CV with the population standard
  deviation); effective sample size ``n / deff``.

Raking works on cells (the combinations of margin classes that occur, ×base weight when
trimming), not on rows: all respondents of a cell share the same adjustment factor, so a
million respondents rake as fast as a few thousand cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from ikoe.stats._codes import combine_codes, group_codes, group_sums

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

R_VARIANCE_SWEEPS = 10
"""Sweeps of the calibration adjustment in the variance, as in R's ``survey:::svyrecvar``."""


@dataclass(frozen=True)
class WeightingDiagnostics:
    """What a data steward checks before trusting weights.

    ``max_margin_deviation`` is in persons, ``max_relative_margin_deviation`` relative to the
    class total; ``weight_ratio`` is ``weight_max / weight_min``; ``design_effect`` is Kish's
    ``1 + CV²``; ``trimmed`` counts respondents whose weight sits at a trimming bound;
    ``empty_classes`` counts classes with totals but no respondents that were dropped.
    """

    method: str
    n: int
    population: float
    iterations: int
    converged: bool
    max_margin_deviation: float
    max_relative_margin_deviation: float
    weight_min: float
    weight_max: float
    weight_ratio: float
    weight_mean: float
    design_effect: float
    effective_sample_size: float
    trimmed: int = 0
    trim_bounds: tuple[float, float] | None = None
    empty_classes: int = 0
    margins: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """Weights of the respondents (in row order) and the margins they are calibrated to.

    ``margin_codes[k][i]`` is the class of respondent ``i`` in margin ``k`` (``0 ..
    margin_sizes[k]-1``); empty for weights given from outside (no calibration).
    ``variance_sweeps`` is the number of sweeps of the raking adjustment in the variance
    (10, as R does).
    """

    weights: FloatArray
    diagnostics: WeightingDiagnostics
    margin_codes: tuple[IntArray, ...] = ()
    margin_sizes: tuple[int, ...] = ()
    variance_sweeps: int = R_VARIANCE_SWEEPS
    _cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    """Memo of structures derived from the design (used by the variance; internal)."""

    @property
    def n(self) -> int:
        """Number of respondents."""
        return int(self.weights.size)

    @property
    def calibrated(self) -> bool:
        """Whether the weights were calibrated (raked) to margins."""
        return bool(self.margin_codes)


def kish_design_effect(weights: npt.ArrayLike) -> float:
    """Kish's design effect from unequal weights, ``n·Σw²/(Σw)² = 1 + CV²``.

    >>> kish_design_effect([1, 1, 1, 1])
    1.0
    >>> round(kish_design_effect([1, 3]), 4)   # CV = 0.5
    1.25
    """
    w = np.asarray(weights, dtype=np.float64)
    total = float(w.sum())
    return float(w.size * float(np.dot(w, w)) / (total * total))


def _diagnostics(
    weights: FloatArray,
    *,
    method: str,
    iterations: int = 0,
    converged: bool = True,
    max_dev: float = 0.0,
    max_rel_dev: float = 0.0,
    trimmed: int = 0,
    trim: tuple[float, float] | None = None,
    empty_classes: int = 0,
    margins: tuple[str, ...] = (),
) -> WeightingDiagnostics:
    n = int(weights.size)
    wmin = float(weights.min()) if n else float("nan")
    wmax = float(weights.max()) if n else float("nan")
    deff = kish_design_effect(weights) if n else float("nan")
    return WeightingDiagnostics(
        method=method,
        n=n,
        population=float(weights.sum()),
        iterations=iterations,
        converged=converged,
        max_margin_deviation=max_dev,
        max_relative_margin_deviation=max_rel_dev,
        weight_min=wmin,
        weight_max=wmax,
        weight_ratio=wmax / wmin if n and wmin > 0 else float("inf"),
        weight_mean=float(weights.mean()) if n else float("nan"),
        design_effect=deff,
        effective_sample_size=n / deff if n else 0.0,
        trimmed=trimmed,
        trim_bounds=trim,
        empty_classes=empty_classes,
        margins=margins,
    )


def design_from_weights(weights: npt.ArrayLike) -> SurveyDesign:
    """A design with weights computed elsewhere (no calibration in the variance).

    >>> d = design_from_weights([2.0, 2.0, 4.0])
    >>> d.diagnostics.population, d.diagnostics.weight_ratio, d.calibrated
    (8.0, 2.0, False)
    """
    w = _check_weights(np.asarray(weights, dtype=np.float64))
    return SurveyDesign(weights=w, diagnostics=_diagnostics(w, method="given"))


def _check_weights(w: FloatArray) -> FloatArray:
    if w.ndim != 1:
        raise ValueError("weights must be one-dimensional")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("weights must be finite and positive")
    return w


@dataclass(frozen=True)
class _Margin:
    label: str
    codes: IntArray
    targets: FloatArray
    grand_total: float
    empty: int


def _prepare_margin(
    data: pl.DataFrame, totals: pl.DataFrame, total: str, allow_empty: bool
) -> _Margin:
    if total not in totals.columns:
        raise ValueError(f"margin table has no column {total!r}: {totals.columns}")
    keys = [c for c in totals.columns if c != total]
    if not keys:
        raise ValueError("margin table needs at least one key column besides the total")
    label = " × ".join(keys)
    missing = [k for k in keys if k not in data.columns]
    if missing:
        raise ValueError(f"margin {label}: respondents have no column {missing}")
    nulls = {k: data.get_column(k).null_count() for k in keys}
    if any(nulls.values()):
        raise ValueError(f"margin {label}: respondents with no value in {nulls}")
    tot = totals.select(*(pl.col(k).cast(pl.String) for k in keys), pl.col(total).cast(pl.Float64))
    if tot.get_column(total).null_count() or (tot.get_column(total) < 0).any():
        raise ValueError(f"margin {label}: totals must be given and non-negative")
    if tot.select(keys).is_duplicated().any():
        raise ValueError(f"margin {label}: a class is listed twice in the totals")
    grand_total = float(tot.get_column(total).sum())
    groups = group_codes(data, keys)
    present = (
        data.select(keys)[groups.first]
        .select(pl.col(k).cast(pl.String) for k in keys)
        .with_row_index("__class")
    )
    joined = present.join(tot, on=keys, how="left", maintain_order="left")
    targets_series = joined.get_column(total)
    if targets_series.null_count():
        bad = joined.filter(pl.col(total).is_null()).select(keys).head(5).rows()
        raise ValueError(
            f"margin {label}: {targets_series.null_count()} respondent classes have no total, "
            f"e.g. {bad}"
        )
    targets = targets_series.to_numpy().astype(np.float64)
    if np.any(targets <= 0):
        bad = joined.filter(pl.col(total) <= 0).select(keys).head(5).rows()
        raise ValueError(f"margin {label}: classes with respondents but a total of 0, e.g. {bad}")
    empty = tot.join(present, on=keys, how="anti")
    empty_count = int(empty.filter(pl.col(total) > 0).height)
    if empty_count and not allow_empty:
        bad = empty.filter(pl.col(total) > 0).select(keys).head(5).rows()
        raise ValueError(
            f"margin {label}: {empty_count} classes have totals but no respondents, e.g. {bad}; "
            "collapse them with neighbouring classes or pass allow_empty_classes=True"
        )
    return _Margin(label, groups.codes, targets, grand_total, empty_count)


def rake(
    data: pl.DataFrame,
    margins: Sequence[pl.DataFrame],
    *,
    total: str = "total",
    base_weights: str | npt.ArrayLike | None = None,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
    trim: tuple[float, float] | None = None,
    allow_empty_classes: bool = False,
) -> SurveyDesign:
    """Rake the respondents in ``data`` to the ``margins`` (tables of totals).

    ``base_weights`` (a column name or an array; default 1 for everybody) are the starting
    weights. ``tolerance`` bounds the largest relative margin deviation, ``max_iterations``
    the number of sweeps; ``trim=(lower, upper)`` bounds the weights as multiples of the mean
    weight. Never raises for non-convergence: check ``diagnostics.converged``.

    A worked example (two margins, eight respondents; the by-hand values are derived in
    ``tests/test_stats_weighting.py``):

    >>> resp = pl.DataFrame({"career": ["A", "A", "A", "A", "B", "B", "B", "B"],
    ...                      "gender": ["f", "f", "f", "m", "f", "m", "m", "m"]})
    >>> by_career = pl.DataFrame({"career": ["A", "B"], "total": [60, 40]})
    >>> by_gender = pl.DataFrame({"gender": ["f", "m"], "total": [50, 50]})
    >>> design = rake(resp, [by_career, by_gender])
    >>> design.diagnostics.converged, round(design.diagnostics.population, 6)
    (True, 100.0)
    >>> [round(float(w), 4) for w in design.weights[[0, 3, 4, 5]]]
    [13.9483, 18.1552, 8.1552, 10.6149]
    """
    n = data.height
    if n == 0:
        raise ValueError("no respondents to weight")
    if not margins:
        raise ValueError("raking needs at least one margin; use design=None for unweighted")
    if isinstance(base_weights, str):
        d = data.get_column(base_weights).cast(pl.Float64).to_numpy()
    elif base_weights is None:
        d = np.ones(n, dtype=np.float64)
    else:
        d = np.asarray(base_weights, dtype=np.float64)
        if d.shape != (n,):
            raise ValueError(f"base_weights has {d.size} values for {n} respondents")
    d = _check_weights(np.array(d, dtype=np.float64))
    if trim is not None and not (0 < trim[0] <= 1 <= trim[1]):
        raise ValueError("trim bounds must satisfy 0 < lower <= 1 <= upper (multiples of mean)")
    prepared = [_prepare_margin(data, m, total, allow_empty_classes) for m in margins]
    grand = [m.grand_total for m in prepared]
    if max(grand) - min(grand) > 1e-9 * max(grand):
        listing = ", ".join(f"{m.label}: {m.grand_total:,.0f}" for m in prepared)
        raise ValueError(f"margins do not sum to the same total ({listing})")

    codes = [m.codes for m in prepared]
    sizes = [int(m.targets.size) for m in prepared]
    if trim is not None and np.ptp(d) > 0:
        # cut bounds apply to individual weights, so cells must have one base weight each
        _, d_codes = np.unique(d, return_inverse=True)
        cells = combine_codes([*codes, d_codes.reshape(-1)], [*sizes, int(d_codes.max()) + 1])
    else:
        cells = combine_codes(codes, sizes)
    cell_d = group_sums(cells.codes, d, cells.size)
    cell_n = np.bincount(cells.codes, minlength=cells.size).astype(np.float64)
    cell_class = [c[cells.first] for c in codes]
    g = np.ones(cells.size, dtype=np.float64)

    population = float(np.mean([m.targets.sum() for m in prepared]))
    mean_weight = population / n
    if trim is not None:
        unit = cell_d / cell_n  # base weight of the cell's respondents
        g_low = trim[0] * mean_weight / unit
        g_high = trim[1] * mean_weight / unit

    def deviations() -> tuple[float, float]:
        abs_dev = rel_dev = 0.0
        for k, m in enumerate(prepared):
            sums = group_sums(cell_class[k], cell_d * g, sizes[k])
            diff = np.abs(sums - m.targets)
            abs_dev = max(abs_dev, float(diff.max()))
            rel_dev = max(rel_dev, float((diff / m.targets).max()))
        return abs_dev, rel_dev

    iterations = 0
    converged = False
    abs_dev, rel_dev = deviations()
    while iterations < max_iterations:
        for k, m in enumerate(prepared):
            sums = group_sums(cell_class[k], cell_d * g, sizes[k])
            g *= (m.targets / sums)[cell_class[k]]
        if trim is not None:
            np.clip(g, g_low, g_high, out=g)
        iterations += 1
        abs_dev, rel_dev = deviations()
        if rel_dev <= tolerance:
            converged = True
            break

    weights = d * g[cells.codes]
    trimmed = 0
    if trim is not None:
        w_cell = g * cell_d / cell_n
        at_bound = (w_cell <= trim[0] * mean_weight * (1 + 1e-9)) | (
            w_cell >= trim[1] * mean_weight * (1 - 1e-9)
        )
        trimmed = int(cell_n[at_bound].sum())
    diagnostics = _diagnostics(
        weights,
        method="raking",
        iterations=iterations,
        converged=converged,
        max_dev=abs_dev,
        max_rel_dev=rel_dev,
        trimmed=trimmed,
        trim=trim,
        empty_classes=sum(m.empty for m in prepared),
        margins=tuple(m.label for m in prepared),
    )
    return SurveyDesign(
        weights=weights,
        diagnostics=diagnostics,
        margin_codes=tuple(codes),
        margin_sizes=tuple(sizes),
    )
