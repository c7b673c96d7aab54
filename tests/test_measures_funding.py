"""Funding programmes: the score by hand, unmet criteria with their recommendations, the
history of checks, and the pages with their scope (docs/measures.md, "Funding programmes")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ikoe.measures import funding
from ikoe.measures.models import FUNDING_CRITERIA, Change, FundingCheck, FundingProgramme

pytestmark = pytest.mark.django_db

# yes, yes, partly, no, no, yes → (3 + 0.5) / 6 · 100 = 58.3
MIXED = dict(zip(FUNDING_CRITERIA, ["yes", "yes", "partly", "no", "no", "yes"], strict=True))
ALL_YES = dict.fromkeys(FUNDING_CRITERIA, "yes")


def english(client):
    client.cookies["django_language"] = "en"
    return client


def programme(user, org, title="Förderprogramm Teilhabe"):
    return funding.save_programme(user, org, {"title": title, "description": ""})


def post_check(client, pk, answers, checked_on="2025-03-15", note=""):
    return client.post(
        reverse("measures:funding-check", kwargs={"pk": pk}),
        {**answers, "checked_on": checked_on, "note": note},
    )


def test_the_score_is_yes_plus_half_of_partly_over_six():
    assert funding.score(MIXED) == pytest.approx(3.5 / 6 * 100)
    assert round(funding.score(MIXED), 1) == 58.3
    assert funding.score(ALL_YES) == 100
    assert funding.score(dict.fromkeys(FUNDING_CRITERIA, "partly")) == 50
    assert funding.score(dict.fromkeys(FUNDING_CRITERIA, "no")) == 0


def test_unmet_criteria_are_no_and_partly_each_with_its_recommendation():
    found = funding.unmet(MIXED)

    assert [(u.criterion.key, u.answer) for u in found] == [
        ("reach_reported", "no"),
        ("diverse_juries", "no"),
        ("accessible_application", "partly"),
    ]
    assert all(str(u.criterion.recommendation) for u in found)
    assert funding.unmet(ALL_YES) == []


def test_every_criterion_has_a_label_a_question_and_a_recommendation():
    assert [c.key for c in funding.CRITERIA] == list(FUNDING_CRITERIA)
    for c in funding.CRITERIA:
        assert str(c.label) and str(c.question).endswith("?") and str(c.recommendation)


def test_a_check_without_every_answer_is_refused(coordinator_a, agency_a):
    row = programme(coordinator_a, agency_a)
    answers = dict(MIXED)
    del answers["outreach"]
    answers["languages"] = "maybe"

    with pytest.raises(ValidationError) as caught:
        funding.add_check(coordinator_a, row, answers)

    assert set(caught.value.message_dict) == {"outreach", "languages"}
    assert not FundingCheck.objects.exists()


def test_checks_form_the_history_and_each_is_recorded(coordinator_a, agency_a):
    row = programme(coordinator_a, agency_a)
    funding.add_check(coordinator_a, row, MIXED, checked_on=date(2024, 5, 1))
    funding.add_check(coordinator_a, row, ALL_YES, checked_on=date(2025, 5, 1))

    history = funding.checks(row)
    assert [round(c.score, 1) for c in history] == [58.3, 100.0]
    assert funding.latest_checks([row])[row.pk].score == 100
    assert Change.objects.filter(registry="fundingprogramme", action="created").count() == 1
    recorded = Change.objects.filter(registry="fundingcheck").order_by("pk")
    assert [c.fields["score"][1] for c in recorded] == [58.3, 100.0]
    assert all(c.organisation == agency_a for c in recorded)


# ---------------------------------------------------------------------------------------------
# Pages


def test_an_editor_adds_a_programme_and_checks_it(client_editor_a, agency_a):
    response = client_editor_a.post(
        reverse("measures:funding-add") + "?land=DE-BE",
        {"organisation": agency_a.pk, "title": "Integrationsfonds", "annual_budget": "250000"},
    )
    row = FundingProgramme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("measures:funding-programme", kwargs={"pk": row.pk})

    assert post_check(client_editor_a, row.pk, MIXED).status_code == 302
    check = FundingCheck.objects.get()
    assert check.answers == MIXED and check.checked_by_name == "editor_a"
    assert round(check.score, 1) == 58.3


def test_the_detail_shows_the_score_unmet_criteria_and_their_recommendations(
    client_coordinator_a, coordinator_a, agency_a
):
    row = programme(coordinator_a, agency_a)
    funding.add_check(coordinator_a, row, MIXED, checked_on=date(2025, 3, 15))

    html = client_coordinator_a.get(
        reverse("measures:funding-programme", kwargs={"pk": row.pk})
    ).content.decode()
    assert "58,3" in html  # German number format by default

    html = (
        english(client_coordinator_a)
        .get(reverse("measures:funding-programme", kwargs={"pk": row.pk}))
        .content.decode()
    )
    for key in ("reach_reported", "diverse_juries", "accessible_application"):
        assert str(funding.CRITERION_BY_KEY[key].recommendation) in html
    assert str(funding.CRITERION_BY_KEY["outreach"].recommendation) not in html
    assert "<svg" not in html  # one check: no line chart yet


def test_two_checks_give_a_history_table_and_a_line_chart(
    client_coordinator_a, coordinator_a, agency_a
):
    row = programme(coordinator_a, agency_a)
    funding.add_check(coordinator_a, row, MIXED, checked_on=date(2024, 3, 15))
    funding.add_check(coordinator_a, row, ALL_YES, checked_on=date(2025, 3, 15))

    html = (
        english(client_coordinator_a)
        .get(reverse("measures:funding-programme", kwargs={"pk": row.pk}))
        .content.decode()
    )
    table = html.split('id="caption-checks"')[1].split("</table>")[0]

    assert table.count("<tr>") == 3  # heading and two checks
    assert table.index("100.0") < table.index("58.3")  # newest first
    assert "<svg" in html and "Line chart; the same figures are in the table." in html
    assert "Every criterion is met." in html


def test_the_land_list_shows_each_programme_with_its_latest_score(
    client_coordinator_a, coordinator_a, agency_a, agency_a2
):
    checked = programme(coordinator_a, agency_a, "Programm eins")
    programme(coordinator_a, agency_a2, "Programm zwei")
    funding.add_check(coordinator_a, checked, ALL_YES, checked_on=date(2024, 1, 1))
    funding.add_check(coordinator_a, checked, MIXED, checked_on=date(2025, 1, 1))

    html = english(client_coordinator_a).get("/massnahmen/foerderprogramme/land/DE-BE/").content
    html = html.decode()

    assert "Programm eins" in html and "Programm zwei" in html
    assert "58.3" in html and "100.0" not in html
    assert "not checked yet" in html
    assert "symbol-legend" in html


def test_the_check_form_asks_each_question_as_a_radio_group(client_editor_a, editor_a, agency_a):
    row = programme(editor_a, agency_a)

    html = (
        english(client_editor_a)
        .get(reverse("measures:funding-check", kwargs={"pk": row.pk}))
        .content.decode()
    )

    assert html.count('<fieldset class="choices"') == 6
    for c in funding.CRITERIA:
        assert str(c.question) in html
        assert f'id="id_{c.key}_2"' in html  # yes, partly, no
        assert f'name="{c.key}" value="partly"' in html


def test_a_check_with_missing_answers_or_a_future_date_is_refused(
    client_editor_a, editor_a, agency_a
):
    row = programme(editor_a, agency_a)
    answers = dict(MIXED)
    del answers["diverse_juries"]
    tomorrow = (date.today() + timedelta(days=2)).isoformat()

    response = post_check(english(client_editor_a), row.pk, answers, checked_on=tomorrow)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Diverse juries and advisory boards: Answer with yes, partly or no." in html
    assert 'href="#id_diverse_juries_0"' in html
    assert "The date of the check lies in the future." in html
    assert not FundingCheck.objects.exists()


def test_another_land_gets_404_and_anonymous_goes_to_login(
    client_viewer_b, client_anonymous, coordinator_a, agency_a
):
    row = programme(coordinator_a, agency_a)
    detail = reverse("measures:funding-programme", kwargs={"pk": row.pk})

    assert client_viewer_b.get(detail).status_code == 404
    assert client_viewer_b.get("/massnahmen/foerderprogramme/land/DE-BE/").status_code == 404
    response = client_anonymous.get(detail)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_agency_editor_checks_only_programmes_of_the_agency_subtree(
    client_editor_a, client_agency_viewer_a, coordinator_a, agency_a, agency_a2, unit_a
):
    own = programme(coordinator_a, unit_a, "Programm der Einheit")
    other = programme(coordinator_a, agency_a2, "Programm der anderen Behörde")

    assert post_check(client_editor_a, own.pk, MIXED).status_code == 302
    assert post_check(client_editor_a, other.pk, MIXED).status_code == 404
    assert (
        client_editor_a.get(
            reverse("measures:funding-programme", kwargs={"pk": other.pk})
        ).status_code
        == 404
    )
    html = client_editor_a.get("/massnahmen/foerderprogramme/land/DE-BE/").content.decode()
    assert "Programm der Einheit" in html and "Programm der anderen Behörde" not in html
    # a viewer of the agency reads the programme but may not check it
    assert (
        client_agency_viewer_a.get(
            reverse("measures:funding-programme", kwargs={"pk": own.pk})
        ).status_code
        == 200
    )
    assert post_check(client_agency_viewer_a, own.pk, MIXED).status_code == 403
    assert FundingCheck.objects.filter(programme=other).count() == 0


def test_the_agency_editor_cannot_add_a_programme_for_another_agency(client_editor_a, agency_a2):
    response = english(client_editor_a).post(
        reverse("measures:funding-add"), {"organisation": agency_a2.pk, "title": "Fremd"}
    )

    assert response.status_code == 200
    assert "Choose an organisation from the list." in response.content.decode()
    assert not FundingProgramme.objects.exists()


def test_the_programme_page_shows_its_change_history(client_coordinator_a, coordinator_a, agency_a):
    row = programme(coordinator_a, agency_a)
    funding.save_programme(coordinator_a, agency_a, {"title": "Neuer Titel"}, row)

    html = (
        english(client_coordinator_a)
        .get(reverse("measures:funding-programme", kwargs={"pk": row.pk}))
        .content.decode()
    )

    assert "Change history" in html
    assert "title: Förderprogramm Teilhabe → Neuer Titel" in html


def test_an_editor_changes_the_details_of_a_programme_and_the_history_keeps_them(
    cast, coordinator_a, agency_a, agency_a2, client_editor_a, client_viewer_b
):
    from ikoe.measures.models import Change

    row = programme(coordinator_a, agency_a, title="Alt")
    url = f"/massnahmen/foerderprogramme/{row.pk}/bearbeiten/"
    page = client_editor_a.get(url).content.decode()
    assert 'value="Alt"' in page
    response = client_editor_a.post(
        url, {"organisation": agency_a.pk, "title": "Neu", "description": "", "url": ""}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.title == "Neu"
    change = Change.objects.filter(registry="fundingprogramme", object_id=row.pk).first()
    assert change is not None and change.fields["title"] == ["Alt", "Neu"]
    other = programme(coordinator_a, agency_a2, title="Fremd")
    assert (
        client_editor_a.get(f"/massnahmen/foerderprogramme/{other.pk}/bearbeiten/").status_code
        == 404
    )
    assert client_viewer_b.get(url).status_code in (403, 404)  # not an editor: the map refuses
