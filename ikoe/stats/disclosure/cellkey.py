"""The cell key method: consistent random noise for flexible tables (as in the 2022 census).

Instead of suppressing cells, every published count gets a small integer noise. The noise of
a cell is a deterministic function of *who* is in the cell, so the same cell gets the same
noise in every table, every release and every query, and repeated queries cannot average the
noise away:

1. every record gets a *record key*, uniform on ``[0, 1)``, once (:func:`record_keys` draws
   them from a seed, :func:`record_keys_from_ids` derives them from record identifiers and a
   secret);
2. the *cell key* of a cell is the fractional part of the sum of the record keys of its
   contributors (:func:`cell_keys`) - again uniform on ``[0, 1)``;
3. a *perturbation table* (:class:`PerturbationTable`) gives, for each original count, a
   distribution of noise values; the cell key picks the noise by inverse lookup in that
   distribution (:meth:`PerturbationTable.noise`).

The perturbation table follows the maximum-entropy construction of the ``ptable`` package
(Destatis; Giessing 2016): noise between ``-D`` and ``D`` (the maximum deviation), mean zero,
variance ``V``, no negative results and no positive results at or below ``js``; empty cells
stay empty. Totals are perturbed like any other cell, so a perturbed table is not additive.
Where the allowed noise values cannot have the variance ``V`` (small counts), the row takes the
nearest variance they allow.

>>> ptable = PerturbationTable.build(max_deviation=2, variance=1.0)
>>> [round(float(p), 4) for p in ptable.probabilities[-1]]  # large counts: symmetric noise
[0.0638, 0.2447, 0.383, 0.2447, 0.0638]
>>> ptable.noise(10, 0.05), ptable.noise(10, 0.5), ptable.noise(10, 0.99)
(-2, 0, 2)
>>> ptable.noise(0, 0.99)
0
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ikoe.stats.disclosure.hierarchy import Hierarchy
from ikoe.stats.disclosure.table import Table


@dataclass(frozen=True, eq=False)
class PerturbationTable:
    """Noise distributions for counts: row ``i`` for an original count ``i``.

    ``values`` are the noise values ``-D … D``; ``probabilities[i, j]`` is the probability of
    ``values[j]`` for an original count ``i``; the last row serves every count from
    ``len(probabilities) - 1`` upwards.
    """

    max_deviation: int
    variance: float
    js: int
    values: np.ndarray
    probabilities: np.ndarray
    cumulative: np.ndarray

    @classmethod
    def build(cls, max_deviation: int = 2, variance: float = 1.0, js: int = 0) -> PerturbationTable:
        """Maximum-entropy noise distributions with mean 0 and variance ``variance``.

        >>> t = PerturbationTable.build(2, 1.0, js=1)
        >>> t.probabilities.shape
        (5, 5)
        >>> bool(t.probabilities[1, t.values.tolist().index(0)] == 0)   # 1 -> 1 is not allowed
        True
        >>> all(abs(t.mean(i)) < 1e-6 for i in range(5))
        True
        >>> all(abs(t.variance_of(i) - 1.0) < 1e-6 for i in range(2, 5))
        True
        """
        if max_deviation < 1:
            raise ValueError("max_deviation must be at least 1")
        if variance <= 0:
            raise ValueError("variance must be positive")
        if js < 0:
            raise ValueError("js must not be negative")
        values = np.arange(-max_deviation, max_deviation + 1)
        rows = []
        for i in range(max_deviation + js + 2):
            result = i + values
            allowed = (result >= 0) & ((result == 0) | (result > js))
            if i == 0:
                allowed = values == 0
            rows.append(_max_entropy(values, allowed, variance))
        probabilities = np.vstack(rows)
        cumulative = np.cumsum(probabilities, axis=1)
        cumulative[:, -1] = 1.0
        return cls(max_deviation, float(variance), js, values, probabilities, cumulative)

    def row(self, count: int) -> int:
        return min(int(count), self.probabilities.shape[0] - 1)

    def mean(self, count: int) -> float:
        return float(self.probabilities[self.row(count)] @ self.values)

    def variance_of(self, count: int) -> float:
        p = self.probabilities[self.row(count)]
        return float(p @ (self.values.astype(float) ** 2) - (p @ self.values) ** 2)

    def noise(self, count: float, cell_key: float) -> int:
        """The noise for a cell with this original count and cell key."""
        if count < 0:
            raise ValueError("counts are not negative")
        cum = self.cumulative[self.row(int(round(count)))]
        return int(self.values[int(np.searchsorted(cum, cell_key, side="right"))])

    def perturb(self, counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Perturbed counts (vectorised :meth:`noise`).

        >>> t = PerturbationTable.build(2, 1.0)
        >>> t.perturb(np.array([0, 10, 10]), np.array([0.9, 0.05, 0.5])).tolist()
        [0, 8, 10]
        """
        counts = np.rint(np.asarray(counts, dtype=float)).astype(np.int64)
        keys = np.asarray(keys, dtype=float)
        rows = np.minimum(counts, self.probabilities.shape[0] - 1)
        cum = self.cumulative[rows]
        index = (cum <= keys[:, None]).sum(axis=1)
        index = np.minimum(index, self.values.size - 1)
        return counts + self.values[index]


def _max_entropy(values: np.ndarray, allowed: np.ndarray, variance: float) -> np.ndarray:
    """The maximum-entropy distribution on the allowed values with mean 0 and the given variance.

    The variance is clamped into what mean-zero distributions on the allowed values can have
    (between 2 % above the smallest and 2 % below the largest).
    """
    v = values[allowed].astype(float)
    out = np.zeros(values.size)
    if v.size == 1 or v.min() >= 0 or v.max() <= 0:
        out[values == 0] = 1.0
        return out
    largest = -v.min() * v.max()  # two-point distribution on the extremes
    # the smallest: all mass on 0, or a two-point distribution next to zero
    smallest = 0.0 if (v == 0).any() else -v[v < 0].max() * v[v > 0].min()
    if largest - smallest < 1e-9:
        lo, hi = v.min(), v.max()
        out[values == lo] = hi / (hi - lo)
        out[values == hi] = -lo / (hi - lo)
        return out
    target = float(
        np.clip(
            variance, smallest + 0.02 * (largest - smallest), largest - 0.02 * (largest - smallest)
        )
    )
    features = np.vstack([v, v * v])
    goal = np.array([0.0, target])
    lam = np.zeros(2)

    def dual(lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        z = lam @ features
        shift = z.max()
        w = np.exp(z - shift)
        p = w / w.sum()
        return float(np.log(w.sum()) + shift - lam @ goal), p, features @ p - goal

    value, p, grad = dual(lam)
    for _ in range(200):  # damped Newton on the (convex) dual
        centred = features - (features @ p)[:, None]
        hessian = (centred * p) @ centred.T + 1e-12 * np.eye(2)
        step = np.linalg.solve(hessian, grad)
        t = 1.0
        while True:
            new_value, new_p, new_grad = dual(lam - t * step)
            if new_value <= value - 1e-4 * t * float(grad @ step) or t < 1e-10:
                break
            t *= 0.5
        lam, value, p, grad = lam - t * step, new_value, new_p, new_grad
        if np.abs(grad).max() < 1e-12:
            break
    out[allowed] = p
    return out


def record_keys(n: int, seed: int) -> np.ndarray:
    """``n`` record keys drawn uniformly from ``[0, 1)`` with a fixed seed.

    >>> record_keys(3, seed=1).round(4).tolist()
    [0.5118, 0.9505, 0.1442]
    """
    return np.random.default_rng(seed).random(n)


def record_keys_from_ids(ids: Iterable[str], secret: str) -> np.ndarray:
    """Record keys derived from record identifiers and a secret (stable across extracts).

    >>> record_keys_from_ids(["a", "b"], "s3cret").round(4).tolist()
    [0.7337, 0.2204]
    """
    out = []
    for record in ids:
        digest = hashlib.blake2b(
            record.encode("utf-8"), key=secret.encode("utf-8"), digest_size=8
        ).digest()
        out.append((int.from_bytes(digest, "big") >> 11) / float(1 << 53))
    return np.array(out)


def cell_keys(
    dims: Sequence[str],
    records: Iterable[Sequence[str]],
    keys: Iterable[float],
    hierarchies: Mapping[str, Hierarchy] | None = None,
) -> Table:
    """Cell keys of every cell of the complete table: the fractional part of the summed record keys.

    >>> keys = cell_keys(["sex"], [("f",), ("m",), ("f",)], [0.5, 0.25, 0.75])
    >>> [(k, v) for k, v in keys.items()]
    [(('_T',), 0.5), (('f',), 0.25), (('m',), 0.25)]
    """
    sums = Table.from_microdata(dims, records, hierarchies, weights=keys)
    return sums.with_values(np.mod(sums.values, 1.0))


def perturb_table(counts: Table, keys: Table, ptable: PerturbationTable) -> Table:
    """The counts of ``counts`` with the noise chosen by the cell keys in ``keys``."""
    if counts.shape != keys.shape or counts.dims != keys.dims:
        raise ValueError("counts and cell keys must describe the same table")
    return counts.with_values(ptable.perturb(counts.values, keys.values).astype(float))
