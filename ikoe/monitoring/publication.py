"""Disclosure control for survey tables before anything is stored or shown.

Primary rules (each configurable, each recording its reason):

- fewer than ``min_declared`` respondents answered the migration questions → the cell is secret
  (symbol ``.``);
- between 1 and ``min_count − 1`` persons with a migration background → secret (``.``);
- all declared respondents have a migration background (group disclosure) → secret (``.``);
- fewer than ``n_min`` declared respondents → no share is published (``/``: not reliable enough);
- fewer than ``min_declaration_rate`` of the respondents answered the questions on migration
  background → no share is published (``/``), since those who answer may differ from those who
  do not (the UK Ministry of Defence withholds shares under 60 % declared).

Secondary suppression: within a table, every group of sibling cells (the same values of all
but the last dimension) that would have exactly one suppressed cell gets its smallest published
sibling suppressed too, so the one cell cannot be recomputed from its parent. The full
hierarchical engine with an audit of the attacker's linear program replaces this step when
issue 4 lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext_lazy as _

SECRET = "."
UNRELIABLE = "/"

# Columns that carry the sensitive information and are emptied in suppressed cells.
SENSITIVE = (
    "yes",
    "share",
    "se",
    "ci_lower",
    "ci_upper",
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


@dataclass(frozen=True)
class DisclosureRules:
    min_declared: int = 3
    min_count: int = 3
    n_min: int = 10
    group_disclosure: bool = True
    min_declaration_rate: float = 0.5


REASONS = {
    "min_declared": _("too few respondents answered the questions on migration background"),
    "min_count": _("too few persons with a migration background"),
    "group": _("all respondents who answered have a migration background"),
    "n_min": _("too few answers for a reliable share"),
    "declaration_rate": _(
        "too few respondents answered the questions on migration background for a reliable share"
    ),
    "secondary": _("suppressed so that another suppressed cell cannot be recomputed"),
}


def primary_reason(
    yes: int, declared: int, rules: DisclosureRules, respondents: int | None = None
) -> tuple[str, str] | None:
    """(reason code, symbol) of the first primary rule a cell breaks, or ``None``.

    >>> r = DisclosureRules()
    >>> primary_reason(0, 2, r), primary_reason(1, 40, r), primary_reason(5, 5, r)
    (('min_declared', '.'), ('min_count', '.'), ('group', '.'))
    >>> primary_reason(4, 8, r), primary_reason(0, 40, r), primary_reason(12, 40, r)
    (('n_min', '/'), None, None)
    >>> primary_reason(12, 40, r, respondents=81), primary_reason(12, 40, r, respondents=80)
    (('declaration_rate', '/'), None)
    """
    if declared < rules.min_declared:
        return "min_declared", SECRET
    if 0 < yes < rules.min_count:
        return "min_count", SECRET
    if rules.group_disclosure and yes == declared and declared > 0:
        return "group", SECRET
    if declared < rules.n_min:
        return "n_min", UNRELIABLE
    if respondents and declared < rules.min_declaration_rate * respondents:
        return "declaration_rate", UNRELIABLE
    return None


def protect_estimates(
    table: pl.DataFrame, by: Sequence[str], rules: DisclosureRules
) -> pl.DataFrame:
    """Add ``status``, ``symbol`` and ``reason`` and empty the sensitive columns of suppressed cells."""
    yes = table.get_column("yes").to_list()
    declared = table.get_column("declared").to_list()
    respondents = table.get_column("respondents").to_list()
    status: list[str] = []
    symbol: list[str] = []
    reason: list[str] = []
    for y, n, total in zip(yes, declared, respondents, strict=True):
        found = primary_reason(int(y), int(n), rules, int(total))
        if found is None:
            status.append("published")
            symbol.append("")
            reason.append("")
        else:
            status.append("primary")
            symbol.append(found[1])
            reason.append(found[0])
    if len(by) >= 1:
        _secondary(table, by, declared, status, symbol, reason)
    out = table.with_columns(
        pl.Series("status", status), pl.Series("symbol", symbol), pl.Series("reason", reason)
    )
    hidden = pl.col("status") != "published"
    present = [c for c in SENSITIVE if c in out.columns]
    return out.with_columns(
        [pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in present]
    )


def _secondary(
    table: pl.DataFrame,
    by: Sequence[str],
    declared: list[int],
    status: list[str],
    symbol: list[str],
    reason: list[str],
) -> None:
    parents = (
        [tuple(r) for r in table.select(list(by[:-1])).rows()]
        if len(by) > 1
        else [()] * table.height
    )
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(parents):
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        hidden = [i for i in members if status[i] != "published"]
        if len(hidden) != 1:
            continue
        candidates = [i for i in members if status[i] == "published"]
        partner = min(candidates, key=lambda i: (declared[i], i))
        status[partner] = "secondary"
        symbol[partner] = SECRET
        reason[partner] = "secondary"
