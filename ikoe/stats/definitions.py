"""Migration status per person under each definition of docs/domain.md §3, from raw survey answers.

A staff survey stores the raw answers; this module derives the status under each definition so
figures can be compared across definitions and years. Every status is one of

* ``"yes"`` – the person has a migration background / history under the definition,
* ``"no"`` – the person has none, and every answer needed to say so was given,
* ``"unknown"`` – no answer, or the answers given do not decide the question.

``"unknown"`` is never counted as ``"no"``: shares are computed among the declared persons
(``"yes"`` or ``"no"``) and published together with the declaration rate.

Canonical columns (after import; yes/no questions are polars ``Boolean`` with null = no answer,
years are integers with null = no answer)::

    german                      holds German citizenship (alone or with another one)
    german_since_birth          has held German citizenship since birth
    born_abroad                 born outside today's Germany
    immigration_year            year of immigration into today's Germany
    mother_born_abroad, mother_immigration_year, mother_german_since_birth
    father_born_abroad, father_immigration_year, father_german_since_birth
    migration_background        a precomputed status (Boolean, or "yes"/"no"/"unknown")

A column that is missing entirely is read as "no answer" for everybody.

How the answers combine
-----------------------
Criteria are combined with three-valued (Kleene) logic, which is what polars does for ``|`` and
``&`` on Boolean columns with nulls: a disjunction is yes as soon as one part is yes, no only when
every part is answered no, and unknown otherwise; a conjunction is no as soon as one part is no.
"Immigrated after 1949" (= "since 1950") is ``immigration_year >= 1950``; a missing year is
unknown unless ``assume_immigration_after_1949=True`` (see below). An immigration year only
counts together with "born abroad": a year given by someone who did not answer "born abroad"
leaves the criterion unknown (or no, when the year is before 1950).

The option ``assume_immigration_after_1949`` treats a missing immigration year of a person or
parent born abroad as "after 1949". Use it when the questionnaire asked the combined MighEV
question ("born abroad and immigrated after 1949?") and the importer stored the answer in
``born_abroad``, or when nobody in the surveyed population can have immigrated before 1950
(for active staff the parents may have, so apply it with care to parents).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

STATUS_VALUES: tuple[str, str, str] = ("yes", "no", "unknown")
STATUS_DTYPE = pl.Enum(list(STATUS_VALUES))
"""polars dtype of every status column: ``Enum(["yes", "no", "unknown"])``."""

FIRST_YEAR = 1950
"""Immigration counts from this year on ("after 1949", "since 1950")."""

PERSON = ("german", "german_since_birth", "born_abroad", "immigration_year")
PARENTS = tuple(
    f"{parent}_{item}"
    for parent in ("mother", "father")
    for item in ("born_abroad", "immigration_year", "german_since_birth")
)
YEAR_COLUMNS = ("immigration_year", "mother_immigration_year", "father_immigration_year")
ANSWER_COLUMNS = PERSON + PARENTS
PRECOMPUTED_COLUMN = "migration_background"


class Definition(StrEnum):
    """The definitions a status can be derived under (docs/domain.md §3)."""

    MIGHEV_SHORT = "mighev_short"
    """MighEV §6 short form (default)."""
    MIKROZENSUS_WIDE = "mikrozensus_wide"
    """Mikrozensus migration background *im weiteren Sinn*."""
    EINWANDERUNGSGESCHICHTE = "einwanderungsgeschichte"
    """Destatis *Einwanderungsgeschichte* (since 2023)."""
    PRECOMPUTED = "precomputed"
    """The status delivered in the column ``migration_background``, taken as it is."""

    @property
    def label(self) -> str:
        """German label for tables and charts.

        >>> Definition.MIGHEV_SHORT.label
        'Migrationshintergrund (MighEV § 6, Kurzform)'
        """
        return _LABELS[self]


_LABELS = {
    Definition.MIGHEV_SHORT: "Migrationshintergrund (MighEV § 6, Kurzform)",
    Definition.MIKROZENSUS_WIDE: "Migrationshintergrund (Mikrozensus, im weiteren Sinn)",
    Definition.EINWANDERUNGSGESCHICHTE: "Einwanderungsgeschichte (Destatis)",
    Definition.PRECOMPUTED: "Migrationshintergrund (wie geliefert)",
}

REQUIRED_COLUMNS: dict[Definition, tuple[tuple[str, ...], ...]] = {
    Definition.MIGHEV_SHORT: (("german",), ("born_abroad",)),
    Definition.MIKROZENSUS_WIDE: (
        ("german", "german_since_birth"),
        ("mother_german_since_birth", "father_german_since_birth"),
    ),
    Definition.EINWANDERUNGSGESCHICHTE: (
        ("born_abroad",),
        ("mother_born_abroad",),
        ("father_born_abroad",),
    ),
    Definition.PRECOMPUTED: ((PRECOMPUTED_COLUMN,),),
}
"""For each definition: groups of columns of which at least one per group must be present for
the definition to be derivable at all (otherwise everybody would be ``"unknown"``)."""


def derivable_definitions(columns: Collection[str]) -> tuple[Definition, ...]:
    """The definitions the available answer columns allow.

    Mikrozensus *im weiteren Sinn* needs the parents' citizenship at birth; the MighEV short
    form needs citizenship and birth abroad; Einwanderungsgeschichte needs birth abroad of the
    person and of both parents.

    >>> derivable_definitions(["german", "born_abroad", "immigration_year",
    ...                        "mother_born_abroad", "father_born_abroad"])
    (<Definition.MIGHEV_SHORT: 'mighev_short'>, <Definition.EINWANDERUNGSGESCHICHTE: 'einwanderungsgeschichte'>)
    >>> derivable_definitions(["migration_background"])
    (<Definition.PRECOMPUTED: 'precomputed'>,)
    """
    present = set(columns)
    return tuple(
        definition
        for definition, groups in REQUIRED_COLUMNS.items()
        if all(present.intersection(group) for group in groups)
    )


def _bool(name: str, present: Collection[str]) -> pl.Expr:
    if name in present:
        return pl.col(name).cast(pl.Boolean)
    return pl.lit(None, dtype=pl.Boolean)


def _since_1950(name: str, present: Collection[str], assume: bool) -> pl.Expr:
    year = pl.col(name) if name in present else pl.lit(None, dtype=pl.Int32)
    since = year >= FIRST_YEAR
    if assume:
        return pl.when(year.is_null()).then(pl.lit(True)).otherwise(since)
    return since


def _immigrated(prefix: str, present: Collection[str], assume: bool) -> pl.Expr:
    """Born abroad and immigrated since 1950 (Kleene conjunction)."""
    return _bool(f"{prefix}born_abroad", present) & _since_1950(
        f"{prefix}immigration_year", present, assume
    )


def to_status(condition: pl.Expr) -> pl.Expr:
    """Map a three-valued Boolean expression to the status Enum.

    >>> df = pl.DataFrame({"c": [True, False, None]})
    >>> df.select(to_status(pl.col("c")).alias("s"))["s"].to_list()
    ['yes', 'no', 'unknown']
    """
    return (
        pl.when(condition)
        .then(pl.lit("yes"))
        .when(condition.not_())
        .then(pl.lit("no"))
        .otherwise(pl.lit("unknown"))
        .cast(STATUS_DTYPE)
    )


def status_condition(
    definition: Definition | str,
    columns: Collection[str],
    *,
    assume_immigration_after_1949: bool = False,
) -> pl.Expr:
    """The three-valued Boolean expression behind a definition (null = unknown).

    ``columns`` are the columns present in the frame the expression will run on; absent ones
    are read as "no answer".

    * ``mighev_short``: ``not german`` OR (``born_abroad`` AND year >= 1950) OR
      (``mother_born_abroad`` AND mother's year >= 1950) OR (the same for the father).
    * ``mikrozensus_wide``: ``not german`` OR ``not german_since_birth`` OR
      ``not mother_german_since_birth`` OR ``not father_german_since_birth``. Birth abroad plays
      no part (expellees were German by birth; children of foreigners born in Germany before 2000
      were not), so a German-since-birth person whose parents' citizenship is not known stays
      unknown. Whether the parents live in the same household is not asked, hence *im weiteren
      Sinn*.
    * ``einwanderungsgeschichte``: (``born_abroad`` AND year >= 1950) OR (NOT ``born_abroad``
      AND mother immigrated AND father immigrated), a parent having immigrated meaning
      ``parent_born_abroad`` AND the parent's year >= 1950. One immigrated parent is not enough;
      the third generation never counts.
    * ``precomputed``: the ``migration_background`` column (Boolean, or the strings
      ``"yes"``/``"no"``; anything else is unknown).
    """
    definition = Definition(definition)
    assume = assume_immigration_after_1949
    if definition is Definition.MIGHEV_SHORT:
        return (
            _bool("german", columns).not_()
            | _immigrated("", columns, assume)
            | _immigrated("mother_", columns, assume)
            | _immigrated("father_", columns, assume)
        )
    if definition is Definition.MIKROZENSUS_WIDE:
        return (
            _bool("german", columns).not_()
            | _bool("german_since_birth", columns).not_()
            | _bool("mother_german_since_birth", columns).not_()
            | _bool("father_german_since_birth", columns).not_()
        )
    if definition is Definition.EINWANDERUNGSGESCHICHTE:
        return _immigrated("", columns, assume) | (
            _bool("born_abroad", columns).not_()
            & _immigrated("mother_", columns, assume)
            & _immigrated("father_", columns, assume)
        )
    # precomputed
    if PRECOMPUTED_COLUMN not in columns:
        return pl.lit(None, dtype=pl.Boolean)
    col = pl.col(PRECOMPUTED_COLUMN)
    return (
        pl.when(col.cast(pl.String).str.to_lowercase().is_in(["yes", "true"]))
        .then(pl.lit(True))
        .when(col.cast(pl.String).str.to_lowercase().is_in(["no", "false"]))
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )


def _frame(data: pl.DataFrame | Mapping[str, Any]) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        frame = data
    else:
        # numpy object arrays (booleans with None) become lists so polars infers Boolean
        frame = pl.DataFrame(
            {
                name: values.tolist()
                if isinstance(values, np.ndarray) and values.dtype == object
                else values
                for name, values in data.items()
            }
        )
    for name in frame.columns:
        dtype = frame.schema[name]
        if name in YEAR_COLUMNS and not (dtype.is_numeric() or dtype == pl.Null):
            raise TypeError(f"column {name!r} must hold years as numbers, not {dtype}")
        if (
            name in ANSWER_COLUMNS
            and name not in YEAR_COLUMNS
            and dtype
            not in (
                pl.Boolean,
                pl.Null,
            )
        ):
            raise TypeError(f"column {name!r} must be Boolean (null = no answer), not {dtype}")
    return frame


def derive_status(
    data: pl.DataFrame | Mapping[str, Any],
    definition: Definition | str = Definition.MIGHEV_SHORT,
    *,
    assume_immigration_after_1949: bool = False,
) -> pl.Series:
    """Status per person (``"yes"``/``"no"``/``"unknown"``) under one definition.

    ``data`` is a polars DataFrame or a mapping of column name to values (lists, numpy arrays,
    polars Series). The result is a Series of dtype :data:`STATUS_DTYPE` named after the
    definition. Runs as one vectorised polars expression (millions of rows per second).

    MighEV short form: any criterion yes → yes; all answered no → no; otherwise unknown.

    >>> answers = {
    ...     "german":             [False, True,  True,  True,  None,  True],
    ...     "born_abroad":        [None,  True,  False, False, False, True],
    ...     "immigration_year":   [None,  1990,  None,  None,  None,  None],
    ...     "mother_born_abroad": [None,  False, True,  False, False, False],
    ...     "mother_immigration_year": [None, None, 1975, None, None, None],
    ...     "father_born_abroad": [None,  False, False, False, False, False],
    ... }
    >>> derive_status(answers).to_list()
    ['yes', 'yes', 'yes', 'no', 'unknown', 'unknown']

    The last person was born abroad without a year; with the MighEV combined question that
    counts as after 1949:

    >>> derive_status(answers, assume_immigration_after_1949=True).to_list()[-1]
    'yes'

    Einwanderungsgeschichte needs *both* parents for persons born in Germany:

    >>> derive_status(answers, "einwanderungsgeschichte").to_list()
    ['unknown', 'yes', 'no', 'no', 'no', 'unknown']

    Mikrozensus *im weiteren Sinn* needs the parents' citizenship at birth:

    >>> mz = {"german": [True, True, False, True],
    ...       "german_since_birth": [True, False, None, True],
    ...       "mother_german_since_birth": [True, True, None, None],
    ...       "father_german_since_birth": [False, True, None, True]}
    >>> derive_status(mz, "mikrozensus_wide").to_list()
    ['yes', 'yes', 'yes', 'unknown']
    """
    frame = _frame(data)
    definition = Definition(definition)
    expr = to_status(
        status_condition(
            definition,
            frame.columns,
            assume_immigration_after_1949=assume_immigration_after_1949,
        )
    )
    return frame.select(expr.alias(definition.value)).to_series()


def derive_all(
    data: pl.DataFrame | Mapping[str, Any],
    definitions: Sequence[Definition | str] | None = None,
    *,
    prefix: str = "status_",
    assume_immigration_after_1949: bool = False,
) -> pl.DataFrame:
    """``data`` with one status column per definition added (``status_mighev_short`` …).

    Without ``definitions`` every definition the columns allow is derived
    (:func:`derivable_definitions`).

    >>> out = derive_all({"german": [True, False], "born_abroad": [False, None],
    ...                   "mother_born_abroad": [False, None], "father_born_abroad": [True, None],
    ...                   "father_immigration_year": [1980, None]})
    >>> [c for c in out.columns if c.startswith("status_")]
    ['status_mighev_short', 'status_einwanderungsgeschichte']
    >>> out["status_mighev_short"].to_list(), out["status_einwanderungsgeschichte"].to_list()
    (['yes', 'yes'], ['no', 'unknown'])
    """
    frame = _frame(data)
    chosen = (
        derivable_definitions(frame.columns)
        if definitions is None
        else tuple(Definition(d) for d in definitions)
    )
    return frame.with_columns(
        to_status(
            status_condition(
                d, frame.columns, assume_immigration_after_1949=assume_immigration_after_1949
            )
        ).alias(f"{prefix}{d.value}")
        for d in chosen
    )


def declaration_rate(status: pl.Series) -> float:
    """Share of persons whose status is known (``"yes"`` or ``"no"``); NaN for no persons.

    >>> declaration_rate(pl.Series(["yes", "unknown", "no", "no"], dtype=STATUS_DTYPE))
    0.75
    """
    if status.len() == 0:
        return float("nan")
    known = status.cast(pl.String).is_in(["yes", "no"]).sum()
    return float(known) / status.len()


def possible_combinations(
    definitions: Sequence[Definition | str],
    columns: Collection[str],
    *,
    assume_immigration_after_1949: bool = False,
) -> tuple[tuple[str, ...], ...]:
    """Every combination of statuses under ``definitions`` that some respondent can have.

    Found by deriving the statuses for every pattern of answers the answer columns present
    in a survey allow (each yes/no question answered yes, no or not at all; each year before
    1950, since 1950 or not given), so no logical relation between the definitions can be
    forgotten: what no pattern of answers produces cannot occur. Published tables under
    several definitions reveal these relations to every reader, so disclosure control must
    know them too (docs/disclosure.md).

    >>> combos = possible_combinations(["mighev_short", "einwanderungsgeschichte"],
    ...                                ["german", "born_abroad", "immigration_year",
    ...                                 "mother_born_abroad", "father_born_abroad"])
    >>> ("yes", "yes") in combos, ("no", "yes") in combos, ("unknown", "yes") in combos
    (True, False, False)
    >>> combos
    (('yes', 'yes'), ('yes', 'no'), ('yes', 'unknown'), ('no', 'no'), ('unknown', 'no'), ('unknown', 'unknown'))
    """
    chosen = tuple(Definition(d) for d in definitions)
    present = tuple(sorted(set(columns) & {*ANSWER_COLUMNS, PRECOMPUTED_COLUMN}))
    return _combinations(chosen, present, assume_immigration_after_1949)


@lru_cache(maxsize=32)
def _combinations(
    definitions: tuple[Definition, ...], present: tuple[str, ...], assume: bool
) -> tuple[tuple[str, ...], ...]:
    def choices(name: str) -> tuple[Any, ...]:
        if name in YEAR_COLUMNS:
            return (FIRST_YEAR - 1, FIRST_YEAR, None)
        if name == PRECOMPUTED_COLUMN:
            return ("yes", "no", None)
        return (True, False, None)

    schema = {
        name: pl.Int32
        if name in YEAR_COLUMNS
        else pl.String
        if name == PRECOMPUTED_COLUMN
        else pl.Boolean
        for name in present
    }
    patterns = list(itertools.product(*(choices(name) for name in present)))
    frame = (
        pl.DataFrame(patterns, schema=schema, orient="row")
        if present
        else pl.DataFrame({"_": [None]})
    )
    statuses = derive_all(
        frame, definitions, prefix="_s_", assume_immigration_after_1949=assume
    ).select([f"_s_{d.value}" for d in definitions])
    found = {tuple(str(v) for v in row) for row in statuses.unique().iter_rows()}
    return tuple(sorted(found, key=lambda c: tuple(STATUS_VALUES.index(v) for v in c)))
