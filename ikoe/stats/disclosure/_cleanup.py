"""Phase 2 of secondary suppression, the clean-up: publish again what the build over-suppressed.

The build protects one primary cell after the other and so suppresses more than the pattern
needs. :meth:`Cleaner.run` tries every secondary cell (not primary, not fixed), most expensive
first, and publishes it again when

1. publishing it gives no primary cell away through a relation left with one suppressed cell
   (:meth:`Cleaner._discloses`, a quick test that refuses without a linear program), and
2. every primary cell whose recorded movement used it still moves by ``W`` without it
   (:class:`~ikoe.stats.disclosure._movement.Movements`).

Groups of suppressed cells linked by relations (:func:`suppressed_groups`) do not influence
each other, so they are cleaned one after the other, which keeps few models alive, or side by
side in forked worker processes (``workers > 1``; the same result).

>>> from ikoe.stats.disclosure._build import Builder
>>> from ikoe.stats.disclosure.table import Table
>>> t = Table.from_bottom(["r", "c"], [(("a", "x"), 1), (("a", "y"), 1), (("b", "x"), 7),
...                                    (("b", "y"), 1)])
>>> system = CellSystem.from_table(t)
>>> primary = (t.values > 0) & (t.values < 3)
>>> state = State(system, primary, 3.0, np.where(primary, 0.0, 1.0 + 0.05 * t.values))
>>> Builder(state).build(np.flatnonzero(primary))
>>> sorted(system.key(i) for i in np.flatnonzero(state.suppressed & ~primary))
[('_T', 'x'), ('b', '_T'), ('b', 'x')]
>>> Cleaner(state).run()
>>> sorted(system.key(i) for i in np.flatnonzero(state.suppressed & ~primary))
[('_T', 'x'), ('b', '_T')]
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ikoe.stats.disclosure._lp import column_block
from ikoe.stats.disclosure._movement import Movements
from ikoe.stats.disclosure._state import State
from ikoe.stats.disclosure.problem import CellSystem


class Cleaner:
    """Publishes secondary cells again while every primary cell stays protected (see the module)."""

    def __init__(self, state: State) -> None:
        self.state = state

    def run(self) -> None:
        """Publish secondary cells again, most expensive first, while every primary stays protected.

        For each primary cell two small programs over nearby suppressed cells find how far it
        can move up and down (each capped at ``W``); a removal is accepted when, for every
        primary whose recorded movement used the cell, the two movements still add up to ``W``.
        """
        state = self.state
        group = suppressed_groups(state.system, state.suppressed)
        order = np.argsort(group, kind="stable")
        order = order[group[order] >= 0]
        splits = np.flatnonzero(np.diff(group[order])) + 1
        members = {int(group[m[0]]): np.sort(m) for m in np.split(order, splits) if m.size}
        self.movements = Movements(state, group, members)
        candidates = np.flatnonzero(state.suppressed & ~state.primary & ~state.fixed)
        candidates = candidates[
            np.lexsort(
                (candidates, -state.a[candidates], -state.cost[candidates], group[candidates])
            )
        ]
        # per relation: how many of its cells are suppressed
        csr = state.system.relations
        self._row_count = np.asarray(
            sp.csr_matrix((np.ones(csr.nnz), csr.indices, csr.indptr), shape=csr.shape)
            @ state.suppressed.astype(float)
        ).astype(np.int64)
        if state.workers > 1 and np.unique(group[candidates]).size > 1:
            self._clean_in_parallel(candidates, group)
        else:
            self.clean(candidates, group)

    def clean(self, candidates: np.ndarray, group: np.ndarray) -> list[int]:
        """Try ``candidates`` in turn (sorted by group); the cells published again."""
        removed: list[int] = []
        current = -1
        budget = self.state.cleanup_budget
        for s in candidates.tolist():
            if budget is not None and self.state.stats["cleanup_work"] >= budget:
                break  # the rest stays suppressed
            if group[s] != current:
                current = int(group[s])
                self.movements.forget_models()
            if self._discloses(s):
                self.state.stats["quick_rejects"] += 1
                continue
            if self._try_removal(s):
                removed.append(s)
        self.movements.forget_models()
        return removed

    def _clean_in_parallel(self, candidates: np.ndarray, group: np.ndarray) -> None:
        """Share the groups among worker processes (largest first to the least loaded worker)."""
        workers = self.state.workers
        labels, counts = np.unique(group[candidates], return_counts=True)
        load = [0] * workers
        share: list[list[int]] = [[] for _ in range(workers)]
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
        stats = self.state.stats
        for removed, part_stats in results:
            self.state.suppressed[np.asarray(removed, dtype=np.int64)] = False
            for key, value in part_stats.items():
                if key in (
                    "cleanup_solves",
                    "cleanup_work",
                    "quick_rejects",
                    "exact_checks",
                    "exact_accepted",
                ):
                    stats[key] += value

    def _try_removal(self, s: int) -> bool:
        """Publish ``s`` when every primary cell that used it still moves by ``W``."""
        found = self.movements.without(s)
        if found is None:
            return False
        state = self.state
        state.suppressed[s] = False
        self._row_count[state.r.indices[state.r.indptr[s] : state.r.indptr[s + 1]]] -= 1
        self.movements.publish(s, found)
        return True

    def _discloses(self, s: int) -> bool:
        """Whether publishing ``s`` lets the attacker solve a primary cell exactly.

        A relation left with one suppressed cell gives that cell away; a secondary cell given
        away counts as published, which may leave further relations with one suppressed cell.
        """
        state = self.state
        csr = state.system.relations
        r = state.r
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
                left = [int(x) for x in members if state.suppressed[x] and int(x) not in known]
                if not left:
                    continue
                last = left[0]
                if state.primary[last]:
                    return True
                known.add(last)
                queue.append(last)
        return False


_ACTIVE: tuple[Cleaner, list[np.ndarray], np.ndarray] | None = None


def _clean_part(index: int) -> tuple[list[int], dict[str, float]]:
    """Worker process: clean one share of the groups (the state arrives by fork)."""
    assert _ACTIVE is not None
    cleaner, parts, group = _ACTIVE
    stats = cleaner.state.stats
    before = dict(stats)
    removed = cleaner.clean(parts[index], group)
    return removed, {k: stats[k] - before.get(k, 0) for k in stats}


def suppressed_groups(system: CellSystem, suppressed: np.ndarray) -> np.ndarray:
    """Group number of each suppressed cell (``-1`` for published ones).

    Two suppressed cells are in one group when a relation holds both (directly or through
    other suppressed cells); the attacker's program falls apart into one program per group.

    >>> from ikoe.stats.disclosure.table import Table
    >>> t = Table.from_bottom(["r", "c"], [(("a", "x"), 1), (("a", "y"), 5), (("b", "x"), 4),
    ...                                    (("b", "y"), 6)])
    >>> system = CellSystem.from_table(t)
    >>> cells = [t.index(k) for k in [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")]]
    >>> mask = np.zeros(system.size, dtype=bool)
    >>> mask[[cells[0], cells[3]]] = True
    >>> suppressed_groups(system, mask)[cells].tolist()
    [0, -1, -1, 1]
    >>> mask[cells[1]] = True
    >>> suppressed_groups(system, mask)[cells].tolist()
    [0, 0, -1, 0]
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
