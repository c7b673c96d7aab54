"""Where a survey's estimates become publishable cells: the join of estimate tables and the
disclosure-control engine. Pure: no Django, no I/O.

Every table published from one survey — each standard table under every definition of
migration background, and any further table asked for — is protected *together* by the engine
in :mod:`ikoe.stats.disclosure` (docs/domain.md §5, docs/disclosure.md):

- each table becomes a complete table of respondent counts split by their statuses under every
  definition at once, with every subtotal along the organisation hierarchy Land > ministry >
  agency > unit and the totals ``_T``;
- the primary rules mark counts of respondents below ``k``, persons with or without a
  migration background below ``k`` and group disclosure (confidentiality), and shares with a
  base below ``n_min`` or where too few answered the questions (reliability: ``/``, not
  protected against recomputation);
- the tables are linked (the same cell in two tables has one status; the definitions share
  their counts of respondents) and secondary suppression chooses complementary cells so that
  the attacker's linear program leaves every primary cell an interval at least ``W`` wide;
- the engine audits the pattern before it releases it and releases none that fails.

The pattern is found on the unweighted counts of respondents and applies to every figure of
a cell: a suppressed count hides the cell's respondents and estimated head count; a
suppressed share hides the share, its interval, the persons with a migration background and
everything derived from them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ikoe.stats.definitions import STATUS_VALUES, Definition, possible_combinations
from ikoe.stats.disclosure import (
    TOTAL,
    EstimateCell,
    EstimateResult,
    EstimateTable,
    Hierarchy,
    JointAnswers,
    Pattern,
    Rules,
    Shown,
    Status,
    protect_linked_estimates,
)
from ikoe.stats.groupings import LEVELS, normalise_by
from ikoe.stats.groupings import depth as _depth

SECRET = "."
UNRELIABLE = "/"

METHOD = "joint-statuses-2"
"""Recorded with every publication; a publication made with another method is redone on start.

2: a share withheld as unreliable whose counts also protect another cell shows ``.``, not
``/``, so ``/`` always means that the share's counts were taken as known to the attacker (a
table beside the release relies on that)."""

ORG_DIM = "organisation"
SELF = "\0"
"""Prefix of the leaf that holds the respondents working directly at an organisation that also
has organisations below it (organisation codes never contain a NUL character)."""
NO_ANSWER = "\0U"
"""Code of respondents without an answer to a classifying question."""

# Figures of a cell hidden when its count of respondents is suppressed ...
COUNT_COLUMNS = ("respondents",)
# ... when the number who answered is suppressed ...
DECLARED_COLUMNS = ("declared", "declaration_rate")
# ... and when anything of the cell is suppressed: a suppressed cell shows its symbol and
# the unweighted counts that are published anyway, nothing weighted (a weighted head count is
# a sum of the cell's respondents with their weights, an equation about what is suppressed).
SHARE_COLUMNS = (
    "population",
    "population_declared",
    "declaration_rate_weighted",
    "yes",
    "share",
    "se",
    "ci_lower",
    "ci_upper",
    "effective_n",
    "gap_pp",
    "index",
    "expected",
    "shortfall",
    "z",
    "p_binomial",
    "flags",
    "under_represented",
    "flag_80_percent",
    "flag_whole_person",
    "flag_z_score",
    "flag_binomial",
)

WEIGHTED_SUMS = ("population", "population_declared", "expected", "shortfall")
"""Weighted sums of persons, published for the Land as a whole only (see :data:`LAND_TABLE`).

A weighted sum is the respondents of a cell times their weights. Weights are estimable from
what is published (they are products of a factor per organisation, career group and gender),
so the weighted sums of a published row and of its published parts would give a second
equation about the suppressed parts, with other coefficients than the counts: together they
pin the suppressed counts (docs/disclosure.md). For the Land as a whole the weighted sum is
the personnel total given with the survey, which is no information about respondents."""

LAND_TABLE = ("land",)

UNRELIABLE_REASONS = frozenset({"share-base", "declaration-rate"})
"""Reasons that withhold a share as not reliable enough (``/``) rather than secret (``.``)."""


@dataclass(frozen=True)
class PublicationRules:
    """The primary rules and the protection width a publication is made with."""

    min_count: int = 3
    share_base: int = 10
    min_declaration_rate: float = 0.6
    width: float = 3.0

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> PublicationRules:
        return cls(**{k: values[k] for k in asdict(cls()) if k in values})

    @classmethod
    def of_survey(cls, diagnostics: Mapping[str, Any]) -> PublicationRules:
        """The rules a survey's cells were protected with (the defaults when not recorded)."""
        return cls.from_dict((diagnostics.get("disclosure") or {}).get("rules", {}))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def engine(self) -> Rules:
        return Rules(
            min_count=self.min_count,
            share_base=self.share_base,
            min_declaration_rate=self.min_declaration_rate,
        )


@dataclass
class Publication:
    """Protected estimate tables of one survey and a summary of their protection."""

    tables: dict[tuple[tuple[str, ...], str], pl.DataFrame]
    summary: dict[str, Any] = field(default_factory=dict)
    pattern: Pattern | None = None


class _Organisations:
    """The organisation hierarchy of the respondents, cut at each depth a table needs."""

    def __init__(self, data: pl.DataFrame, depth: int) -> None:
        self.depth = depth
        levels = list(LEVELS[: depth + 1])
        paths = data.select(levels).unique().rows()
        self.children: dict[str, set[str]] = {}
        self.parent: dict[str, str | None] = {}
        self.level: dict[str, int] = {}
        self.direct: set[str] = set()
        for path in paths:
            parent = None
            for k, code in enumerate(path):
                if code is None:
                    if parent is not None:
                        self.direct.add(parent)
                    break
                self.level[code] = k
                self.parent[code] = parent
                if parent is not None:
                    self.children.setdefault(parent, set()).add(code)
                parent = code
        self._cuts: dict[int, Hierarchy] = {}

    def _has_children(self, code: str, depth: int) -> bool:
        return self.level[code] < depth and bool(self.children.get(code))

    def hierarchy(self, depth: int) -> Hierarchy:
        if depth not in self._cuts:
            pairs: list[tuple[str, str | None]] = []
            for code, k in sorted(self.level.items(), key=lambda item: (item[1], item[0])):
                if k > depth:
                    continue
                pairs.append((code, self.parent[code]))
                if self._has_children(code, depth) and code in self.direct:
                    pairs.append((SELF + code, code))
            self._cuts[depth] = Hierarchy.from_parents(pairs)
        return self._cuts[depth]

    def key(self, path: Sequence[str | None], depth: int) -> str:
        """The bottom code of the cut at ``depth`` for a row's codes of Land, ministry, ..."""
        known = [c for c in path[: depth + 1] if c is not None]
        code = known[-1]
        if len(known) < depth + 1 and self._has_children(code, depth):
            return SELF + code
        return code


def _classifying_hierarchy(data: pl.DataFrame, column: str) -> Hierarchy:
    codes = data.get_column(column).cast(pl.String).fill_null(NO_ANSWER).unique().to_list()
    return Hierarchy.flat(sorted(codes))


STATUS_DIM = "_status"
"""The dimension that splits respondents by their statuses under every definition at once."""


def joint_answers(data: pl.DataFrame) -> JointAnswers:
    """The survey's definitions and the combinations of statuses they allow together.

    The combinations come from the rules of :mod:`ikoe.stats.definitions` applied to every
    pattern of answers the survey's answer columns allow. Statuses that were not derived from
    these columns (a frame that brings its statuses along) keep every combination.
    """
    names = [d for d in Definition if f"status_{d.value}" in data.columns]
    statuses = [f"status_{d.value}" for d in names]
    found = {tuple(str(v) for v in row) for row in data.select(statuses).unique().rows()}
    combinations = possible_combinations(names, data.columns)
    if not found <= set(combinations):
        combinations = tuple(itertools.product(STATUS_VALUES, repeat=len(names)))
    return JointAnswers(tuple(d.value for d in names), combinations)


Released = Mapping[tuple[tuple[str, ...], str], pl.DataFrame]
"""Tables published earlier, keyed by ``(by, definition.value)``, as published: one row per
group with the codes of ``by``, ``respondents``, ``declared``, ``yes`` (``None`` where
withheld) and ``symbol`` — as :attr:`Publication.tables` and the stored cells hold them."""


def protect_tables(
    data: pl.DataFrame,
    estimates: Mapping[tuple[tuple[str, ...], Definition], pl.DataFrame],
    rules: PublicationRules,
    *,
    released: Released | None = None,
    workers: int = 1,
) -> Publication:
    """Protect the given estimate tables of one survey together.

    ``data`` are the respondents with their organisation levels and statuses (the counts the
    engine protects come from them); ``estimates`` are the estimate tables keyed by
    ``(by, definition)`` with ``by`` normalised (:func:`normalise_by`): one row per group of
    ``by``, with unweighted ``respondents``, ``declared`` and ``yes``. Returns them with
    ``status``, ``symbol`` and ``reason`` added and the figures of suppressed cells emptied,
    keyed by ``(by, definition.value)``.

    ``released`` are tables of the survey published earlier (:data:`Released`), protected
    alongside as they are: the attacker knows every figure they show (and what their ``/``
    says), what they withhold stays withheld, and nothing they show is withheld now. When the
    estimates cannot be protected that way, :class:`~ikoe.stats.disclosure.ReleaseBlocks` is
    raised: with the primary cells no pattern can protect when that is clear before any search.

    Each table is protected under every definition of the survey at once: its respondents are
    split by the combination of their statuses (:func:`joint_answers`), so the engine knows
    every relation between the definitions that a reader of the tables knows.
    """
    clock = time.perf_counter()
    joint = joint_answers(data)
    wanted: dict[tuple[str, ...], list[Definition]] = {}
    for by, definition in estimates:
        if normalise_by(by) != by:
            raise ValueError(f"table {by!r} is not normalised")
        wanted.setdefault(by, []).append(definition)
    before: dict[tuple[str, ...], dict[str, pl.DataFrame]] = {}
    for (by, definition_value), frame in (released or {}).items():
        if normalise_by(by) != by:
            raise ValueError(f"table {by!r} is not normalised")
        before.setdefault(by, {})[definition_value] = frame
    every = list(dict.fromkeys([*wanted, *before]))
    deepest = max((_depth(by) for by in every), default=-1)
    orgs = _Organisations(data, deepest) if deepest >= 0 else None
    classifying: dict[str, Hierarchy] = {}
    specs = [
        _joint_table(data, by, joint, orgs, classifying, _shown(before.get(by), by, orgs))
        for by in every
    ]
    # Only groups with respondents become rows, so every missing group is known to be empty
    # and every listed group to have at least one respondent.
    results, pattern = protect_linked_estimates(
        specs,
        rules.engine,
        rules.width,
        empty_known=True,
        workers=workers,
        exact_audit=False,
    )
    out: dict[tuple[tuple[str, ...], str], pl.DataFrame] = {}
    for by, found in zip(every, results, strict=True):
        for definition in wanted.get(by, []):
            est = estimates[(by, definition)]
            by_key = {r.key: r for r in found if r.definition == definition.value}
            rows = [by_key[k] for k in _keys(est, by, orgs, _depth(by))]
            out[(by, definition.value)] = _without_weighted_sums(by, _apply(est, rows))
    summary = {
        "method": METHOD,
        "rules": rules.as_dict(),
        "tables": len(estimates),
        "definitions": list(joint.names),
        "combinations": len(joint.combinations),
        "cells": int((~pattern.system.hidden).sum()),
        "primary": int(pattern.primary.sum()),
        "secondary": pattern.secondary_count,
        "suppressed_total": pattern.suppressed_total,
        "under_protected": int(pattern.audit.under_protected().size),
        "narrowest_interval": _narrowest(pattern),
        "seconds": round(time.perf_counter() - clock, 3),
    }
    return Publication(out, summary, pattern)


def _without_weighted_sums(by: tuple[str, ...], table: pl.DataFrame) -> pl.DataFrame:
    """A weighted table's weighted sums of persons, kept for the Land as a whole only
    (:data:`WEIGHTED_SUMS`)."""
    if by == LAND_TABLE or "weighted" not in table.columns or not table["weighted"].any():
        return table
    return table.with_columns(
        pl.lit(None).cast(table.schema[c]).alias(c) for c in WEIGHTED_SUMS if c in table.columns
    )


def _shown(
    tables: Mapping[str, pl.DataFrame] | None, by: tuple[str, ...], orgs: _Organisations | None
) -> list[Shown] | None:
    """What published tables of ``by`` (per definition) show of each of their rows."""
    if tables is None:
        return None
    shown: list[Shown] = []
    for definition, frame in tables.items():
        keys = _keys(frame, by, orgs, _depth(by))
        columns = [frame.get_column(c).to_list() for c in ("respondents", "declared", "yes")]
        symbols = frame.get_column("symbol").to_list()
        for key, count, declared, yes, symbol in zip(keys, *columns, symbols, strict=True):
            # A share withheld only as unreliable ("/") counts as known, as its protection
            # took it (docs/disclosure.md, what the attacker knows).
            shown.append(
                Shown(
                    key,
                    definition,
                    count=count is not None,
                    declared=declared is not None,
                    share=yes is not None or symbol == UNRELIABLE,
                )
            )
    return shown


def _joint_table(
    data: pl.DataFrame,
    by: tuple[str, ...],
    joint: JointAnswers,
    orgs: _Organisations | None,
    classifying: dict[str, Hierarchy],
    shown: Sequence[Shown] | None = None,
) -> EstimateTable:
    """The table ``by`` as counts of respondents per combination of statuses."""
    dims: list[str] = []
    hierarchies: dict[str, Hierarchy] = {}
    table_depth = _depth(by)
    if orgs is not None and table_depth >= 0:
        dims.append(ORG_DIM)
        hierarchies[ORG_DIM] = orgs.hierarchy(table_depth)
    for d in (d for d in by if d not in LEVELS):
        if d not in classifying:
            classifying[d] = _classifying_hierarchy(data, d)
        dims.append(d)
        hierarchies[d] = classifying[d]
    statuses = [f"status_{name}" for name in joint.names]
    groups = data.group_by([*by, *statuses]).len()
    counts: dict[tuple[str, ...], dict[tuple[str, ...], int]] = {}
    keys = _keys(groups, by, orgs, table_depth)
    combos = groups.select(statuses).rows()
    for key, combo, n in zip(keys, combos, groups.get_column("len").to_list(), strict=True):
        cell = counts.setdefault(key, {})
        cell[tuple(str(v) for v in combo)] = int(n)
    cells = [EstimateCell(key, sum(found.values()), joint=found) for key, found in counts.items()]
    return EstimateTable(tuple(dims), cells, hierarchies, STATUS_DIM, joint, shown)


def _narrowest(pattern: Pattern) -> float | None:
    widths = [
        hi - lo
        for cell in np.flatnonzero(pattern.primary).tolist()
        if (interval := pattern.audit.get(cell)) is not None
        for lo, hi in [interval]
    ]
    return round(min(widths), 6) if widths else None


def _keys(
    est: pl.DataFrame, by: Sequence[str], orgs: _Organisations | None, depth: int
) -> list[tuple[str, ...]]:
    levels = [d for d in by if d in LEVELS]
    others = [d for d in by if d not in LEVELS]
    columns = [
        [NO_ANSWER if v is None else str(v) for v in est.get_column(d).to_list()] for d in others
    ]
    org_keys: list[str] = []
    if orgs is not None and levels:
        paths = est.select(levels).rows()
        org_keys = [orgs.key(p, depth) for p in paths]
    keys = []
    for i in range(est.height):
        key = ([org_keys[i]] if org_keys else []) + [c[i] for c in columns]
        keys.append(tuple(key))
    return keys


def _apply(est: pl.DataFrame, rows: Sequence[EstimateResult]) -> pl.DataFrame:
    """Add status, symbol and reason to the estimates and empty what is suppressed."""
    status, symbol, reason = [], [], []
    show_count, show_declared, show_share = [], [], []
    for r in rows:
        count_ok = r.count_status is Status.PUBLISHED
        declared_ok = count_ok and r.declared_status in (None, Status.PUBLISHED)
        share_ok = declared_ok and r.share_status in (None, Status.PUBLISHED)
        show_count.append(count_ok)
        show_declared.append(declared_ok)
        show_share.append(share_ok)
        codes: list[str] = []
        primary = False
        if r.count_status is Status.PRIMARY:
            primary = True
            codes += [c for c in r.count_reasons if c != "secondary"]
        if r.share_status is Status.PRIMARY:
            primary = True
            # "secondary" beside reasons of reliability: the counts behind the share protect
            # another cell, so it shows "." ("/" would tell that no rule of confidentiality
            # applies to a count the attacker is not to know).
            codes += ["attribute-frequency" if c == "frequency" else c for c in r.share_reasons]
        codes = list(dict.fromkeys(codes))
        if primary:
            status.append("primary")
        elif not share_ok:
            status.append("secondary")
            codes = ["secondary"]
        else:
            status.append("published")
        reason.append(",".join(codes))
        if status[-1] == "published":
            symbol.append("")
        elif declared_ok and codes and all(c in UNRELIABLE_REASONS for c in codes):
            # "/" only where the base is published anyway: for a hidden base it would tell
            # that the base is small.
            symbol.append(UNRELIABLE)
        else:
            symbol.append(SECRET)
    out = est.with_columns(
        pl.Series("status", status, dtype=pl.String),
        pl.Series("symbol", symbol, dtype=pl.String),
        pl.Series("reason", reason, dtype=pl.String),
    )
    masks = {
        COUNT_COLUMNS: pl.Series(show_count, dtype=pl.Boolean),
        DECLARED_COLUMNS: pl.Series(show_declared, dtype=pl.Boolean),
        SHARE_COLUMNS: pl.Series(show_share, dtype=pl.Boolean),
    }
    for columns, mask in masks.items():
        present = [c for c in columns if c in out.columns]
        out = out.with_columns(
            [pl.when(pl.lit(mask)).then(pl.col(c)).otherwise(None).alias(c) for c in present]
        )
    return out


__all__ = [
    "COUNT_COLUMNS",
    "DECLARED_COLUMNS",
    "METHOD",
    "SECRET",
    "SHARE_COLUMNS",
    "TOTAL",
    "UNRELIABLE",
    "Publication",
    "PublicationRules",
    "Released",
    "normalise_by",
    "protect_tables",
]
