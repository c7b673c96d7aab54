"""How a reader finds the pages of the IKÖ-Check: the overview lists shared checks and the Land
overview for coordinators; the pages of one check link to each other."""

from __future__ import annotations

import pytest

from ikoe.assessment import services
from ikoe.assessment.models import Assessment

pytestmark = pytest.mark.django_db


def _finished(organisation, user, sharing=Assessment.Sharing.PRIVATE):
    assessment = services.start(organisation, user)
    for item in services.questionnaire_of(assessment).items(()):
        services.answer(assessment, item.id, user, level=2)
    services.finish(assessment, user)
    Assessment.objects.filter(pk=assessment.pk).update(sharing=sharing)
    return assessment


def test_the_coordination_finds_its_land_overview_and_what_was_shared(
    agency_a, editor_a, client_coordinator_a, client_editor_a, client_viewer_b
):
    page = client_coordinator_a.get("/ikoe-check/").content.decode()
    assert 'href="/ikoe-check/land/DE-BE/"' in page
    assert 'href="/ikoe-check/land/' not in client_editor_a.get("/ikoe-check/").content.decode()
    assert 'href="/ikoe-check/land/' not in client_viewer_b.get("/ikoe-check/").content.decode()
    private = _finished(agency_a, editor_a)
    assert (
        f"/ikoe-check/{private.pk}/ergebnis/"
        not in client_coordinator_a.get("/ikoe-check/").content.decode()
    )
    Assessment.objects.filter(pk=private.pk).update(sharing=Assessment.Sharing.LAND)
    page = client_coordinator_a.get("/ikoe-check/").content.decode()
    assert "Von anderen Organisationen mit Ihnen geteilt" in page
    assert f'href="/ikoe-check/{private.pk}/ergebnis/"' in page
    # Land B sees nothing of Land A's shared check
    assert f"/ikoe-check/{private.pk}/" not in client_viewer_b.get("/ikoe-check/").content.decode()


def test_the_pages_of_one_check_link_to_each_other(
    agency_a, editor_a, client_editor_a, client_anonymous
):
    assessment = _finished(agency_a, editor_a, Assessment.Sharing.PUBLIC)
    base = f"/ikoe-check/{assessment.pk}/"
    for path, current in ((base, base), (base + "ergebnis/", base + "ergebnis/")):
        page = client_editor_a.get(path).content.decode()
        nav = page[page.index('class="check-nav') : page.index("</nav>", page.index("check-nav"))]
        for link in (base, base + "ergebnis/", base + "massnahmenplan/"):
            assert f'href="{link}"' in nav
        assert f'href="{current}" aria-current="page"' in nav
    # a visitor of a public result is not offered the members' overview
    page = client_anonymous.get(base + "ergebnis/").content.decode()
    nav = page[page.index('class="check-nav') : page.index("</nav>", page.index("check-nav"))]
    assert f'href="{base}"' not in nav and f'href="{base}massnahmenplan/"' in nav


def test_a_draft_is_a_task_on_the_home_page_of_its_editors(
    agency_a, editor_a, client_editor_a, client_agency_viewer_a, client_viewer_b
):
    draft = services.start(agency_a, editor_a)
    link = f'href="/ikoe-check/{draft.pk}/"'
    assert link in client_editor_a.get("/").content.decode()
    assert "IKÖ-Checks in Bearbeitung" in client_editor_a.get("/").content.decode()
    assert link not in client_agency_viewer_a.get("/").content.decode()  # viewers fill in nothing
    assert link not in client_viewer_b.get("/").content.decode()


def test_results_and_the_land_overview_name_their_source_and_method(
    agency_a, editor_a, client_editor_a, client_anonymous, settings
):
    assessment = _finished(agency_a, editor_a)
    page = client_editor_a.get(f"/ikoe-check/{assessment.pk}/ergebnis/").content.decode()
    box = page[page.index('<aside class="source-box"') :]
    box = box[: box.index("</aside>")]
    assert "Selbstbewertung von Agency A mit dem IKÖ-Check, Fragebogenversion" in box
    assert 'href="/methodik/#ikoe-check"' in box
    settings.ASSESSMENT_MIN_PEERS = 7
    methods = client_anonymous.get("/methodik/").content.decode()
    assert 'id="ikoe-check"' in methods and "mindestens 7 Organisationen" in methods
