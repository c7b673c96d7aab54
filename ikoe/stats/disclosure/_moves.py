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

from ikoe.stats.disclosure.hierarchy import Hierarchy

ANCESTOR_LEVELS = 2
"""How many levels up a move may swap an ancestor against the ancestor's sibling."""
SIBLING_PATHS = 6
"""How many paths down a sibling with children may take."""
OWN_PATHS = 4
"""How many paths down the code itself may take when it has children."""


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


def moves(h: Hierarchy, c: int) -> list[tuple[list[int], list[int]]]:
    """Moves of the code at position ``c``: ``(positions, signs)`` with ``positions[0] == c``."""
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
