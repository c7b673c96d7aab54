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
from dataclasses import dataclass

import numpy as np

from ikoe.stats.disclosure.audit import audit
from ikoe.stats.disclosure.hierarchy import TOTAL, Hierarchy
from ikoe.stats.disclosure.primary import Reason, Rules, count_flags, reason_names, share_flags
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
        return self.pattern.audit.interval(cell)

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
class EstimateCell:
    """One bottom-level cell of a survey table: contributors and their sensitive answers.

    ``sensitive`` counts those with the sensitive answer (e.g. with a migration background);
    ``declared`` those who answered the question at all (default: everyone).
    """

    key: tuple[str, ...]
    count: int
    sensitive: int | None = None
    declared: int | None = None


@dataclass(frozen=True)
class EstimateTable:
    """The bottom-level cells of one table of estimates, for :func:`protect_linked_estimates`.

    ``attribute`` names the extra dimension that splits contributors by their answer. Tables of
    one survey that share an attribute describe the same answer (one definition of migration
    background, say); tables with different attributes (other definitions) still share their
    counts of contributors, which is what links them.
    """

    dims: tuple[str, ...]
    cells: Sequence[EstimateCell]
    hierarchies: Mapping[str, Hierarchy] | None = None
    attribute: str = SENSITIVE_DIM


@dataclass(frozen=True)
class EstimateResult:
    """Status and reasons for the count and the share of one cell of the complete table.

    ``declared_status`` is the status of the number of contributors who answered (the base of
    the share); it is the count's status when everyone answered.
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


@dataclass(frozen=True, eq=False)
class _Extended:
    """One table of estimates as a table of counts split by the answer, with its primary flags."""

    table: Table
    flags: np.ndarray
    shares: bool
    base: np.ndarray  # cells with the attribute at _T (all contributors)
    yes: np.ndarray  # ... at "yes"
    no: np.ndarray  # ... at "no"
    answered: np.ndarray  # ... at "answered" (= base when everyone answered)


def _attribute_hierarchy(split: bool) -> Hierarchy:
    if split:
        return Hierarchy.from_parents(
            [(ANSWERED, None), (YES, ANSWERED), (NO, ANSWERED), (UNKNOWN, None)]
        )
    return Hierarchy.flat([YES, NO])


def _has_shares(spec: EstimateTable) -> bool:
    with_share = [c.sensitive is not None for c in spec.cells]
    if any(with_share) and not all(with_share):
        raise ValueError("give the sensitive count for every cell or for none")
    return bool(spec.cells) and all(with_share)


def _needs_split(spec: EstimateTable) -> bool:
    return any(c.declared is not None and c.declared != c.count for c in spec.cells)


def _extend(spec: EstimateTable, rules: Rules, shares: bool, split: bool) -> _Extended:
    dims = tuple(spec.dims)
    if spec.attribute in dims:
        raise ValueError(f"{spec.attribute} is reserved")
    bottom: list[tuple[tuple[str, ...], float]] = []
    for c in spec.cells:
        if len(c.key) != len(dims):
            raise ValueError(f"cell {c.key!r} does not have one code per dimension")
        if not shares:
            bottom.append((tuple(c.key), float(c.count)))
            continue
        declared = c.count if c.declared is None else c.declared
        sensitive = int(c.sensitive or 0)
        if not 0 <= sensitive <= declared <= c.count:
            raise ValueError(f"cell {c.key!r}: need 0 <= sensitive <= declared <= count")
        bottom.append(((*c.key, YES), float(sensitive)))
        bottom.append(((*c.key, NO), float(declared - sensitive)))
        if split:
            bottom.append(((*c.key, UNKNOWN), float(c.count - declared)))
    given = dict(spec.hierarchies or {})
    if not shares:
        table = Table.from_bottom(dims, bottom, given)
        every = np.arange(table.size)
        return _Extended(table, count_flags(table.values, rules), False, every, every, every, every)
    given[spec.attribute] = _attribute_hierarchy(split)
    table = Table.from_bottom((*dims, spec.attribute), bottom, given)
    values = table.values
    attr = table.hierarchies[-1]
    code = np.array(attr.codes)[table.positions()[:, -1]]
    flags = np.zeros(table.size, dtype=np.int64)
    is_total = code == TOTAL
    flags[is_total] = count_flags(values[is_total], rules)
    if rules.attribute_frequency:
        leaf = (code == YES) | (code == NO)
        flags[leaf] |= (
            count_flags(values[leaf], Rules(min_count=rules.min_count)) & Reason.FREQUENCY
        )
    base = np.flatnonzero(is_total)
    at = attr.position(TOTAL)
    yes = base + (attr.position(YES) - at)
    no = base + (attr.position(NO) - at)
    answered = base + (attr.position(ANSWERED) - at) if split else base
    flags[yes] |= share_flags(values[base], values[yes], values[answered], rules)
    return _Extended(table, flags, True, base, yes, no, answered)


def protect_linked_estimates(
    tables: Sequence[EstimateTable],
    rules: Rules | None = None,
    width: float | None = None,
    *,
    zero_complements: bool = True,
    empty_known: bool = False,
    released: Pattern | None = None,
    workers: int = 1,
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
    for e, m in zip(extended, members, strict=True):
        np.bitwise_or.at(flags, m, e.flags)
    w = _width(rules, width)
    is_count = _count_cells(system, specs, extended)
    forbidden = np.zeros(system.size, dtype=bool)
    if empty_known:
        forbidden = system.values[_count_cell_of(system, specs, extended)] == 0
    keep = np.zeros(system.size, dtype=bool)
    if released is not None:
        before = _embed(released.system, system)
        keep[before[released.suppressed]] = True
        forbidden = forbidden.copy()
        forbidden[before[~released.suppressed]] = True
    pattern = None
    if len(extended) > 1:
        pattern = _protect_in_parts(
            specs,
            extended,
            system,
            members,
            flags,
            is_count,
            forbidden,
            keep,
            w,
            zero_complements,
            workers,
        )
    if pattern is None and released is not None:
        # The search over the whole system is bound by the same released cells; with
        # hundreds of thousands of cells it would take long to reach the same answer.
        raise ProtectionFailed(np.flatnonzero(flags != 0), None)
    if pattern is None:
        costs = default_cost(system.values)
        costs[forbidden] = np.inf
        pattern = protect(
            system,
            flags != 0,
            w,
            cost=costs,
            fixed=keep,
            zero_complements=zero_complements,
            workers=workers,
        )
    flags[pattern.secondary] |= Reason.SECONDARY
    return [_results(e, m, pattern, flags) for e, m in zip(extended, members, strict=True)], pattern


def _protect_in_parts(
    specs: Sequence[EstimateTable],
    extended: Sequence[_Extended],
    system: CellSystem,
    members: Sequence[np.ndarray],
    flags: np.ndarray,
    is_count: np.ndarray,
    forbidden: np.ndarray,
    keep: np.ndarray,
    width: float,
    zero_complements: bool,
    workers: int,
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
    """

    # 1. counts
    count_tables = [_count_table(s, e) for s, e in zip(specs, extended, strict=True)]
    try:
        counts = _linked_system(count_tables)
        count_cells = _embed(counts, system)
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
        )
    except ProtectionFailed:
        return None
    count_suppressed = np.zeros(system.size, dtype=bool)
    count_suppressed[count_cells[first.suppressed]] = True
    # 2. parts
    union = count_suppressed.copy()
    for part_tables in _parts(extended):
        part = _linked_system([extended[k].table for k in part_tables])
        cells = _embed(part, system)
        primary_part = flags[cells] != 0
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
    primary = flags != 0
    suppressed = union
    report = audit(system, suppressed, primary, width)
    stats = {
        "parts": float(len(extended)),
        "under_protected_parts": float(report.under_protected().size),
    }
    if not report.ok:
        costs = default_cost(system.values)
        costs[forbidden] = np.inf
        try:
            repaired = repair(system, primary, suppressed, width, cost=costs, report=report)
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

    def interval(i: int) -> tuple[float, float] | None:
        cell = int(members[i])
        return pattern.audit.interval(cell) if pattern.suppressed[cell] else None

    out = []
    for b, y, n, r in zip(
        e.base.tolist(), e.yes.tolist(), e.no.tolist(), e.answered.tolist(), strict=True
    ):
        cb, cy, cn, cr = (int(members[i]) for i in (b, y, n, r))
        key = table.key(b)[:-1] if e.shares else table.key(b)
        count_status = pattern.status(cb)
        count_reasons = reason_names(int(flags[cb]))
        if not e.shares:
            out.append(
                EstimateResult(
                    key,
                    float(values[b]),
                    count_status,
                    count_reasons,
                    interval(b),
                    None,
                    None,
                    (),
                    float(values[b]),
                    count_status,
                )
            )
            continue
        share = float(values[y] / values[r]) if values[r] > 0 else None
        share_status: Status | None
        share_reasons: tuple[str, ...] = ()
        if share is None:
            share_status = None
        elif pattern.primary[cy] or pattern.primary[cn]:
            share_status = Status.PRIMARY
            share_reasons = reason_names((int(flags[cy]) | int(flags[cn])) & ~Reason.SECONDARY)
        elif pattern.suppressed[cy] or pattern.suppressed[cr]:
            share_status, share_reasons = Status.SECONDARY, ("secondary",)
        else:
            share_status = Status.PUBLISHED
        out.append(
            EstimateResult(
                key,
                float(values[b]),
                count_status,
                count_reasons,
                interval(b),
                share,
                share_status,
                share_reasons,
                float(values[r]),
                pattern.status(cr),
            )
        )
    return out


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
