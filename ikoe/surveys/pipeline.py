"""The one path for staff-survey data: file → restricted snapshot → statistics → disclosure
control → published cells in the database (docs/architecture.md).

:func:`import_survey` reads top to bottom like the methodology (docs/methodology.md):

1. read and validate the file (:mod:`ikoe.ingest.survey`),
2. derive the status under every definition (:mod:`ikoe.stats.definitions`),
3. weight the respondents to the personnel totals (:mod:`ikoe.stats.weighting`),
4. estimate the standard tables (:mod:`ikoe.stats.estimates`),
5. protect and audit them together (:mod:`ikoe.stats.publication`, :mod:`ikoe.stats.disclosure`),
6. store the published cells and the restricted snapshot, all or nothing.

Only this module and the statistics it calls ever hold respondent rows. Everything it returns
to callers outside is an aggregate that went through disclosure control; pages, API and
commands read the published cells through :mod:`ikoe.surveys.figures`.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict
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
from ikoe.organisations.models import Organisation
from ikoe.stats.definitions import Definition, derivable_definitions, derive_all
from ikoe.stats.estimates import estimate_shares
from ikoe.stats.publication import (
    Publication,
    PublicationRules,
    Released,
    normalise_by,
    protect_tables,
)
from ikoe.stats.weighting import SurveyDesign, rake
from ikoe.surveys.catalogue import CLASSIFYING, LEVELS, table_of
from ikoe.surveys.catalogue import standard_requests as catalogue_requests
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.publication import current_rules
from ikoe.surveys.release import continue_history, remember_replaced

UNKNOWN = "_U"  # class of respondents without an answer to a classifying question


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
# Estimates and their protection


Request = tuple[tuple[str, ...], Definition]


def estimate_tables(
    data: pl.DataFrame,
    requests: Sequence[tuple[Sequence[str], Definition]],
    design: SurveyDesign | None,
    *,
    weighted: Sequence[tuple[Sequence[str], Definition]] | None = None,
) -> dict[Request, pl.DataFrame]:
    """Shares with intervals for every requested table (``by`` normalised).

    With ``design`` the estimates are weighted (design-based variance); ``weighted`` limits
    that to some of the tables — the others are estimated by their counts, which is all their
    protection needs.
    """
    detailed = None if weighted is None else {(normalise_by(by), d) for by, d in weighted}
    out: dict[Request, pl.DataFrame] = {}
    for by, definition in requests:
        key = (normalise_by(by), definition)
        use = design if detailed is None or key in detailed else None
        out[key] = estimate_shares(
            data, list(key[0]), status=f"status_{definition.value}", design=use
        )
    return out


def compute_tables(
    data: pl.DataFrame,
    tables: Sequence[tuple[Sequence[str], Definition]],
    *,
    design: SurveyDesign | None,
    rules: PublicationRules | None = None,
    released: Released | None = None,
    only: Sequence[tuple[Sequence[str], Definition]] | None = None,
    workers: int = 1,
) -> Publication:
    """Estimate the tables and protect them together (the audit included).

    With ``only``, the other tables are estimated by their counts (all their protection
    needs), which saves the design-based variance. ``released`` are tables published before,
    protected alongside as they were published (:func:`~ikoe.stats.publication.protect_tables`).
    """
    estimates = estimate_tables(data, tables, design, weighted=only)
    rules = rules or current_rules()
    return protect_tables(data, estimates, rules, released=released, workers=workers)


def standard_requests(data: pl.DataFrame) -> list[Request]:
    """The standard tables the survey's columns allow, under every derivable definition."""
    return catalogue_requests(data.columns)


def publish(
    data: pl.DataFrame, design: SurveyDesign | None, rules: PublicationRules, *, workers: int = 1
) -> Publication:
    """Steps 4 and 5: estimate the standard tables under every definition and protect them
    together; a pattern that fails the audit is not returned (``ProtectionFailed``)."""
    return compute_tables(
        data, standard_requests(data), design=design, rules=rules, workers=workers
    )


def compute_table(
    data: pl.DataFrame,
    by: Sequence[str],
    *,
    definition: Definition,
    design: SurveyDesign | None,
    rules: PublicationRules,
    published: Released | None = None,
    workers: int = 1,
) -> pl.DataFrame:
    """A table that is not published as asked (another breakdown, or unweighted figures of a
    weighted survey), with its disclosure status; ``by`` is normalised.

    A standard table is protected with the other standard tables, as they are published. Any
    other table is protected beside the survey's ``published`` tables (all of them, every
    definition; the stored cells, :data:`~ikoe.stats.publication.Released`): everything they
    show is known to the attacker and stays published, everything they withhold stays
    withheld, so the table gives away nothing they suppress and changes nothing that is out.
    Without ``published`` the standard tables are protected again to find them: slow, and
    the same as the stored cells only while neither the data nor the engine changed. Raises
    :class:`~ikoe.stats.disclosure.ReleaseBlocks` when the table cannot be protected so.
    """
    wanted = (normalise_by(by), definition)
    standard = standard_requests(data)
    if wanted in standard:
        publication = compute_tables(
            data, standard, design=design, rules=rules, only=[wanted], workers=workers
        )
    else:
        if published is None:
            first = compute_tables(data, standard, design=None, rules=rules, workers=workers)
            published = first.tables
        publication = compute_tables(
            data, [wanted], design=design, rules=rules, released=published, workers=workers
        )
    return publication.tables[(wanted[0], definition.value)]


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
    """Read, validate, derive, weight, estimate, protect and store a survey; all or nothing.

    The snapshot is written to a temporary file first and moved into place only after the
    database transaction committed; a failure at any point leaves neither rows nor files.

    The survey starts unreleased, also when it replaces a released survey of the same name:
    new figures are public only after a coordinator released them
    (:mod:`ikoe.surveys.release`, which also keeps the replaced survey's history).
    """
    _check_name_and_year(name, year, str(path))
    levels = organisation_levels()
    codes = levels.get_column("organisation").to_list()
    # 1. read and validate
    read = read_survey(path, organisation_codes=codes, mapping=mapping, current_year=_this_year())
    totals_frame = read_totals(totals, codes, mapping) if totals else None
    data = with_levels(read.data, levels)
    land = _land_of(data, str(path))
    # 2. derive the status under every definition the answers allow
    definitions = derivable_definitions(data.columns)
    data = derive_all(data, definitions)
    # 3. weight to the personnel totals
    design, weighting = build_design(data, totals_frame, str(totals or ""), trim=trim)
    # 4. and 5. estimate the standard tables and protect them together
    publication = publish(_classified(data), design, current_rules())
    # 6. store: the survey, its published cells and (after the commit) its snapshot
    if population_size is None and totals_frame is not None:
        population_size = int(totals_frame.get_column("headcount").sum())
    survey = Survey(
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
        mapping=mapping_source or {},
        diagnostics=_diagnostics(read, data, definitions, weighting, totals_frame, levels),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    _store(survey, publication, read.data, totals_frame, user)
    return survey


def _this_year() -> int:
    return timezone.now().year


def _land_of(data: pl.DataFrame, file: str) -> Organisation:
    lands = data.get_column("land").drop_nulls().unique().to_list()
    if len(lands) != 1:
        raise ImportFailed.single(
            "several_lands",
            _("A survey belongs to exactly one Land; this file has respondents in: %(lands)s.")
            % {"lands": ", ".join(sorted(lands)) or "–"},
            file=file,
            column="organisation",
        )
    return Organisation.objects.get(code=lands[0])


def _store(
    survey: Survey,
    publication: Publication,
    answers: pl.DataFrame,
    totals: pl.DataFrame | None,
    user: Any,
) -> None:
    """Replace a survey of the same name by ``survey`` with its cells, in one transaction; the
    snapshots are written only when it committed (nothing half)."""
    folder = restricted_dir()
    token = uuid.uuid4().hex
    survey.snapshot = f"{token}.parquet"
    survey.totals_snapshot = f"{token}-totals.parquet" if totals is not None else ""
    files = {survey.snapshot: _parquet_bytes(answers)}
    if totals is not None:
        files[survey.totals_snapshot] = _parquet_bytes(totals)
    survey.snapshot_sha256 = hashlib.sha256(files[survey.snapshot]).hexdigest()
    with transaction.atomic():
        replaced = [
            f
            for old in Survey.objects.filter(name=survey.name)
            for f in (old.snapshot, old.totals_snapshot)
            if f
        ]
        replaced_release = remember_replaced(survey.name)
        Survey.objects.filter(name=survey.name).delete()
        survey.save()
        continue_history(survey, replaced_release, user)
        store_cells(survey, publication)
        # Inside an outer transaction this runs only when that one commits.
        transaction.on_commit(lambda: _write_snapshots(folder, token, files, replaced))


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


def _classified(data: pl.DataFrame) -> pl.DataFrame:
    """Classifying columns as text, as the tables group them."""
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


def store_cells(survey: Survey, publication: Publication) -> int:
    """Replace the survey's published cells; keep the summary of their protection (rules,
    cells, primary and secondary suppressions, the narrowest interval the audit found)."""
    survey.cells.all().delete()
    cells: list[IndicatorCell] = []
    for (by, definition), table in publication.tables.items():
        cells.extend(_cells(survey, table, by, Definition(definition)))
    IndicatorCell.objects.bulk_create(cells, batch_size=2000)
    survey.diagnostics = {**survey.diagnostics, "disclosure": _jsonable(publication.summary)}
    survey.save(update_fields=["diagnostics"])
    return len(cells)


def republish(survey: Survey, rules: PublicationRules | None = None) -> int:
    """Protect and store a survey's tables again from its snapshot (new rules or method)."""
    data, design = load_frame(survey)
    publication = publish(data, design, rules or current_rules())
    with transaction.atomic():
        return store_cells(survey, publication)


def _cells(
    survey: Survey, table: pl.DataFrame, by: Sequence[str], definition: Definition
) -> list[IndicatorCell]:
    name = table_of(by).name
    weighted = survey.weighted
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
