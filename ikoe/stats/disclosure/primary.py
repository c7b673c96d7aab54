"""Primary disclosure rules: which cells may not be published as they are, and why.

Each rule is configurable through :class:`Rules` and records its own :class:`Reason`, so a data
steward can see why a figure is missing. Counts and shares have separate rules:

- *minimum frequency* (counts): a cell with 1 to ``k - 1`` contributors is sensitive
  (default ``k = 3``); empty cells are not, unless ``zero_sensitive`` says so;
- *share base* (shares): a share is published only where its base reaches ``n_min``
  (default 10);
- *group-attribute disclosure* (shares): all contributors of a cell share the sensitive answer
  (by default: everyone answered "yes"; optionally also everyone "no");
- *declaration rate* (shares): too few contributors answered the question for the share to
  mean anything (default: below 60 % answered, the threshold the UK Ministry of Defence uses).

>>> rules = Rules()
>>> [reason_names(f) for f in count_flags(np.array([0, 1, 2, 3]), rules)]
[(), ('frequency',), ('frequency',), ()]
>>> flags = share_flags(np.array([12, 12, 8]), np.array([12, 3, 4]), np.array([12, 12, 8]), rules)
>>> [reason_names(f) for f in flags]
[('group-disclosure',), (), ('share-base',)]
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np


class Reason(enum.IntFlag):
    """Why a cell is suppressed; a cell may have several reasons."""

    FREQUENCY = 1
    ZERO = 2
    SHARE_BASE = 4
    GROUP = 8
    DECLARATION = 16
    SECONDARY = 32


CONFIDENTIAL = Reason.FREQUENCY | Reason.ZERO | Reason.GROUP
"""Rules of confidentiality: a cell they mark is protected against recomputation with width ``W``."""
RELIABILITY = Reason.SHARE_BASE | Reason.DECLARATION
"""Rules of reliability: a share they mark is withheld as not reliable enough (``/``), but it is
not confidential, so it needs no protection against recomputation (as statistical offices
handle it)."""


def confidential(flags: np.ndarray) -> np.ndarray:
    """Which cells a rule of confidentiality marks (the primary cells of secondary suppression).

    >>> confidential(np.array([Reason.FREQUENCY, Reason.SHARE_BASE, Reason.GROUP | Reason.SHARE_BASE]))
    array([ True, False,  True])
    """
    return (np.asarray(flags, dtype=np.int64) & int(CONFIDENTIAL)) != 0


REASON_NAMES = {
    Reason.FREQUENCY: "frequency",
    Reason.ZERO: "zero",
    Reason.SHARE_BASE: "share-base",
    Reason.GROUP: "group-disclosure",
    Reason.DECLARATION: "declaration-rate",
    Reason.SECONDARY: "secondary",
}


def reason_names(flags: int) -> tuple[str, ...]:
    """The names of the reasons set in ``flags``, in a fixed order.

    >>> reason_names(Reason.FREQUENCY | Reason.GROUP)
    ('frequency', 'group-disclosure')
    """
    return tuple(name for reason, name in REASON_NAMES.items() if int(flags) & reason)


@dataclass(frozen=True)
class Rules:
    """Configuration of the primary rules (``None`` switches a share rule off)."""

    min_count: int = 3
    """``k``: counts of 1 to ``k - 1`` contributors are sensitive."""
    zero_sensitive: bool = False
    """Treat empty cells as sensitive too."""
    share_base: int | None = 10
    """``n_min``: shares need a base (respondents who answered) of at least this many."""
    group_threshold: float | None = 1.0
    """A share at or above this (everyone answered "yes" at 1.0) is group disclosure."""
    group_both_sides: bool = False
    """Also treat shares at or below ``1 - group_threshold`` (everyone "no") as group disclosure."""
    min_declaration_rate: float | None = 0.6
    """Shares need at least this fraction of contributors to have answered."""
    attribute_frequency: bool = True
    """Apply the minimum frequency to the counts behind a share (those with and without the
    sensitive answer) as well."""

    def __post_init__(self) -> None:
        if self.min_count < 1:
            raise ValueError("min_count must be at least 1")
        if self.group_threshold is not None and not 0.5 < self.group_threshold <= 1.0:
            raise ValueError("group_threshold must lie in (0.5, 1]")
        if self.min_declaration_rate is not None and not 0.0 <= self.min_declaration_rate <= 1.0:
            raise ValueError("min_declaration_rate must lie in [0, 1]")


def count_flags(counts: np.ndarray, rules: Rules) -> np.ndarray:
    """Reasons (as :class:`Reason` bits) for suppressing each count.

    >>> count_flags(np.array([0, 2, 5]), Rules(min_count=5, zero_sensitive=True)).tolist()
    [2, 1, 0]
    """
    n = np.asarray(counts, dtype=float)
    flags = np.zeros(n.shape, dtype=np.int64)
    flags[(n > 0) & (n < rules.min_count)] |= Reason.FREQUENCY
    if rules.zero_sensitive:
        flags[n == 0] |= Reason.ZERO
    return flags


def share_flags(
    counts: np.ndarray,
    sensitive: np.ndarray,
    declared: np.ndarray | None,
    rules: Rules,
) -> np.ndarray:
    """Reasons for not publishing the share ``sensitive / declared`` of each cell.

    ``counts`` are all contributors, ``sensitive`` those with the sensitive answer and
    ``declared`` those who answered at all (default: everyone). A cell without declared
    contributors has no share and no reason.

    >>> share_flags(np.array([20, 20]), np.array([0, 5]), np.array([10, 18]),
    ...             Rules(group_both_sides=True)).tolist()
    [24, 0]
    """
    n = np.asarray(counts, dtype=float)
    s = np.asarray(sensitive, dtype=float)
    r = n.copy() if declared is None else np.asarray(declared, dtype=float)
    flags = np.zeros(n.shape, dtype=np.int64)
    has = r > 0
    share = np.divide(s, r, out=np.zeros_like(s), where=has)
    if rules.share_base is not None:
        flags[has & (r < rules.share_base)] |= Reason.SHARE_BASE
    if rules.group_threshold is not None:
        tol = 1e-12
        group = has & (share >= rules.group_threshold - tol)
        if rules.group_both_sides:
            group |= has & (share <= 1.0 - rules.group_threshold + tol)
        flags[group] |= Reason.GROUP
    if rules.min_declaration_rate is not None:
        rate = np.divide(r, n, out=np.ones_like(r), where=n > 0)
        flags[has & (rate < rules.min_declaration_rate)] |= Reason.DECLARATION
    return flags
