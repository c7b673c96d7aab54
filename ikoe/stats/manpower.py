"""Markov manpower model by career group (docs/projection.md, "By career group").

The staff of an administration stand on a ladder of career groups (einfacher, mittlerer,
gehobener, höherer Dienst; :data:`CAREER_GROUPS`, lowest first). A promotion matrix ``P``
says, for a member of career group ``i`` (row), which share of them is in group ``j`` a year
later: ``P[i][i]`` stay, ``P[i][j]`` for ``j > i`` are promoted, and the rest of the row,
``1 − Σ_j P[i][j]``, leave. The matrix may be the same for staff with and without a migration
background, or differ (``promotion_other``). Each year recruits join every career group, and a
share ``h_j`` of the recruits to group ``j`` have a migration background (the hiring share):

    m(t+1) = m(t)·P_m + h ⊙ R(t+1),    o(t+1) = o(t)·P_o + (1 − h) ⊙ R(t+1)

(``m``, ``o``: row vectors of stocks with and without a migration background per career group;
``⊙``: per group). The recruits ``R`` are given in persons per group, or follow from the size
each group shall have: the same size as now (``growth=0``), or growing by ``g`` a year, where
``R_j(t+1) = N_j(t)·(1 + g_j) − (m(t)·P_m + o(t)·P_o)_j`` — never negative (a group that is
to shrink faster than its staff leave or move up would need dismissals, refused).

With one career group, ``P_m = [[1 − s_m]]``, ``P_o = [[1 − s_o]]`` and growth ``g`` this is
the stock-flow model of :mod:`ikoe.stats.projection`.

**Estimating P from two surveys** (:func:`estimate_promotions`). Two cross-sections give the
stocks per career group in two years, not who moved: with ``K`` groups that is ``K`` equations
for the ``K(K+1)/2`` upward moves and stays of the matrix, which are not identified. With three
assumptions they are: (1) the exit rate of each career group is known (the personnel
statistics record leavers by career group), (2) the recruits per career group between the two
years are known, and (3) promotions go one step up only (the Aufstieg into the next career
group). Then each row has one unknown, the promotion rate ``u_i`` to the next group
(``P[i][i] = 1 − e_i − u_i``, ``P[i][i+1] = u_i``), and

    n_j(t+1) − R_j(t+1) − n_j(t)(1 − e_j) = −n_j(t)·u_j + n_{j−1}(t)·u_{j−1}

are ``K`` linear equations for ``K − 1`` unknowns per pair of years. Their sum holds no
promotion — the whole staff changes by the recruits less the leavers — so it checks the exit
rates and recruits; the other ``K − 1`` determine the rates from the lowest group up. They are
solved by least squares in persons under the bounds ``0 ≤ u_i ≤ 1 − e_i`` (scipy's
``lsq_linear``); further survey years add equations. Residuals say how well the assumptions
fit, an estimate on a bound that they do not (``at_bound``). Survey stocks are estimates: the
rates inherit their error, which is large for a small group (one person of a group of 50 is
two points of its promotion rate). Whether the matrix
differs by background is estimated by calling it with each background's stocks, recruits and
exit rates.

Pure: numpy and scipy. Stocks may be weighted estimates (fractions of persons).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CAREER_GROUPS = ("einfacher Dienst", "mittlerer Dienst", "gehobener Dienst", "höherer Dienst")

Matrix = Sequence[Sequence[float]] | np.ndarray
_EPS = 1e-9


def _vector(name: str, values: Sequence[float], k: int) -> np.ndarray:
    out = np.asarray(values, dtype=float)
    if out.shape != (k,):
        raise ValueError(f"{name} needs one number per career group ({k}), not {len(values)}")
    if not np.all(np.isfinite(out)) or np.any(out < 0.0):
        raise ValueError(f"{name} must be numbers of at least 0, not {list(values)!r}")
    return out


def _per_group(name: str, value: float | Sequence[float], k: int, *, upper: float) -> np.ndarray:
    out = np.full(k, float(value)) if isinstance(value, int | float) else _vector(name, value, k)
    if not np.all(np.isfinite(out)) or np.any(out < 0.0) or np.any(out > upper):
        raise ValueError(f"{name} must lie between 0 and {upper:g}, not {value!r}")
    return out


def _matrix(name: str, promotion: Matrix, k: int) -> np.ndarray:
    p = np.asarray(promotion, dtype=float)
    if p.shape != (k, k):
        raise ValueError(f"{name} must have {k} rows of {k} numbers (one per career group)")
    if not np.all(np.isfinite(p)) or np.any(p < 0.0):
        raise ValueError(f"{name} must hold shares of at least 0")
    rows = p.sum(axis=1)
    if np.any(rows > 1.0 + _EPS):
        i = int(np.argmax(rows))
        raise ValueError(
            f"row {i + 1} of {name} adds up to {rows[i]:.4g}: more than everybody (the rest of a "
            "row are those who leave)"
        )
    return p


def ladder(exit_rates: Sequence[float], promotion_rates: Sequence[float]) -> np.ndarray:
    """The promotion matrix of exits ``e_i`` and promotions ``u_i`` to the next group only.

    >>> ladder([0.10, 0.05], [0.20]).tolist()  # stay 1 − 0.10 − 0.20, promoted 0.20
    [[0.7, 0.2], [0.0, 0.95]]
    """
    k = len(exit_rates)
    e = _per_group("the exit rates", exit_rates, k, upper=1.0)
    u = np.asarray(promotion_rates, dtype=float)
    if u.shape != (k - 1,):
        raise ValueError(
            f"the promotion rates need one number per career group but the highest ({k - 1})"
        )
    p = np.diag(1.0 - e)
    for i, rate in enumerate(u):
        p[i, i] -= rate
        p[i, i + 1] = rate
    return _matrix("the promotion matrix", p, k)


@dataclass(frozen=True)
class ManpowerYear:
    """The staff of one year per career group: ``group`` with a migration background, ``other``
    without (or not declared); ``recruits`` and ``group_recruits`` joined each career group in
    the year before (0 in year 0)."""

    year: int
    group: tuple[float, ...]
    other: tuple[float, ...]
    recruits: tuple[float, ...]
    group_recruits: tuple[float, ...]

    @property
    def staff(self) -> tuple[float, ...]:
        return tuple(m + o for m, o in zip(self.group, self.other, strict=True))

    @property
    def shares(self) -> tuple[float | None, ...]:
        """The share with a migration background per career group (``None``: nobody there)."""
        return tuple(m / n if n > 0 else None for m, n in zip(self.group, self.staff, strict=True))

    @property
    def share(self) -> float | None:
        """The share with a migration background of all career groups together."""
        n = sum(self.staff)
        return sum(self.group) / n if n > 0 else None


def project_manpower(
    group: Sequence[float],
    other: Sequence[float],
    promotion: Matrix,
    years: int,
    hiring_share: float | Sequence[float],
    *,
    promotion_other: Matrix | None = None,
    recruits: Sequence[float] | Sequence[Sequence[float]] | None = None,
    growth: float | Sequence[float] | None = None,
) -> list[ManpowerYear]:
    """Project the stocks year by year: ``m(t+1) = m(t)·P_m + h ⊙ R(t+1)`` and likewise ``o``.

    ``recruits``: persons per career group each year (one list for every year, or a list per
    year); otherwise ``growth`` (one rate, or one per group; default 0: each group keeps its
    size) sets the recruits. ``promotion_other``: the matrix of staff without a migration
    background (default: ``promotion``).

    Two groups, 100 and 50 with a migration background, 400 and 150 without, 10 % and 5 %
    leave, 20 % of the lower group are promoted; each group keeps its size, 30 % of recruits to
    both have a migration background. Lower group: 0.7·500 = 350 stay, 150 recruits,
    ``m = 70 + 45 = 115``. Upper group: 0.95·200 + 0.2·500 = 290 for 200 posts — too many:

    >>> P = ladder([0.10, 0.05], [0.20])
    >>> project_manpower([100, 50], [400, 150], P, 1, 0.3)
    Traceback (most recent call last):
    ...
    ValueError: in year 1 career group 2 would need 90 fewer staff than stay or are promoted: its size cannot be kept without dismissals

    Let the upper group grow by what comes instead (recruits given: 150 to the lower, none to
    the upper group): upper ``m = 0.95·50 + 0.2·100 = 67.5``, ``o = 142.5 + 80 = 222.5``, share
    ``67.5/290 = 0.232759``:

    >>> y = project_manpower([100, 50], [400, 150], P, 1, 0.3, recruits=[150, 0])[1]
    >>> [round(x, 9) for x in y.group + y.other], [round(s, 6) for s in y.shares]
    ([115.0, 67.5, 385.0, 222.5], [0.23, 0.232759])
    """
    m = _vector("the staff with a migration background", group, len(group))
    k = len(m)
    if k == 0:
        raise ValueError("there must be at least one career group")
    o = _vector("the other staff", other, k)
    p_m = _matrix("the promotion matrix", promotion, k)
    p_o = (
        p_m
        if promotion_other is None
        else _matrix("the promotion matrix of the other staff", promotion_other, k)
    )
    h = _per_group("the hiring share", hiring_share, k, upper=1.0)
    if int(years) != years or years < 0:
        raise ValueError(f"the years must be a whole number of at least 0, not {years!r}")
    if recruits is not None and growth is not None:
        raise ValueError("give either the recruits or the growth, not both")
    fixed: list[np.ndarray] | None = None
    if recruits is not None:
        given = np.asarray(recruits, dtype=float)
        if given.ndim == 1:
            fixed = [_vector("the recruits", given.tolist(), k)] * int(years)
        elif given.ndim == 2 and len(given) == years:
            fixed = [
                _vector(f"the recruits of year {t + 1}", r.tolist(), k) for t, r in enumerate(given)
            ]
        else:
            raise ValueError(
                f"the recruits need one number per career group ({k}), or such a list for each "
                f"year ({years})"
            )
    g = np.zeros(k) if growth is None else _growth(growth, k)

    zero = (0.0,) * k
    out = [ManpowerYear(0, tuple(m.tolist()), tuple(o.tolist()), zero, zero)]
    for t in range(1, int(years) + 1):
        stay_m, stay_o = m @ p_m, o @ p_o
        if fixed is not None:
            r = fixed[t - 1]
        else:
            r = (m + o) * (1.0 + g) - stay_m - stay_o
            worst = int(np.argmin(r))
            if r[worst] < -_EPS * max(1.0, float((m + o)[worst])):
                raise ValueError(
                    f"in year {t} career group {worst + 1} would need {-r[worst]:.4g} fewer staff "
                    "than stay or are promoted: its size cannot be kept without dismissals"
                )
            r = np.maximum(r, 0.0)
        m, o = stay_m + h * r, stay_o + (1.0 - h) * r
        out.append(
            ManpowerYear(
                t, tuple(m.tolist()), tuple(o.tolist()), tuple(r.tolist()), tuple((h * r).tolist())
            )
        )
    return out


def _growth(growth: float | Sequence[float], k: int) -> np.ndarray:
    g = (
        np.full(k, float(growth))
        if isinstance(growth, int | float)
        else np.asarray(growth, dtype=float)
    )
    if g.shape != (k,) or not np.all(np.isfinite(g)) or np.any(g <= -1.0):
        raise ValueError(
            f"the growth must be above −100 %, one rate or one per career group, not {growth!r}"
        )
    return g


@dataclass(frozen=True)
class PromotionEstimate:
    """Promotion rates estimated from stocks of several years (:func:`estimate_promotions`).

    ``promotion_rates[i]``: the share of group ``i`` promoted to group ``i + 1`` each year
    (``None`` where the group had nobody in every earlier year: not identified, taken as 0 in
    ``matrix``); ``at_bound``: the estimate lies on a bound (0, or everybody who does not leave),
    a sign that the assumptions do not fit; ``residuals[t][j]``: observed minus fitted stock of
    group ``j`` in year ``t + 1``, in persons.
    """

    promotion_rates: tuple[float | None, ...]
    matrix: tuple[tuple[float, ...], ...]
    residuals: tuple[tuple[float, ...], ...]
    at_bound: tuple[bool, ...]


def estimate_promotions(
    stocks: Sequence[Sequence[float]],
    recruits: Sequence[Sequence[float]],
    exit_rates: Sequence[float],
) -> PromotionEstimate:
    """Estimate the promotion rates to the next career group from the stocks of two (or more)
    years, with known exit rates and recruits (the assumptions in the module text).

    100 and 50 staff; 10 % and 5 % leave; 20 recruits to the lower group; 20 % promoted gives
    ``100·0.7 + 20 = 90`` and ``50·0.95 + 100·0.2 = 67.5`` a year later. Back from the stocks:
    row 1: ``90 − 20 − 90 = −100·u``, row 2: ``67.5 − 47.5 = 100·u``, so ``u = 0.2``:

    >>> e = estimate_promotions([[100, 50], [90, 67.5]], [[20, 0]], [0.10, 0.05])
    >>> [round(u, 9) for u in e.promotion_rates], e.matrix, e.at_bound
    ([0.2], ((0.7, 0.2), (0.0, 0.95)), (False,))
    """
    from scipy.optimize import lsq_linear

    if len(stocks) < 2:
        raise ValueError("the stocks of at least two years are needed")
    k = len(stocks[0])
    if k < 2:
        raise ValueError("with one career group there is nobody to promote")
    n = [_vector(f"the stocks of year {t + 1}", s, k) for t, s in enumerate(stocks)]
    if len(recruits) != len(n) - 1:
        raise ValueError(f"the recruits are needed between every two years ({len(n) - 1} lists)")
    rec = [_vector(f"the recruits before year {t + 2}", r, k) for t, r in enumerate(recruits)]
    e = _per_group("the exit rates", exit_rates, k, upper=1.0)

    # Rows: (year step, group); columns: u_0 … u_{K−2}.
    a = np.zeros(((len(n) - 1) * k, k - 1))
    b = np.zeros((len(n) - 1) * k)
    for t in range(len(n) - 1):
        before, after = n[t], n[t + 1]
        b[t * k : (t + 1) * k] = after - rec[t] - before * (1.0 - e)
        for i in range(k - 1):
            a[t * k + i, i] = -before[i]
            a[t * k + i + 1, i] = before[i]
    upper = 1.0 - e[:-1]
    free = [i for i in range(k - 1) if np.any(a[:, i] != 0.0) and upper[i] > 0.0]
    u = np.zeros(k - 1)
    if free:
        fit = lsq_linear(a[:, free], b, bounds=(np.zeros(len(free)), upper[free]), method="bvls")
        u[free] = fit.x
    residual = (b - a @ u).reshape(len(n) - 1, k)
    identified = [i in free or upper[i] == 0.0 for i in range(k - 1)]
    at_bound = tuple(
        bool(identified[i] and (u[i] <= _EPS or u[i] >= upper[i] - _EPS)) for i in range(k - 1)
    )
    matrix = ladder(e.tolist(), u.tolist())
    return PromotionEstimate(
        tuple(float(u[i]) if identified[i] else None for i in range(k - 1)),
        tuple(tuple(float(x) for x in row) for row in matrix),
        tuple(tuple(float(x) for x in row) for row in residual),
        at_bound,
    )
