"""The attacker's linear program: how closely can a suppressed cell be recomputed?

The attacker knows every published cell, the table's additivity and that no cell is negative
or larger than the table maximum. For each suppressed cell the audit minimises and maximises
it over all tables consistent with that knowledge (HiGHS through SciPy); the result is the
interval the cell is known to lie in. A primary cell is *under-protected* when its interval is
narrower than the protection width ``W`` (``upper - lower < W``), the definition the peers'
audits use (tau-ARGUS, sdcTable).

Suppressed cells that share no relation with a suppressed cell outside their group are solved
group by group. Within a group, interval propagation over the relations gives outer bounds
first; a bound is exact as soon as some feasible table reaches it, so the audit collects
feasible tables (the true one, then the optima of a few aggregated objectives) and solves
single-cell programs only for the bounds that are still open.

>>> from ikoe.stats.disclosure.problem import CellSystem
>>> from ikoe.stats.disclosure.table import Table
>>> t = Table.from_bottom(["r", "c"], [(("a", "x"), 1), (("a", "y"), 5), (("b", "x"), 4),
...                                    (("b", "y"), 6)])
>>> system = CellSystem.from_table(t)
>>> suppressed = np.zeros(system.size, bool)
>>> for key in [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")]:
...     suppressed[t.index(key)] = True
>>> report = audit(system, suppressed, primary=suppressed & (t.values < 3), width=3)
>>> [(system.key(int(c)), lo, hi) for c, lo, hi in report.rows()]
[(('a', 'x'), 0.0, 5.0), (('a', 'y'), 1.0, 6.0), (('b', 'x'), 0.0, 5.0), (('b', 'y'), 5.0, 10.0)]
>>> report.ok
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ikoe.stats.disclosure._lp import LinearProgram, column_block
from ikoe.stats.disclosure.problem import CellSystem

AGGREGATED_ROUNDS = 60
"""At most this many aggregated objectives per direction before single-cell programs."""
WIDTH_TOLERANCE = 1e-6
"""Intervals narrower than ``W`` by more than this (relative to ``max(1, W)``) are under-protected."""


@dataclass(frozen=True, eq=False)
class AuditReport:
    """Intervals of the suppressed cells under the attacker's linear program."""

    width: float
    cells: np.ndarray  # suppressed cell numbers, ascending
    values: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    primary: np.ndarray  # bool per entry of ``cells``
    lp_solves: int = 0

    def rows(self) -> Iterator[tuple[int, float, float]]:
        for c, lo, hi in zip(self.cells, self.lower, self.upper, strict=True):
            yield int(c), float(lo), float(hi)

    @property
    def widths(self) -> np.ndarray:
        return self.upper - self.lower

    def under_protected(self, width: float | None = None) -> np.ndarray:
        """Primary cells whose interval is narrower than ``width`` (default: the audit's ``W``)."""
        w = self.width if width is None else width
        narrow = self.widths < w - WIDTH_TOLERANCE * max(1.0, w)
        return self.cells[narrow & self.primary]

    @property
    def ok(self) -> bool:
        return self.under_protected().size == 0

    def interval(self, cell: int) -> tuple[float, float]:
        at = int(np.searchsorted(self.cells, cell))
        if at >= self.cells.size or self.cells[at] != cell:
            raise KeyError(cell)
        return float(self.lower[at]), float(self.upper[at])


def audit(
    system: CellSystem,
    suppressed: np.ndarray,
    primary: np.ndarray | None = None,
    width: float = 3.0,
    *,
    upper_bound: float | None = None,
) -> AuditReport:
    """Solve the attacker's linear program for every suppressed cell.

    ``suppressed`` and ``primary`` are boolean masks over the cells of ``system``; published
    cells are known exactly, suppressed ones lie in ``[0, upper_bound]`` (default: the table
    maximum) and all relations hold.
    """
    suppressed = np.asarray(suppressed, dtype=bool)
    primary = np.zeros_like(suppressed) if primary is None else np.asarray(primary, dtype=bool)
    ub = system.upper if upper_bound is None else float(upper_bound)
    a = system.values
    cells = np.flatnonzero(suppressed)
    lower = np.zeros(cells.size)
    upper = np.zeros(cells.size)
    solves = 0
    if cells.size:
        r = system.relations_csc
        rows, indptr, indices, data = column_block(r, cells)
        block = sp.csc_matrix((data, indices, indptr), shape=(rows.size, cells.size))
        # right-hand side: what the published cells leave for the suppressed ones
        rhs = np.asarray(block @ a[cells]).ravel()
        csr = block.tocsr()
        multi = np.diff(csr.indptr) >= 2
        link = csr[multi]
        graph = (
            (link.T @ link).tocsr() if link.shape[0] else sp.csr_matrix((cells.size, cells.size))
        )
        _, labels = connected_components(graph, directed=False)
        order = np.argsort(labels, kind="stable")
        bounds = np.flatnonzero(np.diff(labels[order])) + 1
        for group in np.split(order, bounds):
            lo, hi, n = _group_intervals(block, csr, rhs, group, a[cells[group]], ub)
            lower[group] = lo
            upper[group] = hi
            solves += n
    return AuditReport(
        float(width), cells, a[cells], lower + 0.0, upper + 0.0, primary[cells], solves
    )


def _group_intervals(
    block: sp.csc_matrix,
    csr: sp.csr_matrix,
    rhs: np.ndarray,
    group: np.ndarray,
    truth: np.ndarray,
    ub: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    sub = block[:, group]
    rows = np.flatnonzero(np.diff(sub.tocsr().indptr) > 0)
    k = group.size
    if rows.size == 0:
        return np.zeros(k), np.full(k, ub), 0
    m = sp.csr_matrix(sub[rows])
    b = rhs[rows]
    low_out, high_out = propagate_bounds(m, b, np.zeros(k), np.full(k, ub))
    scale = 1.0 + np.abs(high_out)
    tol = 1e-7 * scale
    seen_lo = truth.copy()
    seen_hi = truth.copy()
    exact_lo = seen_lo <= low_out + tol
    exact_hi = seen_hi >= high_out - tol
    lo = np.where(exact_lo, low_out, np.nan)
    hi = np.where(exact_hi, high_out, np.nan)
    if exact_lo.all() and exact_hi.all():
        return lo, hi, 0
    lp = LinearProgram(m.tocsc(), b, b, np.zeros(k), np.full(k, ub), primal=True)
    solves = 0

    def record(x: np.ndarray) -> None:
        np.minimum(seen_lo, x, out=seen_lo)
        np.maximum(seen_hi, x, out=seen_hi)
        hit_lo = ~exact_lo & (seen_lo <= low_out + tol)
        hit_hi = ~exact_hi & (seen_hi >= high_out - tol)
        lo[hit_lo] = low_out[hit_lo]
        hi[hit_hi] = high_out[hit_hi]
        exact_lo[hit_lo] = True
        exact_hi[hit_hi] = True

    all_cols = np.arange(k)
    # aggregated objectives: push every open bound at once, while that certifies new bounds
    # (a round costs about as much as a few single-cell programs: go on while it pays)
    # After the first round the open cells get random weights (fixed seed): other vertices,
    # other bounds reached.
    rng = np.random.default_rng(0)
    for sign, exact in ((-1.0, exact_hi), (1.0, exact_lo)):
        for round_ in range(AGGREGATED_ROUNDS):
            open_ = ~exact
            if not open_.any():
                break
            before = int(open_.sum())
            weight = 1.0 if round_ == 0 else rng.random(k)
            lp.set_costs(all_cols, np.where(open_, sign * weight, 0.0))
            if not lp.solve():  # pragma: no cover - the true table is feasible
                raise RuntimeError("attacker's program infeasible")
            solves += 1
            record(lp.solution())
            if before - int((~exact).sum()) < max(3, before // 200):
                break
    # single-cell programs for what is left
    lp.set_costs(all_cols, np.zeros(k))
    for j in range(k):
        for sign, exact, out in ((1.0, exact_lo, lo), (-1.0, exact_hi, hi)):
            if exact[j]:
                continue
            lp.set_costs(np.array([j]), np.array([sign]))
            if not lp.solve():  # pragma: no cover
                raise RuntimeError("attacker's program infeasible")
            solves += 1
            x = lp.solution()
            out[j] = sign * lp.objective()
            exact[j] = True
            record(x)
            lp.set_costs(np.array([j]), np.array([0.0]))
    return lo, hi, solves


def propagate_bounds(
    m: sp.csr_matrix, b: np.ndarray, low: np.ndarray, high: np.ndarray, rounds: int = 60
) -> tuple[np.ndarray, np.ndarray]:
    """Outer bounds from interval propagation over ``m x = b`` (never tighter than the truth).

    >>> m = sp.csr_matrix(np.array([[1.0, -1.0, -1.0]]))
    >>> propagate_bounds(m, np.array([0.0]), np.array([0.0, 2.0, 3.0]), np.array([10.0, 4.0, 10.0]))
    (array([5., 2., 3.]), array([10.,  4.,  8.]))
    """
    low = low.astype(float).copy()
    high = high.astype(float).copy()
    m = sp.csr_matrix(m)
    row_of = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    col = m.indices
    coef = m.data
    for _ in range(rounds):
        lo_term = np.where(coef > 0, coef * low[col], coef * high[col])
        hi_term = np.where(coef > 0, coef * high[col], coef * low[col])
        act_lo = np.bincount(row_of, lo_term, minlength=m.shape[0])
        act_hi = np.bincount(row_of, hi_term, minlength=m.shape[0])
        rest_lo = act_lo[row_of] - lo_term
        rest_hi = act_hi[row_of] - hi_term
        # coef * x = b - rest
        v1 = (b[row_of] - rest_hi) / coef
        v2 = (b[row_of] - rest_lo) / coef
        cand_lo = np.minimum(v1, v2)
        cand_hi = np.maximum(v1, v2)
        new_low = low.copy()
        new_high = high.copy()
        np.maximum.at(new_low, col, cand_lo)
        np.minimum.at(new_high, col, cand_hi)
        new_high = np.maximum(new_high, new_low)
        change = max(
            float(np.max(new_low - low, initial=0.0)), float(np.max(high - new_high, initial=0.0))
        )
        low, high = new_low, new_high
        if change <= 1e-9 * (1.0 + float(np.max(np.abs(high), initial=0.0))):
            break
    return low, high
