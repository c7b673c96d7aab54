"""The pages of the measures registry (docs/measures.md, "Measures"): what the registries are, the
board of a Land and of one organisation (grouped by status and by dimension, with counts, overdue
milestones and a timeline), one measure with its parts, milestones, origin and history, and the
forms. Every change goes through :mod:`ikoe.measures.services`.

A measure outside the reader's reach answers 404, as if it did not exist; one the reader sees
but may not change answers 403. Editors of an organisation (or of its Land) keep its measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role, visible_lands, visible_organisations
from ikoe.assessment.models import Assessment
from ikoe.assessment.services import AssessmentError, questionnaire_of
from ikoe.barriers.models import SelectionData
from ikoe.formats import fmt
from ikoe.forms import form_error_summary
from ikoe.measures import services
from ikoe.measures.measure_forms import DoneForm, FilterForm, MeasureForm, MilestoneForm
from ikoe.measures.models import DIMENSION_CHOICES, Change, Measure, Milestone
from ikoe.organisations.models import Organisation
from ikoe.targets.models import PromotionPlan

DIMENSION_LABELS = dict(DIMENSION_CHOICES)


# --- reach -----------------------------------------------------------------------------------


def _land(request: HttpRequest, code: str) -> Organisation:
    land = visible_lands(request.user).filter(code=code).first()
    if land is None:
        raise Http404
    return land


def _organisation(request: HttpRequest, code: str) -> Organisation:
    org = Organisation.objects.filter(code=code).select_related("land", "parent").first()
    if org is None or org.land is None or not has_role(request.user, Role.VIEWER, agency=org):
        raise Http404
    if not visible_lands(request.user).filter(pk=org.land.pk).exists():
        raise Http404  # a member of an outside organisation reaches no measures
    return org


def _measure(request: HttpRequest, pk: int, role: Role | None = None) -> Measure:
    """The measure if the user sees it (404 otherwise), and may change it with ``role`` (403)."""
    measure = (
        Measure.objects.visible_to(request.user)
        .select_related("organisation", "organisation__land", "parent", "parent__organisation")
        .filter(pk=pk)
        .first()
    )
    if measure is None:
        raise Http404
    if role is not None and not Measure.objects.visible_to(request.user, role).filter(pk=pk):
        raise PermissionDenied
    return measure


def editable_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations whose measures the user may keep (editor of them or of their Land)."""
    candidates = visible_organisations(user, Role.EDITOR).select_related("land")
    ids = [o.pk for o in candidates if o.land_id is not None and services.can_edit(user, o)]
    return Organisation.objects.filter(pk__in=ids).order_by("land__code", "code")


# --- the timeline ----------------------------------------------------------------------------


@dataclass
class Timeline:
    svg: str
    rows: list[Measure]
    first: date
    last: date
    today: date


def timeline(measures: list[Measure], today: date, title: str) -> Timeline | None:
    """An SVG of start to end per measure with today marked, drawn on the server; the page
    gives the same dates as a table. ``None`` when no measure has both dates."""
    rows = [m for m in measures if m.start and m.end]
    if not rows:
        return None
    rows.sort(key=lambda m: (m.start, m.end, m.title))
    first = min([m.start for m in rows if m.start] + [today])
    last = max([m.end for m in rows if m.end] + [today])
    span = max((last - first).days, 1)
    label_w, plot_w, row_h, top = 260, 520, 26, 34
    width = label_w + plot_w + 20
    height = top + row_h * len(rows) + 10

    def x(day: date) -> float:
        return label_w + plot_w * (day - first).days / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="timeline-title timeline-desc" class="timeline">',
        f'<title id="timeline-title">{escape(title)}</title>',
        '<desc id="timeline-desc">'
        + escape(
            _(
                "Bars from the start to the end of each measure; the vertical line marks today "
                "(%(today)s). The same dates are in the table below."
            )
            % {"today": today.strftime("%d.%m.%Y")}
        )
        + "</desc>",
    ]
    for year in range(first.year + 1, last.year + 1):
        xpos = x(date(year, 1, 1))
        parts.append(
            f'<line class="timeline-grid" x1="{xpos:.1f}" y1="{top - 8}" x2="{xpos:.1f}" '
            f'y2="{height - 6}"/><text class="timeline-axis" x="{xpos + 3:.1f}" '
            f'y="{top - 12}">{year}</text>'
        )
    for i, m in enumerate(rows):
        assert m.start is not None and m.end is not None
        y = top + i * row_h
        label = m.title if len(m.title) <= 36 else m.title[:35] + "…"
        x0, x1 = x(m.start), x(m.end)
        late = " timeline-late" if services.measure_overdue(m, today) else ""
        parts.append(
            f'<text class="timeline-label" x="0" y="{y + 17}">{escape(label)}</text>'
            f'<rect class="timeline-bar timeline-{m.status}{late}" x="{x0:.1f}" y="{y + 5}" '
            f'width="{max(x1 - x0, 3):.1f}" height="{row_h - 10}" rx="3"/>'
        )
    tx = x(today)
    today_word = escape(_("today"))
    parts.append(
        f'<line class="timeline-today" x1="{tx:.1f}" y1="{top - 24}" x2="{tx:.1f}" '
        f'y2="{height - 4}"/><text class="timeline-axis timeline-today-label" '
        f'x="{tx + 3:.1f}" y="{top - 24}">{today_word}</text>'
    )
    parts.append("</svg>")
    return Timeline("".join(parts), rows, first, last, today)


# --- the boards ------------------------------------------------------------------------------


@dataclass
class Group:
    key: str
    label: str
    measures: list[Measure] = field(default_factory=list)


def _annotate(measures: list[Measure], today: date) -> None:
    progress = services.rolled_up_progress(measures)
    with_parts = set(
        Measure.objects.filter(parent__in=[m.pk for m in measures]).values_list(
            "parent_id", flat=True
        )
    )
    for m in measures:
        value = progress.get(m.pk, float(m.progress))
        m.shown_progress = fmt(value, 0)  # type: ignore[attr-defined]
        m.rolled_up = m.pk in with_parts  # type: ignore[attr-defined]
        m.overdue = services.measure_overdue(m, today)  # type: ignore[attr-defined]


BOARD_PAGE_SIZE = 100
"""Measures per page of a board's lists and timeline (the counts cover all)."""
LIST_LIMIT = 100
"""Overdue milestones and late measures listed at most; the board says how many more."""


def _board_context(
    request: HttpRequest, land: Organisation, scope: QuerySet[Measure], org: Organisation | None
) -> dict[str, Any]:
    today = timezone.localdate()
    orgs = sorted(
        {m.organisation for m in scope.select_related("organisation")}, key=lambda o: o.code
    )
    form = FilterForm(request.GET or None, organisations=orgs)
    qs = scope.select_related("organisation", "parent")
    if form.is_valid():
        data = form.cleaned_data
        if data["organisation"] and org is None:
            qs = qs.filter(organisation__code=data["organisation"])
        for name in ("status", "dimension", "type"):
            if data[name]:
                qs = qs.filter(**{name: data[name]})
    measures = list(qs)
    _annotate(measures, today)
    by_status = [Group(k, str(label)) for k, label in Measure.Status.choices]
    by_dimension = [Group(k, str(label)) for k, label in DIMENSION_CHOICES]
    by_dimension.append(Group("", _("no dimension")))
    status_index = {g.key: g for g in by_status}
    dimension_index = {g.key: g for g in by_dimension}
    for m in measures:
        status_index[m.status].measures.append(m)
        dimension_index[m.dimension].measures.append(m)
    counts = []
    for d in by_dimension:
        cells = [sum(1 for m in d.measures if m.status == s.key) for s in by_status]
        if sum(cells):
            counts.append({"label": d.label, "cells": cells, "total": sum(cells)})
    totals = [len(s.measures) for s in by_status]
    group = request.GET.get("group", "status")
    groups = by_dimension if group == "dimension" else by_status
    # The counts cover every measure; the lists and the timeline show one page of them, in the
    # order of the groups, so that a Land with thousands of measures stays readable and fast.
    ordered = [m for g in groups for m in g.measures]
    page = Paginator(ordered, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    on_page = {m.pk for m in shown}
    for g in groups:
        g.measures = [m for m in g.measures if m.pk in on_page]
    overdue = services.overdue_milestones(measures, today)
    late = [m for m in measures if m.overdue]  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    where = org.name if org is not None else land.name
    can_add = (
        services.can_edit(request.user, org)
        if org is not None
        else editable_organisations(request.user).filter(land=land).exists()
    )
    add_url = reverse("measures:add")
    if org is not None:
        add_url += f"?organisation={org.code}"
    return {
        "land": land,
        "organisation": org,
        "form": form,
        "measures": measures,
        "groups": [g for g in groups if g.measures],
        "group": "dimension" if group == "dimension" else "status",
        "statuses": by_status,
        "counts": counts,
        "totals": totals,
        "total": len(measures),
        "overdue": overdue[:LIST_LIMIT],
        "overdue_more": max(0, len(overdue) - LIST_LIMIT),
        "late_measures": late[:LIST_LIMIT],
        "late_more": max(0, len(late) - LIST_LIMIT),
        "page": page,
        "page_query": query.urlencode(),
        "timeline": timeline(
            shown, today, _("Timeline of the measures of %(where)s") % {"where": where}
        ),
        "today": today,
        "can_add": can_add,
        "add_url": add_url,
        "filtered": bool(form.is_valid() and any(form.cleaned_data.values())),
    }


def index(request: HttpRequest) -> HttpResponse:
    """What the registries are, with the boards of the Länder the reader sees."""
    lands = list(visible_lands(request.user).order_by("name"))
    return render(request, "measures/measure_index.html", {"lands": lands})


def board(request: HttpRequest, code: str) -> HttpResponse:
    """The measures of a Land's organisations in the reader's scope."""
    land = _land(request, code)
    scope = Measure.objects.visible_to(request.user).filter(organisation__land=land)
    context = _board_context(request, land, scope, None)
    return render(request, "measures/measure_board.html", context)


def organisation_page(request: HttpRequest, code: str) -> HttpResponse:
    """The measures of one organisation."""
    org = _organisation(request, code)
    assert org.land is not None
    scope = Measure.objects.visible_to(request.user).filter(organisation=org)
    context = _board_context(request, org.land, scope, org)
    return render(request, "measures/measure_board.html", context)


# --- one measure -----------------------------------------------------------------------------


def _readable_changes(changes: list[Change]) -> list[dict[str, Any]]:
    """The history as rows users read: field names and choices in words."""
    labels: dict[str, dict[str, str]] = {}
    choices: dict[str, dict[str, dict[str, str]]] = {}
    for model in (Measure, Milestone):
        name = model._meta.model_name or ""
        labels[name] = {}
        choices[name] = {}
        for f in model._meta.concrete_fields:
            labels[name][f.name] = str(f.verbose_name)
            if f.choices:
                choices[name][f.name] = {str(k): str(v) for k, v in f.flatchoices}

    def word(registry: str, name: str, value: Any) -> str:
        if value is None or value == "":
            return "–"
        return choices.get(registry, {}).get(name, {}).get(str(value), str(value))

    rows = []
    for c in changes:
        rows.append(
            {
                "change": c,
                "what": _("milestone “%(title)s”") % {"title": c.label}
                if c.registry == "milestone"
                else _("measure"),
                "fields": [
                    {
                        "name": labels.get(c.registry, {}).get(name, name),
                        "old": word(c.registry, name, old),
                        "new": word(c.registry, name, new),
                    }
                    for name, (old, new) in c.fields.items()
                ],
            }
        )
    return rows


def _origin(measure: Measure, user: Any) -> dict[str, Any] | None:
    """Where the measure came from, with a link when the reader may follow it."""
    if measure.origin == Measure.Origin.ASSESSMENT and measure.origin_assessment_id:
        visible = Assessment.objects.visible_to(user).filter(pk=measure.origin_assessment_id)
        return {
            "text": _("Item %(item)s of the IKÖ-Check of %(date)s")
            % {
                "item": measure.origin_item,
                "date": measure.origin_assessment.started_at.strftime("%d.%m.%Y")
                if measure.origin_assessment
                else "",
            },
            "url": reverse("assessment:plan", args=[measure.origin_assessment_id])
            if visible.exists()
            else "",
            "link": _("the action plan of the IKÖ-Check"),
        }
    if measure.origin == Measure.Origin.BARRIER and measure.origin_selection_id:
        data = SelectionData.objects.visible_to(user).filter(pk=measure.origin_selection_id).first()
        parts = [p for p in (measure.origin_funnel, measure.origin_stage) if p]
        return {
            "text": _("The barrier analysis of %(data)s%(where)s")
            % {
                "data": data.title if data else _("selection data"),
                "where": f" ({', '.join(parts)})" if parts else "",
            },
            "url": reverse("barriers:overview", args=[data.name]) if data else "",
            "link": _("the selection data"),
        }
    if measure.origin == Measure.Origin.PROMOTION_PLAN and measure.origin_plan_id:
        plan = PromotionPlan.objects.visible_to(user).filter(pk=measure.origin_plan_id).first()
        if plan is None:
            return {"text": _("A promotion plan"), "url": "", "link": ""}
        return {
            "text": _("The promotion plan %(first)s–%(last)s of %(name)s")
            % {
                "first": plan.period_start,
                "last": plan.period_end,
                "name": plan.organisation.name,
            },
            "url": reverse("targets:organisation", args=[plan.organisation.code]),
            "link": _("the promotion plans of the organisation"),
        }
    return None


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    today = timezone.localdate()
    children = list(
        Measure.objects.visible_to(request.user)
        .filter(parent=measure)
        .select_related("organisation")
        .order_by("start", "title", "pk")
    )
    _annotate([measure, *children], today)
    milestones = list(measure.milestones.all())
    for m in milestones:
        m.overdue = services.milestone_overdue(m, today)  # type: ignore[attr-defined]
    parent_visible = (
        measure.parent_id is not None
        and Measure.objects.visible_to(request.user).filter(pk=measure.parent_id).exists()
    )
    can_change = bool(Measure.objects.visible_to(request.user, Role.EDITOR).filter(pk=pk))
    hidden_parts = Measure.objects.filter(parent=measure).count() - len(children)
    context = {
        "measure": measure,
        "land": measure.organisation.land,
        "children": children,
        "hidden_parts": hidden_parts,
        "parent_visible": parent_visible,
        "milestones": milestones,
        "origin": _origin(measure, request.user),
        "changes": _readable_changes(services.changes_of(measure, [m.pk for m in milestones])),
        "can_change": can_change,
        "dimension_label": DIMENSION_LABELS.get(measure.dimension, ""),
        "budget": fmt(float(measure.budget), 2) if measure.budget is not None else "",
        "milestone_form": MilestoneForm(),
        "today": today,
    }
    return render(request, "measures/measure_detail.html", context)


# --- the forms -------------------------------------------------------------------------------


def _parents(user: Any, measure: Measure | None) -> QuerySet[Measure]:
    qs = Measure.objects.visible_to(user).order_by("organisation__code", "title")
    if measure is not None:
        qs = qs.exclude(pk__in={measure.pk, *services.descendant_ids(measure)})
    return qs


@dataclass
class Origin:
    values: dict[str, Any]
    initial: dict[str, Any]
    text: str


def _source(rows: Any, key: str) -> Any:
    """The row with the primary key ``key`` among ``rows`` (those the reader may see), or 404."""
    try:
        pk = int(key)
    except ValueError:
        raise Http404 from None
    found = rows.filter(pk=pk).select_related("organisation").first()
    if found is None:
        raise Http404
    return found


def origin_from(request: HttpRequest, organisations: QuerySet[Organisation]) -> Origin:
    """Where a new measure comes from, read from the address (also when the form is sent):
    ``from=assessment&assessment=<pk>&item=<id>``, ``from=barrier&selection=<name>&funnel=…
    &stage=…`` or ``from=plan&plan=<pk>``. An origin the reader does not see answers 404."""
    params = request.GET
    initial: dict[str, Any] = {}
    code = params.get("organisation", "")
    if code:
        org = organisations.filter(code=code).first()
        if org is not None:
            initial["organisation"] = org
    source = params.get("from", "")
    if source == "assessment":
        assessment = _source(
            Assessment.objects.visible_to(request.user), params.get("assessment", "")
        )
        try:
            item = questionnaire_of(assessment).item(params.get("item", ""))
        except (KeyError, AssessmentError):
            raise Http404 from None
        initial["title"] = str(item.question)[:300]
        initial["dimension"] = item.dimension
        if organisations.filter(pk=assessment.organisation_id).exists():
            initial["organisation"] = assessment.organisation
        return Origin(
            {
                "origin": Measure.Origin.ASSESSMENT,
                "origin_assessment": assessment,
                "origin_item": item.id,
            },
            initial,
            _("the gap at item %(item)s of the IKÖ-Check of %(name)s")
            % {"item": item.id, "name": assessment.organisation.name},
        )
    if source == "barrier":
        data = (
            SelectionData.objects.visible_to(request.user)
            .filter(name=params.get("selection", ""))
            .first()
        )
        if data is None:
            raise Http404
        funnel = params.get("funnel", "")[:300]
        stage = params.get("stage", "")[:200]
        initial["dimension"] = "personnel"
        initial["type"] = Measure.Type.RECRUITMENT
        if stage:
            initial["title"] = (_("Lower the barrier at the stage “%(stage)s”") % {"stage": stage})[
                :300
            ]
        return Origin(
            {
                "origin": Measure.Origin.BARRIER,
                "origin_selection": data,
                "origin_funnel": funnel,
                "origin_stage": stage,
            },
            initial,
            _("a finding of the barrier analysis of %(data)s") % {"data": data.title}
            + (f" ({', '.join(p for p in (funnel, stage) if p)})" if funnel or stage else ""),
        )
    if source == "plan":
        plan = _source(PromotionPlan.objects.visible_to(request.user), params.get("plan", ""))
        if organisations.filter(pk=plan.organisation_id).exists():
            initial["organisation"] = plan.organisation
        initial["dimension"] = "personnel"
        initial["type"] = Measure.Type.PERSONNEL
        return Origin(
            {"origin": Measure.Origin.PROMOTION_PLAN, "origin_plan": plan},
            initial,
            _("the promotion plan %(first)s–%(last)s of %(name)s")
            % {
                "first": plan.period_start,
                "last": plan.period_end,
                "name": plan.organisation.name,
            },
        )
    return Origin({}, initial, "")


def add(request: HttpRequest) -> HttpResponse:
    """A new measure (of an organisation the user edits), perhaps from an IKÖ-Check gap, a
    finding of the barrier analysis or a promotion plan."""
    organisations = editable_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied
    origin = origin_from(request, organisations)
    if request.method == "POST":
        form = MeasureForm(
            request.POST, organisations=organisations, parents=_parents(request.user, None)
        )
        if form.is_valid():
            try:
                measure = services.create_measure(
                    request.user, **form.cleaned_data, **origin.values
                )
            except services.MeasureError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("The measure “%(title)s” is saved.") % {"title": measure.title}
                )
                return redirect("measures:detail", pk=measure.pk)
    else:
        form = MeasureForm(
            organisations=organisations,
            parents=_parents(request.user, None),
            initial=origin.initial,
        )
    context = {
        "form": form,
        "measure": None,
        "origin_text": origin.text,
        "errors": form_error_summary(form, "id_title"),
    }
    return render(request, "measures/measure_form.html", context)


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk, Role.EDITOR)
    organisations = editable_organisations(request.user)
    if request.method == "POST":
        form = MeasureForm(
            request.POST,
            instance=measure,
            organisations=organisations,
            parents=_parents(request.user, measure),
        )
        if form.is_valid():
            try:
                services.update_measure(measure, request.user, **form.cleaned_data)
            except services.MeasureError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("The measure “%(title)s” is saved.") % {"title": measure.title}
                )
                return redirect("measures:detail", pk=measure.pk)
    else:
        form = MeasureForm(
            instance=measure,
            organisations=organisations,
            parents=_parents(request.user, measure),
        )
    context = {
        "form": form,
        "measure": measure,
        "origin_text": "",
        "errors": form_error_summary(form, "id_title"),
    }
    return render(request, "measures/measure_form.html", context)


def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a measure after a confirmation (POST); its parts stay."""
    measure = _measure(request, pk, Role.EDITOR)
    if request.method == "POST":
        land = measure.organisation.land
        title = measure.title
        services.delete_measure(measure, request.user)
        messages.success(request, _("The measure “%(title)s” is deleted.") % {"title": title})
        assert land is not None
        return redirect("measures:board", code=land.code)
    context = {
        "measure": measure,
        "parts": Measure.objects.filter(parent=measure).count(),
        "milestone_count": measure.milestones.count(),
    }
    return render(request, "measures/measure_delete.html", context)


def milestone(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a milestone to the measure, or mark one reached (POST ``milestone``)."""
    measure = _measure(request, pk, Role.EDITOR)
    form = MilestoneForm()
    if request.method == "POST":
        if "milestone" in request.POST:
            done_form = DoneForm(request.POST)
            if done_form.is_valid():
                row = measure.milestones.filter(pk=done_form.cleaned_data["milestone"]).first()
                if row is None:
                    raise Http404
                if done_form.cleaned_data["undo"]:
                    services.mark_milestone(row, request.user, done=None)
                    messages.success(
                        request,
                        _("The milestone “%(title)s” is marked as not reached.")
                        % {"title": row.title},
                    )
                else:
                    when = done_form.cleaned_data["done"] or timezone.localdate()
                    services.mark_milestone(row, request.user, done=when)
                    messages.success(
                        request, _("The milestone “%(title)s” is reached.") % {"title": row.title}
                    )
                return redirect("measures:detail", pk=measure.pk)
            messages.error(request, _("Enter the date in the form DD.MM.YYYY."))
            return redirect("measures:detail", pk=measure.pk)
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                services.add_milestone(
                    measure,
                    request.user,
                    title=form.cleaned_data["title"],
                    due=form.cleaned_data["due"],
                )
            except services.MeasureError as exc:
                form.add_error("title", str(exc))
            else:
                messages.success(
                    request,
                    _("The milestone “%(title)s” is added.")
                    % {"title": form.cleaned_data["title"].strip()},
                )
                return redirect("measures:detail", pk=measure.pk)
    context = {
        "measure": measure,
        "form": form,
        "milestones": list(measure.milestones.all()),
        "errors": form_error_summary(form, "id_title"),
    }
    return render(request, "measures/measure_milestone.html", context)
