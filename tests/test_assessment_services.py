"""Starting, answering and finishing an IKÖ-Check (ikoe/assessment/services.py), and who sees
which assessment (ikoe/assessment/models.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from ikoe.accounts.models import Membership, Role
from ikoe.accounts.scope import forget_grants
from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment import services
from ikoe.assessment.models import Assessment
from ikoe.organisations.models import Organisation
from tests.assessment_helpers import mini_questionnaire, write_questionnaire


@pytest.fixture
def mini(tmp_path, monkeypatch):
    folder = tmp_path / "questionnaires"
    write_questionnaire(folder, mini_questionnaire())
    monkeypatch.setattr(questionnaires, "QUESTIONNAIRE_DIR", folder)
    return folder


def _fill(assessment, user, level_of):
    found = services.questionnaire_of(assessment)
    for item in found.items(assessment.sectors):
        services.answer(assessment, item.id, user, level=level_of(item))


def test_a_finished_assessment_stores_the_hand_computed_scores(mini, agency_a, editor_a):
    assessment = services.start(agency_a, editor_a, sectors=["education"], target_level=3)
    assert assessment.questionnaire_version == "2099.1" and assessment.sectors == ["education"]
    # Every dimension: items x.1 = 4, x.2 = 2, x.3 not applicable → (0.2·100 + 0.3·50) / 0.5 = 70;
    # the first also has the education item (weight 0.5) at 1 → (20 + 15 + 12.5) / 1 = 47.5.
    levels = {"1": 4, "2": 2, "3": None}
    _fill(assessment, editor_a, lambda item: 1 if item.sector else levels[item.id.split(".")[1]])
    result = services.finish(assessment, editor_a)
    assessment.refresh_from_db()
    assert assessment.finished and assessment.finished_by_name == "editor_a"
    assert result.dimensions["strategy"] == pytest.approx(47.5)
    assert result.dimensions["services"] == pytest.approx(70.0)
    assert assessment.overall_score == pytest.approx((47.5 + 6 * 70.0) / 7)
    stored = {s.dimension: s.score for s in assessment.scores.all()}
    assert stored["strategy"] == pytest.approx(47.5) and len(stored) == 7


def test_a_draft_cannot_be_finished_until_every_item_is_answered(mini, agency_a, editor_a):
    assessment = services.start(agency_a, editor_a)
    services.answer(assessment, "1.1", editor_a, level=2)
    with pytest.raises(services.AssessmentError, match="20 Fragen sind noch nicht beantwortet"):
        services.finish(assessment, editor_a)
    # the education item is not asked without its module
    with pytest.raises(services.AssessmentError, match="gehört nicht zu diesem IKÖ-Check"):
        services.answer(assessment, "1.edu.1", editor_a, level=2)
    provisional = services.scores(assessment)
    assert provisional.dimensions["strategy"] == 50.0 and provisional.answered == 1
    services.clear_answer(assessment, "1.1")
    assert services.scores(assessment).answered == 0


def test_a_finished_assessment_is_not_changed_again(mini, agency_a, editor_a):
    assessment = services.start(agency_a, editor_a)
    _fill(assessment, editor_a, lambda item: 3)
    services.finish(assessment, editor_a)
    with pytest.raises(
        services.AssessmentError, match="abgeschlossener IKÖ-Check kann nicht mehr geändert"
    ):
        services.answer(assessment, "1.1", editor_a, level=0)


def test_a_new_version_leaves_the_scores_of_older_assessments_alone(mini, agency_a, editor_a):
    old = services.start(agency_a, editor_a)
    _fill(old, editor_a, lambda item: {"1": 4, "2": 0, "3": 2}[item.id.split(".")[1]])
    services.finish(old, editor_a)
    before = services.scores(old).dimensions
    # 2100.1 weighs the same answers differently; new assessments take it, the old one keeps 2099.1
    write_questionnaire(mini, mini_questionnaire("2100.1", weights=(0.6, 0.2, 0.2)))
    new = services.start(agency_a, editor_a)
    assert new.questionnaire_version == "2100.1"
    _fill(new, editor_a, lambda item: {"1": 4, "2": 0, "3": 2}[item.id.split(".")[1]])
    services.finish(new, editor_a)
    old.refresh_from_db()
    assert services.scores(old).dimensions == before
    assert before["services"] == pytest.approx(0.2 * 100 + 0.5 * 50)  # 45
    assert services.scores(new).dimensions["services"] == pytest.approx(0.6 * 100 + 0.2 * 50)


def test_a_changed_file_of_a_started_version_is_refused(mini, agency_a, editor_a):
    assessment = services.start(agency_a, editor_a)
    changed = mini_questionnaire()
    changed["dimensions"][0]["items"][0]["question"]["de"] = "Eine andere Frage"
    write_questionnaire(mini, changed)
    with pytest.raises(
        services.AssessmentError, match="Eine veröffentlichte Version darf sich nicht ändern"
    ):
        services.answer(assessment, "1.1", editor_a, level=1)


def test_the_action_plan_lists_items_below_their_target_with_the_steps_to_it(
    mini, agency_a, editor_a
):
    assessment = services.start(agency_a, editor_a, target_level=3)
    services.answer(assessment, "1.1", editor_a, level=0)
    services.answer(assessment, "1.2", editor_a, level=2, target_level=4)
    services.answer(assessment, "1.3", editor_a, level=3)
    services.answer(assessment, "2.1", editor_a, level=None)
    plan = services.action_plan(assessment)
    assert [(g.item.id, g.level, g.target) for g in plan] == [("1.1", 0, 3), ("1.2", 2, 4)]
    assert [n for n, _step in plan[0].steps] == [0, 1, 2]
    assert plan[1].steps[0][1].en == "Step 2 of 1.2 (en)"


def test_only_the_organisation_sees_its_assessment_until_it_shares_it(
    mini,
    agency_a,
    agency_a2,
    ministry_a,
    editor_a,
    agency_viewer_a,
    coordinator_a,
    federal_coordinator,
    viewer_b,
):
    own = services.start(agency_a, editor_a)
    services.start(agency_a2, editor_a)  # another agency of the same ministry
    ministry = services.start(ministry_a, coordinator_a)

    def seen(user):
        return set(Assessment.objects.visible_to(user).values_list("pk", flat=True))

    assert seen(editor_a) == seen(agency_viewer_a) == {own.pk}
    assert set(Assessment.objects.visible_to(editor_a, Role.EDITOR)) == {own}
    assert not Assessment.objects.visible_to(agency_viewer_a, Role.EDITOR).exists()
    # the Land coordination acts for the Land and its ministries only
    assert seen(coordinator_a) == {ministry.pk}
    assert seen(federal_coordinator) == seen(viewer_b) == set()
    _fill(own, editor_a, lambda item: 2)
    services.finish(own, editor_a)
    Assessment.objects.filter(pk=own.pk).update(sharing=Assessment.Sharing.LAND)
    assert seen(coordinator_a) == {ministry.pk, own.pk}
    assert seen(federal_coordinator) == {own.pk}
    assert seen(viewer_b) == set()
    Assessment.objects.filter(pk=own.pk).update(sharing=Assessment.Sharing.PUBLIC)
    assert seen(viewer_b) == {own.pk}
    assert seen(AnonymousUser()) == {own.pk}


def test_outside_organisations_take_part_through_their_own_members(
    mini, land_a, editor_a, coordinator_a, django_user_model
):
    club = Organisation.objects.create(
        code="DE-BE-EXT-1",
        name="Verein",
        kind=Organisation.Kind.ASSOCIATION,
        parent=land_a,
        size_class="1-49",
    )
    member = django_user_model.objects.create_user("club_member")
    membership = Membership(user=member, land=land_a, agency=club, role=Role.EDITOR)
    membership.full_clean()
    membership.save()
    assessment = services.start(club, member)
    assert assessment.size_class == "1-49"
    assert list(Assessment.objects.visible_to(member, Role.EDITOR)) == [assessment]
    assert not Assessment.objects.visible_to(editor_a).filter(pk=assessment.pk).exists()
    assert not Assessment.objects.visible_to(coordinator_a).filter(pk=assessment.pk).exists()
    forget_grants(member)


def test_a_unit_does_not_take_the_check_on_its_own(mini, unit_a, editor_a):
    with pytest.raises(services.AssessmentError, match="nehmen nicht selbst am IKÖ-Check teil"):
        services.start(unit_a, editor_a)


def test_the_demo_land_gets_one_finished_check_per_agency_and_ministry(db):
    from ikoe.assessment.demo import DEMO_SOURCE, load_demo_assessments
    from ikoe.organisations.services import ensure_demo_organisations

    ensure_demo_organisations()
    created = load_demo_assessments()
    assert created == 31  # 6 ministries and 25 agencies of Musterland
    assert load_demo_assessments() == 0  # once only
    demo = Assessment.objects.filter(source=DEMO_SOURCE)
    assert demo.finished().count() == 31
    for assessment in demo[:5]:
        scores = services.scores(assessment)
        assert scores.complete and 0 <= assessment.overall_score <= 100
        assert assessment.overall_score == pytest.approx(scores.overall)


def test_comparisons_count_each_organisation_once_with_its_latest_finished_check(
    mini, agency_a, agency_a2, editor_a
):
    from ikoe.assessment.comparison import population

    def finished(organisation, level, in_comparison=True):
        assessment = services.start(organisation, editor_a)
        _fill(assessment, editor_a, lambda item: level)
        services.finish(assessment, editor_a)
        Assessment.objects.filter(pk=assessment.pk).update(in_comparison=in_comparison)
        return assessment

    finished(agency_a, 0)
    later = finished(agency_a, 4)
    services.start(agency_a, editor_a)  # a draft counts for nothing
    finished(agency_a2, 2, in_comparison=False)  # left out by its own choice
    people = population()
    assert [(p.code, p.assessment_id, p.overall) for p in people] == [("A-AGY", later.pk, 100.0)]
    assert people[0].scores["strategy"] == 100.0 and len(people[0].scores) == 7


def test_pages_of_a_check_whose_questionnaire_file_changed_say_so_instead_of_failing(
    mini, agency_a, editor_a, client_editor_a
):
    assessment = services.start(agency_a, editor_a)
    changed = mini_questionnaire()
    changed["dimensions"][0]["items"][0]["weight"] = 0.3
    changed["dimensions"][0]["items"][1]["weight"] = 0.2
    write_questionnaire(mini, changed)
    response = client_editor_a.get(f"/ikoe-check/{assessment.pk}/teil/strategy/")
    assert response.status_code == 302 and response["Location"] == f"/ikoe-check/{assessment.pk}/"
    page = client_editor_a.get(response["Location"]).content.decode()
    assert "Eine veröffentlichte Version darf sich nicht ändern" in page
