"""Survey weights: post-stratification and raking of respondents to personnel totals, with
diagnostics (docs/domain.md §4, docs/methodology.md).

A voluntary staff survey over-represents whoever likes to answer. Where personnel statistics
give the true head counts, the respondents are weighted so that they add up to them:

* :func:`weight_to_totals` weights to tables of totals as the personnel statistics deliver them.
  One table (organisation × career group × gender …, a full cross-classification) is used as it
  is: the respondents are **post-stratified** to its cells (weight = head count / respondents of
  the cell), after sparse cells were collapsed (:func:`weighting_cells`). Several tables (e.g.
  organisation × career group × gender and organisation × age group, delivered separately) are
  each turned into cells in the same way and the respondents are **raked** across the tables.
* :func:`rake` rakes to margins (iterative proportional fitting): the weights are multiplied
  margin by margin so that the weighted respondent counts hit each margin's totals, and the
  sweeps repeat until every margin is met within a tolerance. A single margin is a
  post-stratification (one sweep).

The result is a :class:`SurveyDesign`: the weights, the margins they were calibrated to (the
variance of :func:`ikoe.stats.estimates.estimate_shares` takes the calibration into account, as
R's ``survey`` package does: one margin as ``postStratify``, several as ``rake``) and
:class:`WeightingDiagnostics`.

Without totals the survey is analysed unweighted: pass ``design=None`` to the estimates.

Cells of a table of totals (:func:`weighting_cells`)
---------------------------------------------------
* A table has an organisation column, classifying columns (their order is their priority: the
  first is kept longest) and a column of head counts; every row gives every value. A respondent
  belongs to the nearest organisation the table lists, going up the organisation tree
  (``parent``) from their own; a listed organisation stands for its staff outside the listed
  organisations below it.
* A respondent without an answer to a classifying column is classified by the columns before it
  and by the class :data:`UNKNOWN` of that column; the columns after it do not split them. That
  class gets the share of the staff of its parent cell (the cell of the columns before) that the
  respondents without an answer have among the parent cell's respondents; the other classes of
  the column share the rest in the proportions of the head counts.
* A cell is **sparse** if it has fewer than ``min_respondents`` respondents
  (:data:`MIN_CELL_RESPONDENTS` = 20 by default) or no head count. A cell with a head count but
  no respondents is always sparse. Sparse cells are collapsed bottom-up: into the cell of the
  same classes at the parent organisation (unit → agency → ministry → Land), which holds the
  parent's own staff and every sparse cell collapsed into it; at the top of the tree, into the
  cell without the last classifying column still used (the least important is dropped first),
  until the cell of the whole Land. A collapsed cell that is still sparse moves on.
* The cell of a Land that is still sparse: with respondents and a head count, it is kept (the
  diagnostics mark it); without respondents, its head count is spread over the Land's other
  cells in proportion to their head counts; with respondents but no head count (answers the
  totals give no staff for), it gets the share of the Land's staff that its respondents have
  among the Land's respondents, taken from the other cells in proportion.
* The diagnostics (:class:`CellSummary`) say how many cells there were, how many are weighted
  to, how many were collapsed and into which cells.

Why 20: a common rule of thumb of survey practice is a minimum of 20 to 30 respondents per
weighting cell, with smaller cells collapsed into similar ones (collapsing: Kalton and
Flores-Cervantes 2003, "Weighting methods", J. Off. Stat. 19, 81–97). The lower
end keeps the organisations the platform publishes apart as long as they have 20 respondents;
below that, one respondent more or fewer changes the cell's weight by more than 5 %, so chance
response rather than the head counts would drive the correction.

Conventions of :func:`rake`
--------------------------
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

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import polars as pl

from ikoe.stats._codes import combine_codes, group_codes, group_sums

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

R_VARIANCE_SWEEPS = 10
"""Sweeps of the calibration adjustment in the variance, as in R's ``survey:::svyrecvar``."""

UNKNOWN = "_U"
"""Class of respondents without an answer to a classifying column."""

MIN_CELL_RESPONDENTS = 20
"""Fewest respondents of a post-stratification cell; sparser cells are collapsed."""

LISTED_CELLS = 25
"""At most this many collapsed-into cells are listed in the diagnostics of a table."""


@dataclass(frozen=True)
class PooledCell:
    """A weighting cell into which sparse cells were collapsed.

    ``organisation`` and ``classes`` (column → class, for the columns still used) name it;
    ``cells`` counts the cells of the table's full classification it holds, ``respondents``
    and ``headcount`` are its sums (the head count as weighted to). ``below_threshold``: the
    cell of a Land that still has fewer respondents than the threshold and is kept.
    """

    organisation: str
    classes: dict[str, str]
    cells: int
    respondents: int
    headcount: float
    below_threshold: bool = False


@dataclass(frozen=True)
class CellSummary:
    """How one table of totals became weighting cells (:func:`weighting_cells`).

    ``fine_cells``: cells of the full classification with a head count or respondents;
    ``cells``: cells weighted to; ``collapsed``: fine cells collapsed into a coarser cell;
    ``without_respondents``: fine cells with a head count but no respondents (all collapsed);
    ``spread``: head count of Lands' cells without any respondent, spread over the Land's other
    cells; ``without_headcount``: respondents of Lands' cells without a head count, given their
    share of the Land; ``pooled``: the cells that took in collapsed cells (those kept below the
    threshold first, then by head count; at most :data:`LISTED_CELLS`), ``pooled_count`` how
    many there are in all.
    """

    label: str
    columns: tuple[str, ...]
    min_respondents: int
    fine_cells: int
    cells: int
    collapsed: int
    without_respondents: int
    spread: float
    without_headcount: int
    pooled: tuple[PooledCell, ...]
    pooled_count: int


@dataclass(frozen=True)
class WeightingDiagnostics:
    """What a data steward checks before trusting weights.

    ``max_margin_deviation`` is in persons, ``max_relative_margin_deviation`` relative to the
    class total; ``weight_ratio`` is ``weight_max / weight_min``; ``design_effect`` is Kish's
    ``1 + CV²``; ``trimmed`` counts respondents whose weight sits at a trimming bound;
    ``empty_classes`` counts classes with totals but no respondents that were dropped.
    ``method`` is ``"post-stratification"`` (one table of totals), ``"raking"`` or ``"given"``;
    for weights to tables of totals, ``min_cell_respondents`` is the collapsing threshold and
    ``cells`` says per table how its cells were formed.
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
    min_cell_respondents: int | None = None
    cells: tuple[CellSummary, ...] = ()


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


# ---------------------------------------------------------------------------------------------
# Post-stratification to the cells of tables of totals, collapsing sparse cells

_NODE = "__organisation"
_TOTAL = "__total"

Key = tuple[str, tuple[str, ...]]
"""A weighting cell: (organisation, classes of the leading classifying columns it uses)."""


@dataclass(frozen=True, eq=False)
class WeightingCells:
    """The post-stratification cells of one table of totals (:func:`weighting_cells`).

    ``codes[i]`` is the cell of respondent ``i``; cell ``c`` is ``keys[c]`` (organisation and
    the classes of the first ``len(classes)`` classifying columns) with the head count
    ``totals[c]`` and ``respondents[c]`` respondents.
    """

    codes: IntArray
    keys: tuple[Key, ...]
    totals: FloatArray
    respondents: IntArray
    summary: CellSummary

    @property
    def size(self) -> int:
        """Number of cells."""
        return len(self.keys)


def _chain(code: str, parent: Mapping[str, str | None]) -> tuple[str, ...]:
    """``code`` and its ancestors, nearest first."""
    chain = [code]
    node = parent.get(code)
    while node is not None and node not in chain:
        chain.append(node)
        node = parent.get(node)
    return tuple(chain)


def weighting_cells(
    data: pl.DataFrame,
    totals: pl.DataFrame,
    *,
    parent: Mapping[str, str | None] | None = None,
    organisation: str = "organisation",
    total: str = "total",
    min_respondents: int = MIN_CELL_RESPONDENTS,
) -> WeightingCells:
    """The cells of ``totals`` the respondents in ``data`` are post-stratified to.

    ``totals`` has the column ``organisation``, classifying columns (in the order of their
    priority; the last is dropped first) and the head counts in ``total``; ``data`` has the
    same columns but the head counts (classes may be missing: no answer). ``parent`` maps an
    organisation code to its parent's code (``None`` at the top, a Land); without it, every
    organisation is a tree of its own. The rules are in the module docstring.

    Three units of agency A; U2 and U3 have one respondent per cell, so with a threshold of 2
    their cells are collapsed into A's cells of the same gender:

    >>> resp = pl.DataFrame({
    ...     "organisation": ["U1"] * 5 + ["U2", "U2", "U3", "U3"],
    ...     "gender": ["w", "w", "w", "m", "m", "w", "m", "w", "m"]})
    >>> totals = pl.DataFrame({
    ...     "organisation": ["U1", "U1", "U2", "U2", "U3", "U3"],
    ...     "gender": ["w", "m", "w", "m", "w", "m"],
    ...     "total": [30, 20, 10, 10, 5, 5]})
    >>> parent = {"U1": "A", "U2": "A", "U3": "A", "A": None}
    >>> cells = weighting_cells(resp, totals, parent=parent, min_respondents=2)
    >>> [(org, classes, float(t), int(n))
    ...  for (org, classes), t, n in zip(cells.keys, cells.totals, cells.respondents)]
    [('A', ('m',), 15.0, 2), ('A', ('w',), 15.0, 2), ('U1', ('m',), 20.0, 2), ('U1', ('w',), 30.0, 3)]
    >>> cells.summary.fine_cells, cells.summary.collapsed, cells.summary.cells
    (6, 4, 4)
    """
    if min_respondents < 1:
        raise ValueError("min_respondents must be at least 1")
    for name in (organisation, total):
        if name not in totals.columns:
            raise ValueError(f"table of totals has no column {name!r}: {totals.columns}")
    columns = tuple(c for c in totals.columns if c not in (organisation, total))
    label = " × ".join((organisation, *columns))
    missing = [c for c in (organisation, *columns) if c not in data.columns]
    if missing:
        raise ValueError(f"{label}: respondents have no column {missing}")
    if data.height == 0:
        raise ValueError("no respondents to weight")
    tot = totals.select(
        pl.col(organisation).cast(pl.String).alias(_NODE),
        *(pl.col(c).cast(pl.String) for c in columns),
        pl.col(total).cast(pl.Float64).alias(_TOTAL),
    )
    if any(tot.null_count().row(0)):
        raise ValueError(f"{label}: every row of the totals needs every value")
    if not bool(tot.select((pl.col(_TOTAL) >= 0).all()).item()):
        raise ValueError(f"{label}: head counts must be 0 or more")
    if tot.select(_NODE, *columns).is_duplicated().any():
        raise ValueError(f"{label}: a cell is listed twice in the totals")

    parents: Mapping[str, str | None] = parent or {}
    chains: dict[str, tuple[str, ...]] = {}

    def chain(code: str) -> tuple[str, ...]:
        if code not in chains:
            chains[code] = _chain(code, parents)
        return chains[code]

    listed = set(tot.get_column(_NODE).to_list())
    orgs = data.get_column(organisation).cast(pl.String)
    if orgs.null_count():
        raise ValueError(f"{label}: {orgs.null_count()} respondents have no organisation")
    node_of = {
        code: next((c for c in chain(code) if c in listed), None)
        for code in orgs.unique().to_list()
    }
    unmatched = sorted(code for code, node in node_of.items() if node is None)
    if unmatched:
        raise ValueError(f"{label}: no head count for {unmatched[:5]} nor above them")
    resp = pl.DataFrame(
        [
            orgs.replace_strict(node_of, return_dtype=pl.String).alias(_NODE),
            *(data.get_column(c).cast(pl.String) for c in columns),
        ]
    )
    for c in columns:
        given = set(tot.get_column(c).to_list())
        odd = sorted(set(resp.get_column(c).drop_nulls().to_list()) - given)
        if odd:
            raise ValueError(f"{label}: the totals give no {c} {odd[:5]}")

    # The respondents' cells: their classes up to the first column they did not answer.
    cut = []
    before: pl.Expr = pl.lit(False)
    for c in columns:
        answer = pl.when(pl.col(c).is_null()).then(pl.lit(UNKNOWN)).otherwise(pl.col(c))
        cut.append(pl.when(before).then(None).otherwise(answer).alias(c))
        before = before | pl.col(c).is_null()
    resp = resp.select(_NODE, *cut)
    groups = group_codes(resp, [_NODE, *columns])
    group_n = np.bincount(groups.codes, minlength=groups.size)
    group_keys: list[Key] = [
        (row[0], tuple(v for v in row[1:] if v is not None))
        for row in resp[groups.first].iter_rows()
    ]
    respondents: dict[Key, int] = {k: int(n) for k, n in zip(group_keys, group_n, strict=True)}

    # Head counts of the full cells, and of the classes before an unanswered column.
    staff: dict[Key, float] = defaultdict(float)
    rows = [(r[0], tuple(r[1:-1]), float(r[-1])) for r in tot.iter_rows()]
    for node, classes, count in rows:
        staff[(node, classes)] += count
    prefixes = {len(k[1]) - 1 for k in respondents if k[1] and k[1][-1] == UNKNOWN}
    for length in prefixes:
        for node, classes, count in rows:
            staff[(node, classes[:length])] += count
    reached: dict[Key, int] = defaultdict(int)
    unanswered: dict[Key, int] = defaultdict(int)
    for (node, classes), n in respondents.items():
        for i, value in enumerate(classes):
            reached[(node, classes[:i])] += n
            if value == UNKNOWN:
                unanswered[(node, classes[:i])] += n

    fine: dict[Key, float] = {}
    for key in sorted({(node, classes) for node, classes, _ in rows} | set(respondents)):
        node, classes = key
        factor = 1.0
        for i, value in enumerate(classes):
            prefix = (node, classes[:i])
            share = unanswered[prefix] / reached[prefix] if reached.get(prefix) else 0.0
            factor *= share if value == UNKNOWN else 1.0 - share
        known = classes[:-1] if classes and classes[-1] == UNKNOWN else classes
        head = staff.get((node, known), 0.0) * factor
        if head > 0 or key in respondents:
            fine[key] = head

    def height(key: Key) -> int:
        return len(chain(key[0])) - 1 + len(key[1])

    def up(key: Key) -> Key | None:
        node, classes = key
        above = chain(node)
        if len(above) > 1:
            return (above[1], classes)
        return (node, classes[:-1]) if classes else None

    heads = dict(fine)
    counts = {k: respondents.get(k, 0) for k in fine}
    members: dict[Key, list[Key]] = {k: [k] for k in fine}
    level: dict[int, set[Key]] = defaultdict(set)
    for key in fine:
        level[height(key)].add(key)
    for h in range(max(level, default=0), 0, -1):
        for key in sorted(level.get(h, ())):
            if counts[key] >= min_respondents and heads[key] > 0:
                continue
            target = up(key)
            assert target is not None  # only the cell of a whole tree has height 0
            if target not in heads:
                heads[target], counts[target], members[target] = 0.0, 0, []
                level[h - 1].add(target)
            heads[target] += heads.pop(key)
            counts[target] += counts.pop(key)
            members[target].extend(members.pop(key))

    # The cell of a whole tree (a Land) that is still sparse.
    spread = 0.0
    without_headcount = 0
    below: set[Key] = set()
    for key in sorted(level.get(0, ())):
        if counts[key] >= min_respondents and heads[key] > 0:
            continue
        land = key[0]
        others = [k for k in heads if k != key and chain(k[0])[-1] == land]
        rest = sum(heads[k] for k in others)
        if counts[key] == 0:
            if rest <= 0:
                raise ValueError(
                    f"{label}: {heads[key]:.0f} staff in {land} but no respondent there"
                )
            for k in others:
                heads[k] *= (rest + heads[key]) / rest
            spread += heads.pop(key)
            counts.pop(key)
            members.pop(key)
        elif heads[key] <= 0:
            if rest <= 0:
                raise ValueError(f"{label}: no head count for the respondents in {land}")
            share = counts[key] / (counts[key] + sum(counts[k] for k in others))
            for k in others:
                heads[k] *= 1.0 - share
            heads[key] = rest * share
            without_headcount += counts[key]
        else:
            below.add(key)

    keys = sorted(heads)
    index = {k: i for i, k in enumerate(keys)}
    final_of = {f: index[k] for k in keys for f in members[k]}
    codes = np.array([final_of[k] for k in group_keys], dtype=np.int64)[groups.codes]
    pooled = [
        PooledCell(
            organisation=k[0],
            classes=dict(zip(columns, k[1], strict=False)),
            cells=len(members[k]),
            respondents=counts[k],
            headcount=heads[k],
            below_threshold=k in below,
        )
        for k in keys
        if members[k] != [k] or k in below
    ]
    pooled.sort(key=lambda p: (not p.below_threshold, -p.headcount))
    summary = CellSummary(
        label=label,
        columns=columns,
        min_respondents=min_respondents,
        fine_cells=len(fine),
        cells=len(keys),
        collapsed=len(fine) - sum(1 for k in keys if k in fine),
        without_respondents=sum(1 for k in fine if k not in respondents),
        spread=spread,
        without_headcount=without_headcount,
        pooled=tuple(pooled[:LISTED_CELLS]),
        pooled_count=len(pooled),
    )
    return WeightingCells(
        codes=codes,
        keys=tuple(keys),
        totals=np.array([heads[k] for k in keys], dtype=np.float64),
        respondents=np.array([counts[k] for k in keys], dtype=np.int64),
        summary=summary,
    )


def weight_to_totals(
    data: pl.DataFrame,
    tables: Sequence[pl.DataFrame],
    *,
    parent: Mapping[str, str | None] | None = None,
    organisation: str = "organisation",
    total: str = "total",
    min_respondents: int = MIN_CELL_RESPONDENTS,
    trim: tuple[float, float] | None = None,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> SurveyDesign:
    """Weight the respondents to tables of totals: post-stratification to the cells of one
    table, raking across the cells of several (each table as :func:`weighting_cells` forms
    its cells). ``trim``, ``tolerance`` and ``max_iterations`` as for :func:`rake`; every
    respondent starts with weight 1 (a staff survey has no design weights).

    The example of :func:`weighting_cells`: weight = head count / respondents of the cell.

    >>> resp = pl.DataFrame({
    ...     "organisation": ["U1"] * 5 + ["U2", "U2", "U3", "U3"],
    ...     "gender": ["w", "w", "w", "m", "m", "w", "m", "w", "m"]})
    >>> totals = pl.DataFrame({
    ...     "organisation": ["U1", "U1", "U2", "U2", "U3", "U3"],
    ...     "gender": ["w", "m", "w", "m", "w", "m"],
    ...     "total": [30, 20, 10, 10, 5, 5]})
    >>> parent = {"U1": "A", "U2": "A", "U3": "A", "A": None}
    >>> design = weight_to_totals(resp, [totals], parent=parent, min_respondents=2)
    >>> design.weights.tolist()
    [10.0, 10.0, 10.0, 10.0, 10.0, 7.5, 7.5, 7.5, 7.5]
    >>> design.diagnostics.method, design.diagnostics.margins
    ('post-stratification', ('organisation × gender',))
    """
    if not tables:
        raise ValueError("weighting needs at least one table of totals")
    cells = [
        weighting_cells(
            data,
            table,
            parent=parent,
            organisation=organisation,
            total=total,
            min_respondents=min_respondents,
        )
        for table in tables
    ]
    names = [f"cells_{k}" for k in range(len(cells))]
    frame = pl.DataFrame({name: c.codes for name, c in zip(names, cells, strict=True)})
    margins = [
        pl.DataFrame({name: np.arange(c.size, dtype=np.int64), "total": c.totals})
        for name, c in zip(names, cells, strict=True)
    ]
    raked = rake(frame, margins, tolerance=tolerance, max_iterations=max_iterations, trim=trim)
    diagnostics = replace(
        raked.diagnostics,
        method="post-stratification" if len(cells) == 1 else "raking",
        margins=tuple(c.summary.label for c in cells),
        min_cell_respondents=min_respondents,
        cells=tuple(c.summary for c in cells),
    )
    return SurveyDesign(
        weights=raked.weights,
        diagnostics=diagnostics,
        margin_codes=raked.margin_codes,
        margin_sizes=raked.margin_sizes,
    )
