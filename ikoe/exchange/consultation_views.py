"""The pages of the programme consultations (docs/exchange.md, "Programme consultations").

The permission map admits logged-in users; each view decides with
:mod:`ikoe.exchange.consultations`: a consultation the user may not see answers 404 (members
limited to an agency or an outside organisation see none), an action the user may see but not
take answers 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ikoe.exchange import consultations as logic
from ikoe.exchange.consultation_forms import (
    AnswerForm,
    ConsultationForm,
    DeadlineForm,
    QuestionForm,
)
from ikoe.exchange.models import Consultation, ConsultationQuestion
from ikoe.forms import form_error_summary
from ikoe.organisations.models import Organisation
from ikoe.reports.download import download


def _federal_only(request: HttpRequest) -> None:
    if not logic.is_federal(request.user):
        raise PermissionDenied


def _base(request: HttpRequest, consultation: Consultation) -> dict[str, Any]:
    """What every page of one consultation shows: its phase for the status banner."""
    return {
        "consultation": consultation,
        "phase": logic.phase(consultation),
        "is_federal": logic.is_federal(request.user),
    }


def consultation_list(request: HttpRequest) -> HttpResponse:
    if not logic.may_see_consultations(request.user):
        raise Http404
    rows = [(c, logic.phase(c)) for c in logic.visible_consultations(request.user)]
    context = {
        "rows": rows,
        "is_federal": logic.is_federal(request.user),
        "answering": list(logic.answering_lands(request.user)),
    }
    return render(request, "exchange/consultation_list.html", context)


def consultation_add(request: HttpRequest) -> HttpResponse:
    _federal_only(request)
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        consultation = form.save(commit=False)
        consultation.created_by = request.user
        consultation.save()
        messages.success(
            request,
            _("The consultation is saved as a draft. Next step: add the questions to the Länder."),
        )
        return redirect("exchange:consultation-questions", pk=consultation.pk)
    context = {
        "form": form,
        "consultation": None,
        "errors": form_error_summary(form, "id_title"),
    }
    return render(request, "exchange/consultation_form.html", context)


def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft: every field. An open consultation before its deadline: the deadline only."""
    consultation = logic.consultation_or_404(request.user, pk)
    _federal_only(request)
    if logic.is_closed(consultation):
        raise PermissionDenied
    form: ConsultationForm | DeadlineForm
    if logic.is_draft(consultation):
        form = ConsultationForm(request.POST or None, instance=consultation)
    else:
        form = DeadlineForm(
            request.POST or None,
            current=consultation.deadline,
            initial={"deadline": consultation.deadline},
        )
    if request.method == "POST" and form.is_valid():
        if isinstance(form, ConsultationForm):
            form.save()
            messages.success(request, _("The consultation is saved."))
        else:
            consultation.deadline = form.cleaned_data["deadline"]
            consultation.save(update_fields=["deadline"])
            messages.success(
                request,
                _("The deadline is now %(date)s.")
                % {"date": consultation.deadline.strftime("%d.%m.%Y")},
            )
        return redirect("exchange:consultation-detail", pk=consultation.pk)
    first = "id_title" if isinstance(form, ConsultationForm) else "id_deadline"
    context = {
        **_base(request, consultation),
        "form": form,
        "errors": form_error_summary(form, first),
    }
    return render(request, "exchange/consultation_form.html", context)


def consultation_questions(request: HttpRequest, pk: int) -> HttpResponse:
    """The questions of a draft: add one, change one (``?question=<id>``), remove one."""
    consultation = logic.consultation_or_404(request.user, pk)
    _federal_only(request)
    if not logic.is_draft(consultation):
        raise PermissionDenied  # once opened, the questions are fixed
    question: ConsultationQuestion | None = None
    chosen = request.POST.get("question") or request.GET.get("question")
    if chosen:
        question = consultation.questions.filter(pk=chosen).first()
        if question is None:
            raise Http404
    if request.method == "POST" and request.POST.get("action") == "remove" and question:
        question.delete()
        logic.renumber(consultation)
        messages.success(request, _("The question is removed."))
        return redirect("exchange:consultation-questions", pk=consultation.pk)
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if question is None:
            saved.consultation = consultation
            saved.number = logic.next_number(consultation)
        saved.save()
        messages.success(request, _("Question %(number)s is saved.") % {"number": saved.number})
        return redirect("exchange:consultation-questions", pk=consultation.pk)
    context = {
        **_base(request, consultation),
        "questions": list(consultation.questions.all()),
        "question": question,
        "form": form,
        "errors": form_error_summary(form, "id_text"),
    }
    return render(request, "exchange/consultation_questions.html", context)


def consultation_open(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = logic.consultation_or_404(request.user, pk)
    _federal_only(request)
    if not logic.is_draft(consultation):
        raise PermissionDenied
    problems = logic.open_problems(consultation)
    if request.method == "POST" and not problems:
        sent = logic.open_consultation(consultation, request.build_absolute_uri("/")[:-1])
        messages.success(
            request,
            _(
                "The consultation is open; the questions are fixed now. E-mails sent to the "
                "coordination of %(n)s Länder."
            )
            % {"n": sent},
        )
        return redirect("exchange:consultation-detail", pk=consultation.pk)
    context = {
        **_base(request, consultation),
        "problems": problems,
        "questions": list(consultation.questions.all()),
    }
    return render(request, "exchange/consultation_open.html", context)


def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The programme draft, the questions, and – before the deadline – the status of each Land
    for the federal level and the own Land's answer for a Land's members."""
    consultation = logic.consultation_or_404(request.user, pk)
    user = request.user
    federal = logic.is_federal(user)
    rows = logic.land_rows(consultation) if not logic.is_draft(consultation) else []
    member = logic.member_lands(user)
    answering = {land.pk for land in logic.answering_lands(user)}
    own = []
    for land in Organisation.objects.filter(pk__in=member).order_by("code"):
        response = logic.response_of(consultation, land)
        answers = logic.answers_of(response)
        own.append(
            {
                "land": land,
                "response": response,
                "answers": [(q, answers.get(q.pk, "")) for q in consultation.questions.all()],
                "parts": [
                    (label, getattr(response, name) if response else "")
                    for name, label in logic.PARTS
                ],
                "may_answer": land.pk in answering and logic.is_open(consultation),
            }
        )
    context = {
        **_base(request, consultation),
        "questions": list(consultation.questions.all()),
        "status_rows": rows if federal else [],
        "submitted": sum(1 for r in rows if r.submitted),
        "total": len(rows),
        "own": own,
        "can_read_synthesis": logic.may_read_synthesis(user, consultation),
    }
    return render(request, "exchange/consultation_detail.html", context)


def consultation_answer(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """A Land's coordinator answers for the Land: save a draft, submit, change until the
    deadline."""
    consultation = logic.consultation_or_404(request.user, pk)
    if logic.is_draft(consultation):
        raise Http404
    land = logic.answering_lands(request.user).filter(code=code).first()
    if land is None:
        raise PermissionDenied
    if not logic.is_open(consultation):
        raise PermissionDenied  # after the deadline nothing changes
    questions = list(consultation.questions.all())
    response = logic.response_of(consultation, land)
    submitted = response is not None and response.submitted_at is not None
    submit = request.method == "POST" and (submitted or request.POST.get("action") == "submit")
    if request.method == "POST":
        form = AnswerForm(request.POST, questions=questions, submit=submit)
        if form.is_valid():
            logic.save_response(
                request.user, consultation, land, form.answers(), form.parts(), submit=submit
            )
            date = consultation.deadline.strftime("%d.%m.%Y")
            if submit:
                text = _("The answer of %(land)s is submitted. It can be changed until %(date)s.")
            else:
                text = _(
                    "The draft of %(land)s is saved, not submitted yet. Next step: submit it "
                    "by %(date)s."
                )
            messages.success(request, text % {"land": land.name, "date": date})
            return redirect("exchange:consultation-detail", pk=consultation.pk)
    else:
        initial: dict[str, str] = {}
        answers = logic.answers_of(response)
        for q in questions:
            initial[f"q{q.pk}"] = answers.get(q.pk, "")
        for name, _label in logic.PARTS:
            initial[name] = getattr(response, name) if response else ""
        form = AnswerForm(initial=initial, questions=questions)
    first = f"id_q{questions[0].pk}" if questions else "id_local_structures"
    context = {
        **_base(request, consultation),
        "land": land,
        "form": form,
        "response": response,
        "submitted": submitted,
        "errors": form_error_summary(form, first),
    }
    return render(request, "exchange/consultation_answer.html", context)


def consultation_synthesis(request: HttpRequest, pk: int) -> HttpResponse:
    """After the deadline: every Land's submitted answer per question and per Land, with counts."""
    consultation = logic.consultation_or_404(request.user, pk)
    if not logic.may_read_synthesis(request.user, consultation):
        raise Http404
    rows, topics = logic.synthesis(consultation)
    questions = list(consultation.questions.all())
    lands = [
        {
            "row": r,
            "answers": [(q, (r.answers.get(q.pk) or "").strip()) for q in questions],
            "parts": [
                (label, getattr(r.response, name).strip() if r.response else "")
                for name, label in logic.PARTS
            ],
        }
        for r in rows
        if r.submitted
    ]
    context = {
        **_base(request, consultation),
        "rows": rows,
        "topics": topics,
        "lands": lands,
        "answered": sum(1 for r in rows if r.submitted),
        "total": len(rows),
        "missing": [r for r in rows if not r.submitted],
    }
    return render(request, "exchange/consultation_synthesis.html", context)


def consultation_export(request: HttpRequest, pk: int, fmt: str = "csv") -> HttpResponse:
    consultation = logic.consultation_or_404(request.user, pk)
    if not logic.may_read_synthesis(request.user, consultation):
        raise Http404
    if fmt == "xlsx":
        return download(logic.export_xlsx(consultation), f"konsultation-{consultation.pk}.xlsx")
    return download(logic.export_csv(consultation), f"konsultation-{consultation.pk}.csv")
