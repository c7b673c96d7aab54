"""The one service through which pages, the API and ``ikoe indicators`` read a survey's figures.

Published tables (:mod:`ikoe.surveys.catalogue`) are read from their protected cells, scoped to
the reader (:mod:`ikoe.surveys.scope`); only a table that is not published as asked is computed,
protected beside the published pattern (:func:`ikoe.surveys.pipeline.compute_table`).
Representation against a benchmark and the trend over survey years are computed here, from
published figures only, so every reader gets the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ikoe.accounts.scope import grants
from ikoe.benchmarks.models import Benchmark
from ikoe.labels import DIMENSION_LABELS
from ikoe.regions import GERMANY
from ikoe.reports.cache import cached
from ikoe.stats.definitions import Definition
from ikoe.stats.estimates import shares_from_counts
from ikoe.stats.groupings import ALL_LANDS, normalise_by
from ikoe.stats.representation import Benchmark as StatsBenchmark
from ikoe.stats.representation import representation_table
from ikoe.stats.trends import trend
from ikoe.surveys.catalogue import (
    LAND,
    STANDARD_TABLES,
    PublishedTable,
    table_named,
    table_of,
)
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.scope import Reach, survey_reach, visible_cells

T = TypeVar("T")

REPRESENTATION = ("gap_pp", "index", "expected", "shortfall", "flags")
"""What :func:`represent` adds to a table."""


class TableRefused(Exception):
    """A table that is not published is not given: it cannot be protected beside the published
    tables without changing them, or those must be protected again first.

    ``splits`` names the dimensions by which the table would break published groups into
    parts too small to protect (empty when the reason is less specific); ``outdated``: the
    published tables were protected with an older method. :attr:`reason` says why in one
    sentence.
    """

    def __init__(self, table: str, splits: Sequence[str] = (), *, outdated: bool = False) -> None:
        super().__init__(table)
        self.table = table
        self.splits = tuple(splits)
        self.outdated = outdated

    @property
    def reason(self) -> str:
        if self.outdated:
            return _(
                "This table is not computed now: the survey's published tables were protected "
                "with an older method and must be protected again first (ikoe publish, or a "
                "restart of the platform)."
            )
        if self.splits:
            named = [
                _("“%(dimension)s”") % {"dimension": DIMENSION_LABELS.get(d, d)}
                for d in self.splits
            ]
            dims = named[-1] if len(named) == 1 else ", ".join(named[:-1]) + _(" and ") + named[-1]
            return _(
                "This table is not published: broken down by %(dimensions)s, groups that are "
                "already published would fall into parts so small that they could be worked "
                "out from the published figures; choose fewer or coarser dimensions."
            ) % {"dimensions": dims}
        return _(
            "This table is not published: its small groups could only be protected by "
            "withholding figures that are already published; choose fewer or coarser "
            "dimensions."
        )


@dataclass(frozen=True)
class BenchmarkChoice:
    """A benchmark share (0..1) with what it describes."""

    share: float
    label: str
    year: int | None
    definition: str
    benchmark_id: int | None = None


def benchmark_for(survey: Survey, benchmark_id: int | None = None) -> BenchmarkChoice | None:
    """The chosen benchmark figure, or the Land's most recent population share."""
    qs = Benchmark.objects.filter(value__isnull=False, unit="%")
    if benchmark_id is not None:
        row = qs.filter(pk=benchmark_id).first()
    else:
        # A survey of one Land against that Land; a joint survey against Germany.
        region = survey.land.code if survey.land is not None else GERMANY
        row = qs.filter(region_code=region, measure="population_share").order_by("-year").first()
    if row is None or row.value is None:
        return None
    return BenchmarkChoice(
        row.value / 100, row.measure_label or row.measure, row.year, row.definition, row.pk
    )


# ---------------------------------------------------------------------------------------------
# Figures computed once per version of the data (ikoe.reports.cache)


def reader_key(user: Any) -> list[str]:
    """What decides which figures ``user`` may read: their grants (role, Land, agency and the
    organisations below it), empty for the public. Every scope rule is a function of the grants
    (:mod:`ikoe.accounts.scope`), so readers with the same key may share computed figures, and a
    changed membership gives a new key."""
    return sorted(
        json.dumps([g.rank, g.land_id, g.agency_id, sorted(g.subtree)]) for g in grants(user)
    )


def reach_key(reach: Reach | None) -> list[Any]:
    """What of one survey a reader reaches (:class:`~ikoe.surveys.scope.Reach`), as a key."""
    if reach is None:
        return ["none"]
    if reach.whole:
        return ["whole"]
    return [sorted(reach.lands), sorted(reach.codes)]


def survey_key(survey: Survey) -> list[Any]:
    """The survey and the release of each of its parts, as read for this request.

    The data version changes with every release, withdrawal, import or replacement; the flags
    are part of the key as well, so figures of another state of release are never taken even
    when the flags were changed without saving the parts (an old database, a backup)."""
    return [survey.pk, [[p.land_id, p.published] for p in survey.parts_list]]


def cached_figures(
    name: str, survey: Survey, reader: list[Any], options: Sequence[Any], compute: Callable[[], T]
) -> T:
    """``compute()`` once per data version, language, survey state, reader and ``options``
    (everything else the figures depend on, e.g. the definition and benchmark asked for).

    ``reader`` is :func:`reader_key` where the figures depend on what the user may read of other
    surveys too (the trend), else :func:`reach_key` of this survey."""
    return cached(name, [survey_key(survey), reader, *options], compute)


# ---------------------------------------------------------------------------------------------
# Published cells


def published_cells(user: Any, survey: Survey) -> QuerySet[IndicatorCell]:
    """The survey's published cells the user may read (none when the survey is out of reach;
    for an agency-limited member of an unreleased survey, their agencies' cells)."""
    return visible_cells(user, survey)


def cells_of(
    cells: QuerySet[IndicatorCell], table: PublishedTable, definition: str, **dims: str
) -> list[IndicatorCell]:
    """The cells of one published table among ``cells`` (e.g. the survey's cells in the
    reader's reach), optionally only those with the given codes."""
    found = cells.filter(table=table.name, definition=definition)
    return [c for c in found if all(c.dims.get(k) == v for k, v in dims.items())]


def cells_frame(cells: Sequence[IndicatorCell]) -> pl.DataFrame:
    """Published cells as a table of figures (the columns :func:`represent` reads)."""
    return pl.DataFrame(
        {
            "status": [c.status for c in cells],
            "share": [c.share for c in cells],
            "yes": [c.yes for c in cells],
            "declared": [c.declared for c in cells],
            "effective_n": [c.effective_n for c in cells],
            "weighted": [c.weighted for c in cells],
            "population": [c.headcount for c in cells],
        },
        schema={
            "status": pl.String,
            "share": pl.Float64,
            "yes": pl.Int64,
            "declared": pl.Int64,
            "effective_n": pl.Float64,
            "weighted": pl.Boolean,
            "population": pl.Float64,
        },
    )


# ---------------------------------------------------------------------------------------------
# Representation


def represent(frame: pl.DataFrame, benchmark: BenchmarkChoice | float | None) -> pl.DataFrame:
    """``frame`` with gap, index, expected persons, shortfall and flags against the benchmark,
    for its published rows with a share; empty for the others.

    Computed from published figures only: the basis of expected persons and shortfall is the
    weighted head count where a weighted row publishes one (the Land as a whole) and the
    declared respondents of an unweighted row; the z test uses the effective number of a
    weighted row.
    """
    empty = [pl.lit(None, dtype=pl.Float64).alias(c) for c in REPRESENTATION[:-1]]
    empty.append(pl.lit([], dtype=pl.List(pl.String)).alias("flags"))
    if benchmark is None or frame.height == 0:
        return frame.with_columns(empty)
    bench = (
        benchmark
        if isinstance(benchmark, StatsBenchmark)
        else StatsBenchmark(benchmark, "")
        if isinstance(benchmark, float)
        else StatsBenchmark(benchmark.share, benchmark.label, benchmark.year, benchmark.definition)
    )
    indexed = frame.with_row_index("_row")
    shown = indexed.filter((pl.col("status") == "published") & pl.col("share").is_not_null())
    if shown.height == 0:
        return frame.with_columns(empty)
    inputs = shown.select(
        "_row", "share", "yes", "declared", "weighted", "population", "effective_n"
    )
    assessed = representation_table(inputs, bench).select("_row", *REPRESENTATION)
    out = indexed.drop([c for c in REPRESENTATION if c in indexed.columns]).join(
        assessed, on="_row", how="left", maintain_order="left"
    )
    return out.with_columns(pl.col("flags").fill_null([])).drop("_row")


# ---------------------------------------------------------------------------------------------
# Trend


@dataclass(frozen=True)
class TrendPoint:
    survey: Survey
    cell: IndicatorCell


def land_trend(
    user: Any, survey: Survey, definition: str, land: str | None = None
) -> tuple[list[TrendPoint], list[dict[str, Any]]]:
    """The share of a Land (``land``, by default the survey's one Land; ``_T`` for all Länder of
    a joint survey together) in every survey of the same population whose figures for it the
    user may read, and the changes between consecutive years with their test; empty when there
    are fewer than two surveys."""
    code = land or (survey.land.code if survey.land is not None else ALL_LANDS)
    same = Survey.objects.with_parts().visible_to(user).filter(population=survey.population)
    if code != ALL_LANDS:
        same = same.filter(parts__land__code=code)
    readable = []
    for other in same.distinct().order_by("year"):
        reach = survey_reach(user, other)
        if reach is not None and (reach.whole or code in reach.lands):
            readable.append(other)  # not an unreleased survey the user reaches only in part
    # One query for the Land's cell of every survey (the first stored, as before).
    found: dict[int, IndicatorCell] = {}
    cells = IndicatorCell.objects.filter(
        survey__in=readable, table=LAND.name, definition=definition, dims__land=code
    )
    for cell in cells.order_by("pk"):
        found.setdefault(cell.survey_id, cell)
    points = [TrendPoint(other, found[other.pk]) for other in readable if other.pk in found]
    if len(points) < 2:
        return [], []
    # A published share always comes with its published counts.
    shown = [
        p for p in points if p.cell.share is not None and p.cell.declared and p.cell.respondents
    ]
    published = [p.cell for p in shown]
    if len(published) < 2:
        return points, []
    table = trend(
        pl.DataFrame(
            {
                "year": [p.survey.year for p in shown],
                "share": [c.share for c in published],
                "se": [c.se for c in published],
                "yes": [c.yes for c in published],
                "declared": [c.declared for c in published],
                "ci_method": ["logit" if c.weighted else "wilson" for c in published],
                "declaration_rate": [(c.declared or 0) / (c.respondents or 1) for c in published],
            },
            schema_overrides={"se": pl.Float64, "yes": pl.Int64},
        )
    )
    return points, list(table.iter_rows(named=True))


# ---------------------------------------------------------------------------------------------
# Indicators by any dimensions (``ikoe indicators``)


def is_published(survey: Survey, by: Sequence[str], weighted: bool) -> bool:
    """Whether the table's figures follow from its published cells: a standard table, weighted
    as the survey, or unweighted (shares and Wilson intervals follow from published counts)."""
    return table_of(by) in STANDARD_TABLES and (weighted == survey.weighted or not weighted)


def indicator_table(
    survey: Survey,
    by: Sequence[str],
    definition: Definition,
    *,
    weighted: bool,
    benchmark: BenchmarkChoice | None,
) -> pl.DataFrame:
    """A table of the survey with its disclosure status and representation, one row per group:
    the published cells where the table is published as asked (no respondent row is read),
    else computed and protected beside the published pattern (:class:`TableRefused` when that
    cannot be done without changing what is published)."""
    table = table_of(by)
    if is_published(survey, by, weighted):
        cells = list(
            IndicatorCell.objects.filter(
                survey=survey, table=table.name, definition=definition.value
            ).order_by("pk")
        )
        frame = pl.concat(
            [_dims_frame(cells, table.by), cells_frame(cells), _interval_frame(cells)],
            how="horizontal",
        )
        if survey.weighted and not weighted:
            frame = _unweighted(frame)
    else:
        frame = _computed(survey, table, definition, weighted)
    return represent(frame, benchmark)


def _unweighted(frame: pl.DataFrame) -> pl.DataFrame:
    """Unweighted figures of published rows from their published counts."""
    share, se, lower, upper = shares_from_counts(
        frame["yes"].cast(pl.Float64).fill_null(float("nan")).to_numpy(),
        frame["declared"].cast(pl.Float64).fill_null(float("nan")).to_numpy(),
    )
    shown = frame["yes"].is_not_null() & (frame["declared"].fill_null(0) > 0)
    figures = {"share": share, "ci_lower": lower, "ci_upper": upper}
    return frame.with_columns(
        *(
            pl.when(shown).then(pl.Series(name, values)).otherwise(None).alias(name)
            for name, values in figures.items()
        ),
        pl.lit(False).alias("weighted"),
        pl.col("declared").cast(pl.Float64).alias("effective_n"),
        pl.lit(None, dtype=pl.Float64).alias("population"),
    )


def _dims_frame(cells: Sequence[IndicatorCell], by: Sequence[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {d: [c.dims.get(d) for c in cells] for d in by}
        | {"respondents": [c.respondents for c in cells]},
        schema={**dict.fromkeys(by, pl.String), "respondents": pl.Int64},
    )


def _interval_frame(cells: Sequence[IndicatorCell]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ci_lower": [c.ci_low for c in cells],
            "ci_upper": [c.ci_high for c in cells],
            "symbol": [c.symbol for c in cells],
        },
        schema={"ci_lower": pl.Float64, "ci_upper": pl.Float64, "symbol": pl.String},
    )


def _computed(
    survey: Survey, table: PublishedTable, definition: Definition, weighted: bool
) -> pl.DataFrame:
    # The engine and the snapshot are loaded only for a table that is not published.
    from ikoe.stats.disclosure import ProtectionFailed, ReleaseBlocks
    from ikoe.stats.publication import METHOD, PublicationRules
    from ikoe.surveys.pipeline import compute_table, load_frame

    if (survey.diagnostics.get("disclosure") or {}).get("method") != METHOD:
        # What the stored cells' symbols tell depends on the method (ikoe.stats.publication).
        raise TableRefused(table.name, outdated=True)
    data, design = load_frame(survey)
    # The rules the survey was published with, and what its cells show: the table is
    # protected beside exactly what is out.
    rules = PublicationRules.of_survey(survey.diagnostics)
    published = published_tables(survey)
    try:
        frame = compute_table(
            data,
            table.by,
            definition=definition,
            design=design if weighted else None,
            rules=rules,
            published=published,
        )
    except ReleaseBlocks as exc:
        splits = added_dimensions(table.by, {by for by, _d in published}) if exc.cells.size else ()
        raise TableRefused(table.name, splits) from exc
    except ProtectionFailed as exc:
        raise TableRefused(table.name) from exc
    return frame.with_columns(pl.col(d).cast(pl.String) for d in table.by)


def published_tables(survey: Survey) -> dict[tuple[tuple[str, ...], str], pl.DataFrame]:
    """The survey's stored cells as tables (every table, every definition): the figures each
    shows (``None`` where withheld) and its symbol, what a table beside them is protected
    against (:data:`ikoe.stats.publication.Released`)."""
    rows: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    found = IndicatorCell.objects.filter(survey=survey).values_list(
        "table", "definition", "dims", "respondents", "declared", "yes", "symbol"
    )
    for name, definition, dims, *figures in found.order_by("pk").iterator(chunk_size=5000):
        rows.setdefault((name, definition), []).append((dims, *figures))
    out: dict[tuple[tuple[str, ...], str], pl.DataFrame] = {}
    for (name, definition), cells in rows.items():
        by = table_named(name).by
        out[(by, definition)] = pl.DataFrame(
            {
                **{d: [dims.get(d) for dims, *_rest in cells] for d in by},
                "respondents": [c[1] for c in cells],
                "declared": [c[2] for c in cells],
                "yes": [c[3] for c in cells],
                "symbol": [c[4] for c in cells],
            },
            schema={
                **dict.fromkeys(by, pl.String),
                "respondents": pl.Int64,
                "declared": pl.Int64,
                "yes": pl.Int64,
                "symbol": pl.String,
            },
        )
    return out


def added_dimensions(by: Sequence[str], published: Collection[tuple[str, ...]]) -> list[str]:
    """The dimensions by which a table breaks down a published one: those without which it
    is a published table.

    >>> added_dimensions(("land", "ministry", "agency", "gender"), [("land", "ministry", "agency")])
    ['gender']
    >>> added_dimensions(("land", "career_group", "gender"), [("land", "career_group"), ("land", "gender")])
    ['career_group', 'gender']
    """
    by = normalise_by(by)
    out = []
    for d in by:
        rest = normalise_by([x for x in by if x != d])
        if rest != by and rest in published:
            out.append(d)
    return out
