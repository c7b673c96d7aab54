"""Elementary perturbations of one dimension, and hypercubes built from them.

A *move* of code ``c`` in a hierarchy is a vector over the dimension's codes with ``+1`` at
``c`` that keeps every subtotal of that dimension additive: swap ``c`` with a sibling, change
``c`` together with all its ancestors, or change an ancestor of ``c`` against a sibling of that
ancestor; a code with children also changes one path of descendants down to a leaf. The tensor
product of one move per dimension changes the complete table without breaking any of its
relations; its cells are the corners of a (generalised) hypercube around the sensitive cell.

>>> h = Hierarchy.from_parents([("L1", ""), ("A1", "L1"), ("A2", "L1"), ("L2", "")])
>>> [(tuple(h.codes[p] for p in pos), tuple(sg)) for pos, sg in moves(h, h.position("A1"))]
[(('A1', 'A2'), (1, -1)), (('A1', 'L1', 'L2'), (1, 1, -1)), (('A1', 'L1', '_T'), (1, 1, 1))]
"""

from __future__ import annotations

import numpy as np

from ikoe.stats.disclosure.hierarchy import Classification, Dimension, Hierarchy

ANCESTOR_LEVELS = 2
"""How many levels up a move may swap an ancestor against the ancestor's sibling."""
SIBLING_PATHS = 6
"""How many paths down a sibling with children may take."""
OWN_PATHS = 4
"""How many paths down the code itself may take when it has children."""
SUM_MOVES = 8
"""How many moves a code of a classification tied by relations may take (the smallest)."""


def down_paths(h: Hierarchy, x: int, cap: int) -> list[list[int]]:
    """Paths from ``x`` down to a leaf (excluding ``x``), at most ``cap`` of them."""
    kids = h.child_positions(x)
    if not kids:
        return [[]]
    out: list[list[int]] = []
    for child in kids:
        for path in down_paths(h, child, cap):
            out.append([child, *path])
            if len(out) >= cap:
                return out
    return out


def moves(h: Dimension, c: int) -> list[tuple[list[int], list[int]]]:
    """Moves of the code at position ``c``: ``(positions, signs)`` with ``positions[0] == c``."""
    if isinstance(h, Classification):
        return sum_moves(h, c)
    ups: list[tuple[list[int], list[int]]] = []
    if h.parents[c] >= 0:
        node = c
        chain: list[int] = []
        while h.parents[node] >= 0 and len(chain) < ANCESTOR_LEVELS:
            parent = h.parents[node]
            for sibling in h.child_positions(parent):
                if sibling == node:
                    continue
                for path in down_paths(h, sibling, SIBLING_PATHS):
                    ups.append(
                        (chain + [sibling, *path], [1] * len(chain) + [-1] * (1 + len(path)))
                    )
            chain = chain + [parent]
            node = parent
        ancestors: list[int] = []
        x = h.parents[c]
        while x >= 0:
            ancestors.append(x)
            x = h.parents[x]
        ups.append((ancestors, [1] * len(ancestors)))
    else:
        ups.append(([], []))
    out: list[tuple[list[int], list[int]]] = []
    for path in down_paths(h, c, OWN_PATHS):
        for pos, signs in ups:
            out.append(([c, *pos, *path], [1, *signs, *([1] * len(path))]))
    return out


def sum_moves(h: Classification, c: int) -> list[tuple[list[int], list[int]]]:
    """Moves in a classification whose codes are tied by relations: one contributor of a
    kind that counts in ``c`` more (the total rises with it), or one such contributor instead
    of one of another kind (the total stays). Only moves that change each code by at most one
    are offered; flows over wider neighbourhoods find the others.

    >>> c = Classification(("_T", "a", "b", "a-b"), ((1, -1, 0, 0), (0, 1, -1, -1)),
    ...                    ((1, 1, 1, 0), (1, 1, 0, 1)))
    >>> [(tuple(c.codes[p] for p in pos), tuple(sg)) for pos, sg in sum_moves(c, c.position("b"))]
    [(('b', 'a-b'), (1, -1)), (('b', '_T', 'a'), (1, 1, 1))]
    """
    gens = [np.asarray(g, dtype=float) for g in h.generators]
    found: list[tuple[list[int], list[int]]] = []
    for g in gens:
        if g[c] <= 0:
            continue
        for other in [*(o for o in gens if o[c] < g[c]), None]:
            v = g if other is None else g - other
            if v[c] != 1 or np.any(np.abs(v) > 1):
                continue
            rest = [p for p in np.flatnonzero(v).tolist() if p != c]
            plus = [p for p in rest if v[p] > 0]
            minus = [p for p in rest if v[p] < 0]
            move = ([c, *plus, *minus], [1] * (1 + len(plus)) + [-1] * len(minus))
            if move not in found:
                found.append(move)
    # the moves that change the fewest codes make the smallest hypercubes
    found.sort(key=lambda move: len(move[0]))
    return found[:SUM_MOVES]
