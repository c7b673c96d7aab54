"""The pages with which an organisation fills in its IKÖ-Check (docs/assessment.md).

- ``index``: what the IKÖ-Check is, the questionnaire in force, the reader's own assessments.
- ``questionnaire``: a whole questionnaire version, to read and print (public).
- ``register``: an organisation outside the Land administration registers itself.
- ``start``, ``detail``, ``dimension``, ``evidence``, ``finish``, ``settings``: filling in.
- ``members``: an outside organisation's editors invite colleagues.

Who sees what follows :mod:`ikoe.assessment.models`: an assessment outside the reader's reach
answers 404, as if it did not exist; one the reader sees but may not change answers 403. Every
change goes through :mod:`ikoe.assessment.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import CheckboxSelectMultiple, RadioSelect
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ikoe.accounts.models import Membership, Role
from ikoe.accounts.scope import visible_lands
from ikoe.accounts.views import send_welcome
from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment import services
from ikoe.assessment.forms import (
    InviteForm,
    ItemForm,
    RegisterForm,
    SettingsForm,
    StartForm,
    email_taken,
    stamp,
)
from ikoe.assessment.models import ASSESSED_KINDS, Answer, Assessment, own_organisations
from ikoe.assessment.questionnaire import Dimension, Questionnaire
from ikoe.formats import fmt
from ikoe.forms import form_error_summary
from ikoe.organisations.models import Organisation
from ikoe.organisations.services import ensure_laender

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


SHARED_LISTED = 200
"""How many shared checks of other organisations the overview lists at most."""


def current_questionnaire() -> Questionnaire | None:
    """The questionnaire a new assessment uses, or ``None`` when none is shipped."""
    try:
        return questionnaires.load(questionnaires.current_version())
    except (LookupError, KeyError):
        return None


def assessable(user: Any, role: Role = Role.EDITOR) -> Any:
    """The organisations the user fills in the IKÖ-Check for (with ``role``)."""
    return Organisation.objects.filter(own_organisations(user, role), kind__in=ASSESSED_KINDS)


def _visible(request: HttpRequest, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.visible_to(request.user).select_related("organisation"), pk=pk
    )


def _own(request: HttpRequest, pk: int, role: Role = Role.VIEWER) -> Assessment:
    """An assessment of the reader's own organisations: 404 outside them, 403 without ``role``."""
    assessment = get_object_or_404(
        Assessment.objects.own(request.user).select_related("organisation"), pk=pk
    )
    if (
        role != Role.VIEWER
        and not Assessment.objects.own(request.user, role).filter(pk=pk).exists()
    ):
        raise PermissionDenied
    return assessment


def _can_edit(request: HttpRequest, assessment: Assessment) -> bool:
    return Assessment.objects.own(request.user, Role.EDITOR).filter(pk=assessment.pk).exists()


def _score(value: float | None) -> str:
    return "–" if value is None else fmt(value, 0)


# ---------------------------------------------------------------------------------------------
# Overview, questionnaire, registration


@dataclass(frozen=True)
class Row:
    assessment: Assessment
    answered: int | None
    total: int | None
    score: str

    @property
    def percent(self) -> str:
        if not self.total or self.answered is None:
            return ""
        return fmt(100 * self.answered / self.total, 0)


def index(request: HttpRequest) -> HttpResponse:
    found = current_questionnaire()
    rows: list[Row] = []
    can_start = False
    outside: list[Organisation] = []
    shared: list[Assessment] = []
    lands: list[Organisation] = []
    if request.user.is_authenticated:
        own = (
            Assessment.objects.own(request.user)
            .select_related("organisation")
            .order_by("organisation__name", "-started_at", "-pk")
        )
        for assessment in own:
            if assessment.finished:
                rows.append(Row(assessment, None, None, _score(assessment.overall_score)))
                continue
            try:
                result = services.scores(assessment)
            except services.AssessmentError:
                rows.append(Row(assessment, None, None, "–"))
                continue
            rows.append(Row(assessment, result.answered, result.total, "–"))
        editable = assessable(request.user)
        can_start = found is not None and editable.exists()
        outside = list(editable.filter(kind__in=Organisation.OUTSIDE_KINDS).order_by("name"))
        # Finished checks that other organisations shared with the reader's Land or the public.
        shared = list(
            Assessment.objects.visible_to(request.user)
            .filter(status=Assessment.Status.FINISHED)
            .exclude(pk__in=[r.assessment.pk for r in rows])
            .select_related("organisation")
            .order_by("organisation__name", "-finished_at")[:SHARED_LISTED]
        )
        lands = list(visible_lands(request.user, Role.COORDINATOR).order_by("name"))
    context = {
        "questionnaire": found,
        "item_count": len(list(found.items())) if found else 0,
        "drafts": [r for r in rows if not r.assessment.finished],
        "finished": [r for r in rows if r.assessment.finished],
        "can_start": can_start,
        "outside": outside,
        "shared": [Row(a, None, None, _score(a.overall_score)) for a in shared],
        "lands": lands,
    }
    return render(request, "assessment/index.html", context)


def questionnaire(request: HttpRequest, version: str) -> HttpResponse:
    try:
        found = questionnaires.load(version)
    except KeyError:
        raise Http404 from None
    current = current_questionnaire()
    return render(
        request,
        "assessment/questionnaire.html",
        {
            "questionnaire": found,
            "sections": _sections(found, found.dimensions),
            "is_current": current is not None and current.version == found.version,
            "versions": questionnaires.available_versions(),
        },
    )


def _sections(
    found: Questionnaire, dimensions: Any, sectors: Any = None
) -> list[tuple[Dimension, list[tuple[Any, str]]]]:
    """Per dimension its items (those of ``sectors``, or all), each with the name of its sector
    module ('' for a core item)."""
    labels = {s: str(t) for s, t in found.sectors}
    return [
        (
            d,
            [
                (i, labels.get(i.sector, "") if i.sector else "")
                for i in (d.items if sectors is None else d.items_for(sectors))
            ],
        )
        for d in dimensions
    ]


def _outside_code(land: Organisation) -> str:
    prefix = f"{land.code}-EXT-"
    taken = set(Organisation.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def _land(code: str) -> Organisation:
    land = Organisation.objects.filter(code=code, kind=Organisation.Kind.LAND).first()
    if land is None:
        ensure_laender()
        land = Organisation.objects.get(code=code, kind=Organisation.Kind.LAND)
    return land


def register(request: HttpRequest) -> HttpResponse:
    """An association, company or institution registers itself and its first editor."""
    if request.user.is_authenticated:
        messages.info(
            request,
            _("You are signed in already; sign out first to register another organisation."),
        )
        return redirect("assessment:index")
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            if email_taken(data["email"]):  # someone registered it in the meantime
                form.add_error("email", _("There is already an account with this e-mail address."))
            else:
                land = _land(data["land"])
                organisation = Organisation(
                    code=_outside_code(land),
                    name=data["name"].strip(),
                    kind=data["kind"],
                    parent=land,
                    size_class=data["size_class"],
                )
                organisation.full_clean()
                organisation.save()
                user = get_user_model()(
                    username=data["email"].lower(),
                    email=data["email"],
                    first_name=data["first_name"].strip(),
                    last_name=data["last_name"].strip(),
                )
                user.set_password(data["password1"])
                user.full_clean()
                user.save()
                membership = Membership(user=user, land=land, agency=organisation, role=Role.EDITOR)
                membership.full_clean()
                membership.save()
        if not form.errors:
            login(request, user, backend=LOGIN_BACKEND)
            messages.success(
                request,
                _(
                    "%(name)s is registered, and you are signed in as its editor. Start your "
                    "IKÖ-Check now."
                )
                % {"name": organisation.name},
            )
            return redirect("assessment:start")
    return render(
        request,
        "assessment/register.html",
        {"form": form, "errors": _summary(form, "id_name")},
    )


def _summary(form: Any, first: str = "") -> list[dict[str, str]]:
    """The error summary of a form (:func:`ikoe.forms.form_error_summary`); a group of radio
    buttons or checkboxes is reached through its first button."""
    items = form_error_summary(form, first)
    for name in form.errors:
        if name in form.fields and isinstance(form.fields[name].widget, _CHOICE_WIDGETS):
            label = f"{form[name].label}: "
            for item in items:
                if item["text"].startswith(label):
                    item["anchor"] = f"{form[name].auto_id}_0"
    return items


_CHOICE_WIDGETS = (RadioSelect, CheckboxSelectMultiple)


# ---------------------------------------------------------------------------------------------
# Starting and following an assessment


def start(request: HttpRequest) -> HttpResponse:
    found = current_questionnaire()
    organisations = assessable(request.user).order_by("name")
    drafts = list(
        Assessment.objects.filter(
            organisation__in=organisations, status=Assessment.Status.DRAFT
        ).select_related("organisation")
    )
    if found is None or not organisations.exists():
        return render(
            request,
            "assessment/start.html",
            {"form": None, "questionnaire": found, "drafts": drafts, "errors": []},
        )
    existing: Assessment | None = None
    if request.method == "POST":
        form = StartForm(request.POST, organisations=organisations, questionnaire=found)
        if form.is_valid():
            data = form.cleaned_data
            organisation = data["organisation"]
            existing = next((d for d in drafts if d.organisation_id == organisation.pk), None)
            if existing is not None:
                form.add_error(
                    "organisation",
                    _(
                        "%(name)s already has an IKÖ-Check in progress, started on %(date)s. "
                        "Continue it instead of starting a second one."
                    )
                    % {
                        "name": organisation.name,
                        "date": existing.started_at.strftime("%d.%m.%Y"),
                    },
                )
            else:
                try:
                    assessment = services.start(
                        organisation,
                        request.user,
                        sectors=data["sectors"],
                        size_class=data["size_class"],
                        target_level=data["target_level"],
                        version=found.version,
                    )
                except services.AssessmentError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(
                        request,
                        _("The IKÖ-Check of %(name)s is started.") % {"name": organisation.name},
                    )
                    return redirect("assessment:detail", pk=assessment.pk)
    else:
        chosen = organisations.filter(code=request.GET.get("organisation", "")).first()
        if chosen is None and len(organisations) == 1:
            chosen = organisations[0]
        initial: dict[str, Any] = {"target_level": 3}
        if chosen is not None:
            initial.update(organisation=chosen.code, size_class=chosen.size_class)
        form = StartForm(initial=initial, organisations=organisations, questionnaire=found)
    return render(
        request,
        "assessment/start.html",
        {
            "form": form,
            "questionnaire": found,
            "drafts": drafts,
            "existing": existing,
            "errors": _summary(form),
        },
    )


@dataclass(frozen=True)
class DimensionProgress:
    dimension: Dimension
    answered: int
    total: int
    last: Answer | None

    @property
    def percent(self) -> str:
        return fmt(100 * self.answered / self.total, 0) if self.total else ""


def _progress(
    assessment: Assessment, found: Questionnaire, answers: dict[str, Answer]
) -> list[DimensionProgress]:
    rows = []
    for dimension in found.dimensions:
        items = dimension.items_for(assessment.sectors)
        given = [answers[i.id] for i in items if i.id in answers]
        last = max(given, key=lambda a: a.updated_at, default=None)
        rows.append(DimensionProgress(dimension, len(given), len(items), last))
    return rows


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible(request, pk)
    is_own = Assessment.objects.own(request.user).filter(pk=pk).exists()
    try:
        found = services.questionnaire_of(assessment)
    except services.AssessmentError as exc:
        return render(
            request,
            "assessment/detail.html",
            {"assessment": assessment, "problem": str(exc), "is_own": is_own},
        )
    answers = services.answers_of(assessment)
    dimensions = _progress(assessment, found, answers)
    answered = sum(d.answered for d in dimensions)
    total = sum(d.total for d in dimensions)
    missing = [
        (d.dimension, item)
        for d in dimensions
        for item in d.dimension.items_for(assessment.sectors)
        if item.id not in answers
    ]
    return render(
        request,
        "assessment/detail.html",
        {
            "assessment": assessment,
            "questionnaire": found,
            "dimensions": dimensions,
            "answered": answered,
            "total": total,
            "percent": fmt(100 * answered / total, 0) if total else "",
            "not_applicable": sum(1 for a in answers.values() if a.level is None),
            "missing": missing,
            "is_own": is_own,
            "can_edit": is_own and _can_edit(request, assessment),
            "sector_labels": [str(found.sector_label(s)) for s in assessment.sectors],
            "overall": _score(assessment.overall_score),
            "band": found.band(assessment.overall_score)
            if assessment.overall_score is not None
            else None,
        },
    )


# ---------------------------------------------------------------------------------------------
# Answering the items of one dimension


def _item_summary(forms: list[ItemForm]) -> list[dict[str, str]]:
    items = []
    for form in forms:
        for name, errors in form.errors.items():
            anchor = form[name].auto_id if name in form.fields else f"item-{form.item.id}"
            if name == "level":
                anchor = f"{form['level'].auto_id}_0"
            label = form.fields[name].label if name in form.fields else ""
            for message in errors:
                where = f"{form.item.id} – {label}" if label else form.item.id
                items.append({"text": f"{where}: {message}", "anchor": anchor})
    return items


def dimension(request: HttpRequest, pk: int, dimension: str) -> HttpResponse:
    assessment = _own(request, pk, Role.EDITOR if request.method == "POST" else Role.VIEWER)
    try:
        found = services.questionnaire_of(assessment)
    except services.AssessmentError:
        return redirect("assessment:detail", pk=assessment.pk)  # which says what is wrong
    try:
        current = found.dimension(dimension)
    except KeyError:
        raise Http404 from None
    items = current.items_for(assessment.sectors)
    answers = {
        a.item_id: a
        for a in Answer.objects.filter(assessment=assessment, item_id__in=[i.id for i in items])
    }
    can_edit = not assessment.finished and _can_edit(request, assessment)
    order = [d.id for d in found.dimensions]
    position = order.index(current.id)
    following = found.dimensions[position + 1] if position + 1 < len(order) else None
    previous = found.dimensions[position - 1] if position > 0 else None
    conflicts: dict[str, Answer] = {}

    def forms_for(data: Any = None, files: Any = None) -> list[ItemForm]:
        return [
            ItemForm(
                data,
                files,
                item=item,
                answer=answers.get(item.id),
                assessment=assessment,
                questionnaire=found,
            )
            for item in items
        ]

    if request.method == "POST":
        if assessment.finished:
            messages.error(request, _("A finished assessment cannot be changed; start a new one."))
            return redirect("assessment:detail", pk=assessment.pk)
        forms = forms_for(request.POST, request.FILES)
        if all(f.is_valid() for f in forms):
            changes = [f for f in forms if f.wants_change(answers.get(f.item.id))]
            # Someone else changed an item after this form was loaded: keep both, ask again.
            for f in changes:
                stored = answers.get(f.item.id)
                if f.cleaned_data.get("loaded", "") != stamp(stored):
                    conflicts[f.item.id] = stored  # type: ignore[assignment]
            if conflicts:
                data = request.POST.copy()
                for item_id, stored in conflicts.items():
                    data[f"{item_id}-loaded"] = stamp(stored)
                forms = forms_for(data, request.FILES)
                for f in forms:
                    f.is_valid()
                    if f.item.id in conflicts:
                        f.add_error(
                            None,
                            _(
                                "Someone else changed this item while you were filling it in. "
                                "Their answer is shown above the form; your entry is kept in "
                                "the form. Save again to replace their answer with yours."
                            ),
                        )
            else:
                try:
                    with transaction.atomic():
                        for f in changes:
                            _save(assessment, f, request.user)
                except services.AssessmentError as exc:
                    messages.error(request, str(exc))
                else:
                    if changes:
                        messages.success(
                            request,
                            _("Saved: %(dimension)s.") % {"dimension": current.title},
                        )
                    else:
                        messages.info(request, _("Nothing was changed."))
                    if "next" in request.POST and following is not None:
                        return redirect(
                            "assessment:dimension", pk=assessment.pk, dimension=following.id
                        )
                    if "next" in request.POST:
                        return redirect("assessment:detail", pk=assessment.pk)
                    return redirect("assessment:dimension", pk=assessment.pk, dimension=current.id)
    else:
        forms = forms_for()
    answered = sum(1 for i in items if i.id in answers)
    return render(
        request,
        "assessment/dimension.html",
        {
            "assessment": assessment,
            "questionnaire": found,
            "dimension": current,
            "entries": [
                {
                    "form": f,
                    "item": f.item,
                    "sector": str(found.sector_label(f.item.sector)) if f.item.sector else "",
                    "stored": answers.get(f.item.id),
                    "conflict": f.item.id in conflicts,
                    "level": _level_text(found, f.item, answers.get(f.item.id)),
                }
                for f in forms
            ],
            "can_edit": can_edit,
            "answered": answered,
            "total": len(items),
            "following": following,
            "previous": previous,
            "errors": _item_summary(forms) if request.method == "POST" else [],
        },
    )


def _level_text(found: Questionnaire, item: Any, answer: Answer | None) -> str:
    """A stored answer in words: its level with the item's guidance, or not applicable."""
    if answer is None:
        return ""
    if answer.level is None:
        return _("Not applicable to our organisation")
    return f"{answer.level} – {found.scale[answer.level]}: {item.levels[answer.level]}"


def _save(assessment: Assessment, form: ItemForm, user: Any) -> None:
    data = form.cleaned_data
    if data.get("clear"):
        services.clear_answer(assessment, form.item.id)
        return
    services.answer(
        assessment,
        form.item.id,
        user,
        level=form.level_value,
        evidence_text=data.get("evidence_text") or "",
        evidence_link=data.get("evidence_link") or "",
        target_level=data.get("target_level"),
        evidence_file=data.get("evidence_file"),
        remove_file=bool(data.get("remove_file")),
    )


def evidence(request: HttpRequest, pk: int, item: str) -> FileResponse:
    assessment = _visible(request, pk)
    answer = Answer.objects.filter(assessment=assessment, item_id=item).first()
    if answer is None or not answer.evidence_file:
        raise Http404
    try:
        handle = answer.evidence_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=Path(str(answer.evidence_file.name)).name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _own(request, pk, Role.EDITOR)
    try:
        result = services.finish(assessment, request.user)
    except services.AssessmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The IKÖ-Check is finished. Overall score: %(score)s of 100.")
            % {"score": _score(result.overall)},
        )
    return redirect("assessment:detail", pk=assessment.pk)


def settings(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _own(request, pk, Role.EDITOR)
    found = services.questionnaire_of(assessment)
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        assessment=assessment,
        questionnaire=found,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.configure(
                assessment,
                sharing=data["sharing"],
                in_comparison=data["in_comparison"],
                target_level=None if assessment.finished else data["target_level"],
            )
        except services.AssessmentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The settings are saved."))
            return redirect("assessment:detail", pk=assessment.pk)
    return render(
        request,
        "assessment/settings.html",
        {"assessment": assessment, "form": form, "errors": _summary(form)},
    )


# ---------------------------------------------------------------------------------------------
# The members of an outside organisation


def members(request: HttpRequest, code: str) -> HttpResponse:
    organisation = (
        assessable(request.user)
        .filter(code=code, kind__in=Organisation.OUTSIDE_KINDS)
        .select_related("land")
        .first()
    )
    if organisation is None:
        raise Http404
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        users = get_user_model().objects
        with transaction.atomic():
            user = (
                users.filter(email__iexact=email).first()
                or users.filter(username__iexact=email).first()
            )
            created = user is None
            if user is None:
                user = users.model(
                    username=email.lower(),
                    email=email,
                    first_name=form.cleaned_data["first_name"].strip(),
                    last_name=form.cleaned_data["last_name"].strip(),
                )
                # Random until the colleague chooses a password through the welcome e-mail.
                user.set_password(get_random_string(48))
                user.full_clean()
                user.save()
            if Membership.objects.filter(user=user, agency=organisation).exists():
                form.add_error(
                    "email",
                    _("%(email)s is already a member of %(name)s.")
                    % {"email": email, "name": organisation.name},
                )
            else:
                membership = Membership(
                    user=user, land=organisation.land, agency=organisation, role=Role.EDITOR
                )
                membership.full_clean()
                membership.save()
        if not form.errors:
            if created:
                send_welcome(request, user, membership)
                messages.success(
                    request,
                    _(
                        "An account was created for %(email)s. An e-mail with a link to choose "
                        "a password was sent to that address."
                    )
                    % {"email": email},
                )
            else:
                messages.success(
                    request,
                    _("%(email)s can now fill in the IKÖ-Check of %(name)s as well.")
                    % {"email": email, "name": organisation.name},
                )
            return redirect(reverse("assessment:members", kwargs={"code": organisation.code}))
    memberships = (
        Membership.objects.filter(agency=organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    return render(
        request,
        "assessment/members.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "form": form,
            "errors": _summary(form, "id_email"),
        },
    )
