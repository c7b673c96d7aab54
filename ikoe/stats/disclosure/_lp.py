"""Linear programs for disclosure control, solved with HiGHS through SciPy.

SciPy ships HiGHS; :class:`LinearProgram` keeps one HiGHS model alive so that changing bounds
or costs and solving again starts from the last basis (a few simplex iterations instead of a
solve from scratch). SciPy exposes that model object only through its private
``scipy.optimize._highspy`` module; when that is missing (other SciPy versions) the class falls
back to :func:`scipy.optimize.linprog` with ``method="highs"``, which gives the same answers
more slowly.

>>> import scipy.sparse as sp
>>> lp = LinearProgram(sp.csc_matrix(np.array([[1.0, 1.0, -1.0]])), np.zeros(1), np.zeros(1),
...                    np.zeros(3), np.full(3, 10.0))
>>> lp.set_costs(np.array([2]), np.array([-1.0]))   # maximise x2 subject to x0 + x1 = x2
>>> lp.solve(), round(lp.objective(), 9)
(True, -10.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

try:  # pragma: no branch
    from scipy.optimize._highspy import _core as _highs  # type: ignore[attr-defined]

    _HAVE_CORE = hasattr(_highs, "_Highs")
except ImportError:  # pragma: no cover - older SciPy
    _highs = None
    _HAVE_CORE = False

INF = float("inf")
_COLWISE = int(_highs.MatrixFormat.kColwise) if _HAVE_CORE else 1
_MINIMIZE = int(_highs.ObjSense.kMinimize) if _HAVE_CORE else 1


class LinearProgram:
    """``min c·x`` subject to ``lhs <= A x <= rhs`` and ``lb <= x <= ub``; warm-started re-solves."""

    def __init__(
        self,
        matrix: sp.spmatrix | tuple[np.ndarray, np.ndarray, np.ndarray, int],
        lhs: np.ndarray,
        rhs: np.ndarray,
        lb: np.ndarray,
        ub: np.ndarray,
        cost: np.ndarray | None = None,
        *,
        primal: bool = False,
        force_fallback: bool = False,
    ) -> None:
        """``matrix`` is a SciPy sparse matrix or CSC arrays ``(indptr, indices, data, num_rows)``."""
        if isinstance(matrix, tuple):
            indptr, indices, data, num_rows = matrix
            self.num_rows, self.num_cols = int(num_rows), int(len(indptr) - 1)
        else:
            a = sp.csc_matrix(matrix)
            indptr, indices, data = a.indptr, a.indices, a.data
            self.num_rows, self.num_cols = a.shape
        self._csc = (indptr, indices, data)
        self.cost = np.zeros(self.num_cols) if cost is None else np.asarray(cost, dtype=float)
        self.lb = np.asarray(lb, dtype=float)
        self.ub = np.array(ub, dtype=float)
        self.lhs = np.asarray(lhs, dtype=float)
        self.rhs = np.asarray(rhs, dtype=float)
        self._x: np.ndarray | None = None
        self._obj = float("nan")
        self._core = _HAVE_CORE and not force_fallback
        if self._core:
            h = _highs._Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("presolve", "off")
            h.setOptionValue("threads", 1)
            if primal:
                h.setOptionValue("simplex_strategy", 4)
            h.passModel(
                self.num_cols,
                self.num_rows,
                int(indptr[-1]),
                _COLWISE,
                _MINIMIZE,
                0.0,
                np.ascontiguousarray(self.cost, dtype=np.float64),
                np.ascontiguousarray(self.lb, dtype=np.float64),
                np.ascontiguousarray(self.ub, dtype=np.float64),
                np.ascontiguousarray(self.lhs, dtype=np.float64),
                np.ascontiguousarray(self.rhs, dtype=np.float64),
                np.ascontiguousarray(indptr, dtype=np.int32),
                np.ascontiguousarray(indices, dtype=np.int32),
                np.ascontiguousarray(data, dtype=np.float64),
                np.zeros(self.num_cols, dtype=np.int32),
            )
            self._h: Any = h

    # changes --------------------------------------------------------------------------------

    def set_bounds(self, cols: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        lb = np.asarray(lb, dtype=float)
        ub = np.asarray(ub, dtype=float)
        self.lb[cols] = lb
        self.ub[cols] = ub
        if self._core and cols.size:
            self._h.changeColsBounds(int(cols.size), cols, lb, ub)

    def set_costs(self, cols: np.ndarray, cost: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        cost = np.asarray(cost, dtype=float)
        self.cost[cols] = cost
        if self._core and cols.size:
            self._h.changeColsCost(int(cols.size), cols, cost)

    def set_row_bounds(self, row: int, lhs: float, rhs: float) -> None:
        self.lhs[row] = lhs
        self.rhs[row] = rhs
        if self._core:
            inf = _highs.kHighsInf
            self._h.changeRowBounds(int(row), max(lhs, -inf), min(rhs, inf))

    # solving --------------------------------------------------------------------------------

    def solve(self) -> bool:
        """Solve; ``True`` when an optimum was found (``False``: infeasible)."""
        if self._core:
            self._h.run()
            status = self._h.getModelStatus()
            if status == _highs.HighsModelStatus.kOptimal:
                self._x = None
                self._obj = float(self._h.getInfo().objective_function_value)
                return True
            if status in (_highs.HighsModelStatus.kInfeasible,):
                return False
            # numerical trouble: solve once more from scratch
            self._h.clearSolver()
            self._h.run()
            if self._h.getModelStatus() == _highs.HighsModelStatus.kOptimal:
                self._x = None
                self._obj = float(self._h.getInfo().objective_function_value)
                return True
            if self._h.getModelStatus() == _highs.HighsModelStatus.kInfeasible:
                return False
            raise RuntimeError(f"HiGHS: {self._h.modelStatusToString(self._h.getModelStatus())}")
        return self._solve_linprog()

    def _solve_linprog(self) -> bool:
        from scipy.optimize import linprog

        eq = self.lhs == self.rhs
        indptr, indices, data = self._csc
        a = sp.csc_matrix((data, indices, indptr), shape=(self.num_rows, self.num_cols)).tocsr()
        blocks_ub, b_ub = [], []
        up = ~eq & np.isfinite(self.rhs)
        lo = ~eq & np.isfinite(self.lhs)
        if up.any():
            blocks_ub.append(a[up])
            b_ub.append(self.rhs[up])
        if lo.any():
            blocks_ub.append(-a[lo])
            b_ub.append(-self.lhs[lo])
        res = linprog(
            self.cost,
            A_ub=sp.vstack(blocks_ub) if blocks_ub else None,
            b_ub=np.concatenate(b_ub) if b_ub else None,
            A_eq=a[eq] if eq.any() else None,
            b_eq=self.rhs[eq] if eq.any() else None,
            bounds=np.column_stack([self.lb, self.ub]),
            method="highs",
        )
        if res.status == 0:
            self._x = np.asarray(res.x)
            self._obj = float(res.fun)
            return True
        if res.status == 2:
            return False
        raise RuntimeError(f"HiGHS: {res.message}")

    def objective(self) -> float:
        return self._obj

    def solution(self) -> np.ndarray:
        if self._x is None:
            self._x = np.asarray(self._h.getSolution().col_value)
        return self._x


def column_block(
    r: sp.csc_matrix, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows of ``r`` touching ``cols`` and their entries, as CSC arrays of ``r[rows][:, cols]``.

    Returns ``(rows, indptr, indices, data)`` where ``indices`` are positions in ``rows``.
    Faster than SciPy's fancy indexing for the many small models built during suppression.
    """
    cols = np.asarray(cols, dtype=np.int64)
    starts = r.indptr[cols]
    lens = r.indptr[cols + 1] - starts
    total = int(lens.sum())
    indptr = np.zeros(cols.size + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    # positions of all entries: starts repeated plus offsets within each column
    offsets = np.arange(total, dtype=np.int64) - np.repeat(indptr[:-1], lens)
    take = np.repeat(starts, lens) + offsets
    raw_rows = r.indices[take]
    rows, inv = np.unique(raw_rows, return_inverse=True)
    return rows, indptr, inv.astype(np.int32), r.data[take]
