"""Entry points: protect a table, tables that share cells, or estimate cells with shares.

>>> from ikoe.stats.disclosure.hierarchy import Hierarchy
>>> t = Table.from_bottom(["r", "c"], [(("a", "x"), 1), (("a", "y"), 5), (("b", "x"), 4),
...                                    (("b", "y"), 6), (("c", "x"), 7), (("c", "y"), 8)])
>>> result = protect_table(t)
>>> [(key, status.value, reasons) for key, _, status, reasons, _ in result.rows() if status.value != "published"]
[(('a', 'x'), 'primary', ('frequency',)), (('a', 'y'), 'secondary', ('secondary',)), (('b', 'x'), 'secondary', ('secondary',)), (('b', 'y'), 'secondary', ('secondary',))]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from ikoe.stats.disclosure.audit import WIDTH_TOLERANCE, audit, outer_intervals
from ikoe.stats.disclosure.hierarchy import TOTAL, Classification, Dimension, Hierarchy
from ikoe.stats.disclosure.joint import Facet, coordinates, facets
from ikoe.stats.disclosure.primary import (
    CONFIDENTIAL,
    Reason,
    Rules,
    confidential,
    count_flags,
    reason_names,
    share_flags,
)
from ikoe.stats.disclosure.problem import CellSystem, _is_cut, link_tables
from ikoe.stats.disclosure.secondary import (
    Pattern,
    ProtectionFailed,
    Status,
    default_cost,
    protect,
    repair,
)
from ikoe.stats.disclosure.table import Table

BESIDE_CLEANUP_BUDGET = 200.0
"""Work of the clean-up of each part beside a release (``cleanup_budget`` of
:func:`~ikoe.stats.disclosure.secondary.protect`): about two seconds on 200,000 respondents."""

SENSITIVE_DIM = "_sensitive"
"""Name of the dimension that splits contributors by their answer to the sensitive question."""
YES, NO, ANSWERED, UNKNOWN = "yes", "no", "answered", "unknown"


@dataclass(frozen=True, eq=False)
class TableProtection:
    """The protected cells of one table (possibly one of several protected together)."""

    table: Table
    pattern: Pattern
    members: np.ndarray  # cell of pattern.system for each cell of table
    flags: np.ndarray  # Reason bits per cell of table

    def status(self, i: int) -> Status:
        return self.pattern.status(int(self.members[i]))

    def reasons(self, i: int) -> tuple[str, ...]:
        return reason_names(int(self.flags[i]))

    def interval(self, i: int) -> tuple[float, float] | None:
        cell = int(self.members[i])
        if not self.pattern.suppressed[cell]:
            return None
        return self.pattern.audit.get(cell)

    def rows(
        self,
    ) -> Iterator[
        tuple[tuple[str, ...], float, Status, tuple[str, ...], tuple[float, float] | None]
    ]:
        """``(key, value, status, reasons, interval)`` for every cell; ``interval`` when suppressed."""
        for i in range(self.table.size):
            yield (
                self.table.key(i),
                float(self.table.values[i]),
                self.status(i),
                self.reasons(i),
                self.interval(i),
            )


def _width(rules: Rules, width: float | None) -> float:
    return float(rules.min_count if width is None else width)


def _flags_with_secondary(pattern: Pattern, members: np.ndarray, flags: np.ndarray) -> np.ndarray:
    out = flags.copy()
    out[pattern.secondary[members]] |= Reason.SECONDARY
    return out


def protect_table(
    table: Table,
    rules: Rules | None = None,
    width: float | None = None,
    *,
    primary: np.ndarray | None = None,
    zero_complements: bool = True,
    workers: int = 1,
) -> TableProtection:
    """Primary rules (counts) and secondary suppression for one table of counts.

    ``width`` is the protection width ``W`` (default: ``rules.min_count``). ``primary`` may
    give extra :class:`Reason` bits per cell from rules outside this function.
    """
    rules = rules or Rules()
    flags = count_flags(table.values, rules)
    if primary is not None:
        flags = flags | np.asarray(primary, dtype=np.int64)
    system = CellSystem.from_table(table)
    pattern = protect(
        system, flags != 0, _width(rules, width), zero_complements=zero_complements, workers=workers
    )
    members = np.arange(table.size)
    return TableProtection(table, pattern, members, _flags_with_secondary(pattern, members, flags))


def protect_linked(
    tables: Sequence[Table],
    rules: Rules | None = None,
    width: float | None = None,
    *,
    zero_complements: bool = True,
    workers: int = 1,
) -> list[TableProtection]:
    """Protect tables from one survey together: a cell shared by two tables has one status.

    The attacker is assumed to know every published cell of every table and all their
    relations, so no table gives away a cell another table suppressed.

    >>> sex = Table.from_bottom(["org", "sex"], [(("A", "f"), 2), (("A", "m"), 9), (("B", "f"), 8),
    ...                                          (("B", "m"), 7)])
    >>> career = Table.from_bottom(["org", "career"], [(("A", "x"), 5), (("A", "y"), 6),
    ...                                                (("B", "x"), 1), (("B", "y"), 14)])
    >>> by_sex, by_career = protect_linked([sex, career])
    >>> by_sex.status(sex.index(("A", "f"))).value, by_career.status(career.index(("B", "x"))).value
    ('primary', 'primary')
    >>> shared = [by_sex.status(sex.index((o, TOTAL))) == by_career.status(career.index((o, TOTAL)))
    ...           for o in ("A", "B", TOTAL)]
    >>> shared
    [True, True, True]
    """
    rules = rules or Rules()
    linked = link_tables(tables)
    system = linked.system
    flags = count_flags(system.values, rules)
    pattern = protect(
        system, flags != 0, _width(rules, width), zero_complements=zero_complements, workers=workers
    )
    out = []
    for t, m in zip(linked.tables, linked.members, strict=True):
        out.append(TableProtection(t, pattern, m, _flags_with_secondary(pattern, m, flags[m])))
    return out


@dataclass(frozen=True)
class JointAnswers:
    """Contributors classified by their answer under several definitions at once.

    ``names`` are the definitions (of migration background, say) and ``combinations`` the
    combinations of answers – ``yes``, ``no`` or ``unknown`` under each definition, in the
    order of ``names`` – that can occur at all. What the published counts of one cell can be
    is then the cone of nonnegative sums of these combinations; its facets are every linear
    relation between the definitions a reader can infer (:func:`~ikoe.stats.disclosure.joint.
    facets`). Besides "no count is negative", each facet becomes a never published code of
    the attribute dimension: the number of contributors by which the relation is slack
    (with a MighEV background but no Einwanderungsgeschichte, say), which adds up along every
    hierarchy like any count. So the attacker's equations hold every relation between the
    definitions without one being written down by hand.

    >>> joint = JointAnswers(("m", "e"), (("yes", "yes"), ("yes", "no"), ("no", "no")))
    >>> c = joint.classification
    >>> c.codes
    ('_T', 'm:yes', 'm:no', 'm:unknown', 'm:answered', 'e:yes', 'e:no', 'e:unknown', 'e:answered', '_r1')
    >>> [c.codes[i] for i in joint.hidden]
    ['_r1']
    >>> joint.value({("yes", "yes"): 2, ("yes", "no"): 1}).tolist()
    [3.0, 3.0, 0.0, 0.0, 3.0, 2.0, 1.0, 0.0, 3.0, 1.0]
    """

    names: tuple[str, ...]
    combinations: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if not self.names or not self.combinations:
            raise ValueError("name at least one definition and one combination")
        for combination in self.combinations:
            if len(combination) != len(self.names) or not set(combination) <= set(ANSWERS):
                raise ValueError(f"combination {combination!r}: one of {ANSWERS} per definition")

    @staticmethod
    def sum_code(name: str, answer: str) -> str:
        """The code of everyone with ``answer`` (or ``answered``) under definition ``name``."""
        return f"{name}:{answer}"

    @cached_property
    def relations(self) -> tuple[list[Facet], list[Facet]]:
        """The equalities and the facets (beyond "no count is negative") between definitions."""
        return facets(self.combinations)

    @cached_property
    def classification(self) -> Classification:
        names = self.names
        equalities, slack = self.relations
        codes = [TOTAL]
        for name in names:
            codes += [self.sum_code(name, a) for a in (*ANSWERS, ANSWERED)]
        codes += [f"_r{k + 1}" for k in range(len(slack))]
        at = {code: i for i, code in enumerate(codes)}
        n = len(codes)

        def coordinate(k: int) -> int:  # facets are over (yes, no) of each definition
            return at[self.sum_code(names[k // 2], (YES, NO)[k % 2])]

        rows: list[list[float]] = []
        for name in names:
            row = [0.0] * n
            row[0] = 1.0
            for a in ANSWERS:
                row[at[self.sum_code(name, a)]] = -1.0
            rows.append(row)
            row = [0.0] * n
            row[at[self.sum_code(name, ANSWERED)]] = 1.0
            row[at[self.sum_code(name, YES)]] = row[at[self.sum_code(name, NO)]] = -1.0
            rows.append(row)
        for j, (coef, bound) in enumerate([*equalities, *slack]):
            row = [0.0] * n
            for k, weight in enumerate(coef):
                row[coordinate(k)] += float(weight)
            row[0] -= float(bound)
            if j >= len(equalities):  # a.x + slack = bound * total
                row[at[f"_r{j - len(equalities) + 1}"]] = 1.0
            rows.append(row)
        generators = []
        for combination in self.combinations:
            g = [0.0] * n
            g[0] = 1.0
            for name, a in zip(names, combination, strict=True):
                g[at[self.sum_code(name, a)]] = 1.0
                if a != UNKNOWN:
                    g[at[self.sum_code(name, ANSWERED)]] = 1.0
            x = coordinates(combination)
            for k, (coef, bound) in enumerate(slack):
                g[at[f"_r{k + 1}"]] = float(
                    bound - sum(a * b for a, b in zip(coef, x, strict=True))
                )
            generators.append(tuple(g))
        return Classification(tuple(codes), tuple(tuple(r) for r in rows), tuple(generators))

    def positions(self, name: str) -> dict[str, int]:
        """Positions of ``yes``, ``no``, ``unknown`` and ``answered`` under ``name``."""
        c = self.classification
        return {a: c.position(self.sum_code(name, a)) for a in (*ANSWERS, ANSWERED)}

    @cached_property
    def hidden(self) -> tuple[int, ...]:
        """Positions of the codes no table publishes (the slack of each relation)."""
        c = self.classification
        return tuple(i for i, code in enumerate(c.codes) if code.startswith("_r"))

    def value(self, counts: Mapping[tuple[str, ...], int]) -> np.ndarray:
        """The codes' values of a cell with ``counts`` contributors per combination."""
        index = {c: k for k, c in enumerate(self.combinations)}
        unknown = set(counts) - set(index)
        if unknown:
            raise ValueError(f"combinations the definitions do not allow: {sorted(unknown)}")
        return self.classification.value_of({index[c]: n for c, n in counts.items()})


ANSWERS = (YES, NO, UNKNOWN)


@dataclass(frozen=True)
class EstimateCell:
    """One bottom-level cell of a survey table: contributors and their sensitive answers.

    ``sensitive`` counts those with the sensitive answer (e.g. with a migration background);
    ``declared`` those who answered the question at all (default: everyone). For a table with
    :class:`JointAnswers`, ``joint`` gives instead the count of each combination of answers
    (missing combinations are zero).
    """

    key: tuple[str, ...]
    count: int
    sensitive: int | None = None
    declared: int | None = None
    joint: Mapping[tuple[str, ...], int] | None = None


@dataclass(frozen=True)
class Shown:
    """What an earlier release showed of one cell of a table, under one definition.

    For :attr:`EstimateTable.shown`. ``key`` and ``definition`` are as in
    :class:`EstimateResult` (``definition`` is ``None`` for a table of one answer);
    ``count``: the number of contributors was shown; ``declared``: the number who answered;
    ``share``: the numbers with and without the sensitive answer (and the share), or the
    attacker is to be taken as knowing them.
    """

    key: tuple[str, ...]
    definition: str | None = None
    count: bool = False
    declared: bool = False
    share: bool = False


@dataclass(frozen=True)
class EstimateTable:
    """The bottom-level cells of one table of estimates, for :func:`protect_linked_estimates`.

    ``attribute`` names the extra dimension that splits contributors by their answer. Tables of
    one survey that share an attribute describe the same answer (one definition of migration
    background, say); tables with different attributes (other definitions) still share their
    counts of contributors, which is what links them. With ``joint`` the attribute splits
    contributors by their answers under several definitions at once, and the results hold
    every definition.

    ``shown`` marks a table released earlier, by what its release showed (:class:`Shown`, one
    per cell and definition; a cell not listed showed nothing): those figures stay published
    and everything else of the table stays suppressed, whatever is protected beside it.
    """

    dims: tuple[str, ...]
    cells: Sequence[EstimateCell]
    hierarchies: Mapping[str, Hierarchy] | None = None
    attribute: str = SENSITIVE_DIM
    joint: JointAnswers | None = None
    shown: Sequence[Shown] | None = None


@dataclass(frozen=True)
class EstimateResult:
    """Status and reasons for the count and the share of one cell of the complete table.

    ``declared_status`` is the status of the number of contributors who answered (the base of
    the share); it is the count's status when everyone answered. ``definition`` names the
    definition of a table with :class:`JointAnswers` (``None`` otherwise).
    """

    key: tuple[str, ...]
    count: float
    count_status: Status
    count_reasons: tuple[str, ...]
    count_interval: tuple[float, float] | None
    share: float | None
    share_status: Status | None
    share_reasons: tuple[str, ...]
    declared: float | None = None
    declared_status: Status | None = None
    definition: str | None = None


@dataclass(frozen=True, eq=False)
class _Extended:
    """One table of estimates as a table of counts split by the answer, with its primary flags.

    ``views`` holds per definition (``None`` for a table of one answer) the cells of ``yes``,
    ``no`` and ``answered`` aligned with ``base``, the cells of all contributors (``-1`` where
    the answer cannot occur: a known zero).
    """

    table: Table
    flags: np.ndarray
    shares: bool
    base: np.ndarray
    views: dict[str | None, tuple[np.ndarray, np.ndarray, np.ndarray]]
    hidden: np.ndarray  # cells never published (combinations of answers)


def _attribute_hierarchy(split: bool) -> Hierarchy:
    if split:
        return Hierarchy.from_parents(
            [(ANSWERED, None), (YES, ANSWERED), (NO, ANSWERED), (UNKNOWN, None)]
        )
    return Hierarchy.flat([YES, NO])


def _has_shares(spec: EstimateTable) -> bool:
    if spec.joint is not None:
        return True
    with_share = [c.sensitive is not None for c in spec.cells]
    if any(with_share) and not all(with_share):
        raise ValueError("give the sensitive count for every cell or for none")
    return bool(spec.cells) and all(with_share)


def _needs_split(spec: EstimateTable) -> bool:
    return any(c.declared is not None and c.declared != c.count for c in spec.cells)


def _bottom(spec: EstimateTable, shares: bool, split: bool) -> list[tuple[tuple[str, ...], float]]:
    """The bottom cells of the table split by the answer."""
    bottom: list[tuple[tuple[str, ...], float]] = []
    for c in spec.cells:
        if len(c.key) != len(spec.dims):
            raise ValueError(f"cell {c.key!r} does not have one code per dimension")
        if not shares:
            bottom.append((tuple(c.key), float(c.count)))
        elif spec.joint is not None:
            counts = dict(c.joint or {})
            if sum(counts.values()) != c.count or min(counts.values(), default=0) < 0:
                raise ValueError(f"cell {c.key!r}: the combinations must add up to the count")
            codes = spec.joint.classification.codes
            value = spec.joint.value(counts)
            bottom += [((*c.key, codes[i]), float(value[i])) for i in np.flatnonzero(value)]
        else:
            declared = c.count if c.declared is None else c.declared
            sensitive = int(c.sensitive or 0)
            if not 0 <= sensitive <= declared <= c.count:
                raise ValueError(f"cell {c.key!r}: need 0 <= sensitive <= declared <= count")
            bottom.append(((*c.key, YES), float(sensitive)))
            bottom.append(((*c.key, NO), float(declared - sensitive)))
            if split:
                bottom.append(((*c.key, UNKNOWN), float(c.count - declared)))
    return bottom


def _extend(spec: EstimateTable, rules: Rules, shares: bool, split: bool) -> _Extended:
    dims = tuple(spec.dims)
    if spec.attribute in dims:
        raise ValueError(f"{spec.attribute} is reserved")
    bottom = _bottom(spec, shares, split)
    given: dict[str, Dimension] = dict(spec.hierarchies or {})
    if not shares:
        table = Table.from_bottom(dims, bottom, given)
        every = np.arange(table.size)
        nothing = np.zeros(table.size, dtype=bool)
        views: dict[str | None, tuple[np.ndarray, np.ndarray, np.ndarray]] = {
            None: (every, every, every)
        }
        return _Extended(table, count_flags(table.values, rules), False, every, views, nothing)
    attr: Dimension
    at_answer: dict[str | None, tuple[int, int, int]]
    if spec.joint is not None:
        attr = spec.joint.classification
        at_answer = {}
        for definition in spec.joint.names:
            where = spec.joint.positions(definition)
            at_answer[definition] = (where[YES], where[NO], where[ANSWERED])
        unpublished = set(spec.joint.hidden)
    else:
        attr = _attribute_hierarchy(split)
        at_answer = {
            None: (
                attr.position(YES),
                attr.position(NO),
                attr.position(ANSWERED if split else TOTAL),
            )
        }
        unpublished = set()
    given[spec.attribute] = attr
    table = Table.from_bottom((*dims, spec.attribute), bottom, given)
    values = table.values
    code = table.positions()[:, -1]
    flags = np.zeros(table.size, dtype=np.int64)
    at = attr.position(TOTAL)
    base = np.flatnonzero(code == at)
    flags[base] = count_flags(values[base], rules)
    views = {}
    for name, (at_yes, at_no, at_answered) in at_answer.items():
        yes, no, answered = base + (at_yes - at), base + (at_no - at), base + (at_answered - at)
        if rules.attribute_frequency:
            for side in (yes, no):
                flags[side] |= (
                    count_flags(values[side], Rules(min_count=rules.min_count)) & Reason.FREQUENCY
                )
        share = share_flags(values[base], values[yes], values[answered], rules)
        flags[yes] |= share
        # Everyone answering alike is given away by the "no" cell (zero) as much as by the
        # "yes" cell: both sides of the share are protected.
        flags[no] |= share & Reason.GROUP
        views[name] = (yes, no, answered)
    hidden = np.isin(code, np.array(sorted(unpublished), dtype=np.int64))
    return _Extended(table, flags, True, base, views, hidden)


def protect_linked_estimates(
    tables: Sequence[EstimateTable],
    rules: Rules | None = None,
    width: float | None = None,
    *,
    zero_complements: bool = True,
    empty_known: bool = False,
    released: Pattern | None = None,
    workers: int = 1,
    exact_audit: bool = True,
) -> tuple[list[list[EstimateResult]], Pattern]:
    """Protect counts and shares of several tables of one survey together.

    Every table is split by its attribute (see :func:`protect_estimates`); the split tables are
    linked (a cell shared by two tables has one status) and protected as one system, so no
    published figure of any table gives away a suppressed figure of another. Returns the
    results per table, in the order given, and the released pattern (with its audit).

    With ``empty_known`` cells without contributors are taken as known to the attacker and
    never chosen as complements: a publication that lists only the groups that have
    respondents gives every missing group away as empty.

    ``released`` is a pattern released earlier for some of these tables (protected with the
    same rules): what it published stays published and what it suppressed stays suppressed,
    so a further table can be added to a publication without changing what is out already.

    With ``empty_known`` every listed group (a count cell with contributors) is also known to
    have at least one: the attacker's lower bound there is 1. ``exact_audit=False`` audits only
    as far as the decision needs (see :func:`~ikoe.stats.disclosure.audit.audit`).

    >>> org = Hierarchy.from_parents([("L", ""), ("A", "L"), ("B", "L"), ("C", "L")])
    >>> by_org = EstimateTable(("org",), [EstimateCell(("A",), 20, 1), EstimateCell(("B",), 30, 9),
    ...                                   EstimateCell(("C",), 25, 6)], {"org": org})
    >>> by_land = EstimateTable(("org",), [EstimateCell(("L",), 75, 16)],
    ...                         {"org": Hierarchy.flat(["L"])})
    >>> (agencies, land), pattern = protect_linked_estimates([by_org, by_land])
    >>> [(r.key, r.share_status.value) for r in agencies]
    [(('_T',), 'published'), (('L',), 'published'), (('A',), 'primary'), (('B',), 'published'), (('C',), 'secondary')]
    >>> land[1].share_status.value, pattern.audit.ok
    ('published', True)
    """
    rules = rules or Rules()
    specs = list(tables)
    if not specs:
        raise ValueError("no tables")
    shares = [_has_shares(s) for s in specs]
    split: dict[str, bool] = {}
    for spec, has in zip(specs, shares, strict=True):
        if has:
            split[spec.attribute] = split.get(spec.attribute, False) or _needs_split(spec)
    extended = [
        _extend(spec, rules, has, split.get(spec.attribute, False))
        for spec, has in zip(specs, shares, strict=True)
    ]
    if len(extended) == 1:
        system = CellSystem.from_table(extended[0].table)
        members: Sequence[np.ndarray] = [np.arange(system.size)]
    else:
        linked = link_tables([e.table for e in extended])
        system, members = linked.system, linked.members
    flags = np.zeros(system.size, dtype=np.int64)
    hidden = np.zeros(system.size, dtype=bool)
    for e, m in zip(extended, members, strict=True):
        np.bitwise_or.at(flags, m, e.flags)
        hidden[m[e.hidden]] = True
    w = _width(rules, width)
    is_count = _count_cells(system, specs, extended)
    forbidden = np.zeros(system.size, dtype=bool)
    lower = np.zeros(system.size)
    if empty_known:
        forbidden = system.values[_count_cell_of(system, specs, extended)] == 0
        # only groups with contributors are listed: each of them has at least one
        lower[is_count & (system.values > 0)] = 1.0
    release = _release(specs, extended, members, system)
    system = system.knowing(lower=lower, hidden=hidden)
    keep = np.zeros(system.size, dtype=bool)
    forbidden = forbidden.copy()
    if released is not None:
        before = _embed(released.system, system)
        keep[before[released.suppressed]] = True
        forbidden[before[~released.suppressed]] = True
    if release is not None:
        keep |= release.cells & ~release.shown
        forbidden |= release.shown
    beside = released is not None or release is not None
    if beside:
        forbidden, keep = _beside(system, confidential(flags), forbidden, keep, w)
    pattern = None
    if len(extended) > 1:
        # Beside a release the parts' clean-up is bounded: with the released cells fixed its
        # programs grow large (up to ten minutes on 200,000 respondents).
        budget = BESIDE_CLEANUP_BUDGET if beside else None
        options = _Options(w, zero_complements, workers, exact_audit, cleanup_budget=budget)
        pattern = _protect_in_parts(
            specs, extended, system, members, flags, is_count, forbidden, keep, options
        )
    if pattern is None and beside and len(extended) > 1:
        # The search over the whole system is bound by the same released cells; with
        # hundreds of thousands of cells it would take long to reach the same answer.
        raise ReleaseBlocks(np.zeros(0, dtype=np.int64))
    if pattern is None:
        costs = default_cost(system.values)
        costs[forbidden] = np.inf
        try:
            pattern = protect(
                system,
                confidential(flags),
                w,
                cost=costs,
                fixed=keep,
                zero_complements=zero_complements,
                workers=workers,
                exact_audit=exact_audit,
            )
        except ProtectionFailed as failed:
            if beside:
                raise ReleaseBlocks(np.zeros(0, dtype=np.int64)) from failed
            raise
    flags[pattern.secondary] |= Reason.SECONDARY
    return [_results(e, m, pattern, flags) for e, m in zip(extended, members, strict=True)], pattern


class ReleaseBlocks(ProtectionFailed):
    """Tables cannot be protected beside a release without changing what it published.

    ``cells`` are primary cells that no pattern can protect with the release fixed: narrower
    than ``W`` even with every cell the release leaves open suppressed (found before any
    search). Empty when the search found no pattern.
    """

    def __init__(self, cells: np.ndarray) -> None:
        super().__init__(cells, None)


@dataclass(frozen=True, eq=False)
class _Release:
    """The cells of the tables released earlier (``EstimateTable.shown``) in the linked system:
    all of them, and those the release showed."""

    cells: np.ndarray
    shown: np.ndarray


def _release(
    specs: Sequence[EstimateTable],
    extended: Sequence[_Extended],
    members: Sequence[np.ndarray],
    system: CellSystem,
) -> _Release | None:
    if all(spec.shown is None for spec in specs):
        return None
    cells = np.zeros(system.size, dtype=bool)
    shown = np.zeros(system.size, dtype=bool)
    for spec, e, m in zip(specs, extended, members, strict=True):
        if spec.shown is None:
            continue
        cells[m] = True
        table = e.table
        at = {
            (table.key(b)[:-1] if e.shares else table.key(b)): j
            for j, b in enumerate(e.base.tolist())
        }
        seen = np.zeros(table.size, dtype=bool)
        for item in spec.shown:
            j = at.get(tuple(item.key))
            if j is None:
                raise ValueError(f"{item.key!r} is no cell of the table")
            b = int(e.base[j])
            seen[b] |= item.count
            if not e.shares:
                continue
            if item.definition not in e.views:
                raise ValueError(f"the table has no definition {item.definition!r}")
            yes, no, answered = e.views[item.definition]
            if item.declared:
                seen[answered[j]] = True
                if item.count:  # those who did not answer follow
                    seen[_unknown_cells(spec, e, item.definition, np.array([b]))] = True
            if item.share:
                seen[yes[j]] = seen[no[j]] = True
        shown[m[seen]] = True
    return _Release(cells, shown)


def _unknown_cells(
    spec: EstimateTable, e: _Extended, definition: str | None, base: np.ndarray
) -> np.ndarray:
    """The cells of those who did not answer (under ``definition``) beside ``base`` cells."""
    attr = e.table.hierarchies[-1]
    code = UNKNOWN if spec.joint is None else JointAnswers.sum_code(str(definition), UNKNOWN)
    if code not in attr.codes:
        return np.zeros(0, dtype=np.int64)
    return base + (attr.position(code) - attr.position(TOTAL))


def _beside(
    system: CellSystem, primary: np.ndarray, known: np.ndarray, keep: np.ndarray, width: float
) -> tuple[np.ndarray, np.ndarray]:
    """What a release settles before any search: ``known`` and ``keep`` updated, or
    :class:`ReleaseBlocks`.

    With every cell suppressed that the release and the empty groups leave open (the most a
    pattern can suppress), interval propagation gives bounds the attacker can only narrow. A
    primary cell narrower than ``width`` there is under-protected by every pattern: refused at
    once. A cell the release withheld whose bounds are a single value (a Land's total beside
    the only Land, say) is given away by the release already: it counts as published.
    """
    open_ = ~known
    cells = np.flatnonzero(open_ & (primary | keep) & ~system.hidden)
    low, high = outer_intervals(system, open_, cells)
    spread = high - low
    narrow = cells[primary[cells] & (spread < width - WIDTH_TOLERANCE * max(1.0, width))]
    narrow = np.union1d(narrow, np.flatnonzero(primary & known))  # shown (or known empty)
    if narrow.size:
        raise ReleaseBlocks(narrow)
    pinned = cells[~primary[cells] & (spread <= WIDTH_TOLERANCE)]
    known, keep = known.copy(), keep.copy()
    known[pinned] = True
    keep[pinned] = False
    return known, keep


@dataclass(frozen=True)
class _Options:
    width: float
    zero_complements: bool
    workers: int
    exact_audit: bool
    cleanup_budget: float | None = None


def _protect_in_parts(
    specs: Sequence[EstimateTable],
    extended: Sequence[_Extended],
    system: CellSystem,
    members: Sequence[np.ndarray],
    flags: np.ndarray,
    is_count: np.ndarray,
    forbidden: np.ndarray,
    keep: np.ndarray,
    options: _Options,
) -> Pattern | None:
    """Protect linked tables part by part and audit the union; ``None`` when that fails.

    Protecting all tables of a survey as one system is exact but slow: a survey with three
    definitions of migration background has three attribute dimensions, and the search for
    complements wanders through all of them. The parts:

    1. the counts of contributors of all tables (no attribute), linked: this decides which
       counts are published, once for every definition;
    2. for each attribute, each largest table with the tables it contains (a table by
       ministry is a cut of one by agency): suppressed counts of step 1 stay suppressed, and
       published ones may not be taken as complements, so every part agrees on the counts;
    3. the union of the parts' patterns is audited on the whole linked system with the
       attacker's linear program. Primary cells that combining the parts leaves
       under-protected get further complements found on the whole system (nothing is
       published again), and the result is audited again. A cell suppressed by one part is
       suppressed in all (suppressing more never weakens a protection). Where a part or the
       repair fails, the caller protects the whole system at once.

    A part of tables released earlier alone (``EstimateTable.shown``) is not searched: each of
    its cells is published or suppressed already, which is its pattern.
    """

    width = options.width
    zero_complements, workers = options.zero_complements, options.workers
    # 1. counts
    count_tables = [_count_table(s, e) for s, e in zip(specs, extended, strict=True)]
    try:
        counts = _linked_system(count_tables)
        count_cells = _embed(counts, system)
        counts = counts.knowing(lower=system.lower[count_cells])
        primary_counts = (flags[count_cells] & (Reason.FREQUENCY | Reason.ZERO)) != 0
        costs = default_cost(counts.values)
        costs[forbidden[count_cells]] = np.inf
        first = protect(
            counts,
            primary_counts,
            width,
            cost=costs,
            fixed=keep[count_cells],
            zero_complements=zero_complements,
            workers=workers,
            exact_audit=False,
        )
    except ProtectionFailed:
        return None
    count_suppressed = np.zeros(system.size, dtype=bool)
    count_suppressed[count_cells[first.suppressed]] = True
    # 2. parts
    union = count_suppressed.copy()
    for part_tables in _parts(extended):
        if all(specs[k].shown is not None for k in part_tables):
            cells = np.unique(np.concatenate([members[k] for k in part_tables]))
            union[cells[keep[cells]]] = True
            continue
        part = _linked_system([extended[k].table for k in part_tables])
        cells = _embed(part, system)
        part = part.knowing(lower=system.lower[cells], hidden=system.hidden[cells])
        primary_part = confidential(flags[cells])
        fixed = (is_count[cells] & count_suppressed[cells]) | keep[cells]
        # First with the counts published in step 1 barred; they may block this part (moving
        # a count needs its split cells to move too), so then with only what must never be
        # suppressed.
        strict = default_cost(part.values)
        strict[(is_count[cells] & ~count_suppressed[cells]) | forbidden[cells]] = np.inf
        loose = default_cost(part.values)
        loose[forbidden[cells]] = np.inf
        found = None
        for costs in (strict, loose):
            try:
                found = protect(
                    part,
                    primary_part,
                    width,
                    cost=costs,
                    fixed=fixed,
                    zero_complements=zero_complements,
                    workers=workers,
                    exact_audit=False,
                    cleanup_budget=options.cleanup_budget,
                )
                break
            except ProtectionFailed:
                continue
        if found is None:
            return None
        # Suppressing more never weakens another part's protection (the attacker learns
        # less), so the parts' patterns are joined; the audit below checks the whole.
        union[cells[found.suppressed]] = True
    # 3. audit of the union; what the parts left open across them (a count suppressed in
    # every definition can be narrowed by combining them) is repaired on the whole system
    primary = confidential(flags)
    suppressed = union
    report = audit(system, suppressed, primary, width, exact=options.exact_audit)
    stats = {
        "parts": float(len(extended)),
        "under_protected_parts": float(report.under_protected().size),
    }
    if not report.ok:
        costs = default_cost(system.values)
        costs[forbidden] = np.inf
        try:
            repaired = repair(
                system,
                primary,
                suppressed,
                width,
                cost=costs,
                report=report,
                exact_audit=options.exact_audit,
            )
        except ProtectionFailed:
            return None
        return Pattern(
            system, primary, repaired.suppressed, width, repaired.audit, {**stats, **repaired.stats}
        )
    return Pattern(system, primary, suppressed, width, report, stats)


def _embed(part: CellSystem, system: CellSystem) -> np.ndarray:
    """For each cell of ``part``, the same cell in ``system`` (whose dimensions include the
    part's; dimensions the part lacks are at ``_T``)."""
    dims = system.grid.dims
    where = [dims.index(d) for d in part.grid.dims]
    positions = np.zeros((part.size, len(dims)), dtype=np.int64)
    for d, h in enumerate(system.grid.hierarchies):
        positions[:, d] = h.position(TOTAL)
    for k, (d, h) in enumerate(zip(where, part.grid.hierarchies, strict=True)):
        master = system.grid.hierarchies[d]
        remap = np.array([master.position(c) for c in h.codes], dtype=np.int64)
        positions[:, d] = remap[part.grid.positions[:, k]]
    found = system.grid.lookup(positions @ system.grid.strides)
    if np.any(found < 0):
        raise ValueError("the part has cells the system lacks")
    return found


def _attribute_positions(
    system: CellSystem, specs: Sequence[EstimateTable], extended: Sequence[_Extended]
) -> tuple[list[int], np.ndarray]:
    dims = system.grid.dims
    attributes = {s.attribute for s, e in zip(specs, extended, strict=True) if e.shares}
    where = [dims.index(a) for a in sorted(attributes) if a in dims]
    totals = np.array([system.grid.hierarchies[d].position(TOTAL) for d in where], dtype=np.int64)
    return where, totals


def _count_cells(
    system: CellSystem, specs: Sequence[EstimateTable], extended: Sequence[_Extended]
) -> np.ndarray:
    """Whether each cell counts all contributors (every attribute at ``_T``)."""
    where, totals = _attribute_positions(system, specs, extended)
    if not where:
        return np.ones(system.size, dtype=bool)
    return np.all(system.grid.positions[:, where] == totals, axis=1)


def _count_cell_of(
    system: CellSystem, specs: Sequence[EstimateTable], extended: Sequence[_Extended]
) -> np.ndarray:
    """For each cell, the cell that counts all its contributors (itself for count cells)."""
    where, totals = _attribute_positions(system, specs, extended)
    positions = system.grid.positions.astype(np.int64).copy()
    if where:
        positions[:, where] = totals
    found = system.grid.lookup(positions @ system.grid.strides)
    if np.any(found < 0):  # pragma: no cover - every split cell has its count in the system
        raise ValueError("a cell without its count")
    return found


def _count_table(spec: EstimateTable, e: _Extended) -> Table:
    if not e.shares:
        return e.table
    given = dict(spec.hierarchies or {})
    return Table.from_bottom(spec.dims, [(tuple(c.key), float(c.count)) for c in spec.cells], given)


def _linked_system(tables: Sequence[Table]) -> CellSystem:
    if len(tables) == 1:
        return CellSystem.from_table(tables[0])
    return link_tables(tables).system


def _parts(extended: Sequence[_Extended]) -> list[list[int]]:
    """Tables grouped under the largest tables that contain them (same dimensions or fewer,
    each hierarchy a cut of the larger table's)."""
    order = sorted(range(len(extended)), key=lambda k: -extended[k].table.size)
    parts: list[list[int]] = []
    for k in order:
        t = extended[k].table
        for part in parts:
            big = extended[part[0]].table
            if set(t.dims) <= set(big.dims) and all(
                _is_cut(h, big.hierarchies[big.dims.index(d)])
                for d, h in zip(t.dims, t.hierarchies, strict=True)
            ):
                part.append(k)
                break
        else:
            parts.append([k])
    return parts


def _results(
    e: _Extended, members: np.ndarray, pattern: Pattern, flags: np.ndarray
) -> list[EstimateResult]:
    table, values = e.table, e.table.values
    out = []
    for name, (yes, no, answered) in e.views.items():
        for j, b in enumerate(e.base.tolist()):
            cb = int(members[b])
            count = EstimateResult(
                key=table.key(b)[:-1] if e.shares else table.key(b),
                count=float(values[b]),
                count_status=pattern.status(cb),
                count_reasons=reason_names(int(flags[cb])),
                count_interval=pattern.audit.get(cb) if pattern.suppressed[cb] else None,
                share=None,
                share_status=None,
                share_reasons=(),
                declared=float(values[b]),
                declared_status=pattern.status(cb),
                definition=name,
            )
            if e.shares:
                y, n, r = int(members[yes[j]]), int(members[no[j]]), int(members[answered[j]])
                count = _with_share(count, y, n, r, pattern, flags)
            out.append(count)
    return out


def _with_share(
    count: EstimateResult, y: int, n: int, r: int, pattern: Pattern, flags: np.ndarray
) -> EstimateResult:
    """The result with the share ``yes / answered`` of its cell: withheld by a rule of its own
    (confidential or not reliable enough), withheld because a count behind it is suppressed,
    or published. ``y``, ``n`` and ``r`` are the cells of yes, no and answered."""
    values = pattern.system.values
    declared = float(values[r])
    declared_status = pattern.status(r)
    share = float(values[y]) / declared if declared > 0 else None
    own = (int(flags[y]) | int(flags[n])) & ~Reason.SECONDARY
    share_status: Status | None
    share_reasons: tuple[str, ...] = ()
    if share is None:
        share_status = None
    elif own:
        share_status, share_reasons = Status.PRIMARY, reason_names(own)
        if not own & CONFIDENTIAL and (pattern.suppressed[y] or pattern.suppressed[n]):
            # withheld as not reliable enough and also suppressed to protect another cell
            share_reasons = reason_names(own | Reason.SECONDARY)
    elif pattern.suppressed[y] or pattern.suppressed[n] or declared_status is not Status.PUBLISHED:
        share_status, share_reasons = Status.SECONDARY, ("secondary",)
    else:
        share_status = Status.PUBLISHED
    return replace(
        count,
        share=share,
        share_status=share_status,
        share_reasons=share_reasons,
        declared=declared,
        declared_status=declared_status,
    )


def protect_estimates(
    dims: Sequence[str],
    cells: Sequence[EstimateCell],
    hierarchies: Mapping[str, Hierarchy] | None = None,
    rules: Rules | None = None,
    width: float | None = None,
    *,
    zero_complements: bool = True,
    empty_known: bool = False,
    workers: int = 1,
) -> list[EstimateResult]:
    """Protect counts and the shares of a sensitive answer for every cell of the complete table.

    A share ``sensitive / declared`` is published only when the counts behind it are: the
    contributors are split by their answer into an extra dimension (``yes``/``no``, and
    ``unknown`` for those who did not answer), the share rules mark the ``yes`` cell, and the
    extended table is protected as a whole. So a suppressed share cannot be recomputed from
    published shares and bases of its neighbours. A share is primary when the ``yes`` or the
    ``no`` cell behind it breaks a rule (1 or 2 persons without the sensitive answer give it
    away as surely as 1 or 2 with it).

    >>> cells = [EstimateCell(("A", "f"), 12, 12), EstimateCell(("A", "m"), 30, 6),
    ...          EstimateCell(("B", "f"), 25, 5), EstimateCell(("B", "m"), 2, 0),
    ...          EstimateCell(("C", "f"), 28, 9), EstimateCell(("C", "m"), 33, 4)]
    >>> out = {r.key: r for r in protect_estimates(["org", "sex"], cells)}
    >>> out[("A", "f")].share_status.value, out[("A", "f")].share_reasons
    ('primary', ('group-disclosure',))
    >>> out[("B", "m")].count_status.value, out[("B", "m")].count_reasons
    ('primary', ('frequency',))
    >>> out[("C", "m")].count_status.value, round(out[("C", "m")].share, 3)
    ('published', 0.121)
    >>> out[("A", "m")].share_status.value   # would give away the suppressed share of ("A", "f")
    'secondary'

    """
    spec = EstimateTable(tuple(dims), cells, hierarchies)
    (results,), _pattern = protect_linked_estimates(
        [spec],
        rules,
        width,
        zero_complements=zero_complements,
        empty_known=empty_known,
        workers=workers,
    )
    return results
