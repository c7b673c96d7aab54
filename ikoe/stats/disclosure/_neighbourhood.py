"""Cells near a cell: where the linear programs of secondary suppression look for complements.

The *family* of a code is the code itself, its parent, its siblings and its children
(:func:`families`). The neighbourhood of level 0 around a cell holds every cell whose code in
each dimension is in the family of the cell's code there; each further level widens the sets
of codes by one more such step. The build tries growing neighbourhoods when no hypercube will
do (:mod:`~ikoe.stats.disclosure._build`); the clean-up checks a primary cell within its
neighbourhood (:mod:`~ikoe.stats.disclosure._movement`).

>>> from ikoe.stats.disclosure.problem import CellSystem
>>> from ikoe.stats.disclosure.table import Table
>>> org = Hierarchy.from_parents([("L1", ""), ("A1", "L1"), ("A2", "L1"), ("L2", ""), ("B1", "L2")])
>>> [sorted(org.codes[i] for i in family) for family in families(org)]
[['L1', 'L2', '_T'], ['A1', 'A2', 'L1', 'L2', '_T'], ['A1', 'A2', 'L1'], ['A1', 'A2', 'L1'], ['B1', 'L1', 'L2', '_T'], ['B1', 'L2']]
>>> t = Table.from_bottom(["org", "sex"], [(("A1", "f"), 1), (("A2", "m"), 2), (("B1", "f"), 4)],
...                       {"org": org})
>>> system = CellSystem.from_table(t)
>>> near = Neighbourhoods(system.grid)
>>> sorted(system.key(i) for i in near.around(t.index(("A1", "f")), 0) if system.key(i)[1] == "f")
[('A1', 'f'), ('A2', 'f'), ('L1', 'f')]
>>> sorted(system.key(i) for i in near.around(t.index(("A1", "f")), 1) if system.key(i)[1] == "f")
[('A1', 'f'), ('A2', 'f'), ('L1', 'f'), ('L2', 'f'), ('_T', 'f')]
"""

from __future__ import annotations

import numpy as np

from ikoe.stats.disclosure.hierarchy import Classification, Dimension, Hierarchy  # noqa: F401
from ikoe.stats.disclosure.problem import Grid


class Neighbourhoods:
    """The neighbourhoods of the cells of one grid."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.positions = grid.positions
        self._family: list[list[frozenset[int]]] = [families(h) for h in grid.hierarchies]

    def around(self, p: int, level: int) -> np.ndarray:
        """Cells of the neighbourhood of ``level`` around cell ``p``, ascending."""
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


def families(h: Dimension) -> list[frozenset[int]]:
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
