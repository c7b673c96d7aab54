"""The training pages: the offers of a Land with the coverage per organisation and occupational
group, an offer, and the participation counts (docs/measures.md, "Trainings").

Members read the rows of their Land (an agency-limited member those of their agency's subtree);
editors of an organisation create and change its rows. A Land, offer or record outside the
reader's reach answers 404; one the reader sees but may not change answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import (
    get_object_for_user_or_404,
    has_role,
    visible,
    visible_lands,
    visible_organisations,
)
from ikoe.formats import fmt, rounded
from ikoe.forms import form_error_summary
from ikoe.measures import history, training
from ikoe.measures.models import OCCUPATIONAL_GROUPS, Change, TrainingOffer, TrainingRecord
from ikoe.measures.training_forms import OfferForm, RecordForm
from ikoe.organisations.models import Organisation
from ikoe.reports.charts import Bar, bar_chart

CHOICE_LABELS: dict[str, Any] = {
    **dict(OCCUPATIONAL_GROUPS),
    **dict(TrainingOffer.Format.choices),
    **dict(TrainingOffer.Content.choices),
}
"""Codes the change history keeps, and the words users read for them."""


@dataclass(frozen=True)
class Chart:
    svg: str
    left_out: int = 0


@dataclass(frozen=True)
class ChangeRow:
    """One entry of a row's change history with the fields in the words users read."""

    change: Change
    fields: list[tuple[str, str, str]]


def _shown(value: Any, labels: dict[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(_shown(v, labels) for v in value)
    return str(labels.get(str(value), value))


def change_rows(row: Any, extra: dict[str, Any] | None = None) -> list[ChangeRow]:
    """The change history of ``row``, newest first, with field names and choices in words."""
    if row is None:
        return []
    names: dict[str, Any] = {f.name: f.verbose_name for f in row._meta.fields}
    names.update(extra or {})
    labels = {str(k): str(v) for k, v in CHOICE_LABELS.items()}
    return [
        ChangeRow(
            change,
            [
                (str(names.get(name, name)), _shown(values[0], labels), _shown(values[1], labels))
                for name, values in change.fields.items()
            ],
        )
        for change in history.history(row)
    ]


def land_or_404(request: HttpRequest, code: str) -> Organisation:
    """The Land if the user reaches any of its rows (also through an agency), else 404."""
    land = visible_lands(request.user).filter(code=code).first()
    if land is None:
        raise Http404
    return land


def land_code(org: Organisation) -> str:
    """The code of the organisation's Land (every organisation has one once saved)."""
    return org.land.code if org.land is not None else org.code


def editable_organisations(user: Any, land: Organisation | None = None) -> QuerySet[Organisation]:
    """The organisations of the administration whose rows the user may create and change."""
    qs = visible_organisations(user, Role.EDITOR).exclude(kind__in=Organisation.OUTSIDE_KINDS)
    if land is not None:
        qs = qs.filter(land=land)
    return qs.select_related("land").order_by("land__code", "name", "code")


def this_year() -> int:
    return timezone.localdate().year


def _chosen_year(request: HttpRequest, years: list[int]) -> int:
    text = request.GET.get("year", "")
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return years[0] if years else this_year()


def _coverage_chart(
    land: Organisation, year: int, totals: list[training.GroupTotal]
) -> Chart | None:
    shown = [t for t in totals if t.coverage is not None]
    if not shown:
        return None
    bars = [Bar(t.group_label, float(rounded(100 * (t.coverage or 0.0), 1))) for t in shown]
    svg = bar_chart(
        bars,
        title=_("Coverage of training per occupational group, %(land)s, %(year)s")
        % {"land": land.name, "year": year},
        description="; ".join(
            f"{t.group_label}: {fmt(100 * (t.coverage or 0.0))} %" for t in shown
        ),
        value_title=_("Trained in % of staff"),
        ident="chart-training-coverage",
    )
    return Chart(svg, len(totals) - len(shown))


def trainings(request: HttpRequest, code: str) -> HttpResponse:
    """The offers of the Land and the coverage table of a year, with the chart per group."""
    land = land_or_404(request, code)
    user = request.user
    years = training.years(user, land)
    year = _chosen_year(request, years)
    offers = training.offers(user, land)
    rows = training.coverage_rows(training.records(user, land, year), offers)
    totals = training.group_totals(rows)
    editable = {o.pk for o in editable_organisations(user, land)}
    context = {
        "land": land,
        "year": year,
        "years": sorted({*years, year, this_year()}, reverse=True),
        "offers": [
            (o, o.organisation_id in editable, [training.GROUP_LABELS.get(g, g) for g in o.groups])
            for o in offers
        ],
        "rows": [(r, r.organisation.pk in editable) for r in rows],
        "gaps": sum(1 for r in rows if r.gap),
        "totals": totals,
        "chart": _coverage_chart(land, year, totals),
        "can_edit": bool(editable),
        "agency_only": not has_role(user, Role.VIEWER, land=land),
    }
    return render(request, "measures/training_land.html", context)


def _land_param(request: HttpRequest) -> Organisation | None:
    code = request.GET.get("land", "")
    return land_or_404(request, code) if code else None


def offer_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a training offer, or change one (editors of its organisation)."""
    user = request.user
    offer = None
    if pk is not None:
        offer = get_object_for_user_or_404(
            TrainingOffer.objects.select_related("organisation__land"), user, pk=pk
        )
        if not has_role(user, Role.EDITOR, agency=offer.organisation):
            raise PermissionDenied
        land = offer.organisation.land
    else:
        land = _land_param(request)
    organisations = editable_organisations(user, land)
    if not organisations.exists():
        raise PermissionDenied
    if request.method == "POST":
        form = OfferForm(request.POST, organisations=organisations)
        if form.is_valid():
            data = form.cleaned_data
            saved = training.save_offer(user, data["organisation"], data, offer)
            messages.success(
                request, _("The training offer “%(title)s” is saved.") % {"title": saved.title}
            )
            return redirect("measures:trainings", code=land_code(saved.organisation))
    else:
        initial: dict[str, Any] = {}
        if offer is not None:
            initial = {name: getattr(offer, name) for name in training.OFFER_FIELDS_ALL}
        elif organisations.count() == 1:
            initial = {"organisation": organisations.first()}
        form = OfferForm(initial=initial, organisations=organisations)
    context = {
        "form": form,
        "offer": offer,
        "land": land,
        "changes": change_rows(offer),
        "errors": form_error_summary(form, "id_organisation"),
    }
    return render(request, "measures/training_offer_form.html", context)


def record_edit(request: HttpRequest) -> HttpResponse:
    """Enter the counts of an organisation, occupational group and year (a new record or the
    existing one changed)."""
    user = request.user
    land = _land_param(request)
    organisations = editable_organisations(user, land)
    if not organisations.exists():
        raise PermissionDenied
    offers = (
        visible(TrainingOffer, user)
        .filter(organisation__land__in=organisations.values("land"))
        .select_related("organisation")
    )
    existing: TrainingRecord | None = None
    if request.method == "POST":
        form = RecordForm(request.POST, organisations=organisations, offers=offers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record, created = training.save_record(
                    user,
                    data["organisation"],
                    data["year"],
                    data["group"],
                    staff=data["staff"],
                    planned=data["planned"],
                    trained=data["trained"],
                    offer=data["offer"],
                )
            except ValidationError as exc:
                for name, problems in exc.message_dict.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
            else:
                text = (
                    _("The counts of %(organisation)s, %(group)s, %(year)s are saved.")
                    if created
                    else _("The counts of %(organisation)s, %(group)s, %(year)s are changed.")
                )
                messages.success(
                    request,
                    text
                    % {
                        "organisation": record.organisation.name,
                        "group": training.GROUP_LABELS[record.group],
                        "year": record.year,
                    },
                )
                url = reverse("measures:trainings", kwargs={"code": land_code(record.organisation)})
                return redirect(f"{url}?year={record.year}")
    else:
        initial: dict[str, Any] = {"year": this_year()}
        org = organisations.filter(code=request.GET.get("organisation", "")).first()
        if org is None and organisations.count() == 1:
            org = organisations.first()
        if org is not None:
            initial["organisation"] = org
        year_text = request.GET.get("year", "")
        if year_text.isdigit():
            initial["year"] = int(year_text)
        if request.GET.get("group") in training.GROUP_LABELS:
            initial["group"] = request.GET["group"]
        if org is not None and "group" in initial:
            existing = TrainingRecord.objects.filter(
                organisation=org, year=initial["year"], group=initial["group"]
            ).first()
            if existing is not None:
                initial.update(
                    staff=existing.staff,
                    planned=existing.planned,
                    trained=existing.trained,
                    offer=existing.offer,
                )
        form = RecordForm(initial=initial, organisations=organisations, offers=offers)
    context = {
        "form": form,
        "land": land,
        "existing": existing,
        "changes": change_rows(existing),
        "errors": form_error_summary(form, "id_organisation"),
    }
    return render(request, "measures/training_record_form.html", context)
