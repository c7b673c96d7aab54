"""Stock-flow projection of the share of staff with a migration background (docs/targets.md).

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
(or what the applicant pool supplies): :class:`Requirement` says which.

Pure: the standard library only. Shares, rates and growth are fractions (0.2 for 20 %).

The example of the methodology: from 10 % to 20 % in 10 years with 5 % exits and no growth
takes 34.9 % of the hires to have a migration background: r = 0.95, r¹⁰ = 0.598737,
h* = (0.20 − 0.10·0.598737)/(1 − 0.598737) = 0.140126/0.401263 = 0.349213.

>>> round(required_hiring_share(0.10, 0.20, 10, 0.05).share, 6)
0.349213
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _fraction(name: str, value: float, *, upper: float = 1.0) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0.0 or value > upper:
        raise ValueError(f"{name} must lie between 0 and {upper:g}, not {value!r}")
    return value


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
    g = float(growth)
    if not math.isfinite(g) or g <= -1.0:
        raise ValueError(f"the growth must be above −100 %, not {growth!r}")
    if 1.0 + g < 1.0 - s - 1e-12:
        raise ValueError(
            f"with {s:.0%} exits the workforce cannot shrink by more than {s:.0%} a year "
            f"without dismissals (growth {g!r})"
        )
    return (1.0 - s) / (1.0 + g)


def share_after(
    share: float, years: int, exit_rate: float, hiring_share: float, growth: float = 0.0
) -> float:
    """``p_T = h + (p₀ − h)·r^T``.

    >>> round(share_after(0.10, 10, 0.05, 0.349213), 6)
    0.2
    >>> round(share_after(0.10, 0, 0.05, 0.5), 12)
    0.1
    """
    p0 = _fraction("the share", share)
    h = _fraction("the hiring share", hiring_share)
    if years < 0:
        raise ValueError("the years must not be negative")
    r = retention(exit_rate, growth)
    return h + (p0 - h) * r**years


def trajectory(
    share: float, years: int, exit_rate: float, hiring_share: float, growth: float = 0.0
) -> list[float]:
    """The share in each year ``0 … years`` (year 0 is ``share``), by the recursion.

    >>> [round(p, 4) for p in trajectory(0.10, 3, 0.05, 0.30)]
    [0.1, 0.11, 0.1195, 0.1285]
    """
    p = _fraction("the share", share)
    h = _fraction("the hiring share", hiring_share)
    if years < 0:
        raise ValueError("the years must not be negative")
    r = retention(exit_rate, growth)
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
    """

    status: str
    share: float | None  # h*; None where no hiring share reaches the target

    @property
    def feasible(self) -> bool:
        return self.status in ("reached", "feasible")


def required_hiring_share(
    share: float,
    target: float,
    years: int,
    exit_rate: float,
    growth: float = 0.0,
    *,
    pool: float | None = None,
) -> Requirement:
    """``h* = (p* − p₀·r^T)/(1 − r^T)``, with whether it can be done.

    >>> required_hiring_share(0.10, 0.20, 10, 0.05)
    Requirement(status='feasible', share=0.349213...)
    >>> required_hiring_share(0.10, 0.50, 2, 0.05).status  # 0.5 in 2 years: 4.0 of the hires
    'impossible'
    >>> required_hiring_share(0.10, 0.20, 10, 0.05, pool=0.25)
    Requirement(status='above_pool', share=0.349213...)
    >>> required_hiring_share(0.25, 0.20, 10, 0.05)
    Requirement(status='reached', share=None)
    """
    p0 = _fraction("the share", share)
    target = _fraction("the target", target)
    if years < 1:
        raise ValueError("the years to the target must be at least 1")
    if p0 >= target:
        return Requirement("reached", None)
    r = retention(exit_rate, growth)
    if r >= 1.0:
        return Requirement("impossible", None)  # nobody is hired
    rt = r**years
    h = (target - p0 * rt) / (1.0 - rt)
    if h > 1.0 + 1e-12:
        return Requirement("impossible", h)
    if pool is not None and h > _fraction("the applicant pool's share", pool) + 1e-12:
        return Requirement("above_pool", h)
    return Requirement("feasible", h)


def years_to_target(
    share: float, target: float, exit_rate: float, hiring_share: float, growth: float = 0.0
) -> float | None:
    """``T = ln((h − p*)/(h − p₀))/ln r``: years until the share reaches ``target`` at hiring
    share ``h`` (0 when reached already; ``None`` when it never does: ``h ≤ p*``).

    >>> round(years_to_target(0.10, 0.20, 0.05, 0.349213), 3)
    10.0
    >>> years_to_target(0.10, 0.20, 0.05, 0.20) is None  # the share only approaches 20 %
    True
    >>> years_to_target(0.30, 0.20, 0.05, 0.10)
    0.0
    """
    p0 = _fraction("the share", share)
    target = _fraction("the target", target)
    h = _fraction("the hiring share", hiring_share)
    if p0 >= target:
        return 0.0
    r = retention(exit_rate, growth)
    if h <= target or r >= 1.0:
        return None
    return math.log((h - target) / (h - p0)) / math.log(r)


def steady_state(hiring_share: float) -> float:
    """The share the workforce tends to: the hiring share (with one exit rate for everybody).

    >>> steady_state(0.3)
    0.3
    """
    return _fraction("the hiring share", hiring_share)
