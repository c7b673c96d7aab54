"""The target of one organisation, setting it, all agencies at once, and promotion plans
(docs/targets.md, "Setting targets" and "Promotion plans").

An organisation outside the reader's reach answers 404, as if it did not exist; one the reader
sees but may not change answers 403. Coordinators of the Land (and the federal level) set
targets; editors of the organisation (or of its whole Land) keep its promotion plans.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role, visible
from ikoe.forms import form_error_summary
from ikoe.labels import SURVEY_DEFINITION_LABELS
from ikoe.organisations.models import Organisation
from ikoe.targets import board as figures
from ikoe.targets.board import Row, baseline, baselines, build_board
from ikoe.targets.forms import OWN, BulkTargetForm, PromotionPlanForm, RemoveTargetForm, TargetForm
from ikoe.targets.models import TARGET_KINDS, PromotionPlan, Target
from ikoe.targets.services import (
    agencies,
    comparable_definition,
    default_benchmark,
    land_benchmarks,
    remove_target,
    set_all_to_benchmark,
    set_target,
)


def get_organisation(request: HttpRequest, code: str, role: Role = Role.VIEWER) -> Organisation:
    """The organisation (Land, ministry or agency) if the user reaches it with ``role``: 404 when
    they do not see it at all, 403 when they see it without the role."""
    org = (
        Organisation.objects.filter(code=code, kind__in=TARGET_KINDS)
        .select_related("parent", "land")
        .first()
    )
    if org is None or not has_role(request.user, Role.VIEWER, agency=org):
        raise Http404
    if not has_role(request.user, role, agency=org):
        raise PermissionDenied
    return org


def land_of(org: Organisation) -> Organisation:
    land = org if org.kind == Organisation.Kind.LAND else org.land
    assert land is not None
    return land


def _row(request: HttpRequest, org: Organisation) -> Row:
    target = visible(Target.objects.in_force(), request.user).filter(organisation=org).first()
    land = land_of(org)
    summary = [org] if org.kind != Organisation.Kind.AGENCY else []
    agencies_ = [org] if org.kind == Organisation.Kind.AGENCY else []
    targets = {org.pk: target} if target is not None else {}
    board = build_board(request.user, land, agencies_, summary, targets)
    return (board.rows or board.summary)[0]


def organisation_page(request: HttpRequest, code: str) -> HttpResponse:
    """The target of an organisation with its figures and history, and its promotion plans."""
    org = get_organisation(request, code)
    land = land_of(org)
    row = _row(request, org)
    history = list(
        visible(Target.objects.filter(organisation=org), request.user)
        .select_related("benchmark")
        .order_by("-set_at", "-pk")
    )
    plans = list(
        visible(PromotionPlan.objects.filter(organisation=org), request.user).order_by(
            "-period_start"
        )
    )
    context = {
        "organisation": org,
        "land": land,
        "row": row,
        "target": row.target,
        "history": history,
        "plans": plans,
        "year": figures.this_year(),
        "definition_label": SURVEY_DEFINITION_LABELS.get(row.target.definition, "")
        if row.target
        else "",
        "can_set": has_role(request.user, Role.COORDINATOR, land=land),
        "can_plan": has_role(request.user, Role.EDITOR, agency=org),
        "board_url": f"{reverse('targets:board')}?land={land.code}",
    }
    return render(request, "targets/target_detail.html", context)


def target_set(request: HttpRequest, code: str) -> HttpResponse:
    """Set (or change) the target of an organisation: a new version, the old one kept."""
    org = get_organisation(request, code, Role.COORDINATOR)
    land = land_of(org)
    year = figures.this_year()
    benchmarks = land_benchmarks(land)
    current = Target.objects.in_force().filter(organisation=org).first()
    if request.method == "POST":
        form = TargetForm(request.POST, benchmarks=benchmarks, year=year)
        if form.is_valid():
            definition = form.cleaned_data["definition"]
            set_target(
                org,
                request.user,
                share=form.share,
                deadline=form.cleaned_data["deadline"],
                definition=definition,
                benchmark=form.benchmark,
                assumptions=form.assumptions(),
                baseline=baseline(request.user, org, definition),
                note=form.cleaned_data["note"].strip(),
            )
            messages.success(request, _("The target of %(name)s is set.") % {"name": org.name})
            return redirect("targets:organisation", code=org.code)
    else:
        form = TargetForm(
            benchmarks=benchmarks, year=year, initial=_initial(current, benchmarks, year)
        )
    context = {
        "organisation": org,
        "land": land,
        "form": form,
        "current": current,
        "errors": form_error_summary(form, "id_choice_0"),
        "remove_form": RemoveTargetForm(prefix="remove"),
    }
    return render(request, "targets/target_form.html", context)


def _initial(current: Target | None, benchmarks: list[Any], year: int) -> dict[str, Any]:
    """The form as the target in force has it, else with the Land's newest benchmark."""
    if current is None:
        first = benchmarks[0] if benchmarks else None
        return {
            "choice": f"b{first.pk}" if first else OWN,
            "deadline": year + 5,
            "definition": comparable_definition(first),
        }

    def pct(value: float | None) -> str:
        return "" if value is None else f"{100 * value:.10g}".replace(".", ",")

    same = next(
        (b for b in benchmarks if current.benchmark_id == b.pk and current.source == "benchmark"),
        None,
    )
    return {
        "choice": f"b{same.pk}" if same else OWN,
        "own_share": "" if same else pct(current.share),
        "deadline": current.deadline,
        "definition": current.definition,
        "exit_rate": pct(current.exit_rate),
        "growth": pct(current.growth),
        "hiring_share": pct(current.hiring_share),
        "assumptions_note": current.assumptions_note,
    }


def target_remove(request: HttpRequest, code: str) -> HttpResponse:
    """Take the target of an organisation back (POST; the history keeps it)."""
    org = get_organisation(request, code, Role.COORDINATOR)
    if request.method != "POST":
        return redirect("targets:set", code=org.code)
    form = RemoveTargetForm(request.POST, prefix="remove")
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm that the target is taken back."))
        return redirect("targets:set", code=org.code)
    if remove_target(org, request.user, form.cleaned_data["note"].strip()) is None:
        messages.info(request, _("%(name)s has no target.") % {"name": org.name})
    else:
        messages.success(request, _("The target of %(name)s is taken back.") % {"name": org.name})
    return redirect("targets:organisation", code=org.code)


def bulk(request: HttpRequest, land_code: str) -> HttpResponse:
    """Give every agency of the Land (or those without a target) the population benchmark."""
    land = Organisation.objects.filter(code=land_code, kind=Organisation.Kind.LAND).first()
    if land is None or not has_role(request.user, Role.VIEWER, land=land):
        raise Http404
    if not has_role(request.user, Role.COORDINATOR, land=land):
        raise PermissionDenied
    year = figures.this_year()
    benchmarks = land_benchmarks(land)
    if request.method == "POST":
        form = BulkTargetForm(request.POST, benchmarks=benchmarks, year=year)
        if form.is_valid():
            definition = form.cleaned_data["definition"]
            orgs = list(agencies(land).order_by("name"))
            starts = baselines(request.user, land, orgs, definition)
            changed = set_all_to_benchmark(
                orgs,
                request.user,
                benchmark=form.chosen,
                deadline=form.cleaned_data["deadline"],
                definition=definition,
                assumptions=form.assumptions(),
                baselines=starts,
                only_missing=form.cleaned_data["which"] == BulkTargetForm.MISSING,
                note=form.cleaned_data["note"].strip(),
            )
            messages.success(
                request,
                ngettext(
                    "%(n)s agency got the benchmark as its target.",
                    "%(n)s agencies got the benchmark as their target.",
                    changed,
                )
                % {"n": changed},
            )
            return redirect(f"{reverse('targets:board')}?land={land.code}")
    else:
        first = default_benchmark(land)
        form = BulkTargetForm(
            benchmarks=benchmarks,
            year=year,
            initial={
                "benchmark": str(first.pk) if first else "",
                "deadline": year + 5,
                "definition": comparable_definition(first),
                "which": BulkTargetForm.MISSING,
            },
        )
    context = {
        "land": land,
        "form": form,
        "benchmarks": benchmarks,
        "agency_count": agencies(land).count(),
        "errors": form_error_summary(form, "id_benchmark"),
    }
    return render(request, "targets/target_bulk.html", context)


def plan_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    """Add or change a promotion plan of the organisation (editors of it or of its Land)."""
    org = get_organisation(request, code, Role.EDITOR)
    plan = None
    if pk is not None:
        plan = (
            visible(PromotionPlan.objects.filter(organisation=org), request.user, Role.EDITOR)
            .filter(pk=pk)
            .first()
        )
        if plan is None:
            raise Http404
    if request.method == "POST":
        form = PromotionPlanForm(request.POST, instance=plan, organisation=org)
        if form.is_valid():
            saved = form.save(commit=False)
            saved.organisation = org
            saved.touch(request.user)
            saved.save()
            messages.success(
                request,
                _("The promotion plan %(first)s–%(last)s of %(name)s is saved.")
                % {"first": saved.period_start, "last": saved.period_end, "name": org.name},
            )
            return redirect("targets:organisation", code=org.code)
    else:
        year = figures.this_year()
        initial = {} if plan else {"period_start": year, "period_end": year + 3}
        form = PromotionPlanForm(instance=plan, organisation=org, initial=initial)
    context = {
        "organisation": org,
        "land": land_of(org),
        "form": form,
        "plan": plan,
        "errors": form_error_summary(form, "id_period_start"),
    }
    return render(request, "targets/target_plan_form.html", context)
