"""The clean-up's question: does each primary cell still move by ``W`` without a given cell?

For a primary cell ``p`` two small linear programs (:class:`DirectionModel`) find how far ``p``
can move up and how far down (each capped at ``W``) within the suppressed cells near it: its
neighbourhood of level :data:`CLEANUP_LEVEL` and its witness, or the whole group of suppressed
cells linked to it by relations when that group has at most :data:`WHOLE_GROUP` cells (then the
answer is exact). When ``p`` falls short in these, a wider check over up to :data:`EXACT_LIMIT`
linked cells may still accept (:meth:`Movements._exact_movements`), tried while it pays off.

:class:`Movements` keeps, per primary cell, the movements found last and the cells each of them
uses (its *support*), and per cell the (primary, direction) pairs whose support passes through
it (its *users*): publishing a cell only needs the directions that used it rechecked. The
models of the most recently used :data:`MODEL_CACHE` primary cells are kept and told of the
cells published since when next used.

Every movement found is a perturbation consistent with everything published, so a movement
that reaches ``W`` proves the primary cell protected; the checks may keep a cell that could go,
never publish one that must stay.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import scipy.sparse as sp

from ikoe.stats.disclosure._lp import INF, LinearProgram, column_block
from ikoe.stats.disclosure._state import FLOW_TOL, State

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
MODEL_CACHE = 200
"""Clean-up model pairs kept alive at once. Each HiGHS model holds up to a megabyte on a survey
with several definitions: 2,000 pairs took 4.4 GB on 100,000 respondents, 200 take 1.2 GB in
about the same time (the clean-up works through one group of cells after the other)."""

Found = dict[int, tuple[list[float], list[np.ndarray | None]]]
"""Per primary cell: its movements up and down without a cell, and the cells each uses
(``None``: unchanged)."""


class Movements:
    """Movements of the primary cells within the suppressed cells (see the module).

    ``group`` is the group number of each cell (:func:`~ikoe.stats.disclosure._cleanup.suppressed_groups`),
    ``group_members`` the cells of each group, ascending.
    """

    def __init__(
        self, state: State, group: np.ndarray, group_members: dict[int, np.ndarray]
    ) -> None:
        self.state = state
        self.group = group
        self.group_members = group_members
        # users[c]: (primary, direction) pairs whose recorded movement passes through c
        self.users: dict[int, set[tuple[int, int]]] = {}
        for p, cells in state.witness.items():
            for c in cells:
                self.users.setdefault(int(c), set()).update(((p, 0), (p, 1)))
        self.movement: dict[int, list[float]] = {}
        self.support: dict[int, list[np.ndarray]] = {}
        self._models: OrderedDict[int, tuple[DirectionModel, DirectionModel]] = OrderedDict()
        self._removed: list[int] = []  # cells published so far, in order
        self._synced: dict[int, int] = {}  # primary -> how many of _removed its models know

    def without(self, s: int) -> Found | None:
        """New movements of every primary cell that used ``s``, or ``None`` when one of them
        falls short of ``W`` without it, or the clean-up is out of budget (the models are then
        as before)."""
        users = self.users.get(s, set())
        movement = self.movement
        # the primary with the least slack is the most likely to veto: ask it first
        affected = sorted(
            {p for p, _ in users}, key=lambda q: (sum(movement[q]) if q in movement else INF, q)
        )
        touched: list[DirectionModel] = []
        found: Found = {}
        budget = self.state.cleanup_budget
        for p in affected:
            if budget is not None and self.state.stats["cleanup_work"] >= budget:
                result = None  # out of budget: keep the cell
            else:
                result = self._recheck(p, s, users, touched)
            if result is None:
                for m in touched:
                    m.fix(s, False)
                return None
            found[p] = result
        return found

    def publish(self, s: int, found: Found) -> None:
        """Record that ``s`` is published, with the movements :meth:`without` found."""
        self._removed.append(s)  # other models learn of it when next used (see _models_of)
        movement = self.movement
        for p, (moves_now, cells_now) in found.items():
            if p not in movement:
                movement[p] = [0.0, 0.0]
                self.support[p] = [self.state.witness[p], self.state.witness[p]]
            movement[p] = moves_now
            for direction in (0, 1):
                changed = cells_now[direction]
                if changed is not None:
                    self._register(p, direction, changed)

    def forget_models(self) -> None:
        """Drop every model (when the clean-up moves on to another group, and at its end)."""
        self._models.clear()
        self._synced.clear()

    def _recheck(
        self, p: int, s: int, users: set[tuple[int, int]], touched: list[DirectionModel]
    ) -> tuple[list[float], list[np.ndarray | None]] | None:
        """New movements of ``p`` without ``s``, or ``None`` when they fall short of ``W``.

        A direction is not solved while the other one alone moves ``p`` by ``W``.
        """
        need = self.state.need
        pair = self._models_of(p)
        fresh = p not in self.movement
        moves = [0.0, 0.0] if fresh else list(self.movement[p])
        cells: list[np.ndarray | None] = [None, None]
        solved = [False, False]
        empty = np.zeros(0, dtype=np.int64)

        def solve(direction: int) -> None:
            m = pair[direction]
            m.fix(s, True)
            touched.append(m)
            self.state.stats["cleanup_solves"] += 1
            self.state.stats["cleanup_work"] += (m.k / 1000) ** 2
            moves[direction], cells[direction] = m.solve()
            solved[direction] = True

        invalid = [fresh or (p, d) in users for d in (0, 1)]
        for d in (0, 1):
            if invalid[d]:
                moves[d] = 0.0
        for d in (0, 1):
            if not invalid[d]:
                continue
            if moves[1 - d] >= need and not invalid[1 - d]:
                cells[d] = empty  # not needed while the other direction suffices
                continue
            solve(d)
            if moves[d] >= need and invalid[1 - d] and not solved[1 - d]:
                cells[1 - d] = empty
                invalid[1 - d] = False
        if moves[0] + moves[1] < need:
            for d in (0, 1):  # a direction left aside earlier may be needed now
                if not solved[d] and moves[d] == 0.0:
                    solve(d)
        if moves[0] + moves[1] >= need:
            return moves, cells
        if pair[0].whole or not self._exact_worthwhile():
            return None
        exact = self._exact_movements(p, s)
        if exact is None:
            return None
        return exact[0], list(exact[1])

    def _register(self, p: int, direction: int, cells: np.ndarray) -> None:
        for c in self.support[p][direction]:
            self.users.get(int(c), set()).discard((p, direction))
        self.support[p][direction] = cells
        for c in cells:
            self.users.setdefault(int(c), set()).add((p, direction))

    def _models_of(self, p: int) -> tuple[DirectionModel, DirectionModel]:
        """The up and down models of ``p``, told of every cell published since their last use."""
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
        state = self.state
        group = self.group_members.get(int(self.group[p]))
        whole = group is not None and group.size <= WHOLE_GROUP
        if whole:
            assert group is not None
            cols = group[state.suppressed[group]]  # small group: the model is exact
        else:
            near = state.neighbourhoods.around(p, CLEANUP_LEVEL)
            cols = np.union1d(near[state.suppressed[near]], state.witness[p])
            cols = cols[state.suppressed[cols]]
        pair = self._pair(p, cols)
        pair[0].whole = whole
        self._models[p] = pair
        self._synced[p] = len(self._removed)
        if len(self._models) > MODEL_CACHE:
            old, _ = self._models.popitem(last=False)
            del self._synced[old]
        return pair

    def _pair(self, p: int, cols: np.ndarray) -> tuple[DirectionModel, DirectionModel]:
        """Models of how far ``p`` moves up and down within ``cols``."""
        state = self.state
        weight = np.where(state.primary[cols], PRIMARY_WITNESS_COST, state.cost[cols])
        return (
            DirectionModel(
                state.r, cols, p, state.a, state.low, state.upper, state.width, weight, 1
            ),
            DirectionModel(
                state.r, cols, p, state.a, state.low, state.upper, state.width, weight, -1
            ),
        )

    # the wider check ----------------------------------------------------------------------

    def _exact_worthwhile(self) -> bool:
        """Wider checks pay off only while they sometimes accept what the local ones refused."""
        tried = self.state.stats["exact_checks"]
        return tried < EXACT_TRIAL or self.state.stats["exact_accepted"] >= EXACT_MIN_RATE * tried

    def _exact_movements(self, p: int, removed: int) -> tuple[list[float], list[np.ndarray]] | None:
        """Movements of ``p`` over the whole group of suppressed cells around it (up to a size)."""
        self.state.stats["exact_checks"] += 1
        cols = self._component(p, removed, EXACT_LIMIT)
        moves_now: list[float] = []
        cells_now: list[np.ndarray] = []
        for model in self._pair(p, cols):
            self.state.stats["cleanup_work"] += (model.k / 1000) ** 2
            t, cells = model.solve()
            moves_now.append(t)
            cells_now.append(cells)
        if moves_now[0] + moves_now[1] < self.state.need:
            return None
        self.state.stats["exact_accepted"] += 1
        return moves_now, cells_now

    def _component(self, p: int, excluded: int, limit: int) -> np.ndarray:
        """Suppressed cells linked to ``p`` through relations (without ``excluded``), the nearest
        ``limit`` of them."""
        state = self.state
        csr = state.system.relations
        r = state.r
        seen = np.zeros(state.system.size, dtype=bool)
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
            cells = cells[state.suppressed[cells] & ~seen[cells]]
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


class DirectionModel:
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
        moved = np.abs(x[:k] - x[k:]) > FLOW_TOL
        t = x[self.target] if self.sign > 0 else x[k + self.target]
        return float(t), self.cols[moved]
