"""Pages of the anchoring register (``measures:anchoring…``): the public register with its
filters, one Land's provisions, the Länder comparison, the CSV export and import, and adding and
changing provisions (coordinators of the Land or agency; the federal coordination for the
federal level). Shipped rows are read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ikoe.errors import ImportFailed, more_problems
from ikoe.forms import form_error_summary
from ikoe.measures import anchoring
from ikoe.measures.anchoring import FLAGS, REGIONS, region_name
from ikoe.measures.history import history, record, snapshot
from ikoe.measures.models import Change, Provision
from ikoe.organisations.models import Organisation
from ikoe.reports.charts import Bar, bar_chart
from ikoe.reports.download import download

SEARCH_MAX = 200
IMPORT_MAX_BYTES = 2 * 1024 * 1024


class FilterForm(forms.Form):
    land = forms.ChoiceField(label=gettext_lazy("Land or federal level"), required=False)
    instrument = forms.ChoiceField(label=gettext_lazy("Instrument"), required=False)
    q = forms.CharField(
        label=gettext_lazy("Search text"),
        required=False,
        max_length=SEARCH_MAX,
        help_text=gettext_lazy("Searches names, provisions, paragraphs and what they require."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        land_field: Any = self.fields["land"]
        land_field.choices = [("", _("all")), *((c, region_name(c)) for c in REGIONS)]
        instrument_field: Any = self.fields["instrument"]
        instrument_field.choices = [("", _("all")), *Provision.Instrument.choices]


@dataclass
class Item:
    provision: Provision
    parts: list[tuple[str, bool]]
    sources: list[tuple[str, bool]]
    uncertain: bool
    editable: bool


@dataclass
class Group:
    code: str
    name: str
    instruments: list[tuple[str, list[Item]]]
    count: int


def _filtered(form: FilterForm, land: str = "") -> QuerySet[Provision]:
    qs = Provision.objects.select_related("organisation")
    data = form.cleaned_data if form.is_valid() else {}
    land = land or data.get("land", "")
    if land:
        qs = qs.filter(region_code=land)
    if data.get("instrument"):
        qs = qs.filter(instrument=data["instrument"])
    text = (data.get("q") or "").strip()
    for word in text.split():
        qs = qs.filter(
            Q(official_name__icontains=word)
            | Q(short_name__icontains=word)
            | Q(provision__icontains=word)
            | Q(paragraph__icontains=word)
            | Q(requirement__icontains=word)
        )
    return qs


def _groups(request: HttpRequest, provisions: list[Provision]) -> list[Group]:
    labels = dict(Provision.Instrument.choices)
    order = {code: n for n, code in enumerate(REGIONS)}
    instruments = [c for c, _label in Provision.Instrument.choices]
    provisions.sort(
        key=lambda p: (order.get(p.region_code, len(order)), instruments.index(p.instrument)
                       if p.instrument in instruments else 99, p.short_name, p.pk)
    )  # fmt: skip
    groups: list[Group] = []
    for p in provisions:
        if not groups or groups[-1].code != p.region_code:
            groups.append(Group(p.region_code, region_name(p.region_code), [], 0))
        group = groups[-1]
        label = str(labels.get(p.instrument, p.instrument))
        if not group.instruments or group.instruments[-1][0] != label:
            group.instruments.append((label, []))
        group.instruments[-1][1].append(
            Item(
                p,
                anchoring.certainty_parts(p.requirement),
                anchoring.source_links(p.source),
                anchoring.is_uncertain(p),
                anchoring.can_edit(request.user, p),
            )
        )
        group.count += 1
    return groups


def _register(request: HttpRequest, land: str = "") -> HttpResponse:
    form = FilterForm(request.GET or None)
    provisions = list(_filtered(form, land))
    context = {
        "form": form,
        "errors": form_error_summary(form, "id_land") if form.is_bound else [],
        "land": land,
        "land_name": region_name(land) if land else "",
        "groups": _groups(request, provisions),
        "count": len(provisions),
        "total": Provision.objects.filter(region_code=land).count()
        if land
        else Provision.objects.count(),
        "uncertain": sum(1 for p in provisions if anchoring.is_uncertain(p)),
        "can_add": anchoring.can_edit_region(request.user, land) if land else False,
        "add_regions": anchoring.editable_regions(request.user),
        "query": request.GET.urlencode(),
    }
    return render(request, "measures/anchoring_register.html", context)


def register(request: HttpRequest) -> HttpResponse:
    """The whole register, filtered by Land, instrument and search text."""
    return _register(request)


def land_page(request: HttpRequest, code: str) -> HttpResponse:
    """The provisions of one Land or of the federal level (DE-BUND)."""
    if code not in REGIONS:
        raise Http404
    return _register(request, code)


def export(request: HttpRequest, fmt: str = "csv") -> HttpResponse:
    """The register (with the filters of the page) as CSV or XLSX in the columns of the shipped
    file."""
    form = FilterForm(request.GET or None)
    provisions = _filtered(form).order_by("region_code", "short_name", "pk")
    if fmt == "xlsx":
        return download(anchoring.export_xlsx(provisions), "verankerung.xlsx")
    return download(anchoring.export_csv(provisions), "verankerung.csv")


def comparison(request: HttpRequest) -> HttpResponse:
    """Per Land and the federal level: provisions per instrument, laws, earliest date, flags."""
    rows = anchoring.comparison(Provision.objects.all())
    bars = [Bar(r.name, r.total) for r in rows]
    chart = bar_chart(
        bars,
        title=_("Provisions in the anchoring register per Land"),
        description="; ".join(f"{r.name}: {r.total}" for r in rows),
        value_title=_("Provisions"),
        ident="chart-anchoring",
        value_format=",.0f",
    )
    context = {
        "rows": rows,
        "instruments": [label for _code, label in Provision.Instrument.choices],
        "flags": FLAGS,
        "chart": {"svg": chart, "left_out": 0},
        "total": sum(r.total for r in rows),
    }
    return render(request, "measures/anchoring_comparison.html", context)


# --- adding and changing -------------------------------------------------------------------------


class ProvisionForm(forms.ModelForm):
    class Meta:
        model = Provision
        fields = [
            "organisation",
            "instrument",
            "official_name",
            "short_name",
            "in_force_since",
            "provision",
            "paragraph",
            "requirement",
            "source",
        ]
        widgets = {
            "requirement": forms.Textarea(attrs={"rows": 4}),
            "official_name": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "in_force_since": gettext_lazy(
                "Start with the date as YYYY-MM-DD, YYYY-MM or YYYY; a note may follow, e.g. "
                "“2021-07-16 (Datum unverifiziert)”."
            ),
            "requirement": gettext_lazy(
                "In your own words. Mark what is not confirmed from the text of the law, e.g. "
                "[unverifiziert]; the mark is shown wherever the row is."
            ),
            "source": gettext_lazy(
                "Where the provision is published: web addresses, several separated by “ ; ”."
            ),
        }

    def __init__(
        self, *args: Any, agencies: list[Organisation], land_wide: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["organisation"]
        org_field.queryset = Organisation.objects.filter(pk__in=[a.pk for a in agencies])
        org_field.required = not land_wide
        org_field.empty_label = _("the Land as a whole") if land_wide else None
        if not agencies:
            del self.fields["organisation"]


def _form_page(request: HttpRequest, code: str, provision: Provision | None) -> HttpResponse:
    land = (
        Organisation.objects.filter(code=code, kind=Organisation.Kind.LAND).first()
        if code != anchoring.FEDERAL
        else None
    )
    land_wide = anchoring.can_edit_land_wide(request.user, code)
    agencies = anchoring.editable_agencies(request.user, land) if land is not None else []
    if request.method == "POST":
        # before validating: the form writes the posted values into the instance
        before = snapshot(provision, anchoring.HISTORY_FIELDS) if provision else None
        form = ProvisionForm(
            request.POST, instance=provision, agencies=agencies, land_wide=land_wide
        )
        if form.is_valid():
            row = form.save(commit=False)
            row.region_code = code
            row.land = land
            row.shipped = False
            row.since = anchoring.parse_since(row.in_force_since)
            row.save()
            record(
                row,
                Change.Action.CHANGED if before else Change.Action.CREATED,
                request.user,
                before,
                snapshot(row, anchoring.HISTORY_FIELDS),
                organisation=row.organisation or land,
            )
            messages.success(
                request,
                _("The provision “%(name)s” of %(region)s is saved.")
                % {"name": str(row), "region": region_name(code)},
            )
            return redirect("measures:anchoring-land", code=code)
    else:
        form = ProvisionForm(instance=provision, agencies=agencies, land_wide=land_wide)
    context = {
        "form": form,
        "provision": provision,
        "code": code,
        "land_name": region_name(code),
        "errors": form_error_summary(form, "id_instrument"),
        "history": history(provision) if provision is not None else [],
    }
    return render(request, "measures/anchoring_form.html", context)


def add(request: HttpRequest, code: str) -> HttpResponse:
    """Add a provision of a Land (its coordinators) or of the federal level (the federal
    coordination)."""
    if code not in REGIONS:
        raise Http404
    if not anchoring.can_edit_region(request.user, code):
        raise PermissionDenied
    return _form_page(request, code, None)


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a provision entered by users; shipped rows are read-only (403)."""
    provision = get_object_or_404(Provision.objects.select_related("organisation"), pk=pk)
    if not anchoring.can_edit(request.user, provision):
        raise PermissionDenied
    return _form_page(request, provision.region_code, provision)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File of provisions (CSV or XLSX)"),
        help_text=gettext_lazy(
            "CSV in UTF-8, comma-separated, or an Excel workbook (first sheet), with the columns "
            "of the export: region_code, instrument_type, official_name, short_name, "
            "in_force_since, provision, paragraph, requirement_summary_de, source."
        ),
    )


def import_view(request: HttpRequest) -> HttpResponse:
    """Add provisions from a CSV file (all or nothing), for the regions the user may keep."""
    regions = anchoring.editable_regions(request.user)
    if not regions:
        raise PermissionDenied
    problems: list[Any] = []
    more = ""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > IMPORT_MAX_BYTES:
                    raise ImportFailed.single(
                        "size",
                        _("The file is larger than %(size)d MB.")
                        % {"size": IMPORT_MAX_BYTES // (1024 * 1024)},
                        file=upload.name,
                    )
                added, skipped = anchoring.import_provisions(
                    upload.read(), upload.name, request.user
                )
            except ImportFailed as exc:
                problems = [{"where": p.where(), "text": p.message} for p in exc.problems]
                more = more_problems(exc.more)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Imported %(added)d provision; %(skipped)d were already in the register.",
                        "Imported %(added)d provisions; %(skipped)d were already in the register.",
                        added,
                    )
                    % {"added": added, "skipped": skipped},
                )
                return redirect("measures:anchoring")
    else:
        form = ImportForm()
    context = {
        "form": form,
        "errors": form_error_summary(form, "id_file"),
        "problems": problems,
        "more": more,
        "regions": [region_name(c) for c in regions],
        "problems_heading": _("The file was not imported"),
        "problems_advice": _("Nothing was stored. Correct these places and upload it again:"),
    }
    return render(request, "measures/anchoring_import.html", context)
