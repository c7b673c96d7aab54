"""Stock-flow projection of the share of staff with a migration background (docs/projection.md).

A workforce of ``N`` persons, a share ``p`` of them with a migration background. Each year a
share ``s`` of the staff leaves (exit rate), the workforce grows by ``g`` (negative: shrinks),
and the vacancies are filled by hires of whom a share ``h`` have a migration background (the
hiring share). With one exit rate for everybody the share follows

    r = (1 − s) / (1 + g),        p_{t+1} = r·p_t + (1 − r)·h

(the staff who stay keep their share, the hires — a fraction ``1 − r`` of next year's staff —
bring theirs), so

    p_T = h + (p₀ − h)·r^T                                 (trajectory)
    h*  = (p* − p₀·r^T) / (1 − r^T)                         (hiring share to reach p* in T years)
    T   = ln((h − p*) / (h − p₀)) / ln r   for h > p* > p₀  (years to target)

and the share tends to the steady state ``h``. A target is infeasible when ``h*`` exceeds 1
(or what the applicant pool supplies): :class:`Requirement` says which, and why.

**Separate exit rates.** When staff with a migration background leave at ``s_m`` a year and the
others at ``s_o`` (keyword-only ``exit_rate_group`` and ``exit_rate_other``; each defaults to
``exit_rate``), the stocks ``M_t = p_t·N_t`` and ``O_t = N_t − M_t`` follow

    N_{t+1} = N_t·(1 + g)
    H_t     = N_{t+1} − M_t·(1 − s_m) − O_t·(1 − s_o)       (hires; never negative)
    M_{t+1} = M_t·(1 − s_m) + h·H_t,   O_{t+1} = O_t·(1 − s_o) + (1 − h)·H_t

Divided by ``N_{t+1}`` this is, for a fixed ``h``, again affine in the share:

    p_{t+1} = α·p_t + β,   α = ((1 − h)(1 − s_m) + h(1 − s_o)) / (1 + g),   β = h(g + s_o) / (1 + g)

so ``p_T = p∞ + (p₀ − p∞)·α^T`` with the steady state

    p∞ = β / (1 − α) = h(g + s_o) / (g + (1 − h)·s_m + h·s_o)

(without growth ``h·s_o / (h·s_o + (1 − h)·s_m)``: when the group leaves more often, hiring
alone cannot bring it to ``h``). With ``s_m = s_o`` it is ``α = r``, ``β = (1 − r)·h``, ``p∞ = h``.
But ``α`` depends on ``h``: who is hired changes how many leave next year, and so how many are
hired then. ``M_T`` is a polynomial of degree ``T`` in ``h``, not a linear function (see
:func:`workforce_trajectory`), so the required hiring share has no closed form beyond ``T = 1``;
it is found by Brent's method on ``[0, 1]``, where ``p_T`` increases with ``h`` (``∂p_{t+1}/∂h``
is the share of hires in next year's staff, ``≥ 0``, and ``∂p_{t+1}/∂p_t = α ≥ 0``).

Hires must not be negative (a workforce that shrinks faster than its staff leave would need
dismissals): :func:`trajectory` and :func:`share_after` check the path they compute; the
required hiring share, the years to target and the steady state with separate rates need the
workforce to shrink by no more than the lower exit rate, ``g ≥ −min(s_m, s_o)`` — then no
composition of the staff ever needs dismissals.

Pure: the standard library and scipy. Shares, rates and growth are fractions (0.2 for 20 %).

The example of the methodology: from 10 % to 20 % in 10 years with 5 % exits and no growth
takes 34.9 % of the hires to have a migration background: r = 0.95, r¹⁰ = 0.598737,
h* = (0.20 − 0.10·0.598737)/(1 − 0.598737) = 0.140126/0.401263 = 0.349213.

>>> round(required_hiring_share(0.10, 0.20, 10, 0.05).share, 6)
0.349213
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

_EPS = 1e-12


def _fraction(name: str, value: float, *, upper: float = 1.0) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0.0 or value > upper:
        raise ValueError(f"{name} must lie between 0 and {upper:g}, not {value!r}")
    return value


def _years(years: int, *, least: int = 0) -> int:
    if int(years) != years or years < least:
        raise ValueError(f"the years must be a whole number of at least {least}, not {years!r}")
    return int(years)


def _duration(years: float, *, least: float = 0.0) -> float:
    """Years for a closed form, which holds at a fractional time as well."""
    value = float(years)
    if not math.isfinite(value) or value < least:
        raise ValueError(f"the years must be at least {least:g}, not {years!r}")
    return value


def _growth(growth: float) -> float:
    g = float(growth)
    if not math.isfinite(g) or g <= -1.0:
        raise ValueError(f"the growth must be above −100 %, not {growth!r}")
    return g


def retention(exit_rate: float, growth: float = 0.0) -> float:
    """``r = (1 − s)/(1 + g)``: the part of next year's staff who were there this year.

    >>> retention(0.05), retention(0.05, 0.02) == 0.95 / 1.02
    (0.95, True)
    >>> retention(0.05, -0.10)  # a shrinking workforce may need no hires at all
    Traceback (most recent call last):
    ...
    ValueError: with 5% exits the workforce cannot shrink by more than 5% a year without dismissals (growth -0.1)
    """
    s = _fraction("the exit rate", exit_rate)
    g = _growth(growth)
    if 1.0 + g < 1.0 - s - _EPS:
        raise ValueError(
            f"with {s:.0%} exits the workforce cannot shrink by more than {s:.0%} a year "
            f"without dismissals (growth {g!r})"
        )
    return (1.0 - s) / (1.0 + g)


def _separate(
    exit_rate: float | None, exit_rate_group: float | None, exit_rate_other: float | None
) -> tuple[float, float] | None:
    """``(s_m, s_o)`` when separate rates are asked for and differ; ``None`` for one rate."""
    if exit_rate_group is None and exit_rate_other is None:
        return None
    s_m = exit_rate_group if exit_rate_group is not None else exit_rate
    s_o = exit_rate_other if exit_rate_other is not None else exit_rate
    if s_m is None or s_o is None:
        raise ValueError("separate exit rates need both the group's and the others' rate")
    s_m = _fraction("the exit rate of staff with a migration background", s_m)
    s_o = _fraction("the exit rate of the other staff", s_o)
    return None if s_m == s_o else (s_m, s_o)


def _no_dismissals(s_m: float, s_o: float, g: float) -> None:
    """``g ≥ −min(s_m, s_o)``: hires are never negative, whatever the composition."""
    low = min(s_m, s_o)
    if g < -low - _EPS:
        raise ValueError(
            f"with exit rates of {s_m:.0%} and {s_o:.0%} the workforce cannot shrink by more "
            f"than {low:.0%} a year (the lower rate) without dismissals for some composition of "
            f"the staff (growth {g!r})"
        )


def _affine(h: float, s_m: float, s_o: float, g: float) -> tuple[float, float]:
    """``(α, β)`` of ``p_{t+1} = α·p_t + β`` with separate exit rates.

    >>> _affine(0.30, 0.10, 0.05, 0.0)  # α = 0.7·0.9 + 0.3·0.95, β = 0.3·0.05
    (0.915, 0.015)
    """
    alpha = ((1.0 - h) * (1.0 - s_m) + h * (1.0 - s_o)) / (1.0 + g)
    beta = h * (g + s_o) / (1.0 + g)
    return alpha, beta


def _hires(p: float, s_m: float, s_o: float, g: float) -> float:
    """Hires in a year per member of this year's staff: ``g + s_m·p + s_o·(1 − p)``."""
    return g + s_m * p + s_o * (1.0 - p)


def _separate_after(p0: float, years: float, h: float, s_m: float, s_o: float, g: float) -> float:
    alpha, beta = _affine(h, s_m, s_o, g)
    if abs(1.0 - alpha) < _EPS:
        return p0 + years * beta
    steady = beta / (1.0 - alpha)
    return steady + (p0 - steady) * alpha**years


@dataclass(frozen=True)
class WorkforceYear:
    """One year of the stock-flow model: ``staff`` (``N_t``), of whom ``group`` (``M_t``) have a
    migration background; ``hires`` (``H_{t−1}``) and ``group_hires`` joined during the year
    before (0 in year 0)."""

    year: int
    staff: float
    group: float
    hires: float
    group_hires: float

    @property
    def share(self) -> float:
        return self.group / self.staff


def workforce_trajectory(
    share: float,
    years: int,
    exit_rate: float,
    hiring_share: float,
    growth: float = 0.0,
    *,
    staff: float = 1.0,
    exit_rate_group: float | None = None,
    exit_rate_other: float | None = None,
) -> list[WorkforceYear]:
    """The stocks and hires of each year ``0 … years``, year by year: ``N_{t+1} = N_t(1 + g)``,
    ``H_t = N_{t+1} − M_t(1 − s_m) − O_t(1 − s_o)``, ``M_{t+1} = M_t(1 − s_m) + h·H_t``.

    Half of 1 person with a migration background, 20 % of them leave, nobody else leaves: the
    stock after two years is ``0.32 + 0.16·h + 0.02·h²`` — not linear in ``h``:

    >>> [round(workforce_trajectory(0.5, 2, 0.0, h, exit_rate_group=0.2)[-1].group, 6)
    ...  for h in (0.0, 0.5, 1.0)]
    [0.32, 0.405, 0.5]

    1,000 staff, 10 % with a migration background, who leave at 10 % a year, the others at 5 %,
    30 % of hires with a migration background: ``H₀ = 1000 − 90 − 855 = 55``,
    ``M₁ = 90 + 0.3·55 = 106.5``:

    >>> y = workforce_trajectory(0.10, 1, 0.05, 0.30, staff=1000, exit_rate_group=0.10)[1]
    >>> round(y.staff, 9), round(y.hires, 9), round(y.group_hires, 9), round(y.group, 9)
    (1000.0, 55.0, 16.5, 106.5)

    A workforce that shrinks faster than its staff leave would need dismissals:

    (40 % of 1 with 10 % exits, 60 % with 2 %, 5 % shrinkage, no hires of the group: 0.002 and
    0.0003 are hired in years 1 and 2, but in year 3 0.2916 + 0.56693 stay for 0.857375 posts.)

    >>> workforce_trajectory(0.4, 3, 0.02, 0.0, -0.05, exit_rate_group=0.10)
    Traceback (most recent call last):
    ...
    ValueError: in year 3 the workforce shrinks by more than its staff leave: 0.001155 of 0.9025 would have to be dismissed (hires cannot be negative)
    """
    p0 = _fraction("the share", share)
    h = _fraction("the hiring share", hiring_share)
    years = _years(years)
    g = _growth(growth)
    s_m = _fraction(
        "the exit rate of staff with a migration background",
        exit_rate if exit_rate_group is None else exit_rate_group,
    )
    s_o = _fraction(
        "the exit rate of the other staff",
        exit_rate if exit_rate_other is None else exit_rate_other,
    )
    n = float(staff)
    if not math.isfinite(n) or n <= 0.0:
        raise ValueError(f"the staff must be a positive number, not {staff!r}")
    m = p0 * n
    out = [WorkforceYear(0, n, m, 0.0, 0.0)]
    for t in range(1, years + 1):
        stay_m, stay_o = m * (1.0 - s_m), (n - m) * (1.0 - s_o)
        n_next = n * (1.0 + g)
        hires = n_next - stay_m - stay_o
        if hires < -_EPS * n_next:
            raise ValueError(
                f"in year {t} the workforce shrinks by more than its staff leave: "
                f"{-hires:.4g} of {n:.4g} would have to be dismissed (hires cannot be negative)"
            )
        hires = max(hires, 0.0)
        m, n = stay_m + h * hires, n_next
        out.append(WorkforceYear(t, n, m, hires, h * hires))
    return out


def share_after(
    share: float,
    years: float,
    exit_rate: float,
    hiring_share: float,
    growth: float = 0.0,
    *,
    exit_rate_group: float | None = None,
    exit_rate_other: float | None = None,
) -> float:
    """``p_T = h + (p₀ − h)·r^T``; with separate rates ``p_T = p∞ + (p₀ − p∞)·α^T``.

    >>> round(share_after(0.10, 10, 0.05, 0.349213), 6)
    0.2
    >>> round(share_after(0.10, 0, 0.05, 0.5), 12)
    0.1

    Separate rates (10 % exits of the group, 5 % of the others, ``h = 0.3``): ``α = 0.915``,
    ``β = 0.015``, ``p∞ = 0.015/0.085 = 0.176471``; ``p₁ = 0.915·0.1 + 0.015 = 0.1065``,
    ``p₂ = 0.915·0.1065 + 0.015 = 0.1124475``:

    >>> [round(share_after(0.10, t, 0.05, 0.30, exit_rate_group=0.10), 9) for t in (1, 2)]
    [0.1065, 0.1124475]
    """
    p0 = _fraction("the share", share)
    h = _fraction("the hiring share", hiring_share)
    span = _duration(years)
    rates = _separate(exit_rate, exit_rate_group, exit_rate_other)
    if rates is None:
        r = retention(
            exit_rate if exit_rate_group is None else exit_rate_group,
            growth,
        )
        return h + (p0 - h) * r**span
    s_m, s_o = rates
    g = _growth(growth)
    p_t = _separate_after(p0, span, h, s_m, s_o, g)
    # The path runs monotonically from p₀ to p_T and the hires are affine in the share:
    # they are not negative on the way when they are not at either end.
    if span and min(_hires(p0, s_m, s_o, g), _hires(p_t, s_m, s_o, g)) < -_EPS:
        raise ValueError(
            f"the workforce shrinks by more than its staff leave (growth {g!r}): "
            "it would need dismissals (hires cannot be negative)"
        )
    return p_t


def trajectory(
    share: float,
    years: int,
    exit_rate: float,
    hiring_share: float,
    growth: float = 0.0,
    *,
    exit_rate_group: float | None = None,
    exit_rate_other: float | None = None,
) -> list[float]:
    """The share in each year ``0 … years`` (year 0 is ``share``), by the recursion (with
    separate exit rates: of the stocks, :func:`workforce_trajectory`).

    >>> [round(p, 4) for p in trajectory(0.10, 3, 0.05, 0.30)]
    [0.1, 0.11, 0.1195, 0.1285]
    >>> [round(p, 7) for p in trajectory(0.10, 2, 0.05, 0.30, exit_rate_group=0.10)]
    [0.1, 0.1065, 0.1124475]
    """
    rates = _separate(exit_rate, exit_rate_group, exit_rate_other)
    if rates is not None:
        return [
            y.share
            for y in workforce_trajectory(
                share,
                years,
                exit_rate,
                hiring_share,
                growth,
                exit_rate_group=rates[0],
                exit_rate_other=rates[1],
            )
        ]
    p = _fraction("the share", share)
    h = _fraction("the hiring share", hiring_share)
    years = _years(years)
    r = retention(exit_rate if exit_rate_group is None else exit_rate_group, growth)
    out = [p]
    for _ in range(years):
        p = r * p + (1.0 - r) * h
        out.append(p)
    return out


@dataclass(frozen=True)
class Requirement:
    """The hiring share it takes to reach ``target`` from ``share`` in ``years`` years.

    ``status``: ``"reached"`` (the share is at or above the target already: ``share`` 0 and
    nothing to do), ``"feasible"``, ``"above_pool"`` (more than the applicant pool supplies,
    ``pool``), ``"impossible"`` (more than 100 % of the hires, or no hires at all because the
    workforce shrinks as fast as people leave).

    ``reason`` says why a target cannot be reached: ``"above_pool"``, ``"above_all_hires"``
    (``share`` above 1, or ``None`` with separate exit rates, where a share above 1 means
    nothing) or ``"no_hires"``; ``None`` when it can. ``reachable`` is the share reached by the
    deadline at the most that can be hired (the pool's share, or every hire), ``None`` when
    the target can be reached. Neither is part of the ``repr`` or of comparisons.
    """

    status: str
    share: float | None  # h*; None where no hiring share reaches the target
    reason: str | None = field(default=None, repr=False, compare=False)
    reachable: float | None = field(default=None, repr=False, compare=False)

    @property
    def feasible(self) -> bool:
        return self.status in ("reached", "feasible")


def required_hiring_share(
    share: float,
    target: float,
    years: float,
    exit_rate: float,
    growth: float = 0.0,
    *,
    pool: float | None = None,
    exit_rate_group: float | None = None,
    exit_rate_other: float | None = None,
) -> Requirement:
    """``h* = (p* − p₀·r^T)/(1 − r^T)``, with whether it can be done.

    >>> required_hiring_share(0.10, 0.20, 10, 0.05)
    Requirement(status='feasible', share=0.349213...)

    0.5 in 2 years takes ``(0.5 − 0.1·0.9025)/(1 − 0.9025) = 4.2026`` times all hires; with
    every hire, the share reaches ``1 − 0.9·0.9025 = 0.18775``:

    >>> r = required_hiring_share(0.10, 0.50, 2, 0.05)
    >>> r.status, round(r.share, 4), r.reason, round(r.reachable, 5)
    ('impossible', 4.2026, 'above_all_hires', 0.18775)
    >>> r = required_hiring_share(0.10, 0.20, 10, 0.05, pool=0.25)
    >>> r, r.reason, round(r.reachable, 4)  # 0.25 + (0.10 − 0.25)·0.598737
    (Requirement(status='above_pool', share=0.349213...), 'above_pool', 0.1602)
    >>> required_hiring_share(0.25, 0.20, 10, 0.05)
    Requirement(status='reached', share=None)
    >>> r = required_hiring_share(0.10, 0.20, 10, 0.0)  # nobody leaves, nobody is hired
    >>> r.status, r.reason, r.reachable
    ('impossible', 'no_hires', 0.1)

    With separate exit rates the share after one year is linear in ``h``, so for ``T = 1``
    ``h* = (p*(1 + g) − p₀(1 − s_m)) / (g + p₀·s_m + (1 − p₀)·s_o)``: from 10 % to 11 % with
    10 % exits of the group and 5 % of the others, ``(0.11 − 0.09)/(0.01 + 0.045) = 4/11``:

    >>> r = required_hiring_share(0.10, 0.11, 1, 0.05, exit_rate_group=0.10)
    >>> r.status, round(r.share, 12) == round(4 / 11, 12)
    ('feasible', True)
    >>> r = required_hiring_share(0.10, 0.20, 10, 0.05, exit_rate_group=0.10)
    >>> r.status, round(r.share, 4)  # more than with one rate of 5 % (0.3492)
    ('feasible', 0.437)
    """
    p0 = _fraction("the share", share)
    target = _fraction("the target", target)
    span = _duration(years, least=1.0)
    if pool is not None:
        pool = _fraction("the applicant pool's share", pool)
    if p0 >= target:
        return Requirement("reached", None)
    rates = _separate(exit_rate, exit_rate_group, exit_rate_other)
    if rates is not None:
        return _required_separate(p0, target, span, rates, _growth(growth), pool)
    s = exit_rate if exit_rate_group is None else exit_rate_group
    r = retention(s, growth)
    if r >= 1.0:
        return Requirement("impossible", None, "no_hires", p0)  # nobody is hired
    rt = r**span
    h = (target - p0 * rt) / (1.0 - rt)
    if h > 1.0 + _EPS:
        return Requirement("impossible", h, "above_all_hires", 1.0 + (p0 - 1.0) * rt)
    if pool is not None and h > pool + _EPS:
        return Requirement("above_pool", h, "above_pool", pool + (p0 - pool) * rt)
    return Requirement("feasible", h)


def _required_separate(
    p0: float,
    target: float,
    years: float,
    rates: tuple[float, float],
    g: float,
    pool: float | None,
) -> Requirement:
    from scipy.optimize import brentq

    s_m, s_o = rates
    _no_dismissals(s_m, s_o, g)

    def gap(h: float) -> float:
        return _separate_after(p0, years, h, s_m, s_o, g) - target

    best = target + gap(1.0)
    if best < target - _EPS:
        everyone = workforce_trajectory(
            p0, math.ceil(years), s_o, 1.0, g, exit_rate_group=s_m, exit_rate_other=s_o
        )
        reason = "no_hires" if all(y.hires <= _EPS for y in everyone) else "above_all_hires"
        return Requirement("impossible", None, reason, best)
    # p_T(0) ≤ p₀ < p* (hiring nobody of the group cannot raise its share) and p_T increases.
    h = 1.0 if gap(1.0) <= 0.0 else float(brentq(gap, 0.0, 1.0, xtol=1e-15, rtol=1e-15))
    if pool is not None and h > pool + _EPS:
        return Requirement("above_pool", h, "above_pool", target + gap(pool))
    return Requirement("feasible", h)


def years_to_target(
    share: float,
    target: float,
    exit_rate: float,
    hiring_share: float,
    growth: float = 0.0,
    *,
    exit_rate_group: float | None = None,
    exit_rate_other: float | None = None,
) -> float | None:
    """``T = ln((h − p*)/(h − p₀))/ln r``: years until the share reaches ``target`` at hiring
    share ``h`` (0 when reached already; ``None`` when it never does: ``h ≤ p*``).

    With separate exit rates ``T = ln((p∞ − p*)/(p∞ − p₀))/ln α`` (``None`` when ``p∞ ≤ p*``).
    ``T`` is the exact solution of the closed form at a fractional time: the target is reached
    during year ``⌈T⌉``, the first whole year whose share is at or above it.

    >>> round(years_to_target(0.10, 0.20, 0.05, 0.349213), 3)
    10.0
    >>> years_to_target(0.10, 0.20, 0.05, 0.20) is None  # the share only approaches 20 %
    True
    >>> years_to_target(0.30, 0.20, 0.05, 0.10)
    0.0

    Separate rates: ``α = 0.915``, ``p∞ = 3/17``; to 15 %:
    ``ln((3/17 − 0.15)/(3/17 − 0.10))/ln 0.915 = ln(0.45/1.3)/ln 0.915 = 11.94``; the trajectory
    is below 15 % after 11 years and above it after 12. 20 % lies above ``p∞``: never.

    >>> round(years_to_target(0.10, 0.15, 0.05, 0.30, exit_rate_group=0.10), 4)
    11.9426
    >>> years_to_target(0.10, 0.20, 0.05, 0.30, exit_rate_group=0.10) is None
    True
    """
    p0 = _fraction("the share", share)
    target = _fraction("the target", target)
    h = _fraction("the hiring share", hiring_share)
    if p0 >= target:
        return 0.0
    rates = _separate(exit_rate, exit_rate_group, exit_rate_other)
    if rates is not None:
        s_m, s_o = rates
        g = _growth(growth)
        _no_dismissals(s_m, s_o, g)
        alpha, beta = _affine(h, s_m, s_o, g)
        if alpha >= 1.0 - _EPS:
            return None  # α = 1 needs β = 0 here: the share stays where it is
        steady = beta / (1.0 - alpha)
        if steady <= target + _EPS:  # approached, never reached (within rounding)
            return None
        return math.log((steady - target) / (steady - p0)) / math.log(alpha)
    r = retention(exit_rate if exit_rate_group is None else exit_rate_group, growth)
    if h <= target or r >= 1.0:
        return None
    return math.log((h - target) / (h - p0)) / math.log(r)


def steady_state(
    hiring_share: float,
    *,
    exit_rate: float | None = None,
    growth: float = 0.0,
    exit_rate_group: float | None = None,
    exit_rate_other: float | None = None,
) -> float:
    """The share the workforce tends to: the hiring share with one exit rate for everybody;
    ``p∞ = h(g + s_o)/(g + (1 − h)s_m + h·s_o)`` with separate rates.

    >>> steady_state(0.3)
    0.3
    >>> round(steady_state(0.3, exit_rate_group=0.10, exit_rate_other=0.05), 6)  # 0.015/0.085
    0.176471
    >>> steady_state(0.3, exit_rate=0.05, exit_rate_group=0.05)  # the same rate twice: h
    0.3
    >>> steady_state(0.3, exit_rate=0.0)  # nobody leaves, nobody is hired
    Traceback (most recent call last):
    ...
    ValueError: the share does not move (nobody leaves and the workforce does not grow, so nobody is hired): there is no steady state

    With 2 % growth: ``0.3·0.07/(0.02 + 0.7·0.10 + 0.3·0.05) = 0.021/0.105 = 0.2``:

    >>> round(steady_state(0.3, growth=0.02, exit_rate_group=0.10, exit_rate_other=0.05), 12)
    0.2
    """
    h = _fraction("the hiring share", hiring_share)
    rates = _separate(exit_rate, exit_rate_group, exit_rate_other)
    if rates is None:
        one = exit_rate_group if exit_rate_group is not None else exit_rate
        if one is not None and retention(one, growth) >= 1.0:
            raise ValueError(
                "the share does not move (nobody leaves and the workforce does not grow, so "
                "nobody is hired): there is no steady state"
            )
        return h
    s_m, s_o = rates
    g = _growth(growth)
    _no_dismissals(s_m, s_o, g)
    denominator = g + (1.0 - h) * s_m + h * s_o
    if denominator <= _EPS:
        raise ValueError(
            "the share does not move (nobody is hired once the workforce has shrunk as far as "
            "its staff leave): there is no steady state"
        )
    return h * (g + s_o) / denominator
