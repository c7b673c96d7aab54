"""Upload of a staff survey by a data steward: files and facts, then a column-mapping step.

The uploaded files wait in ``MEDIA_ROOT/pending/<token>/`` (owner-only, never served) until the
import succeeds or the upload is cancelled; uploads older than a day are deleted on the next
upload. The mapping step shows the files' headings only, never a value of a row. Storing is left
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
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role, visible, visible_lands
from ikoe.errors import ImportFailed, Problem, excerpt
from ikoe.forms import form_error_summary
from ikoe.ingest.mapping import ORGANISATION, SurveyMapping, load_mapping
from ikoe.ingest.survey import read_header, read_survey, read_totals
from ikoe.ingest.text import header_key
from ikoe.organisations.models import Organisation
from ikoe.surveys.forms import (
    COLUMN_LABELS,
    ColumnMappingForm,
    HeaderField,
    SurveyUploadForm,
    header_fields,
    name_problem,
    shared_headers,
)
from ikoe.surveys.models import SurveyRelease
from ikoe.surveys.pipeline import import_survey
from ikoe.surveys.release import ended_by_import

SESSION_KEY = "survey_uploads"
PENDING_MAX_AGE = 24 * 60 * 60  # seconds
FILE_ROLES = ("survey", "totals", "mapping")
FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX", "parquet": "Parquet"}


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


def _problem_where(problem: Problem, labels: dict[str, str], line: bool = False) -> str:
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
    if problem.column:
        parts.append(_("column “%(column)s”") % {"column": excerpt(problem.column)})
    return ", ".join(parts)


def _problem_texts(failure: ImportFailed, line: bool = False) -> list[str]:
    """One line per problem for a form field: where (without the file) and what."""
    texts = []
    for problem in failure.problems:
        where = _problem_where(problem, {problem.file: ""}, line=line)
        texts.append(f"{where}: {problem.message}" if where else problem.message)
    if failure.more:
        texts.append(_more(failure.more))
    return texts


def _more(count: int) -> str:
    return ngettext("… and %(count)d more problem.", "… and %(count)d more problems.", count) % {
        "count": count
    }


# ---------------------------------------------------------------------------------------------
# Step 1: files and facts


def steward_lands(user: Any) -> list[Organisation]:
    """The Länder for which the user may import surveys (data steward for the whole Land)."""
    return [
        land
        for land in visible_lands(user, Role.DATA_STEWARD).order_by("name")
        if has_role(user, Role.DATA_STEWARD, land=land)
    ]


def survey_upload(request: HttpRequest) -> HttpResponse:
    lands = steward_lands(request.user)
    form = SurveyUploadForm(user=request.user, lands=lands)
    if request.method == "POST":
        if not lands:
            raise PermissionDenied
        clean_pending()
        form = SurveyUploadForm(request.POST, request.FILES, user=request.user, lands=lands)
        if form.is_valid():
            token = _store(request, form)
            if token is not None:
                return redirect("surveys:upload-mapping", token=token)
    return render(
        request,
        "surveys/survey_upload.html",
        {
            "form": form,
            "lands": lands,
            "land_names": ", ".join(land.name for land in lands),
            "errors": form_error_summary(form),
        },
    )


def _store(request: HttpRequest, form: SurveyUploadForm) -> str | None:
    """Save the files to a new pending folder and read their headers; ``None`` on errors,
    which are added to the form (the folder is then deleted)."""
    data = form.cleaned_data
    token = secrets.token_urlsafe(18)
    folder = pending_root() / token
    folder.mkdir(mode=0o700)
    try:
        files: dict[str, dict[str, Any]] = {}
        for role in FILE_ROLES:
            upload = data.get(f"{role}_file")
            if upload is None:
                continue
            path = _save(upload, folder / role, f"{role}.bin")
            files[role] = {
                "path": str(path.relative_to(folder)),
                "label": Path(upload.name or "").name or path.name,
            }
            try:
                if role == "mapping":
                    load_mapping(path)
                else:
                    header, fmt = read_header(path)
                    files[role].update(header=header, format=fmt)
            except ImportFailed as exc:
                form.add_error(f"{role}_file", _problem_texts(exc, line=role == "mapping"))
        if form.errors:
            shutil.rmtree(folder, ignore_errors=True)
            return None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    uploads = dict(request.session.get(SESSION_KEY, {}))
    uploads[token] = {
        "user": request.user.pk,
        "created": timezone.now().isoformat(),
        "name": data["name"],
        "year": data["year"],
        "title": data["title"],
        "population": data["population"],
        "fieldwork": data["fieldwork"],
        "replace": bool(data["replace"]),
        "files": files,
    }
    request.session[SESSION_KEY] = uploads
    return token


# ---------------------------------------------------------------------------------------------
# Step 2: column mapping and import


def survey_upload_mapping(request: HttpRequest, token: str) -> HttpResponse:
    pending = _get_pending(request, token)
    if pending is None:
        messages.error(
            request,
            _("This upload has expired; its files were deleted. Please upload the file again."),
        )
        return redirect("surveys:upload")
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
    problems: list[dict[str, str]] = []
    more = 0
    refusal = ""
    status = 200
    if request.method == "POST" and form.is_valid():
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
                    mapping_source=_mapping_source(form, preset, pending),
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
    errors = form_error_summary(form, survey_fields[0][1].id_for_label if survey_fields else "")
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
            "value_columns": [
                (name, COLUMN_LABELS.get(name, name)) for name in (preset.values if preset else {})
            ],
            "shared": shared_headers(pending.header("survey"), pending.header("totals")),
            "untitled": sum(1 for h in pending.header("survey") if not h),
            "errors": errors,
            "refusal": refusal,
            "problems": problems,
            "problem_total": len(problems) + more,
            "more": _more(more) if more else "",
        },
        status=status,
    )


def _mapping_source(
    form: ColumnMappingForm, preset: SurveyMapping | None, pending: Pending
) -> dict[str, Any]:
    """What is saved with the survey: the chosen column for each heading, the value mapping."""
    return {
        "columns": form.chosen(),
        "values": dict(preset.values) if preset else {},
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
    counts: dict[str, int] = {}
    items = []
    for problem in failure.problems:
        anchor = ""
        if problem.column:
            key = header_key(problem.column)
            role = roles.get(problem.file, "survey")
            found = by_key.get((role, key)) or by_key.get(("survey", key))
            if found is not None:
                anchor = form[found.field].auto_id or ""
                counts[found.field] = counts.get(found.field, 0) + 1
        where = _problem_where(problem, labels)
        items.append({"where": where, "text": problem.message, "anchor": anchor})
    for name, count in counts.items():
        field = form[name]
        described = [f"{field.auto_id}_problems"]
        field.field.widget.attrs.update(
            {"aria-describedby": " ".join(described), "aria-invalid": "true"}
        )
        form.problem_counts[name] = count
    return items
