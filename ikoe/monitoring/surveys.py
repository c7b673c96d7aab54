"""The one path for staff-survey data (docs/architecture.md): file → restricted snapshot → statistics →
disclosure control → protected cells in the database.

Only this module and the statistics it calls ever hold respondent rows. Everything it returns
to callers outside is an aggregate that went through :mod:`ikoe.monitoring.publication`, where
all tables of a survey are protected together by the disclosure-control engine.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, ProblemList
from ikoe.ingest.mapping import SurveyMapping
from ikoe.ingest.survey import SurveyFile, read_survey, read_totals
from ikoe.monitoring.models import Benchmark, IndicatorCell, Organisation, Survey
from ikoe.monitoring.publication import (
    METHOD,
    Publication,
    PublicationRules,
    normalise_by,
    protect_tables,
)
from ikoe.stats.definitions import Definition, derivable_definitions, derive_all
from ikoe.stats.disclosure import Pattern
from ikoe.stats.estimates import estimate_shares
from ikoe.stats.representation import Benchmark as StatsBenchmark
from ikoe.stats.representation import representation_table
from ikoe.stats.weighting import SurveyDesign, rake

LEVELS = ("land", "ministry", "agency", "unit")
CLASSIFYING = ("career_group", "employment", "gender", "age_group", "leadership")
DIMENSIONS = LEVELS + CLASSIFYING
UNKNOWN = "_U"  # class of respondents without an answer to a classifying question
DEFINITION_CODES = {
    "mighev": Definition.MIGHEV_SHORT,
    "mz": Definition.MIKROZENSUS_WIDE,
    "eg": Definition.EINWANDERUNGSGESCHICHTE,
    "precomputed": Definition.PRECOMPUTED,
}

# The tables published for every survey (the Land overview, ministries, agencies, ladder).
STANDARD_TABLES: tuple[tuple[str, ...], ...] = (
    ("land",),
    ("land", "ministry"),
    ("land", "ministry", "agency"),
    ("land", "career_group"),
    ("land", "ministry", "career_group"),
    ("land", "gender"),
    ("land", "age_group"),
    ("land", "employment"),
    ("land", "leadership"),
    ("land", "ministry", "agency", "career_group"),
)


def restricted_dir() -> Path:
    path = Path(settings.RESTRICTED_DIR) / "surveys"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


# ---------------------------------------------------------------------------------------------
# Organisation levels


def organisation_levels() -> pl.DataFrame:
    """For every organisation code: the codes of its Land, ministry, agency and unit."""
    orgs = {o.pk: o for o in Organisation.objects.all()}
    rows = []
    for org in orgs.values():
        chain = []
        node: Organisation | None = org
        while node is not None:
            chain.append(node)
            node = orgs.get(node.parent_id) if node.parent_id else None
        by_kind: dict[str, str] = {}
        for node in reversed(chain):  # top-down: the highest unit wins for "unit"
            by_kind.setdefault(node.kind, node.code)
        rows.append({"organisation": org.code, **{lvl: by_kind.get(lvl) for lvl in LEVELS}})
    return pl.DataFrame(
        rows, schema={"organisation": pl.String, **{lvl: pl.String for lvl in LEVELS}}
    )


def with_levels(data: pl.DataFrame, levels: pl.DataFrame) -> pl.DataFrame:
    return data.with_columns(pl.col("organisation").cast(pl.String)).join(
        levels, on="organisation", how="left", maintain_order="left"
    )


# ---------------------------------------------------------------------------------------------
# Weighting


def _totals_key(totals: pl.DataFrame, levels: pl.DataFrame, data: pl.DataFrame) -> pl.Series:
    """For each respondent, the organisation code at which the totals give head counts: the
    respondent's own organisation or its nearest ancestor listed in the totals."""
    listed = set(totals.get_column("organisation").cast(pl.String).to_list())
    candidates = [
        pl.col("organisation"),
        pl.col("unit"),
        pl.col("agency"),
        pl.col("ministry"),
        pl.col("land"),
    ]
    expr = pl.coalesce([pl.when(c.is_in(list(listed))).then(c) for c in candidates])
    return data.select(expr.alias("_weight_org")).to_series()


def build_design(
    data: pl.DataFrame,
    totals: pl.DataFrame | None,
    file: str = "",
    trim: tuple[float, float] | None = None,
) -> tuple[SurveyDesign | None, dict[str, Any]]:
    """Rake respondents to the personnel totals; ``None`` when no totals are given.

    Margins: the organisations of the totals file (respondents counted at their nearest listed
    ancestor) and each classifying column of the totals file. Respondents without an answer to
    a classifying column form their own class; its total is the same share of the staff as of
    the respondents, and the known classes share the rest in the proportions of the totals.
    """
    if totals is None:
        return None, {}
    data = data.with_columns(_totals_key(totals, data.select(LEVELS + ("organisation",)), data))
    unmatched = data.get_column("_weight_org").null_count()
    if unmatched:
        raise ImportFailed.single(
            "totals_organisation",
            _(
                "%(count)d respondents belong to organisations for which the personnel totals give "
                "no head count (neither for the organisation nor for one above it)."
            )
            % {"count": unmatched},
            file=file,
            column="organisation",
        )
    n = data.height
    org_totals = (
        totals.with_columns(pl.col("organisation").cast(pl.String).alias("_weight_org"))
        .group_by("_weight_org")
        .agg(pl.col("headcount").sum().cast(pl.Float64).alias("total"))
    )
    margins = [org_totals]
    grand = float(org_totals.get_column("total").sum())
    margin_names = ["organisation"]
    for column in CLASSIFYING:
        if column not in totals.columns or column not in data.columns:
            continue
        known = (
            totals.with_columns(pl.col(column).cast(pl.String))
            .group_by(column)
            .agg(pl.col("headcount").sum().cast(pl.Float64).alias("total"))
        )
        missing = data.get_column(column).null_count()
        p_unknown = missing / n
        known = known.with_columns(pl.col("total") * (1 - p_unknown))
        if missing:
            known = pl.concat(
                [known, pl.DataFrame({column: [UNKNOWN], "total": [grand * p_unknown]})]
            )
        margins.append(known)
        margin_names.append(column)
        data = data.with_columns(pl.col(column).cast(pl.String).fill_null(UNKNOWN))
    try:
        design = rake(data, margins, allow_empty_classes=True, trim=trim)
    except ValueError as exc:
        raise ImportFailed.single(
            "weighting",
            _("The respondents cannot be weighted to the personnel totals: %(reason)s")
            % {"reason": exc},
            file=file,
        ) from exc
    return design, {**asdict(design.diagnostics), "margins": margin_names}


# ---------------------------------------------------------------------------------------------
# Indicators


@dataclass(frozen=True)
class BenchmarkChoice:
    share: float  # 0..1
    label: str
    year: int | None
    definition: str
    benchmark_id: int | None = None


def benchmark_for(survey: Survey, benchmark_id: int | None = None) -> BenchmarkChoice | None:
    """The chosen benchmark, or the Land's most recent population share."""
    qs = Benchmark.objects.filter(value__isnull=False, unit="%")
    if benchmark_id is not None:
        row = qs.filter(pk=benchmark_id).first()
    else:
        row = (
            qs.filter(region_code=survey.land.code, measure="population_share")
            .order_by("-year")
            .first()
        )
    if row is None or row.value is None:
        return None
    return BenchmarkChoice(
        row.value / 100, row.measure_label or row.measure, row.year, row.definition, row.pk
    )


def compute_tables(
    data: pl.DataFrame,
    tables: Sequence[tuple[Sequence[str], Definition]],
    *,
    design: SurveyDesign | None,
    benchmark: BenchmarkChoice | None = None,
    rules: PublicationRules | None = None,
    released: Pattern | None = None,
    only: Sequence[tuple[Sequence[str], Definition]] | None = None,
    workers: int = 1,
) -> Publication:
    """Estimates, representation and disclosure status for tables protected together.

    With ``only``, the other tables are protected alongside but estimated without weights
    (their counts are all that protection needs), which saves the design-based variance.
    """
    detailed = None if only is None else {(normalise_by(by), d) for by, d in only}
    bench = (
        StatsBenchmark(benchmark.share, benchmark.label, benchmark.year, benchmark.definition)
        if benchmark is not None
        else None
    )

    def estimate(by: Sequence[str], definition: Definition) -> pl.DataFrame:
        status = f"status_{definition.value}"
        if detailed is not None and (tuple(by), definition) not in detailed:
            return estimate_shares(data, list(by), status=status)
        est = estimate_shares(data, list(by), status=status, design=design)
        if bench is not None:
            est = representation_table(
                est, bench, headcount="population" if design is not None else None
            )
        return est

    return protect_tables(data, tables, estimate, rules, released=released, workers=workers)


def compute_table(
    data: pl.DataFrame,
    by: Sequence[str],
    *,
    definition: Definition,
    design: SurveyDesign | None,
    benchmark: BenchmarkChoice | None,
    rules: PublicationRules | None = None,
    workers: int = 1,
) -> pl.DataFrame:
    """One table with its disclosure status; ``by`` is normalised (see
    :func:`~ikoe.monitoring.publication.normalise_by`).

    A standard table comes out exactly as published. Any other table is protected together
    with the survey's standard tables under every definition, keeping their published pattern
    as it is, so it gives away nothing they suppress and changes nothing that is out.
    """
    wanted = (normalise_by(by), definition)
    standard = standard_requests(data)
    released = None
    if wanted not in standard:
        released = compute_tables(data, standard, design=None, rules=rules, workers=workers).pattern
    requests = standard if released is None else [*standard, wanted]
    publication = compute_tables(
        data,
        requests,
        design=design,
        benchmark=benchmark,
        rules=rules,
        released=released,
        only=[wanted],
        workers=workers,
    )
    return publication.tables[(wanted[0], definition.value)]


def standard_requests(data: pl.DataFrame) -> list[tuple[tuple[str, ...], Definition]]:
    """The standard tables the survey's columns allow, under every derivable definition."""
    return [
        (by, definition)
        for definition in derivable_definitions(data.columns)
        for by in STANDARD_TABLES
        if all(col in data.columns for col in by)
    ]


def load_frame(survey: Survey) -> tuple[pl.DataFrame, SurveyDesign | None]:
    """The survey's respondents with levels and statuses, and its design. Restricted."""
    data = pl.read_parquet(restricted_dir() / survey.snapshot)
    data = with_levels(data, organisation_levels())
    data = derive_all(data, derivable_definitions(data.columns))
    totals = (
        pl.read_parquet(restricted_dir() / survey.totals_snapshot)
        if survey.totals_snapshot
        else None
    )
    bounds = (survey.diagnostics.get("weighting") or {}).get("trim_bounds")
    design, _diag = build_design(data, totals, trim=tuple(bounds) if bounds else None)
    for column in CLASSIFYING:
        if column in data.columns:
            data = data.with_columns(pl.col(column).cast(pl.String))
    return data, design


# ---------------------------------------------------------------------------------------------
# Import


def import_survey(
    path: str | Path,
    *,
    name: str,
    year: int,
    title: str = "",
    population: str = "",
    fieldwork: str = "",
    population_size: int | None = None,
    totals: str | Path | None = None,
    mapping: SurveyMapping | None = None,
    mapping_source: dict[str, Any] | None = None,
    user: Any = None,
    synthetic: bool = False,
    trim: tuple[float, float] | None = None,
) -> Survey:
    """Read, validate, snapshot and publish a survey; all or nothing.

    The snapshot is written to a temporary file first and moved into place only after the
    database transaction committed; a failure at any point leaves neither rows nor files.

    The survey starts unreleased, also when it replaces a released survey of the same name:
    new figures are public only after a coordinator released them
    (:mod:`ikoe.monitoring.release`, which also keeps the replaced survey's history).
    """
    from ikoe.monitoring.release import continue_history, remember_replaced

    _check_name_and_year(name, year, str(path))
    levels = organisation_levels()
    codes = levels.get_column("organisation").to_list()
    survey_file = read_survey(
        path, organisation_codes=codes, mapping=mapping, current_year=timezone.now().year
    )
    totals_frame = read_totals(totals, codes, mapping) if totals else None
    data = with_levels(survey_file.data, levels)
    lands = data.get_column("land").drop_nulls().unique().to_list()
    if len(lands) != 1:
        raise ImportFailed.single(
            "several_lands",
            _("A survey belongs to exactly one Land; this file has respondents in: %(lands)s.")
            % {"lands": ", ".join(sorted(lands)) or "–"},
            file=str(path),
            column="organisation",
        )
    land = Organisation.objects.get(code=lands[0])
    definitions = derivable_definitions(data.columns)
    data = derive_all(data, definitions)
    design, weighting = build_design(data, totals_frame, str(totals or ""), trim=trim)
    if population_size is None and totals_frame is not None:
        population_size = int(totals_frame.get_column("headcount").sum())

    folder = restricted_dir()
    token = uuid.uuid4().hex
    final_name = f"{token}.parquet"
    totals_name = f"{token}-totals.parquet" if totals_frame is not None else ""
    # The snapshots are held in memory until the database has committed; only then are they
    # written, so a failed or rolled-back import leaves no file (docs/architecture.md: nothing half).
    files = {final_name: _parquet_bytes(survey_file.data)}
    if totals_frame is not None:
        files[totals_name] = _parquet_bytes(totals_frame)
    sha = hashlib.sha256(files[final_name]).hexdigest()
    diagnostics = _diagnostics(survey_file, data, definitions, weighting, totals_frame, levels)
    with transaction.atomic():
        replaced = [
            f
            for old in Survey.objects.filter(name=name)
            for f in (old.snapshot, old.totals_snapshot)
            if f
        ]
        replaced_release = remember_replaced(name)
        Survey.objects.filter(name=name).delete()
        survey = Survey.objects.create(
            name=name,
            title=title or name,
            land=land,
            year=year,
            population=population,
            fieldwork=fieldwork,
            population_size=population_size,
            respondents=data.height,
            weighted=design is not None,
            synthetic=synthetic,
            published=False,
            snapshot=final_name,
            totals_snapshot=totals_name,
            snapshot_sha256=sha,
            mapping=mapping_source or {},
            diagnostics=diagnostics,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        continue_history(survey, replaced_release, user)
        publish_cells(survey, _frame_for_tables(data), design)
        # Inside an outer transaction this runs only when that one commits.
        transaction.on_commit(lambda: _write_snapshots(folder, token, files, replaced))
    return survey


SURVEY_YEAR_MIN = 1950


def latest_survey_year() -> int:
    """Surveys run in the field may be dated next year; nothing later."""
    return timezone.now().year + 1


def _check_name_and_year(name: str, year: int, file: str) -> None:
    problems = ProblemList(file=file)
    try:
        validate_slug(name)
        if len(name) > Survey._meta.get_field("name").max_length:  # type: ignore[operator]
            raise ValidationError("too long")
    except ValidationError:
        problems.add(
            "name",
            _(
                "The survey name “%(name)s” is not usable: use up to 100 letters without umlauts, "
                "digits, hyphens or underscores, such as be-2024."
            )
            % {"name": name},
            column="--name",
        )
    latest = latest_survey_year()
    if not SURVEY_YEAR_MIN <= year <= latest:
        problems.add(
            "year",
            _(
                "The survey year %(year)s is not plausible; expected a year between %(min)s and %(max)s."
            )
            % {"year": year, "min": SURVEY_YEAR_MIN, "max": latest},
            column="--year",
        )
    problems.raise_if_any()


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def _write_snapshots(
    folder: Path, token: str, files: dict[str, bytes], replaced: Sequence[str]
) -> None:
    """Write the snapshots into a private temporary folder, then move them into place."""
    tmp_dir = folder / f".tmp-{token}"
    tmp_dir.mkdir(mode=0o700)
    for name, content in files.items():
        path = tmp_dir / name
        with open(path, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        path.chmod(0o600)
    for name in files:
        os.replace(tmp_dir / name, folder / name)
    tmp_dir.rmdir()
    for name in replaced:  # the microdata of a replaced survey do not stay behind
        (folder / name).unlink(missing_ok=True)


def clean_restricted_storage() -> int:
    """Remove temporary files of interrupted imports and snapshots no survey refers to."""
    folder = restricted_dir()
    removed = 0
    stale = time.time() - 3600  # a snapshot being written right now keeps its folder
    for tmp in folder.glob(".tmp-*"):
        if tmp.stat().st_mtime < stale:
            shutil.rmtree(tmp, ignore_errors=True)
            removed += 1
    known = set(Survey.objects.values_list("snapshot", flat=True)) | set(
        Survey.objects.values_list("totals_snapshot", flat=True)
    )
    for file in folder.glob("*.parquet"):
        if file.name not in known:
            file.unlink()
            removed += 1
    return removed


def _frame_for_tables(data: pl.DataFrame) -> pl.DataFrame:
    for column in CLASSIFYING:
        if column in data.columns:
            data = data.with_columns(pl.col(column).cast(pl.String))
    return data


def _diagnostics(
    survey_file: SurveyFile,
    data: pl.DataFrame,
    definitions: Sequence[Definition],
    weighting: dict[str, Any],
    totals: pl.DataFrame | None = None,
    levels: pl.DataFrame | None = None,
) -> dict[str, Any]:
    diag = survey_file.diagnostics
    declared = {}
    for d in definitions:
        column = data.get_column(f"status_{d.value}")
        declared[d.value] = int((column != "unknown").sum())
    by_agency = (
        data.with_columns(pl.coalesce("agency", "ministry", "land").alias("_org"))
        .group_by("_org")
        .len()
        .sort("_org")
    )
    staff: dict[str, int] = {}
    if totals is not None and levels is not None:
        # Head counts per agency (or ministry/Land where no agency is given), for response rates.
        staff_frame = (
            with_levels(totals.select("organisation", "headcount"), levels)
            .with_columns(pl.coalesce("agency", "ministry", "land").alias("_org"))
            .group_by("_org")
            .agg(pl.col("headcount").sum())
        )
        staff = {str(k): int(v) for k, v in staff_frame.iter_rows() if k is not None}
    return {
        "file": Path(diag.file).name,
        "format": diag.format,
        "encoding": diag.encoding,
        "rows_read": diag.rows_read,
        "blank_rows_skipped": diag.blank_rows_skipped,
        "rows_rejected": 0,
        "respondents_by_organisation": {str(k): int(v) for k, v in by_agency.iter_rows()},
        "staff_by_organisation": staff,
        "answers_per_item": diag.answers_per_item,
        "columns_used": diag.columns_used,
        "columns_ignored": diag.columns_ignored,
        "definitions_derived": [d.value for d in definitions],
        "declared": declared,
        "weighting": _jsonable(weighting),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def publish_cells(
    survey: Survey,
    data: pl.DataFrame,
    design: SurveyDesign | None,
    rules: PublicationRules | None = None,
) -> int:
    """Compute, protect (all tables together) and store the standard tables of a survey.

    The summary of the protection (rules, cells, primary and secondary suppressions, the
    narrowest interval the audit found) is kept in the survey's diagnostics.
    """
    rules = rules or PublicationRules.from_settings()
    publication = compute_tables(data, standard_requests(data), design=design, rules=rules)
    survey.cells.all().delete()
    cells: list[IndicatorCell] = []
    for (by, definition), table in publication.tables.items():
        cells.extend(_cells(survey, table, by, Definition(definition), design is not None))
    IndicatorCell.objects.bulk_create(cells, batch_size=2000)
    survey.diagnostics = {**survey.diagnostics, "disclosure": _jsonable(publication.summary)}
    survey.save(update_fields=["diagnostics"])
    return len(cells)


def republish(survey: Survey, rules: PublicationRules | None = None) -> int:
    """Protect and store a survey's tables again from its snapshot (new rules or method)."""
    data, design = load_frame(survey)
    with transaction.atomic():
        return publish_cells(survey, data, design, rules)


def needs_republishing(survey: Survey, rules: PublicationRules | None = None) -> bool:
    """Whether the stored cells were protected with another method or other rules."""
    rules = rules or PublicationRules.from_settings()
    done = survey.diagnostics.get("disclosure") or {}
    return done.get("method") != METHOD or done.get("rules") != rules.as_dict()


def _cells(
    survey: Survey, table: pl.DataFrame, by: Sequence[str], definition: Definition, weighted: bool
) -> list[IndicatorCell]:
    name = " × ".join(by)
    out = []
    for row in table.iter_rows(named=True):
        out.append(
            IndicatorCell(
                survey=survey,
                table=name,
                definition=definition.value,
                weighted=weighted,
                dims={d: (None if row[d] is None else str(row[d])) for d in by},
                respondents=row["respondents"],
                declared=row["declared"],
                yes=row["yes"],
                share=row["share"],
                se=row["se"],
                ci_low=row["ci_lower"],
                ci_high=row["ci_upper"],
                headcount=row.get("population") if weighted else None,
                effective_n=row.get("effective_n"),
                status=row["status"],
                symbol=row["symbol"],
                reason=row["reason"],
            )
        )
    return out
