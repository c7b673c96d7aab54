"""An outside attacker on the published cells of a survey, written independently of the engine.

Nothing here comes from :mod:`ikoe.stats.disclosure` or :mod:`ikoe.surveys.publication`.
The attacker knows what anybody knows:

* the cells ``GET /api/v1/surveys/<name>/cells`` serves (every table, every definition), and
* the published methodology: tables are margins of one cross-classification of the same
  respondents (additivity along Land > ministry > agency and along every classifying dimension,
  whose null code means "not stated"), the same respondents under every definition, the
  statuses each definition derives from the answers (:mod:`ikoe.stats.definitions`, so the
  joint status combinations that cannot occur are known to be empty), ``yes <= declared <=
  respondents`` with ``no = declared - yes``, listed rows have at least one respondent (groups
  without respondents get no row), and counts are whole numbers; in a joint survey of several
  Länder, a row whose Land is ``_T`` is the sum over all its Länder (the API says so).

The model
---------
Tables whose dimensions are not contained in another table's are *maximal* (for the standard
tables: land × ministry × agency × career_group, land × gender, land × age_group, land ×
employment and land × leadership). The variables are, for every row of every maximal table and
every possible joint status ``s`` (one status per definition: 18 of 27 for the demo's three
definitions), the number of respondents of that row with that joint status, ``x >= 0``. Every
other table is a margin of each maximal table containing its dimensions (land × ministry ×
career_group is the sum of land × ministry × agency × career_group over the agencies, including
the null agency of those working directly at the ministry).

* every published figure is an equation over the rows of a maximal table below it: the
  respondents of a row are the sum over all ``s``; ``declared`` under definition ``d`` the sum
  over the ``s`` whose status under ``d`` is not ``unknown``; ``yes`` the sum over the ``s`` with
  ``yes`` under ``d``; so ``yes <= declared <= respondents`` and ``no = declared - yes`` hold by
  construction, and the same respondents stand behind every definition;
* a figure of a table contained in several maximal tables (the Land's) is an equation in each;
* two maximal tables hold the same respondents: for every code combination of the dimensions
  they share (the Land) and every ``s``, their sums agree (a pair whose shared dimensions lie in
  the largest maximal table agrees through that one);
* every row of a maximal table has at least one respondent (rows of smaller tables are sums of
  such rows); rows that are not listed do not exist (they have no variables).

Why this is the right strength: the full cross-classification over every dimension of every
table at once has the maximal tables as margins, so any table consistent with it gives a
solution here. Conversely, maximal tables that share only the Land and agree on the Land per
joint status are the margins of some full table (for each ``s`` the product of the margins
divided by the Land total; with whole numbers the north-west-corner rule), and nothing
published constrains the cells of the full table beyond their margins. So for the standard
tables this program is exactly the linear program over the full cross-classification, with far
fewer variables. (Were the shared dimensions of three maximal tables to form a cycle, the
pairwise agreement would be a relaxation: a weaker attacker, never a wrong one.) Integrality
enters only by rounding the bounds inward; an attacker solving integer programs could do more.

For every hidden count (a row's respondents, or its ``yes`` or ``no`` under a definition) the
interval is ``[ceil(min - 1e-6), floor(max + 1e-6)]`` of the linear program (HiGHS). Every
program solved yields a table consistent with everything published, which shows how far each
hidden count can move at least: six such tables (all hidden counts pushed down, up, and in
random directions) certify most counts as at least W wide, and single programs (warm-started
primal simplex) are solved only for counts still below the width, whose bounds are then exact.
Where a row's ``declared`` is published, its ``no`` interval mirrors its ``yes`` interval. The
model cannot be split into independent blocks: every table contains the Land row, and the
maximal tables meet there per joint status.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.optimize import linprog

from ikoe.stats.definitions import (
    ANSWER_COLUMNS,
    FIRST_YEAR,
    PRECOMPUTED_COLUMN,
    YEAR_COLUMNS,
    derive_all,
)

try:  # SciPy's HiGHS binding keeps one model alive for warm-started re-solves
    from scipy.optimize._highspy import _core as _highs  # type: ignore[attr-defined]

    _HAVE_HIGHS = hasattr(_highs, "_Highs")
except ImportError:  # pragma: no cover - other SciPy versions use linprog
    _highs = None
    _HAVE_HIGHS = False

SEPARATOR = " × "
KINDS = ("respondents", "yes", "no")
EPS = 1e-6


# ---------------------------------------------------------------------------------------------
# What the API serves


ALL = "_T"
"""The code of a row that sums over every code of its dimension (all Länder of a joint survey)."""


@dataclass(frozen=True)
class Cell:
    """One row of one table under one definition, as the API serves it (``None`` = hidden)."""

    table: tuple[str, ...]
    key: tuple[str | None, ...]
    definition: str
    respondents: int | None
    declared: int | None
    yes: int | None
    symbol: str = ""

    @property
    def no(self) -> int | None:
        """``declared - yes`` where both are published.

        >>> Cell(("land",), ("L",), "mighev_short", 10, 8, 3).no
        5
        """
        if self.declared is None or self.yes is None:
            return None
        return self.declared - self.yes


def cells_from_api(payload: Iterable[Mapping[str, Any]]) -> list[Cell]:
    """Cells from the JSON of ``/api/v1/surveys/<name>/cells``.

    >>> [c] = cells_from_api([{"table": "land × gender", "definition": "mighev_short",
    ...     "dims": {"land": "L", "gender": None}, "respondents": 4, "declared": None,
    ...     "yes": None, "symbol": "."}])
    >>> c.table, c.key, c.respondents, c.declared
    (('land', 'gender'), ('L', None), 4, None)
    """
    out = []
    for item in payload:
        table = tuple(item["table"].split(SEPARATOR))
        out.append(
            Cell(
                table,
                tuple(item["dims"][d] for d in table),
                item["definition"],
                item["respondents"],
                item["declared"],
                item["yes"],
                item.get("symbol") or "",
            )
        )
    return out


class Count(NamedTuple):
    """A count of the published tables: ``kind`` is respondents (``definition`` None), yes or no."""

    kind: str
    table: tuple[str, ...]
    key: tuple[str | None, ...]
    definition: str | None = None

    def label(self) -> str:
        """
        >>> Count("yes", ("land", "gender"), ("L", "w"), "mighev_short").label()
        'yes[mighev_short] land=L × gender=w'
        """
        where = SEPARATOR.join(
            f"{d}={c if c is not None else '∅'}" for d, c in zip(self.table, self.key, strict=True)
        )
        kind = self.kind if self.definition is None else f"{self.kind}[{self.definition}]"
        return f"{kind} {where}"


def figures(cells: Iterable[Cell]) -> dict[Count, int | None]:
    """Every count of every listed row: its published value or ``None`` when hidden.

    Respondents are one count per row (the same under every definition; published if any
    definition publishes them).

    >>> f = figures([Cell(("land",), ("L",), "d", 10, 8, None)])
    >>> f[Count("respondents", ("land",), ("L",))], f[Count("no", ("land",), ("L",), "d")]
    (10, None)
    """
    out: dict[Count, int | None] = {}
    for c in cells:
        n = Count("respondents", c.table, c.key)
        if out.get(n) is None:
            out[n] = c.respondents
        out[Count("yes", c.table, c.key, c.definition)] = c.yes
        out[Count("no", c.table, c.key, c.definition)] = c.no
    return out


# ---------------------------------------------------------------------------------------------
# The methodology: which joint statuses can occur


def joint_statuses(definitions: Sequence[str], columns: Collection[str]) -> list[tuple[str, ...]]:
    """The combinations of statuses (one per definition) some answer pattern leads to.

    Every pattern of answers to the questions the survey has (each yes/no question yes, no or
    unanswered; each immigration year before 1950, from 1950 on or unanswered; the precomputed
    status yes, no or missing) goes through :func:`ikoe.stats.definitions.derive_all`.

    >>> combos = joint_statuses(["mighev_short", "einwanderungsgeschichte"],
    ...     ["german", "born_abroad", "immigration_year", "mother_born_abroad", "father_born_abroad"])
    >>> len(combos), ("no", "yes") in combos, ("yes", "no") in combos
    (6, False, True)
    """
    present = [c for c in (*ANSWER_COLUMNS, PRECOMPUTED_COLUMN) if c in columns]
    values: dict[str, list[Any]] = {}
    schema: dict[str, Any] = {}
    for c in present:
        if c in YEAR_COLUMNS:
            values[c], schema[c] = [None, FIRST_YEAR - 1, FIRST_YEAR], pl.Int32
        elif c == PRECOMPUTED_COLUMN:
            values[c], schema[c] = [None, "yes", "no"], pl.String
        else:
            values[c], schema[c] = [None, True, False], pl.Boolean
    patterns = pl.DataFrame(
        list(itertools.product(*(values[c] for c in present))), schema=schema, orient="row"
    )
    derived = derive_all(patterns, list(definitions), prefix="s_")
    statuses = derived.select(pl.col(f"s_{d}").cast(pl.String) for d in definitions).unique()
    return sorted(tuple(row) for row in statuses.iter_rows())


# ---------------------------------------------------------------------------------------------
# The truth (only the test has it)


def true_figures(
    data: pl.DataFrame, cells: Iterable[Cell], definitions: Sequence[str]
) -> dict[Count, int]:
    """The true value of every count of every listed row, from the respondents.

    ``data`` has one column per dimension (null = not stated) and ``status_<definition>``.
    """
    # (table, the dimensions summed over with the code ALL) of every listed row
    shapes = {
        (c.table, tuple(d for d, k in zip(c.table, c.key, strict=True) if k == ALL)) for c in cells
    }
    out: dict[Count, int] = {}
    for table, summed in sorted(shapes):
        aggregates = [pl.len().alias("n")]
        for d in definitions:
            status = pl.col(f"status_{d}").cast(pl.String)
            aggregates.append((status == "yes").sum().alias(f"yes_{d}"))
            aggregates.append((status == "no").sum().alias(f"no_{d}"))
        by = [d for d in table if d not in summed]
        frame = data.with_columns(pl.col(by).cast(pl.String))
        grouped = frame.group_by(by) if by else frame.group_by(pl.lit(1).alias("_all"))
        for row in grouped.agg(aggregates).iter_rows(named=True):
            key = tuple(ALL if d in summed else row[d] for d in table)
            out[Count("respondents", table, key)] = row["n"]
            for d in definitions:
                out[Count("yes", table, key, d)] = row[f"yes_{d}"]
                out[Count("no", table, key, d)] = row[f"no_{d}"]
    return out


def cells_from_truth(
    data: pl.DataFrame,
    tables: Sequence[Sequence[str]],
    definitions: Sequence[str],
    hidden: Collection[Count] = (),
) -> list[Cell]:
    """Cells of hand-made respondents with the ``hidden`` counts emptied, as the API would
    serve them (a hidden respondents count hides declared and yes; a hidden yes or no hides
    yes)."""
    out = []
    for table in map(tuple, tables):
        grouped = (
            data.with_columns(pl.col(list(table)).cast(pl.String))
            .group_by(list(table))
            .agg(
                pl.len().alias("n"),
                *(
                    (pl.col(f"status_{d}").cast(pl.String) != "unknown").sum().alias(f"dec_{d}")
                    for d in definitions
                ),
                *(
                    (pl.col(f"status_{d}").cast(pl.String) == "yes").sum().alias(f"yes_{d}")
                    for d in definitions
                ),
            )
            .sort(list(table), nulls_last=True)
        )
        for row in grouped.iter_rows(named=True):
            key = tuple(row[d] for d in table)
            count_hidden = Count("respondents", table, key) in hidden
            for d in definitions:
                share_hidden = count_hidden or any(
                    Count(kind, table, key, d) in hidden for kind in ("yes", "no")
                )
                out.append(
                    Cell(
                        table,
                        key,
                        d,
                        None if count_hidden else row["n"],
                        None if count_hidden else row[f"dec_{d}"],
                        None if share_hidden else row[f"yes_{d}"],
                        "." if share_hidden else "",
                    )
                )
    return out


# ---------------------------------------------------------------------------------------------
# Linear programs


class _Program:
    """``min c·x`` subject to ``lhs <= A x <= rhs``, ``0 <= x <= upper``; HiGHS kept alive
    between solves so a changed objective starts from the last basis."""

    def __init__(
        self, a: sp.csr_matrix, lhs: np.ndarray, rhs: np.ndarray, upper: np.ndarray
    ) -> None:
        self.a = sp.csc_matrix(a)
        self.lhs, self.rhs, self.upper = lhs, rhs, upper
        self.n = self.a.shape[1]
        self.solves = 0
        self._cost_cols = np.zeros(0, dtype=np.int32)
        if _HAVE_HIGHS:
            h = _highs._Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("presolve", "off")
            h.setOptionValue("threads", 1)
            inf = _highs.kHighsInf
            h.passModel(
                self.n,
                self.a.shape[0],
                int(self.a.nnz),
                int(_highs.MatrixFormat.kColwise),
                int(_highs.ObjSense.kMinimize),
                0.0,
                np.zeros(self.n),
                np.zeros(self.n),
                np.ascontiguousarray(np.minimum(upper, inf), dtype=np.float64),
                np.ascontiguousarray(np.maximum(lhs, -inf), dtype=np.float64),
                np.ascontiguousarray(np.minimum(rhs, inf), dtype=np.float64),
                np.ascontiguousarray(self.a.indptr, dtype=np.int32),
                np.ascontiguousarray(self.a.indices, dtype=np.int32),
                np.ascontiguousarray(self.a.data, dtype=np.float64),
                np.zeros(self.n, dtype=np.int32),
            )
            self._h: Any = h

    def minimise(self, cols: np.ndarray, cost: np.ndarray) -> tuple[float, np.ndarray]:
        """Minimum of ``cost · x[cols]`` and a solution reaching it."""
        self.solves += 1
        if not _HAVE_HIGHS:  # pragma: no cover
            return self.reference(cols, cost)
        cols = np.asarray(cols, dtype=np.int32)
        if self._cost_cols.size:
            zeros = np.zeros(self._cost_cols.size)
            self._h.changeColsCost(int(self._cost_cols.size), self._cost_cols, zeros)
        self._h.changeColsCost(int(cols.size), cols, np.asarray(cost, dtype=np.float64))
        self._cost_cols = cols
        self._h.run()
        if self.solves == 1:  # from here on, primal simplex from the last basis
            self._h.setOptionValue("simplex_strategy", 4)
        status = self._h.getModelStatus()
        if status != _highs.HighsModelStatus.kOptimal:
            self._h.clearSolver()  # numerical trouble: once more from scratch
            self._h.run()
            status = self._h.getModelStatus()
        if status != _highs.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS: {self._h.modelStatusToString(status)}")
        x = np.asarray(self._h.getSolution().col_value)
        return float(np.dot(cost, x[cols])), x

    def reference(self, cols: np.ndarray, cost: np.ndarray) -> tuple[float, np.ndarray]:
        """The same minimum from one plain :func:`scipy.optimize.linprog` call."""
        c = np.zeros(self.n)
        c[cols] = cost
        a = self.a.tocsr()
        eq = self.lhs == self.rhs
        up = ~eq & np.isfinite(self.rhs)
        lo = ~eq & np.isfinite(self.lhs)
        res = linprog(
            c,
            A_eq=a[eq],
            b_eq=self.rhs[eq],
            A_ub=sp.vstack([a[up], -a[lo]]),
            b_ub=np.concatenate([self.rhs[up], -self.lhs[lo]]),
            bounds=np.column_stack(
                [np.zeros(self.n), np.where(np.isinf(self.upper), np.nan, self.upper)]
            ),
            method="highs",
        )
        if res.status != 0:
            raise RuntimeError(f"linprog: {res.message}")
        return float(res.fun), np.asarray(res.x)


def round_inward(lower: float, upper: float) -> tuple[int, int]:
    """Whole-number bounds of a count from the bounds of its linear program.

    >>> round_inward(0.4, 2.9999999), round_inward(1.0000001, 1.9999999)
    ((1, 3), (1, 2))
    """
    return math.ceil(lower - EPS), math.floor(upper + EPS)


# ---------------------------------------------------------------------------------------------
# The attacker


@dataclass(frozen=True)
class Interval:
    """What the attacker can tell about a hidden count: whole numbers ``lower..upper``.

    ``exact`` says both bounds are the optima of the linear program; otherwise they are values
    of tables consistent with everything published (the true interval is at least as wide).
    """

    lower: int
    upper: int
    exact: bool

    @property
    def width(self) -> int:
        return self.upper - self.lower


@dataclass
class _Block:
    """The variables of one maximal table: for each of its rows and each joint status, a count."""

    table: tuple[str, ...]
    rows: list[tuple[str | None, ...]]
    offset: int
    below: dict[tuple[str, ...], dict[tuple, list[int]]] = field(default_factory=dict)

    def rows_below(self, table: Sequence[str]) -> dict[tuple, list[int]]:
        """For each code combination of ``table``'s dimensions: the rows below it."""
        table = tuple(table)
        if table not in self.below:
            pos = [self.table.index(d) for d in table]
            groups: dict[tuple, list[int]] = defaultdict(list)
            for i, row in enumerate(self.rows):
                groups[tuple(row[p] for p in pos)].append(i)
            self.below[table] = dict(groups)
        return self.below[table]


@dataclass
class Attacker:
    """The attacker's linear program over the published ``cells``.

    ``definitions`` and ``combos`` (from :func:`joint_statuses`) describe which joint statuses
    can occur; pass every combination (``itertools.product``) to model an attacker who does not
    know how the definitions nest. ``listed_at_least_one=False`` forgets that listed rows have a
    respondent.

    ``symbols=True`` also reads the symbol ``/`` as the methodology defines it (withheld only as
    unreliable, so no confidentiality rule applied): neither the persons with nor those without
    a migration background number 1 to ``k - 1``, and not everybody who answered has one, so
    ``no >= k``. (It also means ``yes`` is 0 or at least ``k``, which no linear program can say:
    a ``/`` row with fewer than ``2k`` declared has ``yes = 0``.) Off by default: the test asks
    only for what the issue lists.
    """

    cells: Sequence[Cell]
    definitions: Sequence[str]
    combos: Sequence[tuple[str, ...]]
    listed_at_least_one: bool = True
    symbols: bool = False
    k: int = 3
    seconds: float = field(default=0.0, init=False)
    solves: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.definitions = list(self.definitions)
        self.combos = [tuple(s) for s in self.combos]
        self.figures = figures(self.cells)
        rows: dict[tuple[str, ...], set[tuple[str | None, ...]]] = defaultdict(set)
        for c in self.cells:
            if ALL not in c.key:  # a sum over rows, not a row
                rows[c.table].add(c.key)
        maximal = [t for t in rows if not any(set(t) < set(u) for u in rows)]
        self.blocks: list[_Block] = []
        offset = 0
        for t in sorted(maximal, key=lambda t: (-len(rows[t]), t)):
            self.blocks.append(_Block(t, sorted(rows[t], key=_sort_key), offset))
            offset += len(rows[t]) * len(self.combos)
        self.size = offset
        self._build()

    # --- structure ----------------------------------------------------------------------------

    def _statuses(self, kind: str, definition: str | None) -> np.ndarray:
        if kind == "respondents":
            return np.arange(len(self.combos))
        d = self.definitions.index(definition)  # type: ignore[arg-type]
        if kind == "declared":
            return np.array([j for j, s in enumerate(self.combos) if s[d] != "unknown"], dtype=int)
        return np.array([j for j, s in enumerate(self.combos) if s[d] == kind], dtype=int)

    def _containing(self, table: Sequence[str]) -> list[_Block]:
        return [b for b in self.blocks if set(table) <= set(b.table)]

    def _sum(
        self, block: _Block, table: Sequence[str], key: tuple, statuses: np.ndarray
    ) -> np.ndarray:
        # A code ALL sums over its dimension: the row is a margin of the table without it.
        kept = [(d, k) for d, k in zip(table, key, strict=True) if k != ALL]
        table, key = tuple(d for d, _ in kept), tuple(k for _, k in kept)
        rows = np.array(block.rows_below(table).get(key, []), dtype=np.int64)
        return (block.offset + rows[:, None] * len(self.combos) + statuses[None, :]).ravel()

    def form(
        self,
        kind: str,
        table: tuple[str, ...],
        key: tuple,
        definition: str | None = None,
        block: _Block | None = None,
    ) -> np.ndarray:
        """Columns of the variables whose sum is a count (respondents, declared, yes or no) of a
        row of ``table``, in ``block`` (the first maximal table containing ``table``)."""
        block = block or self._containing(table)[0]
        cols = self._sum(block, table, key, self._statuses(kind, definition))
        if not cols.size and kind == "respondents":
            raise ValueError(f"row {key} of {table} has no rows below it in {block.table}")
        return cols

    def count_form(self, count: Count) -> np.ndarray:
        return self.form(count.kind, count.table, count.key, count.definition)

    # --- the program --------------------------------------------------------------------------

    def _build(self) -> None:
        rows: list[np.ndarray] = []
        lhs: list[float] = []
        rhs: list[float] = []

        def equation(cols: np.ndarray, coef: np.ndarray | float, lo: float, hi: float) -> None:
            rows.append(np.vstack([cols, np.broadcast_to(coef, cols.shape)]))
            lhs.append(lo)
            rhs.append(hi)

        # Variables a published 0 rules out (no yes, no no, nobody unknown, nobody declared)
        # are fixed at 0: the same program, but fewer columns for the simplex to price.
        upper = np.full(self.size, math.inf)
        for c in self.cells:
            empty = []
            if c.yes == 0:
                empty.append("yes")
            if c.no == 0:
                empty.append("no")
            if c.declared == 0:
                empty.append("declared")
            for block in self._containing(c.table):
                for kind in empty:
                    upper[self.form(kind, c.table, c.key, c.definition, block)] = 0.0
                if c.declared is not None and c.declared == c.respondents:
                    everybody = self.form("respondents", c.table, c.key, None, block)
                    answered = self.form("declared", c.table, c.key, c.definition, block)
                    upper[np.setdiff1d(everybody, answered)] = 0.0
        published: set[tuple] = set()
        for c in self.cells:
            known = [
                ("respondents", None, c.respondents),
                ("declared", c.definition, c.declared),
                ("yes", c.definition, c.yes),
            ]
            for kind, definition, value in known:
                tag = (kind, c.table, c.key, definition)
                if value is None or tag in published:
                    continue
                published.add(tag)
                for block in self._containing(c.table):
                    cols = self.form(kind, c.table, c.key, definition, block)
                    equation(cols, 1.0, value, value)
        # The same respondents in every maximal table: per code combination of the dimensions
        # two maximal tables share and per joint status, their sums agree. A pair whose shared
        # dimensions lie in the first (largest) table agrees through that one already.
        hub = self.blocks[0]
        for a, b in itertools.combinations(self.blocks, 2):
            shared = tuple(d for d in a.table if d in b.table)
            if a is not hub and set(shared) <= set(hub.table):
                continue
            for key in set(a.rows_below(shared)) | set(b.rows_below(shared)):
                for j in range(len(self.combos)):
                    one = np.array([j])
                    ca, cb = self._sum(a, shared, key, one), self._sum(b, shared, key, one)
                    coef = np.concatenate([np.ones(ca.size), -np.ones(cb.size)])
                    equation(np.concatenate([ca, cb]), coef, 0.0, 0.0)
        if self.symbols:
            for c in self.cells:
                if c.symbol == "/":
                    equation(self.form("no", c.table, c.key, c.definition), 1.0, self.k, math.inf)
        # every listed row has a respondent (rows of smaller tables are sums of these)
        if self.listed_at_least_one:
            every = np.arange(len(self.combos))
            for block in self.blocks:
                for i in range(len(block.rows)):
                    equation(block.offset + i * len(self.combos) + every, 1.0, 1.0, math.inf)
        indptr = np.concatenate([[0], np.cumsum([r.shape[1] for r in rows])])
        stacked = np.hstack(rows)
        a = sp.csr_matrix(
            (stacked[1], stacked[0].astype(np.int64), indptr), shape=(len(rows), self.size)
        )
        self.program = _Program(a, np.array(lhs), np.array(rhs), upper)

    # --- intervals ----------------------------------------------------------------------------

    def hidden(self) -> list[Count]:
        """Every hidden count: respondents, and yes and no under each definition."""
        return [c for c, v in self.figures.items() if v is None]

    def intervals(
        self, counts: Sequence[Count] | None = None, *, width: int = 3, exact: bool = False
    ) -> dict[Count, Interval]:
        """The attacker's interval of each count (all hidden ones by default).

        Bounds are solved exactly where the certified spread is below ``width`` (or for every
        count with ``exact=True``); otherwise they are certified by feasible tables only.
        """
        clock = time.perf_counter()
        counts = self.hidden() if counts is None else list(counts)
        if not counts:
            return {}
        forms = [self.count_form(c) for c in counts]
        t = sp.csr_matrix(
            (
                np.ones(sum(f.size for f in forms)),
                np.concatenate(forms),
                np.concatenate([[0], np.cumsum([f.size for f in forms])]),
            ),
            shape=(len(counts), self.size),
        )
        floor = np.array(
            [1.0 if c.kind == "respondents" and self.listed_at_least_one else 0.0 for c in counts]
        )
        low = np.full(len(counts), math.inf)
        high = np.full(len(counts), -math.inf)
        low_exact = np.zeros(len(counts), dtype=bool)
        high_exact = np.zeros(len(counts), dtype=bool)

        def seen(x: np.ndarray) -> None:
            values = t @ x
            np.minimum(low, values, out=low)
            np.maximum(high, values, out=high)

        # A few feasible tables pushing all hidden counts down, up, and in random directions.
        everything = np.unique(t.indices)
        weight = np.asarray(t.sum(axis=0)).ravel()[everything]
        rng = np.random.default_rng(0)
        for sign in (1.0, -1.0):
            seen(self.program.minimise(everything, sign * weight)[1])
        for _ in range(4):
            signs = rng.choice([-1.0, 1.0], size=len(counts))
            coef = np.asarray(t.T @ signs).ravel()[everything]
            seen(self.program.minimise(everything, coef)[1])

        def settled(i: int) -> bool:
            if exact:
                return low_exact[i] and high_exact[i]
            lo, hi = round_inward(low[i], high[i])
            return hi - lo >= width or (low_exact[i] and high_exact[i])

        # Where a row's declared is published, its "no" mirrors its "yes": no = declared - yes.
        declared: dict[tuple[Any, ...], int | None] = {
            (c.table, c.key, c.definition): c.declared for c in self.cells
        }
        position = {c: i for i, c in enumerate(counts)}
        mirror: dict[int, tuple[int, int]] = {}
        for i, c in enumerate(counts):
            total = declared.get((c.table, c.key, c.definition))
            partner = position.get(c._replace(kind="yes"))
            if c.kind == "no" and total is not None and partner is not None:
                mirror[i] = (partner, total)

        low_exact |= low <= floor + EPS
        for i in range(len(counts)):
            if i in mirror:
                continue
            cols = t.indices[t.indptr[i] : t.indptr[i + 1]]
            for sign, exact_side, bound in ((1.0, low_exact, low), (-1.0, high_exact, high)):
                if settled(i) or exact_side[i]:
                    continue
                value, x = self.program.minimise(cols, np.full(cols.size, sign))
                seen(x)
                bound[i], exact_side[i] = sign * value, True
        for i, (j, total) in mirror.items():
            low[i], high[i] = total - high[j], total - low[j]
            low_exact[i], high_exact[i] = high_exact[j], low_exact[j]
        self.seconds += time.perf_counter() - clock
        self.solves = self.program.solves
        out = {}
        for i, c in enumerate(counts):
            lo, hi = round_inward(low[i], high[i])
            out[c] = Interval(lo, hi, bool(low_exact[i] and high_exact[i]))
        return out

    def reference_interval(self, count: Count) -> tuple[int, int]:
        """The interval from two plain ``linprog`` calls, for checking the shortcuts."""
        cols = self.count_form(count)
        lo, _x = self.program.reference(cols, np.ones(cols.size))
        hi, _x = self.program.reference(cols, -np.ones(cols.size))
        return round_inward(lo, -hi)

    def true_point(self, data: pl.DataFrame) -> np.ndarray:
        """The variables of the true table, from the respondents (columns as in
        :func:`true_figures`)."""
        x = np.zeros(self.size)
        index = {s: j for j, s in enumerate(self.combos)}
        statuses = [pl.col(f"status_{d}").cast(pl.String) for d in self.definitions]
        for block in self.blocks:
            position = {row: i for i, row in enumerate(block.rows)}
            grouped = (
                data.select(*(pl.col(d).cast(pl.String) for d in block.table), *statuses)
                .group_by(pl.all())
                .len()
            )
            width = len(block.table)
            for row in grouped.iter_rows():
                key, combo, n = row[:width], row[width:-1], row[-1]
                x[block.offset + position[key] * len(self.combos) + index[combo]] = n
        return x

    def violation(self, x: np.ndarray) -> float:
        """Largest violation of a constraint by ``x`` (0 for a table consistent with
        everything published)."""
        ax = self.program.a @ x
        over = np.maximum(ax - self.program.rhs, 0.0)
        under = np.maximum(self.program.lhs - ax, 0.0)
        above = np.maximum(x - self.program.upper, 0.0)
        return float(
            max(over.max(initial=0.0), under.max(initial=0.0), above.max(), -x.min(initial=0.0))
        )


def _sort_key(key: tuple[str | None, ...]) -> tuple:
    return tuple((c is None, c or "") for c in key)


# ---------------------------------------------------------------------------------------------
# Judging the result


@dataclass
class Finding:
    """A hidden count the attacker narrows below the width, with its true value."""

    count: Count
    interval: Interval
    truth: int | None

    def __str__(self) -> str:
        truth = "" if self.truth is None else f" (true {self.truth})"
        return f"{self.count.label()}: {self.interval.lower}..{self.interval.upper}{truth}"


@dataclass
class Assessment:
    """How the published cells hold up against the attacker."""

    intervals: dict[Count, Interval]
    truth: Mapping[Count, int]
    published: Mapping[Count, int | None]
    k: int = 3
    width: int = 3

    def narrow(self) -> list[Finding]:
        """Hidden counts narrower than the width (whatever their true value)."""
        return [
            Finding(c, i, self.truth.get(c))
            for c, i in self.intervals.items()
            if i.exact and i.width < self.width
        ]

    def exact(self) -> list[Finding]:
        """Hidden counts the attacker computes exactly."""
        return [f for f in self.narrow() if f.interval.width == 0]

    def sensitive(self, count: Count) -> bool:
        """Whether a count's true value is 1 to k - 1 (respondents, yes or no), or it is the
        "no" count of 0 of a cell where everybody who answered has a migration background."""
        value = self.truth.get(count)
        if value is None:
            return False
        if count.kind == "no" and value == 0:
            return self.truth.get(count._replace(kind="yes"), 0) > 0
        return 0 < value < self.k

    def failures(self) -> list[Finding]:
        """Counts whose true value is 1 to k - 1 and that are published or narrower than W."""
        out = [
            Finding(c, Interval(v, v, True), self.truth.get(c))
            for c, v in self.published.items()
            if v is not None and self.sensitive(c)
        ]
        return out + [f for f in self.narrow() if self.sensitive(f.count)]

    def by_kind(self, findings: Iterable[Finding]) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for f in findings:
            counts[f.count.kind] += 1
        return counts

    def summary(self, limit: int = 30) -> str:
        """Counts by kind, then the exact counts and the failures (at most ``limit`` each)."""
        narrow, exact, failures = self.narrow(), self.exact(), self.failures()
        lines = [
            f"{len(self.intervals)} hidden counts; narrower than W={self.width}: {len(narrow)} "
            f"{self.by_kind(narrow)}; computed exactly: {len(exact)} {self.by_kind(exact)}; "
            f"sensitive (true value 1..{self.k - 1}, or group disclosure) and published or "
            f"narrower than W: {len(failures)} {self.by_kind(failures)}",
        ]
        for title, findings in (("computed exactly", exact), ("sensitive", failures)):
            if findings:
                lines.append(f"{title}:")
                lines += [f"  {f}" for f in findings[:limit]]
                if len(findings) > limit:
                    lines.append(f"  … and {len(findings) - limit} more")
        return "\n".join(lines)
