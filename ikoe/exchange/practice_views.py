"""The pages of one practice (docs/exchange.md, "The record" and "Review"): the record with its
state, review steps, completeness, attachments and similar practices; the form; the versions;
the review queue; the comparison of up to three practices.

A practice the reader may not see answers 404, as if it did not exist: published practices are
public, the others are read through the scope of their Land (``Practice.objects.visible_to``).
One the reader sees but may not change answers 403. Every save goes through
:func:`ikoe.exchange.services.save_practice`, every review step through
:mod:`ikoe.exchange.workflow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ikoe.accounts.models import Role
from ikoe.accounts.scope import RANK, land_grants, visible_organisations
from ikoe.exchange import completeness as completeness_mod
from ikoe.exchange import services, similar, vocab, workflow
from ikoe.exchange.models import Practice, PracticeAttachment, PracticeVersion, ReviewEvent
from ikoe.exchange.practice_forms import (
    MULTI_FIELDS,
    AttachmentForm,
    PracticeForm,
    StepForm,
)
from ikoe.exchange.services import SECTIONS
from ikoe.forms import form_error_summary
from ikoe.measures.anchoring import certainty_parts
from ikoe.organisations.models import Organisation
from ikoe.regions import DISPLAY_NAMES, FEDERAL

COMPARE_MAX = 3
"""Practices compared side by side at most."""
QUEUE_LIMIT = 200
"""Rows of each list of the review queue at most."""

CHOICE_FIELDS = vocab.SINGLE_FIELDS


# --- the record as rows ------------------------------------------------------------------------


@dataclass
class Row:
    """One field of the record as the pages show it: text in paragraphs (with certainty markers
    set apart), or a list of items (with links), or a note instead of the value."""

    key: str
    label: str
    paragraphs: list[list[tuple[str, bool]]] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    sign_in: bool = False

    @property
    def empty(self) -> bool:
        return not (self.paragraphs or self.items or self.note)


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row]


def _label(name: str) -> str:
    if name == "related":
        return _("related practices")
    return str(getattr(Practice._meta.get_field(name), "verbose_name", name))


def _text(key: str, label: str, value: str) -> Row:
    lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
    return Row(key, label, paragraphs=[certainty_parts(line) for line in lines])


def user_name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def region_label(code: str) -> str:
    return str(DISPLAY_NAMES.get(code, code))


def _value_row(name: str, content: Mapping[str, Any], user: Any) -> Row:
    label = _label(name)
    value = content.get(name)
    if name == "contact" and not getattr(user, "is_authenticated", False):
        if not value:
            return Row(name, label)
        return Row(name, label, note=_("Sign in to see the contact details."), sign_in=True)
    if name in CHOICE_FIELDS:
        return Row(
            name, label, items=[(vocab.label(CHOICE_FIELDS[name], value), "")] if value else []
        )
    if name in MULTI_FIELDS:
        items = []
        for code in value or []:
            url = ""
            if name == "dimensions":
                url = reverse("exchange:index") + f"?dimension={code}"
            items.append((vocab.label(MULTI_FIELDS[name], code), url))
        return Row(name, label, items=items)
    if name == "partners_migrant_org":
        return Row(name, label, items=[(_("yes") if value else _("no"), "")])
    if name in ("started", "ended"):
        if not value:
            return Row(name, label)
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return Row(name, label, items=[(date_format(day, "SHORT_DATE_FORMAT"), "")])
    if name == "keywords":
        words = [k.strip() for k in (value or "").split(";") if k.strip()]
        return Row(name, label, items=[(w, "") for w in words])
    if name == "evaluation_link":
        return Row(name, label, items=[(value, value)] if value else [])
    if name == "sources":
        return Row(name, label, items=source_items(value or ""))
    return _text(name, label, str(value or ""))


def source_items(text: str) -> list[tuple[str, str]]:
    """The sources (one a line or separated by ";"), each with its address if it is a link."""
    parts = [s.strip() for s in text.replace("\n", ";").split(";") if s.strip()]
    return [(p, p if p.startswith(("https://", "http://")) else "") for p in parts]


def _related_row(content: Mapping[str, Any], user: Any) -> Row:
    ids = content.get("related") or []
    shown = Practice.objects.visible_to(user).filter(pk__in=ids).order_by("title")
    items = [(p.title, reverse("exchange:practice-detail", args=[p.pk])) for p in shown]
    hidden = len(ids) - len(items)
    note = ""
    if hidden and not items:
        note = _("Only related practices you may not see.")
    return Row("related", _label("related"), items=items, note=note)


def record_sections(
    content: Mapping[str, Any], user: Any, practice: Practice | None = None
) -> list[Section]:
    """The record's sections with their rows, from a content dict (the current one or that of a
    version); with ``practice``, also the Land and organisation, and the state and dates."""
    sections: list[Section] = []
    for key, title, names in SECTIONS:
        rows: list[Row] = []
        if key == "identity":
            rows.append(
                Row("region_code", _("Land"), items=[(region_label(content["region_code"]), "")])
            )
            if practice is not None:
                org = practice.organisation
                rows.append(
                    Row(
                        "organisation",
                        _("submitted by (organisation)"),
                        items=[(org.name, "")] if org else [],
                    )
                )
        for name in names:
            if key == "identity" and name == "title":
                continue
            rows.append(
                _related_row(content, user)
                if name == "related"
                else _value_row(name, content, user)
            )
        if key == "meta" and practice is not None:
            rows.append(Row("state", _("state"), items=[(practice.get_state_display(), "")]))
            rows.append(
                Row(
                    "updated_at",
                    _("last update"),
                    items=[(date_format(localtime(practice.updated_at), "SHORT_DATE_FORMAT"), "")],
                )
            )
        sections.append(Section(key, str(title), rows))
    return sections


# --- reach ------------------------------------------------------------------------------------


def _practice(request: HttpRequest, pk: int) -> Practice:
    """The practice if the user sees it (published, or in the scope of its Land), else 404."""
    found = (
        Practice.objects.visible_to(request.user)
        .select_related("land", "organisation", "submitted_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _editable(request: HttpRequest, pk: int) -> Practice:
    practice = _practice(request, pk)
    if not workflow.may_edit(request.user, practice):
        raise PermissionDenied
    return practice


def editable_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations the user may submit practices for (of the Land administration)."""
    candidates = (
        visible_organisations(user, Role.EDITOR)
        .exclude(kind__in=Organisation.OUTSIDE_KINDS)
        .filter(land__isnull=False)
        .select_related("land")
    )
    ids = [o.pk for o in candidates if workflow.edits_organisation(user, o)]
    return Organisation.objects.filter(pk__in=ids).order_by("land__code", "code")


def _related_choices(user: Any, practice: Practice | None) -> QuerySet[Practice]:
    qs = Practice.objects.visible_to(user).order_by("title", "pk")
    if practice is not None and practice.pk:
        qs = qs.exclude(pk=practice.pk)
    return qs


# --- the record -------------------------------------------------------------------------------


def _banner(practice: Practice) -> str:
    where = practice.land.name if practice.land else str(DISPLAY_NAMES[FEDERAL])
    state = practice.state
    if state == Practice.State.PUBLISHED:
        if practice.published_at is None:
            return _("Published – visible to everyone, also without signing in.")
        return _("Published on %(date)s – visible to everyone, also without signing in.") % {
            "date": date_format(localtime(practice.published_at), "SHORT_DATE_FORMAT")
        }
    if state == Practice.State.SUBMITTED:
        return _("Submitted – the coordination of %(where)s checks the content.") % {"where": where}
    if state == Practice.State.REVIEWED:
        return _("Content checked by the coordination of %(where)s – not yet published.") % {
            "where": where
        }
    if state == Practice.State.RETURNED:
        return _(
            "Sent back for revision – the submitting organisation revises it and submits it again."
        )
    return _("Draft – not yet submitted for review.")


def _next_step(practice: Practice, actions: list[str], can_edit: bool) -> str:
    if ReviewEvent.Action.SUBMIT in actions:
        return _("complete the record, then submit it for review")
    if ReviewEvent.Action.REVIEW in actions:
        return _("check the content, then mark it as reviewed, publish it or send it back")
    if ReviewEvent.Action.PUBLISH in actions:
        return _("publish the practice or send it back")
    if ReviewEvent.Action.UNPUBLISH in actions:
        return _("keep the record up to date; withdraw the publication if it no longer holds")
    if practice.state in workflow.IN_REVIEW and not can_edit:
        return _("wait for the review by the coordination")
    return ""


def _action_label(action: str) -> str:
    labels = {
        ReviewEvent.Action.SUBMIT: _("Submit for review"),
        ReviewEvent.Action.REVIEW: _("Mark as reviewed"),
        ReviewEvent.Action.PUBLISH: _("Publish"),
        ReviewEvent.Action.RETURN: _("Send back for revision"),
        ReviewEvent.Action.UNPUBLISH: _("Withdraw the publication"),
        ReviewEvent.Action.COMMENT: _("Comment"),
    }
    return labels[ReviewEvent.Action(action)]


def _fmt_size(size: int) -> str:
    if size >= 1024 * 1024:
        return _("%(n)s MB") % {"n": f"{size / 1024 / 1024:.1f}".replace(".", ",")}
    return _("%(n)s KB") % {"n": max(1, round(size / 1024))}


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _practice(request, pk)
    user = request.user
    content = services.content_of(practice)
    sections = record_sections(content, user, practice)
    actions = workflow.actions_for(user, practice)
    can_edit = workflow.may_edit(user, practice)
    in_scope = workflow.in_scope(user, practice)
    events = list(practice.review_events.select_related("author"))
    matches = similar.similar(practice, user)
    version = practice.versions.order_by("-number").first()
    compare_ids = [practice.pk, *(m.practice.pk for m in matches[: COMPARE_MAX - 1])]
    attachments = list(practice.attachments.all())
    for a in attachments:
        a.shown_size = _fmt_size(a.size)  # type: ignore[attr-defined]
    context = {
        "practice": practice,
        "sections": sections,
        "sources": source_items(practice.sources),
        "state_text": _banner(practice),
        "next_step": _next_step(practice, actions, can_edit),
        "next_step_url": reverse("exchange:practice-edit", args=[practice.pk])
        if ReviewEvent.Action.SUBMIT in actions
        else "#review",
        "summary_row": next(r for r in sections[0].rows if r.key == "summary"),
        "events": [{"event": e, "who": user_name(e.author)} for e in events],
        "actions": [(a, _action_label(a)) for a in actions if a != ReviewEvent.Action.COMMENT],
        "can_comment": ReviewEvent.Action.COMMENT in actions,
        "can_edit": can_edit,
        "can_delete": workflow.may_delete(user, practice),
        "in_scope": in_scope,
        "completeness": completeness_mod.completeness(practice),
        "similar": matches,
        "compare_url": reverse("exchange:compare") + "?ids=" + ",".join(map(str, compare_ids)),
        "version": version,
        "submitter": user_name(practice.submitted_by),
        "region": region_label(practice.region_code),
        "attachments": attachments,
        "step_form": StepForm(),
    }
    return render(request, "exchange/practice_detail.html", context)


# --- the form ---------------------------------------------------------------------------------


def _form_context(form: PracticeForm, practice: Practice | None) -> dict[str, Any]:
    fieldsets = [
        (
            key,
            str(title),
            [form[name] for name in names if name in form.fields],
        )
        for key, title, names in SECTIONS
    ]
    return {
        "form": form,
        "practice": practice,
        "fieldsets": fieldsets,
        "multi": set(MULTI_FIELDS),
        "errors": _error_summary(form),
    }


def _error_summary(form: PracticeForm) -> list[dict[str, str]]:
    """The form's error summary; a group of checkboxes is linked to its fieldset (which has the
    field's id), since it has no single input to label."""
    items = form_error_summary(form, "id_title")
    fixed = []
    for item in items:
        if not item["anchor"]:
            for name in MULTI_FIELDS:
                if name in form.errors and item["text"].startswith(f"{form[name].label}:"):
                    item = {**item, "anchor": form[name].auto_id}
        fixed.append(item)
    return fixed


def _is_federal(user: Any) -> bool:
    need = RANK[Role.FEDERAL_COORDINATOR]
    return any(g.nationwide and g.rank >= need for g in land_grants(user))


def add(request: HttpRequest) -> HttpResponse:
    """A new practice of an organisation the user edits (the federal coordination also adds
    practices of the federal level); it starts as a draft."""
    user = request.user
    organisations = editable_organisations(user)
    federal = _is_federal(user)
    if not federal and not organisations.exists():
        raise PermissionDenied
    related = _related_choices(user, None)
    if request.method == "POST":
        form = PracticeForm(
            request.POST, organisations=organisations, federal=federal, related=related
        )
        if form.is_valid():
            practice: Practice = form.instance
            org = form.cleaned_data.get("organisation")
            if org is None:
                practice.land, practice.organisation, practice.region_code = None, None, FEDERAL
            else:
                practice.organisation = org
                practice.land = org.land
                assert org.land is not None
                practice.region_code = org.land.code
            practice.state = Practice.State.DRAFT
            services.save_practice(
                practice, user, note=_("created"), related=form.cleaned_data["related"]
            )
            messages.success(
                request,
                _("The practice “%(title)s” is saved as a draft.") % {"title": practice.title},
            )
            return redirect("exchange:practice-detail", pk=practice.pk)
    else:
        initial: dict[str, Any] = {}
        code = request.GET.get("organisation", "")
        if code:
            org = organisations.filter(code=code).first()
            if org is not None:
                initial["organisation"] = org
        form = PracticeForm(
            organisations=organisations, federal=federal, related=related, initial=initial
        )
    return render(request, "exchange/practice_form.html", _form_context(form, None))


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the record: each save that changes its content is kept as a new version."""
    practice = _editable(request, pk)
    user = request.user
    related = _related_choices(user, practice)
    if request.method == "POST":
        form = PracticeForm(request.POST, instance=practice, organisations=None, related=related)
        if form.is_valid():
            chosen = list(form.cleaned_data["related"])
            hidden = practice.related.exclude(pk__in=related.values("pk"))
            version = services.save_practice(practice, user, related=[*chosen, *hidden])
            if version is None:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(
                    request,
                    _("The practice is saved as version %(n)s.") % {"n": version.number},
                )
            return redirect("exchange:practice-detail", pk=practice.pk)
    else:
        form = PracticeForm(instance=practice, organisations=None, related=related)
    return render(request, "exchange/practice_form.html", _form_context(form, practice))


# --- the review -------------------------------------------------------------------------------

DONE = {
    ReviewEvent.Action.SUBMIT: _("The practice is submitted for review."),
    ReviewEvent.Action.REVIEW: _("The practice is marked as reviewed."),
    ReviewEvent.Action.PUBLISH: _("The practice is published."),
    ReviewEvent.Action.RETURN: _("The practice is sent back for revision."),
    ReviewEvent.Action.UNPUBLISH: _("The publication is withdrawn."),
    ReviewEvent.Action.COMMENT: _("The comment is saved."),
}


@require_POST
def action(request: HttpRequest, pk: int) -> HttpResponse:
    """One step of the review (``action``), with its comment or reason (``text``)."""
    practice = _practice(request, pk)
    form = StepForm(request.POST)
    target = reverse("exchange:practice-detail", args=[practice.pk]) + "#review"
    if not form.is_valid():
        messages.error(request, _("Unknown step."))
        return redirect(target)
    step = form.cleaned_data["action"]
    try:
        workflow.take(practice, request.user, step, form.cleaned_data["text"])
    except workflow.WorkflowError as exc:
        if exc.person:
            raise PermissionDenied(str(exc)) from exc
        messages.error(request, str(exc))
    else:
        messages.success(request, str(DONE[ReviewEvent.Action(step)]))
    return redirect(target)


def review_queue(request: HttpRequest) -> HttpResponse:
    """What waits for the reader: the practices to review (coordination of a Land: its Land;
    federal coordination: the federal level), the drafts and returned practices of the
    organisations they edit, and their own practices with their state."""
    user = request.user
    lands = {
        g.land_id
        for g in land_grants(user)
        if g.rank >= RANK[Role.COORDINATOR] and g.agency_id is None and not g.nationwide
    }
    to_review_q = Q(land__in=lands)
    if _is_federal(user):
        to_review_q |= Q(land__isnull=True)
    base = Practice.objects.select_related("land", "organisation")
    to_review = (
        base.filter(to_review_q, state__in=workflow.IN_REVIEW).order_by("updated_at", "pk")
        if lands or _is_federal(user)
        else base.none()
    )
    to_do = (
        Practice.objects.visible_to(user, Role.EDITOR)
        .select_related("land", "organisation")
        .filter(state__in=workflow.EDITABLE_BY_SUBMITTER, shipped=False)
        .order_by("-updated_at", "pk")
    )
    own_ids = PracticeVersion.objects.filter(number=1, author_id=user.pk).values("practice_id")
    own = (
        Practice.objects.visible_to(user)
        .select_related("land", "organisation")
        .filter(Q(submitted_by=user) | Q(pk__in=own_ids))
        .order_by("-updated_at", "pk")
    )

    def rows(qs: QuerySet[Practice]) -> dict[str, Any]:
        found = list(qs[: QUEUE_LIMIT + 1])
        shown = found[:QUEUE_LIMIT]
        for p in shown:
            p.score = completeness_mod.completeness(p).score  # type: ignore[attr-defined]
            p.region = region_label(p.region_code)  # type: ignore[attr-defined]
        return {"rows": shown, "more": len(found) > QUEUE_LIMIT}

    context = {
        "to_review": rows(to_review),
        "is_reviewer": bool(lands) or _is_federal(user),
        "to_do": rows(to_do),
        "own": rows(own),
        "can_add": _is_federal(user) or editable_organisations(user).exists(),
    }
    return render(request, "exchange/practice_review.html", context)


# --- versions ---------------------------------------------------------------------------------


def _in_scope(request: HttpRequest, pk: int) -> Practice:
    practice = _practice(request, pk)
    if not workflow.in_scope(request.user, practice):
        raise Http404  # the versions before publication are internal to the Land
    return practice


def versions(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _in_scope(request, pk)
    rows = []
    for v in practice.versions.select_related("author"):
        rows.append(
            {
                "version": v,
                "who": user_name(v.author),
                "state": str(dict(Practice.State.choices).get(v.state, v.state)),
                "changed": [_label(name) for name in v.changed_fields],
            }
        )
    return render(request, "exchange/practice_versions.html", {"practice": practice, "rows": rows})


def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    practice = _in_scope(request, pk)
    found = practice.versions.select_related("author").filter(number=number).first()
    if found is None:
        raise Http404
    sections = record_sections(found.content, request.user)
    changed = set(found.changed_fields)
    for s in sections:
        for row in s.rows:
            row.changed = row.key in changed  # type: ignore[attr-defined]
    context = {
        "practice": practice,
        "found": found,
        "who": user_name(found.author),
        "state": str(dict(Practice.State.choices).get(found.state, found.state)),
        "title": found.content.get("title", ""),
        "sections": sections,
        "latest": practice.versions.order_by("-number").values_list("number", flat=True).first(),
    }
    return render(request, "exchange/practice_version.html", context)


# --- attachments ------------------------------------------------------------------------------


def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """An attachment, for whoever sees its practice (404 otherwise)."""
    practice = _practice(request, pk)
    found = practice.attachments.filter(pk=attachment_pk).first()
    if found is None or not found.file:
        raise Http404
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=Path(str(found.file.name)).name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _editable(request, pk)
    if request.method == "POST":
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            PracticeAttachment.objects.create(
                practice=practice,
                title=form.cleaned_data["title"],
                file=upload,
                size=upload.size,
                uploaded_by_id=request.user.pk,
            )
            messages.success(
                request,
                _("The attachment “%(title)s” is added.") % {"title": form.cleaned_data["title"]},
            )
            return redirect(
                reverse("exchange:practice-detail", args=[practice.pk]) + "#attachments"
            )
    else:
        form = AttachmentForm()
    context = {
        "practice": practice,
        "form": form,
        "errors": form_error_summary(form, "id_title"),
    }
    return render(request, "exchange/practice_attachment.html", context)


@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    practice = _editable(request, pk)
    found = practice.attachments.filter(pk=attachment_pk).first()
    if found is None:
        raise Http404
    title = found.title
    found.file.delete(save=False)
    found.delete()
    messages.success(request, _("The attachment “%(title)s” is deleted.") % {"title": title})
    return redirect(reverse("exchange:practice-detail", args=[practice.pk]) + "#attachments")


# --- deleting a draft -------------------------------------------------------------------------


def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a draft after a confirmation (POST); submitted practices are kept (sent back or
    withdrawn instead)."""
    practice = _practice(request, pk)
    if not workflow.may_delete(request.user, practice):
        raise PermissionDenied
    if request.method == "POST":
        title = practice.title
        services.delete_practice(practice)
        messages.success(request, _("The draft “%(title)s” is deleted.") % {"title": title})
        return redirect("exchange:review")
    return render(
        request,
        "exchange/practice_delete.html",
        {"practice": practice, "versions": practice.versions.count()},
    )


# --- the comparison ---------------------------------------------------------------------------


def _compare_ids(raw: str) -> list[int] | None:
    ids: list[int] = []
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            return None
        if int(part) not in ids:
            ids.append(int(part))
    return ids


def compare(request: HttpRequest) -> HttpResponse:
    """Up to three practices side by side, field by field (``?ids=1,2,3``, or ``ids`` repeated
    as the search page's checkboxes send it)."""
    ids = _compare_ids(",".join(request.GET.getlist("ids")))
    problem = ""
    practices: list[Practice] = []
    table: list[dict[str, Any]] = []
    if ids is None:
        problem = _("The address names the practices by their numbers, separated by commas.")
    elif len(ids) > COMPARE_MAX:
        problem = _(
            "At most %(max)s practices can be compared side by side; you chose %(n)s. "
            "Open the comparison from fewer practices."
        ) % {"max": COMPARE_MAX, "n": len(ids)}
    elif len(ids) < 2:
        problem = _("Choose two or three practices to compare.")
    if ids and not problem:
        found = {
            p.pk: p
            for p in Practice.objects.visible_to(request.user)
            .select_related("land", "organisation")
            .filter(pk__in=ids)
        }
        if len(found) != len(ids):
            raise Http404
        practices = [found[i] for i in ids]
        per_practice = [record_sections(services.content_of(p), request.user, p) for p in practices]
        for i, section in enumerate(per_practice[0]):
            rows = []
            for j, row in enumerate(section.rows):
                cells = [sections[i].rows[j] for sections in per_practice]
                rows.append({"label": row.label, "cells": cells})
            table.append({"title": section.title, "key": section.key, "rows": rows})
        for p in practices:
            p.score = completeness_mod.completeness(p).score  # type: ignore[attr-defined]
    elif ids:
        practices = list(
            Practice.objects.visible_to(request.user).filter(pk__in=ids).order_by("title")
        )
    context = {
        "problem": problem,
        "practices": practices,
        "table": table,
        "max": COMPARE_MAX,
    }
    return render(request, "exchange/practice_compare.html", context)
