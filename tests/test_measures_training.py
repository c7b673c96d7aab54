"""Trainings: coverage, plan and gaps computed by hand, the writer with its history, and the
pages with their scope (docs/measures.md, "Trainings")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ikoe.measures import training
from ikoe.measures.models import Change, TrainingOffer, TrainingRecord

pytestmark = pytest.mark.django_db

LAND_A_PAGE = "/massnahmen/fortbildung/land/DE-BE/"


def english(client):
    """The client reads the pages in English (the msgids), whatever is translated."""
    client.cookies["django_language"] = "en"
    return client


def offer(user, org, groups=("front_office",), title="Interkulturelle Kompetenz"):
    return training.save_offer(
        user,
        org,
        {
            "title": title,
            "provider": "Verwaltungsakademie",
            "format": "classroom",
            "hours": Decimal("7.5"),
            "contents": ["competence"],
            "groups": list(groups),
        },
    )


def record(user, org, group="front_office", staff=120, planned=60, trained=30, year=2024):
    return training.save_record(
        user, org, year, group, staff=staff, planned=planned, trained=trained
    )[0]


def test_coverage_against_plan_and_gap_computed_by_hand(coordinator_a, agency_a):
    record(coordinator_a, agency_a)  # 30 of 120 staff trained, 60 planned

    [row] = training.coverage(coordinator_a, agency_a.land, 2024)

    assert row.coverage == pytest.approx(0.25)  # 30 / 120 = 25,0 %
    assert row.against_plan == pytest.approx(0.5)  # 30 / 60 = 50 % of the plan
    assert row.gap == training.GAP_BELOW_PLAN
    assert "Lücke: 30 weniger geschult als geplant" in row.gap_text


def test_a_plan_reached_is_no_gap_and_no_plan_gives_no_figure_against_it(
    coordinator_a, agency_a, agency_a2
):
    record(coordinator_a, agency_a, planned=30, trained=30)
    record(coordinator_a, agency_a2, planned=None, trained=10, staff=40)

    rows = {r.organisation.code: r for r in training.coverage(coordinator_a, agency_a.land, 2024)}

    assert rows["A-AGY"].gap == "" and rows["A-AGY"].against_plan == pytest.approx(1.0)
    assert rows["A-AGY2"].against_plan is None and rows["A-AGY2"].gap == ""
    assert rows["A-AGY2"].coverage == pytest.approx(0.25)


def test_a_group_an_offer_is_meant_for_without_counts_is_a_gap(coordinator_a, agency_a):
    offer(coordinator_a, agency_a, groups=("front_office", "leadership"))
    record(coordinator_a, agency_a, group="front_office", planned=None)

    rows = {r.group: r for r in training.coverage(coordinator_a, agency_a.land, 2024)}

    assert rows["leadership"].gap == training.GAP_NO_RECORD
    assert rows["leadership"].coverage is None and rows["leadership"].staff is None
    assert rows["front_office"].gap == ""
    # another year: both groups lack counts
    other = training.coverage(coordinator_a, agency_a.land, 2023)
    assert {r.group for r in other if r.gap == training.GAP_NO_RECORD} == {
        "front_office",
        "leadership",
    }


def test_the_coverage_of_a_group_in_the_land_is_the_sum_trained_over_the_sum_staff(
    coordinator_a, agency_a, agency_a2
):
    record(coordinator_a, agency_a, staff=120, trained=30)
    record(coordinator_a, agency_a2, staff=80, trained=10, planned=None)
    record(coordinator_a, agency_a2, group="leadership", staff=10, trained=5, planned=None)

    totals = {
        t.group: t
        for t in training.group_totals(training.coverage(coordinator_a, agency_a.land, 2024))
    }

    assert totals["front_office"].coverage == pytest.approx(40 / 200)  # 20 %, not (25+12.5)/2
    assert totals["front_office"].organisations == 2
    assert totals["leadership"].coverage == pytest.approx(0.5)


def test_counts_entered_again_change_the_record_and_the_history_keeps_both(coordinator_a, agency_a):
    first = record(coordinator_a, agency_a, trained=30)
    again, created = training.save_record(
        coordinator_a, agency_a, 2024, "front_office", staff=120, planned=60, trained=45
    )

    assert again.pk == first.pk and not created
    assert TrainingRecord.objects.count() == 1
    changes = Change.objects.filter(registry="trainingrecord", object_id=first.pk).order_by("pk")
    assert [c.action for c in changes] == ["created", "changed"]
    assert changes[1].fields == {"trained": [30, 45]}
    assert changes[1].user_name == "coordinator_a"


def test_more_trained_or_planned_than_staff_is_refused(coordinator_a, agency_a):
    with pytest.raises(ValidationError) as caught:
        training.save_record(coordinator_a, agency_a, 2024, "hr", staff=10, planned=12, trained=11)

    assert set(caught.value.message_dict) == {"trained", "planned"}
    assert TrainingRecord.objects.count() == 0
    assert not Change.objects.exists()


def test_the_offer_writer_records_creation_and_changed_fields(coordinator_a, agency_a):
    row = offer(coordinator_a, agency_a)
    training.save_offer(
        coordinator_a, agency_a, {"hours": Decimal("8.0"), "groups": ["hr", "leadership"]}, row
    )

    changes = list(Change.objects.filter(registry="trainingoffer").order_by("pk"))
    assert [c.action for c in changes] == ["created", "changed"]
    assert changes[1].fields == {
        "hours": ["7.5", "8.0"],
        "groups": [["front_office"], ["leadership", "hr"]],
    }


# ---------------------------------------------------------------------------------------------
# Pages


def test_the_land_page_shows_coverage_plan_gap_and_the_chart_with_its_table(
    client_coordinator_a, coordinator_a, agency_a
):
    record(coordinator_a, agency_a)
    offer(coordinator_a, agency_a, groups=("front_office", "leadership"))

    response = english(client_coordinator_a).get(f"{LAND_A_PAGE}?year=2024")
    html = response.content.decode()

    assert response.status_code == 200
    assert "25.0" in html and "50.0" in html
    assert 'class="gap gap-below_plan"' in html and 'class="gap gap-no_record"' in html
    assert "30 fewer trained than planned" in html
    assert "<svg" in html and 'id="caption-groups"' in html
    assert html.count("symbol-legend") >= 3  # coverage, groups, offers
    assert "Interkulturelle Kompetenz" in html
    assert "organisation=A-AGY&amp;year=2024&amp;group=leadership" in html


def test_the_land_page_of_another_land_is_404_and_anonymous_goes_to_login(
    client_viewer_b, client_anonymous, coordinator_a, agency_a
):
    record(coordinator_a, agency_a)

    assert client_viewer_b.get(LAND_A_PAGE).status_code == 404
    response = client_anonymous.get(LAND_A_PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_agency_member_sees_only_the_rows_of_the_agency_subtree(
    client_agency_viewer_a, coordinator_a, agency_a, agency_a2
):
    record(coordinator_a, agency_a)
    record(coordinator_a, agency_a2, staff=77, trained=7, planned=None)
    offer(coordinator_a, agency_a2, title="Angebot der zweiten Behörde")

    html = client_agency_viewer_a.get(f"{LAND_A_PAGE}?year=2024").content.decode()

    assert "Agency A" in html
    assert "Agency A2" not in html and "Angebot der zweiten Behörde" not in html
    assert ">77<" not in html


def test_an_editor_enters_counts_for_the_agency_and_the_page_changes(client_editor_a, agency_a):
    url = reverse("measures:training-record") + "?land=DE-BE"
    response = client_editor_a.post(
        url,
        {
            "organisation": agency_a.pk,
            "year": 2024,
            "group": "front_office",
            "staff": 120,
            "planned": 60,
            "trained": 30,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{LAND_A_PAGE}?year=2024"
    row = TrainingRecord.objects.get()
    assert (row.organisation, row.staff, row.planned, row.trained) == (agency_a, 120, 60, 30)
    assert Change.objects.get(registry="trainingrecord").user_name == "editor_a"


def test_counts_that_cannot_be_are_refused_with_a_message_per_field(client_editor_a, agency_a):
    response = english(client_editor_a).post(
        reverse("measures:training-record"),
        {
            "organisation": agency_a.pk,
            "year": 2024,
            "group": "front_office",
            "staff": 10,
            "planned": 12,
            "trained": 11,
        },
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "error-summary" in html
    assert "More trained (11) than staff (10)" in html
    assert "More planned (12) than staff (10)" in html
    assert 'href="#id_trained"' in html and 'href="#id_planned"' in html
    assert not TrainingRecord.objects.exists()


def test_bad_numbers_are_named_with_what_was_expected(client_editor_a, agency_a):
    response = english(client_editor_a).post(
        reverse("measures:training-record"),
        {"organisation": agency_a.pk, "year": "zwei", "group": "", "staff": "-3", "trained": ""},
    )
    html = response.content.decode()

    assert "Enter a year as a whole number, such as 2025." in html
    assert "Choose the occupational group." in html
    assert "Enter a number of persons of 0 or more, such as 120." in html
    assert "Enter how many of the group were trained, such as 30; 0 if none." in html


def test_the_agency_editor_cannot_enter_counts_of_another_agency(client_editor_a, agency_a2):
    response = english(client_editor_a).post(
        reverse("measures:training-record"),
        {"organisation": agency_a2.pk, "year": 2024, "group": "hr", "staff": 5, "trained": 1},
    )

    assert response.status_code == 200
    assert "Choose an organisation from the list." in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_the_record_form_is_for_editors_only(client_agency_viewer_a, client_anonymous):
    url = reverse("measures:training-record")
    assert client_agency_viewer_a.get(url).status_code == 403
    assert client_anonymous.get(url).status_code == 302


def test_the_record_form_fills_in_the_counts_that_exist_and_shows_their_history(
    client_editor_a, editor_a, agency_a
):
    record(editor_a, agency_a, staff=120, planned=60, trained=30)
    training.save_record(
        editor_a, agency_a, 2024, "front_office", staff=120, planned=60, trained=42
    )

    html = (
        english(client_editor_a)
        .get(
            reverse("measures:training-record")
            + "?land=DE-BE&organisation=A-AGY&year=2024&group=front_office"
        )
        .content.decode()
    )

    assert 'value="42"' in html and 'value="120"' in html
    assert "Change history" in html
    assert "trained: 30 → 42" in html


def test_an_editor_adds_and_changes_an_offer_with_its_history(client_editor_a, agency_a):
    url = reverse("measures:training-offer") + "?land=DE-BE"
    data = {
        "organisation": agency_a.pk,
        "title": "Diversität im Bürgeramt",
        "provider": "Akademie",
        "format": "online",
        "hours": "3,5",
        "contents": ["competence", "anti_discrimination"],
        "groups": ["front_office"],
    }
    assert client_editor_a.post(url, data).status_code == 302
    row = TrainingOffer.objects.get()
    assert row.hours == Decimal("3.5") and row.groups == ["front_office"]

    data["groups"] = ["front_office", "leadership"]
    edit = reverse("measures:training-offer", kwargs={"pk": row.pk})
    assert client_editor_a.post(edit, data).status_code == 302
    html = english(client_editor_a).get(edit).content.decode()

    assert "Change history" in html
    assert (
        "target occupational groups: staff with public contact → leaders, staff with public "
        "contact" in html
    )


def test_offers_of_another_agency_or_land_are_404_for_editors_outside_it(
    client_editor_a, coordinator_a, agency_a2, agency_b, federal_coordinator
):
    other = offer(coordinator_a, agency_a2)
    in_b = offer(federal_coordinator, agency_b)

    assert (
        client_editor_a.get(reverse("measures:training-offer", kwargs={"pk": other.pk})).status_code
        == 404
    )
    assert (
        client_editor_a.get(reverse("measures:training-offer", kwargs={"pk": in_b.pk})).status_code
        == 404
    )
    assert (
        client_editor_a.get(reverse("measures:training-offer") + "?land=DE-HH").status_code == 404
    )


def test_a_coordinator_reads_an_offer_but_the_viewer_may_not_change_it(
    client_agency_viewer_a, coordinator_a, agency_a
):
    row = offer(coordinator_a, agency_a)

    # viewers hold no editor role anywhere: the permission map refuses them
    assert (
        client_agency_viewer_a.get(
            reverse("measures:training-offer", kwargs={"pk": row.pk})
        ).status_code
        == 403
    )


def test_the_coverage_is_written_in_german_by_default(
    client_coordinator_a, coordinator_a, agency_a
):
    record(coordinator_a, agency_a)

    html = client_coordinator_a.get(f"{LAND_A_PAGE}?year=2024").content.decode()

    assert "25,0" in html and "50,0" in html
