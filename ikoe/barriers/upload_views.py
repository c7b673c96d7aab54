"""Upload of selection data by a data steward (``/auswahlverfahren/hochladen/``), and the sample
files of the page.

The file is written to a folder of its own under ``MEDIA_ROOT/pending`` (readable by the
server's user only, never served) for as long as the request runs, and deleted when it ends,
whether the import succeeded or not: a file with a problem is corrected and chosen again.
Storing is left to :func:`ikoe.barriers.pipeline.import_selection`, the one path for
applicants' counts: all or nothing, every funnel protected before anything is stored.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role, visible_lands
from ikoe.barriers.forms import SelectionUploadForm
from ikoe.barriers.models import SelectionData
from ikoe.barriers.pipeline import import_selection
from ikoe.barriers.sample import (
    APPLICANT_COLUMNS,
    APPLICANTS_FILE_NAME,
    COUNT_COLUMNS,
    COUNTS_FILE_NAME,
    sample_applicants_csv,
    sample_counts_csv,
)
from ikoe.errors import ImportFailed, Problem, more_problems
from ikoe.forms import form_error_summary
from ikoe.organisations.models import Organisation
from ikoe.reports.download import download

NAME_OPTION = "--name"  # how the pipeline names the name in its messages (the command line's)
GROUP_OPTION = "--group"  # and the further groups (ikoe.ingest.selection.GROUP_OPTION)


def steward_lands(user: Any) -> list[Organisation]:
    """The Länder for which the user may upload selection data (data steward of the whole
    Land; a membership limited to an agency is not enough)."""
    return [
        land
        for land in visible_lands(user, Role.DATA_STEWARD).order_by("name")
        if has_role(user, Role.DATA_STEWARD, land=land)
    ]


def _pending_root() -> Path:
    """``MEDIA_ROOT/pending``, readable by the server's user only (shared with the survey
    upload, whose cleaning removes what an interrupted request left there)."""
    root = Path(settings.MEDIA_ROOT) / "pending"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)
    return root


def _safe_name(upload: UploadedFile) -> str:
    try:
        name = get_valid_filename(Path(upload.name or "").name)
    except SuspiciousFileOperation:
        name = "auswahl.csv"
    stem, dot, ext = name.rpartition(".")
    return f"{stem[:80]}.{ext[:10]}" if dot and stem else name[:90]


def selection_upload(request: HttpRequest) -> HttpResponse:
    lands = steward_lands(request.user)
    problems: list[dict[str, str]] = []
    more = 0
    if request.method == "POST":
        if not lands:
            raise PermissionDenied
        form = SelectionUploadForm(request.POST, request.FILES, lands=lands)
        if form.is_valid():
            land = form.chosen_land
            assert land is not None
            upload: UploadedFile = form.cleaned_data["file"]
            name = form.cleaned_data["name"]
            old = SelectionData.objects.filter(name=name, land=land).only("published").first()
            try:
                data = _import(request, form, land, upload)
            except ImportFailed as exc:
                problems = _problem_items(exc, Path(upload.name or "").name, form)
                more = exc.more
            else:
                _success_messages(request, data, replaced_release=bool(old and old.published))
                return redirect("barriers:overview", name=data.name)
    else:
        form = SelectionUploadForm(lands=lands)
    return render(
        request,
        "barriers/upload.html",
        {
            "form": form,
            "lands": lands,
            "land_names": ", ".join(land.name for land in lands),
            "errors": form_error_summary(form),
            "problems": problems,
            "problem_total": len(problems) + more,
            "more": more_problems(more),
            "count_columns": COUNT_COLUMNS,
            "applicant_columns": APPLICANT_COLUMNS,
        },
    )


def _import(
    request: HttpRequest, form: SelectionUploadForm, land: Organisation, upload: UploadedFile
) -> SelectionData:
    """Write the file to a private folder, import it, and delete the folder in any case."""
    with tempfile.TemporaryDirectory(prefix="selection-", dir=_pending_root()) as folder:
        path = Path(folder) / _safe_name(upload)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            return import_selection(
                path,
                name=form.cleaned_data["name"],
                land=land,
                title=form.cleaned_data["title"],
                stages=form.cleaned_data["stages"],
                groups=form.cleaned_data["groups"],
                user=request.user,
                max_procedures=settings.SELECTION_UPLOAD_MAX_PROCEDURES,
            )
        except ImportFailed as exc:
            # The messages name the file as the user knows it, never the private folder.
            renamed = [_renamed(p, str(path), upload) for p in exc.problems]
            raise ImportFailed(renamed, exc.more) from exc


def _renamed(problem: Problem, path: str, upload: UploadedFile) -> Problem:
    if problem.file != path:
        return problem
    return Problem(
        problem.code, problem.message, Path(upload.name or "").name, problem.row, problem.column
    )


def _problem_items(
    failure: ImportFailed, file_label: str, form: SelectionUploadForm
) -> list[dict[str, str]]:
    """The problems of a failed import for the error summary: where (file, row, column) and
    what, each linked to the form field it concerns; that field is marked invalid and points to
    the summary."""
    items = []
    marked: set[str] = set()
    for problem in failure.problems:
        if problem.column == NAME_OPTION:
            field, where = "name", str(form["name"].label)
        elif problem.column == GROUP_OPTION:
            field, where = "groups", str(form["groups"].label)
        else:
            field, where = "file", problem.where(problem.file or file_label)
        items.append({"where": where, "text": problem.message, "anchor": form[field].auto_id})
        marked.add(field)
    for name in marked:
        form.fields[name].widget.attrs.update(
            {"aria-invalid": "true", "aria-describedby": f"id_{name}_helptext error-summary-title"}
        )
    return items


def _success_messages(request: HttpRequest, data: SelectionData, replaced_release: bool) -> None:
    counts = data.diagnostics.get("counts", {})
    messages.success(
        request,
        ngettext(
            "The selection data “%(title)s” were imported: %(procedures)d procedure, "
            "%(funnels)d funnels; %(secret)d of %(all)d counts are kept secret. Next step: check "
            "the figures and findings on this page; then the coordination of %(land)s releases "
            "the data on their release page.",
            "The selection data “%(title)s” were imported: %(procedures)d procedures, "
            "%(funnels)d funnels; %(secret)d of %(all)d counts are kept secret. Next step: check "
            "the figures and findings on this page; then the coordination of %(land)s releases "
            "the data on their release page.",
            data.procedures,
        )
        % {
            "title": data.title,
            "procedures": data.procedures,
            "funnels": data.diagnostics.get("funnels", 0),
            "secret": sum(v for k, v in counts.items() if k != "published"),
            "all": sum(counts.values()),
            "land": data.land.name,
        },
    )
    if replaced_release:
        messages.warning(
            request,
            _(
                "They replace released selection data of the same short name. The new figures "
                "are not public until the coordination of the Land releases them."
            ),
        )


def sample_counts(request: HttpRequest) -> HttpResponse:
    """The sample file of counts per stage and group (invented; :mod:`ikoe.barriers.sample`)."""
    return download(sample_counts_csv(), COUNTS_FILE_NAME)


def sample_applicants(request: HttpRequest) -> HttpResponse:
    """The sample file of one row per applicant (invented; :mod:`ikoe.barriers.sample`)."""
    return download(sample_applicants_csv(), APPLICANTS_FILE_NAME)
