"""The funding pages: the programmes of a Land with their latest score, a programme with its
latest check, unmet criteria and history, adding a programme and checking it
(docs/measures.md, "Funding programmes").

Members read the programmes of their Land (an agency-limited member those of their agency's
subtree); editors of the awarding organisation add programmes and checks. A programme outside
the reader's reach answers 404; one the reader sees but may not check answers 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import get_object_for_user_or_404, has_role, visible
from ikoe.formats import fmt, rounded
from ikoe.forms import form_error_summary
from ikoe.measures import funding
from ikoe.measures.funding_forms import CheckForm, ProgrammeForm
from ikoe.measures.models import FundingProgramme
from ikoe.measures.training_views import Chart, change_rows, editable_organisations, land_or_404
from ikoe.reports.charts import Line, line_chart


def programmes(request: HttpRequest, code: str) -> HttpResponse:
    """The funding programmes of the Land in the reader's reach, each with its latest score."""
    land = land_or_404(request, code)
    found = list(
        visible(FundingProgramme, request.user)
        .filter(organisation__land=land)
        .select_related("organisation")
    )
    latest = funding.latest_checks(found)
    context = {
        "land": land,
        "programmes": [
            (p, latest.get(p.pk), fmt(latest[p.pk].score) if p.pk in latest else "–") for p in found
        ],
        "can_add": editable_organisations(request.user, land).exists(),
    }
    return render(request, "measures/funding_land.html", context)


def _history_chart(checks: list[funding.FundingCheck]) -> Chart | None:
    if len(checks) < 2:
        return None
    points = tuple((float(i), float(rounded(c.score, 1))) for i, c in enumerate(checks, start=1))
    return Chart(
        line_chart(
            [Line(_("Score"), points)],
            title=_("Score of the programme at each check"),
            description="; ".join(
                f"{i}. {c.checked_on.isoformat()}: {fmt(c.score)}"
                for i, c in enumerate(checks, start=1)
            ),
            x_title=_("Check (number, oldest first)"),
            y_title=_("Score (0 to 100)"),
            ident="chart-funding-history",
        )
    )


def programme(request: HttpRequest, pk: int) -> HttpResponse:
    """One programme: its latest check with the unmet criteria and what to do, and its history."""
    row = get_object_for_user_or_404(
        FundingProgramme.objects.select_related("organisation__land"), request.user, pk=pk
    )
    checks = funding.checks(row)
    latest = checks[-1] if checks else None
    context = {
        "programme": row,
        "land": row.organisation.land,
        "latest": latest,
        "answers": [
            (c, funding.ANSWER_LABELS.get(latest.answers.get(c.key, ""), "–"))
            for c in funding.CRITERIA
        ]
        if latest
        else [],
        "unmet": funding.unmet(latest.answers) if latest else [],
        "latest_score": fmt(latest.score) if latest else "",
        "budget": fmt(float(row.annual_budget), 0) if row.annual_budget is not None else "",
        "checks": [
            (
                c,
                fmt(c.score),
                [
                    funding.ANSWER_LABELS.get(c.answers.get(k.key, ""), "–")
                    for k in funding.CRITERIA
                ],
            )
            for c in reversed(checks)
        ],
        "criteria": funding.CRITERIA,
        "chart": _history_chart(checks),
        "changes": change_rows(row),
        "can_check": has_role(request.user, Role.EDITOR, agency=row.organisation),
    }
    return render(request, "measures/funding_detail.html", context)


def programme_add(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a funding programme of an organisation the user edits for, or (``pk``) change one."""
    row = None
    if pk is not None:
        row = get_object_for_user_or_404(
            FundingProgramme.objects.select_related("organisation__land"), request.user, pk=pk
        )
        if not has_role(request.user, Role.EDITOR, agency=row.organisation):
            raise PermissionDenied
    code = request.GET.get("land", "")
    land = (
        row.organisation.land if row is not None else (land_or_404(request, code) if code else None)
    )
    organisations = editable_organisations(request.user, land)
    if not organisations.exists():
        raise PermissionDenied
    if request.method == "POST":
        form = ProgrammeForm(request.POST, organisations=organisations)
        if form.is_valid():
            data = form.cleaned_data
            saved = funding.save_programme(request.user, data["organisation"], data, row)
            messages.success(
                request,
                _(
                    "The funding programme “%(title)s” is saved. Next step: check it against the "
                    "criteria."
                )
                % {"title": saved.title},
            )
            return redirect("measures:funding-programme", pk=saved.pk)
    elif row is not None:
        form = ProgrammeForm(
            initial={
                "organisation": row.organisation,
                "title": row.title,
                "description": row.description,
                "url": row.url,
                "annual_budget": row.annual_budget,
            },
            organisations=organisations,
        )
    else:
        initial = {"organisation": organisations.first()} if organisations.count() == 1 else {}
        form = ProgrammeForm(initial=initial, organisations=organisations)
    context = {
        "form": form,
        "land": land,
        "programme": row,
        "errors": form_error_summary(form, "id_organisation"),
    }
    return render(request, "measures/funding_form.html", context)


def programme_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a programme against the criteria: yes, partly or no for each."""
    row = get_object_for_user_or_404(
        FundingProgramme.objects.select_related("organisation__land"), request.user, pk=pk
    )
    if not has_role(request.user, Role.EDITOR, agency=row.organisation):
        raise PermissionDenied
    if request.method == "POST":
        form = CheckForm(request.POST)
        if form.is_valid():
            check = funding.add_check(
                request.user,
                row,
                form.answers(),
                checked_on=form.cleaned_data["checked_on"],
                note=form.cleaned_data["note"].strip(),
            )
            messages.success(
                request,
                _("The check is saved: score %(score)s of 100.") % {"score": fmt(check.score)},
            )
            return redirect("measures:funding-programme", pk=row.pk)
    else:
        previous = funding.checks(row)
        initial: dict[str, object] = {"checked_on": timezone.localdate()}
        if previous:
            initial.update(previous[-1].answers)
        form = CheckForm(initial=initial)
    context = {
        "programme": row,
        "land": row.organisation.land,
        "form": form,
        "errors": form_error_summary(form, f"id_{funding.CRITERIA[0].key}_0"),
    }
    return render(request, "measures/funding_check.html", context)
