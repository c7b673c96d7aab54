"""The pages of a practice record (ikoe/exchange/practice_views.py): creating and changing it with
its versions, the detail page, attachments within scope, the comparison; completeness and similar
practices computed by hand."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from ikoe.exchange import completeness, similar, workflow
from ikoe.exchange.models import Practice, PracticeAttachment
from tests.test_exchange_workflow import detail, make_practice

pytestmark = pytest.mark.django_db

State = Practice.State

FORM = {
    "title": "Interkulturelle Öffnung der Feuerwehr",
    "summary": "Werbung in Migrantenorganisationen, Vorbereitungskurse für den Sporttest.",
    "language": "de",
    "level": "land",
    "lead_body": "Landesfeuerwehrschule",
    "lead_type": "agency",
    "status": "running",
    "cost_band": "low",
    "evaluation": "none",
    "licence": "CC BY 4.0",
    "dimensions": ["personnel", "services"],
    "measure_types": ["recruitment"],
    "sectors": ["security"],
    "keywords": "Feuerwehr; Nachwuchs",
    "sources": "https://example.org/bericht [nicht verifiziert]",
    "certainty": "[nicht verifiziert]",
    "goals": "20 % mehr Bewerbungen [nicht verifiziert]",
}


def publish(practice: Practice, coordinator: Any) -> None:
    Practice.objects.filter(pk=practice.pk).update(state=State.SUBMITTED)
    practice.refresh_from_db()
    workflow.publish(practice, coordinator)


# --- creating and changing --------------------------------------------------------------------


def test_the_agency_editor_creates_a_draft_for_an_organisation_in_scope(
    cast, agency_a, client_editor_a
):
    page = client_editor_a.get(reverse("exchange:practice-add"))
    choices = page.context["form"].fields["organisation"].queryset
    assert {o.code for o in choices} == {"A-AGY", "A-UNIT"}

    response = client_editor_a.post(
        reverse("exchange:practice-add"), {**FORM, "organisation": agency_a.pk}
    )

    practice = Practice.objects.get()
    assert response["Location"] == detail(practice)
    assert practice.state == State.DRAFT
    assert (practice.organisation, practice.land, practice.region_code) == (
        agency_a,
        cast.orgs["DE-BE"],
        "DE-BE",
    )
    assert practice.dimensions == ["personnel", "services"]
    assert practice.measure_types_mask == 1
    version = practice.versions.get()
    assert version.number == 1 and version.author == cast.users["editor_a"]


def test_an_organisation_outside_scope_is_refused(cast, agency_a2, client_editor_a):
    response = client_editor_a.post(
        reverse("exchange:practice-add"), {**FORM, "organisation": agency_a2.pk}
    )

    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Practice.objects.exists()


def test_the_form_names_its_errors_in_the_summary(cast, agency_a, client_editor_a):
    data = {**FORM, "organisation": agency_a.pk, "title": "", "dimensions": []}
    data["started"], data["ended"] = "2024-05-01", "2023-01-01"

    response = client_editor_a.post(reverse("exchange:practice-add"), data)

    anchors = [e["anchor"] for e in response.context["errors"]]
    assert anchors == ["id_title", "id_dimensions", "id_ended"]
    assert 'id="error-summary"' in response.content.decode()


def test_viewers_and_other_laender_cannot_add(client_agency_viewer_a, client_anonymous):
    assert client_agency_viewer_a.get(reverse("exchange:practice-add")).status_code == 403
    assert client_anonymous.get(reverse("exchange:practice-add")).status_code == 302


def test_the_federal_coordination_adds_a_practice_of_the_federal_level(cast, client_federal):
    response = client_federal.post(
        reverse("exchange:practice-add"), {**FORM, "organisation": "", "level": "bund"}
    )

    practice = Practice.objects.get()
    assert response["Location"] == detail(practice)
    assert (practice.land, practice.organisation, practice.region_code) == (None, None, "DE-BUND")


def test_each_change_is_a_version_with_its_changed_fields(
    cast, agency_a, editor_a, client_editor_a
):
    practice = make_practice(agency_a, editor_a, sources="https://example.org")
    url = reverse("exchange:practice-edit", args=[practice.pk])
    form = client_editor_a.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "related"}
    data["started"], data["ended"] = "", ""

    client_editor_a.post(url, {**data, "goals": "30 Einstellungen im Jahr"})
    client_editor_a.post(url, {**data, "goals": "30 Einstellungen im Jahr"})  # no change

    versions = list(practice.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].changed_fields == ["goals"]
    assert versions[0].content["goals"] == ""
    page = client_editor_a.get(reverse("exchange:practice-versions", args=[practice.pk]))
    assert page.context["rows"][0]["changed"] == [gettext("goals (in numbers where possible)")]
    old = client_editor_a.get(reverse("exchange:practice-version", args=[practice.pk, 1]))
    assert old.status_code == 200
    assert old.context["title"] == practice.title


def test_who_may_edit_in_which_state(
    cast, agency_a, editor_a, coordinator_a, client_editor_a, client_coordinator_a
):
    practice = make_practice(agency_a, editor_a)
    url = reverse("exchange:practice-edit", args=[practice.pk])
    assert client_editor_a.get(url).status_code == 200
    workflow.submit(practice, editor_a)

    assert client_editor_a.get(url).status_code == 403  # submitted: the coordination edits
    assert client_coordinator_a.get(url).status_code == 200
    publish(practice, coordinator_a)
    assert client_coordinator_a.get(url).status_code == 200  # also published, as a new version


def test_shipped_practices_are_read_only(cast, agency_a, client_coordinator_a, client_federal):
    practice = make_practice(agency_a, shipped=True)
    for client in (client_coordinator_a, client_federal):
        assert client.get(reverse("exchange:practice-edit", args=[practice.pk])).status_code == 403
        url = reverse("exchange:practice-attachment-add", args=[practice.pk])
        assert client.get(url).status_code == 403


def test_only_drafts_are_deleted(cast, agency_a, editor_a, client_editor_a):
    practice = make_practice(agency_a, editor_a)
    kept = make_practice(agency_a, editor_a, title="Eingereicht")
    workflow.submit(kept, editor_a)

    url = reverse("exchange:practice-delete", args=[kept.pk])
    assert client_editor_a.post(url).status_code == 403
    response = client_editor_a.post(reverse("exchange:practice-delete", args=[practice.pk]))
    assert response["Location"] == reverse("exchange:review")
    assert list(Practice.objects.values_list("pk", flat=True)) == [kept.pk]


# --- the detail page --------------------------------------------------------------------------


def test_the_detail_page_shows_every_section_with_links_and_markers(
    cast, agency_a, editor_a, coordinator_a, client_anonymous
):
    other = make_practice(agency_a, title="Verwandte Praxis", dimensions=["personnel"])
    publish(other, coordinator_a)
    practice = make_practice(
        agency_a,
        editor_a,
        dimensions=["personnel", "services"],
        goals="20 % mehr Bewerbungen [nicht verifiziert]",
        sources="https://example.org/bericht; Jahresbericht 2023",
    )
    practice.related.set([other])
    publish(practice, coordinator_a)

    page = client_anonymous.get(detail(practice))
    html = page.content.decode()

    assert [s.key for s in page.context["sections"]] == [
        "identity",
        "classification",
        "content",
        "resources",
        "results",
        "transfer",
        "meta",
    ]
    search = reverse("exchange:index")
    assert f'href="{search}?dimension=personnel"' in html
    assert f'href="{search}?dimension=services"' in html
    assert '<mark class="certainty">[nicht verifiziert]</mark>' in html
    assert 'href="https://example.org/bericht"' in html and "Jahresbericht 2023" in html
    assert f'href="{detail(other)}"' in html  # the related practice, and a similar one
    assert page.context["similar"][0].practice == other
    assert f"?ids={practice.pk},{other.pk}" in html
    assert 'class="source-box"' in html
    missing = [name for name, _label in page.context["completeness"].missing]
    assert "starting_point" in missing and "dimensions" not in missing


# --- attachments ------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n% test\n"


def upload(client: Any, practice: Practice, name: str, content: bytes) -> Any:
    url = reverse("exchange:practice-attachment-add", args=[practice.pk])
    return client.post(url, {"title": "Konzept", "file": SimpleUploadedFile(name, content)})


def test_attachments_are_uploaded_checked_and_served_within_scope(
    cast, agency_a, editor_a, coordinator_a, client_editor_a, client_viewer_b, client_anonymous
):
    practice = make_practice(agency_a, editor_a)

    refused = upload(client_editor_a, practice, "konzept.pdf", b"MZ not a pdf")
    assert refused.status_code == 200 and refused.context["errors"]
    assert upload(client_editor_a, practice, "konzept.exe", PDF).status_code == 200
    assert upload(client_editor_a, practice, "konzept.pdf", PDF).status_code == 302
    attachment = PracticeAttachment.objects.get()
    assert attachment.size == len(PDF)
    url = reverse("exchange:practice-attachment", args=[practice.pk, attachment.pk])

    response = client_editor_a.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert client_viewer_b.get(url).status_code == 404
    assert client_anonymous.get(url).status_code == 404
    assert upload(client_viewer_b, practice, "x.pdf", PDF).status_code == 403  # not an editor

    publish(practice, coordinator_a)
    assert client_anonymous.get(url).status_code == 200
    # an attachment is only reached through its own practice
    other = make_practice(agency_a, title="Andere")
    publish(other, coordinator_a)
    wrong = reverse("exchange:practice-attachment", args=[other.pk, attachment.pk])
    assert client_anonymous.get(wrong).status_code == 404


def test_an_attachment_over_10_mb_is_refused(cast, agency_a, editor_a, client_editor_a):
    practice = make_practice(agency_a, editor_a)
    big = PDF + b"0" * (10 * 1024 * 1024)

    response = upload(client_editor_a, practice, "gross.pdf", big)

    assert response.status_code == 200
    assert not PracticeAttachment.objects.exists()


def test_editors_delete_attachments(cast, agency_a, editor_a, client_editor_a):
    practice = make_practice(agency_a, editor_a)
    upload(client_editor_a, practice, "konzept.pdf", PDF)
    attachment = PracticeAttachment.objects.get()
    path = attachment.file.path

    url = reverse("exchange:practice-attachment-delete", args=[practice.pk, attachment.pk])
    assert client_editor_a.post(url).status_code == 302

    assert not PracticeAttachment.objects.exists()
    assert not os.path.exists(path)


# --- the comparison ---------------------------------------------------------------------------


def test_three_practices_are_compared_field_by_field(
    cast, agency_a, coordinator_a, client_anonymous
):
    practices = [make_practice(agency_a, title=f"Praxis {n}") for n in (1, 2, 3)]
    for p in practices:
        publish(p, coordinator_a)
    ids = ",".join(str(p.pk) for p in practices)

    page = client_anonymous.get(reverse("exchange:compare") + f"?ids={ids}")

    assert page.status_code == 200
    assert page.context["practices"] == practices
    identity = page.context["table"][0]
    labels = [r["label"] for r in identity["rows"]]
    detail_page = client_anonymous.get(detail(practices[0]))
    assert labels == [r.label for r in detail_page.context["sections"][0].rows]
    assert all(len(r["cells"]) == 3 for r in identity["rows"])
    assert '<th scope="row">' in page.content.decode()


def test_more_than_three_practices_are_refused_with_a_message(
    cast, agency_a, coordinator_a, client_anonymous
):
    practices = [make_practice(agency_a, title=f"Praxis {n}") for n in range(4)]
    for p in practices:
        publish(p, coordinator_a)
    ids = ",".join(str(p.pk) for p in practices)

    page = client_anonymous.get(reverse("exchange:compare") + f"?ids={ids}")

    assert page.status_code == 200
    assert page.context["table"] == []
    assert "4" in page.context["problem"] and "3" in page.context["problem"]
    assert 'id="error-summary"' in page.content.decode()


def test_the_comparison_answers_404_for_a_practice_out_of_sight(
    cast, agency_a, coordinator_a, client_viewer_b, client_coordinator_a
):
    public = make_practice(agency_a)
    publish(public, coordinator_a)
    draft = make_practice(agency_a, title="Entwurf")
    url = reverse("exchange:compare") + f"?ids={public.pk},{draft.pk}"

    assert client_viewer_b.get(url).status_code == 404
    assert client_coordinator_a.get(url).status_code == 200


# --- completeness, by hand --------------------------------------------------------------------


def test_completeness_by_hand():
    assert completeness.completeness({}).score == 0
    # classification 20 / 5 fields = 4 each; meta 5 (sources)
    assert completeness.completeness({"dimensions": ["x"], "sources": "a"}).score == 9
    # identity 10 / 3: one field 3.33; content 25 / 5: period through "started" = 5
    record = {"contact": "x", "started": "2024-01-01", "cost_band": "unknown"}
    result = completeness.completeness(record)
    assert result.score == 8  # 3.33 + 5 = 8.33
    missing = [name for name, _label in result.missing]
    assert "cost_band" in missing and "period" not in missing and "contact" not in missing
    # a known cost band counts: resources 10 / 3
    assert completeness.completeness({"cost_band": "low"}).score == 3
    full = {name: "x" for _s, _w, names in completeness.SECTIONS for name in names}
    assert completeness.completeness({**full, "cost_band": "low"}).score == 100
    assert completeness.completeness({**full, "cost_band": "low"}).missing == []


def test_completeness_reads_a_practice_as_well(cast, agency_a):
    practice = make_practice(agency_a, keywords="a; b", goals="  ")
    # contact details 10 / 3 = 3.33; dimensions, measure types, keywords 3 × 4 = 12;
    # blank goals do not count: 15.33
    assert completeness.completeness(practice).score == 15


# --- similar practices, by hand ---------------------------------------------------------------


def test_similar_scores_by_hand():
    a = {
        "dimensions": ["personnel", "services"],
        "measure_types": ["recruitment", "training"],
        "sectors": ["health"],
        "target_groups": ["staff", "leaders"],
        "keywords": "Pflege; Ausbildung",
    }
    b = {
        "dimensions": ["personnel"],  # 3
        "measure_types": ["recruitment", "training"],  # 2 × 3 = 6
        "sectors": ["education"],  # 0
        "target_groups": ["staff"],  # 1
        "keywords": "ausbildung; Schule",  # 2
    }
    shared = similar.score(a, b)
    assert shared.score == 12
    assert shared.codes == {
        "dimensions": ["personnel"],
        "measure_types": ["recruitment", "training"],
        "target_groups": ["staff"],
    }
    assert shared.keywords == ["ausbildung"]
    assert similar.score(a, {}).score == 0


def test_similar_ranks_by_score_then_recency(cast, agency_a, agency_b, coordinator_a, viewer_b):
    base = make_practice(
        agency_a, dimensions=["personnel"], measure_types=["recruitment"], keywords="Polizei"
    )
    weak = make_practice(agency_b, title="Schwach", dimensions=["personnel"], measure_types=[])
    strong = make_practice(
        agency_b, title="Stark", measure_types=["recruitment"], keywords="polizei"
    )
    unrelated = make_practice(
        agency_b, title="Fremd", dimensions=["services"], measure_types=["training"]
    )
    hidden = make_practice(agency_a, title="Entwurf in A", measure_types=["recruitment"])
    Practice.objects.filter(pk__in=[weak.pk, strong.pk, unrelated.pk]).update(
        state=State.PUBLISHED, published=True
    )

    found = [m.practice.title for m in similar.similar(base, viewer_b)]
    assert found == ["Stark", "Schwach"]  # 3 + 2 (keyword) + 3 (dimension) = 8 vs 3
    assert hidden.title not in found and unrelated.title not in found
    # the Land's coordinator also sees the draft of the Land (3 + 3 = 6)
    found = [m.practice.title for m in similar.similar(base, coordinator_a)]
    assert found == ["Stark", "Entwurf in A", "Schwach"]
    assert similar.similar(base, coordinator_a, limit=1)[0].labels()[-1] == "polizei"
