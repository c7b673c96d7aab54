"""Phase 1 of secondary suppression, the build: protect one primary cell after the other.

:meth:`Builder.build` takes the primary cells in the order given (largest first, see
:mod:`~ikoe.stats.disclosure.secondary`). A cell that an earlier step already protects (it lies
on a recorded perturbation that moves it by at least ``W``) is skipped. For the others:

1. *Hypercubes* (:meth:`Builder._try_hypercube`): one elementary move per dimension
   (:mod:`~ikoe.stats.disclosure._moves`) gives a hypercube whose corners can change without
   breaking any relation. The cheapest one with room to move the cell by ``W`` in total is
   taken, unless a linear program over the union of up to :data:`UNION_CANDIDATES` cheaper
   (too narrow) hypercubes, or over growing neighbourhoods when the hypercube costs more than
   :data:`EXPENSIVE`, finds complements that cost less.
2. *Flows* (:meth:`Builder._try_neighbourhoods`): when no hypercube is wide enough (and always
   when the audit sends a cell back, ``exact=True``), a linear program finds two perturbations,
   one moving the cell up and one moving it down, at least cost: within growing
   neighbourhoods of the cell, then within the whole table.

Every step suppresses the cells of its perturbations and records them as the *witness* of each
primary cell they move by ``W`` (:meth:`Builder._add`); the clean-up starts from these
witnesses.

>>> from ikoe.stats.disclosure.table import Table
>>> t = Table.from_bottom(["r", "c"], [(("a", "x"), 1), (("a", "y"), 5), (("b", "x"), 4),
...                                    (("b", "y"), 6), (("c", "x"), 7), (("c", "y"), 8)])
>>> system = CellSystem.from_table(t)
>>> primary = (t.values > 0) & (t.values < 3)
>>> state = State(system, primary, 3.0, np.where(primary, 0.0, 1.0 + 0.05 * t.values))
>>> Builder(state).build(np.flatnonzero(primary)) is None
True
>>> sorted(system.key(i) for i in np.flatnonzero(state.suppressed))
[('a', 'x'), ('a', 'y'), ('b', 'x'), ('b', 'y')]
>>> state.stats["hypercube"], sorted(system.key(i) for i in state.witness[t.index(("a", "x"))])
(1, [('a', 'x'), ('a', 'y'), ('b', 'x'), ('b', 'y')])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ikoe.stats.disclosure._lp import INF, LinearProgram, column_block
from ikoe.stats.disclosure._moves import moves
from ikoe.stats.disclosure._state import FLOW_TOL, State
from ikoe.stats.disclosure.problem import CellSystem  # noqa: F401

UNION_CANDIDATES = 16
"""Hypercubes whose union the linear program of the build phase may use."""
MAX_HYPERCUBE_ENTRIES = 400_000
"""Bound on (hypercubes x corners) evaluated for one cell."""
EXPENSIVE = 25.0
"""A hypercube costing more than this is compared with flows over wider neighbourhoods."""


class Builder:
    """Suppresses complements for one primary cell after the other (see the module)."""

    def __init__(self, state: State) -> None:
        self.state = state
        # per dimension: code -> (positions, signs) of its candidate moves, padded to one length
        self._moves: list[dict[int, tuple[np.ndarray, np.ndarray]]] = [
            {} for _ in state.grid.hierarchies
        ]

    def build(self, cells: np.ndarray, exact: bool = False) -> int | None:
        """Protect each of ``cells`` in turn; ``exact`` goes straight to the flows.

        Returns the first cell that cannot be protected (nothing after it is tried), or ``None``.
        """
        state = self.state
        for p in cells:
            p = int(p)
            if state.certified[p]:
                state.stats["skipped"] += 1
                continue
            if not exact and self._try_hypercube(p):
                continue
            if self._try_neighbourhoods(p):
                continue
            return p
        return None

    # hypercubes ---------------------------------------------------------------------------

    def _try_hypercube(self, p: int) -> bool:
        """The cheapest wide-enough hypercube, unless a flow over cheaper ones costs less."""
        cells, signs = self._hypercubes(p)
        cost, cap_up, cap_down = self._evaluate(cells, signs)
        wide = (cap_up + cap_down >= self.state.need) & np.isfinite(cost)
        useful = np.isfinite(cost) & ((cap_up > 0) | (cap_down > 0))
        best = -1
        if wide.any():
            choice = np.flatnonzero(wide)
            best = int(choice[np.lexsort((-(cap_up[choice] + cap_down[choice]), cost[choice]))[0]])
            if not (useful & (cost < cost[best])).any():
                self._take_hypercube(p, cells, signs, best, cap_up, cap_down)
                return True
        limit = cost[best] if best >= 0 else INF
        cheaper = np.flatnonzero(useful & (cost < limit))
        if cheaper.size and self._try_cheaper_flows(p, cells, signs, cost, cheaper, limit):
            return True
        if best >= 0:
            self._take_hypercube(p, cells, signs, best, cap_up, cap_down)
            return True
        return False

    def _try_cheaper_flows(
        self,
        p: int,
        cells: np.ndarray,
        signs: np.ndarray,
        cost: np.ndarray,
        cheaper: np.ndarray,
        limit: float,
    ) -> bool:
        """A flow over the union of the ``cheaper`` hypercubes, then (for an expensive best
        hypercube) over growing neighbourhoods, whose new cells cost less than ``limit``."""
        stats = self.state.stats
        choice = cheaper[np.argsort(cost[cheaper], kind="stable")[:UNION_CANDIDATES]]
        union = cells[choice][signs[choice] != 0]
        stats["union_lp"] += 1
        if self._cheaper_flow(p, np.unique(np.append(union, p)), limit):
            stats["union_won"] = stats.get("union_won", 0) + 1
            return True
        for level in range(3 if limit > EXPENSIVE else 0):
            stats["neighbourhood_lp"] += 1
            if self._cheaper_flow(p, self.state.neighbourhoods.around(p, level), limit):
                stats["neighbourhood_won"] = stats.get("neighbourhood_won", 0) + 1
                return True
        return False

    def _hypercubes(self, p: int) -> tuple[np.ndarray, np.ndarray]:
        """Cells (``-1`` for none) and signs of every candidate hypercube around ``p``."""
        grid = self.state.grid
        per_dim = [
            self._moves_of(d, int(self.state.positions[p, d])) for d in range(len(grid.hierarchies))
        ]
        counts = [pm.shape[0] for pm, _ in per_dim]
        if 0 in counts:  # a dimension in which the cell cannot move: no hypercube around it
            return np.zeros((0, 1), dtype=np.int64), np.zeros((0, 1), dtype=np.int8)
        # keep the evaluation bounded: trim the longest candidate lists first
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
            flat = flat + (pos_arr[:n] * grid.strides[d]).reshape(shape)
            signs = signs * sign_arr[:n].reshape(shape)
        total = int(np.prod(counts))
        flat = np.broadcast_to(flat, signs.shape).reshape(total, -1)
        signs = signs.reshape(total, -1)
        cells = grid.lookup(flat)
        signs = np.where(cells >= 0, signs, 0)
        return cells, signs

    def _moves_of(self, d: int, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions and signs of the moves of code ``c`` of dimension ``d``, one row per move
        (padded with sign 0)."""
        cached = self._moves[d].get(c)
        if cached is None:
            found = moves(self.state.grid.hierarchies[d], c)
            # A code without any move (nothing beside it to balance a change) gives no row.
            length = max((len(pos) for pos, _ in found), default=1)
            pos_arr = np.zeros((len(found), length), dtype=np.int64)
            sign_arr = np.zeros((len(found), length), dtype=np.int8)
            for j, (pos, sg) in enumerate(found):
                pos_arr[j, : len(pos)] = pos
                sign_arr[j, : len(sg)] = sg
            cached = (pos_arr, sign_arr)
            self._moves[d][c] = cached
        return cached

    def _evaluate(
        self, cells: np.ndarray, signs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per hypercube: the cost of its cells not yet suppressed, and how far it can move its
        first corner up and down."""
        state = self.state
        valid = signs != 0
        safe = np.where(valid, cells, 0)
        values = state.a[safe]
        new = valid & ~state.suppressed[safe]
        cost = np.where(new, state.cost[safe], 0.0).sum(axis=1)
        room_up = state.upper - values
        room_down = values - state.low[safe]
        cap_up = np.minimum(
            np.where(valid & (signs < 0), room_down, INF).min(axis=1),
            np.where(valid & (signs > 0), room_up, INF).min(axis=1),
        )
        cap_down = np.minimum(
            np.where(valid & (signs > 0), room_down, INF).min(axis=1),
            np.where(valid & (signs < 0), room_up, INF).min(axis=1),
        )
        return cost, cap_up, cap_down

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
        upper = self.state.upper
        self._add(p, members, move * min(cap_up[best], upper), move * min(cap_down[best], upper))
        self.state.stats["hypercube"] += 1

    # flows --------------------------------------------------------------------------------

    def _cheaper_flow(self, p: int, cols: np.ndarray, limit: float) -> bool:
        """Suppress the flow solution within ``cols`` when its new cells cost less than ``limit``."""
        flow = self._flow_solution(p, cols)
        if flow is None:
            return False
        members, d_up, d_down = flow
        state = self.state
        if float(state.cost[members[~state.suppressed[members]]].sum()) >= limit:
            return False
        self._add(p, members, d_up, d_down)
        return True

    def _try_neighbourhoods(self, p: int) -> bool:
        stats = self.state.stats
        previous = 0
        for level in range(3):
            cols = self.state.neighbourhoods.around(p, level)
            if cols.size == previous:
                break
            previous = cols.size
            stats["neighbourhood_lp"] += 1
            if self._flow(p, cols):
                return True
        stats["full_lp"] += 1
        return self._flow(p, np.arange(self.state.system.size))

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
        state = self.state
        allowed = np.isfinite(state.cost[cols]) | state.suppressed[cols]
        cols = cols[allowed]
        in_s = state.suppressed[cols]
        unit = np.where(in_s, 1e-4, state.cost[cols] / max(state.width, 1e-9))
        model = FlowModel(state.r, cols, p, state.a, state.low, state.upper, state.width, unit)
        result = model.solve()
        if result is None:
            return None
        d_up, d_down = result
        moved = (np.abs(d_up) > FLOW_TOL) | (np.abs(d_down) > FLOW_TOL)
        return cols[moved], d_up[moved], d_down[moved]

    # witnesses ----------------------------------------------------------------------------

    def _add(self, p: int, members: np.ndarray, d_up: np.ndarray, d_down: np.ndarray) -> None:
        """Suppress ``members`` and record the perturbations as witnesses."""
        state = self.state
        state.suppressed[members] = True
        members = np.asarray(members, dtype=np.int64)
        order = np.argsort(members)
        members = members[order]
        span = d_up[order] + d_down[order]
        covered = (np.abs(span) >= state.need) & state.primary[members]
        for q in members[covered]:
            q = int(q)
            if not state.certified[q]:
                state.certified[q] = True
                state.witness[q] = members
        if not state.certified[p]:  # pragma: no cover - the perturbations were built for p
            state.certified[p] = True
            state.witness[p] = members


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


class FlowModel:
    """The cheapest two perturbations within ``cols``, one moving ``p`` up and one down, by
    ``width`` together; ``unit_cost`` per unit of change of each cell."""

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
