"""An outside attacker on published selection funnels, written independently of the engine.

Nothing here comes from :mod:`ikoe.stats.disclosure`. The attacker reads what a page shows of
every funnel — its stages, the groups it lists, ``entered`` and ``passed`` per stage for each
group and the total (a number, or withheld), and per transition whether everybody who passed
went on — and knows the methodology (docs/disclosure.md, "Selection funnels"):

* every applicant of a procedure ends in exactly one outcome: failed at a stage, passed a stage
  but did not enter the next ("left"), or passed the last stage; so entered(k) is the sum of
  the outcomes at or after stage k, passed(k) = entered(k) − failed(k) and
  entered(k + 1) = passed(k) − left(k);
* where a procedure says that everybody who passed stage k went on, left(k) is 0;
* a group a procedure does not list has no applicants there; the groups every funnel lists
  (``always``) may have none; any other listed group has at least one applicant at the first
  stage; a procedure whose first-stage total is withheld has at least one applicant;
* the total of a funnel is the sum over its listed groups; a pooled funnel is the sum over the
  procedures with the same stages whose fields match its pool (all of them for an empty pool);
* counts are whole numbers ≥ 0.

Through the API (:func:`shown_from_api`) it reads the same from
``GET /api/v1/selection/<name>/funnels``, and may add what the analysis of each funnel serves:
a selection rate ``passed / entered`` is one more linear equation.

The unknowns are, per procedure, listed group and outcome, the number of applicants; every
published figure is an equation. The attacker's interval of any count (a withheld figure, or
a failed or left count, which pages never show) is its minimum and maximum under these
constraints: the linear program (HiGHS through ``scipy.optimize.linprog``, bounds rounded
inwards) or the integer program (``scipy.optimize.milp``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

ALL = "_T"
ENTERED, PASSED, FAILED, LEFT = "entered", "passed", "failed", "left"
FIELDS = ("organisation", "year", "career_group")


@dataclass(frozen=True)
class Shown:
    """One funnel as a page shows it.

    ``procedure`` is ``(name, organisation, year, career_group)`` or ``None`` for a pooled
    funnel with ``pool`` (fields and values); ``figures[(stage, group)]`` is
    ``(entered, passed)`` with ``None`` for a withheld count (``group`` ``_T``: the total);
    ``continues[k]``: everybody who passed stage ``k`` entered stage ``k + 1``.
    """

    stages: tuple[str, ...]
    procedure: tuple[Any, ...] | None
    pool: tuple[tuple[str, Any], ...]
    groups: tuple[str, ...]
    figures: Mapping[tuple[str, str], tuple[int | None, int | None]]
    continues: tuple[bool, ...]


POOLED_BY = {
    "all": (),
    "organisation": ("organisation",),
    "year": ("year",),
    "organisation+year": ("organisation", "year"),
}


def shown_from_api(
    served: Iterable[Mapping[str, Any]], continues: Mapping[tuple[Any, ...], Sequence[bool]]
) -> list[Shown]:
    """What ``GET /api/v1/selection/<name>/funnels`` serves, as the attacker reads it.

    A funnel's ``pooling`` and its organisation (code), year and career group say which
    procedures it sums; a figure not served (the API lists no total ``_T``) is withheld.
    ``continues`` (procedure key → whether everybody who passed each stage went on) is not
    served: the methodology assumes the attacker knows it, so the caller hands it over (for
    a pooled funnel: every procedure of it went on)."""
    funnels = []
    for f in served:
        stages = tuple(f["stages"])
        values = {
            "organisation": f["organisation"] or "",
            "year": f["year"],
            "career_group": f["career_group"] or "",
        }
        groups = tuple(g for g in f["groups"] if g != ALL)
        figures: dict[tuple[str, str], tuple[int | None, int | None]] = {
            (stage, g): (None, None) for stage in stages for g in (ALL, *groups)
        }
        for c in f["counts"]:
            figures[(c["stage"], c["group"])] = (c["entered"], c["passed"])
        if f["pooling"] == "procedure":
            procedure: tuple[Any, ...] | None = (f["procedure"], *values.values())
            pool: tuple[tuple[str, Any], ...] = ()
        else:
            procedure = None
            pool = tuple((name, values[name]) for name in POOLED_BY[f["pooling"]])
        funnels.append(Shown(stages, procedure, pool, groups, figures, ()))
    out = []
    for f in funnels:
        if f.procedure is not None:
            went_on = tuple(continues[f.procedure])
        else:
            pool = dict(f.pool)
            members = [
                continues[m.procedure]
                for m in funnels
                if m.procedure is not None
                and m.stages == f.stages
                and all(m.procedure[1 + FIELDS.index(k)] == v for k, v in pool.items())
            ]
            went_on = tuple(all(c[k] for c in members) for k in range(len(f.stages) - 1))
        out.append(Shown(f.stages, f.procedure, f.pool, f.groups, f.figures, went_on))
    return out


def shown(protection: Any) -> list[Shown]:
    """What the pages of a protection show (its public attributes only)."""
    out = []
    for key, funnel in protection.funnels.items():
        figures = {
            (row.stage, row.group): (row.entered.value, row.passed.value) for row in funnel.rows()
        }
        out.append(
            Shown(
                key.stages,
                key.procedure,
                key.pool,
                funnel.groups,
                figures,
                funnel.continues,
            )
        )
    return out


class Count(NamedTuple):
    """A count of a funnel: ``kind`` is entered, passed, failed or left; ``stage`` an index."""

    stages: tuple[str, ...]
    procedure: tuple[Any, ...] | None
    pool: tuple[tuple[str, Any], ...]
    stage: int
    group: str
    kind: str


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float

    @property
    def width(self) -> float:
        return self.upper - self.lower


class FunnelAttacker:
    """The attacker's program over the published funnels (see the module)."""

    def __init__(
        self,
        funnels: Iterable[Shown],
        always: Sequence[str],
        rates: Iterable[tuple[Count, Count, float]] = (),
    ) -> None:
        """``rates``: further figures served, each ``(numerator, denominator, value)`` with
        ``numerator = value · denominator`` (a selection rate: passed of a stage, or of the last
        stage, over entered of the stage, or of the first stage)."""
        self.funnels = list(funnels)
        self.always = set(always)
        self.procedures = [f for f in self.funnels if f.procedure is not None]
        # variables: per procedure, listed group and outcome
        self.index: dict[tuple[int, str, str, int], int] = {}
        for i, f in enumerate(self.procedures):
            for g in f.groups:
                for k in range(len(f.stages)):
                    self._var(i, g, FAILED, k)
                    if k < len(f.stages) - 1 and not f.continues[k]:
                        self._var(i, g, LEFT, k)
                self._var(i, g, PASSED, len(f.stages) - 1)
        self.size = len(self.index)
        rows: list[np.ndarray] = []
        lower: list[float] = []
        upper: list[float] = []
        for f in self.funnels:
            for k, stage in enumerate(f.stages):
                for g in (ALL, *f.groups):
                    entered, passed = f.figures[(stage, g)]
                    for kind, value in ((ENTERED, entered), (PASSED, passed)):
                        if value is not None:
                            rows.append(self.form(Count(f.stages, f.procedure, f.pool, k, g, kind)))
                            lower.append(value)
                            upper.append(value)
        for i, f in enumerate(self.procedures):
            stage = f.stages[0]
            for g in f.groups:
                if g not in self.always:
                    rows.append(self._procedure_form(i, g, ENTERED, 0))
                    lower.append(1.0)
                    upper.append(math.inf)
            if f.figures[(stage, ALL)][0] is None:
                rows.append(self._procedure_form(i, ALL, ENTERED, 0))
                lower.append(1.0)
                upper.append(math.inf)
        for numerator, denominator, value in rates:
            rows.append(self.form(numerator) - value * self.form(denominator))
            lower.append(0.0)
            upper.append(0.0)
        self.a = sp.csr_matrix(np.array(rows)) if rows else sp.csr_matrix((0, self.size))
        self.lower = np.array(lower)
        self.upper = np.array(upper)

    def _var(self, i: int, group: str, outcome: str, stage: int) -> None:
        self.index[(i, group, outcome, stage)] = len(self.index)

    # --- counts as sums of outcomes ----------------------------------------------------------

    def _procedure_form(self, i: int, group: str, kind: str, k: int) -> np.ndarray:
        f = self.procedures[i]
        row = np.zeros(self.size)
        groups = f.groups if group == ALL else ((group,) if group in f.groups else ())
        last = len(f.stages) - 1
        for g in groups:
            if kind == FAILED:
                row[self.index[(i, g, FAILED, k)]] += 1
                continue
            if kind == LEFT:
                at = self.index.get((i, g, LEFT, k))
                if at is not None:
                    row[at] += 1
                continue
            # entered(k): every outcome at or after stage k; passed(k) without failed(k)
            for j in range(k, last + 1):
                if j > k or kind == ENTERED:
                    row[self.index[(i, g, FAILED, j)]] += 1
                at = self.index.get((i, g, LEFT, j))
                if at is not None:
                    row[at] += 1
            row[self.index[(i, g, PASSED, last)]] += 1
        return row

    def members(self, count: Count) -> list[int]:
        """The procedures whose sum the count is."""
        if count.procedure is not None:
            return [
                i
                for i, f in enumerate(self.procedures)
                if f.procedure == count.procedure and f.stages == count.stages
            ]
        pool = dict(count.pool)
        return [
            i
            for i, f in enumerate(self.procedures)
            if f.stages == count.stages
            and all(f.procedure[1 + FIELDS.index(k)] == v for k, v in pool.items())  # type: ignore[index]
        ]

    def form(self, count: Count) -> np.ndarray:
        row = np.zeros(self.size)
        for i in self.members(count):
            row += self._procedure_form(i, count.group, count.kind, count.stage)
        return row

    # --- intervals ---------------------------------------------------------------------------

    def interval(self, count: Count, *, integer: bool = False) -> Interval:
        """The count's minimum and maximum over everything consistent with the pages."""
        c = self.form(count)
        low = self._optimum(c, integer)
        high = self._optimum(-c, integer)
        return Interval(
            math.ceil(low - 1e-6), math.inf if high is None else math.floor(-high + 1e-6)
        )

    def _optimum(self, c: np.ndarray, integer: bool) -> float:
        bounds = [(0, None)] * self.size
        if integer:
            constraints = (
                [LinearConstraint(self.a, self.lower, self.upper)] if self.a.shape[0] else []
            )
            res = milp(
                c,
                constraints=constraints,
                integrality=np.ones(self.size),
                bounds=Bounds(np.zeros(self.size), np.full(self.size, np.inf)),
            )
            if res.status == 0:
                return float(res.fun)
            if res.status in (3,) or "unbounded" in str(res.message).lower():
                return None  # type: ignore[return-value]
            raise AssertionError(f"integer program: {res.message}")
        eq = self.lower == self.upper
        ge = ~eq
        res = linprog(
            c,
            A_eq=self.a[eq] if eq.any() else None,
            b_eq=self.lower[eq] if eq.any() else None,
            A_ub=-self.a[ge] if ge.any() else None,
            b_ub=-self.lower[ge] if ge.any() else None,
            bounds=bounds,
            method="highs",
        )
        if res.status == 0:
            return float(res.fun)
        if res.status == 3:
            return None  # type: ignore[return-value]
        raise AssertionError(f"linear program: {res.message}")

    def feasible(self, x: np.ndarray) -> bool:
        """Whether outcome counts ``x`` agree with everything published."""
        ax = self.a @ x
        return bool(
            np.all(x >= 0) and np.all(ax >= self.lower - 1e-9) and np.all(ax <= self.upper + 1e-9)
        )


# ---------------------------------------------------------------------------------------------
# The truth (only the test has it) and what must be secret


def true_counts(funnels: Sequence[Shown], procedures: Sequence[Any]) -> dict[Count, int]:
    """Every count (entered, passed, failed, left) of every funnel, group and total, from the
    procedures' input counts (``FunnelCounts``-like: ``stages``, ``key``, ``count``)."""
    by_key = {(p.stages, p.key): p for p in procedures}
    out: dict[Count, int] = {}
    for f in funnels:
        if f.procedure is not None:
            members = [by_key[(f.stages, f.procedure)]]
        else:
            pool = dict(f.pool)
            members = [
                p
                for p in procedures
                if p.stages == f.stages and all(getattr(p, k) == v for k, v in pool.items())
            ]
        n = len(f.stages)
        for g in (ALL, *f.groups):
            for k, stage in enumerate(f.stages):
                e = s = nxt = 0
                for p in members:
                    groups = p.groups if g == ALL else (g,)
                    for h in groups:
                        e_, s_ = p.count(stage, h)
                        e += e_
                        s += s_
                        if k < n - 1:
                            nxt += p.count(f.stages[k + 1], h)[0]
                base = (f.stages, f.procedure, f.pool, k, g)
                out[Count(*base, ENTERED)] = e
                out[Count(*base, PASSED)] = s
                out[Count(*base, FAILED)] = e - s
                if k < n - 1:
                    out[Count(*base, LEFT)] = s - nxt
    return out


def sensitive_counts(
    truth: Mapping[Count, int],
    k: int = 3,
    *,
    sensitive: Sequence[str] = ("mit Migrationshintergrund",),
    undeclared: Sequence[str] = ("keine Angabe",),
    group_threshold: float = 1.0,
) -> set[Count]:
    """The counts that must stay secret, decided from the truth alone:

    * 1 to k − 1 applicants (any count of any funnel, group or total);
    * at a count of a funnel and stage where everybody whose group is known is in a sensitive
      group (and somebody is), the counts of every declared group there.
    """
    out = {c for c, v in truth.items() if 0 < v < k}
    by_node: dict[tuple[Any, ...], dict[str, int]] = {}
    for c, v in truth.items():
        if c.group != ALL:
            by_node.setdefault((c.stages, c.procedure, c.pool, c.stage, c.kind), {})[c.group] = v
    for node, values in by_node.items():
        declared = {g: v for g, v in values.items() if g not in undeclared}
        base = sum(declared.values())
        yes = sum(v for g, v in declared.items() if g in sensitive)
        if base > 0 and yes >= group_threshold * base - 1e-12:
            out |= {Count(*node[:4], g, node[4]) for g in declared}
    return out


def withheld(funnels: Sequence[Shown]) -> list[Count]:
    """Every figure a page withholds."""
    out = []
    for f in funnels:
        for k, stage in enumerate(f.stages):
            for g in (ALL, *f.groups):
                entered, passed = f.figures[(stage, g)]
                if entered is None:
                    out.append(Count(f.stages, f.procedure, f.pool, k, g, ENTERED))
                if passed is None:
                    out.append(Count(f.stages, f.procedure, f.pool, k, g, PASSED))
    return out


def is_shown(funnels: Sequence[Shown], count: Count) -> bool:
    """Whether a page shows the count (failed and left never are)."""
    if count.kind not in (ENTERED, PASSED):
        return False
    for f in funnels:
        if (f.stages, f.procedure, f.pool) == count[:3]:
            pair = f.figures.get((f.stages[count.stage], count.group))
            if pair is None:
                return False
            return (pair[0] if count.kind == ENTERED else pair[1]) is not None
    raise KeyError(count)
