"""Programme consultations (resolution §2): the federal level involves the Länder early when it
develops its programmes (docs/exchange.md, "Programme consultations").

Who may do what:

- the **federal level** (federal coordinators, administrators) creates a consultation, changes it
  and its questions while it is a draft, opens it, and may extend the deadline of an open one;
  drafts are seen by the federal level only;
- every **Land-wide member** of a Land sees the open consultations; the Land's
  **coordinators** answer for their Land until the deadline (a date: answers are accepted through
  that whole day);
- before the deadline a Land sees its own answer only, and the federal level sees per Land
  whether it has answered – not what: Länder may change their answer until the deadline, so
  everyone reads the final answers, and all of them at the same time;
- after the deadline nothing changes; the federal level and every Land-wide member of any Land
  read the synthesis with every submitted answer;
- members limited to an agency or to an outside organisation, and the public, see no
  consultation at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.accounts.models import Membership, Role
from ikoe.accounts.scope import RANK, land_grants
from ikoe.exchange.models import (
    Consultation,
    ConsultationQuestion,
    LandResponse,
    QuestionAnswer,
)
from ikoe.organisations.models import Organisation
from ikoe.regions import LAENDER, display_name
from ikoe.reports.csv import spreadsheet_csv
from ikoe.reports.xlsx import Sheet, workbook_bytes

# The three parts of every answer that the resolution names, in the order of the form.
PARTS: tuple[tuple[str, Any], ...] = (
    ("local_structures", gettext_lazy("Structures in the Land")),
    ("programmes", gettext_lazy("Existing or tested programmes")),
    ("recommendations", gettext_lazy("Recommendations")),
)

# --- who may do what ------------------------------------------------------------------------------


def is_federal(user: Any) -> bool:
    """The federal level: a nationwide grant (federal coordinator, administrator, superuser)."""
    return any(g.nationwide for g in land_grants(user))


def member_lands(user: Any) -> set[int]:
    """The Länder of which the user is a Land-wide member (any role, not limited to an agency)."""
    return {g.land_id for g in land_grants(user) if g.land_id is not None and g.agency_id is None}


def answering_lands(user: Any) -> QuerySet[Organisation]:
    """The Länder the user answers for: those where they are a Land-wide coordinator. The
    federal level answers for no Land."""
    need = RANK[Role.COORDINATOR]
    ids = {
        g.land_id
        for g in land_grants(user)
        if g.land_id is not None and g.agency_id is None and g.rank >= need
    }
    return Organisation.objects.filter(kind=Organisation.Kind.LAND, pk__in=ids).order_by("code")


def may_see_consultations(user: Any) -> bool:
    """Whether the user sees consultations at all (the navigation entry, the list)."""
    return is_federal(user) or bool(member_lands(user))


def visible_consultations(user: Any) -> QuerySet[Consultation]:
    """Every consultation for the federal level; the open ones for Land-wide members; none else."""
    qs = Consultation.objects.all()
    if is_federal(user):
        return qs
    if member_lands(user):
        return qs.filter(state=Consultation.State.OPEN)
    return qs.none()


def consultation_or_404(user: Any, pk: int) -> Consultation:
    found = visible_consultations(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# --- state ---------------------------------------------------------------------------------------


def is_open(consultation: Consultation) -> bool:
    """Open and the deadline not passed: the Länder may answer."""
    return (
        consultation.state == Consultation.State.OPEN
        and timezone.localdate() <= consultation.deadline
    )


def is_closed(consultation: Consultation) -> bool:
    """Opened and the deadline passed: nothing changes any more, the synthesis is readable."""
    return (
        consultation.state == Consultation.State.OPEN
        and timezone.localdate() > consultation.deadline
    )


def is_draft(consultation: Consultation) -> bool:
    return consultation.state == Consultation.State.DRAFT


def phase(consultation: Consultation) -> str:
    """``draft``, ``open`` or ``closed``."""
    if is_draft(consultation):
        return "draft"
    return "closed" if is_closed(consultation) else "open"


def may_answer(user: Any, consultation: Consultation, land: Organisation) -> bool:
    return is_open(consultation) and answering_lands(user).filter(pk=land.pk).exists()


def may_read_synthesis(user: Any, consultation: Consultation) -> bool:
    return is_closed(consultation) and may_see_consultations(user)


def open_problems(consultation: Consultation) -> list[str]:
    """Why a draft cannot be opened yet (empty when it can)."""
    problems = []
    if not consultation.questions.exists():
        problems.append(_("Add at least one question."))
    if consultation.deadline < timezone.localdate():
        problems.append(_("Set a deadline that is today or later."))
    return problems


# --- changes -------------------------------------------------------------------------------------


def next_number(consultation: Consultation) -> int:
    last = consultation.questions.order_by("-number").first()
    return last.number + 1 if last else 1


def renumber(consultation: Consultation) -> None:
    """Number the questions 1, 2, … again after one was removed."""
    questions = list(consultation.questions.order_by("number", "pk"))
    with transaction.atomic():
        for i, q in enumerate(questions, start=1):
            if q.number != i:
                # through a free number, so the unique constraint holds on the way
                ConsultationQuestion.objects.filter(pk=q.pk).update(number=10_000 + i)
        for i, q in enumerate(questions, start=1):
            ConsultationQuestion.objects.filter(pk=q.pk).update(number=i)


def coordinator_addresses(land: Organisation) -> list[str]:
    """The e-mail addresses of the Land-wide coordinators of a Land."""
    memberships = Membership.objects.filter(
        land=land, agency__isnull=True, role=Role.COORDINATOR, user__is_active=True
    ).select_related("user")
    return sorted({m.user.email for m in memberships if m.user.email})


def open_consultation(consultation: Consultation, base_url: str = "") -> int:
    """Open a draft: its questions are fixed from now on. Each Land's coordinators get an e-mail;
    the number of e-mails sent is returned."""
    consultation.state = Consultation.State.OPEN
    consultation.opened_at = timezone.now()
    consultation.save(update_fields=["state", "opened_at"])
    link = base_url + reverse("exchange:consultation-detail", args=[consultation.pk])
    sent = 0
    for land in Organisation.objects.filter(kind=Organisation.Kind.LAND).order_by("code"):
        addresses = coordinator_addresses(land)
        if not addresses:
            continue
        subject = _("Consultation of the Länder: %(title)s") % {"title": consultation.title}
        text = "\n".join(
            [
                _(
                    "The federal level asks the Länder for their answer on the programme draft "
                    "“%(programme)s” (%(body)s)."
                )
                % {"programme": consultation.programme, "body": consultation.federal_body},
                "",
                _("Deadline: %(date)s. The coordination of %(land)s answers for the Land.")
                % {"date": consultation.deadline.strftime("%d.%m.%Y"), "land": land.name},
                "",
                link,
                "",
                _("This e-mail was sent automatically by the IKÖ-Monitor."),
            ]
        )
        try:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, addresses)
        except OSError:  # SMTP errors are OSErrors; opening does not depend on the mail
            continue
        sent += 1
    return sent


def response_of(consultation: Consultation, land: Organisation) -> LandResponse | None:
    return LandResponse.objects.filter(consultation=consultation, land=land).first()


def answers_of(response: LandResponse | None) -> dict[int, str]:
    """Question id → answer text."""
    if response is None:
        return {}
    return dict(response.answers.values_list("question_id", "text"))


@transaction.atomic
def save_response(
    user: Any,
    consultation: Consultation,
    land: Organisation,
    answers: dict[int, str],
    parts: dict[str, str],
    *,
    submit: bool,
) -> LandResponse:
    """Save a Land's answer; ``submit`` submits it (a submitted answer stays submitted)."""
    now = timezone.now()
    response, _created = LandResponse.objects.select_for_update().get_or_create(
        consultation=consultation, land=land
    )
    for name, _label in PARTS:
        setattr(response, name, parts.get(name, ""))
    response.updated_at, response.updated_by = now, user
    if submit and response.submitted_at is None:
        response.submitted_at, response.submitted_by = now, user
    response.save()
    for question in consultation.questions.all():
        QuestionAnswer.objects.update_or_create(
            response=response, question=question, defaults={"text": answers.get(question.pk, "")}
        )
    return response


# --- status and synthesis ------------------------------------------------------------------------


@dataclass
class LandRow:
    """One of the 16 Länder in a consultation: its organisation (if the platform has it), its
    answer and whether that answer is submitted."""

    code: str
    name: str
    response: LandResponse | None
    answers: dict[int, str]

    @property
    def submitted(self) -> bool:
        return self.response is not None and self.response.submitted_at is not None

    @property
    def status(self) -> str:
        if self.submitted:
            return _("submitted")
        if self.response is not None:
            return _("draft saved, not submitted")
        return _("no answer yet")


def land_rows(consultation: Consultation) -> list[LandRow]:
    """The 16 Länder in the official order, each with its answer (submitted or not)."""
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(kind=Organisation.Kind.LAND, code__in=list(LAENDER))
    }
    responses = {
        r.land.code: r
        for r in LandResponse.objects.filter(consultation=consultation).select_related(
            "land", "submitted_by"
        )
    }
    answers: dict[int, dict[int, str]] = {}
    for response_id, question_id, text in QuestionAnswer.objects.filter(
        response__consultation=consultation
    ).values_list("response_id", "question_id", "text"):
        answers.setdefault(response_id, {})[question_id] = text
    rows = []
    for code in LAENDER:
        response = responses.get(code)
        org = orgs.get(code)
        rows.append(
            LandRow(
                code=code,
                name=org.name if org else display_name(code),
                response=response,
                answers=answers.get(response.pk, {}) if response else {},
            )
        )
    return rows


@dataclass
class Topic:
    """A question or one of the three parts, with every Land's submitted answer to it
    (``None``: no answer)."""

    key: str
    heading: str
    guidance: str
    answers: list[tuple[LandRow, str | None]]

    @property
    def answered(self) -> int:
        return sum(1 for _row, text in self.answers if text)


def synthesis(consultation: Consultation) -> tuple[list[LandRow], list[Topic]]:
    """Per question and per part every Land's submitted answer; drafts count as no answer."""
    rows = land_rows(consultation)
    topics = []
    for q in consultation.questions.all():
        topics.append(
            Topic(
                f"q{q.number}",
                _("Question %(number)s: %(text)s") % {"number": q.number, "text": q.text},
                q.guidance,
                [
                    (r, (r.answers.get(q.pk) or "").strip() or None if r.submitted else None)
                    for r in rows
                ],
            )
        )
    for name, label in PARTS:
        topics.append(
            Topic(
                name,
                str(label),
                "",
                [
                    (r, getattr(r.response, name).strip() or None if r.submitted else None)
                    for r in rows
                ],
            )
        )
    return rows, topics


def export_table(consultation: Consultation) -> tuple[list[str], list[list[Any]]]:
    """One row per Land: its status, when it submitted, its answer to each question, the parts."""
    questions = list(consultation.questions.all())
    header = [
        _("Land code"),
        _("Land"),
        _("Status"),
        _("Submitted on"),
        *[
            _("Question %(number)s: %(text)s") % {"number": q.number, "text": q.text}
            for q in questions
        ],
        *[str(label) for _name, label in PARTS],
    ]
    table = []
    for r in land_rows(consultation):
        if r.submitted:
            assert r.response is not None and r.response.submitted_at is not None
            when = timezone.localtime(r.response.submitted_at).strftime("%Y-%m-%d %H:%M")
            cells = [r.answers.get(q.pk, "") for q in questions] + [
                getattr(r.response, name) for name, _label in PARTS
            ]
            table.append([r.code, r.name, _("submitted"), when, *cells])
        else:
            blank = [""] * (len(questions) + len(PARTS))
            table.append([r.code, r.name, _("no answer given"), "", *blank])
    return header, table


def export_csv(consultation: Consultation) -> bytes:
    """UTF-8 with a byte-order mark and ``;``, as German spreadsheets open it."""
    header, table = export_table(consultation)
    return spreadsheet_csv(header, table)


def export_xlsx(consultation: Consultation) -> bytes:
    header, table = export_table(consultation)
    return workbook_bytes([Sheet(_("Answers"), header, table)])
