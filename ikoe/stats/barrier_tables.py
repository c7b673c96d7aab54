"""Disclosure control of selection funnels (docs/disclosure.md, "Selection funnels").

A selection procedure has ordered stages (application, formally eligible, written test,
interview, offer, hire); per stage and applicant group it gives how many ``entered`` the stage
and how many ``passed`` it. Pages of the barrier analysis show these counts per procedure and
pooled over procedures with the same stages (by organisation, by year, all), and compute
selection rates, impact ratios, tests and shortfalls from the **published** counts only. So the
counts are what this module protects, with the engine of :mod:`ikoe.stats.disclosure`:

- **The funnel is a hierarchy.** Every applicant ends in exactly one outcome: failed at stage
  ``s`` (``F_s``), passed ``s`` but did not enter ``s + 1`` (``W_s``, "left"), or passed the last
  stage. With ``R_s`` "entered ``s``" and ``P_s`` "passed ``s``": ``R_1`` is the total,
  ``R_s = F_s + P_s`` and ``P_s = W_s + R_{s+1}``; the last ``P_K`` is a leaf. The nesting a
  reader knows (``passed ≤ entered``, ``entered(next) ≤ passed``) is exactly this additivity with
  ``F`` and ``W`` never negative. ``F`` and ``W`` are never published (pages show entered and
  passed); they are unknowns of the attacker's equations. Where nobody left after a stage in any
  procedure of a table, ``W_s`` is dropped and ``P_s`` *is* ``R_{s+1}`` (one figure).
- **One table per stage list**: funnel × procedures (a tree: all → the values of the pooling
  field with most values → procedure) × every further pooling field (crossed) × group (with
  the total ``_T``). Every pooled funnel a page shows is a subtotal of it. Procedures with other
  stages form other tables; no figure sums over two tables.
- **Primary rules** (:func:`primary_flags`), at least as strict as those of survey cells:
  frequency (a count of 1 to k − 1 at any node, group or total), group disclosure (everybody of
  a node whose group is known is in a sensitive group: knowing that someone reached, failed or
  left there gives their background away), and the outcome of a small group (a node with 1 to
  k − 1 applicants: how they split over its children is secret even when one side is 0, as a
  survey cell of fewer than k shows nothing, its share included).
- **Secondary suppression and audit** by the engine (:func:`ikoe.stats.disclosure.protect`):
  for everyone who knows every published count of every funnel of the table, the additivity,
  that counts are whole numbers ≥ 0, which groups and procedures are listed (a listed optional
  group has at least one applicant; a withheld procedure total is at least 1) and, per procedure
  and stage, whether everybody who passed went on, every secret count keeps an interval at
  least ``W`` wide.

Pure: numpy and :mod:`ikoe.stats.disclosure` only.

>>> p = FunnelCounts.from_matrix("P1", ("Bewerbung", "Test"), (WITH, WITHOUT),
...                              ((12, 30), (6, 20)), ((6, 20), (4, 9)), organisation="A", year=2024)
>>> q = FunnelCounts.from_matrix("P2", ("Bewerbung", "Test"), (WITH, WITHOUT),
...                              ((8, 25), (5, 16)), ((5, 16), (1, 10)), organisation="A", year=2024)
>>> out = protect_funnels([p, q], pool_by=("organisation",))
>>> one = out.procedure(q.key)
>>> fig = one.figure("Test", WITH)        # 1 of 5 passed: secret
>>> fig.passed.value, fig.passed.status.value, fig.passed.reasons
(None, 'primary', ('frequency',))
>>> one.figure("Bewerbung", WITHOUT).entered.value   # 25 applied: published
25
>>> out.pooled(("Bewerbung", "Test"), organisation="A").figure("Test", TOTAL).passed.value
24
>>> out.ok
True
"""

from __future__ import annotations

import enum
import itertools
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import scipy.sparse as sp

from ikoe.stats.disclosure import (
    TOTAL,
    AuditReport,
    CellSystem,
    Hierarchy,
    ProtectionFailed,
    Rules,
    Status,
    Table,
    audit,
    protect,
)
from ikoe.stats.disclosure.problem import Grid
from ikoe.stats.disclosure.secondary import default_cost, repair
from ikoe.stats.disclosure.table import aggregate

WITH = "mit Migrationshintergrund"
WITHOUT = "ohne Migrationshintergrund"
NOT_DECLARED = "keine Angabe"
STANDARD_GROUPS = (WITH, WITHOUT, NOT_DECLARED)
POOL_FIELDS = ("organisation", "year", "career_group")
"""Fields of a procedure's key that pooled funnels may be formed by."""

ENTERED, PASSED, FAILED, LEFT = "entered", "passed", "failed", "left"
"""The counts of a stage: who entered it, passed it, failed it, passed it but did not enter
the next stage. Only ``entered`` and ``passed`` are published."""

UNBOUNDED = float("inf")

ProcedureKey = tuple[str, str, int | None, str]
"""``(procedure, organisation, year, career_group)``."""
PoolValue = str | int | None


class FunnelReason(enum.IntFlag):
    """Why a count of a funnel is withheld (one count may have several reasons)."""

    FREQUENCY = 1
    ZERO = 2
    GROUP = 8
    SECONDARY = 32
    OUTCOME = 64


REASON_NAMES = {
    FunnelReason.FREQUENCY: "frequency",
    FunnelReason.ZERO: "zero",
    FunnelReason.GROUP: "group-disclosure",
    FunnelReason.OUTCOME: "small-group-outcome",
    FunnelReason.SECONDARY: "secondary",
}


def reason_names(flags: int) -> tuple[str, ...]:
    """Names of the reasons set in ``flags``, in a fixed order.

    >>> reason_names(FunnelReason.FREQUENCY | FunnelReason.OUTCOME)
    ('frequency', 'small-group-outcome')
    """
    return tuple(name for reason, name in REASON_NAMES.items() if int(flags) & reason)


# --------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True, eq=False)
class FunnelCounts:
    """The counts of one selection procedure.

    ``entered[(stage, group)]`` applicants of ``group`` reached ``stage`` and
    ``passed[(stage, group)]`` of them passed it; a missing pair counts 0. The groups are those
    named in the keys. Counts are whole numbers with ``0 ≤ passed ≤ entered`` and
    ``entered(next stage) ≤ passed(this stage)``.

    >>> f = FunnelCounts("P", ("A", "B"), {("A", WITH): 5, ("B", WITH): 2}, {("A", WITH): 3})
    >>> f.key, f.groups, f.count("B", WITH)
    (('P', '', None, ''), ('mit Migrationshintergrund',), (2, 0))
    >>> FunnelCounts("P", ("A", "B"), {("A", WITH): 5, ("B", WITH): 4}, {("A", WITH): 3})
    Traceback (most recent call last):
    ...
    ValueError: procedure 'P', group 'mit Migrationshintergrund': 4 entered stage 'B' but only 3 passed stage 'A'
    """

    procedure: str
    stages: tuple[str, ...]
    entered: Mapping[tuple[str, str], int]
    passed: Mapping[tuple[str, str], int]
    organisation: str = ""
    year: int | None = None
    career_group: str = ""
    _groups: tuple[str, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        stages = tuple(self.stages)
        name = f"procedure {self.procedure!r}"
        if not stages:
            raise ValueError(f"{name}: no stages")
        if len(set(stages)) != len(stages) or any(not s for s in stages):
            raise ValueError(f"{name}: stages must be distinct and named")
        entered = dict(self.entered)
        passed = dict(self.passed)
        groups: list[str] = []
        for what, counts in ((ENTERED, entered), (PASSED, passed)):
            for (stage, group), n in counts.items():
                if stage not in stages:
                    raise ValueError(f"{name}: {what} count for unknown stage {stage!r}")
                if not group or group == TOTAL:
                    raise ValueError(f"{name}: group {group!r} is not a group name")
                if isinstance(n, bool) or int(n) != n or n < 0:
                    raise ValueError(f"{name}: {what} count {n!r} is not a whole number ≥ 0")
                counts[(stage, group)] = int(n)
                if group not in groups:
                    groups.append(group)
        ordered = [g for g in STANDARD_GROUPS if g in groups] + [
            g for g in groups if g not in STANDARD_GROUPS
        ]
        for group in ordered:
            before: int | None = None
            for k, stage in enumerate(stages):
                e = entered.get((stage, group), 0)
                s = passed.get((stage, group), 0)
                if s > e:
                    raise ValueError(
                        f"{name}, group {group!r}: {s} passed stage {stage!r} but {e} entered it"
                    )
                if before is not None and e > before:
                    raise ValueError(
                        f"{name}, group {group!r}: {e} entered stage {stage!r} but only "
                        f"{before} passed stage {stages[k - 1]!r}"
                    )
                before = s
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "entered", MappingProxyType(entered))
        object.__setattr__(self, "passed", MappingProxyType(passed))
        object.__setattr__(self, "_groups", tuple(ordered))

    @classmethod
    def from_matrix(
        cls,
        procedure: str,
        stages: Sequence[str],
        groups: Sequence[str],
        entered: Sequence[Sequence[int]],
        passed: Sequence[Sequence[int]],
        *,
        organisation: str = "",
        year: int | None = None,
        career_group: str = "",
    ) -> FunnelCounts:
        """From matrices ``entered[k][j]``, ``passed[k][j]`` (stage ``k``, group ``j``): the
        layout of :class:`ikoe.stats.barriers.Procedure`, so ``FunnelCounts.from_matrix(
        p.procedure, p.stages, p.groups, p.entered, p.passed, organisation=p.organisation,
        year=p.year, career_group=p.career_group)`` converts one.

        >>> f = FunnelCounts.from_matrix("P", ("A",), (WITH, WITHOUT), ((3, 9),), ((1, 4),))
        >>> f.count("A", WITHOUT)
        (9, 4)
        """
        if len(entered) != len(stages) or len(passed) != len(stages):
            raise ValueError(f"procedure {procedure!r}: one row of counts per stage")
        e: dict[tuple[str, str], int] = {}
        s: dict[tuple[str, str], int] = {}
        for k, stage in enumerate(stages):
            if len(entered[k]) != len(groups) or len(passed[k]) != len(groups):
                raise ValueError(f"procedure {procedure!r}: one count per group at {stage!r}")
            for j, group in enumerate(groups):
                e[(stage, group)] = entered[k][j]
                s[(stage, group)] = passed[k][j]
        return cls(procedure, tuple(stages), e, s, organisation, year, career_group)

    @property
    def key(self) -> ProcedureKey:
        return (self.procedure, self.organisation, self.year, self.career_group)

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups named in the counts: the standard groups first, then the others."""
        return self._groups

    def count(self, stage: str, group: str) -> tuple[int, int]:
        """``(entered, passed)`` of ``group`` at ``stage`` (0 where not given)."""
        return self.entered.get((stage, group), 0), self.passed.get((stage, group), 0)

    def value(self, field_name: str) -> PoolValue:
        """The value of a pooling field (:data:`POOL_FIELDS`)."""
        if field_name not in POOL_FIELDS:
            raise ValueError(f"cannot pool by {field_name!r}; choose from {POOL_FIELDS}")
        value: PoolValue = getattr(self, field_name)
        return value


# --------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class FunnelKey:
    """One funnel a page may show: a procedure, or procedures with the same stages pooled.

    ``pool`` holds the pooling fields fixed, e.g. ``(("organisation", "A"),)``; ``()`` with
    ``procedure`` ``None`` is every procedure with these stages.
    """

    stages: tuple[str, ...]
    procedure: ProcedureKey | None = None
    pool: tuple[tuple[str, PoolValue], ...] = ()

    @property
    def pooled(self) -> bool:
        return self.procedure is None


@dataclass(frozen=True)
class Figure:
    """A published count (``value``) or a withheld one (``value`` ``None``).

    ``status`` and ``reasons`` are for data stewards (the reason would narrow down what is
    hidden: pages show a withheld count as ``.``). ``interval`` is the attacker's interval of a
    withheld count from the audit (``None`` where the audit gave none).
    """

    value: int | None
    status: Status
    reasons: tuple[str, ...] = ()
    interval: tuple[float, float] | None = None

    @property
    def published(self) -> bool:
        return self.status is Status.PUBLISHED


@dataclass(frozen=True)
class StageFigures:
    """Entered and passed of one stage and group (or the total ``_T``) of one funnel."""

    stage: str
    group: str
    entered: Figure
    passed: Figure


@dataclass(frozen=True)
class ProtectedFunnel:
    """The protected counts of one funnel.

    ``groups`` are the groups the funnel lists (besides the total ``_T``); ``continues[k]``
    tells whether everybody who passed stage ``k`` entered stage ``k + 1`` (public: the
    attacker is assumed to know it).
    """

    key: FunnelKey
    groups: tuple[str, ...]
    figures: Mapping[tuple[str, str], StageFigures]
    continues: tuple[bool, ...]
    procedures: int = 1

    @property
    def stages(self) -> tuple[str, ...]:
        return self.key.stages

    def figure(self, stage: str, group: str = TOTAL) -> StageFigures:
        return self.figures[(stage, group)]

    def rows(self) -> Iterator[StageFigures]:
        """Stage by stage, the total first, then the groups."""
        for stage in self.stages:
            for group in (TOTAL, *self.groups):
                yield self.figures[(stage, group)]


@dataclass(frozen=True)
class AuditEntry:
    """One withheld count with the attacker's interval (``upper`` ``inf``: unbounded)."""

    funnel: FunnelKey
    stage: str
    group: str
    count: str  # entered, passed, failed or left
    status: Status
    reasons: tuple[str, ...]
    lower: float
    upper: float

    @property
    def width(self) -> float:
        return self.upper - self.lower


@dataclass(frozen=True, eq=False)
class TableResult:
    """The protection of the procedures with one stage list, as the attacker's program sees it.

    ``system`` holds every count of every funnel once (the pooled table's cells and each
    procedure's cells) with all their relations; ``primary``, ``suppressed`` and ``flags``
    (:class:`FunnelReason` bits) are per cell of it, ``report`` is the audit of the union.
    ``fallback``: no pattern was found, nothing is published but the zeros the attacker knows
    (then the attacker knows no total, and the intervals have no upper bound).
    """

    layout: FunnelLayout
    system: CellSystem
    primary: np.ndarray
    suppressed: np.ndarray
    flags: np.ndarray
    report: AuditReport
    fallback: bool
    stats: Mapping[str, float]
    cells: _Cells

    @property
    def ok(self) -> bool:
        return self.report.ok


@dataclass(frozen=True, eq=False)
class FunnelProtection:
    """Every funnel (procedures and pooled) with its protected counts, and the audit."""

    funnels: Mapping[FunnelKey, ProtectedFunnel]
    audit: tuple[AuditEntry, ...]
    tables: tuple[TableResult, ...]
    width: float
    stats: Mapping[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every table's audit found every primary count at least ``W`` wide."""
        return all(t.ok for t in self.tables)

    def procedure(self, key: ProcedureKey) -> ProtectedFunnel:
        for k, funnel in self.funnels.items():
            if k.procedure == key:
                return funnel
        raise KeyError(key)

    def pooled(self, stages: Sequence[str], **fields: PoolValue) -> ProtectedFunnel:
        """The pooled funnel of the procedures with ``stages`` and the given field values."""
        unknown = set(fields) - set(POOL_FIELDS)
        if unknown:
            raise KeyError(sorted(unknown))
        pool = tuple((f, fields[f]) for f in POOL_FIELDS if f in fields)
        return self.funnels[FunnelKey(tuple(stages), None, pool)]

    def procedures(self) -> Iterator[ProtectedFunnel]:
        return (f for k, f in self.funnels.items() if not k.pooled)

    def pools(self) -> Iterator[ProtectedFunnel]:
        return (f for k, f in self.funnels.items() if k.pooled)


# --------------------------------------------------------------------------------------------
# The funnel as a hierarchy


@dataclass(frozen=True)
class FunnelNodes:
    """Codes of the funnel dimension: per stage the nodes of entered, passed, failed and left.

    >>> n = funnel_nodes(3, collapsed=(True, False))
    >>> n.hierarchy.codes
    ('_T', 'F1', 'P1', 'F2', 'P2', 'W2', 'R3', 'F3', 'P3')
    >>> n.entered, n.passed, n.left
    (('_T', 'P1', 'R3'), ('P1', 'P2', 'P3'), (None, 'W2', None))
    >>> n.hierarchy.leaves
    ('F1', 'F2', 'W2', 'F3', 'P3')
    """

    hierarchy: Hierarchy
    entered: tuple[str, ...]
    passed: tuple[str, ...]
    failed: tuple[str, ...]
    left: tuple[str | None, ...]


def funnel_nodes(stages: int, collapsed: Sequence[bool] | None = None) -> FunnelNodes:
    """The funnel hierarchy of a procedure with ``stages`` stages.

    ``R_1`` (entered the first stage) is the root ``_T``; ``R_s`` has the children ``F_s``
    (failed) and ``P_s`` (passed); ``P_s`` has the children ``W_s`` (left) and ``R_{s+1}``,
    except where ``collapsed[s]``: then ``P_s`` is ``R_{s+1}`` and has its children.
    """
    if stages < 1:
        raise ValueError("a funnel needs at least one stage")
    collapsed = tuple(collapsed or (False,) * (stages - 1))
    if len(collapsed) != stages - 1:
        raise ValueError("one collapse flag per transition")
    pairs: list[tuple[str, str | None]] = []
    entered: list[str] = []
    passed: list[str] = []
    failed: list[str] = []
    left: list[str | None] = []
    current = TOTAL
    for k in range(stages):
        entered.append(current)
        parent = None if current == TOTAL else current
        f, p = f"F{k + 1}", f"P{k + 1}"
        pairs += [(f, parent), (p, parent)]
        failed.append(f)
        passed.append(p)
        if k == stages - 1:
            left.append(None)
        elif collapsed[k]:
            left.append(None)
            current = p
        else:
            w, r = f"W{k + 1}", f"R{k + 2}"
            pairs += [(w, p), (r, p)]
            left.append(w)
            current = r
    return FunnelNodes(
        Hierarchy.from_parents(pairs), tuple(entered), tuple(passed), tuple(failed), tuple(left)
    )


FUNNEL_DIM, UNIT_DIM, GROUP_DIM = "_funnel", "_procedure", "_group"


def _field_dim(name: str) -> str:
    return f"_{name}"


def _field_code(name: str, j: int) -> str:
    return f"{name[0]}{j}"  # o…, y…, c…


@dataclass(frozen=True, eq=False)
class FunnelLayout:
    """The procedures with one stage list, arranged for protection (:func:`funnel_layouts`).

    ``blocks`` maps each combination of values of the pooling fields (as positions in
    ``values``) to the procedures that have it; ``listed[i, j]``: procedure ``i`` lists group
    ``groups[j]``; ``complete[i, k]``: in procedure ``i`` everybody who passed stage ``k`` went
    on to stage ``k + 1``. ``leaves[i, l, j]`` is procedure ``i``'s count of group ``j`` at the
    ``l``-th leaf of the funnel hierarchy, ``free`` whether the attacker does not know it to be 0.
    """

    stages: tuple[str, ...]
    procedures: tuple[FunnelCounts, ...]
    groups: tuple[str, ...]
    always: frozenset[str]
    pool_by: tuple[str, ...]
    values: tuple[tuple[PoolValue, ...], ...]
    blocks: Mapping[tuple[int, ...], tuple[int, ...]]
    block_of: tuple[tuple[int, ...], ...]
    nodes: FunnelNodes
    complete: np.ndarray
    listed: np.ndarray
    leaves: np.ndarray
    free: np.ndarray
    first_lower: np.ndarray  # (procedures, groups + 1): lower bounds at the first stage, total last

    def block_codes(self, block: Sequence[int]) -> tuple[str, ...]:
        return tuple(_field_code(f, j) for f, j in zip(self.pool_by, block, strict=True))

    def field_hierarchies(self) -> dict[str, Hierarchy]:
        return {
            _field_dim(f): Hierarchy.flat(_field_code(f, j) for j in range(len(vs)))
            for f, vs in zip(self.pool_by, self.values, strict=True)
        }


def funnel_layouts(
    funnels: Iterable[FunnelCounts],
    pool_by: Sequence[str] = ("organisation", "year"),
    *,
    listed: Collection[str] = (WITH, WITHOUT),
) -> list[FunnelLayout]:
    """The procedures grouped by their stage list (in order of first appearance).

    The groups of a layout are those of ``listed`` and every group with applicants in one of
    its procedures. ``listed`` are the groups every funnel lists even without applicants, so
    that a missing group does not give away that everybody else is in another group; any
    other group is listed by a funnel only where it has applicants there. Where nobody left
    after a stage in any procedure, the stage's ``W`` node is dropped (:func:`funnel_nodes`).

    >>> p = FunnelCounts.from_matrix("P", ("A", "B"), (WITH, NOT_DECLARED), ((4, 2), (4, 1)),
    ...                              ((4, 1), (1, 0)), organisation="X", year=2024)
    >>> (t,) = funnel_layouts([p])
    >>> t.groups, t.nodes.hierarchy.leaves, dict(t.blocks)
    (('mit Migrationshintergrund', 'ohne Migrationshintergrund', 'keine Angabe'), ('F1', 'F2', 'P2'), {(0, 0): (0,)})
    >>> t.leaves[0].tolist()  # per leaf F1, F2, P2: the counts of the three groups
    [[0, 0, 1], [3, 0, 1], [1, 0, 0]]
    >>> t.first_lower.tolist()  # "keine Angabe" is listed, so it has an applicant; the total too
    [[0.0, 0.0, 1.0, 1.0]]
    """
    pool_by = tuple(pool_by)
    for f in pool_by:
        if f not in POOL_FIELDS:
            raise ValueError(f"cannot pool by {f!r}; choose from {POOL_FIELDS}")
    if len(set(pool_by)) != len(pool_by):
        raise ValueError("pool by each field once")
    by_stages: dict[tuple[str, ...], list[FunnelCounts]] = {}
    seen: set[ProcedureKey] = set()
    for funnel in funnels:
        if funnel.key in seen:
            raise ValueError(f"procedure {funnel.key!r} given twice")
        seen.add(funnel.key)
        by_stages.setdefault(funnel.stages, []).append(funnel)
    return [_layout(stages, tuple(ps), pool_by, listed) for stages, ps in by_stages.items()]


def _layout(
    stages: tuple[str, ...],
    procedures: tuple[FunnelCounts, ...],
    pool_by: tuple[str, ...],
    always: Collection[str],
) -> FunnelLayout:
    found = {g for p in procedures for g in p.groups}
    named = [g for g in STANDARD_GROUPS if g in always or g in found]
    named += [g for g in always if g not in named]
    named += sorted(g for g in found if g not in named)
    groups = tuple(named)
    shape = (len(procedures), len(stages), len(groups))
    entered = np.zeros(shape, dtype=np.int64)
    passed = np.zeros(shape, dtype=np.int64)
    for i, p in enumerate(procedures):
        for k, s in enumerate(stages):
            for j, g in enumerate(groups):
                entered[i, k, j], passed[i, k, j] = p.count(s, g)
    left = passed[:, :-1, :] - entered[:, 1:, :]
    complete = np.all(left == 0, axis=2)
    nodes = funnel_nodes(len(stages), tuple(bool(c) for c in np.all(complete, axis=0)))
    has = entered[:, 0, :].sum(axis=1) > 0
    always_mask = np.array([g in always for g in groups], dtype=bool)
    listed = has[:, None] & (always_mask[None, :] | (entered[:, 0, :] > 0))
    leaf_codes = nodes.hierarchy.leaves
    leaves = np.zeros((len(procedures), len(leaf_codes), len(groups)), dtype=np.int64)
    free = np.zeros(leaves.shape, dtype=bool)
    for n, code in enumerate(leaf_codes):
        k = int(code[1:]) - 1
        if code.startswith("F"):
            leaves[:, n] = entered[:, k] - passed[:, k]
            free[:, n] = listed
        elif code.startswith("W"):
            leaves[:, n] = left[:, k]
            free[:, n] = listed & ~complete[:, k, None]
        else:  # the last stage's passed
            leaves[:, n] = passed[:, k]
            free[:, n] = listed
    optional = listed & ~always_mask[None, :]
    first_lower = np.zeros((len(procedures), len(groups) + 1))
    first_lower[:, :-1] = optional
    first_lower[:, -1] = np.where(has, np.maximum(1.0, optional.sum(axis=1)), 0.0)
    values = tuple(tuple(dict.fromkeys(p.value(f) for p in procedures)) for f in pool_by)
    block_of = tuple(
        tuple(vs.index(p.value(f)) for f, vs in zip(pool_by, values, strict=True))
        for p in procedures
    )
    blocks: dict[tuple[int, ...], list[int]] = {}
    for i, b in enumerate(block_of):
        blocks.setdefault(b, []).append(i)
    return FunnelLayout(
        stages,
        procedures,
        groups,
        frozenset(g for g in groups if g in always),
        pool_by,
        values,
        MappingProxyType({b: tuple(ps) for b, ps in blocks.items()}),
        block_of,
        nodes,
        complete,
        listed,
        leaves,
        free,
        first_lower,
    )


@dataclass(frozen=True, eq=False)
class _Part:
    """One complete table of a layout and what the attacker knows of its cells."""

    table: Table
    known: np.ndarray  # known to be 0
    lower: np.ndarray
    never: np.ndarray  # failed and left: never published


def _part(
    layout: FunnelLayout,
    dims: Sequence[str],
    hierarchies: Mapping[str, Hierarchy],
    placement: Sequence[tuple[int, tuple[str, ...]]],
) -> _Part:
    """The table of funnel × ``dims`` × group with each procedure ``i`` of ``placement`` added
    at its codes of ``dims``; the cells the attacker knows to be 0 and the lower bounds."""
    leaf_codes = layout.nodes.hierarchy.leaves
    groups = layout.groups
    all_dims = (FUNNEL_DIM, *dims, GROUP_DIM)
    given: dict[str, Hierarchy] = {
        FUNNEL_DIM: layout.nodes.hierarchy,
        **hierarchies,
        GROUP_DIM: Hierarchy.flat(groups),
    }
    hs = [given[d] for d in all_dims]
    shape = tuple(len(h) for h in hs)
    dense = np.zeros(shape)
    free = np.zeros(shape)
    first = np.zeros(shape[1:])
    g_pos = np.array([hs[-1].position(g) for g in groups])
    l_pos = np.array([hs[0].position(c) for c in leaf_codes])
    g_total = hs[-1].position(TOTAL)
    for i, codes in placement:
        at = [np.array(h.position(c)) for h, c in zip(hs[1:-1], codes, strict=True)]
        index = (l_pos[:, None], *at, g_pos[None, :])
        dense[index] += layout.leaves[i]
        free[index] += layout.free[i]
        first[(*at, g_pos)] += layout.first_lower[i, :-1]
        first[(*at, np.array(g_total))] += layout.first_lower[i, -1]
    values = aggregate(dense, hs)
    table = Table(all_dims, tuple(hs), values.reshape(-1))
    known = aggregate(free, hs).reshape(-1) == 0
    if np.any(table.values[known] != 0):  # pragma: no cover - guarded by the validation
        raise AssertionError("a cell known to be empty is not")
    moved = np.moveaxis(first, -1, 0)
    summed = np.stack([aggregate(moved[j], hs[1:-1]) for j in range(moved.shape[0])])
    lower = np.zeros(shape)
    lower[hs[0].position(TOTAL)] = np.moveaxis(summed, 0, -1)
    node = np.asarray(hs[0].codes)[table.positions()[:, 0]].astype(str)
    never = np.char.startswith(node, "F") | np.char.startswith(node, "W")
    return _Part(table, known, lower.reshape(-1), never)


def _pooled_part(layout: FunnelLayout) -> _Part:
    """Funnel × every pooling field (flat, crossed) × group; the blocks are its bottom."""
    dims = [_field_dim(f) for f in layout.pool_by]
    placement = [(i, layout.block_codes(b)) for i, b in enumerate(layout.block_of)]
    return _part(layout, dims, layout.field_hierarchies(), placement)


def _block_part(layout: FunnelLayout, members: Sequence[int]) -> _Part:
    """Funnel × the block's procedures (under the block's total ``_T``) × group."""
    unit = Hierarchy.flat(f"p{i}" for i in members)
    return _part(layout, [UNIT_DIM], {UNIT_DIM: unit}, [(i, (f"p{i}",)) for i in members])


# --------------------------------------------------------------------------------------------
# Primary rules


def primary_flags(
    table: Table,
    known: np.ndarray,
    rules: Rules,
    *,
    sensitive: Collection[str] = (WITH,),
    undeclared: Collection[str] = (NOT_DECLARED,),
    small_group_outcome: bool = False,
) -> np.ndarray:
    """:class:`FunnelReason` bits of every cell of a table of funnels (0: not sensitive).

    The table's first dimension is the funnel (:func:`funnel_nodes`), its last the group.

    - ``frequency``: 1 to k − 1 applicants, at every node (entered, passed, failed, left),
      group and the total, per procedure and pooled;
    - ``zero`` (only with ``rules.zero_sensitive``): an empty count;
    - ``group-disclosure``: at a node, everybody whose group is known is in a ``sensitive``
      group (a share ≥ ``rules.group_threshold``; with ``rules.group_both_sides`` also nobody):
      the counts of every declared group there (the others' are 0);
    - ``small-group-outcome`` (only with ``small_group_outcome``): a node with 1 to k − 1
      applicants: each of its children (failed and passed of an entered node; left and
      entered-next of a passed node), even when 0 ("both failed").

    Cells the attacker knows to be 0 (``known``) are never sensitive: nothing could hide them.

    >>> p = FunnelCounts.from_matrix("P", ("A",), (WITH, WITHOUT), ((2, 0),), ((0, 0),))
    >>> (layout,) = funnel_layouts([p], pool_by=())
    >>> part = _pooled_part(layout)
    >>> flags = primary_flags(part.table, part.known, Rules(), small_group_outcome=True)
    >>> {part.table.key(i): reason_names(f) for i, f in enumerate(flags) if f and i % 3 == 1}
    {('_T', 'mit Migrationshintergrund'): ('frequency', 'group-disclosure'), ('F1', 'mit Migrationshintergrund'): ('frequency', 'group-disclosure', 'small-group-outcome'), ('P1', 'mit Migrationshintergrund'): ('small-group-outcome',)}
    """
    values = table.values.reshape(table.shape)
    k = rules.min_count
    flags = np.zeros(table.shape, dtype=np.int64)
    flags[(values > 0) & (values < k)] |= FunnelReason.FREQUENCY
    if rules.zero_sensitive:
        flags[values == 0] |= FunnelReason.ZERO
    codes = table.hierarchies[-1].codes
    declared = np.array([c != TOTAL and c not in undeclared for c in codes], dtype=bool)
    marked = np.array([c in sensitive for c in codes], dtype=bool) & declared
    if rules.group_threshold is not None and declared.any():
        base = values[..., declared].sum(axis=-1)
        yes = values[..., marked].sum(axis=-1)
        has = base > 0
        share = np.divide(yes, base, out=np.zeros_like(yes), where=has)
        tol = 1e-12
        hit = has & (share >= rules.group_threshold - tol)
        if rules.group_both_sides:
            hit |= has & (share <= 1.0 - rules.group_threshold + tol)
        for j in np.flatnonzero(declared):
            flags[..., j][hit] |= FunnelReason.GROUP
    h = table.hierarchies[0]
    assert isinstance(h, Hierarchy)
    small = (values > 0) & (values < k)
    for parent in h.internal_positions if small_group_outcome else ():
        for child in h.child_positions(parent):
            flags[child][small[parent]] |= FunnelReason.OUTCOME
    out = flags.reshape(-1)
    out[known] = 0
    return out


# --------------------------------------------------------------------------------------------
# Protection


CLEANUP_BUDGET = 2000.0
"""Work of the clean-up of each part (the pooled table, each block) of a layout
(``cleanup_budget`` of :func:`~ikoe.stats.disclosure.secondary.protect`, counted in the
work of its linear programs, not in seconds, so the same data always give the same pattern).
The clean-up publishes again what the build suppressed beyond need, the most valuable counts
first; a part of a few hundred procedures stays well within it, a larger one stops there with
more withheld (as safe)."""


def protect_funnels(
    funnels: Iterable[FunnelCounts],
    rules: Rules | None = None,
    width: float | None = None,
    pool_by: Sequence[str] = ("organisation", "year"),
    *,
    sensitive: Collection[str] = (WITH,),
    undeclared: Collection[str] = (NOT_DECLARED,),
    listed: Collection[str] = (WITH, WITHOUT),
    small_group_outcome: bool = False,
    zero_complements: bool = True,
    exact_audit: bool = True,
    workers: int = 1,
    group_cost: Mapping[str, float] | None = None,
    cleanup_budget: float | None = CLEANUP_BUDGET,
) -> FunnelProtection:
    """Protect every procedure's funnel and every pooled funnel, and audit the result.

    ``rules`` are the survey's :class:`~ikoe.stats.disclosure.Rules` (``min_count`` k,
    ``group_threshold``, ``group_both_sides``, ``zero_sensitive``; the share rules of surveys
    are about the reliability of shares and do not apply to counts); ``width`` is ``W``
    (default k). ``pool_by`` are the fields pooled funnels are formed by: each value of each
    field and each combination of values, besides all procedures with the same stages.
    ``sensitive`` and ``undeclared`` name the groups with the sensitive attribute and those
    whose attribute is unknown; ``listed`` the groups every funnel lists (see
    :func:`funnel_layouts`); ``group_cost`` the factor of each group's counts in the cost of
    complements (default :data:`GROUP_COST`; ``{}`` prices every group alike);
    ``cleanup_budget`` bounds the clean-up of each part (:data:`CLEANUP_BUDGET`; ``None``: none).

    The procedures with one stage list are protected top-down (as tau-ARGUS's HiTaS does with
    hierarchical tables): first the pooled table, funnel × pooling fields × group, whose
    bottom cells are the *blocks* (the procedures with one combination of values); then each
    block, funnel × its procedures × group, where the block's counts keep the status the
    pooled table gave them (a withheld one is protected within the block as well); finally the
    union is audited as one system and, where it falls short, repaired by further complements
    (:func:`~ikoe.stats.disclosure.secondary.repair`). With ``exact_audit`` every withheld
    count gets its exact interval; otherwise only the primary ones, each proven at least ``W``
    wide (such an interval is no attacker's and may end at the true value: not for
    publication).

    Where no pattern is found (fewer than ``W`` applicants in all), nothing of the procedures
    with that stage list is published but the zeros the attacker knows.
    """
    rules = rules or Rules()
    w = float(rules.min_count if width is None else width)
    clock = time.perf_counter()
    options = _Options(
        w,
        rules,
        frozenset(sensitive),
        frozenset(undeclared),
        small_group_outcome,
        zero_complements,
        GROUP_COST if group_cost is None else MappingProxyType(dict(group_cost)),
        cleanup_budget,
    )
    results = []
    for layout in funnel_layouts(funnels, pool_by, listed=listed):
        results.append(_protect_layout(layout, options, exact_audit, workers))
    out: dict[FunnelKey, ProtectedFunnel] = {}
    entries: list[AuditEntry] = []
    for result in results:
        out.update(_funnels(result))
        entries += _audit_entries(result)
    protection = FunnelProtection(out, tuple(entries), tuple(results), w)
    stats = _stats(protection, time.perf_counter() - clock)
    return FunnelProtection(out, tuple(entries), tuple(results), w, stats)


@dataclass(frozen=True)
class _Options:
    width: float
    rules: Rules
    sensitive: frozenset[str]
    undeclared: frozenset[str]
    small_group_outcome: bool
    zero_complements: bool
    group_cost: Mapping[str, float] = field(default_factory=dict)
    cleanup_budget: float | None = None


GROUP_COST: Mapping[str, float] = MappingProxyType({WITH: 4.0, WITHOUT: 4.0, TOTAL: 2.0})
"""How many times more a count of a group costs as a complement than one of a group not named
here ("keine Angabe", further groups). The analysis compares the groups with and without a
migration background, so complements are sought first among the counts of those who did not
declare their background, then the totals, and last the two compared groups."""


def _group_weight(table: Table, costs: Mapping[str, float]) -> np.ndarray:
    """Per cell of ``table`` (its last dimension the group) the factor of its group's cost.

    >>> p = FunnelCounts.from_matrix("P", ("A",), (WITH, NOT_DECLARED), ((3, 2),), ((3, 1),))
    >>> (layout,) = funnel_layouts([p], pool_by=())
    >>> part = _pooled_part(layout)
    >>> sorted({part.table.key(i)[-1]: float(w) for i, w in
    ...         enumerate(_group_weight(part.table, GROUP_COST))}.items())
    [('_T', 2.0), ('keine Angabe', 1.0), ('mit Migrationshintergrund', 4.0), ('ohne Migrationshintergrund', 4.0)]
    """
    codes = table.hierarchies[-1].codes
    per_group = np.array([float(costs.get(c, 1.0)) for c in codes])
    return per_group[table.positions()[:, -1]]


def _rule_flags(part: _Part, options: _Options) -> np.ndarray:
    return primary_flags(
        part.table,
        part.known,
        options.rules,
        sensitive=options.sensitive,
        undeclared=options.undeclared,
        small_group_outcome=options.small_group_outcome,
    )


def _protect_part(
    part: _Part,
    primary: np.ndarray,
    options: _Options,
    *,
    forbidden: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    upper: float | None = None,
    workers: int = 1,
) -> np.ndarray | None:
    """The suppressed cells of one part (failed and left always), or ``None`` when no pattern
    is found. ``forbidden`` cells are never complements, ``fixed`` ones stay suppressed;
    ``weight`` multiplies the cost of each cell as a complement; ``upper`` is the attacker's
    bound of every cell (default: the part's largest value)."""
    hidden = part.never & ~primary & ~part.known
    keep = part.never & primary
    if fixed is not None:
        keep = keep | fixed
    system = _system(part, hidden, upper)
    cost = default_cost(part.table.values) * _group_weight(part.table, options.group_cost)
    if weight is not None:
        cost = cost * weight
    cost[part.known] = np.inf
    if forbidden is not None:
        cost[forbidden] = np.inf
    try:
        pattern = protect(
            system,
            primary,
            options.width,
            cost=cost,
            fixed=keep,
            zero_complements=options.zero_complements,
            workers=workers,
            exact_audit=False,
            cleanup_budget=options.cleanup_budget,
        )
    except ProtectionFailed:
        return None
    return pattern.suppressed | hidden


def _system(part: _Part, hidden: np.ndarray, upper: float | None = None) -> CellSystem:
    """The part as the attacker's cell system. Within a layout no count exceeds its grand
    total, which is what a block's cells are bounded by (not the block's own total)."""
    system = CellSystem.from_table(part.table).knowing(lower=part.lower, hidden=hidden)
    if upper is None:
        return system
    return CellSystem(
        system.values,
        system.relations,
        system.grid,
        max(float(upper), system.upper),
        system.lower,
        system.hidden,
        system.integral,
    )


@dataclass(frozen=True, eq=False)
class _Cells:
    """Where the counts of a layout stand in the union system.

    ``pooled[(node, field codes, group)]`` and ``procedure[i][(node, group)]`` give the cell.
    """

    pooled: dict[tuple[str, tuple[str, ...], str], int]
    procedure: list[dict[tuple[str, str], int]]


MAX_ROUNDS = 4
"""Rounds of the pooled table and the blocks: counts of a block's total that its procedures
need withheld are withheld in the pooled table, which is protected again (what it withheld
before stays withheld)."""


@dataclass(eq=False)
class _Block:
    """One block of a layout: its table, its rules' flags and where its total stands in the
    pooled table; ``suppressed`` once protected (``None``: no pattern found)."""

    key: tuple[int, ...]
    members: tuple[int, ...]
    part: _Part
    flags: np.ndarray
    total: np.ndarray  # the cells of the block's total in its table ...
    pooled_cells: np.ndarray  # ... and in the pooled table
    inherited: np.ndarray | None = None
    suppressed: np.ndarray | None = None


def _blocks(layout: FunnelLayout, pooled: _Part, options: _Options) -> list[_Block]:
    hs = pooled.table.hierarchies
    out = []
    for key, members in layout.blocks.items():
        part = _block_part(layout, members)
        at = tuple(h.position(c) for h, c in zip(hs[1:-1], layout.block_codes(key), strict=True))
        total, pooled_cells = _total_cells(part, pooled, at)
        out.append(_Block(key, members, part, _rule_flags(part, options), total, pooled_cells))
    return out


def _needed_totals(block: _Block, inherited: np.ndarray, width: float, upper: float) -> np.ndarray:
    """Which published counts of a block's total (aligned with ``block.total``; ``inherited``
    are the withheld ones) must be withheld too for its procedures to be protectable at all.

    With everything else of the block withheld, a primary count still narrower than ``W`` is
    pinned by published counts of the total: three listed groups of 1, 2 and 2 under a
    published 5, each at least 1, say. Marked first: the counts of the narrow cell's own sum
    over the procedures and of its group's first stage (where listed groups pin small counts);
    then every count of its group; then every count of the total.
    """
    part = block.part
    table = part.table
    primary = block.flags != 0
    is_total = np.zeros(table.size, dtype=bool)
    is_total[block.total] = True
    hidden = part.never & ~primary & ~part.known
    system = _system(part, hidden, upper)
    published = ~inherited & ~part.never[block.total] & ~part.known[block.total]
    pos = table.positions()
    total_node, total_group = pos[block.total, 0], pos[block.total, -1]
    first = table.hierarchies[0].position(TOTAL)
    need = np.zeros(block.total.size, dtype=bool)
    for step in range(3):
        # everything withheld but the published counts of the total
        suppressed = ~part.known.copy()
        suppressed[block.total[published & ~need]] = False
        report = audit(system, suppressed, primary & ~is_total, width, exact=False)
        narrow = report.under_protected()
        if narrow.size == 0:
            break
        for c in narrow.tolist():
            node, group = pos[c, 0], pos[c, -1]
            if step == 0:
                need |= ((total_node == node) | (total_node == first)) & (total_group == group)
            elif step == 1:
                need |= total_group == group
            else:
                need[:] = True
        need &= published
    return need


def _protect_block(
    block: _Block, inherited: np.ndarray, options: _Options, upper: float
) -> np.ndarray | None:
    """The block's pattern with its total as the pooled table left it (``inherited``: which
    counts of the total are withheld): published ones are never complements, withheld ones
    are protected within the block too (first; without that when it finds no pattern).
    ``upper``: the attacker's bound of every count (the layout's grand total)."""
    part = block.part
    withheld = np.zeros(part.table.size, dtype=bool)
    withheld[block.total] = inherited
    published = np.zeros(part.table.size, dtype=bool)
    published[block.total] = ~inherited
    if len(block.members) == 1:
        return _copy_block(part, withheld)
    primary = block.flags != 0
    for marked in (primary | (withheld & ~part.never), primary):
        found = _protect_part(
            part, marked, options, forbidden=published, fixed=withheld, upper=upper
        )
        if found is not None:
            return found
    return None


MARGIN_WEIGHT = 10.0
"""A count of the pooled table costs this many times more as a complement for every pooling
field it sums over: complements are sought among the blocks first, so that the pools pages
show most (an organisation over all years, a year over all organisations, all procedures)
keep their counts."""


def _margin_weight(pooled: _Part) -> np.ndarray:
    """``MARGIN_WEIGHT`` to the power of the number of pooling fields at ``_T``.

    >>> p = FunnelCounts.from_matrix("P", ("A",), (WITH,), ((3,),), ((3,),), year=1)
    >>> (layout,) = funnel_layouts([p], pool_by=("organisation", "year"))
    >>> sorted(set(_margin_weight(_pooled_part(layout)).tolist()))
    [1.0, 10.0, 100.0]
    """
    pos = pooled.table.positions()[:, 1:-1]
    return np.asarray(MARGIN_WEIGHT ** (pos == 0).sum(axis=1), dtype=float)


def _protect_pooled_and_blocks(
    pooled: _Part,
    pooled_flags: np.ndarray,
    blocks: list[_Block],
    options: _Options,
    workers: int,
    stats: dict[str, float],
) -> np.ndarray | None:
    """Top-down: the pooled table, then each block under its pattern; counts of a block's
    total that the block needs withheld (:func:`_needed_totals`, or all of them when the block
    finds no pattern) are withheld in the pooled table, which is protected again with what it
    withheld before fixed, and the blocks whose total changed again. ``None`` when that does
    not settle within :data:`MAX_ROUNDS`."""
    required = np.zeros(pooled.table.size, dtype=bool)
    fixed: np.ndarray | None = None
    upper = float(pooled.table.values.max(initial=0.0))
    for round_ in range(1, MAX_ROUNDS + 1):
        stats["rounds"] = float(round_)
        clock = time.perf_counter()
        pooled_suppressed = _protect_part(
            pooled,
            (pooled_flags != 0) | required,
            options,
            fixed=fixed,
            weight=_margin_weight(pooled),
            workers=workers,
        )
        stats["pooled_seconds"] = stats.get("pooled_seconds", 0.0) + time.perf_counter() - clock
        if pooled_suppressed is None:
            return None
        clock = time.perf_counter()
        settled = True
        for block in blocks:
            inherited = pooled_suppressed[block.pooled_cells]
            if (
                block.suppressed is not None
                and block.inherited is not None
                and np.array_equal(block.inherited, inherited)
            ):
                continue
            block.inherited = inherited
            block.suppressed = None
            if len(block.members) > 1:
                need = _needed_totals(block, inherited, options.width, upper)
                if need.any():
                    required[block.pooled_cells[need]] = True
                    settled = False
                    continue
            block.suppressed = _protect_block(block, inherited, options, upper)
            if block.suppressed is None:
                visible = ~block.part.never[block.total] & ~block.part.known[block.total]
                more = visible & ~inherited
                if more.any():
                    required[block.pooled_cells[more]] = True
                    settled = False
                else:
                    # its total is withheld already: withhold the whole block (the audit of
                    # the union decides whether that holds)
                    block.suppressed = ~block.part.known
        stats["block_seconds"] = stats.get("block_seconds", 0.0) + time.perf_counter() - clock
        stats["required_totals"] = float(required.sum())
        if settled:
            return pooled_suppressed
        fixed = pooled_suppressed
    return None


def _protect_layout(
    layout: FunnelLayout, options: _Options, exact_audit: bool, workers: int
) -> TableResult:
    stats: dict[str, float] = {}
    pooled = _pooled_part(layout)
    pooled_flags = _rule_flags(pooled, options)
    blocks = _blocks(layout, pooled, options)
    pooled_suppressed = _protect_pooled_and_blocks(
        pooled, pooled_flags, blocks, options, workers, stats
    )
    stats["pooled_cells"] = float(pooled.table.size)
    stats["blocks"] = float(len(blocks))
    clock = time.perf_counter()
    union = _union(layout, pooled, pooled_flags, blocks)
    system, flags = union.system, union.flags
    primary = flags != 0
    fallback = pooled_suppressed is None
    report: AuditReport | None = None
    suppressed = np.zeros(system.size, dtype=bool)
    if not fallback:
        assert pooled_suppressed is not None
        suppressed[union.pooled_at] = pooled_suppressed
        for block, (cells_at, rows) in zip(blocks, union.block_at, strict=True):
            assert block.suppressed is not None
            suppressed[cells_at] |= block.suppressed[rows]
        report = audit(system, suppressed, primary, options.width, exact=exact_audit)
        stats["union_seconds"] = time.perf_counter() - clock
        if not report.ok:
            clock = time.perf_counter()
            stats["under_protected_parts"] = float(report.under_protected().size)
            cost = default_cost(system.values)
            cost[union.known] = np.inf
            try:
                repaired = repair(
                    system,
                    primary,
                    suppressed,
                    options.width,
                    cost=cost,
                    report=report,
                    exact_audit=exact_audit,
                )
                stats["repaired_cells"] = float((repaired.suppressed & ~suppressed).sum())
                suppressed, report = repaired.suppressed, repaired.audit
            except ProtectionFailed:
                fallback = True
            stats["repair_seconds"] = time.perf_counter() - clock
    if fallback:
        suppressed = ~union.known
        # The attacker knows no total: no upper bound. A bound far above every count stands
        # in for it (the solver needs finite numbers); intervals reaching it are unbounded.
        big = 1000.0 * (system.upper + options.width + 1.0)
        found = audit(system, suppressed, primary, options.width, upper_bound=big, exact=False)
        report = AuditReport(
            found.width,
            found.cells,
            found.values,
            found.lower,
            np.where(found.upper >= big / 2, UNBOUNDED, found.upper),
            found.primary,
            found.lp_solves,
            found.exact,
        )
    assert report is not None
    suppressed = suppressed & ~system.hidden
    stats["union_cells"] = float(system.size)
    out_flags = flags.copy()
    out_flags[suppressed & ~primary] |= FunnelReason.SECONDARY
    return TableResult(
        layout, system, primary, suppressed, out_flags, report, fallback, stats, union.cells
    )


def _total_cells(part: _Part, pooled: _Part, at: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The cells of a block's total (``_T`` of its procedures) and the same cells in the
    pooled table (at the block's codes ``at``)."""
    pos = part.table.positions()
    mine = np.flatnonzero(pos[:, 1] == 0)
    nodes, groups = pos[mine, 0], pos[mine, -1]
    shape = pooled.table.shape
    theirs = np.ravel_multi_index((nodes, *(np.full(mine.size, a) for a in at), groups), shape)
    return mine, theirs


def _copy_block(part: _Part, inherited: np.ndarray) -> np.ndarray:
    """A block of one procedure: the procedure's cells have the block total's status."""
    pos = part.table.positions()
    out = inherited.copy()
    rows = np.flatnonzero(pos[:, 1] != 0)
    total_of = np.ravel_multi_index(
        (pos[rows, 0], np.zeros(rows.size, int), pos[rows, -1]), part.table.shape
    )
    out[rows] = inherited[total_of]
    return out


@dataclass(frozen=True, eq=False)
class _Union:
    """Every count of a layout once, with every relation: the attacker's system.

    ``pooled_at[c]`` is the cell of the pooled table's cell ``c``; ``block_at[b]`` holds, for
    block ``b``, the cells of its procedures and their cells in the block's table.
    """

    system: CellSystem
    flags: np.ndarray
    known: np.ndarray
    pooled_at: np.ndarray
    block_at: list[tuple[np.ndarray, np.ndarray]]
    cells: _Cells


def _union(
    layout: FunnelLayout,
    pooled: _Part,
    pooled_flags: np.ndarray,
    blocks: Sequence[_Block],
) -> _Union:
    """The pooled table's cells and every procedure's cells in one system: the pooled
    table's relations, and each block's (its procedures add up to the block's cells of the
    pooled table; each procedure's funnel and groups add up)."""
    pairs: list[tuple[str, str | None]] = []
    for j, b in enumerate(blocks):
        pairs.append((f"b{j}", None))
        pairs += [(code, f"b{j}") for code in b.part.table.hierarchies[1].codes[1:]]
    unit = Hierarchy.from_parents(pairs)
    fields = layout.field_hierarchies()
    dims = (FUNNEL_DIM, UNIT_DIM, *fields, GROUP_DIM)
    hierarchies = (layout.nodes.hierarchy, unit, *fields.values(), Hierarchy.flat(layout.groups))
    p_pos = pooled.table.positions()
    n = pooled.table.size
    positions = [np.column_stack([p_pos[:, 0], np.zeros(n, dtype=np.int64), p_pos[:, 1:]])]
    values = [pooled.table.values]
    lower = [pooled.lower]
    known = [pooled.known]
    never = [pooled.never]
    flags = [pooled_flags]
    relations = [_remap(pooled.table, np.arange(n), n)]
    block_at: list[tuple[np.ndarray, np.ndarray]] = []
    procedure: list[dict[tuple[str, str], int]] = [{} for _ in layout.procedures]
    f_hs = pooled.table.hierarchies[1:-1]
    g_codes = hierarchies[-1].codes
    node_codes = hierarchies[0].codes
    start = n
    for b in blocks:
        part, part_flags = b.part, b.flags
        at = tuple(h.position(c) for h, c in zip(f_hs, layout.block_codes(b.key), strict=True))
        pos = part.table.positions()
        rows = np.flatnonzero(pos[:, 1] != 0)
        mine, theirs = _total_cells(part, pooled, at)
        index = np.full(part.table.size, -1, dtype=np.int64)
        index[mine] = theirs
        index[rows] = start + np.arange(rows.size)
        unit_codes = np.asarray(part.table.hierarchies[1].codes)
        upos = np.array([unit.position(c) for c in unit_codes[pos[rows, 1]]], dtype=np.int64)
        positions.append(
            np.column_stack(
                [pos[rows, 0], upos, *(np.full(rows.size, a) for a in at), pos[rows, -1]]
            )
        )
        values.append(part.table.values[rows])
        lower.append(part.lower[rows])
        known.append(part.known[rows])
        never.append(part.never[rows])
        flags.append(part_flags[rows])
        block_rel = _remap(part.table, index, -1)
        relations.append(block_rel[_touches(block_rel, start, start + rows.size)])
        block_at.append((index[rows], rows))
        for r, cell in zip(rows.tolist(), index[rows].tolist(), strict=True):
            i = int(unit_codes[pos[r, 1]][1:])
            procedure[i][(node_codes[pos[r, 0]], g_codes[pos[r, -1]])] = cell
        start += rows.size
    size = start
    all_flags = np.concatenate(flags)
    all_known = np.concatenate(known)
    hidden = np.concatenate(never) & (all_flags == 0) & ~all_known
    grid_positions = np.concatenate(positions).astype(np.int64)
    all_values = np.concatenate(values)
    matrix = sp.vstack(
        [sp.csr_matrix((r.data, r.indices, r.indptr), shape=(r.shape[0], size)) for r in relations],
        format="csr",
    )
    system = CellSystem(
        all_values,
        matrix,
        Grid(dims, hierarchies, grid_positions),
        float(all_values.max(initial=0.0)),
        np.concatenate(lower),
        hidden,
        True,
    )
    pooled_cells = {}
    for c in range(n):
        key = pooled.table.key(c)
        pooled_cells[(key[0], tuple(key[1:-1]), key[-1])] = c
    return _Union(
        system,
        all_flags,
        all_known,
        np.arange(n),
        block_at,
        _Cells(pooled_cells, procedure),
    )


def _remap(table: Table, index: np.ndarray, columns: int) -> sp.csr_matrix:
    """The table's relations with each cell ``c`` as column ``index[c]`` (``columns``: their
    number; ``-1``: as many as needed)."""
    r = table.relations().tocoo()
    cols = index[r.col]
    width = int(cols.max(initial=-1)) + 1 if columns < 0 else columns
    return sp.csr_matrix((r.data, (r.row, cols)), shape=(r.shape[0], width))


def _touches(m: sp.csr_matrix, start: int, stop: int) -> np.ndarray:
    """Rows of ``m`` with an entry in the columns ``start`` to ``stop - 1``."""
    inside = (m.indices >= start) & (m.indices < stop)
    row_of = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    hit = np.zeros(m.shape[0], dtype=bool)
    hit[row_of[inside]] = True
    return np.flatnonzero(hit)


# --------------------------------------------------------------------------------------------
# Reading the result


def _funnels(result: TableResult) -> dict[FunnelKey, ProtectedFunnel]:
    layout, cells = result.layout, result.cells
    out: dict[FunnelKey, ProtectedFunnel] = {}
    for i, p in enumerate(layout.procedures):
        key = FunnelKey(layout.stages, p.key)
        groups = _listed(layout, layout.listed[i])
        continues = tuple(bool(c) for c in layout.complete[i])
        out[key] = _funnel(result, key, groups, _by_node(cells.procedure[i]), continues, 1)
    # pooled funnels: every combination of values (or all) of the pooling fields
    by_codes: dict[tuple[str, ...], dict[tuple[str, str], int]] = {}
    for (node, codes_, group), cell in cells.pooled.items():
        by_codes.setdefault(codes_, {})[(node, group)] = cell
    choices = [[None, *range(len(vs))] for vs in layout.values]
    for combination in itertools.product(*choices):
        members = [
            i
            for i, b in enumerate(layout.block_of)
            if all(c is None or c == j for c, j in zip(combination, b, strict=True))
        ]
        if not members:
            continue
        pool = tuple(
            (f, layout.values[d][c])
            for d, (f, c) in enumerate(zip(layout.pool_by, combination, strict=True))
            if c is not None
        )
        key = FunnelKey(layout.stages, None, _ordered(pool))
        codes = tuple(
            TOTAL if c is None else _field_code(f, c)
            for f, c in zip(layout.pool_by, combination, strict=True)
        )
        groups = _listed(layout, np.asarray(layout.listed[members].any(axis=0)))
        continues = tuple(bool(c) for c in np.asarray(layout.complete[members].all(axis=0)))
        out[key] = _funnel(result, key, groups, _by_node(by_codes[codes]), continues, len(members))
    return out


def _by_node(where: Mapping[tuple[str, str], int]) -> Callable[[str, str], int]:
    def cell(node: str, group: str) -> int:
        return where[(node, group)]

    return cell


def _ordered(pool: tuple[tuple[str, PoolValue], ...]) -> tuple[tuple[str, PoolValue], ...]:
    return tuple(sorted(pool, key=lambda item: POOL_FIELDS.index(item[0])))


def _listed(layout: FunnelLayout, listed: np.ndarray) -> tuple[str, ...]:
    """The groups a funnel lists: those with applicants and those every funnel lists (a
    funnel without applicants lists the latter)."""
    return tuple(g for j, g in enumerate(layout.groups) if listed[j] or g in layout.always)


def _funnel(
    result: TableResult,
    key: FunnelKey,
    groups: tuple[str, ...],
    cell: Callable[[str, str], int],
    continues: tuple[bool, ...],
    members: int,
) -> ProtectedFunnel:
    nodes = result.layout.nodes
    figures: dict[tuple[str, str], StageFigures] = {}
    for k, stage in enumerate(key.stages):
        for group in (TOTAL, *groups):
            figures[(stage, group)] = StageFigures(
                stage,
                group,
                _figure(result, cell(nodes.entered[k], group)),
                _figure(result, cell(nodes.passed[k], group)),
            )
    return ProtectedFunnel(key, groups, MappingProxyType(figures), continues, members)


def _figure(result: TableResult, cell: int) -> Figure:
    flags = int(result.flags[cell])
    if result.primary[cell]:
        return Figure(None, Status.PRIMARY, reason_names(flags), result.report.get(cell))
    if result.suppressed[cell]:
        return Figure(None, Status.SECONDARY, ("secondary",), result.report.get(cell))
    return Figure(int(result.system.values[cell]), Status.PUBLISHED)


def _audit_entries(result: TableResult) -> list[AuditEntry]:
    """Every withheld count the audit gave an interval, with its funnel."""
    layout, cells = result.layout, result.cells
    nodes = layout.nodes
    names: dict[str, tuple[str, str]] = {}
    for k, stage in enumerate(layout.stages):
        names.setdefault(nodes.entered[k], (stage, ENTERED))
        names[nodes.passed[k]] = (stage, PASSED)
        names[nodes.failed[k]] = (stage, FAILED)
        left = nodes.left[k]
        if left is not None:
            names[left] = (stage, LEFT)
    where: dict[int, tuple[FunnelKey, str, str]] = {}
    for (node, codes, group), cell in cells.pooled.items():
        pool = tuple(
            (f, layout.values[d][int(code[1:])])
            for d, (f, code) in enumerate(zip(layout.pool_by, codes, strict=True))
            if code != TOTAL
        )
        where[cell] = (FunnelKey(layout.stages, None, _ordered(pool)), node, group)
    for i, found in enumerate(cells.procedure):
        key = FunnelKey(layout.stages, layout.procedures[i].key)
        for (node, group), cell in found.items():
            where[cell] = (key, node, group)
    out = []
    for cell, lower, upper in result.report.rows():
        funnel, node, group = where[cell]
        stage, count = names[node]
        out.append(
            AuditEntry(
                funnel,
                stage,
                group,
                count,
                Status.PRIMARY if result.primary[cell] else Status.SECONDARY,
                reason_names(int(result.flags[cell])),
                lower,
                upper,
            )
        )
    return out


def _stats(protection: FunnelProtection, seconds: float) -> dict[str, float]:
    """The figures (entered and passed, once per funnel, stage and group) by status, the
    primary counts never published (failed, left), the cells of the attacker's systems, the
    layouts protected by withholding everything, and the time."""
    stats: dict[str, float] = {k: float(v) for k, v in figure_counts(protection).items()}
    stats.update(dict.fromkeys(("tables", "cells", "primary_hidden", "fallback"), 0.0))
    for r in protection.tables:
        stats["tables"] += 1
        stats["cells"] += r.system.size
        stats["fallback"] += float(r.fallback)
        never = _never(r)
        stats["primary_hidden"] += float((r.primary & never).sum())
        for k, v in r.stats.items():
            stats[k] = stats.get(k, 0.0) + v
    stats["seconds"] = round(seconds, 3)
    return stats


def _never(result: TableResult) -> np.ndarray:
    codes = np.asarray(result.layout.nodes.hierarchy.codes).astype(str)
    node = codes[result.system.grid.positions[:, 0]]
    return np.char.startswith(node, "F") | np.char.startswith(node, "W")


def figure_counts(protection: FunnelProtection) -> dict[str, int]:
    """How many figures (entered and passed of every stage, group and total of every funnel)
    are published, primary and secondary.

    >>> p = FunnelCounts.from_matrix("P", ("A",), (WITH, WITHOUT), ((1, 9),), ((1, 4),))
    >>> figure_counts(protect_funnels([p], pool_by=()))
    {'published': 4, 'primary': 4, 'secondary': 4}
    """
    counts = {"published": 0, "primary": 0, "secondary": 0}
    for funnel in protection.funnels.values():
        for row in funnel.rows():
            for fig in (row.entered, row.passed):
                counts[fig.status.value] += 1
    return counts


__all__ = [
    "ENTERED",
    "FAILED",
    "LEFT",
    "NOT_DECLARED",
    "PASSED",
    "POOL_FIELDS",
    "STANDARD_GROUPS",
    "TOTAL",
    "WITH",
    "WITHOUT",
    "AuditEntry",
    "Figure",
    "FunnelCounts",
    "FunnelKey",
    "FunnelNodes",
    "FunnelProtection",
    "FunnelReason",
    "FunnelLayout",
    "ProcedureKey",
    "ProtectedFunnel",
    "StageFigures",
    "TableResult",
    "funnel_layouts",
    "figure_counts",
    "funnel_nodes",
    "primary_flags",
    "protect_funnels",
    "reason_names",
]
