"""Secondary (complementary) suppression for multi-dimensional hierarchical tables.

Given the primary cells, choose further cells to suppress so that for every primary cell the
attacker's linear program (see :mod:`ikoe.stats.disclosure.audit`) leaves an interval at least
``W`` wide, while suppressing as little as possible: each suppressed cell costs
``1 + VALUE_WEIGHT * value``, so the number of cells comes first and the suppressed total
second.

The method has three phases.

1. *Build.* Primary cells are taken largest first. A cell that an earlier step already
   protects (it lies on a recorded perturbation that moves it by at least ``W``) is skipped.
   Otherwise the cheapest hypercube around it is chosen: one elementary move per dimension
   (see :mod:`ikoe.stats.disclosure._moves`), whose tensor product changes the table without
   breaking any relation, with room to move the cell up and down by ``W`` in total. When no
   single hypercube is wide enough, a linear program over the union of the best hypercubes,
   then over growing neighbourhoods, then over the whole table finds two perturbations (one
   up, one down) at least cost. Every step records its perturbation as the cell's *witness*.
2. *Clean-up.* Secondary cells are taken most expensive first; a cell is published again when
   every primary cell whose witness used it still finds a witness without it (a linear
   program over the suppressed cells near that primary cell). This removes most of what the
   greedy build over-suppressed.
3. *Audit.* The full attacker's program (:func:`~ikoe.stats.disclosure.audit.audit`) is solved
   for every suppressed cell. A primary cell found under-protected (which the witnesses rule
   out up to rounding) is protected again and the audit repeated; a pattern that still fails
   is not released: :class:`ProtectionFailed` is raised.

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
import multiprocessing
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ikoe.stats.disclosure._lp import INF, LinearProgram, column_block
from ikoe.stats.disclosure._moves import moves
from ikoe.stats.disclosure.audit import WIDTH_TOLERANCE, AuditReport, audit
from ikoe.stats.disclosure.hierarchy import Classification, Dimension
from ikoe.stats.disclosure.problem import CellSystem

VALUE_WEIGHT = 0.05
"""Cost of a suppressed cell per unit of its value, on top of 1 per cell."""
UNION_CANDIDATES = 16
"""Hypercubes whose union the linear program of the build phase may use."""
MAX_HYPERCUBE_ENTRIES = 400_000
"""Bound on (hypercubes x corners) evaluated for one cell."""
CLEANUP_LEVEL = 0
"""Neighbourhood (0: parent, siblings and children in every dimension) of the clean-up models."""
PRIMARY_WITNESS_COST = 0.01
"""Weight of primary cells in clean-up witnesses (they stay suppressed, so witnesses prefer them)."""
EXACT_LIMIT = 250
"""Suppressed cells around a primary cell in the wider check when its clean-up model refuses."""
EXACT_TRIAL = 50
"""Wider checks are always tried this many times ..."""
EXACT_MIN_RATE = 0.1
"""... and afterwards only while at least this share of them accepts a removal."""
WHOLE_GROUP = 120
"""Groups of at most this many suppressed cells get clean-up models over the whole group (exact)."""
MODEL_CACHE = 2000
"""Clean-up model pairs kept alive at once (each HiGHS model holds a few hundred kB)."""
EXPENSIVE = 25.0
"""A hypercube costing more than this is compared with flows over wider neighbourhoods."""
"""Clean-up models kept alive at once."""
_FLOW_TOL = 1e-9


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
    pattern's report then holds the primary cells alone.
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


class _Protector:
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
        self.width = width
        self.cost = cost
        self.primary = primary
        self.suppressed = primary.copy()
        self.fixed = np.zeros(system.size, dtype=bool)
        self.r = system.relations_csc
        self.workers = 1
        self.grid = system.grid
        self.positions = system.grid.positions
        self.certified = np.zeros(system.size, dtype=bool)
        self.witness: dict[int, np.ndarray] = {}
        self._moves: list[dict[int, tuple[np.ndarray, np.ndarray]]] = [
            {} for _ in self.grid.hierarchies
        ]
        self._family: list[list[frozenset[int]]] = [_families(h) for h in self.grid.hierarchies]
        self.stats: dict[str, float] = {
            "hypercube": 0,
            "union_lp": 0,
            "neighbourhood_lp": 0,
            "full_lp": 0,
            "skipped": 0,
            "cleanup_solves": 0,
            "quick_rejects": 0,
            "exact_checks": 0,
            "exact_accepted": 0,
        }

    # ordering -----------------------------------------------------------------------------

    def order(self, cells: np.ndarray) -> np.ndarray:
        """Largest value first; ties by cell number."""
        cells = np.asarray(cells, dtype=np.int64)
        return cells[np.lexsort((cells, -self.a[cells]))]

    def forget(self, cells: np.ndarray) -> None:
        self.certified[cells] = False

    def mend(self, report: AuditReport, rounds: int, max_rounds: int) -> tuple[AuditReport, int]:
        """Protect the primary cells the audit found under-protected, exactly, until it passes.

        ``rounds`` counts the audits so far; raises :class:`ProtectionFailed` at ``max_rounds``.
        """
        while not report.ok:
            if rounds >= max_rounds:
                raise ProtectionFailed(report.under_protected(), report)
            bad = report.under_protected()
            self.forget(bad)
            self.build(self.order(bad), exact=True)
            report = audit(
                self.system, self.suppressed, self.primary, self.width, exact=self.exact_audit
            )
            rounds += 1
        return report, rounds

    # build --------------------------------------------------------------------------------

    def build(self, cells: np.ndarray, exact: bool = False) -> None:
        for p in cells:
            p = int(p)
            if self.certified[p]:
                self.stats["skipped"] += 1
                continue
            if not exact and self._try_hypercube(p):
                continue
            if self._try_neighbourhoods(p, exact):
                continue
            raise ProtectionFailed(np.array([p]), None)

    def _hypercubes(self, p: int) -> tuple[np.ndarray, np.ndarray]:
        """Cells (``-1`` for none) and signs of every candidate hypercube around ``p``."""
        per_dim = []
        for d in range(len(self.grid.hierarchies)):
            c = int(self.positions[p, d])
            cached = self._moves[d].get(c)
            if cached is None:
                found = moves(self.grid.hierarchies[d], c)
                length = max(len(pos) for pos, _ in found)
                pos_arr = np.zeros((len(found), length), dtype=np.int64)
                sign_arr = np.zeros((len(found), length), dtype=np.int8)
                for j, (pos, sg) in enumerate(found):
                    pos_arr[j, : len(pos)] = pos
                    sign_arr[j, : len(sg)] = sg
                cached = (pos_arr, sign_arr)
                self._moves[d][c] = cached
            per_dim.append(cached)
        # keep the evaluation bounded: trim the longest candidate lists first
        counts = [pm.shape[0] for pm, _ in per_dim]
        corners = int(np.prod([pm.shape[1] for pm, _ in per_dim]))
        while int(np.prod(counts)) * corners > MAX_HYPERCUBE_ENTRIES and max(counts) > 1:
            j = int(np.argmax(counts))
            counts[j] = max(1, counts[j] // 2)
        dims = len(per_dim)
        flat = np.zeros([1] * (2 * dims), dtype=np.int64)
        signs = np.ones([1] * (2 * dims), dtype=np.int8)
        for d, ((pos_arr, sign_arr), n) in enumerate(zip(per_dim, counts, strict=True)):
            shape = [1] * (2 * dims)
            shape[d] = n
            shape[dims + d] = pos_arr.shape[1]
            flat = flat + (pos_arr[:n] * self.grid.strides[d]).reshape(shape)
            signs = signs * sign_arr[:n].reshape(shape)
        total = int(np.prod(counts))
        flat = np.broadcast_to(flat, signs.shape).reshape(total, -1)
        signs = signs.reshape(total, -1)
        cells = self.grid.lookup(flat)
        signs = np.where(cells >= 0, signs, 0)
        return cells, signs

    def _evaluate(
        self, cells: np.ndarray, signs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        valid = signs != 0
        safe = np.where(valid, cells, 0)
        values = self.a[safe]
        new = valid & ~self.suppressed[safe]
        cost = np.where(new, self.cost[safe], 0.0).sum(axis=1)
        room_up = self.upper - values
        room_down = values - self.low[safe]
        cap_up = np.minimum(
            np.where(valid & (signs < 0), room_down, INF).min(axis=1),
            np.where(valid & (signs > 0), room_up, INF).min(axis=1),
        )
        cap_down = np.minimum(
            np.where(valid & (signs > 0), room_down, INF).min(axis=1),
            np.where(valid & (signs < 0), room_up, INF).min(axis=1),
        )
        return cost, cap_up, cap_down

    def _try_hypercube(self, p: int) -> bool:
        """The cheapest wide-enough hypercube, unless a flow over cheaper ones costs less."""
        cells, signs = self._hypercubes(p)
        cost, cap_up, cap_down = self._evaluate(cells, signs)
        need = self.width - WIDTH_TOLERANCE * max(1.0, self.width)
        wide = (cap_up + cap_down >= need) & np.isfinite(cost)
        useful = np.isfinite(cost) & ((cap_up > 0) | (cap_down > 0))
        best = -1
        if wide.any():
            choice = np.flatnonzero(wide)
            best = int(choice[np.lexsort((-(cap_up[choice] + cap_down[choice]), cost[choice]))[0]])
            if not (useful & (cost < cost[best])).any():
                self._take_hypercube(p, cells, signs, best, cap_up, cap_down)
                return True
        limit = cost[best] if best >= 0 else INF
        choice = np.flatnonzero(useful & (cost < limit))
        if choice.size:
            choice = choice[np.argsort(cost[choice], kind="stable")[:UNION_CANDIDATES]]
            union = cells[choice][signs[choice] != 0]
            self.stats["union_lp"] += 1
            if self._cheaper_flow(p, np.unique(np.append(union, p)), limit):
                self.stats["union_won"] = self.stats.get("union_won", 0) + 1
                return True
            for level in range(3 if limit > EXPENSIVE else 0):
                self.stats["neighbourhood_lp"] += 1
                if self._cheaper_flow(p, self._neighbourhood(p, level), limit):
                    self.stats["neighbourhood_won"] = self.stats.get("neighbourhood_won", 0) + 1
                    return True
        if best >= 0:
            self._take_hypercube(p, cells, signs, best, cap_up, cap_down)
            return True
        return False

    def _cheaper_flow(self, p: int, cols: np.ndarray, limit: float) -> bool:
        """Suppress the flow solution within ``cols`` when its new cells cost less than ``limit``."""
        flow = self._flow_solution(p, cols)
        if flow is None:
            return False
        members, d_up, d_down = flow
        if float(self.cost[members[~self.suppressed[members]]].sum()) >= limit:
            return False
        self._add(p, members, d_up, d_down)
        return True

    def _take_hypercube(
        self,
        p: int,
        cells: np.ndarray,
        signs: np.ndarray,
        best: int,
        cap_up: np.ndarray,
        cap_down: np.ndarray,
    ) -> None:
        valid = signs[best] != 0
        members = cells[best][valid]
        move = signs[best][valid].astype(float)
        self._add(
            p, members, move * min(cap_up[best], self.upper), move * min(cap_down[best], self.upper)
        )
        self.stats["hypercube"] += 1

    def _try_neighbourhoods(self, p: int, exact: bool) -> bool:
        previous = 0
        for level in range(3):
            cols = self._neighbourhood(p, level)
            if cols.size == previous:
                break
            previous = cols.size
            self.stats["neighbourhood_lp"] += 1
            if self._flow(p, cols):
                return True
        self.stats["full_lp"] += 1
        return self._flow(p, np.arange(self.system.size))

    def _neighbourhood(self, p: int, level: int) -> np.ndarray:
        sets = []
        for d, fam in enumerate(self._family):
            current = {int(self.positions[p, d])}
            for _ in range(level + 1):
                grown: set[int] = set()
                for x in current:
                    grown |= fam[x]
                current = grown
            sets.append(np.array(sorted(current), dtype=np.int64))
        flat = np.zeros(1, dtype=np.int64)
        for d, s in enumerate(sets):
            flat = (flat[:, None] + (s * self.grid.strides[d])[None, :]).ravel()
        cells = self.grid.lookup(flat)
        return np.unique(cells[cells >= 0])

    def _flow(self, p: int, cols: np.ndarray) -> bool:
        """Suppress the cheapest pair of perturbations within ``cols`` (see :meth:`_flow_solution`)."""
        flow = self._flow_solution(p, cols)
        if flow is None:
            return False
        self._add(p, *flow)
        return True

    def _flow_solution(
        self, p: int, cols: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Cheapest pair of perturbations within ``cols`` moving ``p`` by ``W`` in total."""
        allowed = np.isfinite(self.cost[cols]) | self.suppressed[cols]
        cols = cols[allowed]
        in_s = self.suppressed[cols]
        unit = np.where(in_s, 1e-4, self.cost[cols] / max(self.width, 1e-9))
        model = _FlowModel(self.r, cols, p, self.a, self.low, self.upper, self.width, unit)
        result = model.solve()
        if result is None:
            return None
        d_up, d_down = result
        moved = (np.abs(d_up) > _FLOW_TOL) | (np.abs(d_down) > _FLOW_TOL)
        return cols[moved], d_up[moved], d_down[moved]

    def _add(self, p: int, members: np.ndarray, d_up: np.ndarray, d_down: np.ndarray) -> None:
        """Suppress ``members`` and record the perturbations as witnesses."""
        self.suppressed[members] = True
        members = np.asarray(members, dtype=np.int64)
        order = np.argsort(members)
        members = members[order]
        span = d_up[order] + d_down[order]
        need = self.width - WIDTH_TOLERANCE * max(1.0, self.width)
        covered = (np.abs(span) >= need) & self.primary[members]
        for q in members[covered]:
            q = int(q)
            if not self.certified[q]:
                self.certified[q] = True
                self.witness[q] = members
        if not self.certified[p]:  # pragma: no cover - the perturbations were built for p
            self.certified[p] = True
            self.witness[p] = members

    # clean-up -----------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Publish secondary cells again, most expensive first, while every primary stays protected.

        For each primary cell two small programs over nearby suppressed cells find how far it
        can move up and down (each capped at ``W``); a removal is accepted when, for every
        primary whose recorded movement used the cell, the two movements still add up to ``W``.
        """
        self._need = self.width - WIDTH_TOLERANCE * max(1.0, self.width)
        # users[c]: (primary, direction) pairs whose recorded movement passes through c
        self._users: dict[int, set[tuple[int, int]]] = {}
        for p, cells in self.witness.items():
            for c in cells:
                self._users.setdefault(int(c), set()).update(((p, 0), (p, 1)))
        self._movement: dict[int, list[float]] = {}
        self._support: dict[int, list[np.ndarray]] = {}
        self._models: OrderedDict[int, tuple[_DirectionModel, _DirectionModel]] = OrderedDict()
        self._removed: list[int] = []
        self._synced: dict[int, int] = {}
        # Groups of suppressed cells linked by relations do not influence each other, so they are
        # cleaned one after the other (each most expensive first), which keeps few models alive,
        # or side by side in worker processes.
        group = suppressed_groups(self.system, self.suppressed)
        self._group = group
        order = np.argsort(group, kind="stable")
        order = order[group[order] >= 0]
        splits = np.flatnonzero(np.diff(group[order])) + 1
        self._group_members = {
            int(group[m[0]]): np.sort(m) for m in np.split(order, splits) if m.size
        }
        candidates = np.flatnonzero(self.suppressed & ~self.primary & ~self.fixed)
        candidates = candidates[
            np.lexsort((candidates, -self.a[candidates], -self.cost[candidates], group[candidates]))
        ]
        csr = self.system.relations
        self._row_count = np.asarray(
            sp.csr_matrix((np.ones(csr.nnz), csr.indices, csr.indptr), shape=csr.shape)
            @ self.suppressed.astype(float)
        ).astype(np.int64)
        if self.workers > 1 and np.unique(group[candidates]).size > 1:
            self._clean_in_parallel(candidates, group)
        else:
            self._clean(candidates, group)

    def _clean(self, candidates: np.ndarray, group: np.ndarray) -> list[int]:
        removed: list[int] = []
        current = -1
        for s in candidates.tolist():
            if group[s] != current:
                current = int(group[s])
                self._models.clear()
                self._synced.clear()
            if self._discloses(s):
                self.stats["quick_rejects"] += 1
                continue
            if self._try_removal(s):
                removed.append(s)
        self._models.clear()
        return removed

    def _clean_in_parallel(self, candidates: np.ndarray, group: np.ndarray) -> None:
        """Share the groups among worker processes (largest first to the least loaded worker)."""
        labels, counts = np.unique(group[candidates], return_counts=True)
        load = [0] * self.workers
        share: list[list[int]] = [[] for _ in range(self.workers)]
        for label, count in sorted(
            zip(labels.tolist(), counts.tolist(), strict=True), key=lambda x: (-x[1], x[0])
        ):
            w = load.index(min(load))
            share[w].append(label)
            load[w] += count
        parts = [candidates[np.isin(group[candidates], labels_)] for labels_ in share if labels_]
        global _ACTIVE
        _ACTIVE = (self, parts, group)
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=len(parts), mp_context=context) as pool:
                results = list(pool.map(_clean_part, range(len(parts))))
        finally:
            _ACTIVE = None
        for removed, stats in results:
            self.suppressed[np.asarray(removed, dtype=np.int64)] = False
            for key, value in stats.items():
                if key in ("cleanup_solves", "quick_rejects", "exact_checks", "exact_accepted"):
                    self.stats[key] += value

    def _try_removal(self, s: int) -> bool:
        users = self._users.get(s, set())
        movement = self._movement
        # the primary with the least slack is the most likely to veto: ask it first
        affected = sorted(
            {p for p, _ in users}, key=lambda q: (sum(movement[q]) if q in movement else INF, q)
        )
        touched: list[_DirectionModel] = []
        found: dict[int, tuple[list[float], list[np.ndarray | None]]] = {}
        for p in affected:
            result = self._recheck(p, s, users, touched)
            if result is None:
                for m in touched:
                    m.fix(s, False)
                return False
            found[p] = result
        self.suppressed[s] = False
        self._row_count[self.r.indices[self.r.indptr[s] : self.r.indptr[s + 1]]] -= 1
        self._removed.append(s)  # other models learn of it when next used (see _models_of)
        for p, (moves_now, cells_now) in found.items():
            if p not in movement:
                movement[p] = [0.0, 0.0]
                self._support[p] = [self.witness[p], self.witness[p]]
            movement[p] = moves_now
            for direction in (0, 1):
                changed = cells_now[direction]
                if changed is not None:
                    self._register(p, direction, changed)
        return True

    def _recheck(
        self, p: int, s: int, users: set[tuple[int, int]], touched: list[_DirectionModel]
    ) -> tuple[list[float], list[np.ndarray | None]] | None:
        """New movements of ``p`` without ``s``, or ``None`` when they fall short of ``W``.

        A direction is not solved while the other one alone moves ``p`` by ``W``.
        """
        pair = self._models_of(p)
        fresh = p not in self._movement
        moves = [0.0, 0.0] if fresh else list(self._movement[p])
        cells: list[np.ndarray | None] = [None, None]
        solved = [False, False]
        empty = np.zeros(0, dtype=np.int64)

        def solve(direction: int) -> None:
            m = pair[direction]
            m.fix(s, True)
            touched.append(m)
            self.stats["cleanup_solves"] += 1
            moves[direction], cells[direction] = m.solve()
            solved[direction] = True

        invalid = [fresh or (p, d) in users for d in (0, 1)]
        for d in (0, 1):
            if invalid[d]:
                moves[d] = 0.0
        for d in (0, 1):
            if not invalid[d]:
                continue
            if moves[1 - d] >= self._need and not invalid[1 - d]:
                cells[d] = empty  # not needed while the other direction suffices
                continue
            solve(d)
            if moves[d] >= self._need and invalid[1 - d] and not solved[1 - d]:
                cells[1 - d] = empty
                invalid[1 - d] = False
        if moves[0] + moves[1] < self._need:
            for d in (0, 1):  # a direction left aside earlier may be needed now
                if not solved[d] and moves[d] == 0.0:
                    solve(d)
        if moves[0] + moves[1] >= self._need:
            return moves, cells
        if pair[0].whole or not self._exact_worthwhile():
            return None
        exact = self._exact_movements(p, s)
        if exact is None:
            return None
        return exact[0], list(exact[1])

    def _register(self, p: int, direction: int, cells: np.ndarray) -> None:
        for c in self._support[p][direction]:
            self._users.get(int(c), set()).discard((p, direction))
        self._support[p][direction] = cells
        for c in cells:
            self._users.setdefault(int(c), set()).add((p, direction))

    def _models_of(self, p: int) -> tuple[_DirectionModel, _DirectionModel]:
        pair = self._models.get(p)
        if pair is not None:
            self._models.move_to_end(p)
            synced = self._synced[p]
            if synced < len(self._removed):
                gone = np.asarray(self._removed[synced:], dtype=np.int64)
                for m in pair:
                    m.fix_many(gone)
                self._synced[p] = len(self._removed)
            return pair
        group = self._group_members.get(int(self._group[p]))
        whole = group is not None and group.size <= WHOLE_GROUP
        if whole:
            assert group is not None
            cols = group[self.suppressed[group]]  # small group: the model is exact
        else:
            near = self._neighbourhood(p, CLEANUP_LEVEL)
            cols = np.union1d(near[self.suppressed[near]], self.witness[p])
            cols = cols[self.suppressed[cols]]
        weight = np.where(self.primary[cols], PRIMARY_WITNESS_COST, self.cost[cols])
        pair = (
            _DirectionModel(self.r, cols, p, self.a, self.low, self.upper, self.width, weight, 1),
            _DirectionModel(self.r, cols, p, self.a, self.low, self.upper, self.width, weight, -1),
        )
        pair[0].whole = whole
        self._models[p] = pair
        self._synced[p] = len(self._removed)
        if len(self._models) > MODEL_CACHE:
            old, _ = self._models.popitem(last=False)
            del self._synced[old]
        return pair

    def _exact_worthwhile(self) -> bool:
        """Wider checks pay off only while they sometimes accept what the local ones refused."""
        tried = self.stats["exact_checks"]
        return tried < EXACT_TRIAL or self.stats["exact_accepted"] >= EXACT_MIN_RATE * tried

    def _exact_movements(self, p: int, removed: int) -> tuple[list[float], list[np.ndarray]] | None:
        """Movements of ``p`` over the whole group of suppressed cells around it (up to a size)."""
        self.stats["exact_checks"] += 1
        cols = self._component(p, removed, EXACT_LIMIT)
        weight = np.where(self.primary[cols], PRIMARY_WITNESS_COST, self.cost[cols])
        moves_now: list[float] = []
        cells_now: list[np.ndarray] = []
        for sign in (1, -1):
            t, cells = _DirectionModel(
                self.r, cols, p, self.a, self.low, self.upper, self.width, weight, sign
            ).solve()
            moves_now.append(t)
            cells_now.append(cells)
        if moves_now[0] + moves_now[1] < self.width - WIDTH_TOLERANCE * max(1.0, self.width):
            return None
        self.stats["exact_accepted"] += 1
        return moves_now, cells_now

    def _discloses(self, s: int) -> bool:
        """Whether publishing ``s`` lets the attacker solve a primary cell exactly.

        A relation left with one suppressed cell gives that cell away; a secondary cell given
        away counts as published, which may leave further relations with one suppressed cell.
        """
        csr = self.system.relations
        r = self.r
        count = self._row_count
        changed: dict[int, int] = {}
        known = {s}
        queue = [s]
        while queue:
            c = queue.pop()
            for row in r.indices[r.indptr[c] : r.indptr[c + 1]]:
                row = int(row)
                changed[row] = changed.get(row, count[row]) - 1
                if changed[row] != 1:
                    continue
                members = csr.indices[csr.indptr[row] : csr.indptr[row + 1]]
                left = [int(x) for x in members if self.suppressed[x] and int(x) not in known]
                if not left:
                    continue
                last = left[0]
                if self.primary[last]:
                    return True
                known.add(last)
                queue.append(last)
        return False

    def _component(self, p: int, excluded: int, limit: int) -> np.ndarray:
        """Suppressed cells linked to ``p`` through relations (without ``excluded``), the nearest
        ``limit`` of them."""
        csr = self.system.relations
        r = self.r
        seen = np.zeros(self.system.size, dtype=bool)
        seen[p] = True
        seen[excluded] = True
        frontier = np.array([p], dtype=np.int64)
        members = [frontier]
        count = 1
        while frontier.size:
            rows, _, _, _ = column_block(r, frontier)
            starts = csr.indptr[rows]
            lens = csr.indptr[rows + 1] - starts
            take = np.repeat(starts, lens) + (
                np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
            )
            cells = np.unique(csr.indices[take])
            cells = cells[self.suppressed[cells] & ~seen[cells]]
            seen[cells] = True
            count += cells.size
            if count > limit:
                # keep the nearest cells only: a smaller group is still sound, just stricter
                cells = cells[: max(0, cells.size - (count - limit))]
                members.append(cells)
                break
            members.append(cells)
            frontier = cells
        return np.sort(np.concatenate(members))


_ACTIVE: tuple[_Protector, list[np.ndarray], np.ndarray] | None = None


def _clean_part(index: int) -> tuple[list[int], dict[str, float]]:
    """Worker process: clean one share of the groups (the state arrives by fork)."""
    assert _ACTIVE is not None
    worker, parts, group = _ACTIVE
    before = dict(worker.stats)
    removed = worker._clean(parts[index], group)
    return removed, {k: worker.stats[k] - before.get(k, 0) for k in worker.stats}


def suppressed_groups(system: CellSystem, suppressed: np.ndarray) -> np.ndarray:
    """Group number of each suppressed cell (``-1`` for published ones).

    Two suppressed cells are in one group when a relation holds both (directly or through
    other suppressed cells); the attacker's program falls apart into one program per group.
    """
    cells = np.flatnonzero(suppressed)
    out = np.full(system.size, -1, dtype=np.int64)
    if cells.size == 0:
        return out
    rows, indptr, indices, _ = column_block(system.relations_csc, cells)
    block = sp.csc_matrix(
        (np.ones(indices.size), indices, indptr), shape=(rows.size, cells.size)
    ).tocsr()
    link = block[np.diff(block.indptr) >= 2]
    graph = (link.T @ link).tocsr() if link.shape[0] else sp.csr_matrix((cells.size, cells.size))
    _, labels = connected_components(graph, directed=False)
    out[cells] = labels
    return out


def _families(h: Dimension) -> list[frozenset[int]]:
    """For each code: itself, its parent, its siblings and its children (in a classification
    with several sums, whose codes all overlap: every code)."""
    if isinstance(h, Classification):
        return [frozenset(range(len(h)))] * len(h)
    out = []
    for i in range(len(h)):
        s = {i, *h.child_positions(i)}
        p = h.parents[i]
        if p >= 0:
            s.add(p)
            s.update(h.child_positions(p))
        out.append(frozenset(s))
    return out


def _two_flow_matrix(r: sp.csc_matrix, cols: np.ndarray, target: int) -> tuple[sp.csc_matrix, int]:
    """Constraints of two perturbations over ``cols``: ``R d1 = 0``, ``R d2 = 0`` and the width row.

    Columns are ``[u1, w1, u2, w2]`` (``d1 = u1 - w1``, ``d2 = u2 - w2``); the last row is
    ``d1[target] + d2[target]``.
    """
    k = cols.size
    rows, indptr, indices, data = column_block(r, cols)
    m = rows.size
    lens = np.diff(indptr)
    col_of = np.repeat(np.arange(k), lens)
    rr = np.concatenate([indices, indices, indices + m, indices + m, np.full(4, 2 * m)])
    cc = np.concatenate(
        [
            col_of,
            col_of + k,
            col_of + 2 * k,
            col_of + 3 * k,
            np.array([target, k + target, 2 * k + target, 3 * k + target]),
        ]
    )
    vv = np.concatenate([data, -data, data, -data, np.array([1.0, -1.0, 1.0, -1.0])])
    return sp.csc_matrix((vv, (rr, cc)), shape=(2 * m + 1, 4 * k)), m


class _FlowModel:
    def __init__(
        self,
        r: sp.csc_matrix,
        cols: np.ndarray,
        p: int,
        a: np.ndarray,
        low: np.ndarray,
        upper: float,
        width: float,
        unit_cost: np.ndarray,
    ) -> None:
        self.cols = cols
        k = cols.size
        target = int(np.searchsorted(cols, p))
        matrix, m = _two_flow_matrix(r, cols, target)
        values = a[cols]
        down = values - low[cols]
        ub = np.concatenate([upper - values, down, down, upper - values])
        lhs = np.concatenate([np.zeros(2 * m), [width]])
        rhs = np.concatenate([np.zeros(2 * m), [INF]])
        self.lp = LinearProgram(matrix, lhs, rhs, np.zeros(4 * k), ub, np.tile(unit_cost, 4))
        self.k = k

    def solve(self) -> tuple[np.ndarray, np.ndarray] | None:
        if not self.lp.solve():
            return None
        x = self.lp.solution()
        k = self.k
        return x[:k] - x[k : 2 * k], x[2 * k : 3 * k] - x[3 * k :]


class _DirectionModel:
    """How far ``p`` can move in one direction (up to ``W``) within the suppressed cells ``cols``.

    One perturbation ``d = u - w`` with ``R d = 0`` and the attacker's bounds; the objective
    maximises the movement of ``p`` and, far below that, prefers cheap cells (so the recorded
    support avoids cells that the clean-up will try to publish).
    """

    def __init__(
        self,
        r: sp.csc_matrix,
        cols: np.ndarray,
        p: int,
        a: np.ndarray,
        low: np.ndarray,
        upper: float,
        width: float,
        weight: np.ndarray,
        sign: int,
    ) -> None:
        self.cols = cols
        k = cols.size
        self.k = k
        target = int(np.searchsorted(cols, p))
        self.target = target
        rows, indptr, indices, data = column_block(r, cols)
        m = rows.size
        nnz = int(indptr[-1])
        matrix = (
            np.concatenate([indptr, indptr[1:] + nnz]),
            np.concatenate([indices, indices]),
            np.concatenate([data, -data]),
            m,
        )
        values = a[cols]
        down = values - low[cols]
        self.ub = np.concatenate([upper - values, down])
        if sign > 0:
            self.ub[target] = min(width, upper - values[target])
            self.ub[k + target] = 0.0
        else:
            self.ub[target] = 0.0
            self.ub[k + target] = min(width, down[target])
        scale = 1e-1 / max(float(weight.max(initial=1.0)), 1e-9) / max(k, 1)
        cost = np.tile(weight * scale, 2)
        cost[target if sign > 0 else k + target] = -1.0
        self.lp = LinearProgram(
            matrix, np.zeros(m), np.zeros(m), np.zeros(2 * k), self.ub.copy(), cost
        )
        self.sign = sign
        self.whole = False  # whether cols are the whole group of suppressed cells (exact)

    def fix(self, cell: int, fixed: bool) -> None:
        i = int(np.searchsorted(self.cols, cell))
        if i >= self.k or self.cols[i] != cell or i == self.target:
            return
        idx = np.array([i, self.k + i])
        self.lp.set_bounds(idx, np.zeros(2), np.zeros(2) if fixed else self.ub[idx])

    def fix_many(self, cells: np.ndarray) -> None:
        """Fix every one of ``cells`` that is a column here (published cells)."""
        at = np.searchsorted(self.cols, cells)
        at = at[
            (at < self.k) & (self.cols[np.minimum(at, self.k - 1)] == cells) & (at != self.target)
        ]
        if at.size:
            idx = np.concatenate([at, at + self.k])
            self.lp.set_bounds(idx, np.zeros(idx.size), np.zeros(idx.size))

    def solve(self) -> tuple[float, np.ndarray]:
        if not self.lp.solve():  # pragma: no cover - zero movement is always feasible
            return 0.0, self.cols[:0]
        x = self.lp.solution()
        k = self.k
        moved = np.abs(x[:k] - x[k:]) > _FLOW_TOL
        t = x[self.target] if self.sign > 0 else x[k + self.target]
        return float(t), self.cols[moved]
