"""Code hierarchies of table dimensions (Land > ministry > agency > unit, career group, sex …).

Every dimension of a table is a tree of codes whose root is the total, coded ``_T`` as in SDMX.
A flat dimension is a tree of depth one: ``_T`` with the codes as its children. Codes are kept in
pre-order (a parent before its children, siblings in the order given), which is the order in
which tables list their cells.

>>> h = Hierarchy.from_parents([("L1", None), ("L1M1", "L1"), ("L1M2", "L1"), ("L2", "")])
>>> h.codes
('_T', 'L1', 'L1M1', 'L1M2', 'L2')
>>> h.leaves
('L1M1', 'L1M2', 'L2')
>>> h.children_of("L1")
('L1M1', 'L1M2')
>>> h.parent_of("L1M2"), h.parent_of("L2"), h.parent_of(TOTAL)
('L1', '_T', None)
>>> h.depth_of("L1M1")
2
>>> Hierarchy.flat(["f", "m"]).codes
('_T', 'f', 'm')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

TOTAL = "_T"
"""The code of a total (SDMX convention)."""


class HierarchyError(ValueError):
    """A hierarchy that is not a tree of unique codes.

    ``code`` names the problem (``duplicate``, ``unknown-parent``, ``cycle``, ``reserved``,
    ``empty``), ``item`` the code concerned and ``index`` its position in the input (0-based).
    """

    def __init__(self, code: str, item: str, index: int | None = None) -> None:
        self.code = code
        self.item = item
        self.index = index
        super().__init__(f"{code}: {item!r}" + (f" (entry {index})" if index is not None else ""))


@dataclass(frozen=True)
class Hierarchy:
    """A tree of codes with the total ``_T`` at its root.

    ``codes`` is in pre-order and ``parents[i]`` is the position of the parent of ``codes[i]``
    (``-1`` for the root). Build one with :meth:`flat` or :meth:`from_parents`.
    """

    codes: tuple[str, ...]
    parents: tuple[int, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)
    _children: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)
    _depth: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.codes or self.codes[0] != TOTAL or self.parents[0] != -1:
            raise HierarchyError("root", self.codes[0] if self.codes else "")
        index = {code: i for i, code in enumerate(self.codes)}
        if len(index) != len(self.codes):
            raise HierarchyError(
                "duplicate", next(c for c in self.codes if self.codes.count(c) > 1)
            )
        children: list[list[int]] = [[] for _ in self.codes]
        depth = [0] * len(self.codes)
        for i, p in enumerate(self.parents[1:], start=1):
            if not 0 <= p < i:
                raise HierarchyError("order", self.codes[i], i)
            children[p].append(i)
            depth[i] = depth[p] + 1
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_children", tuple(tuple(c) for c in children))
        object.__setattr__(self, "_depth", tuple(depth))

    # construction ---------------------------------------------------------------------------

    @classmethod
    def flat(cls, codes: Iterable[str]) -> Hierarchy:
        """``_T`` over the given codes (duplicates are dropped, first occurrence kept)."""
        unique = list(dict.fromkeys(codes))
        for i, code in enumerate(unique):
            if code == TOTAL:
                raise HierarchyError("reserved", code, i)
            if code == "":
                raise HierarchyError("empty", code, i)
        return cls((TOTAL, *unique), (-1, *([0] * len(unique))))

    @classmethod
    def from_parents(cls, pairs: Iterable[tuple[str, str | None]]) -> Hierarchy:
        """Build from ``(code, parent)`` pairs; top-level codes have ``None`` or ``""`` as parent.

        Siblings keep the order in which they are listed; parents may come after children.

        >>> Hierarchy.from_parents([("a1", "a"), ("a", None)]).codes
        ('_T', 'a', 'a1')
        >>> Hierarchy.from_parents([("a", None), ("a", None)])
        Traceback (most recent call last):
        ...
        ikoe.stats.disclosure.hierarchy.HierarchyError: duplicate: 'a' (entry 1)
        >>> Hierarchy.from_parents([("a", "b")])
        Traceback (most recent call last):
        ...
        ikoe.stats.disclosure.hierarchy.HierarchyError: unknown-parent: 'b' (entry 0)
        >>> Hierarchy.from_parents([("a", "b"), ("b", "a")])
        Traceback (most recent call last):
        ...
        ikoe.stats.disclosure.hierarchy.HierarchyError: cycle: 'a'
        """
        entries = list(pairs)
        parent_of: dict[str, str] = {}
        order: list[str] = []
        for i, (code, parent) in enumerate(entries):
            if code == TOTAL:
                raise HierarchyError("reserved", code, i)
            if not code:
                raise HierarchyError("empty", code, i)
            if code in parent_of:
                raise HierarchyError("duplicate", code, i)
            parent_of[code] = parent or TOTAL
            order.append(code)
        kids: dict[str, list[str]] = {TOTAL: []}
        for i, code in enumerate(order):
            parent = parent_of[code]
            if parent != TOTAL and parent not in parent_of:
                raise HierarchyError("unknown-parent", parent, i)
            kids.setdefault(parent, []).append(code)
        codes: list[str] = []
        parents: list[int] = []
        stack: list[tuple[str, int]] = [(TOTAL, -1)]
        while stack:
            code, parent_pos = stack.pop()
            pos = len(codes)
            codes.append(code)
            parents.append(parent_pos)
            for child in reversed(kids.get(code, [])):
                stack.append((child, pos))
        if len(codes) != len(order) + 1:
            reached = set(codes)
            raise HierarchyError("cycle", next(c for c in order if c not in reached))
        return cls(tuple(codes), tuple(parents))

    # queries --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def position(self, code: str) -> int:
        """Position of ``code`` in :attr:`codes` (``KeyError`` when unknown)."""
        return self._index[code]

    def parent_of(self, code: str) -> str | None:
        p = self.parents[self._index[code]]
        return None if p < 0 else self.codes[p]

    def children_of(self, code: str) -> tuple[str, ...]:
        return tuple(self.codes[c] for c in self._children[self._index[code]])

    def child_positions(self, pos: int) -> tuple[int, ...]:
        return self._children[pos]

    def depth_of(self, code: str) -> int:
        """0 for ``_T``, 1 for top-level codes, and so on."""
        return self._depth[self._index[code]]

    @property
    def depths(self) -> tuple[int, ...]:
        return self._depth

    def is_leaf(self, code: str) -> bool:
        return not self._children[self._index[code]]

    @property
    def leaves(self) -> tuple[str, ...]:
        return tuple(c for i, c in enumerate(self.codes) if not self._children[i])

    @property
    def internal_positions(self) -> tuple[int, ...]:
        """Positions of the codes that have children (``_T`` first)."""
        return tuple(i for i in range(len(self.codes)) if self._children[i])

    def ancestors_of(self, code: str) -> tuple[str, ...]:
        """Parent, grandparent … up to ``_T``.

        >>> Hierarchy.from_parents([("a", None), ("a1", "a")]).ancestors_of("a1")
        ('a', '_T')
        """
        out: list[str] = []
        p = self.parents[self._index[code]]
        while p >= 0:
            out.append(self.codes[p])
            p = self.parents[p]
        return tuple(out)

    def is_bottom(self, pos: int) -> bool:
        """Whether the code at ``pos`` is a bottom code (a leaf: no code adds up to it)."""
        return not self._children[pos]

    def local_relations(self) -> sp.csr_matrix:
        """One row per code with children: ``+1`` at the code and ``-1`` at each child.

        >>> Hierarchy.flat(["f", "m"]).local_relations().toarray()
        array([[ 1., -1., -1.]])
        """
        rows, cols, vals = [], [], []
        for r, p in enumerate(self.internal_positions):
            rows.append(r)
            cols.append(p)
            vals.append(1.0)
            for c in self._children[p]:
                rows.append(r)
                cols.append(c)
                vals.append(-1.0)
        shape = (len(self.internal_positions), len(self.codes))
        return sp.csr_matrix((vals, (rows, cols)), shape=shape)

    def leaf_positions_below(self, pos: int) -> tuple[int, ...]:
        """Positions of the leaves in the subtree of ``pos`` (itself when it is a leaf)."""
        out: list[int] = []
        stack = [pos]
        while stack:
            q = stack.pop()
            kids = self._children[q]
            if kids:
                stack.extend(reversed(kids))
            else:
                out.append(q)
        return tuple(out)


@dataclass(frozen=True)
class Classification:
    """A dimension whose codes are tied by linear relations that no tree can hold.

    Respondents classified by their status under several definitions of migration background
    at once are the example: "yes under MighEV" and "yes under Einwanderungsgeschichte" are
    two codes, each adds up with "no" and "unknown" of its own definition to the total ``_T``,
    and everyone with an Einwanderungsgeschichte also has a migration background under
    MighEV, so "yes under MighEV" is "yes under Einwanderungsgeschichte" plus the (never
    published) number of those with only the former.

    Every code is given for each cell (nothing within the dimension is aggregated); the
    ``relations`` are rows of coefficients over the codes that every cell satisfies
    (``sum(coef * value) == 0``). ``generators`` are the vectors one contributor adds, one per
    kind of contributor; changing a cell by differences of generators keeps every relation,
    which is how suppression finds complements along this dimension.

    >>> c = Classification(("_T", "a", "b", "a-b"), ((1, -1, 0, 0), (0, 1, -1, -1)),
    ...                    ((1, 1, 1, 0), (1, 1, 0, 1)))
    >>> c.local_relations().toarray()
    array([[ 1., -1.,  0.,  0.],
           [ 0.,  1., -1., -1.]])
    >>> c.position("a-b"), c.is_bottom(0)
    (3, True)
    """

    codes: tuple[str, ...]
    relations: tuple[tuple[float, ...], ...]
    generators: tuple[tuple[float, ...], ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.codes or self.codes[0] != TOTAL:
            raise HierarchyError("root", self.codes[0] if self.codes else "")
        index = {code: i for i, code in enumerate(self.codes)}
        if len(index) != len(self.codes):
            raise HierarchyError(
                "duplicate", next(c for c in self.codes if self.codes.count(c) > 1)
            )
        n = len(self.codes)
        for row in (*self.relations, *self.generators):
            if len(row) != n:
                raise ValueError("one coefficient per code")
        for g in self.generators:
            if any(
                abs(sum(a * b for a, b in zip(r, g, strict=True))) > 1e-9 for r in self.relations
            ):
                raise ValueError(f"generator {g!r} breaks a relation")
        object.__setattr__(self, "_index", index)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def position(self, code: str) -> int:
        return self._index[code]

    def is_bottom(self, pos: int) -> bool:
        """Every code is given for each cell."""
        return True

    @property
    def depths(self) -> tuple[int, ...]:
        return (0,) + (1,) * (len(self.codes) - 1)

    def leaf_positions_below(self, pos: int) -> tuple[int, ...]:
        return (pos,)

    def local_relations(self) -> sp.csr_matrix:
        return sp.csr_matrix(
            np.array(self.relations, dtype=float).reshape(len(self.relations), len(self.codes))
        )

    def value_of(self, counts: Mapping[int, float]) -> np.ndarray:
        """The codes' values of a cell with ``counts[k]`` contributors of generator ``k``."""
        out = np.zeros(len(self.codes))
        for k, n in counts.items():
            out += float(n) * np.asarray(self.generators[k], dtype=float)
        return out


Dimension = Hierarchy | Classification
"""What a table dimension can be: a tree of codes, or a classification with several sums."""


def as_hierarchies(
    dims: Sequence[str], given: dict[str, Hierarchy], seen: dict[str, Iterable[str]]
) -> tuple[Hierarchy, ...]:
    """The hierarchy of each dimension: the given one, else flat over the codes seen."""
    return tuple(given[d] if d in given else Hierarchy.flat(seen.get(d, ())) for d in dims)
