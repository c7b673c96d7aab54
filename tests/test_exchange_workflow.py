"""The review of practices (ikoe/exchange/workflow.py): each step, who may take it, in which state,
across two Länder and for the federal level; and what each reader then sees."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from ikoe.exchange import services, workflow
from ikoe.exchange.models import Practice, ReviewEvent
from ikoe.organisations.models import Organisation

pytestmark = pytest.mark.django_db

State = Practice.State


def make_practice(org: Organisation | None, user: Any = None, **values: Any) -> Practice:
    """A draft of ``org`` (``None``: the federal level), saved through the only writer."""
    fields: dict[str, Any] = {
        "title": "Ausbildungskampagne der Polizei",
        "summary": "Mehr Auszubildende mit Einwanderungsgeschichte.",
        "level": "land",
        "lead_body": "Polizeiakademie",
        "lead_type": "agency",
        "status": "running",
        "dimensions": ["personnel"],
        "measure_types": ["recruitment"],
        "contact": "ausbildung@polizei.example",
    }
    fields.update(values)
    practice = Practice(**fields)
    if org is None:
        practice.region_code, practice.level = "DE-BUND", "bund"
    else:
        assert org.land is not None
        practice.organisation, practice.land, practice.region_code = org, org.land, org.land.code
    services.save_practice(practice, user)
    return practice


def detail(practice: Practice) -> str:
    return reverse("exchange:practice-detail", args=[practice.pk])


def step(client: Any, practice: Practice, action: str, text: str = "") -> Any:
    url = reverse("exchange:practice-action", args=[practice.pk])
    return client.post(url, {"action": action, "text": text})


# --- the functions ----------------------------------------------------------------------------


def test_a_practice_goes_from_draft_to_published_with_every_step_recorded(
    cast, agency_a, editor_a, coordinator_a
):
    practice = make_practice(agency_a, editor_a)

    workflow.submit(practice, editor_a, "Bitte prüfen.")
    workflow.review(practice, coordinator_a)
    workflow.publish(practice, coordinator_a, "Veröffentlicht.")

    practice.refresh_from_db()
    assert practice.state == State.PUBLISHED and practice.published
    assert practice.published_at is not None
    assert practice.submitted_by == editor_a
    steps = list(practice.review_events.values_list("action", "author__username", "text"))
    assert steps == [
        ("submit", "editor_a", "Bitte prüfen."),
        ("review", "coordinator_a", ""),
        ("publish", "coordinator_a", "Veröffentlicht."),
    ]
    # the state is not content: the one version stays, and carries the state it was saved in
    assert practice.versions.count() == 1


def test_publishing_straight_from_submitted_is_allowed(cast, agency_a, editor_a, coordinator_a):
    practice = make_practice(agency_a, editor_a)
    workflow.submit(practice, editor_a)

    workflow.publish(practice, coordinator_a)

    assert Practice.objects.get(pk=practice.pk).state == State.PUBLISHED


def test_sending_back_needs_a_reason_and_the_editor_submits_again(
    cast, agency_a, editor_a, coordinator_a
):
    practice = make_practice(agency_a, editor_a)
    workflow.submit(practice, editor_a)

    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.send_back(practice, coordinator_a, "  ")
    assert not refused.value.person
    assert Practice.objects.get(pk=practice.pk).state == State.SUBMITTED

    workflow.send_back(practice, coordinator_a, "Die Ziele in Zahlen angeben.")
    assert Practice.objects.get(pk=practice.pk).state == State.RETURNED
    assert workflow.may_edit(editor_a, practice)
    workflow.submit(practice, editor_a)
    assert Practice.objects.get(pk=practice.pk).state == State.SUBMITTED


def test_withdrawing_a_publication_needs_a_reason_and_returns_the_practice(
    cast, agency_a, editor_a, coordinator_a
):
    practice = make_practice(agency_a, editor_a)
    workflow.submit(practice, editor_a)
    workflow.publish(practice, coordinator_a)

    with pytest.raises(workflow.WorkflowError):
        workflow.unpublish(practice, coordinator_a, "")
    workflow.unpublish(practice, coordinator_a, "Das Projekt ist beendet.")

    practice.refresh_from_db()
    assert practice.state == State.RETURNED and not practice.published
    assert practice.published_at is None
    assert practice.review_events.last().action == ReviewEvent.Action.UNPUBLISH


@pytest.mark.parametrize(
    ("state", "call"),
    [
        (State.DRAFT, "review"),
        (State.DRAFT, "publish"),
        (State.DRAFT, "send_back"),
        (State.REVIEWED, "review"),
        (State.PUBLISHED, "publish"),
        (State.SUBMITTED, "unpublish"),
        (State.SUBMITTED, "submit"),
        (State.PUBLISHED, "submit"),
    ],
)
def test_a_step_in_the_wrong_state_is_refused(cast, agency_a, coordinator_a, state, call):
    practice = make_practice(agency_a)
    Practice.objects.filter(pk=practice.pk).update(state=state)
    practice.refresh_from_db()

    with pytest.raises(workflow.WorkflowError) as refused:
        getattr(workflow, call)(practice, coordinator_a, "Grund")

    assert not refused.value.person
    assert Practice.objects.get(pk=practice.pk).state == state
    assert not practice.review_events.exists()


def test_only_the_coordination_of_the_land_reviews(
    cast, agency_a, editor_a, agency_viewer_a, viewer_b, data_steward_a
):
    practice = make_practice(agency_a, editor_a)
    workflow.submit(practice, editor_a)

    for user in (editor_a, agency_viewer_a, viewer_b, data_steward_a):
        for call in (workflow.review, workflow.publish):
            with pytest.raises(workflow.WorkflowError) as refused:
                call(practice, user)
            assert refused.value.person
    assert Practice.objects.get(pk=practice.pk).state == State.SUBMITTED


def test_only_editors_of_the_submitting_organisation_submit(
    cast, agency_a2, editor_a, agency_viewer_a, coordinator_a
):
    practice = make_practice(agency_a2, coordinator_a)

    for user in (editor_a, agency_viewer_a):  # editor_a edits A-AGY, not A-AGY2
        with pytest.raises(workflow.WorkflowError) as refused:
            workflow.submit(practice, user)
        assert refused.value.person
    workflow.submit(practice, coordinator_a)  # the Land's coordination edits every organisation
    assert Practice.objects.get(pk=practice.pk).state == State.SUBMITTED


def test_the_coordination_of_another_land_cannot_review(cast, agency_b, coordinator_a):
    practice = make_practice(agency_b)
    Practice.objects.filter(pk=practice.pk).update(state=State.SUBMITTED)
    practice.refresh_from_db()

    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.publish(practice, coordinator_a)
    assert refused.value.person


def test_federal_practices_are_reviewed_by_the_federal_coordination(
    cast, federal_coordinator, coordinator_a
):
    practice = make_practice(None, federal_coordinator)
    workflow.submit(practice, federal_coordinator)

    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.review(practice, coordinator_a)
    assert refused.value.person
    assert "federal" in str(refused.value) or "Bund" in str(refused.value)

    workflow.review(practice, federal_coordinator)
    workflow.publish(practice, federal_coordinator)
    assert Practice.objects.get(pk=practice.pk).state == State.PUBLISHED


def test_shipped_practices_take_no_step(cast, agency_a, coordinator_a):
    practice = make_practice(agency_a, shipped=True)

    with pytest.raises(workflow.WorkflowError):
        workflow.submit(practice, coordinator_a)
    assert not workflow.may_edit(coordinator_a, practice)
    assert workflow.actions_for(coordinator_a, practice) == [ReviewEvent.Action.COMMENT]


def test_comments_come_from_those_who_see_the_practice_through_its_land(
    cast, agency_a, agency_a2, agency_viewer_a, viewer_b, coordinator_a
):
    practice = make_practice(agency_a)
    other = make_practice(agency_a2)

    workflow.comment(practice, agency_viewer_a, "Gute Idee.")
    with pytest.raises(workflow.WorkflowError):
        workflow.comment(practice, agency_viewer_a, "")
    for user, target in ((viewer_b, practice), (agency_viewer_a, other)):
        with pytest.raises(workflow.WorkflowError) as refused:
            workflow.comment(target, user, "Von außen.")
        assert refused.value.person
    # a published practice is public, but comments stay with the Land
    Practice.objects.filter(pk=practice.pk).update(state=State.PUBLISHED, published=True)
    practice.refresh_from_db()
    with pytest.raises(workflow.WorkflowError):
        workflow.comment(practice, viewer_b, "Von außen.")
    assert list(practice.review_events.values_list("text", flat=True)) == ["Gute Idee."]


# --- through the pages, across two Länder -----------------------------------------------------


def test_coordinator_a_publishes_and_only_then_land_b_and_the_public_see_it(
    cast,
    agency_a,
    editor_a,
    client_editor_a,
    client_coordinator_a,
    client_viewer_b,
    client_anonymous,
):
    practice = make_practice(agency_a, editor_a)
    assert client_viewer_b.get(detail(practice)).status_code == 404
    assert client_anonymous.get(detail(practice)).status_code == 404

    assert step(client_editor_a, practice, "submit").status_code == 302
    assert client_viewer_b.get(detail(practice)).status_code == 404
    assert step(client_coordinator_a, practice, "review", "Inhalt geprüft.").status_code == 302
    response = step(client_coordinator_a, practice, "publish")
    assert response.status_code == 302 and response["Location"].endswith("#review")

    page = client_viewer_b.get(detail(practice))
    assert page.status_code == 200
    assert f"{gettext('State:')} {str(State.PUBLISHED.label).capitalize()}" in page.content.decode()
    public = client_anonymous.get(detail(practice)).content.decode()
    assert "Ausbildungskampagne der Polizei" in public
    assert "ausbildung@polizei.example" not in public
    assert gettext("Sign in to see the contact details.") in public
    assert "ausbildung@polizei.example" in page.content.decode()
    # the timeline: who did what, with the comment
    coordinator_page = client_coordinator_a.get(detail(practice)).content.decode()
    assert "Inhalt geprüft." in coordinator_page
    assert "coordinator_a" in coordinator_page


def test_the_pages_refuse_steps_of_the_wrong_person_with_403(
    cast, agency_a, editor_a, client_editor_a, client_viewer_b, client_agency_viewer_a
):
    practice = make_practice(agency_a, editor_a)
    step(client_editor_a, practice, "submit")

    assert step(client_editor_a, practice, "publish").status_code == 403
    assert step(client_agency_viewer_a, practice, "review").status_code == 403
    assert step(client_viewer_b, practice, "publish").status_code == 404  # does not see it
    assert Practice.objects.get(pk=practice.pk).state == State.SUBMITTED


def test_a_step_in_the_wrong_state_is_explained_on_the_page(
    cast, agency_a, editor_a, client_coordinator_a
):
    practice = make_practice(agency_a, editor_a)

    response = step(client_coordinator_a, practice, "publish")
    page = client_coordinator_a.get(response["Location"]).content.decode()

    assert gettext("The practice is “%(state)s”; it cannot be %(step)s now.") % {
        "state": State.DRAFT.label,
        "step": gettext("published"),
    } in page.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert Practice.objects.get(pk=practice.pk).state == State.DRAFT


def test_sending_back_without_a_reason_is_refused_on_the_page(
    cast, agency_a, editor_a, client_editor_a, client_coordinator_a
):
    practice = make_practice(agency_a, editor_a)
    step(client_editor_a, practice, "submit")

    step(client_coordinator_a, practice, "return", "")
    assert Practice.objects.get(pk=practice.pk).state == State.SUBMITTED
    step(client_coordinator_a, practice, "return", "Bitte Quellen ergänzen.")
    assert Practice.objects.get(pk=practice.pk).state == State.RETURNED
    page = client_editor_a.get(detail(practice)).content.decode()
    assert "Bitte Quellen ergänzen." in page


def test_the_agency_editor_does_not_see_the_draft_of_another_agency(
    cast, agency_a2, coordinator_a, client_editor_a, client_coordinator_a
):
    practice = make_practice(agency_a2, coordinator_a)

    assert client_editor_a.get(detail(practice)).status_code == 404
    assert client_coordinator_a.get(detail(practice)).status_code == 200
    edit = reverse("exchange:practice-edit", args=[practice.pk])
    assert client_editor_a.get(edit).status_code == 404


def test_the_federal_coordination_reviews_a_federal_practice_on_the_pages(
    cast, federal_coordinator, client_federal, client_coordinator_a, client_anonymous
):
    practice = make_practice(None, federal_coordinator)
    assert client_coordinator_a.get(detail(practice)).status_code == 404

    step(client_federal, practice, "submit")
    review = client_federal.get(reverse("exchange:review")).content.decode()
    assert practice.title in review
    assert step(client_federal, practice, "publish").status_code == 302

    assert client_anonymous.get(detail(practice)).status_code == 200
    assert "Bundesverwaltung" in client_anonymous.get(detail(practice)).content.decode()


def test_the_review_queue_lists_what_waits_for_each_reader(
    cast,
    agency_a,
    agency_b,
    editor_a,
    coordinator_a,
    client_coordinator_a,
    client_editor_a,
):
    mine = make_practice(agency_a, editor_a, title="Mentoring für Nachwuchskräfte")
    workflow.submit(mine, editor_a)
    draft = make_practice(agency_a, editor_a, title="Sprachmittlung im Bürgeramt")
    other = make_practice(agency_b, title="Hamburger Praxis")
    Practice.objects.filter(pk=other.pk).update(state=State.SUBMITTED)

    coordinator = client_coordinator_a.get(reverse("exchange:review")).content.decode()
    assert "Mentoring für Nachwuchskräfte" in coordinator
    assert "Hamburger Praxis" not in coordinator
    editor = client_editor_a.get(reverse("exchange:review")).content.decode()
    assert 'id="h-to-review"' in coordinator and 'id="h-to-review"' not in editor
    assert "Mentoring für Nachwuchskräfte" in editor  # own, with its state
    assert draft.title in editor
    assert f"<td>{State.SUBMITTED.label}</td>" in editor
