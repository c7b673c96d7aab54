"""The attacker's linear program: how closely can a suppressed cell be recomputed?

The attacker knows every published cell, the table's additivity and that no cell is negative
or larger than the table maximum. For each suppressed cell the audit minimises and maximises
it over all tables consistent with that knowledge (HiGHS through SciPy); the result is the
interval the cell is known to lie in. A primary cell is *under-protected* when its interval is
narrower than the protection width ``W`` (``upper - lower < W``), the definition the peers'
audits use (tau-ARGUS, sdcTable).

Suppressed cells that share no relation with a suppressed cell outside their group are solved
group by group (:class:`_GroupBounds`).

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
    exact: bool = True
    """``False``: only primary cells, with intervals proven wide enough (see :func:`audit`)."""

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

    def get(self, cell: int) -> tuple[float, float] | None:
        """The interval of ``cell``, or ``None`` when the report has none for it."""
        try:
            return self.interval(cell)
        except KeyError:
            return None


def audit(
    system: CellSystem,
    suppressed: np.ndarray,
    primary: np.ndarray | None = None,
    width: float = 3.0,
    *,
    upper_bound: float | None = None,
    exact: bool = True,
) -> AuditReport:
    """Solve the attacker's linear program for every suppressed cell.

    ``suppressed`` and ``primary`` are boolean masks over the cells of ``system``; published
    cells are known exactly, suppressed and hidden ones lie between their lower bound
    (``system.lower``) and ``upper_bound`` (default: the table maximum), and all relations
    hold. Hidden cells are unknowns of the program but get no interval of their own. When the
    values are whole numbers, so are the bounds (rounded inwards).

    With ``exact=False`` the audit only decides whether the pattern passes: it reports the
    primary cells alone, each with an interval the attacker cannot narrow (proven by tables
    consistent with everything published) that is at least ``width`` wide where one exists,
    and the exact interval otherwise. That is what protection needs and much faster than
    every exact bound.
    """
    suppressed = np.asarray(suppressed, dtype=bool)
    primary = np.zeros_like(suppressed) if primary is None else np.asarray(primary, dtype=bool)
    ub = system.upper if upper_bound is None else float(upper_bound)
    a = system.values
    unknown = np.flatnonzero(suppressed | system.hidden)
    wanted = ~system.hidden[unknown]
    if not exact:
        wanted &= primary[unknown]
    lower = system.lower[unknown].copy()
    upper = np.full(unknown.size, ub)
    solves = 0
    if unknown.size:
        r = system.relations_csc
        rows, indptr, indices, data = column_block(r, unknown)
        block = sp.csc_matrix((data, indices, indptr), shape=(rows.size, unknown.size))
        # right-hand side: what the published cells leave for the unknown ones
        rhs = np.asarray(block @ a[unknown]).ravel()
        csr = block.tocsr()
        link = csr[np.diff(csr.indptr) >= 2]
        graph = (
            (link.T @ link).tocsr()
            if link.shape[0]
            else sp.csr_matrix((unknown.size, unknown.size))
        )
        _, labels = connected_components(graph, directed=False)
        order = np.argsort(labels, kind="stable")
        for group in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1):
            if not wanted[group].any():
                continue
            bounds = _GroupBounds(block, rhs, group, a[unknown], system.lower[unknown], ub)
            need = None if exact else width
            lower[group], upper[group] = bounds.solve(wanted[group], need, bool(system.integral))
            solves += bounds.solves
    cells = unknown[wanted]
    lower, upper = lower[wanted], upper[wanted]
    if system.integral:
        lower, upper = _whole(lower, upper)
    return AuditReport(
        float(width), cells, a[cells], lower + 0.0, upper + 0.0, primary[cells], solves, exact
    )


def outer_intervals(
    system: CellSystem, suppressed: np.ndarray, cells: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the suppressed ``cells`` that the attacker's program can only narrow.

    Interval propagation over the relations, with every cell that is not suppressed (or
    hidden) known: no linear program, so it is quick on large systems. The attacker's exact
    interval lies inside, so a cell whose bounds here are narrower than ``W`` is
    under-protected by every pattern that suppresses no more than ``suppressed``. For whole
    numbers the bounds are rounded inwards.

    >>> from ikoe.stats.disclosure.table import Table
    >>> t = Table.from_bottom(["r"], [(("a",), 1), (("b",), 2), (("c",), 9)])
    >>> a, b = t.index(("a",)), t.index(("b",))
    >>> system = CellSystem.from_table(t).knowing(lower=np.ones(t.size))  # none is empty
    >>> suppressed = np.zeros(t.size, dtype=bool)
    >>> suppressed[[a, b]] = True  # a + b = 12 - 9, each at least 1
    >>> outer_intervals(system, suppressed, np.array([a]))
    (array([1.]), array([2.]))
    """
    suppressed = np.asarray(suppressed, dtype=bool)
    cells = np.asarray(cells, dtype=np.int64)
    if not suppressed[cells].all():
        raise ValueError("outer intervals are for suppressed cells")
    unknown = np.flatnonzero(suppressed | system.hidden)
    rows, indptr, indices, data = column_block(system.relations_csc, unknown)
    block = sp.csc_matrix((data, indices, indptr), shape=(rows.size, unknown.size))
    rhs = np.asarray(block @ system.values[unknown]).ravel()
    low, high = propagate_bounds(
        block.tocsr(), rhs, system.lower[unknown], np.full(unknown.size, system.upper)
    )
    at = np.searchsorted(unknown, cells)
    low, high = low[at], high[at]
    if system.integral:
        low, high = _whole(low, high)
    return low + 0.0, high + 0.0


def _whole(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of whole numbers, rounded inwards (within the solver's tolerance).

    >>> _whole(np.array([0.4, 1.0000000001]), np.array([3.6, 2.9999999999]))
    (array([1., 1.]), array([3., 3.]))
    """
    tol = 1e-6 * np.maximum(1.0, np.abs(upper))
    return np.ceil(lower - tol), np.floor(upper + tol)


class _GroupBounds:
    """The bounds of the unknown cells of one group of the attacker's program.

    Interval propagation over the relations gives outer bounds first; a bound is exact as
    soon as some feasible table reaches it, so feasible tables are collected (the true one,
    then the optima of aggregated objectives) and single-cell programs are solved only for the
    bounds still open.
    """

    def __init__(
        self,
        block: sp.csc_matrix,
        rhs: np.ndarray,
        group: np.ndarray,
        truth: np.ndarray,
        lb: np.ndarray,
        ub: float,
    ) -> None:
        sub = block[:, group]
        rows = np.flatnonzero(np.diff(sub.tocsr().indptr) > 0)
        self.k = group.size
        self.m = sp.csr_matrix(sub[rows])
        self.b = rhs[rows]
        self.lb = lb[group]
        self.ub = ub
        self.truth = truth[group]
        self.solves = 0

    def solve(
        self, wanted: np.ndarray, need: float | None, integral: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the ``wanted`` cells (the others: outer bounds). With ``need``, a cell is
        done as soon as feasible tables move it by at least ``need``."""
        k = self.k
        if self.m.shape[0] == 0:
            return self.lb.copy(), np.full(k, self.ub)
        self.low_out, self.high_out = propagate_bounds(self.m, self.b, self.lb, np.full(k, self.ub))
        self.tol = 1e-7 * (1.0 + np.abs(self.high_out))
        self.seen_lo, self.seen_hi = self.truth.copy(), self.truth.copy()
        self.exact_lo, self.exact_hi = ~wanted.copy(), ~wanted.copy()
        self.lo, self.hi = self.low_out.copy(), self.high_out.copy()
        self.need, self.integral = need, integral
        self._record(self.truth)
        if self.exact_lo.all() and self.exact_hi.all():
            return self.lo, self.hi
        self.lp = LinearProgram(
            self.m.tocsc(), self.b, self.b, self.lb, np.full(k, self.ub), primal=True
        )
        self._aggregated()
        self._single()
        return self.lo, self.hi

    def _record(self, x: np.ndarray) -> None:
        """Take note of a feasible table: bounds it reaches are exact, moves it shows count."""
        np.minimum(self.seen_lo, x, out=self.seen_lo)
        np.maximum(self.seen_hi, x, out=self.seen_hi)
        reached_lo = ~self.exact_lo & (self.seen_lo <= self.low_out + self.tol)
        reached_hi = ~self.exact_hi & (self.seen_hi >= self.high_out - self.tol)
        self.lo[reached_lo] = self.low_out[reached_lo]
        self.hi[reached_hi] = self.high_out[reached_hi]
        self.exact_lo |= reached_lo
        self.exact_hi |= reached_hi
        if self.need is None:
            return
        lo, hi = (
            _whole(self.seen_lo, self.seen_hi) if self.integral else (self.seen_lo, self.seen_hi)
        )
        wide = ~(self.exact_lo & self.exact_hi) & (
            hi - lo >= self.need - WIDTH_TOLERANCE * max(1.0, self.need)
        )
        self.lo[wide], self.hi[wide] = self.seen_lo[wide], self.seen_hi[wide]
        self.exact_lo[wide] = self.exact_hi[wide] = True

    def _aggregated(self) -> None:
        """Push every open bound at once while that settles enough of them.

        A round costs about as much as a few single-cell programs, so rounds go on while they
        pay; after the first round the open cells get random weights (fixed seed): other
        vertices, other bounds reached.
        """
        every = np.arange(self.k)
        rng = np.random.default_rng(0)
        for sign, exact in ((-1.0, self.exact_hi), (1.0, self.exact_lo)):
            for round_ in range(AGGREGATED_ROUNDS):
                open_ = ~exact
                if not open_.any():
                    break
                before = int(open_.sum())
                weight = 1.0 if round_ == 0 else rng.random(self.k)
                self.lp.set_costs(every, np.where(open_, sign * weight, 0.0))
                self._run()
                if before - int((~exact).sum()) < max(3, before // 200):
                    break

    def _single(self) -> None:
        """One program per bound still open."""
        self.lp.set_costs(np.arange(self.k), np.zeros(self.k))
        for j in range(self.k):
            for sign, exact, out in ((1.0, self.exact_lo, self.lo), (-1.0, self.exact_hi, self.hi)):
                if exact[j]:
                    continue
                self.lp.set_costs(np.array([j]), np.array([sign]))
                self._run()
                out[j] = sign * self.lp.objective()
                exact[j] = True
                self.lp.set_costs(np.array([j]), np.array([0.0]))

    def _run(self) -> np.ndarray:
        if not self.lp.solve():  # pragma: no cover - the true table is feasible
            raise RuntimeError("attacker's program infeasible")
        self.solves += 1
        x = self.lp.solution()
        self._record(x)
        return x


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
