"""The pages with which an organisation fills in its IKÖ-Check (issue 14): overview,
questionnaire, registration of an outside organisation, start, overview of one assessment, the
form of a dimension with evidence files, finishing, settings and members; across two Länder and
with an agency-limited editor.

The pages run on the small questionnaire ``tests/data/assessment/2026.1.yaml`` (seven dimensions
of two core items each, and one item ``ser-edu`` of the sector module “education”), so that
every count below is known. Messages are checked by their codes or by where they point, not by
their wording, which the catalogue translates.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ikoe.accounts.models import Membership, Role
from ikoe.assessment import forms as assessment_forms
from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment import services
from ikoe.assessment.models import Answer, Assessment, DimensionScore
from ikoe.organisations.models import Organisation

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "assessment"
VERSION = "2026.1"
CORE = [f"{d[:3]}-{n}" for d in questionnaires.DIMENSION_IDS for n in (1, 2)]
PDF = b"%PDF-1.4\n% a tiny test file\n"


@pytest.fixture(autouse=True)
def small_questionnaire(monkeypatch, tmp_path):
    """The test questionnaire instead of the shipped ones; evidence files in a test folder."""
    load, versions = questionnaires.load, questionnaires.available_versions
    monkeypatch.setattr(questionnaires, "load", lambda version, directory=DATA: load(version, DATA))
    monkeypatch.setattr(questionnaires, "available_versions", lambda directory=DATA: versions(DATA))
    monkeypatch.setattr(
        questionnaires, "current_version", lambda directory=DATA: versions(DATA)[-1]
    )
    field = Answer._meta.get_field("evidence_file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=tmp_path / "evidence"))


def text(response) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def client_of(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def started(cast, code: str = "A-AGY", user: str = "editor_a", **kwargs) -> Assessment:
    return services.start(cast.orgs[code], cast.users[user], **kwargs)


def answer_all(assessment: Assessment, user, level: int | None = 3, skip=()) -> None:  # type: ignore[no-untyped-def]
    found = services.questionnaire_of(assessment)
    for item in found.items(assessment.sectors):
        if item.id not in skip:
            services.answer(assessment, item.id, user, level=level)


def finished(cast, sharing: str = Assessment.Sharing.PRIVATE, code: str = "A-AGY") -> Assessment:
    user = cast.users["editor_a"] if code == "A-AGY" else cast.users["coordinator_a"]
    assessment = services.start(cast.orgs[code], user)
    answer_all(assessment, user)
    services.finish(assessment, user)
    services.configure(assessment, sharing=sharing)
    return assessment


def strategy_post(levels: dict[str, str], **extra: object) -> dict[str, object]:
    """The form of the dimension "strategy" as posted: loaded stamps empty (no answers yet)."""
    data: dict[str, object] = {}
    for item in ("str-1", "str-2"):
        data[f"{item}-loaded"] = ""
        if item in levels:
            data[f"{item}-level"] = levels[item]
    data.update(extra)
    return data


# ---------------------------------------------------------------------------------------------
# The overview and the questionnaire


def test_the_overview_tells_the_public_how_to_take_part(client_anonymous):
    response = client_anonymous.get("/ikoe-check/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/ikoe-check/fragebogen/2026.1/"' in html
    assert 'href="/ikoe-check/registrieren/"' in html
    assert 'href="/login/?next=/ikoe-check/"' in html
    assert 'href="/ikoe-check/neu/"' not in html
    assert response.context["drafts"] == [] and response.context["finished"] == []
    # the main navigation names the IKÖ-Check on every page, for everyone
    home = client_anonymous.get("/").content.decode()
    assert 'href="/ikoe-check/"' in home


def test_the_overview_lists_a_members_own_drafts_with_progress_and_finished_ones(
    cast, client_editor_a, client_viewer_b, client_coordinator_a
):
    draft = started(cast)
    answer_all(draft, cast.users["editor_a"], skip=CORE[3:])  # 3 of 14
    done = finished(cast, code="A-AGY")
    response = client_editor_a.get("/ikoe-check/")
    html = response.content.decode()
    assert 'href="/ikoe-check/neu/"' in html
    (row,) = response.context["drafts"]
    assert row.assessment == draft and (row.answered, row.total) == (3, 14)
    assert row.percent == "21"
    assert '<progress max="14" value="3"' in html
    (row,) = response.context["finished"]
    assert row.assessment == done and row.score == "75"
    # Land B sees none of it; Land A's coordination does not see the agency's own checks.
    for client in (client_viewer_b, client_coordinator_a):
        response = client.get("/ikoe-check/")
        assert response.context["drafts"] == [] and response.context["finished"] == []
    assert 'href="/ikoe-check/neu/"' not in client_viewer_b.get("/ikoe-check/").content.decode()


def test_the_questionnaire_is_public_whole_and_marks_the_sector_modules(client_anonymous):
    response = client_anonymous.get("/ikoe-check/fragebogen/2026.1/")
    assert response.status_code == 200
    page = text(response)
    for item in [*CORE, "ser-edu"]:
        assert f"Frage {item} " in page
        assert f"Beispiel-Nachweis {item}" in page
    assert "str-1 Stufe 0: Beschreibung" in page and "str-1 Stufe 4: Beschreibung" in page
    html = response.content.decode()
    mark = html[html.index('id="q-ser-edu"') :]
    assert "Bildung" in mark[: mark.index("</article>")]
    for wrong in ("2099.1", "abc"):
        assert client_anonymous.get(f"/ikoe-check/fragebogen/{wrong}/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Scope: who sees which assessment


def status(client: Client, path: str, method: str = "get") -> int:
    return getattr(client, method)(path).status_code


def test_a_draft_is_seen_by_its_own_members_only(cast):
    draft = started(cast)
    path = f"/ikoe-check/{draft.pk}/"
    expected = {
        "editor_a": 200,
        "agency_viewer_a": 200,
        "agency_steward_a": 200,
        "coordinator_a": 404,  # an agency's draft is the agency's own
        "federal_coordinator": 404,
        "viewer_b": 404,
    }
    for username, code in expected.items():
        client = client_of(cast.users[username])
        assert status(client, path) == code, username
        assert status(client, f"{path}teil/strategy/") == code, username
    assert Client().get(path).status_code == 302  # anonymous: to the login page
    # Land A's own check is the coordination's, not Land B's.
    land = started(cast, "DE-BE", "coordinator_a")
    assert status(client_of(cast.users["coordinator_a"]), f"/ikoe-check/{land.pk}/") == 200
    assert status(client_of(cast.users["viewer_b"]), f"/ikoe-check/{land.pk}/") == 404
    assert status(client_of(cast.users["editor_a"]), f"/ikoe-check/{land.pk}/") == 404


def test_a_finished_check_is_seen_by_the_land_only_once_shared(cast):
    done = finished(cast)
    path = f"/ikoe-check/{done.pk}/"
    coordinator = client_of(cast.users["coordinator_a"])
    federal = client_of(cast.users["federal_coordinator"])
    viewer_b = client_of(cast.users["viewer_b"])
    assert [status(c, path) for c in (coordinator, federal, viewer_b)] == [404, 404, 404]
    services.configure(done, sharing=Assessment.Sharing.LAND)
    assert [status(c, path) for c in (coordinator, federal, viewer_b)] == [200, 200, 404]
    # seen, but not the own: no link to the answers, no settings
    response = coordinator.get(path)
    assert f'href="/ikoe-check/{done.pk}/teil/' not in response.content.decode()
    assert status(coordinator, f"{path}teil/strategy/") == 404
    assert status(coordinator, f"{path}einstellungen/") == 404
    services.configure(done, sharing=Assessment.Sharing.PUBLIC)
    assert status(viewer_b, path) == 200


def test_the_agency_editor_fills_in_the_own_agency_and_not_another(cast, client_editor_a):
    response = client_editor_a.get("/ikoe-check/neu/")
    assert [o.code for o in response.context["form"].fields["organisation"].queryset] == ["A-AGY"]
    refused = client_editor_a.post(
        "/ikoe-check/neu/", {"organisation": "A-AGY2", "target_level": "3"}
    )
    assert refused.status_code == 200 and "organisation" in refused.context["form"].errors
    assert not Assessment.objects.exists()
    response = client_editor_a.post(
        "/ikoe-check/neu/",
        {"organisation": "A-AGY", "sectors": ["education"], "target_level": "4"},
    )
    own = Assessment.objects.get(organisation__code="A-AGY")
    assert response.status_code == 302 and response["Location"] == f"/ikoe-check/{own.pk}/"
    assert own.sectors == ["education"] and own.target_level == 4
    assert own.started_by_name == "editor_a"
    # another agency's check: not there for the agency editor
    other = services.start(cast.orgs["A-AGY2"], cast.users["coordinator_a"])
    post = strategy_post({"str-1": "2"})
    assert client_editor_a.post(f"/ikoe-check/{other.pk}/teil/strategy/", post).status_code == 404
    assert client_editor_a.get(f"/ikoe-check/{other.pk}/").status_code == 404
    assert not Answer.objects.filter(assessment=other).exists()
    # the own one: saved
    saved = client_editor_a.post(f"/ikoe-check/{own.pk}/teil/strategy/", post)
    assert saved.status_code == 302
    assert Answer.objects.get(assessment=own, item_id="str-1").level == 2


def test_a_second_draft_of_the_same_organisation_is_not_started(cast, client_editor_a):
    draft = started(cast)
    response = client_editor_a.post(
        "/ikoe-check/neu/", {"organisation": "A-AGY", "target_level": "3"}
    )
    assert response.status_code == 200
    assert response.context["existing"] == draft
    assert f'href="/ikoe-check/{draft.pk}/"' in response.content.decode()
    assert Assessment.objects.count() == 1


def test_a_viewer_of_the_own_agency_reads_but_cannot_change(cast, client_agency_viewer_a):
    draft = started(cast)
    services.answer(draft, "str-1", cast.users["editor_a"], level=2, evidence_text="Leitbild 2024")
    response = client_agency_viewer_a.get(f"/ikoe-check/{draft.pk}/teil/strategy/")
    assert response.status_code == 200
    page = text(response)
    assert "Leitbild 2024" in page and "str-1 Stufe 2: Beschreibung" in page
    assert '<form method="post" enctype' not in response.content.decode()
    post = strategy_post({"str-1": "4"})
    assert (
        client_agency_viewer_a.post(f"/ikoe-check/{draft.pk}/teil/strategy/", post).status_code
        == 403
    )
    assert client_agency_viewer_a.post(f"/ikoe-check/{draft.pk}/abschliessen/").status_code == 403
    assert Answer.objects.get(assessment=draft, item_id="str-1").level == 2


# ---------------------------------------------------------------------------------------------
# Registering an outside organisation


REGISTRATION = {
    "name": "Verein Brücken e. V.",
    "kind": "association",
    "land": "DE-BE",
    "size_class": "1-49",
    "first_name": "Aylin",
    "last_name": "Demir",
    "email": "Aylin.Demir@bruecken.example",
    "password1": "lange-Brücke-über-die-Spree",
    "password2": "lange-Brücke-über-die-Spree",
}


def test_an_association_registers_starts_and_invites_a_colleague(cast, land_a):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/ikoe-check/registrieren/")
    assert page.status_code == 200
    names = page.context["form"].fields["land"].choices
    assert len(names) == 17 and ("DE-BY", "Bayern") in names  # the 16 Länder, and "choose"
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/ikoe-check/registrieren/", {**REGISTRATION, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == "/ikoe-check/neu/"
    org = Organisation.objects.get(name="Verein Brücken e. V.")
    assert (org.code, org.kind, org.parent, org.land, org.size_class) == (
        "DE-BE-EXT-1",
        "association",
        land_a,
        land_a,
        "1-49",
    )
    user = get_user_model().objects.get(email="Aylin.Demir@bruecken.example")
    assert user.username == "aylin.demir@bruecken.example" and user.get_full_name() == "Aylin Demir"
    (membership,) = Membership.objects.filter(user=user)
    assert (membership.land, membership.agency, membership.role) == (land_a, org, Role.EDITOR)
    # signed in: the start page offers the new organisation, with its size
    start = client.get("/ikoe-check/neu/")
    form = start.context["form"]
    assert [o.code for o in form.fields["organisation"].queryset] == ["DE-BE-EXT-1"]
    assert form.initial["size_class"] == "1-49"
    token = start.cookies.get("csrftoken", page.cookies["csrftoken"]).value
    client.post(
        "/ikoe-check/neu/",
        {"organisation": org.code, "target_level": "3", "csrfmiddlewaretoken": token},
    )
    assert Assessment.objects.get(organisation=org).size_class == "1-49"
    # invite a colleague: an account, an editor membership and the welcome e-mail
    members = f"/ikoe-check/organisation/{org.code}/mitglieder/"
    assert client.get(members).status_code == 200
    response = client.post(
        members,
        {
            "email": "jonas@bruecken.example",
            "first_name": "Jonas",
            "last_name": "Weber",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    colleague = get_user_model().objects.get(username="jonas@bruecken.example")
    assert Membership.objects.get(user=colleague).agency == org
    (message,) = mail.outbox
    assert message.to == ["jonas@bruecken.example"] and "/passwort/neu/" in message.body
    assert "Verein Brücken e. V." in message.body
    again = client.post(members, {"email": "JONAS@bruecken.example", "csrfmiddlewaretoken": token})
    assert again.status_code == 200 and "email" in again.context["form"].errors
    # a second registration in the same Land gets the next number
    other = Client()
    other.post(
        "/ikoe-check/registrieren/",
        {**REGISTRATION, "name": "Firma", "kind": "company", "email": "info@firma.example"},
    )
    assert Organisation.objects.get(name="Firma").code == "DE-BE-EXT-2"


def test_the_members_page_is_only_for_editors_of_an_outside_organisation(
    cast, client_editor_a, client_coordinator_a
):
    assert client_editor_a.get("/ikoe-check/organisation/A-AGY/mitglieder/").status_code == 404
    assert client_coordinator_a.get("/ikoe-check/organisation/DE-BE/mitglieder/").status_code == 404
    Client().post("/ikoe-check/registrieren/", REGISTRATION)
    path = "/ikoe-check/organisation/DE-BE-EXT-1/mitglieder/"
    assert client_coordinator_a.get(path).status_code == 404
    assert client_editor_a.get(path).status_code == 404


def test_registration_refuses_a_known_address_a_weak_password_and_missing_fields(
    cast, client_anonymous
):
    known = client_anonymous.post(
        "/ikoe-check/registrieren/", {**REGISTRATION, "email": "EDITOR_A@example.org"}
    )
    assert known.status_code == 200
    assert known.context["form"].errors.as_data()["email"][0].code == "taken"
    assert known.context["errors"][0]["anchor"] == "id_email"
    assert known.content.decode().count('id="error-summary"') == 1
    weak = client_anonymous.post(
        "/ikoe-check/registrieren/",
        {**REGISTRATION, "password1": "12345678", "password2": "12345678"},
    )
    codes = {e.code for e in weak.context["form"].errors.as_data()["password1"]}
    assert {"password_too_short", "password_entirely_numeric"} <= codes
    differ = client_anonymous.post(
        "/ikoe-check/registrieren/", {**REGISTRATION, "password2": "something-else-entirely"}
    )
    assert "password2" in differ.context["form"].errors
    empty = client_anonymous.post("/ikoe-check/registrieren/", {})
    anchors = {e["anchor"] for e in empty.context["errors"]}
    assert {"id_name", "id_kind_0", "id_land", "id_size_class_0", "id_email"} <= anchors
    wrong_kind = client_anonymous.post(
        "/ikoe-check/registrieren/", {**REGISTRATION, "kind": "agency"}
    )
    assert "kind" in wrong_kind.context["form"].errors
    assert not Organisation.objects.filter(code__contains="-EXT-").exists()
    assert not get_user_model().objects.filter(email=REGISTRATION["email"]).exists()


# ---------------------------------------------------------------------------------------------
# The form of one dimension


def test_saving_a_dimension_keeps_answers_and_takes_one_back(cast, client_editor_a):
    draft = started(cast)
    path = f"/ikoe-check/{draft.pk}/teil/strategy/"
    page = client_editor_a.get(path)
    assert page.status_code == 200
    assert len(page.context["entries"]) == 2
    html = page.content.decode()
    assert 'name="str-1-level" value="na"' in html and "Beispiel-Nachweis str-1" in html
    response = client_editor_a.post(
        path,
        strategy_post(
            {"str-1": "3", "str-2": "na"},
            **{
                "str-1-evidence_text": "Leitbild, beschlossen 2024",
                "str-1-evidence_link": "example.org/leitbild",
                "str-1-target_level": "4",
                "next": "1",
            },
        ),
    )
    assert response["Location"] == f"/ikoe-check/{draft.pk}/teil/organisation/"
    one = Answer.objects.get(assessment=draft, item_id="str-1")
    assert (one.level, one.evidence_text, one.evidence_link, one.target_level) == (
        3,
        "Leitbild, beschlossen 2024",
        "https://example.org/leitbild",
        4,
    )
    assert one.updated_by_name == "editor_a"
    assert Answer.objects.get(assessment=draft, item_id="str-2").level is None  # not applicable
    # the page shows the answers and who changed them
    page = client_editor_a.get(path)
    html = page.content.decode()
    assert re.search(r'value="3"[^>]*checked|checked[^>]*value="3"', html)
    assert "Leitbild, beschlossen 2024" in html
    # take one back: not answered again
    loaded = {
        f"{i}-loaded": page.context["entries"][n]["form"]["loaded"].value()
        for n, i in enumerate(("str-1", "str-2"))
    }
    client_editor_a.post(
        path,
        {
            **loaded,
            "str-1-level": "3",
            "str-2-level": "na",
            "str-2-clear": "on",
            "str-1-evidence_text": "Leitbild, beschlossen 2024",
            "str-1-evidence_link": "https://example.org/leitbild",
            "str-1-target_level": "4",
        },
    )
    assert list(Answer.objects.filter(assessment=draft).values_list("item_id", flat=True)) == [
        "str-1"
    ]
    # the last dimension goes on to the overview
    last = client_editor_a.post(
        f"/ikoe-check/{draft.pk}/teil/cooperation/",
        {"coo-1-loaded": "", "coo-2-loaded": "", "next": "1"},
    )
    assert last["Location"] == f"/ikoe-check/{draft.pk}/"
    # sector modules: only those chosen are asked
    assert client_editor_a.get(f"/ikoe-check/{draft.pk}/teil/services/").context["total"] == 2
    assert client_editor_a.get(f"/ikoe-check/{draft.pk}/teil/nothing/").status_code == 404


def test_saving_a_page_unchanged_does_not_claim_the_answers_of_others(cast, client_editor_a):
    draft = started(cast)
    steward = cast.users["agency_steward_a"]
    services.answer(draft, "str-1", steward, level=1)
    path = f"/ikoe-check/{draft.pk}/teil/strategy/"
    page = client_editor_a.get(path)
    stamp = page.context["entries"][0]["form"]["loaded"].value()
    assert stamp
    client_editor_a.post(
        path, {"str-1-loaded": stamp, "str-1-level": "1", "str-2-loaded": "", "str-2-level": "2"}
    )
    assert (
        Answer.objects.get(assessment=draft, item_id="str-1").updated_by_name == "agency_steward_a"
    )
    assert Answer.objects.get(assessment=draft, item_id="str-2").updated_by_name == "editor_a"
    # Someone else changes str-1 after the page was loaded: the stale form does not overwrite it.
    services.answer(draft, "str-1", steward, level=4)
    response = client_editor_a.post(
        path, {"str-1-loaded": stamp, "str-1-level": "2", "str-2-loaded": "", "str-2-level": "2"}
    )
    assert response.status_code == 200
    assert response.context["entries"][0]["conflict"]
    assert response.context["errors"][0]["anchor"] == "item-str-1"
    assert Answer.objects.get(assessment=draft, item_id="str-1").level == 4
    # saving again (now knowing the other answer) replaces it
    fresh = response.context["entries"][0]["form"]["loaded"].value()
    client_editor_a.post(
        path,
        {
            "str-1-loaded": fresh,
            "str-1-level": "2",
            "str-2-level": "2",
            "str-2-loaded": response.context["entries"][1]["form"]["loaded"].value(),
        },
    )
    assert Answer.objects.get(assessment=draft, item_id="str-1").level == 2


def test_evidence_without_a_level_is_refused_and_the_draft_values_are_kept(cast, client_editor_a):
    draft = started(cast)
    path = f"/ikoe-check/{draft.pk}/teil/strategy/"
    response = client_editor_a.post(
        path, strategy_post({"str-2": "4"}, **{"str-1-evidence_text": "Protokoll vom Mai"})
    )
    assert response.status_code == 200
    assert [e["anchor"] for e in response.context["errors"]] == ["id_str-1-level_0"]
    html = response.content.decode()
    assert "Protokoll vom Mai" in html
    assert re.search(r'name="str-2-level" value="4"[^>]*checked', html)
    assert not Answer.objects.filter(assessment=draft).exists()  # all or nothing
    bad_link = client_editor_a.post(
        path, strategy_post({"str-1": "1"}, **{"str-1-evidence_link": "nicht eine Adresse"})
    )
    assert "evidence_link" in bad_link.context["entries"][0]["form"].errors


def test_evidence_files_are_checked_stored_and_handed_out_within_scope(
    cast, client_editor_a, monkeypatch
):
    draft = started(cast)
    path = f"/ikoe-check/{draft.pk}/teil/strategy/"

    def post(upload):  # type: ignore[no-untyped-def]
        return client_editor_a.post(
            path, strategy_post({"str-1": "2"}, **{"str-1-evidence_file": upload})
        )

    wrong_type = post(SimpleUploadedFile("tool.exe", b"MZ\x90\x00"))
    assert (
        wrong_type.context["entries"][0]["form"].errors.as_data()["evidence_file"][0].code == "type"
    )
    assert "tool.exe" in wrong_type.context["errors"][0]["text"]
    disguised = post(SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf"))
    assert (
        disguised.context["entries"][0]["form"].errors.as_data()["evidence_file"][0].code
        == "content"
    )
    monkeypatch.setattr(assessment_forms, "EVIDENCE_MAX_BYTES", 16)
    too_big = post(SimpleUploadedFile("plan.pdf", PDF))
    assert too_big.context["entries"][0]["form"].errors.as_data()["evidence_file"][0].code == "size"
    assert not Answer.objects.filter(assessment=draft).exists()
    monkeypatch.setattr(assessment_forms, "EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
    assert post(SimpleUploadedFile("Leitbild 2024.pdf", PDF)).status_code == 302
    stored = Answer.objects.get(assessment=draft, item_id="str-1")
    assert stored.evidence_file.read() == PDF
    download = f"/ikoe-check/{draft.pk}/nachweis/str-1/"
    response = client_editor_a.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Leitbild" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    for name in ("viewer_b", "coordinator_a", "federal_coordinator"):
        assert client_of(cast.users[name]).get(download).status_code == 404, name
    assert client_of(cast.users["agency_viewer_a"]).get(download).status_code == 200
    assert client_editor_a.get(f"/ikoe-check/{draft.pk}/nachweis/str-2/").status_code == 404
    # shared with the Land after finishing: the coordination gets the file too
    answer_all(draft, cast.users["editor_a"], skip=("str-1",))
    services.finish(draft, cast.users["editor_a"])
    services.configure(draft, sharing=Assessment.Sharing.LAND)
    assert client_of(cast.users["coordinator_a"]).get(download).status_code == 200
    assert client_of(cast.users["viewer_b"]).get(download).status_code == 404


# ---------------------------------------------------------------------------------------------
# Finishing and settings


def test_finishing_is_refused_while_items_are_missing_and_stores_the_scores_when_complete(
    cast, client_editor_a
):
    draft = started(cast)
    answer_all(draft, cast.users["editor_a"], skip=("str-2", "coo-1"))
    detail = client_editor_a.get(f"/ikoe-check/{draft.pk}/")
    assert [item.id for _d, item in detail.context["missing"]] == ["str-2", "coo-1"]
    assert (detail.context["answered"], detail.context["total"]) == (12, 14)
    html = detail.content.decode()
    assert f'href="/ikoe-check/{draft.pk}/teil/strategy/#item-str-2"' in html
    assert f'action="/ikoe-check/{draft.pk}/abschliessen/"' not in html
    refused = client_editor_a.post(f"/ikoe-check/{draft.pk}/abschliessen/")
    assert refused.status_code == 302
    draft.refresh_from_db()
    assert not draft.finished and not DimensionScore.objects.exists()
    services.answer(draft, "str-2", cast.users["editor_a"], level=1)
    services.answer(draft, "coo-1", cast.users["editor_a"], level=None)
    detail = client_editor_a.get(f"/ikoe-check/{draft.pk}/")
    assert f'action="/ikoe-check/{draft.pk}/abschliessen/"' in detail.content.decode()
    # progress per dimension, n/a counted as answered, with who changed it last
    rows = {r.dimension.id: r for r in detail.context["dimensions"]}
    assert (rows["cooperation"].answered, rows["cooperation"].total) == (2, 2)
    assert rows["strategy"].last.updated_by_name == "editor_a"
    assert client_editor_a.get(f"/ikoe-check/{draft.pk}/abschliessen/").status_code == 405
    client_editor_a.post(f"/ikoe-check/{draft.pk}/abschliessen/")
    draft.refresh_from_db()
    assert draft.finished and draft.finished_by_name == "editor_a"
    # strategy (75 + 25) / 2 = 50, cooperation 75 (n/a left out), the other five 75
    scores = dict(DimensionScore.objects.filter(assessment=draft).values_list("dimension", "score"))
    assert scores["strategy"] == pytest.approx(50) and scores["cooperation"] == pytest.approx(75)
    assert draft.overall_score == pytest.approx((50 + 6 * 75) / 7)
    # a finished check's answers stay as they are
    post = strategy_post({"str-1": "0"})
    client_editor_a.post(f"/ikoe-check/{draft.pk}/teil/strategy/", post)
    assert Answer.objects.get(assessment=draft, item_id="str-1").level == 3


def test_settings_change_the_sharing_also_after_finishing(cast, client_editor_a, client_viewer_b):
    draft = started(cast)
    path = f"/ikoe-check/{draft.pk}/einstellungen/"
    assert client_editor_a.get(path).status_code == 200
    response = client_editor_a.post(path, {"sharing": "land", "target_level": "2"})
    assert response["Location"] == f"/ikoe-check/{draft.pk}/"
    draft.refresh_from_db()
    assert (draft.sharing, draft.in_comparison, draft.target_level) == ("land", False, 2)
    answer_all(draft, cast.users["editor_a"])
    services.finish(draft, cast.users["editor_a"])
    client_editor_a.post(path, {"sharing": "public", "in_comparison": "on", "target_level": "4"})
    draft.refresh_from_db()
    assert (draft.sharing, draft.in_comparison, draft.target_level) == ("public", True, 2)
    assert client_viewer_b.get(f"/ikoe-check/{draft.pk}/").status_code == 200
    assert client_viewer_b.get(path).status_code == 403  # not an editor anywhere
    bad = client_editor_a.post(path, {"sharing": "everyone"})
    assert bad.context["errors"][0]["anchor"] == "id_sharing_0"


def test_pages_for_members_only_send_the_public_to_sign_in(cast, client_anonymous):
    draft = started(cast)
    for path in (
        "/ikoe-check/neu/",
        f"/ikoe-check/{draft.pk}/",
        f"/ikoe-check/{draft.pk}/teil/strategy/",
        f"/ikoe-check/{draft.pk}/einstellungen/",
        f"/ikoe-check/{draft.pk}/nachweis/str-1/",
        "/ikoe-check/organisation/A-AGY/mitglieder/",
    ):
        response = client_anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path
    assert client_anonymous.post(f"/ikoe-check/{draft.pk}/abschliessen/").status_code == 302
