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

from ikoe.stats.disclosure.hierarchy import TOTAL, Hierarchy
from ikoe.stats.disclosure.primary import Reason, Rules, count_flags, reason_names, share_flags
from ikoe.stats.disclosure.problem import CellSystem, link_tables
from ikoe.stats.disclosure.secondary import Pattern, Status, protect
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
class EstimateResult:
    """Status and reasons for the count and the share of one cell of the complete table."""

    key: tuple[str, ...]
    count: float
    count_status: Status
    count_reasons: tuple[str, ...]
    count_interval: tuple[float, float] | None
    share: float | None
    share_status: Status | None
    share_reasons: tuple[str, ...]


def protect_estimates(
    dims: Sequence[str],
    cells: Sequence[EstimateCell],
    hierarchies: Mapping[str, Hierarchy] | None = None,
    rules: Rules | None = None,
    width: float | None = None,
    *,
    zero_complements: bool = True,
) -> list[EstimateResult]:
    """Protect counts and the shares of a sensitive answer for every cell of the complete table.

    A share ``sensitive / declared`` is published only when the counts behind it are: the
    contributors are split by their answer into an extra dimension (``yes``/``no``, and
    ``unknown`` for those who did not answer), the share rules mark the ``yes`` cell, and the
    extended table is protected as a whole. So a suppressed share cannot be recomputed from
    published shares and bases of its neighbours.

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
    rules = rules or Rules()
    dims = tuple(dims)
    if SENSITIVE_DIM in dims:
        raise ValueError(f"{SENSITIVE_DIM} is reserved")
    with_share = [c.sensitive is not None for c in cells]
    if any(with_share) and not all(with_share):
        raise ValueError("give the sensitive count for every cell or for none")
    shares = bool(cells) and all(with_share)
    split = shares and any(c.declared is not None and c.declared != c.count for c in cells)
    bottom: list[tuple[tuple[str, ...], float]] = []
    for c in cells:
        if len(c.key) != len(dims):
            raise ValueError(f"cell {c.key!r} does not have one code per dimension")
        if not shares:
            bottom.append(((*c.key, TOTAL), float(c.count)))
            continue
        declared = c.count if c.declared is None else c.declared
        sensitive = int(c.sensitive or 0)
        if not 0 <= sensitive <= declared <= c.count:
            raise ValueError(f"cell {c.key!r}: need 0 <= sensitive <= declared <= count")
        bottom.append(((*c.key, YES), float(sensitive)))
        bottom.append(((*c.key, NO), float(declared - sensitive)))
        if split:
            bottom.append(((*c.key, UNKNOWN), float(c.count - declared)))
    given = dict(hierarchies or {})
    if shares:
        given[SENSITIVE_DIM] = (
            Hierarchy.from_parents(
                [(ANSWERED, None), (YES, ANSWERED), (NO, ANSWERED), (UNKNOWN, None)]
            )
            if split
            else Hierarchy.flat([YES, NO])
        )
        table = Table.from_bottom((*dims, SENSITIVE_DIM), bottom, given)
    else:
        table = Table.from_bottom(dims, [(k[:-1], v) for k, v in bottom], given)
    values = table.values
    if shares:
        pos = table.positions()
        attr = table.hierarchies[-1]
        code = np.array(attr.codes)[pos[:, -1]]
        flags = np.zeros(table.size, dtype=np.int64)
        is_total = code == TOTAL
        flags[is_total] = count_flags(values[is_total], rules)
        if rules.attribute_frequency:
            leaf = (code == YES) | (code == NO)
            flags[leaf] |= (
                count_flags(values[leaf], Rules(min_count=rules.min_count)) & Reason.FREQUENCY
            )
        base = np.flatnonzero(is_total)
        yes_cells = base + (attr.position(YES) - attr.position(TOTAL))
        answered_cells = base + (attr.position(ANSWERED) - attr.position(TOTAL)) if split else base
        flags[yes_cells] |= share_flags(
            values[base], values[yes_cells], values[answered_cells], rules
        )
    else:
        flags = count_flags(values, rules)
    system = CellSystem.from_table(table)
    pattern = protect(system, flags != 0, _width(rules, width), zero_complements=zero_complements)
    flags = _flags_with_secondary(pattern, np.arange(table.size), flags)
    results = []
    if not shares:
        for i in range(table.size):
            results.append(
                EstimateResult(
                    table.key(i),
                    float(values[i]),
                    pattern.status(i),
                    reason_names(int(flags[i])),
                    pattern.audit.interval(i) if pattern.suppressed[i] else None,
                    None,
                    None,
                    (),
                )
            )
        return results
    for b, y, r in zip(base.tolist(), yes_cells.tolist(), answered_cells.tolist(), strict=True):
        share = float(values[y] / values[r]) if values[r] > 0 else None
        share_status: Status | None
        share_reasons: tuple[str, ...]
        if share is None:
            share_status, share_reasons = None, ()
        elif pattern.primary[y]:
            share_status, share_reasons = (
                Status.PRIMARY,
                reason_names(int(flags[y]) & ~Reason.SECONDARY),
            )
        elif pattern.suppressed[y] or pattern.suppressed[r]:
            share_status, share_reasons = Status.SECONDARY, ("secondary",)
        else:
            share_status, share_reasons = Status.PUBLISHED, ()
        results.append(
            EstimateResult(
                table.key(b)[:-1],
                float(values[b]),
                pattern.status(b),
                reason_names(int(flags[b])),
                pattern.audit.interval(b) if pattern.suppressed[b] else None,
                share,
                share_status,
                share_reasons,
            )
        )
    return results
