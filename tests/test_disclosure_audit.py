"""The audit: the attacker's linear program for every suppressed cell.

The audit groups cells, propagates bounds and reuses feasible tables to save solves; these
tests compare it with the plain formulation - one ``scipy.optimize.linprog`` call per bound over
the whole table - on hand-worked and random patterns.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from ikoe.stats.disclosure import CellSystem, Hierarchy, Table, audit
from ikoe.stats.disclosure._lp import LinearProgram
from ikoe.stats.disclosure.audit import propagate_bounds


def plain_intervals(
    system: CellSystem, suppressed: np.ndarray, upper: float
) -> dict[int, tuple[float, float]]:
    """Min and max of each suppressed cell over the whole table: published cells fixed."""
    a = system.values
    lb = np.where(suppressed, 0.0, a)
    ub = np.where(suppressed, upper, a)
    bounds = np.column_stack([lb, ub])
    r = system.relations
    out = {}
    for j in np.flatnonzero(suppressed):
        c = np.zeros(system.size)
        c[j] = 1.0
        lo = linprog(c, A_eq=r, b_eq=np.zeros(r.shape[0]), bounds=bounds, method="highs")
        hi = linprog(-c, A_eq=r, b_eq=np.zeros(r.shape[0]), bounds=bounds, method="highs")
        assert lo.status == 0 and hi.status == 0
        out[int(j)] = (lo.fun, -hi.fun)
    return out


def grid(rows: int, cols: int, seed: int) -> Table:
    rng = np.random.default_rng(seed)
    cells = [
        ((f"r{i}", f"c{j}"), float(rng.integers(0, 12))) for i in range(rows) for j in range(cols)
    ]
    return Table.from_bottom(["r", "c"], cells)


def test_a_rectangle_by_hand() -> None:
    t = Table.from_bottom(
        ["r", "c"], [(("a", "x"), 1), (("a", "y"), 5), (("b", "x"), 4), (("b", "y"), 6)]
    )
    system = CellSystem.from_table(t)
    mask = np.zeros(t.size, dtype=bool)
    for k in [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")]:
        mask[t.index(k)] = True
    primary = mask & (t.values < 3)
    report = audit(system, mask, primary, width=3)
    # a,x + a,y = 6; a,x + b,x = 5; every cell within [0, 16]: a,x in [0, 5]
    assert report.interval(t.index(("a", "x"))) == (0.0, 5.0)
    assert report.interval(t.index(("b", "y"))) == (5.0, 10.0)
    assert report.ok
    assert report.under_protected(6).tolist() == [t.index(("a", "x"))]


def test_upper_bound_is_the_table_maximum_unless_given() -> None:
    t = Table.from_bottom(
        ["r", "c"], [(("a", "x"), 1), (("a", "y"), 5), (("b", "x"), 4), (("b", "y"), 6)]
    )
    system = CellSystem.from_table(t)
    everything = np.ones(t.size, dtype=bool)
    report = audit(system, everything, None, 3)
    assert report.interval(t.index(("a", "x"))) == (0.0, 16.0)
    assert audit(system, everything, None, 3, upper_bound=100).interval(0) == (0.0, 100.0)


@pytest.mark.parametrize("seed", range(6))
def test_the_audit_matches_the_plain_program_on_random_patterns(seed: int) -> None:
    t = grid(4, 5, seed)
    system = CellSystem.from_table(t)
    rng = np.random.default_rng(100 + seed)
    suppressed = rng.random(t.size) < 0.45
    report = audit(system, suppressed, None, 3)
    plain = plain_intervals(system, suppressed, system.upper)
    for cell, lo, hi in report.rows():
        assert lo == pytest.approx(plain[cell][0], abs=1e-7)
        assert hi == pytest.approx(plain[cell][1], abs=1e-7)


def test_the_audit_matches_the_plain_program_on_a_hierarchical_3d_table() -> None:
    org = Hierarchy.from_parents(
        [("L1", ""), ("A1", "L1"), ("A2", "L1"), ("L2", ""), ("A3", "L2"), ("A4", "L2")]
    )
    rng = np.random.default_rng(5)
    cells = [
        ((o, c, s), float(rng.integers(0, 9))) for o in org.leaves for c in "xyz" for s in "fm"
    ]
    t = Table.from_bottom(["org", "career", "sex"], cells, {"org": org})
    system = CellSystem.from_table(t)
    suppressed = np.random.default_rng(9).random(t.size) < 0.3
    report = audit(system, suppressed, None, 3)
    plain = plain_intervals(system, suppressed, system.upper)
    for cell, lo, hi in report.rows():
        assert (lo, hi) == pytest.approx(plain[cell], abs=1e-7)


def test_bound_propagation_never_cuts_into_the_true_interval() -> None:
    t = grid(3, 4, 11)
    system = CellSystem.from_table(t)
    suppressed = np.random.default_rng(2).random(t.size) < 0.6
    cells = np.flatnonzero(suppressed)
    block = system.relations[:, cells]
    rows = np.flatnonzero(block.getnnz(axis=1))
    m = sp.csr_matrix(block[rows])
    b = -(system.relations[rows][:, ~suppressed] @ system.values[~suppressed])
    low, high = propagate_bounds(m, b, np.zeros(cells.size), np.full(cells.size, system.upper))
    plain = plain_intervals(system, suppressed, system.upper)
    for j, cell in enumerate(cells):
        assert low[j] <= plain[int(cell)][0] + 1e-9
        assert high[j] >= plain[int(cell)][1] - 1e-9


def test_nothing_suppressed_is_an_empty_report() -> None:
    t = grid(2, 2, 0)
    report = audit(CellSystem.from_table(t), np.zeros(t.size, dtype=bool), None, 3)
    assert report.cells.size == 0 and report.ok


def test_the_linprog_fallback_gives_the_same_answer() -> None:
    matrix = sp.csc_matrix(np.array([[1.0, 1.0, -1.0]]))
    fast = LinearProgram(matrix, np.zeros(1), np.zeros(1), np.zeros(3), np.array([4.0, 10.0, 6.0]))
    slow = LinearProgram(
        matrix,
        np.zeros(1),
        np.zeros(1),
        np.zeros(3),
        np.array([4.0, 10.0, 6.0]),
        force_fallback=True,
    )
    for lp in (fast, slow):
        lp.set_costs(np.array([1]), np.array([-1.0]))
        assert lp.solve()
    assert fast.objective() == pytest.approx(slow.objective()) == -6.0
