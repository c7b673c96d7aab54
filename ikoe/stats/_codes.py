"""Dense integer codes for grouping columns (internal helper of ``ikoe.stats``).

Group-by work on millions of respondents is done with ``numpy.bincount`` on dense codes
``0 .. G-1``. This module turns one or more polars columns into such codes in linear time:
each column becomes small non-negative integers (categorical codes, integers, booleans, or a
dense rank for anything else), nulls get a code of their own, and several columns are combined
in mixed radix and made dense again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

IntArray = npt.NDArray[np.int64]

# A lookup table (linear time) is used while the key range is at most this many times the
# number of rows (and below _LOOKUP_LIMIT); otherwise keys are made dense by sorting.
_LOOKUP_FACTOR = 8
_LOOKUP_LIMIT = 1 << 27


@dataclass(frozen=True, eq=False)
class Codes:
    """Dense group codes of a frame's rows.

    ``codes[i]`` is the group of row ``i``; ``first[g]`` is the first row of group ``g``
    (so ``frame[first]`` lists each group's key values once); ``size`` is the number of groups.
    """

    codes: IntArray
    first: IntArray
    size: int


def _densify(raw: IntArray, bound: int) -> tuple[IntArray, int]:
    """Map non-negative integers below ``bound`` to ``0 .. k-1`` keeping their order."""
    if raw.size == 0:
        return raw.astype(np.int64), 0
    if bound <= min(_LOOKUP_LIMIT, _LOOKUP_FACTOR * raw.size + 4096):
        present = np.zeros(bound, dtype=bool)
        present[raw] = True
        lookup = np.cumsum(present, dtype=np.int64) - 1
        return lookup[raw], int(present.sum())
    uniques, inverse = np.unique(raw, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), int(uniques.size)


def _column_codes(series: pl.Series) -> tuple[IntArray, int]:
    """Small non-negative integer codes of one column; nulls get the code after all values."""
    dtype = series.dtype
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        phys = series.to_physical()
    elif dtype == pl.Boolean:
        phys = series.cast(pl.Int64)
    elif dtype.is_integer():
        phys = series.cast(pl.Int64)
        lowest = phys.min()
        if lowest is not None:
            phys = phys - int(lowest)  # type: ignore[arg-type]
    elif dtype == pl.String:
        phys = series.cast(pl.Categorical).to_physical()
    else:
        phys = series.rank("dense").cast(pl.Int64) - 1
    has_null = phys.null_count() > 0
    values = phys.fill_null(-1).to_numpy().astype(np.int64, copy=False)
    top = int(values.max()) if values.size else -1
    if has_null:
        values = np.where(values < 0, top + 1, values)
        top += 1
    return _densify(values, top + 1)


def group_codes(frame: pl.DataFrame, columns: Sequence[str]) -> Codes:
    """Dense codes of the combinations of ``columns`` that occur in ``frame``.

    With no columns every row is in group 0.

    >>> f = pl.DataFrame({"a": ["x", "y", "x", None], "b": [1, 1, 1, 2]})
    >>> c = group_codes(f, ["a", "b"])
    >>> c.size, c.codes.tolist()[0] == c.codes.tolist()[2], len(set(c.codes.tolist()))
    (3, True, 3)
    >>> group_codes(f, []).codes.tolist()
    [0, 0, 0, 0]
    """
    n = frame.height
    if not columns:
        size = 1 if n else 0
        return Codes(np.zeros(n, dtype=np.int64), np.zeros(size, dtype=np.int64), size)
    key: IntArray | None = None
    bound = 1
    for name in columns:
        col, card = _column_codes(frame.get_column(name))
        if key is None:
            key, bound = col, max(card, 1)
            continue
        if bound * max(card, 1) >= (1 << 62):
            key, bound = _densify(key, bound)
        key = key * max(card, 1) + col
        bound *= max(card, 1)
    assert key is not None
    codes, size = _densify(key, bound)
    first = np.full(size, n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n, dtype=np.int64))
    return Codes(codes, first, size)


def combine_codes(arrays: Sequence[IntArray], sizes: Sequence[int]) -> Codes:
    """Dense codes of the combinations of several code arrays (``arrays[k] < sizes[k]``).

    >>> c = combine_codes([np.array([0, 1, 0, 1]), np.array([2, 0, 2, 1])], [2, 3])
    >>> c.size, c.codes.tolist(), c.first.tolist()
    (3, [0, 1, 0, 2], [0, 1, 3])
    """
    n = arrays[0].size if arrays else 0
    if not arrays:
        size = 1 if n else 0
        return Codes(np.zeros(n, dtype=np.int64), np.zeros(size, dtype=np.int64), size)
    key = np.asarray(arrays[0], dtype=np.int64)
    bound = max(int(sizes[0]), 1)
    for arr, card in zip(arrays[1:], sizes[1:], strict=True):
        card = max(int(card), 1)
        if bound * card >= (1 << 62):
            key, bound = _densify(key, bound)
        key = key * card + np.asarray(arr, dtype=np.int64)
        bound *= card
    codes, size = _densify(key, bound)
    first = np.full(size, n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n, dtype=np.int64))
    return Codes(codes, first, size)


def group_sums(codes: IntArray, weights: npt.ArrayLike, size: int) -> npt.NDArray[np.float64]:
    """Sum of ``weights`` per code (``numpy.bincount`` with weights, typed as float).

    >>> group_sums(np.array([0, 2, 0]), [1.5, 2.0, 0.5], 3).tolist()
    [2.0, 0.0, 2.0]
    """
    return np.asarray(np.bincount(codes, weights=weights, minlength=size), dtype=np.float64)
