"""The suppression problem: cell values, the additivity the attacker knows, and where cells sit.

A :class:`CellSystem` is what secondary suppression and the audit work on. It is built from one
complete :class:`~ikoe.stats.disclosure.table.Table` (:meth:`CellSystem.from_table`) or from
several tables of one survey that share cells (:func:`link_tables`): the cells of all tables
together, each once, and the additivity relations of every table. The :class:`Grid` places
every cell in the cross-product of the dimensions' hierarchies, which is how suppression finds
the cells near a sensitive one.

>>> sex = Hierarchy.flat(["f", "m"]); career = Hierarchy.flat(["a", "b"])
>>> t1 = Table.from_bottom(["sex"], [(("f",), 3), (("m",), 4)], {"sex": sex})
>>> t2 = Table.from_bottom(["career"], [(("a",), 5), (("b",), 2)], {"career": career})
>>> linked = link_tables([t1, t2])
>>> linked.system.size, linked.system.grid.dims
(5, ('sex', 'career'))
>>> [linked.system.key(i) for i in linked.members[1]]
[('_T', '_T'), ('_T', 'a'), ('_T', 'b')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ikoe.stats.disclosure.hierarchy import (  # Hierarchy: for the doctests
    TOTAL,
    Classification,
    Dimension,
    Hierarchy,  # noqa: F401
)
from ikoe.stats.disclosure.table import Table


class LinkError(ValueError):
    """Tables that cannot be protected together.

    ``code`` is ``hierarchy`` (a dimension has hierarchies that are not cuts of one another;
    ``item`` names the dimension) or ``values`` (a shared cell has different values; ``item``
    is its key).
    """

    def __init__(self, code: str, item: object) -> None:
        self.code = code
        self.item = item
        super().__init__(f"{code}: {item!r}")


@dataclass(frozen=True, eq=False)
class Grid:
    """Positions of cells in the cross-product of the dimensions' hierarchies."""

    dims: tuple[str, ...]
    hierarchies: tuple[Dimension, ...]
    positions: np.ndarray  # (cells, dims) positions of each cell's codes
    _strides: np.ndarray = field(init=False, repr=False)
    _sorted: np.ndarray = field(init=False, repr=False)
    _order: np.ndarray = field(init=False, repr=False)
    _dense: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        shape = [len(h) for h in self.hierarchies]
        strides = np.ones(len(shape), dtype=np.int64)
        for d in range(len(shape) - 2, -1, -1):
            strides[d] = strides[d + 1] * shape[d + 1]
        flat = self.positions.astype(np.int64) @ strides if len(shape) else np.zeros(0, np.int64)
        order = np.argsort(flat, kind="stable")
        object.__setattr__(self, "_strides", strides)
        object.__setattr__(self, "_sorted", flat[order])
        object.__setattr__(self, "_order", order)
        total = int(np.prod(shape, dtype=np.int64)) if shape else 1
        object.__setattr__(
            self, "_dense", bool(flat.size == total and np.array_equal(flat, np.arange(total)))
        )

    @property
    def strides(self) -> np.ndarray:
        return self._strides

    def lookup(self, flat: np.ndarray) -> np.ndarray:
        """Cell numbers of cross-product positions given as flat indices; ``-1`` where none."""
        flat = np.asarray(flat, dtype=np.int64)
        if self._dense:
            return np.where((flat >= 0) & (flat < self._sorted.size), flat, -1)
        at = np.searchsorted(self._sorted, flat)
        at = np.minimum(at, self._sorted.size - 1)
        found = self._sorted[at] == flat
        return np.where(found, self._order[at], -1)


@dataclass(frozen=True, eq=False)
class CellSystem:
    """Cells (their values), the additivity relations among them, and their grid positions.

    ``relations`` has one row per relation: ``+1`` at a subtotal, ``-1`` at each of its parts,
    so ``relations @ values == 0``. ``upper`` is the largest value any cell could have in the
    attacker's eyes (the table maximum).

    What else the attacker knows about the cells:

    - ``lower``: a lower bound per cell (default 0). A publication that lists only groups with
      contributors tells that every listed group has at least one (``lower`` 1 there).
    - ``hidden``: cells that are part of the attacker's equations but never published (the
      combinations of statuses behind a table by several definitions, say). They are always
      suppressed, cost nothing and are neither secondary cells nor audited for width.
    - ``integral``: the values are whole numbers, so an interval ``[0.4, 3.6]`` is ``[1, 3]``
      to the attacker (default: whether every value is a whole number).
    """

    values: np.ndarray
    relations: sp.csr_matrix
    grid: Grid
    upper: float
    lower: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hidden: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    integral: bool | None = None
    _csc: sp.csc_matrix = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_csc", sp.csc_matrix(self.relations))
        values = np.asarray(self.values, dtype=float)
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        lower = np.asarray(self.lower, dtype=float)
        if lower.size == 0:
            lower = np.zeros(values.size)
        hidden = np.asarray(self.hidden, dtype=bool)
        if hidden.size == 0:
            hidden = np.zeros(values.size, dtype=bool)
        if lower.shape != values.shape or hidden.shape != values.shape:
            raise ValueError("one lower bound and one hidden flag per cell")
        if np.any(lower > values):
            raise ValueError("a lower bound above the cell's value")
        for array in (lower, hidden):
            array.setflags(write=False)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "hidden", hidden)
        if self.integral is None:
            object.__setattr__(self, "integral", bool(np.all(values == np.round(values))))

    def knowing(
        self, *, lower: np.ndarray | None = None, hidden: np.ndarray | None = None
    ) -> CellSystem:
        """The same cells with more of the attacker's knowledge (see the class)."""
        return CellSystem(
            self.values,
            self.relations,
            self.grid,
            self.upper,
            self.lower if lower is None else lower,
            self.hidden if hidden is None else hidden,
            self.integral,
        )

    @property
    def size(self) -> int:
        return int(self.values.size)

    @property
    def relations_csc(self) -> sp.csc_matrix:
        return self._csc

    def key(self, i: int) -> tuple[str, ...]:
        return tuple(
            h.codes[int(p)]
            for h, p in zip(self.grid.hierarchies, self.grid.positions[i], strict=True)
        )

    @classmethod
    def from_table(cls, table: Table) -> CellSystem:
        grid = Grid(table.dims, table.hierarchies, table.positions())
        values = table.values
        upper = float(values.max()) if values.size else 0.0
        return cls(values, table.relations(), grid, upper)


@dataclass(frozen=True, eq=False)
class LinkedTables:
    """Tables protected together: their union as one :class:`CellSystem`.

    ``members[k][i]`` is the cell of ``system`` that is cell ``i`` of ``tables[k]``.
    """

    tables: tuple[Table, ...]
    system: CellSystem
    members: tuple[np.ndarray, ...]


def link_tables(tables: Sequence[Table]) -> LinkedTables:
    """Join tables that share cells (same codes; missing dimensions count as ``_T``).

    For each dimension the hierarchies of the tables must be cuts of one tree: one may stop
    above another (a table by Land beside one by agency), but a code has the same parent
    everywhere and a subtotal is broken down into the same codes.

    >>> org = Hierarchy.from_parents([("L1", ""), ("A1", "L1"), ("A2", "L1"), ("L2", "")])
    >>> land = Hierarchy.from_parents([("L1", ""), ("L2", "")])
    >>> by_agency = Table.from_bottom(["org"], [(("A1",), 1), (("A2",), 2), (("L2",), 4)], {"org": org})
    >>> by_land_sex = Table.from_bottom(["org", "sex"], [(("L1", "f"), 3), (("L2", "m"), 4)],
    ...                                 {"org": land})
    >>> linked = link_tables([by_agency, by_land_sex])
    >>> linked.system.size, linked.system.relations.shape[0]
    (11, 7)
    """
    tables = tuple(tables)
    if not tables:
        raise ValueError("no tables")
    dims: list[str] = []
    for t in tables:
        for d in t.dims:
            if d not in dims:
                dims.append(d)
    masters: list[Dimension] = []
    for d in dims:
        hs = [t.hierarchies[t.dims.index(d)] for t in tables if d in t.dims]
        master = max(hs, key=len)
        for h in hs:
            if not _is_cut(h, master):
                raise LinkError("hierarchy", d)
        masters.append(master)
    strides = np.ones(len(dims), dtype=np.int64)
    for k in range(len(dims) - 2, -1, -1):
        strides[k] = strides[k + 1] * len(masters[k + 1])
    flats = []
    for t in tables:
        pos = t.positions()
        flat = np.zeros(t.size, dtype=np.int64)
        for k, (d, master) in enumerate(zip(dims, masters, strict=True)):
            if d in t.dims:
                j = t.dims.index(d)
                h = t.hierarchies[j]
                remap = np.array([master.position(c) for c in h.codes], dtype=np.int64)
                flat += remap[pos[:, j]] * strides[k]
            else:
                flat += master.position(TOTAL) * strides[k]
        flats.append(flat)
    universe, inverse = np.unique(np.concatenate(flats), return_inverse=True)
    members = []
    start = 0
    for f in flats:
        members.append(inverse[start : start + f.size])
        start += f.size
    values = np.full(universe.size, np.nan)
    for t, m in zip(tables, members, strict=True):
        clash = ~np.isnan(values[m]) & ~np.isclose(values[m], t.values)
        if clash.any():
            i = int(np.flatnonzero(clash)[0])
            raise LinkError("values", t.key(i))
        values[m] = t.values
    positions = np.stack(np.unravel_index(universe, tuple(len(h) for h in masters)), axis=1)
    grid = Grid(tuple(dims), tuple(masters), positions)
    blocks = []
    for t, m in zip(tables, members, strict=True):
        r = t.relations().tocoo()
        blocks.append(sp.csr_matrix((r.data, (r.row, m[r.col])), shape=(r.shape[0], universe.size)))
    relations = _unique_rows(sp.vstack(blocks, format="csr"))
    upper = float(values.max()) if values.size else 0.0
    return LinkedTables(tables, CellSystem(values, relations, grid, upper), tuple(members))


def _is_cut(h: Dimension, master: Dimension) -> bool:
    """Whether ``h`` is ``master`` with some subtrees cut off below their roots.

    A classification with several sums is never cut: it is the same or it is another one.
    """
    if isinstance(h, Classification) or isinstance(master, Classification):
        return h == master
    for i, code in enumerate(h.codes):
        if code not in master:
            return False
        if h.parent_of(code) != master.parent_of(code):
            return False
        kids = h.child_positions(i)
        if kids and set(h.children_of(code)) != set(master.children_of(code)):
            return False
    return True


def _unique_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    m.sort_indices()
    seen: dict[bytes, int] = {}
    keep = []
    for r in range(m.shape[0]):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        sign = 1.0 if hi > lo and m.data[lo] >= 0 else -1.0
        key = m.indices[lo:hi].tobytes() + (sign * m.data[lo:hi]).tobytes()
        if key not in seen:
            seen[key] = r
            keep.append(r)
    return m[keep]
