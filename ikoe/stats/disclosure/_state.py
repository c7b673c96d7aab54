"""The state the phases of secondary suppression share (:mod:`~ikoe.stats.disclosure.secondary`).

:class:`State` holds the problem (cells, relations, protection width, cost per cell) and the
pattern as the phases change it: which cells are suppressed, which must stay suppressed, which
primary cells a recorded perturbation (their *witness*) already protects, and the counters that
end up in :attr:`Pattern.stats <ikoe.stats.disclosure.secondary.Pattern.stats>`. The build
(:mod:`~ikoe.stats.disclosure._build`) and the clean-up
(:mod:`~ikoe.stats.disclosure._cleanup`) change its arrays in place; the phases never copy them,
so every phase sees the others' changes.

>>> from ikoe.stats.disclosure.table import Table
>>> t = Table.from_bottom(["r"], [(("a",), 1), (("b",), 5)])
>>> state = State(CellSystem.from_table(t), t.values < 3, 3.0, 1.0 + t.values)
>>> state.suppressed.tolist(), state.certified.tolist(), state.need
([False, True, False], [False, False, False], 2.999997)
"""

from __future__ import annotations

import numpy as np

from ikoe.stats.disclosure._neighbourhood import Neighbourhoods
from ikoe.stats.disclosure.audit import WIDTH_TOLERANCE
from ikoe.stats.disclosure.problem import CellSystem

FLOW_TOL = 1e-9
"""Entries of a perturbation smaller than this are no movement (the cell is not part of it)."""


class State:
    """The suppression problem and the pattern so far.

    Problem (never changed): ``system``; its ``a`` (values), ``low`` (the attacker's lower
    bounds), ``upper`` (the attacker's upper bound of every cell), ``r`` (the relations by
    column, CSC), ``grid`` and ``positions``; ``primary``; ``width`` (``W``) and ``need`` (``W``
    less the audit's tolerance); ``cost`` per cell (``inf``: never a complement).

    Pattern (changed in place): ``suppressed``; ``fixed`` (suppressed before and staying so);
    ``certified`` (primary cells a recorded perturbation moves by ``W``) with their
    ``witness`` (the cells of that perturbation); ``stats`` (counters).

    ``cleanup_budget``: the clean-up tries no further cell once its linear programs have cost
    this much work, counted as the sum over them of (columns / 1,000)² (``stats
    ["cleanup_work"]``; about 10 ms each on the development machine). Counted, not timed, so
    the result does not depend on the machine or its load. ``None``: no bound.
    """

    def __init__(
        self,
        system: CellSystem,
        primary: np.ndarray,
        width: float,
        cost: np.ndarray,
        exact_audit: bool = True,
    ) -> None:
        self.system = system
        self.exact_audit = exact_audit
        self.a = system.values
        self.low = system.lower
        self.upper = system.upper
        self.set_width(width)
        self.cost = cost
        self.primary = primary
        self.suppressed = primary.copy()
        self.fixed = np.zeros(system.size, dtype=bool)
        self.r = system.relations_csc
        self.workers = 1
        self.cleanup_budget: float | None = None
        self.grid = system.grid
        self.positions = system.grid.positions
        self.neighbourhoods = Neighbourhoods(system.grid)
        self.certified = np.zeros(system.size, dtype=bool)
        self.witness: dict[int, np.ndarray] = {}
        self.stats: dict[str, float] = {
            "hypercube": 0,
            "union_lp": 0,
            "neighbourhood_lp": 0,
            "full_lp": 0,
            "skipped": 0,
            "cleanup_solves": 0,
            "cleanup_work": 0.0,
            "quick_rejects": 0,
            "exact_checks": 0,
            "exact_accepted": 0,
        }

    def set_width(self, width: float) -> None:
        """The width the build protects for (the mend widens it for whole numbers)."""
        self.width = width
        self.need = width - WIDTH_TOLERANCE * max(1.0, width)
