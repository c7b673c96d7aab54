"""Barrier analysis of selection procedures (docs/methodology.md, "Barrier analysis").

For each stage of a selection procedure (application, formal eligibility, written test,
assessment centre or interview, offer, hire; promotion rounds likewise) and each group, with
``a`` applicants of the group who reached the stage and ``s`` of them who passed it:

* **selection rate** ``SR = s/a``; each stage counts only those who reached it;
* **impact ratio** ``IR = SR_g / SR_c`` against a comparison group ``c``: the group with the
  highest rate at that stage, or a chosen reference group; a 95 % interval on the log scale
  (Katz);
* **four-fifths rule** (29 CFR 1607.4(D)): adverse impact when ``SR_g < 0.8 · SR_c``, decided in
  whole numbers as ``5·s_g·a_c < 4·s_c·a_g`` so that a ratio of exactly 0.8 is never flagged by
  rounding;
* **test** of ``SR_g = SR_c``, two-sided: the two-proportion z test with the pooled rate, or
  Fisher's exact test when an expected cell of the 2×2 table is below 5 (``test`` says which);
* **shortfall** ``a_g·P − s_g`` with ``P = (s_g + s_c)/(a_g + a_c)``, the pooled rate of the
  two groups compared: how many more of the group would have passed had the same number of
  passes been shared between the two groups at one rate (the expected count under the null
  hypothesis of the test, given the passes). Negative: more passed than that;
* **flip_one_reverses**: whether changing the decision on a single applicant — one more or one
  fewer pass in the group, or one more or one fewer in the comparison group — would reverse the
  four-fifths finding or the significance finding (``p < 0.05``, test chosen anew);
* **Holm's correction** over all tests of a procedure (every stage and the whole procedure,
  every group);
* the whole procedure as a pseudo-stage :data:`OVERALL`: entered the first stage → passed the
  last one.

"Keine Angabe" (not declared) is reported with its counts and rate but is not compared, and is
never the comparison group, unless it is chosen as the reference group (``exclude``).

Over several procedures, years or agencies the counts are pooled with the Mantel–Haenszel odds
ratio, the Cochran–Mantel–Haenszel test and the Breslow–Day test of homogeneity with Tarone's
correction (:func:`pool`).

Pure: numpy and scipy only; every function is deterministic and every result JSON-serialisable
(``dataclasses.asdict``; ``None`` where a figure is undefined, never NaN or infinity).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import special

WITH = "mit Migrationshintergrund"
WITHOUT = "ohne Migrationshintergrund"
NOT_DECLARED = "keine Angabe"
STANDARD_GROUPS = (WITH, WITHOUT, NOT_DECLARED)
OVERALL = "overall"
"""The pseudo-stage of the whole procedure: entered the first stage, passed the last one."""

ALPHA = 0.05
FOUR_FIFTHS = (4, 5)  # adverse impact when SR_g / SR_c < 4/5
Z95 = 1.959963984540054  # the 97.5 % point of the standard normal distribution
MIN_EXPECTED = 5.0  # Fisher's exact test when an expected cell is below this
FISHER_TOLERANCE = 1e-7  # tables as likely as the observed one up to this, as R's fisher.test
STRATUM_FIELDS = ("procedure", "organisation", "year", "career_group")

Test = Literal["z", "fisher"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class Procedure:
    """The counts of one selection procedure: per stage (in order) and group.

    ``entered[k][j]`` applicants of group ``groups[j]`` reached stage ``stages[k]`` and
    ``passed[k][j]`` of them passed it. Counts are whole numbers with
    ``0 ≤ passed ≤ entered``; lists and numpy arrays are accepted and stored as tuples.

    >>> p = Procedure("P1", ("Bewerbung", "Test"), (WITH, WITHOUT), ((10, 20), (5, 15)),
    ...               ((5, 15), (2, 9)), year=2024)
    >>> p.count("Test", WITHOUT)
    (15, 9)
    >>> Procedure("P", ("A",), ("x",), ((3,),), ((4,),))
    Traceback (most recent call last):
    ...
    ValueError: passed (4) exceeds entered (3) at stage 'A', group 'x'
    """

    procedure: str
    stages: tuple[str, ...]
    groups: tuple[str, ...]
    entered: tuple[tuple[int, ...], ...]
    passed: tuple[tuple[int, ...], ...]
    organisation: str = ""
    year: int | None = None
    career_group: str = ""

    def __post_init__(self) -> None:
        stages, groups = tuple(self.stages), tuple(self.groups)
        if not stages or not groups:
            raise ValueError("a procedure needs at least one stage and one group")
        if len(set(stages)) != len(stages) or len(set(groups)) != len(groups):
            raise ValueError("stages and groups must be distinct")
        entered = _matrix(self.entered, len(stages), len(groups), "entered")
        passed = _matrix(self.passed, len(stages), len(groups), "passed")
        for k, stage in enumerate(stages):
            for j, group in enumerate(groups):
                e, s = entered[k][j], passed[k][j]
                if e < 0 or s < 0:
                    raise ValueError(f"negative count at stage {stage!r}, group {group!r}")
                if s > e:
                    raise ValueError(
                        f"passed ({s}) exceeds entered ({e}) at stage {stage!r}, group {group!r}"
                    )
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "entered", entered)
        object.__setattr__(self, "passed", passed)

    @classmethod
    def from_counts(
        cls,
        procedure: str,
        counts: Iterable[tuple[str, str, int, int]],
        *,
        stages: Sequence[str],
        groups: Sequence[str] | None = None,
        organisation: str = "",
        year: int | None = None,
        career_group: str = "",
    ) -> Procedure:
        """From ``(stage, group, entered, passed)`` rows; a missing combination counts 0.

        ``groups`` defaults to the standard groups first, then others in order of appearance.

        >>> p = Procedure.from_counts("P", [("B", WITHOUT, 8, 4), ("B", WITH, 5, 1)], stages=["B"])
        >>> p.groups, p.entered, p.passed
        (('mit Migrationshintergrund', 'ohne Migrationshintergrund'), ((5, 8),), ((1, 4),))
        """
        rows = list(counts)
        if groups is None:
            seen = list(dict.fromkeys(g for _s, g, _e, _p in rows))
            groups = [g for g in STANDARD_GROUPS if g in seen] + [
                g for g in seen if g not in STANDARD_GROUPS
            ]
        stage_at = {s: k for k, s in enumerate(stages)}
        group_at = {g: j for j, g in enumerate(groups)}
        entered = [[0] * len(groups) for _ in stages]
        passed = [[0] * len(groups) for _ in stages]
        for stage, group, e, s in rows:
            entered[stage_at[stage]][group_at[group]] += int(e)
            passed[stage_at[stage]][group_at[group]] += int(s)
        return cls(
            procedure,
            tuple(stages),
            tuple(groups),
            tuple(map(tuple, entered)),
            tuple(map(tuple, passed)),
            organisation=organisation,
            year=year,
            career_group=career_group,
        )

    def count(self, stage: str, group: str) -> tuple[int, int]:
        """``(entered, passed)`` of one stage and group."""
        k, j = self.stages.index(stage), self.groups.index(group)
        return self.entered[k][j], self.passed[k][j]

    def key(self, fields: Sequence[str] = STRATUM_FIELDS) -> tuple[Any, ...]:
        """The values of ``fields`` (names from :data:`STRATUM_FIELDS`)."""
        return tuple(getattr(self, name) for name in fields)


def _matrix(values: Any, rows: int, cols: int, name: str) -> tuple[tuple[int, ...], ...]:
    out = tuple(tuple(_whole(v, name) for v in row) for row in values)
    if len(out) != rows or any(len(row) != cols for row in out):
        raise ValueError(f"{name} must have one row per stage and one column per group")
    return out


def _whole(value: Any, name: str) -> int:
    number = int(value)
    if number != value:
        raise ValueError(f"{name} must hold whole numbers, not {value!r}")
    return number


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class StageResult:
    """One group at one stage (or :data:`OVERALL`); the fields of ``ikoe barriers``.

    ``compared_with`` is the comparison group of the fields from ``impact_ratio`` to
    ``flip_one_reverses`` (``None`` for the comparison group itself, for groups that are not
    compared and where no comparison is possible). ``four_fifths`` is ``True`` when the
    four-fifths rule finds adverse impact. ``highest_rate_group`` and ``impact_ratio_highest``
    give the view against the group with the highest rate whatever the reference.
    """

    stage: str
    group: str
    entered: int
    passed: int
    selection_rate: float | None
    compared_with: str | None
    impact_ratio: float | None
    ir_ci_low: float | None
    ir_ci_high: float | None
    four_fifths: bool | None
    test: Test | None
    p_value: float | None
    p_holm: float | None
    shortfall: float | None
    flip_one_reverses: bool | None
    highest_rate_group: str | None
    impact_ratio_highest: float | None


@dataclass(frozen=True)
class PooledResult:
    """One group at one stage, pooled over strata (:func:`pool`).

    ``strata`` counts the strata in which both groups had applicants at the stage; ``entered``
    and ``passed`` (and ``compared_*``) are the sums over those. ``odds_ratio`` is the
    Mantel–Haenszel estimate of the common odds ratio of passing (group against comparison
    group; below 1: lower odds), with the Robins–Breslow–Greenland 95 % interval;
    ``cmh_statistic`` and ``p_value`` the Cochran–Mantel–Haenszel test with continuity
    correction, ``p_holm`` its Holm correction over all pooled tests; ``homogeneity_*`` the
    Breslow–Day test (Tarone's correction) that the odds ratio is the same in every stratum.
    """

    stage: str
    group: str
    compared_with: str
    strata: int
    entered: int
    passed: int
    compared_entered: int
    compared_passed: int
    odds_ratio: float | None
    or_ci_low: float | None
    or_ci_high: float | None
    cmh_statistic: float | None
    p_value: float | None
    p_holm: float | None
    homogeneity_statistic: float | None
    homogeneity_df: int | None
    homogeneity_p: float | None


# --------------------------------------------------------------------------------------------
# The 2×2 statistics, vectorised: group g (a_g applicants, s_g passed) against c


def selection_rate(passed: int, entered: int) -> float | None:
    """``passed/entered``; ``None`` when nobody entered.

    >>> selection_rate(18, 120), selection_rate(0, 0)
    (0.15, None)
    """
    return passed / entered if entered > 0 else None


def four_fifths(sg: int, ag: int, sc: int, ac: int) -> bool | None:
    """Adverse impact by the four-fifths rule: ``s_g/a_g < 0.8 · s_c/a_c``, in whole numbers.

    A ratio of exactly 0.8 is not adverse impact; when nobody of the comparison group passed,
    no group is below it. ``None`` when a group has no applicants.

    >>> four_fifths(8, 20, 10, 20), four_fifths(7, 20, 10, 20), four_fifths(0, 5, 0, 9)
    (False, True, False)
    """
    if ag <= 0 or ac <= 0:
        return None
    num, den = FOUR_FIFTHS
    return den * sg * ac < num * sc * ag


def _lchoose(n: FloatArray, k: FloatArray) -> FloatArray:
    result: FloatArray = (
        special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    )
    return result


_FISHER_CELLS = 1 << 20  # grid cells computed at once


def fisher_p(
    sg: npt.ArrayLike, ag: npt.ArrayLike, sc: npt.ArrayLike, ac: npt.ArrayLike
) -> FloatArray:
    """Two-sided p of Fisher's exact test for the tables ``[[s_g, a_g−s_g], [s_c, a_c−s_c]]``.

    The sum of the hypergeometric probabilities (margins fixed) of all tables no more likely
    than the observed one, with a relative tolerance of 1e-7 for ties, as R's ``fisher.test``;
    it agrees with ``scipy.stats.fisher_exact`` (tests/test_stats_barriers.py). Vectorised:
    tables of similar support width are done together on one grid.

    >>> fisher_p([1, 3], [10, 3], [9, 0], [10, 3]).round(6).tolist()
    [0.001093, 0.1]
    """
    x = np.asarray(sg, dtype=np.int64)
    n1 = np.asarray(ag, dtype=np.int64)
    n2 = np.asarray(ac, dtype=np.int64)
    k = x + np.asarray(sc, dtype=np.int64)
    lo = np.maximum(0, k - n2)
    hi = np.minimum(n1, k)
    width = hi - lo + 1
    out = np.ones(x.shape, dtype=np.float64)
    if x.size == 0:
        return out
    tolerance = math.log1p(FISHER_TOLERANCE)
    # Tables of similar width together: widths up to 2, 4, 8, … share a grid of that width.
    bucket = np.ceil(np.log2(np.maximum(width, 1))).astype(np.int64)
    for b in np.unique(bucket).tolist():
        members = np.flatnonzero(bucket == b)
        w = int(width[members].max())
        step = max(1, _FISHER_CELLS // w)
        for begin in range(0, members.size, step):
            idx = members[begin : begin + step]
            grid = lo[idx, None] + np.arange(w)[None, :]
            valid = grid <= hi[idx, None]
            g = np.where(valid, grid, lo[idx, None]).astype(np.float64)
            f1 = n1[idx, None].astype(np.float64)
            f2 = n2[idx, None].astype(np.float64)
            fk = k[idx, None].astype(np.float64)
            log_pmf = _lchoose(f1, g) + _lchoose(f2, fk - g) - _lchoose(f1 + f2, fk)
            observed = np.take_along_axis(log_pmf, (x[idx] - lo[idx])[:, None], axis=1)
            keep = valid & (log_pmf <= observed + tolerance)
            out[idx] = np.minimum(1.0, np.where(keep, np.exp(log_pmf), 0.0).sum(axis=1))
    return out


def z_test_p(
    sg: npt.ArrayLike, ag: npt.ArrayLike, sc: npt.ArrayLike, ac: npt.ArrayLike
) -> FloatArray:
    """Two-sided p of the two-proportion z test with the pooled rate ``P``.

    ``z = (s_g/a_g − s_c/a_c) / √(P(1−P)(1/a_g + 1/a_c))``, ``P = (s_g+s_c)/(a_g+a_c)``,
    ``p = 2·Φ(−|z|)``; 1 where ``P`` is 0 or 1 (no difference can be seen).

    30 of 100 against 50 of 100: P = 0.4, z = −0.2/√(0.24·0.02) = −2.887, p = 0.00389.

    >>> z_test_p([30], [100], [50], [100]).round(5).tolist()
    [0.00389]
    """
    s1 = np.asarray(sg, dtype=np.float64)
    n1 = np.asarray(ag, dtype=np.float64)
    s2 = np.asarray(sc, dtype=np.float64)
    n2 = np.asarray(ac, dtype=np.float64)
    pooled = (s1 + s2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / se
    p: FloatArray = np.where(se > 0, np.minimum(1.0, 2 * special.ndtr(-np.abs(z))), 1.0)
    return p


def needs_fisher(
    sg: npt.ArrayLike, ag: npt.ArrayLike, sc: npt.ArrayLike, ac: npt.ArrayLike
) -> BoolArray:
    """Whether an expected cell of the 2×2 table is below 5 (row total × column total / n).

    >>> needs_fisher([30, 3], [100, 10], [50, 6], [100, 10]).tolist()
    [False, True]
    """
    n1 = np.asarray(ag, dtype=np.float64)
    n2 = np.asarray(ac, dtype=np.float64)
    k = np.asarray(sg, dtype=np.float64) + np.asarray(sc, dtype=np.float64)
    n = n1 + n2
    smallest: FloatArray = np.minimum(n1, n2) * np.minimum(k, n - k) / n
    return smallest < MIN_EXPECTED


def rate_test(
    sg: npt.ArrayLike, ag: npt.ArrayLike, sc: npt.ArrayLike, ac: npt.ArrayLike
) -> tuple[BoolArray, FloatArray]:
    """Which test (``True``: Fisher) and its two-sided p, for each table.

    30 of 100 against 50 of 100: every expected cell is at least 5, the z test. 1 of 10
    against 6 of 10: 7 passes, expected 10·7/20 = 3.5 < 5, Fisher's exact test.

    >>> fisher, p = rate_test([30, 1], [100, 10], [50, 6], [100, 10])
    >>> fisher.tolist(), p.round(6).tolist()
    ([False, True], [0.003892, 0.057276])
    """
    s1 = np.asarray(sg, dtype=np.int64)
    n1 = np.asarray(ag, dtype=np.int64)
    s2 = np.asarray(sc, dtype=np.int64)
    n2 = np.asarray(ac, dtype=np.int64)
    fisher = needs_fisher(s1, n1, s2, n2)
    p = np.empty(s1.shape, dtype=np.float64)
    if (~fisher).any():
        p[~fisher] = z_test_p(s1[~fisher], n1[~fisher], s2[~fisher], n2[~fisher])
    if fisher.any():
        p[fisher] = fisher_p(s1[fisher], n1[fisher], s2[fisher], n2[fisher])
    return fisher, p


def impact_ratio_ci(
    sg: npt.ArrayLike, ag: npt.ArrayLike, sc: npt.ArrayLike, ac: npt.ArrayLike, z: float = Z95
) -> tuple[FloatArray, FloatArray]:
    """The 95 % interval of ``IR = (s_g/a_g)/(s_c/a_c)`` on the log scale (Katz).

    ``ln IR ± z·√(1/s_g − 1/a_g + 1/s_c − 1/a_c)``. When one of the four cells of the table
    (passed or failed, in either group) is 0, 0.5 is added to each cell first (Haldane–Anscombe),
    and the interval is widened to include the ratio itself where it does not: with no passes
    in the group the ratio is 0, and so is the lower bound. NaN (``None`` in results) where the
    ratio is undefined: no applicants in a group, or no passes in the comparison group.

    18 of 120 against 45 of 150: IR = 0.15/0.30 = 0.5, SE = √(1/18 − 1/120 + 1/45 − 1/150)
    = 0.2506, interval 0.5·exp(∓1.96·0.2506) = [0.306, 0.817]. No passes in a group of 10
    against 50 of 100: IR = 0; with 0.5 added to each cell the upper bound is
    (0.5/11)/(50.5/101)·exp(1.96·√(1/0.5 − 1/11 + 1/50.5 − 1/101)) = 1.373.

    >>> low, high = impact_ratio_ci([18, 0], [120, 10], [45, 50], [150, 100])
    >>> low.round(3).tolist(), high.round(3).tolist()
    ([0.306, 0.0], [0.817, 1.373])
    """
    s1 = np.asarray(sg, dtype=np.float64)
    n1 = np.asarray(ag, dtype=np.float64)
    s2 = np.asarray(sc, dtype=np.float64)
    n2 = np.asarray(ac, dtype=np.float64)
    defined = (n1 > 0) & (n2 > 0) & (s2 > 0)
    zero_cell = (s1 == 0) | (s1 == n1) | (s2 == 0) | (s2 == n2)
    add = np.where(zero_cell, 0.5, 0.0)
    c1, m1, c2, m2 = s1 + add, n1 + 2 * add, s2 + add, n2 + 2 * add
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (s1 * n2) / (n1 * s2)
        log_ratio = np.log((c1 * m2) / (m1 * c2))
        se = np.sqrt(np.maximum(1 / c1 - 1 / m1 + 1 / c2 - 1 / m2, 0.0))
        low = np.exp(log_ratio - z * se)
        high = np.exp(log_ratio + z * se)
    low = np.where(defined, np.minimum(low, ratio), np.nan)
    high = np.where(defined, np.maximum(high, ratio), np.nan)
    return low, high


def holm(p: npt.ArrayLike, family: npt.ArrayLike | None = None) -> FloatArray:
    """Holm's step-down adjustment (Holm 1979) within each family of tests.

    Sorted ascending, the i-th of m p-values (i from 1) becomes ``(m − i + 1)·p``, capped at 1
    and never below the adjusted value before it. ``family`` gives each test's family (all one
    family by default); NaN stays NaN and does not count.

    >>> holm([0.01, 0.04, 0.03, 0.005]).round(4).tolist()
    [0.03, 0.06, 0.06, 0.02]
    >>> holm([0.01, 0.04, 0.03], family=[0, 1, 0]).round(4).tolist()
    [0.02, 0.04, 0.03]
    """
    values = np.asarray(p, dtype=np.float64)
    fam = np.zeros(values.size, dtype=np.int64) if family is None else np.asarray(family)
    out = np.full(values.size, np.nan)
    ok = ~np.isnan(values)
    if not ok.any():
        return out
    where = np.flatnonzero(ok)
    v, f = values[ok], np.unique(fam[ok], return_inverse=True)[1].reshape(-1)
    order = np.lexsort((v, f))
    fs, vs = f[order], v[order]
    sizes = np.bincount(fs)
    first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    rank = np.arange(vs.size) - first[fs]  # 0 for the smallest of each family
    adjusted = np.minimum(1.0, (sizes[fs] - rank) * vs)
    # The running maximum within each family, on a grid of families × ranks.
    grid = np.full((sizes.size, int(sizes.max())), -np.inf)
    grid[fs, rank] = adjusted
    running = np.maximum.accumulate(grid, axis=1)[fs, rank]
    out[where[order]] = running
    return out


# --------------------------------------------------------------------------------------------
# Analysis of procedures


@dataclass
class _Stacked:
    """All procedures as one table of rows (stage or OVERALL) × groups."""

    groups: list[str]
    stage: list[str]  # per row
    proc: IntArray  # per row: index of the procedure
    entered: IntArray  # rows × groups
    passed: IntArray
    present: BoolArray  # whether the group belongs to the row's procedure
    position: IntArray  # the group's place among its procedure's groups
    first_row: list[int]  # per procedure


def _stack(procedures: Sequence[Procedure]) -> _Stacked:
    groups: list[str] = []
    index: dict[str, int] = {}
    for p in procedures:
        for g in p.groups:
            if g not in index:
                index[g] = len(groups)
                groups.append(g)
    sizes = [len(p.stages) + (1 if len(p.stages) > 1 else 0) for p in procedures]
    total = sum(sizes)
    entered = np.zeros((total, len(groups)), dtype=np.int64)
    passed = np.zeros((total, len(groups)), dtype=np.int64)
    present = np.zeros((total, len(groups)), dtype=bool)
    position = np.zeros((total, len(groups)), dtype=np.int64)
    stage: list[str] = []
    first: list[int] = []
    row = 0
    for p, size in zip(procedures, sizes, strict=True):
        cols = [index[g] for g in p.groups]
        e = np.asarray(p.entered, dtype=np.int64)
        s = np.asarray(p.passed, dtype=np.int64)
        k = len(p.stages)
        block = slice(row, row + size)
        if cols == list(range(len(cols))) and len(cols) == len(groups):
            target_e, target_s = entered[block], passed[block]
            target_e[:k], target_s[:k] = e, s
            if size > k:
                target_e[k], target_s[k] = e[0], s[-1]
            present[block] = True
            position[block] = np.arange(len(groups))
        else:
            entered[row : row + k, cols] = e
            passed[row : row + k, cols] = s
            if size > k:
                entered[row + k, cols] = e[0]
                passed[row + k, cols] = s[-1]
            present[block, cols] = True
            position[block, cols] = np.arange(len(cols))
        stage.extend(p.stages)
        if size > k:
            stage.append(OVERALL)
        first.append(row)
        row += size
    proc = np.repeat(np.arange(len(procedures), dtype=np.int64), sizes)
    return _Stacked(groups, stage, proc, entered, passed, present, position, first)


def _compared_mask(
    groups: Sequence[str], exclude: Collection[str], reference: str | None
) -> BoolArray:
    return np.array([g not in exclude or g == reference for g in groups], dtype=bool)


def _finding(
    sg: IntArray, ag: IntArray, sc: IntArray, ac: IntArray, alpha: float
) -> tuple[BoolArray, BoolArray, BoolArray, FloatArray]:
    """Four-fifths finding, significance, test used (Fisher) and p for each table."""
    num, den = FOUR_FIFTHS
    adverse = den * sg * ac < num * sc * ag
    fisher, p = rate_test(sg, ag, sc, ac)
    return adverse, p < alpha, fisher, p


def _flips(
    sg: IntArray,
    ag: IntArray,
    sc: IntArray,
    ac: IntArray,
    adverse: BoolArray,
    significant: BoolArray,
    alpha: float,
) -> BoolArray:
    """Whether one changed decision (s_g ± 1 or s_c ± 1, within 0..a) reverses a finding."""
    n = sg.size
    variants = [
        (sg + 1, sc, sg < ag),
        (sg - 1, sc, sg > 0),
        (sg, sc + 1, sc < ac),
        (sg, sc - 1, sc > 0),
    ]
    flip = np.zeros(n, dtype=bool)
    rows = np.concatenate([np.flatnonzero(ok) for _g, _c, ok in variants])
    if rows.size == 0:
        return flip
    vg = np.concatenate([g[ok] for g, _c, ok in variants])
    vc = np.concatenate([c[ok] for _g, c, ok in variants])
    adv, sig, _fisher, _p = _finding(vg, ag[rows], vc, ac[rows], alpha)
    changed = (adv != adverse[rows]) | (sig != significant[rows])
    np.logical_or.at(flip, rows, changed)
    return flip


def _clean(value: float) -> float | None:
    return value if math.isfinite(value) else None


def analyse_all(
    procedures: Sequence[Procedure],
    reference: str | None = None,
    *,
    exclude: Collection[str] = (NOT_DECLARED,),
    alpha: float = ALPHA,
) -> list[list[StageResult]]:
    """:func:`analyse` for many procedures at once (vectorised); one list per procedure.

    Holm's correction is applied within each procedure.
    """
    if reference is not None and not any(reference in p.groups for p in procedures):
        raise ValueError(f"the reference group {reference!r} occurs in no procedure")
    if not procedures:
        return []
    st = _stack(procedures)
    groups = st.groups
    n_rows, n_groups = st.entered.shape
    e, s = st.entered, st.passed
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(e > 0, s / np.maximum(e, 1), np.nan)
    compared = _compared_mask(groups, exclude, reference)
    comparable = st.present & (e > 0) & compared[None, :]
    score = np.where(comparable, rate, -np.inf)
    # The highest rate; on a tie the group with the most applicants, then the first.
    at_max = comparable & (score == score.max(axis=1, keepdims=True))
    highest = np.argmax(np.where(at_max, e, -1), axis=1)
    has_highest: BoolArray = np.asarray(comparable.any(axis=1))
    if reference is None:
        comp, has_comp = highest, has_highest
    else:
        ref = groups.index(reference)
        comp = np.full(n_rows, ref, dtype=np.int64)
        has_comp = comparable[:, ref]
    col_ids = np.arange(n_groups)[None, :]
    pairs = comparable & has_comp[:, None] & (col_ids != comp[:, None])
    r_idx, g_idx = np.nonzero(pairs)
    c_idx = comp[r_idx]
    ag, sg = e[r_idx, g_idx], s[r_idx, g_idx]
    ac, sc = e[r_idx, c_idx], s[r_idx, c_idx]

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sc > 0, (sg * ac) / (ag * sc.astype(np.float64)), np.nan)
        # a_g·P − s_g = (a_g·s_c − a_c·s_g)/(a_g + a_c): one rounding only
        shortfall = (ag * sc - ac * sg) / (ag + ac).astype(np.float64)
    low, high = impact_ratio_ci(sg, ag, sc, ac)
    adverse, significant, fisher, p = _finding(sg, ag, sc, ac, alpha)
    flip = _flips(sg, ag, sc, ac, adverse, significant, alpha)
    p_holm = holm(p, st.proc[r_idx])

    top_e = e[np.arange(n_rows), highest][:, None]
    top_s = s[np.arange(n_rows), highest][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ir_highest = np.where(
            st.present & (e > 0) & has_highest[:, None] & (top_s > 0),
            (s * top_e) / (e * top_s.astype(np.float64)),
            np.nan,
        )

    # One result per group of each row, in the procedure's order of groups.
    cell_r, cell_g = np.nonzero(st.present)
    order = np.lexsort((st.position[cell_r, cell_g], cell_r))
    cell_r, cell_g = cell_r[order], cell_g[order]
    pair_at = np.full((n_rows, n_groups), -1, dtype=np.int64)
    pair_at[r_idx, g_idx] = np.arange(r_idx.size)
    k = pair_at[cell_r, cell_g]
    is_pair = k >= 0
    kk = np.where(is_pair, k, 0)
    ce, cs = e[cell_r, cell_g], s[cell_r, cell_g]
    own = has_comp[cell_r] & (comp[cell_r] == cell_g)
    names = np.array([*groups, None], dtype=object)
    columns = [
        np.array(st.stage, dtype=object)[cell_r],
        names[cell_g],
        ce,
        cs,
        _nullable(rate[cell_r, cell_g], ce > 0),
        names[np.where(is_pair, comp[cell_r], n_groups)],
        _nullable(np.where(is_pair, _take(ratio, kk), 1.0), is_pair | (own & (cs > 0))),
        _nullable(_take(low, kk), is_pair),
        _nullable(_take(high, kk), is_pair),
        _nullable(_take(adverse, kk), is_pair),
        _nullable(np.where(_take(fisher, kk), "fisher", "z"), is_pair),
        _nullable(_take(p, kk), is_pair),
        _nullable(_take(p_holm, kk), is_pair),
        _nullable(_take(shortfall, kk), is_pair),
        _nullable(_take(flip, kk), is_pair),
        names[np.where(has_highest[cell_r], highest[cell_r], n_groups)],
        _nullable(ir_highest[cell_r, cell_g], np.ones(cell_r.size, dtype=bool)),
    ]
    made = [_result(values) for values in zip(*(c.tolist() for c in columns), strict=True)]
    counts = np.bincount(st.proc[cell_r], minlength=len(procedures)).tolist()
    bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
    return [made[bounds[i] : bounds[i + 1]] for i in range(len(procedures))]


def _take(values: npt.NDArray[Any], index: IntArray) -> npt.NDArray[Any]:
    """``values[index]``, also when ``values`` is empty (then every index is masked anyway)."""
    if values.size == 0:
        return np.zeros(index.size, dtype=values.dtype)
    return values[index]


def _nullable(values: npt.NDArray[Any], defined: BoolArray) -> npt.NDArray[Any]:
    """Python values (float, bool, str) with ``None`` where not defined or not finite."""
    out = values.astype(object)
    if values.dtype.kind == "f":
        defined = defined & np.isfinite(values)
    out[~defined] = None
    return out


_RESULT_FIELDS = tuple(f for f in StageResult.__dataclass_fields__)


def _result(values: tuple[Any, ...]) -> StageResult:
    """A :class:`StageResult` from its values in field order.

    Hundreds of thousands are made at once (bench/bench_barriers.py): filling the instance's
    dictionary directly takes half the time of the frozen dataclass's ``__init__``, which sets
    each field through ``object.__setattr__``. The instance stays frozen.
    """
    result = object.__new__(StageResult)
    result.__dict__.update(zip(_RESULT_FIELDS, values, strict=True))
    return result


def analyse(
    procedure: Procedure,
    reference: str | None = None,
    *,
    exclude: Collection[str] = (NOT_DECLARED,),
    alpha: float = ALPHA,
) -> list[StageResult]:
    """Every stage of a procedure, and the whole procedure (:data:`OVERALL`), for every group.

    Results come stage by stage in the procedure's order, then :data:`OVERALL` (left out when
    the procedure has one stage only), each with the procedure's groups in order. Each
    compared group is compared with ``reference`` or, when none is given, the group with the
    highest selection rate at that stage (on a tie, the one with the most applicants there,
    then the first). Groups in
    ``exclude`` (default: "keine Angabe") get only their counts, rate and
    ``impact_ratio_highest``; a group chosen as reference is compared all the same.

    Worked example: 120 applicants with a migration background, 18 invited; 150 others, 45
    invited. SR 0.15 against 0.30: IR 0.5 (four-fifths rule: adverse impact). Expected cells
    are at least 5, so the z test: P = 63/270, z = −0.15/√(P(1−P)(1/120 + 1/150)) = −2.896, p = 0.0038. Shortfall
    120·63/270 − 18 = 10 persons.

    >>> p = Procedure("Polizei 2024", ("Auswahlgespräch",), (WITH, WITHOUT, NOT_DECLARED),
    ...               ((120, 150, 7),), ((18, 45, 3),))
    >>> mit, ohne, ka = analyse(p)
    >>> mit.compared_with, mit.impact_ratio, mit.four_fifths, mit.test, round(mit.p_value, 4)
    ('ohne Migrationshintergrund', 0.5, True, 'z', 0.0038)
    >>> round(mit.shortfall, 6), mit.flip_one_reverses
    (10.0, False)
    >>> ohne.impact_ratio, ohne.compared_with, round(ka.selection_rate, 4), ka.impact_ratio
    (1.0, None, 0.4286, None)
    >>> ka.highest_rate_group, round(ka.impact_ratio_highest, 4)
    ('ohne Migrationshintergrund', 1.4286)
    """
    return analyse_all([procedure], reference, exclude=exclude, alpha=alpha)[0]


# --------------------------------------------------------------------------------------------
# Pooling over strata


def _stratum_ids(procedures: Sequence[Procedure], by: Sequence[str]) -> IntArray:
    unknown = [f for f in by if f not in STRATUM_FIELDS]
    if unknown:
        raise ValueError(f"unknown stratum fields {unknown}; choose from {STRATUM_FIELDS}")
    ids: dict[tuple[Any, ...], int] = {}
    return np.array([ids.setdefault(p.key(by), len(ids)) for p in procedures], dtype=np.int64)


def pool(
    procedures: Sequence[Procedure],
    by: Sequence[str],
    reference: str | None = None,
    *,
    exclude: Collection[str] = (NOT_DECLARED,),
) -> list[PooledResult]:
    """Pool the procedures over strata: Mantel–Haenszel, Cochran–Mantel–Haenszel, Breslow–Day.

    The strata are the distinct values of the fields ``by`` (from :data:`STRATUM_FIELDS`,
    e.g. ``("organisation", "year")``). Procedures of one stratum are added up stage by stage
    (matched by the stage's name); :data:`OVERALL` adds up each procedure's own whole
    procedure. For each stage, each compared group is compared with ``reference`` or, when none
    is given, with the group of the highest rate over all strata together (ties as in
    :func:`analyse`). Strata in which
    one of the two groups had no applicants at the stage carry no information and are left
    out.

    Three agencies, 2×2 tables [[s_g, f_g], [s_c, f_c]] = [[2, 8], [5, 5]], [[3, 7], [6, 4]],
    [[1, 9], [4, 6]] (n = 20 each): OR_MH = Σ(s_g·f_c/n) / Σ(f_g·s_c/n) = (0.5 + 0.6 + 0.3) /
    (2 + 2.1 + 1.8) = 0.2373; Σ(s_g − E) = 6 − 10.5 = −4.5 with E = 10·c1/20 and c1 = 7, 9, 5;
    Var = Σ 10·10·c1·c2/(20²·19) = (7·13 + 9·11 + 5·15)·100/7600 = 3.4868;
    CMH = (4.5 − 0.5)²/3.4868 = 4.5887, p = 0.0322 (χ² with 1 df).

    >>> def agency(code, sg, sc):
    ...     return Procedure("P", ("Test",), (WITH, WITHOUT), ((10, 10),), ((sg, sc),), organisation=code)
    >>> [r] = pool([agency("A", 2, 5), agency("B", 3, 6), agency("C", 1, 4)], by=["organisation"])
    >>> r.group, r.compared_with, r.strata, round(r.odds_ratio, 4), round(r.cmh_statistic, 4)
    ('mit Migrationshintergrund', 'ohne Migrationshintergrund', 3, 0.2373, 4.5887)
    >>> round(r.p_value, 4), r.homogeneity_df, round(r.homogeneity_p, 2)
    (0.0322, 2, 0.94)
    """
    if reference is not None and not any(reference in p.groups for p in procedures):
        raise ValueError(f"the reference group {reference!r} occurs in no procedure")
    if not procedures:
        return []
    stratum = _stratum_ids(procedures, by)
    st = _stack(procedures)
    stages = list(dict.fromkeys(s for p in procedures for s in p.stages))
    if any(len(p.stages) > 1 for p in procedures):
        stages.append(OVERALL)
    stage_index = {s: k for k, s in enumerate(stages)}
    row_stage = np.array([stage_index[s] for s in st.stage], dtype=np.int64)
    row_stratum = stratum[st.proc]
    n_strata = int(stratum.max()) + 1
    # (stage, stratum) cells: counts summed over the procedures of the stratum.
    cell = row_stage * n_strata + row_stratum
    n_groups = len(st.groups)
    flat_e = np.zeros((len(stages) * n_strata, n_groups), dtype=np.int64)
    flat_s = np.zeros_like(flat_e)
    np.add.at(flat_e, cell, st.entered)
    np.add.at(flat_s, cell, st.passed)
    e = flat_e.reshape(len(stages), n_strata, n_groups)
    s = flat_s.reshape(len(stages), n_strata, n_groups)
    compared = _compared_mask(st.groups, exclude, reference)

    found: list[dict[str, Any]] = []
    for k, stage in enumerate(stages):
        te, ts = e[k].sum(axis=0), s[k].sum(axis=0)
        comparable = (te > 0) & compared
        if reference is not None:
            c = st.groups.index(reference)
            if not comparable[c]:
                continue
        elif comparable.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                crude = np.where(comparable, ts / np.maximum(te, 1), -np.inf)
            at_max = comparable & (crude == crude.max())
            c = int(np.argmax(np.where(at_max, te, -1)))
        else:
            continue
        for j in np.flatnonzero(comparable):
            if j == c:
                continue
            found.append(
                {"stage": stage, "group": st.groups[j], "compared_with": st.groups[c]}
                | _pooled_2x2(s[k][:, j], e[k][:, j], s[k][:, c], e[k][:, c])
            )
    adjusted = holm([np.nan if r["p_value"] is None else r["p_value"] for r in found])
    return [
        PooledResult(**r, p_holm=_clean(h)) for r, h in zip(found, adjusted.tolist(), strict=True)
    ]


def _pooled_2x2(sg: IntArray, ag: IntArray, sc: IntArray, ac: IntArray) -> dict[str, Any]:
    """Mantel–Haenszel, CMH and Breslow–Day over the strata of one stage and group pair."""
    use = (ag > 0) & (ac > 0)
    sg, ag, sc, ac = sg[use], ag[use], sc[use], ac[use]
    result: dict[str, Any] = {
        "strata": int(use.sum()),
        "entered": int(ag.sum()),
        "passed": int(sg.sum()),
        "compared_entered": int(ac.sum()),
        "compared_passed": int(sc.sum()),
        "odds_ratio": None,
        "or_ci_low": None,
        "or_ci_high": None,
        "cmh_statistic": None,
        "p_value": None,
        "homogeneity_statistic": None,
        "homogeneity_df": None,
        "homogeneity_p": None,
    }
    if not use.any():
        return result
    a = sg.astype(np.float64)
    b = (ag - sg).astype(np.float64)
    c = sc.astype(np.float64)
    d = (ac - sc).astype(np.float64)
    n = a + b + c + d
    r1, r2, c1, c2 = a + b, c + d, a + c, b + d
    # Mantel–Haenszel odds ratio and the Robins–Breslow–Greenland variance of its log.
    big_r, big_s = a * d / n, b * c / n
    sum_r, sum_s = big_r.sum(), big_s.sum()
    if sum_s > 0:
        odds = sum_r / sum_s
        result["odds_ratio"] = float(odds)
        if sum_r > 0:
            pp, qq = (a + d) / n, (b + c) / n
            var = (
                (pp * big_r).sum() / (2 * sum_r**2)
                + (pp * big_s + qq * big_r).sum() / (2 * sum_r * sum_s)
                + (qq * big_s).sum() / (2 * sum_s**2)
            )
            half = Z95 * math.sqrt(var)
            result["or_ci_low"] = math.exp(math.log(odds) - half)
            result["or_ci_high"] = math.exp(math.log(odds) + half)
    # Cochran–Mantel–Haenszel with continuity correction (not applied when |Δ| < 0.5, as R).
    delta = float((a - r1 * c1 / n).sum())
    variance = float((r1 * r2 * c1 * c2 / (n**2 * (n - 1))).sum())
    if variance > 0:
        correction = 0.5 if abs(delta) >= 0.5 else 0.0
        statistic = (abs(delta) - correction) ** 2 / variance
        result["cmh_statistic"] = statistic
        result["p_value"] = float(special.chdtrc(1, statistic))
    # Breslow–Day with Tarone's correction, over strata with both outcomes.
    odds = result["odds_ratio"]
    informative = (c1 > 0) & (c2 > 0)
    if odds is not None and odds > 0 and informative.sum() >= 2:
        a_, r1_, c1_, n_ = a[informative], r1[informative], c1[informative], n[informative]
        expected = _expected_first_cell(odds, r1_, c1_, n_)
        v = 1 / (
            1 / expected
            + 1 / (r1_ - expected)
            + 1 / (c1_ - expected)
            + 1 / (n_ - r1_ - c1_ + expected)
        )
        statistic = float(((a_ - expected) ** 2 / v).sum() - (a_ - expected).sum() ** 2 / v.sum())
        df = int(informative.sum()) - 1
        result["homogeneity_statistic"] = statistic
        result["homogeneity_df"] = df
        result["homogeneity_p"] = float(special.chdtrc(df, max(statistic, 0.0)))
    return result


def _expected_first_cell(odds: float, r1: FloatArray, c1: FloatArray, n: FloatArray) -> FloatArray:
    """The count E of the first cell for which the stratum's odds ratio equals ``odds``.

    Margins fixed: ``E·(n − r1 − c1 + E) = odds·(r1 − E)·(c1 − E)``, the root between
    ``max(0, r1 + c1 − n)`` and ``min(r1, c1)``.
    """
    quad = 1.0 - odds
    lin = n - r1 - c1 + odds * (r1 + c1)
    const = -odds * r1 * c1
    if abs(quad) < 1e-12:
        return np.asarray(-const / lin, dtype=np.float64)
    root = np.sqrt(lin**2 - 4 * quad * const)
    # Both roots without cancellation; the one inside the margins is the answer.
    q = -0.5 * (lin + np.copysign(root, lin))
    first, second = q / quad, const / q
    low, high = np.maximum(0.0, r1 + c1 - n), np.minimum(r1, c1)
    inside = (first >= low - 1e-9) & (first <= high + 1e-9)
    return np.asarray(np.where(inside, first, second), dtype=np.float64)
