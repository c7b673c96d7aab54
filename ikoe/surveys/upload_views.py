"""Upload of a staff survey by a data steward: files and facts, then a column-mapping step.

The uploaded files wait in ``MEDIA_ROOT/pending/<token>/`` (owner-only, never served) until the
import succeeds or the upload is cancelled; uploads older than a day are deleted on the next
upload. The files stay there when the form or a file has a problem, so the user corrects only
what is wrong. The mapping step shows the files' headings and, for the columns of categories
(career group, gender, yes/no answers …) whose entries are not all standard codes, their
distinct entries with what each stands for (at most 30 per column) – never a row, and never the
entries of a column that is not assigned to a column of categories or that has more distinct
entries than categories have (ids, free text). Storing is left
to :func:`ikoe.surveys.pipeline.import_survey`, the one path for survey data, and happens only
after the file's organisations were found to belong to a Land the user is data steward for.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role, visible, visible_lands
from ikoe.errors import ImportFailed, Problem, excerpt, more_problems
from ikoe.forms import form_error_summary
from ikoe.ingest.mapping import (
    CANONICAL,
    ORGANISATION,
    SurveyMapping,
    column_title,
    load_mapping,
)
from ikoe.ingest.survey import (
    MAX_VALUES,
    ColumnValues,
    distinct_values,
    read_header,
    read_survey,
    read_totals,
)
from ikoe.ingest.text import header_key
from ikoe.organisations.models import Organisation
from ikoe.reports.download import download
from ikoe.surveys.forms import (
    ColumnMappingForm,
    HeaderField,
    SurveyUploadForm,
    ValueTable,
    header_fields,
    name_problem,
    shared_headers,
    value_tables,
)
from ikoe.surveys.models import SurveyRelease
from ikoe.surveys.pipeline import import_survey
from ikoe.surveys.release import ended_by_import
from ikoe.surveys.sample import SAMPLE_COLUMNS, SAMPLE_FILE_NAME, sample_survey_csv

SESSION_KEY = "survey_uploads"
PENDING_MAX_AGE = 24 * 60 * 60  # seconds
FILE_ROLES = ("survey", "totals", "mapping")
FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX", "parquet": "Parquet", "yaml": "YAML"}


# ---------------------------------------------------------------------------------------------
# Pending uploads


def pending_root() -> Path:
    """``MEDIA_ROOT/pending``, readable by the server's user only."""
    root = Path(settings.MEDIA_ROOT) / "pending"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)
    return root


def clean_pending(max_age: float = PENDING_MAX_AGE) -> int:
    """Delete pending uploads older than ``max_age`` seconds; return how many."""
    limit = time.time() - max_age
    removed = 0
    for folder in pending_root().iterdir():
        try:
            old = folder.stat().st_mtime < limit
        except OSError:
            continue
        if old:
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            else:
                folder.unlink(missing_ok=True)
            removed += 1
    return removed


def _safe_name(upload: UploadedFile, fallback: str) -> str:
    try:
        name = get_valid_filename(Path(upload.name or "").name)
    except SuspiciousFileOperation:
        name = fallback
    stem, dot, ext = name.rpartition(".")
    return f"{stem[:80]}.{ext[:10]}" if dot and stem else name[:90]


def _save(upload: UploadedFile, folder: Path, fallback: str) -> Path:
    folder.mkdir(mode=0o700)
    path = folder / _safe_name(upload, fallback)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@dataclass
class Pending:
    """An upload waiting for its column mapping: the token, its folder and what the session
    holds about it (the survey's facts, and per file its path, name and header)."""

    token: str
    folder: Path
    meta: dict[str, Any]

    def path(self, role: str) -> Path | None:
        entry = self.meta["files"].get(role)
        return self.folder / entry["path"] if entry else None

    def label(self, role: str) -> str:
        entry = self.meta["files"].get(role)
        return entry["label"] if entry else ""

    def header(self, role: str) -> list[str]:
        entry = self.meta["files"].get(role)
        return list(entry.get("header", [])) if entry else []


def _get_pending(request: HttpRequest, token: str) -> Pending | None:
    """The user's pending upload; 404 for a token that is not theirs, ``None`` when expired."""
    meta = request.session.get(SESSION_KEY, {}).get(token)
    if meta is None or meta.get("user") != request.user.pk:
        raise Http404
    folder = pending_root() / token
    if not folder.is_dir():
        _forget(request, token)
        return None
    return Pending(token, folder, meta)


def _forget(request: HttpRequest, token: str) -> None:
    uploads = dict(request.session.get(SESSION_KEY, {}))
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads


def _discard(request: HttpRequest, pending: Pending) -> None:
    shutil.rmtree(pending.folder, ignore_errors=True)
    _forget(request, pending.token)


# ---------------------------------------------------------------------------------------------
# Messages


def _problem_where(
    problem: Problem, labels: dict[str, str], line: bool = False, column: str | None = None
) -> str:
    """Where a problem is: file, row or line, and column (``column``: how to name it, when not
    by ``problem.column``)."""
    parts = []
    file = labels.get(problem.file, Path(problem.file).name if problem.file else "")
    if file:
        parts.append(file)
    if problem.row is not None:
        parts.append(
            (_("line %(line)s") % {"line": problem.row})
            if line
            else (_("row %(row)s") % {"row": problem.row})
        )
    named = column or problem.column
    if named:
        parts.append(_("column “%(column)s”") % {"column": excerpt(named)})
    return ", ".join(parts)


def _problem_texts(failure: ImportFailed, line: bool = False) -> list[str]:
    """One line per problem for a form field: where (without the file) and what."""
    texts = []
    for problem in failure.problems:
        where = _problem_where(problem, {problem.file: ""}, line=line)
        texts.append(f"{where}: {problem.message}" if where else problem.message)
    if failure.more:
        texts.append(more_problems(failure.more))
    return texts


# ---------------------------------------------------------------------------------------------
# Step 1: files and facts


def steward_lands(user: Any) -> list[Organisation]:
    """The Länder for which the user may import surveys (data steward for the whole Land)."""
    return [
        land
        for land in visible_lands(user, Role.DATA_STEWARD).order_by("name")
        if has_role(user, Role.DATA_STEWARD, land=land)
    ]


def _own_pending(request: HttpRequest, token: str) -> Pending | None:
    """The user's pending upload of this token, or ``None`` (not theirs, expired, no token)."""
    if not token:
        return None
    try:
        return _get_pending(request, token)
    except Http404:
        return None


def _new_pending(request: HttpRequest) -> Pending:
    token = secrets.token_urlsafe(18)
    folder = pending_root() / token
    folder.mkdir(mode=0o700)
    return Pending(token, folder, {"user": request.user.pk, "files": {}})


def _remember(request: HttpRequest, pending: Pending) -> None:
    uploads = dict(request.session.get(SESSION_KEY, {}))
    uploads[pending.token] = pending.meta
    request.session[SESSION_KEY] = uploads


def kept_files(pending: Pending | None) -> dict[str, dict[str, str]]:
    """The files an upload keeps, by role: the name the user gave it and its format."""
    if pending is None:
        return {}
    return {
        role: {"label": entry["label"], "format": FORMAT_LABELS.get(entry.get("format", ""), "")}
        for role, entry in pending.meta["files"].items()
    }


FACTS = ("name", "year", "title", "population", "fieldwork", "replace")


def survey_upload(request: HttpRequest) -> HttpResponse:
    """Step 1. Files chosen here are kept in a pending upload, also when the form or a file
    has a problem: the page then says which files are kept, and the user corrects the rest or
    chooses another file to replace one. The mapping step links back here to replace a file."""
    lands = steward_lands(request.user)
    if request.method == "POST":
        if not lands:
            raise PermissionDenied
        clean_pending()
        pending = _own_pending(request, request.POST.get("upload", ""))
        form = SurveyUploadForm(
            request.POST,
            request.FILES,
            user=request.user,
            lands=lands,
            kept=list(kept_files(pending)),
        )
        form.is_valid()
        pending = pending or _new_pending(request)
        _take_files(request, form, pending)
        if not form.errors:
            pending.meta.update({fact: form.cleaned_data[fact] for fact in FACTS})
            pending.meta["replace"] = bool(pending.meta["replace"])
            pending.meta.setdefault("created", timezone.now().isoformat())
            _remember(request, pending)
            return redirect("surveys:upload-mapping", token=pending.token)
        if pending.meta["files"]:
            _remember(request, pending)
        else:
            _discard(request, pending)
            pending = None
    else:
        pending = _own_pending(request, request.GET.get("upload", ""))
        facts = {f: pending.meta[f] for f in FACTS if f in pending.meta} if pending else {}
        form = SurveyUploadForm(
            initial=facts, user=request.user, lands=lands, kept=list(kept_files(pending))
        )
    return render(
        request,
        "surveys/survey_upload.html",
        {
            "form": form,
            "lands": lands,
            "land_names": ", ".join(land.name for land in lands),
            "errors": form_error_summary(form),
            "token": pending.token if pending else "",
            "kept": kept_files(pending),
            "sample_columns": SAMPLE_COLUMNS,
        },
    )


def _take_files(request: HttpRequest, form: SurveyUploadForm, pending: Pending) -> None:
    """Keep the files chosen in this request in the pending upload and read their headers.

    A newly chosen file replaces the kept file of its kind, also when it cannot be used (its
    problem is added to the form and nothing is kept for it); a kept file the user no longer
    wants is dropped.
    """
    files = pending.meta["files"]
    for role in FILE_ROLES:
        field = f"{role}_file"
        upload = request.FILES.get(field)
        if upload is None:
            if role != "survey" and form.cleaned_data.get(f"drop_{role}"):
                _drop_file(pending, role)
            continue
        _drop_file(pending, role)
        if form.has_error(field):
            continue
        path = _save(upload, pending.folder / role, f"{role}.bin")
        entry: dict[str, Any] = {
            "path": str(path.relative_to(pending.folder)),
            "label": Path(upload.name or "").name or path.name,
        }
        try:
            if role == "mapping":
                load_mapping(path)
                entry["format"] = "yaml"
            else:
                header, fmt = read_header(path)
                entry.update(header=header, format=fmt)
        except ImportFailed as exc:
            form.add_error(field, _problem_texts(exc, line=role == "mapping"))
            shutil.rmtree(pending.folder / role, ignore_errors=True)
            continue
        files[role] = entry


def _drop_file(pending: Pending, role: str) -> None:
    pending.meta["files"].pop(role, None)
    shutil.rmtree(pending.folder / role, ignore_errors=True)


def survey_upload_sample(request: HttpRequest) -> HttpResponse:
    """The sample survey file (invented rows, German headings; :mod:`ikoe.surveys.sample`)."""
    return download(sample_survey_csv(), SAMPLE_FILE_NAME)


# ---------------------------------------------------------------------------------------------
# Step 2: column mapping, the value step and import


def _value_tables(
    form: ColumnMappingForm, pending: Pending, preset: SurveyMapping | None
) -> list[ValueTable]:
    """The value tables for the columns of categories as the form assigns them now: their
    distinct entries are read from the files (never rows). Empty when a file cannot be read;
    the import then lists its problems."""
    assigned = {
        column: items
        for column, items in form.assignment().items()
        if CANONICAL[column].kind in ("code", "yes_no")
    }
    wanted: dict[str, set[int]] = {}
    for items in assigned.values():
        for item in items:
            wanted.setdefault(item.file, set()).update(item.positions)
    found: dict[str, dict[int, ColumnValues]] = {}
    try:
        for role, positions in wanted.items():
            path = pending.path(role)
            if path is not None:
                found[role] = distinct_values(path, positions)
    except ImportFailed:
        return []
    entries: dict[str, list[tuple[HeaderField, ColumnValues]]] = {}
    for column, items in assigned.items():
        for item in items:
            for position in item.positions:
                values = found.get(item.file, {}).get(position)
                if values is not None:
                    entries.setdefault(column, []).append((item, values))
    return value_tables(entries, preset)


def survey_upload_mapping(request: HttpRequest, token: str) -> HttpResponse:
    pending = _get_pending(request, token)
    if pending is None:
        messages.error(
            request,
            _("This upload has expired; its files were deleted. Please upload the file again."),
        )
        return redirect("surveys:upload")
    if "name" not in pending.meta or pending.path("survey") is None:
        return redirect(f"{reverse('surveys:upload')}?upload={pending.token}")
    if request.method == "POST" and "cancel" in request.POST:
        _discard(request, pending)
        messages.info(request, _("The upload was cancelled and its files were deleted."))
        return redirect("surveys:upload")

    mapping_path = pending.path("mapping")
    preset = load_mapping(mapping_path) if mapping_path else None
    headers = header_fields(pending.header("survey"), pending.header("totals"))
    form = ColumnMappingForm(
        request.POST if request.method == "POST" else None, headers=headers, preset=preset
    )
    form.add_value_tables(_value_tables(form, pending, preset))
    problems: list[dict[str, str]] = []
    more = 0
    refusal = ""
    status = 200
    importing = request.method == "POST" and "check" not in request.POST
    if importing and form.is_valid():
        mapping = form.mapping(preset, source=pending.label("mapping") or "upload")
        try:
            refusal = _refusal(request.user, pending, mapping)
            if not refusal:
                survey = import_survey(
                    pending.path("survey") or "",
                    name=pending.meta["name"],
                    year=pending.meta["year"],
                    title=pending.meta["title"],
                    population=pending.meta["population"],
                    fieldwork=pending.meta["fieldwork"],
                    totals=pending.path("totals"),
                    mapping=mapping,
                    mapping_source=_mapping_source(form, mapping, pending),
                    user=request.user,
                )
                _discard(request, pending)
                messages.success(
                    request,
                    _("The survey “%(title)s” was imported: %(count)d respondents.")
                    % {"title": survey.title, "count": survey.respondents},
                )
                records = visible(SurveyRelease.objects.filter(survey=survey), request.user)
                if ended_by_import(survey, list(records)):
                    messages.warning(
                        request,
                        _(
                            "It replaces a released survey of the same name. The new figures "
                            "are not public until your Land's coordination releases them."
                        ),
                    )
                return redirect("surveys:diagnostics", name=survey.name)
            status = 403
        except ImportFailed as exc:
            problems = _problem_items(exc, pending, headers, form)
            more = exc.more
    survey_fields = form.survey_fields
    errors = (
        form_error_summary(form, survey_fields[0][1].id_for_label if survey_fields else "")
        if importing
        else []
    )
    if refusal:
        errors.append({"text": refusal, "anchor": ""})
    return render(
        request,
        "surveys/survey_upload_mapping.html",
        {
            "form": form,
            "pending": pending,
            "facts": pending.meta,
            "survey_label": pending.label("survey"),
            "survey_format": FORMAT_LABELS.get(
                pending.meta["files"]["survey"].get("format", ""), ""
            ),
            "totals_label": pending.label("totals"),
            "totals_format": FORMAT_LABELS.get(
                (pending.meta["files"].get("totals") or {}).get("format", ""), ""
            ),
            "mapping_label": pending.label("mapping"),
            "value_columns": [column_title(name) for name in (preset.values if preset else {})],
            "value_tables": [
                {
                    "table": table,
                    "rows": rows,
                    "open": table.needs_choice or any(field.errors for _row, field in rows),
                }
                for table in form.value_tables
                for rows in [form.value_rows(table)]
            ],
            "max_values": MAX_VALUES,
            "shared": shared_headers(pending.header("survey"), pending.header("totals")),
            "untitled": sum(1 for h in pending.header("survey") if not h),
            "errors": errors,
            "refusal": refusal,
            "problems": problems,
            "problem_total": len(problems) + more,
            "more": more_problems(more),
            "replace_url": f"{reverse('surveys:upload')}?upload={pending.token}",
        },
        status=status,
    )


def _mapping_source(
    form: ColumnMappingForm, mapping: SurveyMapping, pending: Pending
) -> dict[str, Any]:
    """What is saved with the survey: the chosen column for each heading, and the value
    mapping (the mapping file's, with the choices of the value step above them)."""
    return {
        "columns": form.chosen(),
        "values": mapping.values,
        "mapping_file": pending.label("mapping"),
        "source": "upload",
    }


def _refusal(user: Any, pending: Pending, mapping: SurveyMapping) -> str:
    """Why this user may not store this survey, or ``""``.

    Reads the files (nothing is stored) against the organisation codes of the Länder the user is
    data steward for: a code of another Land gets the same message as a code that does not exist
    (“… is not a code of the organisation hierarchy”), so an upload reveals nothing about other
    Länder. Raises :class:`ImportFailed` when a file has errors.
    """
    path = pending.path("survey")
    assert path is not None
    lands = steward_lands(user)
    codes = list(Organisation.objects.filter(land__in=lands).values_list("code", flat=True))
    survey_file = read_survey(
        path, organisation_codes=codes, mapping=mapping, current_year=timezone.now().year
    )
    totals = pending.path("totals")
    if totals is not None:
        read_totals(totals, codes, mapping)
    used = survey_file.data.get_column(ORGANISATION).cast(pl.String).drop_nulls().unique().to_list()
    land_ids = set(Organisation.objects.filter(code__in=used).values_list("land_id", flat=True))
    # A file with respondents in several Länder becomes a joint survey of them.
    file_lands = [land for land in lands if land.pk in land_ids]
    issue = name_problem(user, pending.meta["name"], pending.meta["replace"], file_lands)
    if issue is not None:
        return _(
            "%(problem)s Start the upload again with another short name. Nothing was stored."
        ) % {"problem": issue[1]}
    return ""


def _problem_items(
    failure: ImportFailed, pending: Pending, headers: list[HeaderField], form: ColumnMappingForm
) -> list[dict[str, str]]:
    """The problems of a failed import for the error summary, each linked to the select of its
    column where there is one; the selects get a note that points to them."""
    labels = {
        str(pending.path(role)): pending.label(role) for role in FILE_ROLES if pending.path(role)
    }
    roles = {str(pending.path(role)): role for role in FILE_ROLES if pending.path(role)}
    by_key: dict[tuple[str, str], HeaderField] = {
        (h.file, header_key(h.header)): h for h in headers
    }
    assigned = form.assignment()
    counts: dict[str, int] = {}
    items = []
    for problem in failure.problems:
        anchor = ""
        named = None
        if problem.column:
            key = header_key(problem.column)
            role = roles.get(problem.file, "survey")
            found = by_key.get((role, key)) or by_key.get(("survey", key))
            if found is None and problem.column in CANONICAL:
                # A check after reading names the column of the survey format: point to the
                # heading assigned to it, or name the column in words.
                found = next(
                    (h for h in assigned.get(problem.column, []) if h.file == role),
                    next(iter(assigned.get(problem.column, [])), None),
                )
                named = found.header if found is not None else column_title(problem.column)
            if found is not None:
                anchor = form[found.field].auto_id or ""
                counts[found.field] = counts.get(found.field, 0) + 1
        where = _problem_where(problem, labels, column=named)
        items.append({"where": where, "text": problem.message, "anchor": anchor})
    for name, count in counts.items():
        field = form[name]
        described = [f"{field.auto_id}_helptext", f"{field.auto_id}_problems"]
        if field.errors:
            described.append(f"{field.auto_id}_error")
        field.field.widget.attrs.update(
            {"aria-describedby": " ".join(described), "aria-invalid": "true"}
        )
        form.problem_counts[name] = count
    return items
