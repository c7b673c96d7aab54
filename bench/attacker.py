"""The attacker's linear program, applied the same way to every tool's pattern.

Two attackers:

- ``lb0`` (what the peers' audits compute): the attacker knows every published cell exactly,
  the additivity of the table, and that a suppressed cell lies between 0 and the table maximum.
  This is ikoe's :func:`~ikoe.stats.disclosure.audit` as it stands.
- ``lb1``: a published table lists only non-empty groups, so the attacker also knows that every
  suppressed cell is at least 1 and that a cell not listed is empty (0). Empty cells are then
  known whether suppressed or not, and every other suppressed cell lies in [1, table maximum].
  This is :func:`audit` on the shifted problem ``x' = x - 1`` over the non-empty suppressed
  cells (bounds [0, maximum - 1]; the relations' right-hand side follows from the published
  cells, so the shift changes nothing else), and the widths are those of the original cells.

:func:`lp_interval` solves the same program for one cell with nothing of ikoe's but the cell
system: every suppressed cell a variable, every relation an equality, one HiGHS solve per
bound (SciPy's ``linprog``). The benchmark uses it to check a sample of ikoe's audit intervals.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ikoe.stats.disclosure import AuditReport, CellSystem, audit


@dataclass(frozen=True)
class Verdict:
    """Under-protected primary cells of one pattern under both attackers."""

    lb0: AuditReport
    lb1: AuditReport
    seconds: float

    def under(self, width: float, attacker: str = "lb0") -> int:
        report = self.lb0 if attacker == "lb0" else self.lb1
        return int(report.under_protected(width).size)


def audit_lb1(
    system: CellSystem, suppressed: np.ndarray, primary: np.ndarray, width: float = 3.0
) -> AuditReport:
    """Intervals when suppressed cells are known to be non-empty and empty cells known to be 0.

    ``lower``/``upper`` of the report are those of the original cells (shifted back by 1).
    """
    suppressed = np.asarray(suppressed, dtype=bool)
    listed = suppressed & (system.values > 0)
    shifted = dataclasses.replace(system, values=system.values - listed.astype(float))
    report = audit(shifted, listed, primary, width, upper_bound=system.upper - 1.0)
    return dataclasses.replace(
        report,
        values=report.values + 1.0,
        lower=report.lower + 1.0,
        upper=report.upper + 1.0,
    )


def lp_interval(
    system: CellSystem, suppressed: np.ndarray, cell: int, *, lower_bound_one: bool = False
) -> tuple[float, float]:
    """Minimum and maximum of ``cell`` over all tables the attacker cannot rule out.

    Independent of ikoe's audit: one linear program over all suppressed cells at once.
    ``lower_bound_one`` is the ``lb1`` attacker (empty cells known, the others at least 1).
    """
    suppressed = np.asarray(suppressed, dtype=bool).copy()
    a = system.values
    if lower_bound_one:
        suppressed &= a > 0
    if not suppressed[cell]:
        return float(a[cell]), float(a[cell])
    cols = np.flatnonzero(suppressed)
    r = sp.csr_matrix(system.relations)
    block = r[:, cols]
    rows = np.flatnonzero(np.diff(block.tocsr().indptr) > 0)
    a_eq = block[rows]
    # relations hold for the true table: R_supp a_supp = -R_pub a_pub
    b_eq = np.asarray(a_eq @ a[cols]).ravel()
    lo = 1.0 if lower_bound_one else 0.0
    bounds = (lo, system.upper)
    at = int(np.searchsorted(cols, cell))
    c = np.zeros(cols.size)
    out = []
    for sign in (1.0, -1.0):
        c[at] = sign
        res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status != 0:  # pragma: no cover - the true table is feasible
            raise RuntimeError(f"attacker's program for cell {cell}: {res.message}")
        out.append(sign * float(res.fun))
    return out[0], out[1]


def check_sample(
    system: CellSystem,
    suppressed: np.ndarray,
    verdict: Verdict,
    cells: np.ndarray,
) -> float:
    """Largest difference between :func:`lp_interval` and the audits' bounds over ``cells``."""
    worst = 0.0
    for attacker, report in (("lb0", verdict.lb0), ("lb1", verdict.lb1)):
        for cell in cells:
            cell = int(cell)
            if attacker == "lb1" and system.values[cell] == 0:
                continue
            lo, hi = lp_interval(system, suppressed, cell, lower_bound_one=attacker == "lb1")
            a_lo, a_hi = report.interval(cell)
            worst = max(worst, abs(lo - a_lo), abs(hi - a_hi))
    return worst
