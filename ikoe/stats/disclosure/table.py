"""Complete tables: every cell of the cross-product of the dimensions' hierarchies.

A :class:`Table` holds one value per cell of the complete table, including every subtotal
along each hierarchy and the grand total (all dimensions at ``_T``). Cells are numbered in
C order over the codes of the dimensions (each in pre-order), so the grand total is cell 0.

>>> sex = Hierarchy.flat(["f", "m"])
>>> t = Table.from_bottom(["sex"], [(("f",), 3), (("m",), 4)], {"sex": sex})
>>> [(k, v) for k, v in t.items()]
[(('_T',), 7.0), (('f',), 3.0), (('m',), 4.0)]
>>> t.relations().toarray()
array([[ 1., -1., -1.]])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ikoe.stats.disclosure.hierarchy import TOTAL, Dimension, Hierarchy


class TableError(ValueError):
    """Bottom-level input that does not fit the table.

    ``code`` is ``arity`` (wrong number of codes), ``unknown-code`` (a code not in the dimension's
    hierarchy), ``not-bottom`` (a code that has children), ``duplicate`` (the same bottom cell
    twice) or ``negative``; ``item`` is the cell key and ``index`` the position of the entry.
    """

    def __init__(self, code: str, item: object, index: int, dim: str | None = None) -> None:
        self.code = code
        self.item = item
        self.index = index
        self.dim = dim
        super().__init__(
            f"{code}: {item!r} (entry {index}" + (f", dimension {dim})" if dim else ")")
        )


@dataclass(frozen=True, eq=False)
class Table:
    """Values of every cell of a complete table.

    ``values[i]`` belongs to the cell whose codes are ``key(i)``; use :meth:`from_bottom` or
    :meth:`from_microdata` to build one.
    """

    dims: tuple[str, ...]
    hierarchies: tuple[Dimension, ...]
    values: np.ndarray
    _shape: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.dims) != len(self.hierarchies):
            raise ValueError("one hierarchy per dimension")
        if len(set(self.dims)) != len(self.dims):
            raise ValueError("dimension names must be unique")
        shape = tuple(len(h) for h in self.hierarchies)
        values = np.asarray(self.values, dtype=float).reshape(-1)
        if values.size != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{values.size} values for a table of shape {shape}")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "_shape", shape)

    # construction ---------------------------------------------------------------------------

    @classmethod
    def from_bottom(
        cls,
        dims: Sequence[str],
        cells: Iterable[tuple[Sequence[str], float]],
        hierarchies: Mapping[str, Dimension] | None = None,
    ) -> Table:
        """Aggregate bottom-level cells into the complete table.

        ``cells`` are ``(codes, value)`` with one code per dimension, each a leaf of its
        hierarchy; dimensions without a hierarchy are flat over the codes that occur. Bottom
        cells that are not listed are zero.

        >>> org = Hierarchy.from_parents([("L1", ""), ("A1", "L1"), ("A2", "L1"), ("L2", "")])
        >>> t = Table.from_bottom(["org", "sex"], [(("A1", "f"), 1), (("A2", "m"), 2),
        ...                                        (("L2", "f"), 4)], {"org": org})
        >>> t.value(("L1", TOTAL)), t.value((TOTAL, "f")), t.value((TOTAL, TOTAL))
        (3.0, 5.0, 7.0)
        >>> Table.from_bottom(["org"], [(("L1",), 1)], {"org": org})
        Traceback (most recent call last):
        ...
        ikoe.stats.disclosure.table.TableError: not-bottom: ('L1',) (entry 0, dimension org)
        """
        dims = tuple(dims)
        given = dict(hierarchies or {})
        entries = [(tuple(codes), float(value)) for codes, value in cells]
        for i, (codes, value) in enumerate(entries):
            if len(codes) != len(dims):
                raise TableError("arity", codes, i)
            if not value >= 0:
                raise TableError("negative", codes, i)
        seen: dict[str, list[str]] = {d: [] for d in dims if d not in given}
        for codes, _ in entries:
            for d, code in zip(dims, codes, strict=True):
                if d in seen:
                    seen[d].append(code)
        hs: list[Dimension] = []
        for d in dims:
            if d in given:
                hs.append(given[d])
            else:
                try:
                    hs.append(Hierarchy.flat(seen[d]))
                except ValueError as exc:
                    bad = next(
                        i for i, (c, _) in enumerate(entries) if c[dims.index(d)] in (TOTAL, "")
                    )
                    raise TableError("unknown-code", entries[bad][0], bad, d) from exc
        shape = tuple(len(h) for h in hs)
        dense = np.zeros(shape)
        filled = np.zeros(shape, dtype=bool)
        for i, (codes, value) in enumerate(entries):
            pos = []
            for d, h, code in zip(dims, hs, codes, strict=True):
                if code not in h:
                    raise TableError("unknown-code", codes, i, d)
                p = h.position(code)
                if not h.is_bottom(p):
                    raise TableError("not-bottom", codes, i, d)
                pos.append(p)
            at = tuple(pos)
            if filled[at]:
                raise TableError("duplicate", codes, i)
            filled[at] = True
            dense[at] = value
        return cls(dims, tuple(hs), aggregate(dense, tuple(hs)).reshape(-1))

    @classmethod
    def from_microdata(
        cls,
        dims: Sequence[str],
        records: Iterable[Sequence[str]],
        hierarchies: Mapping[str, Dimension] | None = None,
        weights: Iterable[float] | None = None,
    ) -> Table:
        """Count records (or sum their weights) into the complete table.

        Each record gives one bottom-level code per dimension.

        >>> t = Table.from_microdata(["sex"], [("f",), ("m",), ("f",)])
        >>> t.value(("f",)), t.value((TOTAL,))
        (2.0, 3.0)
        """
        counts: dict[tuple[str, ...], float] = {}
        ws = iter(weights) if weights is not None else None
        for record in records:
            key = tuple(record)
            counts[key] = counts.get(key, 0.0) + (float(next(ws)) if ws is not None else 1.0)
        return cls.from_bottom(dims, counts.items(), hierarchies)

    def with_values(self, values: np.ndarray) -> Table:
        """The same table structure with other values (e.g. a second measure)."""
        return Table(self.dims, self.hierarchies, values)

    # cells ----------------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def size(self) -> int:
        return int(self.values.size)

    def index(self, key: Sequence[str]) -> int:
        """Cell number of ``key`` (``KeyError`` for an unknown code)."""
        pos = tuple(h.position(c) for h, c in zip(self.hierarchies, key, strict=True))
        return int(np.ravel_multi_index(pos, self._shape))

    def key(self, i: int) -> tuple[str, ...]:
        pos = np.unravel_index(i, self._shape)
        return tuple(h.codes[int(p)] for h, p in zip(self.hierarchies, pos, strict=True))

    def keys(self) -> Iterator[tuple[str, ...]]:
        for i in range(self.size):
            yield self.key(i)

    def items(self) -> Iterator[tuple[tuple[str, ...], float]]:
        for i in range(self.size):
            yield self.key(i), float(self.values[i])

    def value(self, key: Sequence[str]) -> float:
        return float(self.values[self.index(key)])

    def positions(self) -> np.ndarray:
        """Array ``(size, ndims)`` with the position of each cell's code in each hierarchy."""
        return np.stack(np.unravel_index(np.arange(self.size), self._shape), axis=1)

    def depth(self) -> np.ndarray:
        """Sum over dimensions of the depth of the cell's code (0 for the grand total)."""
        pos = self.positions()
        out = np.zeros(self.size, dtype=np.int64)
        for d, h in enumerate(self.hierarchies):
            out += np.asarray(h.depths)[pos[:, d]]
        return out

    # structure ------------------------------------------------------------------------------

    def relations(self) -> sp.csr_matrix:
        """Additivity of the complete table as a sparse matrix ``R`` with ``R @ values == 0``.

        One row per (dimension, code that adds up others, codes of the other dimensions):
        ``+1`` at the sum and ``-1`` at each of its parts.
        """
        blocks = []
        for d, h in enumerate(self.hierarchies):
            local = h.local_relations()
            if local.shape[0] == 0:
                continue
            before = int(np.prod(self._shape[:d], dtype=np.int64))
            after = int(np.prod(self._shape[d + 1 :], dtype=np.int64))
            block = sp.kron(
                sp.kron(sp.identity(before, format="csr"), local, format="csr"),
                sp.identity(after, format="csr"),
                format="csr",
            )
            blocks.append(block)
        if not blocks:
            return sp.csr_matrix((0, self.size))
        return sp.vstack(blocks, format="csr")


def aggregate(dense: np.ndarray, hierarchies: Sequence[Dimension]) -> np.ndarray:
    """Fill every subtotal of a dense array whose non-leaf entries are ignored.

    >>> aggregate(np.array([0.0, 2.0, 3.0]), [Hierarchy.flat(["a", "b"])])
    array([5., 2., 3.])
    """
    out = np.asarray(dense, dtype=float)
    for d, h in enumerate(hierarchies):
        rows, cols = [], []
        for p in range(len(h)):
            for leaf in h.leaf_positions_below(p):
                rows.append(p)
                cols.append(leaf)
        agg = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(h), len(h)))
        moved = np.moveaxis(out, d, 0)
        flat = moved.reshape(len(h), -1)
        out = np.moveaxis(np.asarray(agg @ flat).reshape(moved.shape), 0, d)
    return np.ascontiguousarray(out)
