"""Secondary (complementary) suppression for multi-dimensional hierarchical tables.

Given the primary cells, choose further cells to suppress so that for every primary cell the
attacker's linear program (see :mod:`ikoe.stats.disclosure.audit`) leaves an interval at least
``W`` wide, while suppressing as little as possible: each suppressed cell costs
``1 + VALUE_WEIGHT * value``, so the number of cells comes first and the suppressed total
second.

The method has three phases, each in a module of its own; they share one
:class:`~ikoe.stats.disclosure._state.State` (the problem and the pattern so far).

1. *Build* (:mod:`~ikoe.stats.disclosure._build`). Primary cells are taken largest first. A
   cell that an earlier step already protects (it lies on a recorded perturbation that moves it
   by at least ``W``) is skipped. Otherwise the cheapest hypercube around it is chosen: one
   elementary move per dimension (see :mod:`ikoe.stats.disclosure._moves`), whose tensor
   product changes the table without breaking any relation, with room to move the cell up and
   down by ``W`` in total. When no single hypercube is wide enough, a linear program over the
   union of the best hypercubes, then over growing neighbourhoods
   (:mod:`~ikoe.stats.disclosure._neighbourhood`), then over the whole table finds two
   perturbations (one up, one down) at least cost. Every step records its perturbation as the
   cell's *witness*.
2. *Clean-up* (:mod:`~ikoe.stats.disclosure._cleanup`). Secondary cells are taken most
   expensive first; a cell is published again when every primary cell whose witness used it
   still finds a witness without it (a linear program over the suppressed cells near that
   primary cell, :mod:`~ikoe.stats.disclosure._movement`). This removes most of what the
   greedy build over-suppressed.
3. *Audit* (here, :meth:`_Protector.mend`). The full attacker's program
   (:func:`~ikoe.stats.disclosure.audit.audit`) is solved for every suppressed cell. A primary
   cell found under-protected (which the witnesses rule out up to rounding) is protected again
   and the audit repeated; a pattern that still fails is not released:
   :class:`ProtectionFailed` is raised.

Every witness is a pair of tables consistent with everything published, so the interval of
the primary cell is at least as wide as the witness shows; the checks in phase 2 are
conservative (they may keep a cell that could go), never optimistic.

>>> from ikoe.stats.disclosure.table import Table
>>> t = Table.from_bottom(["r", "c"], [(("a", "x"), 1), (("a", "y"), 5), (("b", "x"), 4),
...                                    (("b", "y"), 6), (("c", "x"), 7), (("c", "y"), 8)])
>>> system = CellSystem.from_table(t)
>>> pattern = protect(system, (t.values > 0) & (t.values < 3), width=3)
>>> sorted(system.key(i) for i in np.flatnonzero(pattern.suppressed))
[('a', 'x'), ('a', 'y'), ('b', 'x'), ('b', 'y')]
>>> pattern.audit.ok, pattern.secondary_count, pattern.suppressed_total
(True, 3, 15.0)
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

import numpy as np

from ikoe.stats.disclosure._build import Builder
from ikoe.stats.disclosure._cleanup import Cleaner, suppressed_groups
from ikoe.stats.disclosure._state import State
from ikoe.stats.disclosure.audit import WIDTH_TOLERANCE, AuditReport, audit
from ikoe.stats.disclosure.problem import CellSystem

__all__ = [
    "VALUE_WEIGHT",
    "Pattern",
    "ProtectionFailed",
    "Status",
    "default_cost",
    "protect",
    "repair",
    "suppressed_groups",
]

VALUE_WEIGHT = 0.05
"""Cost of a suppressed cell per unit of its value, on top of 1 per cell."""


class Status(enum.Enum):
    PUBLISHED = "published"
    PRIMARY = "primary"
    SECONDARY = "secondary"


class ProtectionFailed(Exception):
    """No pattern that passes the audit was found; nothing may be released.

    ``cells`` are the primary cells left under-protected; ``report`` is the last audit (or
    ``None`` when the table itself is too small: its maximum is below the protection width).
    """

    def __init__(self, cells: np.ndarray, report: AuditReport | None) -> None:
        self.cells = cells
        self.report = report
        super().__init__(f"{cells.size} primary cells cannot be protected")


@dataclass(frozen=True, eq=False)
class Pattern:
    """A released suppression pattern with the audit it passed."""

    system: CellSystem
    primary: np.ndarray
    suppressed: np.ndarray
    width: float
    audit: AuditReport
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def secondary(self) -> np.ndarray:
        """Cells suppressed to protect others (hidden cells are never published, not counted)."""
        return self.suppressed & ~self.primary & ~self.system.hidden

    @property
    def secondary_count(self) -> int:
        return int(self.secondary.sum())

    @property
    def suppressed_total(self) -> float:
        """Sum of the values of the secondary cells (the information given up for protection)."""
        return float(self.system.values[self.secondary].sum())

    def status(self, cell: int) -> Status:
        if self.primary[cell]:
            return Status.PRIMARY
        if self.suppressed[cell]:
            return Status.SECONDARY
        return Status.PUBLISHED

    def statuses(self) -> list[Status]:
        return [self.status(i) for i in range(self.system.size)]


def default_cost(values: np.ndarray) -> np.ndarray:
    """``1 + VALUE_WEIGHT * value`` per cell.

    >>> default_cost(np.array([0.0, 20.0]))
    array([1., 2.])
    """
    return 1.0 + VALUE_WEIGHT * np.asarray(values, dtype=float)


def protect(
    system: CellSystem,
    primary: np.ndarray,
    width: float = 3.0,
    *,
    cost: np.ndarray | None = None,
    zero_complements: bool = True,
    max_rounds: int = 3,
    workers: int = 1,
    fixed: np.ndarray | None = None,
    exact_audit: bool = True,
    cleanup_budget: float | None = None,
) -> Pattern:
    """Suppress the primary cells and enough others that each primary keeps an interval ``>= width``.

    ``cost`` (default :func:`default_cost`) prices each cell; ``numpy.inf`` forbids a cell as a
    complement. With ``zero_complements=False`` empty cells are never suppressed as complements.
    Raises :class:`ProtectionFailed` when the audit cannot be passed. ``workers > 1`` cleans
    independent groups of cells in that many forked processes (same result, less time on
    several cores; leave it at 1 inside a web server). ``fixed`` marks cells that are
    suppressed already (by an earlier decision) and stay suppressed; they are free complements.
    ``exact_audit=False`` audits only as far as the decision needs (see
    :func:`~ikoe.stats.disclosure.audit.audit`): much faster on large systems, and the
    pattern's report then holds the primary cells alone. ``cleanup_budget`` bounds phase 2 by
    the work of its linear programs (:attr:`~ikoe.stats.disclosure._state.State.cleanup_budget`;
    0 skips it): what it does not publish again stays suppressed (as safe, and larger), and the
    same question still gets the same answer.
    """
    primary = np.asarray(primary, dtype=bool).copy()
    if primary.shape != (system.size,):
        raise ValueError("one flag per cell")
    width = float(width)
    costs = default_cost(system.values) if cost is None else np.asarray(cost, dtype=float).copy()
    if not zero_complements:
        costs[system.values == 0] = np.inf
    costs[primary] = 0.0
    keep = np.zeros(system.size, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    if keep.shape != (system.size,):
        raise ValueError("one fixed flag per cell")
    keep = keep | system.hidden
    costs[keep] = 0.0
    if primary.any() and width > 0 and system.upper < width - WIDTH_TOLERANCE:
        raise ProtectionFailed(np.flatnonzero(primary), None)
    worker = _Protector(system, primary, width, costs, exact_audit)
    worker.suppressed |= keep
    worker.fixed = keep
    worker.workers = max(1, int(workers))
    clock = time.perf_counter()
    worker.build(worker.order(np.flatnonzero(primary)))
    worker.stats["built_secondary"] = float((worker.suppressed & ~primary).sum())
    worker.stats["build_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    worker.cleanup_budget = cleanup_budget
    if cleanup_budget is None or cleanup_budget > 0:
        worker.cleanup()
    worker.stats["cleanup_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    report = audit(system, worker.suppressed, primary, width, exact=exact_audit)
    worker.stats["audit_seconds"] = time.perf_counter() - clock
    report, rounds = worker.mend(report, rounds=1, max_rounds=max_rounds)
    worker.stats["audit_solves"] = float(report.lp_solves)
    worker.stats["rounds"] = float(rounds)
    return Pattern(system, primary, worker.suppressed.copy(), width, report, dict(worker.stats))


def repair(
    system: CellSystem,
    primary: np.ndarray,
    suppressed: np.ndarray,
    width: float = 3.0,
    *,
    cost: np.ndarray | None = None,
    report: AuditReport | None = None,
    max_rounds: int = 3,
    exact_audit: bool = True,
) -> Pattern:
    """Suppress further cells until every primary cell of ``suppressed`` passes the audit.

    Nothing suppressed is published again; each under-protected primary cell gets the
    cheapest complements that let it move by ``width`` in the whole system. Used when patterns
    found for parts of a system fail the audit of the whole. Raises :class:`ProtectionFailed`
    when ``max_rounds`` do not suffice.
    """
    primary = np.asarray(primary, dtype=bool)
    seed = np.asarray(suppressed, dtype=bool) | primary | system.hidden
    costs = default_cost(system.values) if cost is None else np.asarray(cost, dtype=float).copy()
    costs[seed] = 0.0
    worker = _Protector(system, primary, float(width), costs, exact_audit)
    worker.suppressed |= seed
    worker.fixed = seed.copy()
    clock = time.perf_counter()
    if report is None:
        report = audit(system, worker.suppressed, primary, width, exact=exact_audit)
    report, rounds = worker.mend(report, rounds=0, max_rounds=max_rounds)
    worker.stats["repair_rounds"] = float(rounds)
    worker.stats["repair_seconds"] = time.perf_counter() - clock
    worker.stats["repaired_cells"] = float((worker.suppressed & ~seed).sum())
    return Pattern(
        system, primary, worker.suppressed.copy(), float(width), report, dict(worker.stats)
    )


class _Protector(State):
    """The three phases on one shared :class:`~ikoe.stats.disclosure._state.State`.

    :meth:`build` (phase 1, :class:`~ikoe.stats.disclosure._build.Builder`), :meth:`cleanup`
    (phase 2, :class:`~ikoe.stats.disclosure._cleanup.Cleaner`) and :meth:`mend` (phase 3: audit
    and protect again what the audit finds under-protected).
    """

    def __init__(
        self,
        system: CellSystem,
        primary: np.ndarray,
        width: float,
        cost: np.ndarray,
        exact_audit: bool = True,
    ) -> None:
        super().__init__(system, primary, width, cost, exact_audit)
        self._builder = Builder(self)

    def order(self, cells: np.ndarray) -> np.ndarray:
        """Largest value first; ties by cell number."""
        cells = np.asarray(cells, dtype=np.int64)
        return cells[np.lexsort((cells, -self.a[cells]))]

    def forget(self, cells: np.ndarray) -> None:
        self.certified[cells] = False

    def build(self, cells: np.ndarray, exact: bool = False) -> None:
        """Protect each of ``cells`` (phase 1); ``exact`` uses the linear programs alone."""
        failed = self._builder.build(cells, exact)
        if failed is not None:
            raise ProtectionFailed(np.array([failed]), None)

    def cleanup(self) -> None:
        """Publish again what the build over-suppressed (phase 2)."""
        Cleaner(self).run()

    def mend(self, report: AuditReport, rounds: int, max_rounds: int) -> tuple[AuditReport, int]:
        """Protect the primary cells the audit found under-protected, exactly, until it passes.

        ``rounds`` counts the audits so far; raises :class:`ProtectionFailed` at ``max_rounds``.
        """
        width, extra = self.width, 0.0
        while not report.ok:
            if rounds >= max_rounds:
                raise ProtectionFailed(report.under_protected(), report)
            bad = report.under_protected()
            self.forget(bad)
            if self.system.integral:
                # Perturbations move cells by fractions and the attacker rounds to whole
                # numbers: [0.5, 2.5] is [1, 2] to him. A mended cell moves one unit more, then
                # two (enough: ⌊u⌋ + ⌊d⌋ > u + d − 2).
                extra = min(extra + 1.0, 2.0)
            self.set_width(width + extra)
            try:
                self.build(self.order(bad), exact=True)
            finally:
                self.set_width(width)
            report = audit(
                self.system, self.suppressed, self.primary, self.width, exact=self.exact_audit
            )
            rounds += 1
        return report, rounds
