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
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ikoe import restricted
from ikoe.accounts.models import acting_account
from ikoe.errors import ImportFailed, ProblemList
from ikoe.ingest.mapping import SurveyMapping
from ikoe.ingest.survey import SurveyFile, read_survey, read_totals
from ikoe.labels import code_label
from ikoe.organisations.models import Organisation
from ikoe.stats.definitions import Definition, derivable_definitions, derive_all
from ikoe.stats.disclosure import ProtectionFailed
from ikoe.stats.estimates import estimate_shares
from ikoe.stats.groupings import ALL_LANDS
from ikoe.stats.publication import (
    Publication,
    PublicationRules,
    Released,
    normalise_by,
    protect_tables,
)
from ikoe.stats.weighting import (
    MIN_CELL_RESPONDENTS,
    SurveyDesign,
    design_from_weights,
    weight_to_totals,
)
from ikoe.surveys.catalogue import CLASSIFYING, LEVELS, table_of
from ikoe.surveys.catalogue import standard_requests as catalogue_requests
from ikoe.surveys.models import IndicatorCell, Survey, SurveyPart
from ikoe.surveys.publication import current_rules
from ikoe.surveys.release import continue_history, remember_replaced

ACROSS_LANDS = ALL_LANDS
"""The ``land`` of the rows of a joint survey that hold all its Länder together."""


def restricted_dir() -> Path:
    return restricted.folder("surveys")


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


TOTALS_FILE = "totals_file"
"""Column of a stacked totals frame (several totals files): the number of the row's file."""


def stack_totals(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Totals files as one frame, as the snapshot keeps them: one file as it is; several stacked,
    each row with the number of its file in :data:`TOTALS_FILE` (other files' columns empty)."""
    if len(frames) == 1:
        return frames[0]
    return pl.concat(
        [
            f.with_columns(pl.lit(i, dtype=pl.Int32).alias(TOTALS_FILE))
            for i, f in enumerate(frames)
        ],
        how="diagonal_relaxed",
    )


def totals_tables(totals: pl.DataFrame) -> list[pl.DataFrame]:
    """The totals files of a frame from :func:`stack_totals`, each with its own columns."""
    if TOTALS_FILE not in totals.columns:
        return [totals]
    parts = totals.sort(TOTALS_FILE, maintain_order=True).partition_by(
        TOTALS_FILE, maintain_order=True, include_key=False
    )
    return [
        part.select(c for c in part.columns if not part.get_column(c).null_count())
        for part in parts
    ]


def first_totals(totals: pl.DataFrame | None) -> pl.DataFrame | None:
    """The first totals file of a (stacked) totals frame: every file counts the same staff."""
    return None if totals is None else totals_tables(totals)[0]


def organisation_parents(levels: pl.DataFrame) -> dict[str, str | None]:
    """For every organisation code the next level above it (unit → agency → ministry → Land),
    from :func:`organisation_levels`; ``None`` for a Land."""
    parents: dict[str, str | None] = {}
    for row in levels.select("organisation", "unit", "agency", "ministry", "land").iter_rows():
        chain = [code for code in dict.fromkeys(row) if code is not None]
        parents[str(row[0])] = chain[1] if len(chain) > 1 else None
    return parents


def _totals_key(
    totals: pl.DataFrame, parents: dict[str, str | None], organisations: pl.Series
) -> pl.Series:
    """For each respondent, the organisation code at which the totals give head counts: the
    respondent's own organisation or its nearest ancestor listed in the totals (or null)."""
    listed = set(totals.get_column("organisation").cast(pl.String).to_list())
    organisations = organisations.cast(pl.String)
    nearest: dict[str, str | None] = {}
    for code in organisations.drop_nulls().unique().to_list():
        node: str | None = code
        while node is not None and node not in listed:
            node = parents.get(node)
        nearest[code] = node
    return organisations.replace_strict(nearest, default=None, return_dtype=pl.String)


def _check_totals(
    data: pl.DataFrame, table: pl.DataFrame, parents: dict[str, str | None], file: str
) -> None:
    """What makes a totals file unusable for these respondents, with a German message."""
    key = _totals_key(table, parents, data.get_column("organisation"))
    unmatched = key.null_count()
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
    for column in table.columns:
        if column not in CLASSIFYING or column not in data.columns:
            continue  # a column the survey did not ask is added up
        listed = set(table.get_column(column).cast(pl.String).to_list())
        answers = data.get_column(column).cast(pl.String).drop_nulls()
        odd = answers.filter(~answers.is_in(list(listed)))
        if odd.len():
            raise ImportFailed.single(
                "totals_class",
                _(
                    "%(count)d respondents of the survey answered “%(values)s” here, which the "
                    "personnel totals do not list; expected one of: %(listed)s."
                )
                % {
                    "count": odd.len(),
                    "values": "”, “".join(code_label(column, v) for v in sorted(set(odd))[:5]),
                    "listed": ", ".join(code_label(column, v) for v in sorted(listed)),
                },
                file=file,
                column=column,
            )

    def land(code: str) -> str:
        while parents.get(code) is not None:
            code = parents[code]  # type: ignore[assignment]
        return code

    surveyed = {land(code) for code in key.unique().to_list()}
    staff: dict[str, int] = {}
    for code, count in table.select(
        pl.col("organisation").cast(pl.String), "headcount"
    ).iter_rows():
        top = land(code)
        if top not in surveyed and count:
            staff[top] = staff.get(top, 0) + int(count)
    if staff:
        raise ImportFailed.single(
            "totals_land",
            _(
                "The personnel totals give head counts for %(lands)s, where nobody answered the "
                "survey; expected only the organisations of the survey."
            )
            % {"lands": ", ".join(f"{code} ({n})" for code, n in sorted(staff.items()))},
            file=file,
            column="organisation",
        )


def build_design(
    data: pl.DataFrame,
    totals: pl.DataFrame | None,
    file: str | Sequence[str] = "",
    trim: tuple[float, float] | None = None,
    *,
    levels: pl.DataFrame | None = None,
    min_cell: int | None = None,
) -> tuple[SurveyDesign | None, dict[str, Any]]:
    """Weight the respondents to the personnel totals; ``None`` when no totals are given.

    A totals file is a full cross-classification (organisation × its classifying columns): the
    respondents are post-stratified to its cells, sparse cells collapsed into the cell of the
    parent organisation and at the Land into fewer classifying columns
    (:func:`ikoe.stats.weighting.weighting_cells`, threshold ``min_cell`` respondents, by
    default :data:`~ikoe.stats.weighting.MIN_CELL_RESPONDENTS`). The classifying columns are
    used in the order of :data:`CLASSIFYING` (the last is dropped first); a column the survey
    did not ask is summed over. Several files (``totals`` from :func:`stack_totals`, ``file``
    their names) are each turned into cells, and the respondents are raked across them.
    """
    if totals is None:
        return None, {}
    tables = totals_tables(totals)
    files = [file] if isinstance(file, str) else [str(f) for f in file]
    files += [files[-1] if files else ""] * (len(tables) - len(files))
    parents = organisation_parents(organisation_levels() if levels is None else levels)
    used = []
    for table, name in zip(tables, files, strict=True):
        _check_totals(data, table, parents, name)
        columns = [c for c in CLASSIFYING if c in table.columns and c in data.columns]
        used.append(
            table.group_by(pl.col("organisation").cast(pl.String), *columns, maintain_order=True)
            .agg(pl.col("headcount").sum())
            .select("organisation", *columns, "headcount")
        )
    sums = [int(t.get_column("headcount").sum()) for t in used]
    if len(set(sums)) > 1:
        raise ImportFailed.single(
            "totals_sum",
            _(
                "The personnel totals files count different numbers of staff: %(listing)s; "
                "expected files that count the same staff in different breakdowns."
            )
            % {
                "listing": ", ".join(
                    f"{Path(name).name or i + 1}: {n}"
                    for i, (name, n) in enumerate(zip(files, sums, strict=True))
                )
            },
            file=files[next(i for i, n in enumerate(sums) if n != sums[0])],
            column="headcount",
        )
    try:
        design = weight_to_totals(
            data,
            used,
            parent=parents,
            total="headcount",
            min_respondents=MIN_CELL_RESPONDENTS if min_cell is None else min_cell,
            trim=trim,
        )
    except ValueError as exc:
        raise ImportFailed.single(
            "weighting",
            _("The respondents cannot be weighted to the personnel totals: %(reason)s")
            % {"reason": exc},
            file=files[0],
        ) from exc
    return design, {**asdict(design.diagnostics), "files": [Path(f).name for f in files]}


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
    joint = data.get_column("land").n_unique() > 1 if "land" in data.columns else False
    out: dict[Request, pl.DataFrame] = {}
    for by, definition in requests:
        key = (normalise_by(by), definition)
        use = design if detailed is None or key in detailed else None
        status = f"status_{definition.value}"
        table = estimate_shares(data, list(key[0]), status=status, design=use)
        if joint and key[0][:1] == ("land",) and "ministry" not in key[0]:
            # A joint survey's tables by Land also show all its Länder together.
            across = estimate_shares(data, list(key[0][1:]), status=status, design=use)
            across = across.with_columns(pl.lit(ACROSS_LANDS).alias("land")).select(table.columns)
            table = pl.concat([across, table], how="vertical_relaxed")
        out[key] = table
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
    levels = organisation_levels()
    data = pl.read_parquet(restricted_dir() / survey.snapshot)
    data = with_levels(data, levels)
    data = derive_all(data, derivable_definitions(data.columns))
    totals = (
        pl.read_parquet(restricted_dir() / survey.totals_snapshot)
        if survey.totals_snapshot
        else None
    )
    weighting = survey.diagnostics.get("weighting") or {}
    bounds = weighting.get("trim_bounds")
    design, _diag = build_design(
        data,
        totals,
        weighting.get("files") or "",
        trim=tuple(bounds) if bounds else None,
        levels=levels,
        min_cell=weighting.get("min_cell_respondents"),
    )
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
    totals: str | Path | Sequence[str | Path] | None = None,
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

    ``totals`` is one personnel totals file or several (each a cross-classification of the same
    staff; the respondents are raked across them, see :func:`build_design`).
    """
    _check_name_and_year(name, year, str(path))
    levels = organisation_levels()
    codes = levels.get_column("organisation").to_list()
    # 1. read and validate
    read = read_survey(path, organisation_codes=codes, mapping=mapping, current_year=_this_year())
    totals_files = _totals_files(totals)
    totals_stack = (
        stack_totals([read_totals(t, codes, mapping) for t in totals_files])
        if totals_files
        else None
    )
    totals_frame = first_totals(totals_stack)
    data = with_levels(read.data, levels)
    lands = _lands_of(data)
    # 2. derive the status under every definition the answers allow
    definitions = derivable_definitions(data.columns)
    data = derive_all(data, definitions)
    # 3. weight to the personnel totals
    design, weighting = build_design(data, totals_stack, totals_files, trim=trim, levels=levels)
    # 4. and 5. estimate the standard tables and protect them together
    try:
        publication = publish(_classified(data), design, current_rules())
    except ProtectionFailed as exc:
        raise ImportFailed.single(
            "protection",
            _(
                "The figures of this survey cannot be protected by the disclosure control: with "
                "%(count)d respondents, too few people stand behind its tables for any pattern "
                "of secret cells to keep them safe. Import a survey with more respondents."
            )
            % {"count": data.height},
            file=str(path),
        ) from exc
    # 6. store: the survey, its published cells and (after the commit) its snapshot
    if population_size is None and totals_frame is not None:
        population_size = int(totals_frame.get_column("headcount").sum())
    survey = Survey(
        name=name,
        title=title or name,
        land=lands[0] if len(lands) == 1 else None,
        year=year,
        population=population,
        fieldwork=fieldwork,
        population_size=population_size,
        respondents=data.height,
        weighted=design is not None,
        synthetic=synthetic,
        published=False,
        mapping=mapping_source or {},
        diagnostics=_diagnostics(
            read, data, definitions, weighting, totals_frame, levels, design=design
        ),
        created_by=acting_account(user),
    )
    parts = [
        SurveyPart(land=land, respondents=data.filter(pl.col("land") == land.code).height)
        for land in lands
    ]
    _store(survey, parts, publication, read.data, totals_stack, user)
    return survey


def _totals_files(totals: str | Path | Sequence[str | Path] | None) -> list[str]:
    if not totals:
        return []
    if isinstance(totals, str | Path):
        return [str(totals)]
    return [str(t) for t in totals]


def _this_year() -> int:
    return timezone.now().year


def _lands_of(data: pl.DataFrame) -> list[Organisation]:
    """The Länder (and the federal level) the respondents belong to: one for a survey of one
    Land, several for a joint survey."""
    codes = data.get_column("land").drop_nulls().unique().to_list()
    return list(Organisation.objects.filter(code__in=codes).order_by("code"))


def _store(
    survey: Survey,
    parts: Sequence[SurveyPart],
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
        for part in parts:
            part.survey = survey
        SurveyPart.objects.bulk_create(parts)
        continue_history(survey, replaced_release, user)
        store_cells(survey, publication)
        # Inside an outer transaction this runs only when that one commits.
        transaction.on_commit(lambda: restricted.write_files(folder, token, files, replaced))


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


def clean_restricted_storage() -> int:
    """Remove temporary files of interrupted imports and snapshots no survey refers to."""
    known = set(Survey.objects.values_list("snapshot", flat=True)) | set(
        Survey.objects.values_list("totals_snapshot", flat=True)
    )
    return restricted.clean(restricted_dir(), known, "*.parquet")


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
    *,
    design: SurveyDesign | None = None,
) -> dict[str, Any]:
    """What the import found. For a joint survey also ``parts``: the same figures for each
    Land's respondents alone, which that Land's data stewards see instead of the whole."""
    diag = survey_file.diagnostics
    staff: dict[str, int] = {}
    staff_land: dict[str, str] = {}
    if totals is not None and levels is not None:
        # Head counts per agency (or ministry/Land where no agency is given), for response rates.
        staff_frame = (
            with_levels(totals.select("organisation", "headcount"), levels)
            .with_columns(pl.coalesce("agency", "ministry", "land").alias("_org"))
            .group_by("_org", "land")
            .agg(pl.col("headcount").sum())
        )
        for k, land, v in staff_frame.iter_rows():
            if k is not None:
                staff[str(k)] = int(v)
                staff_land[str(k)] = str(land)
    out = {
        "file": Path(diag.file).name,
        "format": diag.format,
        "encoding": diag.encoding,
        "rows_read": diag.rows_read,
        "blank_rows_skipped": diag.blank_rows_skipped,
        "rows_rejected": 0,
        **_respondent_diagnostics(data, definitions, staff),
        "answers_per_item": diag.answers_per_item,
        "columns_used": diag.columns_used,
        "columns_ignored": diag.columns_ignored,
        "definitions_derived": [d.value for d in definitions],
        "weighting": _jsonable(weighting),
    }
    lands = sorted(data.get_column("land").drop_nulls().unique().to_list())
    if len(lands) > 1:
        parts = {}
        for land in lands:
            mask = (data.get_column("land") == land).to_numpy()
            part = data.filter(pl.Series(mask))
            part_staff = {k: v for k, v in staff.items() if staff_land.get(k) == land}
            parts[land] = {
                **_respondent_diagnostics(part, definitions, part_staff),
                "answers_per_item": {
                    c: int(part.get_column(c).is_not_null().sum())
                    for c in diag.answers_per_item
                    if c in part.columns
                },
                "weighting": _part_weighting(design, mask, weighting),
            }
        out["parts"] = parts
    return out


def _respondent_diagnostics(
    data: pl.DataFrame, definitions: Sequence[Definition], staff: dict[str, int]
) -> dict[str, Any]:
    """Respondents, declared answers per definition, respondents and staff per organisation."""
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
    return {
        "respondents": data.height,
        "respondents_by_organisation": {str(k): int(v) for k, v in by_agency.iter_rows()},
        "staff_by_organisation": staff,
        "declared": declared,
    }


def _part_weighting(
    design: SurveyDesign | None, mask: Any, weighting: dict[str, Any]
) -> dict[str, Any]:
    """The weights of one Land's respondents: how they spread, not how the whole was raked."""
    if design is None:
        return {}
    weights = design.weights[mask]
    summary = asdict(design_from_weights(weights).diagnostics)
    keep = (
        "n",
        "population",
        "weight_min",
        "weight_max",
        "weight_ratio",
        "weight_mean",
        "design_effect",
        "effective_sample_size",
    )
    return _jsonable(
        {
            "method": weighting.get("method"),
            "margins": weighting.get("margins", []),
            **{k: summary[k] for k in keep},
        }
    )


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
    """Protect and store a survey's tables again from its snapshot (new rules or method); the
    weighting diagnostics are those of the weights computed again."""
    data, design = load_frame(survey)
    publication = publish(data, design, rules or current_rules())
    if design is not None:
        files = (survey.diagnostics.get("weighting") or {}).get("files", [])
        weighting = _jsonable({**asdict(design.diagnostics), "files": files})
        diagnostics = {**survey.diagnostics, "weighting": weighting}
        parts = diagnostics.get("parts") or {}
        for code, part in parts.items():
            mask = (data.get_column("land") == code).to_numpy()
            part["weighting"] = _part_weighting(design, mask, weighting)
        survey.diagnostics = diagnostics
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
