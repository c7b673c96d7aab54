"""Import and export of the measures, training counts and funding programmes of a Land on a
page (the same files as ``ikoe import-measures`` and ``ikoe export-measures``; docs/measures.md,
"Import and export")."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role, visible_lands
from ikoe.errors import ImportFailed, more_problems
from ikoe.measures.io import REGISTRIES, export_csv, export_xlsx, import_registry
from ikoe.organisations.models import Organisation
from ikoe.reports.download import download

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
REGISTRY_LABELS = {
    "measures": gettext_lazy("Measures"),
    "trainings": gettext_lazy("Training participation (counts)"),
    "funding": gettext_lazy("Funding programmes"),
}
FORMATS = {"csv": export_csv, "xlsx": export_xlsx}


class ImportForm(forms.Form):
    registry = forms.ChoiceField(
        label=gettext_lazy("Registry"), choices=list(REGISTRY_LABELS.items())
    )
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy(
            "The columns of an export of the same registry; at most 20 MB. All rows are checked "
            "first: if one has a problem, nothing is stored."
        ),
    )


def _land(request: HttpRequest, code: str) -> Organisation:
    land = visible_lands(request.user).filter(code=code).first()
    if land is None:
        raise Http404
    return land


def transfer(request: HttpRequest, code: str) -> HttpResponse:
    """Export links for every registry, and the import form for editors."""
    land = _land(request, code)
    can_import = has_role(request.user, Role.EDITOR)
    problems: list[dict[str, str]] = []
    more = ""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_import:
            raise Http404
        if form.is_valid():
            upload = form.cleaned_data["file"]
            registry = form.cleaned_data["registry"]
            name = Path(upload.name or "").name
            stored = ""  # where the upload lay while it was read, replaced by its name
            try:
                if upload.size > MAX_UPLOAD_BYTES:
                    raise ImportFailed.single(
                        "size", _("The file is larger than 20 MB."), file=upload.name
                    )
                suffix = Path(upload.name or "").suffix.lower()
                with tempfile.TemporaryDirectory(prefix="ikoe-measures-") as folder:
                    path = Path(folder) / f"upload{suffix}"
                    stored = str(path)
                    with open(path, "wb") as handle:
                        for chunk in upload.chunks():
                            handle.write(chunk)
                    result = import_registry(path, registry, land=land, user=request.user)
            except ImportFailed as exc:
                problems = [
                    {"where": p.where(name if p.file == stored else None), "text": p.message}
                    for p in exc.problems
                ]
                more = more_problems(exc.more)
            else:
                messages.success(
                    request,
                    _(
                        "Imported into %(registry)s: %(created)d new, %(changed)d changed, "
                        "%(unchanged)d unchanged."
                    )
                    % {
                        "registry": REGISTRY_LABELS[registry],
                        "created": len(result.created),
                        "changed": len(result.changed),
                        "unchanged": len(result.unchanged),
                    },
                )
                return redirect("measures:transfer", code=land.code)
    context: dict[str, Any] = {
        "land": land,
        "form": form,
        "can_import": can_import,
        "registries": list(REGISTRY_LABELS.items()),
        "errors": [
            {"text": f"{form[name].label}: {message}", "anchor": form[name].id_for_label}
            for name, errs in form.errors.items()
            for message in errs
        ],
        "problems": problems,
        "more": more,
    }
    return render(request, "measures/io_transfer.html", context)


def export(request: HttpRequest, code: str, registry: str, fmt: str) -> HttpResponse:
    """The rows of a registry of the Land that the reader sees, as CSV or XLSX."""
    land = _land(request, code)
    if registry not in REGISTRIES or fmt not in FORMATS:
        raise Http404
    model: Any = REGISTRIES[registry].model
    rows = model.objects.visible_to(request.user).filter(organisation__land=land)
    return download(FORMATS[fmt](registry, rows), f"{registry}-{land.code.lower()}.{fmt}")
