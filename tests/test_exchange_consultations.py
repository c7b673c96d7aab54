"""Programme consultations: the federal level asks, each Land's coordination answers until the
deadline, and after it everyone with a Land-wide membership reads the synthesis."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from ikoe.accounts.models import Membership, Role
from ikoe.exchange import consultations as logic
from ikoe.exchange.models import Consultation, ConsultationQuestion, LandResponse
from ikoe.ingest.xlsx import read_first_sheet
from ikoe.organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The pages in English: the German texts reach the catalogue with T_exchange-consultations.py
    (the anchoring tests read English the same way)."""
    settings.LANGUAGE_CODE = "en"


def url(name: str, *args: object) -> str:
    return reverse(f"exchange:{name}", args=args)


def today():
    return timezone.localdate()


def create_and_open(client) -> Consultation:
    """The federal coordination creates a consultation with two questions and opens it."""
    response = client.post(
        url("consultation-add"),
        {
            "title": "Konsultation Bundesprogramm Vielfalt",
            "programme": "Bundesprogramm Vielfalt in der Verwaltung",
            "federal_body": "Bundesministerium des Innern",
            "description": "Das Programm fördert die interkulturelle Öffnung der Verwaltungen.",
            "deadline": (today() + timedelta(days=14)).isoformat(),
        },
    )
    consultation = Consultation.objects.get()
    assert response["Location"] == url("consultation-questions", consultation.pk)
    for text in ("Welche Strukturen gibt es?", "Was empfehlen Sie?"):
        response = client.post(url("consultation-questions", consultation.pk), {"text": text})
        assert response.status_code == 302
    assert list(consultation.questions.values_list("number", "text")) == [
        (1, "Welche Strukturen gibt es?"),
        (2, "Was empfehlen Sie?"),
    ]
    response = client.post(url("consultation-open", consultation.pk))
    assert response["Location"] == url("consultation-detail", consultation.pk)
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.OPEN
    assert consultation.opened_at is not None
    return consultation


def answer_data(consultation: Consultation, prefix: str, action: str = "submit") -> dict:
    q1, q2 = consultation.questions.all()
    return {
        f"q{q1.pk}": f"{prefix}: Antwort auf Frage 1",
        f"q{q2.pk}": f"{prefix}: Antwort auf Frage 2",
        "local_structures": f"{prefix}: Integrationsbeauftragte",
        "programmes": f"{prefix}: Landesprogramm erprobt",
        "recommendations": f"={prefix}: Empfehlung",
        "action": action,
    }


def close(consultation: Consultation) -> None:
    Consultation.objects.filter(pk=consultation.pk).update(deadline=today() - timedelta(days=1))


@pytest.fixture
def coordinator_b(cast, land_b):
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_user(
        "coordinator_b", "coordinator_b@example.org", cast.password
    )
    Membership.objects.create(user=user, role=Role.COORDINATOR, land=land_b)
    client = Client()
    client.force_login(user)
    return client


def test_the_whole_flow_from_draft_to_synthesis(
    client_federal, client_coordinator_a, coordinator_b, client_viewer_b, land_a, land_b
):
    consultation = create_and_open(client_federal)
    # the coordination of each Land got an e-mail with the link
    assert sorted(m.to[0] for m in mail.outbox) == [
        "coordinator_a@example.org",
        "coordinator_b@example.org",
    ]
    assert url("consultation-detail", consultation.pk) in mail.outbox[0].body

    answer = url("consultation-answer", consultation.pk, "DE-BE")
    # Land A saves a draft with a gap, then submits
    draft = answer_data(consultation, "Land A", "save")
    draft[next(k for k in draft if k.startswith("q"))] = ""
    assert client_coordinator_a.post(answer, draft).status_code == 302
    response = LandResponse.objects.get(land=land_a)
    assert response.submitted_at is None
    # submitting needs every question answered
    page = client_coordinator_a.post(answer, {**draft, "action": "submit"})
    assert page.status_code == 200
    assert "Answer the question before submitting" in page.content.decode()
    assert client_coordinator_a.post(answer, answer_data(consultation, "Land A")).status_code == 302
    response.refresh_from_db()
    assert response.submitted_at is not None
    assert response.submitted_by.username == "coordinator_a"
    # Land B answers
    b_answer = url("consultation-answer", consultation.pk, "DE-HH")
    assert coordinator_b.post(b_answer, answer_data(consultation, "Land B")).status_code == 302
    # Land A may change its answer until the deadline; it stays submitted
    changed = answer_data(consultation, "Land A")
    changed["programmes"] = "Land A: geändert"
    assert client_coordinator_a.post(answer, changed).status_code == 302
    response.refresh_from_db()
    assert response.programmes == "Land A: geändert" and response.submitted_at is not None

    # before the deadline: Land B sees its own answer, not Land A's; no synthesis yet
    detail = url("consultation-detail", consultation.pk)
    page = coordinator_b.get(detail).content.decode()
    assert "Land B: Antwort auf Frage 1" in page
    assert "Land A: Antwort auf Frage 1" not in page
    assert "Land A: Antwort" not in client_viewer_b.get(detail).content.decode()
    for client in (coordinator_b, client_viewer_b, client_federal, client_coordinator_a):
        assert client.get(url("consultation-synthesis", consultation.pk)).status_code == 404
        assert client.get(url("consultation-export", consultation.pk)).status_code == 404
    # the federal level sees who has submitted, not what
    page = client_federal.get(detail).content.decode()
    assert "2 of 16 Länder have submitted their answer." in page
    assert "Land A: Antwort" not in page
    # Land B cannot answer for Land A
    assert coordinator_b.get(answer).status_code == 403

    # after the deadline: everyone Land-wide reads both answers side by side
    close(consultation)
    synthesis = url("consultation-synthesis", consultation.pk)
    for client in (client_federal, client_coordinator_a, coordinator_b, client_viewer_b):
        page = client.get(synthesis)
        assert page.status_code == 200
        text = page.content.decode()
        assert "Answered by 2 of 16 Länder." in text
        assert "Land A: Antwort auf Frage 1" in text
        assert "Land B: Antwort auf Frage 2" in text
        assert "no answer given" in text  # the 14 Länder without an answer, in words
    # nothing changes after the deadline
    late = answer_data(consultation, "Land A")
    late["recommendations"] = "zu spät"
    assert client_coordinator_a.post(answer, late).status_code == 403
    assert client_coordinator_a.get(answer).status_code == 403
    response.refresh_from_db()
    assert response.recommendations == "=Land A: Empfehlung"
    # neither can the deadline be extended once it has passed
    edit = client_federal.post(
        url("consultation-edit", consultation.pk),
        {"deadline": (today() + timedelta(days=5)).isoformat()},
    )
    assert edit.status_code == 403


def test_the_csv_export_has_a_row_per_land_with_the_answers(
    client_federal, client_coordinator_a, client_viewer_b
):
    consultation = create_and_open(client_federal)
    answer = url("consultation-answer", consultation.pk, "DE-BE")
    client_coordinator_a.post(answer, answer_data(consultation, "Land A"))
    close(consultation)

    response = client_viewer_b.get(url("consultation-export", consultation.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Land code",
        "Land",
        "Status",
        "Submitted on",
        "Question 1: Welche Strukturen gibt es?",
        "Question 2: Was empfehlen Sie?",
        "Structures in the Land",
        "Existing or tested programmes",
        "Recommendations",
    ]
    assert len(rows) == 17  # the header and the 16 Länder
    by_code = {r[0]: r for r in rows[1:]}
    berlin = by_code["DE-BE"]
    assert berlin[1:3] == ["Land A", "submitted"]
    assert berlin[4:] == [
        "Land A: Antwort auf Frage 1",
        "Land A: Antwort auf Frage 2",
        "Land A: Integrationsbeauftragte",
        "Land A: Landesprogramm erprobt",
        "'=Land A: Empfehlung",  # spreadsheet-safe: no formula
    ]
    assert by_code["DE-HH"][1:] == ["Land B", "no answer given", "", "", "", "", "", ""]
    assert by_code["DE-BY"][1] == "Bavaria"  # a Land the platform has no organisation of

    xlsx = client_federal.get(url("consultation-export-xlsx", consultation.pk))
    values = read_first_sheet(xlsx.content, "konsultation.xlsx").rows()
    assert values[0][4] == "Question 1: Welche Strukturen gibt es?"
    berlin_row = next(row for row in values if row[0] == "DE-BE")
    assert berlin_row[8] == "=Land A: Empfehlung"  # text, never a formula


def test_questions_are_fixed_once_the_consultation_is_open(client_federal):
    consultation = create_and_open(client_federal)
    q1 = consultation.questions.get(number=1)
    questions = url("consultation-questions", consultation.pk)

    assert client_federal.get(questions).status_code == 403
    assert client_federal.post(questions, {"text": "Noch eine Frage?"}).status_code == 403
    assert (
        client_federal.post(questions, {"question": q1.pk, "action": "remove"}).status_code == 403
    )
    assert consultation.questions.count() == 2
    # the draft's fields are fixed too: the edit form takes the deadline only, and only later
    edit = url("consultation-edit", consultation.pk)
    earlier = client_federal.post(edit, {"deadline": today().isoformat(), "title": "Neu"})
    assert earlier.status_code == 200
    assert "can only be extended" in earlier.content.decode()
    later = (today() + timedelta(days=30)).isoformat()
    assert client_federal.post(edit, {"deadline": later, "title": "Neu"}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.deadline.isoformat() == later
    assert consultation.title == "Konsultation Bundesprogramm Vielfalt"
    assert client_federal.post(url("consultation-open", consultation.pk)).status_code == 403


def test_questions_of_a_draft_can_be_changed_and_removed(client_federal):
    consultation = Consultation.objects.create(
        title="T", programme="P", federal_body="B", description="D", deadline=today()
    )
    for n, text in enumerate(["Eins?", "Zwei?", "Drei?"], start=1):
        ConsultationQuestion.objects.create(consultation=consultation, number=n, text=text)
    first = consultation.questions.get(number=1)
    questions = url("consultation-questions", consultation.pk)

    client_federal.post(questions, {"question": first.pk, "action": "remove"})
    second = consultation.questions.get(text="Zwei?")
    client_federal.post(questions, {"question": second.pk, "text": "Zwei, geändert?"})

    assert list(consultation.questions.values_list("number", "text")) == [
        (1, "Zwei, geändert?"),
        (2, "Drei?"),
    ]


def test_a_draft_without_questions_or_with_a_past_deadline_cannot_be_opened(client_federal):
    consultation = Consultation.objects.create(
        title="T",
        programme="P",
        federal_body="B",
        description="D",
        deadline=today() - timedelta(days=1),
    )

    page = client_federal.post(url("consultation-open", consultation.pk))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Add at least one question." in text
    assert "Set a deadline that is today or later." in text
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.DRAFT


def test_the_add_form_shows_an_error_summary(client_federal):
    page = client_federal.post(url("consultation-add"), {"title": ""})

    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="error-summary"' in text
    assert 'href="#id_title"' in text
    assert not Consultation.objects.exists()


def test_drafts_are_seen_by_the_federal_level_only(
    client_federal, client_staff_admin, client_coordinator_a, client_viewer_b
):
    consultation = Consultation.objects.create(
        title="Entwurf X", programme="P", federal_body="B", description="D", deadline=today()
    )
    detail = url("consultation-detail", consultation.pk)

    assert client_federal.get(detail).status_code == 200
    assert client_staff_admin.get(detail).status_code == 200
    assert client_coordinator_a.get(detail).status_code == 404
    assert client_viewer_b.get(detail).status_code == 404
    assert "Entwurf X" not in client_coordinator_a.get(url("consultations")).content.decode()
    assert "Entwurf X" in client_federal.get(url("consultations")).content.decode()


def test_only_the_federal_level_creates_and_opens(client_coordinator_a, client_viewer_b):
    assert client_coordinator_a.get(url("consultation-add")).status_code == 403
    assert client_viewer_b.post(url("consultation-add"), {"title": "x"}).status_code == 403


def test_agency_members_outside_organisations_and_the_public_see_no_consultation(
    client_federal,
    client_editor_a,
    client_agency_viewer_a,
    client_anonymous,
    client_viewer_b,
    cast,
    land_a,
):
    consultation = create_and_open(client_federal)
    close(consultation)
    pages = [
        url("consultations"),
        url("consultation-detail", consultation.pk),
        url("consultation-synthesis", consultation.pk),
        url("consultation-export", consultation.pk),
    ]
    for page in pages:
        assert client_editor_a.get(page).status_code == 404, page
        assert client_agency_viewer_a.get(page).status_code == 404, page
        anonymous = client_anonymous.get(page)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    # the agency editor cannot answer (the map asks for the coordinator role)
    answer = url("consultation-answer", consultation.pk, "DE-BE")
    assert client_editor_a.get(answer).status_code == 403
    # an outside organisation's coordinator reaches nothing
    from django.contrib.auth import get_user_model
    from django.test import Client

    association = Organisation.objects.create(
        code="A-VEREIN", name="Verein A", kind=Organisation.Kind.ASSOCIATION, parent=land_a
    )
    user = get_user_model().objects.create_user("verein", "v@example.org", cast.password)
    Membership.objects.create(user=user, role=Role.COORDINATOR, land=land_a, agency=association)
    outside = Client()
    outside.force_login(user)
    for page in pages:
        assert outside.get(page).status_code == 404, page
    assert not logic.may_see_consultations(user)
    # the navigation offers the consultations to Land-wide members only
    assert 'href="/austausch/konsultationen/"' in client_viewer_b.get("/").content.decode()
    assert 'href="/austausch/konsultationen/"' not in client_editor_a.get("/").content.decode()


def test_viewer_b_sees_the_synthesis_only_after_the_deadline_and_cannot_answer(
    client_federal, client_viewer_b
):
    consultation = create_and_open(client_federal)
    synthesis = url("consultation-synthesis", consultation.pk)

    assert client_viewer_b.get(url("consultation-detail", consultation.pk)).status_code == 200
    assert client_viewer_b.get(synthesis).status_code == 404
    # a viewer is not the Land's coordinator (the map refuses before the view)
    assert (
        client_viewer_b.get(url("consultation-answer", consultation.pk, "DE-HH")).status_code == 403
    )
    close(consultation)
    page = client_viewer_b.get(synthesis)
    assert page.status_code == 200
    assert "Answered by 0 of 16 Länder." in page.content.decode()


def test_the_federal_level_does_not_answer_for_a_land(client_federal):
    consultation = create_and_open(client_federal)

    response = client_federal.get(url("consultation-answer", consultation.pk, "DE-BE"))

    assert response.status_code == 403


def test_the_status_banner_names_the_state_and_deadline(client_federal, client_coordinator_a):
    consultation = create_and_open(client_federal)
    with translation.override("en"):
        deadline = date_format(consultation.deadline, "DATE_FORMAT")

    page = client_coordinator_a.get(url("consultation-detail", consultation.pk)).content.decode()

    assert f"Open until {deadline}" in page
    assert "Answer for Land A" in page
    close(consultation)
    page = client_coordinator_a.get(url("consultation-detail", consultation.pk)).content.decode()
    assert "<strong>Closed</strong>" in page
    assert "Read the synthesis of all answers" in page
