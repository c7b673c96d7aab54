"""Every linear relation between the answers under several definitions, found mechanically.

A respondent's answers under ``D`` definitions are one of a few combinations of ``yes``,
``no`` and ``unknown`` (:func:`ikoe.stats.definitions.possible_combinations`). Write a
combination as the point ``x`` with ``x[2k] = 1`` for ``yes`` and ``x[2k + 1] = 1`` for ``no``
under definition ``k`` (both 0 for ``unknown``). A cell of ``T`` respondents has the counts
``T * p`` for some ``p`` in the convex hull of these points, and every linear relation a
reader can infer between the published counts of a cell is a face of that hull:

- *equalities* ``a . x == b`` that every combination meets, and
- *facets* ``a . x <= b``, whose slack ``b * T - a . counts`` is the number of respondents
  (weighted by how far each is from the facet) that the relation leaves room for.

Facets that only say a count is not negative (``yes >= 0``, ``no >= 0``, ``unknown >= 0``)
are left out: every count is a cell that cannot be negative anyway. With the definitions of
:mod:`ikoe.stats.definitions` two facets remain: ``yes(Einwanderungsgeschichte) <= yes(MighEV)``
and ``no(MighEV) <= no(Einwanderungsgeschichte)``.

>>> combos = [("yes", "yes"), ("yes", "no"), ("yes", "unknown"), ("no", "no"),
...           ("unknown", "no"), ("unknown", "unknown")]
>>> facets(combos)
([], [((-1, 0, 1, 0), 0), ((0, 1, 0, -1), 0)])

The first facet reads ``-yes(m) + yes(e) <= 0``, the second ``no(m) - no(e) <= 0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from scipy.spatial import ConvexHull

Facet = tuple[tuple[int, ...], int]
"""``(a, b)``: the relation ``a . x <= b`` (or ``==`` for an equality) with whole numbers."""

_ANSWERS = ("yes", "no", "unknown")


def coordinates(combination: Sequence[str]) -> tuple[int, ...]:
    """The point of a combination of answers.

    >>> coordinates(("yes", "unknown", "no"))
    (1, 0, 0, 0, 0, 1)
    """
    out: list[int] = []
    for answer in combination:
        if answer not in _ANSWERS:
            raise ValueError(f"answer {answer!r}: expected one of {_ANSWERS}")
        out += [int(answer == "yes"), int(answer == "no")]
    return tuple(out)


def facets(combinations: Sequence[Sequence[str]]) -> tuple[list[Facet], list[Facet]]:
    """Equalities and facets of the hull of the combinations, in whole numbers.

    Facets that only say one count is not negative (see the module) are left out.

    >>> facets([("yes",), ("no",), ("unknown",)])
    ([], [])
    >>> facets([("yes", "yes"), ("yes", "no"), ("no", "no")])   # nobody left unanswered
    ([((1, 1, 0, 0), 1), ((0, 0, 1, 1), 1)], [((0, 1, 0, -1), 0)])

    Everybody answers both questions (the equalities), and ``no(m) <= no(e)``, which with
    them is the same as ``yes(e) <= yes(m)``.
    """
    unique = list(dict.fromkeys(tuple(c) for c in combinations))
    if not unique:
        raise ValueError("no combinations")
    points = np.array([coordinates(c) for c in unique], dtype=np.int64)
    size = points.shape[1]
    equalities, free = _affine_hull(points)
    found: list[Facet] = []
    for a, b in _hull_sides(points[:, free]):
        full = [0] * size
        for k, v in zip(free, a, strict=True):
            full[k] = v
        facet = (tuple(full), b)
        tight = frozenset(np.flatnonzero(points @ np.array(full) == b).tolist())
        if facet not in found and tight not in _zero_sets(unique):
            found.append(facet)
    for a, b in equalities:
        if not np.all(points @ np.array(a) == b):  # pragma: no cover - exact arithmetic
            raise ArithmeticError("an equality that a combination breaks")
    for a, b in found:
        if not np.all(points @ np.array(a) <= b):  # pragma: no cover - qhull's facets hold
            raise ArithmeticError("a facet that a combination breaks")
    return equalities, sorted(found)


def _zero_sets(combinations: Sequence[tuple[str, ...]]) -> set[frozenset[int]]:
    """For each count (an answer under one definition): the combinations where it is zero."""
    out = set()
    for k in range(len(combinations[0])):
        for answer in _ANSWERS:
            out.add(frozenset(i for i, c in enumerate(combinations) if c[k] != answer))
    return out


def _affine_hull(points: np.ndarray) -> tuple[list[Facet], list[int]]:
    """The equalities every point meets (in reduced echelon form, whole numbers) and the
    coordinates left free by them."""
    size = points.shape[1]
    # a . x - b = 0 for every point: the null space of [points | -1]
    rows = [[Fraction(int(v)) for v in p] + [Fraction(-1)] for p in points]
    reduced, pivots = _rref(rows, size + 1)
    free_columns = [c for c in range(size + 1) if c not in pivots]
    null = []
    for f in free_columns:
        v = [Fraction(0)] * (size + 1)
        v[f] = Fraction(1)
        for r, pc in enumerate(pivots):
            v[pc] = -reduced[r][f]
        null.append(v)
    equalities_rows, eq_pivots = _rref(null, size + 1) if null else ([], [])
    equalities = []
    for row in equalities_rows:
        lcm = math.lcm(*(v.denominator for v in row))
        ints = [int(v * lcm) for v in row]
        equalities.append((tuple(ints[:-1]), ints[-1]))
    free = [c for c in range(size) if c not in eq_pivots]
    return equalities, free


def _rref(rows: list[list[Fraction]], width: int) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form (exact) and its pivot columns; zero rows dropped."""
    rows = [list(r) for r in rows]
    pivots: list[int] = []
    r = 0
    for col in range(width):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][col]
        rows[r] = [v / lead for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(col)
        r += 1
        if r == len(rows):
            break
    return rows[:r], pivots


def _hull_sides(points: np.ndarray) -> list[Facet]:
    """Facets ``a . x <= b`` of the hull of full-dimensional points, in whole numbers."""
    unique = np.unique(points, axis=0)
    dim = points.shape[1]
    if dim == 0 or unique.shape[0] < 2:
        return []
    if dim == 1:
        line = points[:, 0]
        return [((1,), int(line.max())), ((-1,), int(-line.min()))]
    hull = ConvexHull(points.astype(float))
    out: list[Facet] = []
    for eq in hull.equations:
        facet = _whole(eq[:-1], -float(eq[-1]))
        if facet not in out:
            out.append(facet)
    return out


def _whole(normal: np.ndarray, offset: float) -> Facet:
    """``normal . x <= offset`` scaled to coprime whole numbers."""
    scale = float(np.abs(normal).max())
    fractions = [Fraction(float(v) / scale).limit_denominator(1000) for v in (*normal, offset)]
    lcm = math.lcm(*(f.denominator for f in fractions))
    ints = [int(f * lcm) for f in fractions]
    gcd = math.gcd(*ints) or 1
    ints = [v // gcd for v in ints]
    return tuple(ints[:-1]), ints[-1]
