"""The measures registry (issue 15, "Measures"): roll-up of progress, what is overdue, the boards
with their timeline, one measure with its history, the forms, and who may see and change what."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from ikoe.assessment import services as assessment_services
from ikoe.measures import services
from ikoe.measures.models import Change, Measure, Milestone

pytestmark = pytest.mark.django_db

TODAY = date.today()


@pytest.fixture(autouse=True)
def _english(settings):
    """The pages in English: the assertions read the source texts (the German translations of
    the new texts come with the next catalogue update)."""
    settings.LANGUAGE_CODE = "en"


def text(response) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def measure(org, user=None, **values) -> Measure:  # type: ignore[no-untyped-def]
    data = {"title": "Sprachmittlung", "type": Measure.Type.ACCESS}
    data.update(values)
    return services.create_measure(user, organisation=org, **data)


# --- roll-up and overdue -------------------------------------------------------------------


def test_a_parent_shows_the_mean_progress_of_its_parts_recursively(cast):
    a = cast.orgs["A-AGY"]
    parent = measure(a, title="Parent", progress=90)
    first = measure(a, title="First", progress=20, parent=parent)
    second = measure(a, title="Second", progress=60, parent=parent)
    assert services.rolled_up_progress([parent])[parent.pk] == pytest.approx(40.0)
    # A grandchild: the second part now has two parts of its own (100 % and 0 %), so it counts
    # with 50 %, and the parent with (20 + 50) / 2 = 35 %.
    measure(a, title="Grandchild 1", progress=100, parent=second)
    measure(a, title="Grandchild 2", progress=0, parent=second)
    found = services.rolled_up_progress([parent, first, second])
    assert found[second.pk] == pytest.approx(50.0)
    assert found[first.pk] == pytest.approx(20.0)
    assert found[parent.pk] == pytest.approx(35.0)


def test_a_measure_cannot_become_part_of_its_own_part(cast, coordinator_a):
    a = cast.orgs["A-AGY"]
    parent = measure(a, title="Parent")
    child = measure(a, title="Child", parent=parent)
    with pytest.raises(services.MeasureError):
        services.update_measure(parent, coordinator_a, parent=child)
    with pytest.raises(services.MeasureError):
        measure(a, title="Across", parent=measure(cast.orgs["B-AGY"], title="Land B"))


def test_overdue_milestones_and_measures(cast, coordinator_a):
    a = cast.orgs["A-AGY"]
    m = measure(a, start=TODAY - timedelta(days=100), end=TODAY - timedelta(days=1))
    late = services.add_milestone(m, coordinator_a, title="Konzept", due=TODAY - timedelta(days=5))
    on_time = services.add_milestone(m, coordinator_a, title="Start", due=TODAY)
    reached = services.add_milestone(
        m, coordinator_a, title="Schulung", due=TODAY - timedelta(days=9)
    )
    services.mark_milestone(reached, coordinator_a, done=TODAY - timedelta(days=10))
    assert services.milestone_overdue(late, TODAY)
    assert not services.milestone_overdue(on_time, TODAY)
    assert not services.milestone_overdue(Milestone.objects.get(pk=reached.pk), TODAY)
    found = services.overdue_milestones([m], TODAY)
    assert [(o.milestone.title, o.days) for o in found] == [("Konzept", 5)]
    assert services.measure_overdue(m, TODAY)
    for status in (Measure.Status.COMPLETED, Measure.Status.CANCELLED):
        m.status = status
        assert not services.measure_overdue(m, TODAY)
    m.status = Measure.Status.IN_PROGRESS
    m.end = TODAY
    assert not services.measure_overdue(m, TODAY)


# --- history ---------------------------------------------------------------------------------


def test_create_and_edit_through_the_pages_are_in_the_history(cast, client_editor_a):
    response = client_editor_a.post(
        "/massnahmen/neu/",
        {
            "organisation": cast.orgs["A-AGY"].pk,
            "title": "Mehrsprachige Formulare",
            "type": "access",
            "status": "planned",
            "progress": "10",
            "start": "2025-01-01",
            "end": "2026-12-31",
            "budget": "1,234.50",
        },
    )
    assert response.status_code == 302, text(response)
    m = Measure.objects.get(title="Mehrsprachige Formulare")
    assert str(m.budget) == "1234.50"
    assert response["Location"] == f"/massnahmen/{m.pk}/"
    response = client_editor_a.post(
        f"/massnahmen/{m.pk}/bearbeiten/",
        {
            "organisation": cast.orgs["A-AGY"].pk,
            "title": "Mehrsprachige Formulare",
            "type": "access",
            "status": "in_progress",
            "progress": "45",
            "start": "2025-01-01",
            "end": "2026-12-31",
            "budget": "1,234.50",
        },
    )
    assert response.status_code == 302, text(response)
    rows = list(Change.objects.filter(registry="measure", object_id=m.pk).order_by("pk"))
    assert [r.action for r in rows] == ["created", "changed"]
    assert rows[0].user_name == "editor_a"
    assert rows[1].fields == {"status": ["planned", "in_progress"], "progress": [10, 45]}
    page = text(client_editor_a.get(f"/massnahmen/{m.pk}/"))
    assert "Progress (%): 10 → 45" in page
    assert "Status: planned → in progress" in page


def test_the_form_refuses_an_end_before_the_start_with_a_message(cast, client_editor_a):
    response = client_editor_a.post(
        "/massnahmen/neu/",
        {
            "organisation": cast.orgs["A-AGY"].pk,
            "title": "X",
            "type": "access",
            "status": "planned",
            "progress": "101",
            "start": "2026-01-01",
            "end": "2025-01-01",
        },
    )
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert not Measure.objects.exists()


def test_milestones_are_added_marked_and_recorded(cast, client_editor_a):
    m = measure(cast.orgs["A-AGY"])
    response = client_editor_a.post(
        f"/massnahmen/{m.pk}/meilenstein/", {"title": "Konzept", "due": "2020-03-01"}
    )
    assert response.status_code == 302
    ms = m.milestones.get()
    page = client_editor_a.get(f"/massnahmen/{m.pk}/").content.decode()
    assert 'class="overdue"' in page and "overdue:" in page
    response = client_editor_a.post(f"/massnahmen/{m.pk}/meilenstein/", {"milestone": ms.pk})
    assert response.status_code == 302
    ms.refresh_from_db()
    assert ms.done == TODAY
    actions = list(
        Change.objects.filter(registry="milestone", object_id=ms.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["created", "changed"]


def test_delete_asks_first_keeps_parts_and_is_recorded(cast, client_editor_a):
    parent = measure(cast.orgs["A-AGY"], title="Parent")
    child = measure(cast.orgs["A-AGY"], title="Child", parent=parent)
    confirm = client_editor_a.get(f"/massnahmen/{parent.pk}/loeschen/")
    assert confirm.status_code == 200 and Measure.objects.filter(pk=parent.pk).exists()
    response = client_editor_a.post(f"/massnahmen/{parent.pk}/loeschen/")
    assert response.status_code == 302
    assert not Measure.objects.filter(pk=parent.pk).exists()
    child.refresh_from_db()
    assert child.parent is None
    assert Change.objects.filter(registry="measure", object_id=parent.pk, action="deleted")
    assert Change.objects.get(registry="measure", object_id=child.pk, action="changed").fields == {
        "parent": ["Parent", None]
    }


# --- scope -----------------------------------------------------------------------------------


def test_scope_across_two_laender_and_an_agency_limited_editor(
    cast, client_viewer_b, client_editor_a, client_agency_viewer_a, client_coordinator_a
):
    own = measure(cast.orgs["A-AGY"], title="Own agency")
    unit = measure(cast.orgs["A-UNIT"], title="Unit below")
    other = measure(cast.orgs["A-AGY2"], title="Other agency")
    ministry = measure(cast.orgs["A-MIN"], title="Ministry")
    in_b = measure(cast.orgs["B-AGY"], title="Land B measure")
    # Land B's viewer: 404 on every page of Land A; sees its own Land.
    for path in (
        f"/massnahmen/{own.pk}/",
        "/massnahmen/land/DE-BE/",
        "/massnahmen/organisation/A-AGY/",
    ):
        assert client_viewer_b.get(path).status_code == 404, path
    assert "Land B measure" in text(client_viewer_b.get("/massnahmen/land/DE-HH/"))
    # A viewer may not change (the permission map: 403).
    assert client_viewer_b.get(f"/massnahmen/{in_b.pk}/bearbeiten/").status_code == 403
    # The agency-limited editor: its subtree only.
    board = text(client_editor_a.get("/massnahmen/land/DE-BE/"))
    assert "Own agency" in board and "Unit below" in board
    assert "Other agency" not in board and "Ministry" not in board
    for m in (other, ministry, in_b):
        assert client_editor_a.get(f"/massnahmen/{m.pk}/").status_code == 404
        assert client_editor_a.post(f"/massnahmen/{m.pk}/bearbeiten/", {}).status_code == 404
        assert client_editor_a.post(f"/massnahmen/{m.pk}/loeschen/").status_code == 404
    assert client_editor_a.get("/massnahmen/organisation/A-AGY2/").status_code == 404
    assert client_editor_a.get(f"/massnahmen/{unit.pk}/bearbeiten/").status_code == 200
    # It cannot create a measure of another agency: not among the choices.
    form = client_editor_a.get("/massnahmen/neu/").content.decode()
    assert "Agency A2" not in form and "Ministry A" not in form and "Unit A" in form
    response = client_editor_a.post(
        "/massnahmen/neu/",
        {
            "organisation": cast.orgs["A-AGY2"].pk,
            "title": "Sneaky",
            "type": "access",
            "status": "planned",
            "progress": "0",
        },
    )
    assert response.status_code == 200 and not Measure.objects.filter(title="Sneaky").exists()
    # The agency-limited viewer sees its agency's measure, may not change it (403).
    assert client_agency_viewer_a.get(f"/massnahmen/{own.pk}/").status_code == 200
    assert client_agency_viewer_a.get(f"/massnahmen/{own.pk}/bearbeiten/").status_code == 403
    assert client_agency_viewer_a.get(f"/massnahmen/{other.pk}/").status_code == 404
    # The coordination of Land A sees all of Land A and none of Land B.
    board = text(client_coordinator_a.get("/massnahmen/land/DE-BE/"))
    assert "Other agency" in board and "Ministry" in board and "Land B measure" not in board


def test_anonymous_is_sent_to_the_login(cast, client_anonymous):
    m = measure(cast.orgs["A-AGY"])
    for path in (
        "/massnahmen/",
        "/massnahmen/land/DE-BE/",
        "/massnahmen/organisation/A-AGY/",
        f"/massnahmen/{m.pk}/",
        "/massnahmen/neu/",
        f"/massnahmen/{m.pk}/bearbeiten/",
        f"/massnahmen/{m.pk}/loeschen/",
        f"/massnahmen/{m.pk}/meilenstein/",
    ):
        response = client_anonymous.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path


# --- the board -------------------------------------------------------------------------------


def test_the_board_counts_groups_filters_and_draws_a_timeline_with_a_table(
    cast, client_coordinator_a, coordinator_a
):
    a = cast.orgs["A-AGY"]
    late = measure(
        a,
        title="Late one",
        dimension="personnel",
        status="in_progress",
        start=TODAY - timedelta(days=400),
        end=TODAY - timedelta(days=30),
    )
    services.add_milestone(late, coordinator_a, title="Missed step", due=TODAY - timedelta(days=3))
    measure(
        cast.orgs["A-AGY2"],
        title="Done one",
        dimension="training",
        status="completed",
        start=TODAY - timedelta(days=200),
        end=TODAY + timedelta(days=100),
    )
    measure(a, title="No dates", dimension="personnel")
    response = client_coordinator_a.get("/massnahmen/land/DE-BE/")
    html = response.content.decode()
    page = text(response)
    # Counts per dimension and status
    assert "Personnel development and diversity-oriented recruitment" in page
    counts = html[
        html.index('id="caption-counts"') : html.index("</table>", html.index("caption-counts"))
    ]
    assert re.search(r"<tfoot>.*>3</td></tr></tfoot>", counts, re.S)
    # Overdue: text and class, not colour only
    assert "overdue: Missed step" in page
    assert 'class="overdue"' in html
    # The timeline: an SVG with role img and a table with the same dates
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "timeline-today" in svg
    assert svg.count("timeline-bar") == 2  # the measure without dates is left out
    table = html[html.index('id="caption-timeline"') :]
    table = table[: table.index("</table>")]
    assert "Late one" in table and "Done one" in table and "No dates" not in table
    assert (TODAY - timedelta(days=30)).strftime("%m/%d/%Y") in table
    # Filters
    filtered = text(client_coordinator_a.get("/massnahmen/land/DE-BE/", {"status": "completed"}))
    assert "Done one" in filtered and "Late one" not in filtered
    filtered = text(client_coordinator_a.get("/massnahmen/land/DE-BE/", {"organisation": "A-AGY"}))
    assert "Done one" not in filtered and "Late one" in filtered
    filtered = text(client_coordinator_a.get("/massnahmen/land/DE-BE/", {"dimension": "training"}))
    assert "Done one" in filtered and "No dates" not in filtered
    filtered = text(client_coordinator_a.get("/massnahmen/land/DE-BE/", {"type": "recruitment"}))
    assert "No measure matches the filters." in filtered
    # Grouped by dimension
    grouped = text(client_coordinator_a.get("/massnahmen/land/DE-BE/", {"group": "dimension"}))
    assert "Measures by IKÖ-Check dimension" in grouped and "Late one" in grouped
    # One organisation
    org_page = text(client_coordinator_a.get("/massnahmen/organisation/A-AGY2/"))
    assert "Done one" in org_page and "Late one" not in org_page


def test_every_table_has_the_legend_right_below(cast, client_coordinator_a, coordinator_a):
    from tests.test_page_patterns import tables_and_what_follows

    legend = "Symbols:"

    parent = measure(cast.orgs["A-AGY"], title="P", start=TODAY, end=TODAY + timedelta(days=9))
    measure(cast.orgs["A-AGY"], title="C", parent=parent)
    services.add_milestone(parent, coordinator_a, title="M", due=TODAY - timedelta(days=1))
    for path in ("/massnahmen/land/DE-BE/", f"/massnahmen/{parent.pk}/"):
        html = client_coordinator_a.get(path).content.decode()
        after = tables_and_what_follows(html)
        assert len(after) >= 3, path
        for part in after:
            assert legend in part, path


# --- origins ---------------------------------------------------------------------------------


def test_a_measure_from_an_ikoe_check_gap_keeps_the_link(cast, client_editor_a, editor_a):
    assessment = assessment_services.start(cast.orgs["A-AGY"], editor_a)
    found = assessment_services.questionnaire_of(assessment)
    item = next(iter(found.items(assessment.sectors)))
    assessment_services.answer(assessment, item.id, editor_a, level=1)
    # The action plan offers the link.
    plan = client_editor_a.get(reverse("assessment:plan", args=[assessment.pk]))
    assert "Create as a measure" in plan.content.decode()
    url = f"/massnahmen/neu/?from=assessment&assessment={assessment.pk}&item={item.id}"
    form = client_editor_a.get(url)
    assert form.status_code == 200
    assert str(item.question)[:40] in unescape(form.content.decode())
    response = client_editor_a.post(
        url,
        {
            "organisation": cast.orgs["A-AGY"].pk,
            "title": str(item.question)[:300],
            "type": "organisation",
            "dimension": item.dimension,
            "status": "planned",
            "progress": "0",
        },
    )
    assert response.status_code == 302, text(response)
    m = Measure.objects.get()
    assert m.origin == Measure.Origin.ASSESSMENT
    assert m.origin_assessment == assessment and m.origin_item == item.id
    detail = client_editor_a.get(f"/massnahmen/{m.pk}/").content.decode()
    assert reverse("assessment:plan", args=[assessment.pk]) in detail


def test_an_origin_out_of_reach_answers_404(cast, client_editor_a, coordinator_a):
    other = assessment_services.start(cast.orgs["A-AGY2"], coordinator_a)
    item = next(iter(assessment_services.questionnaire_of(other).items(other.sectors)))
    url = f"/massnahmen/neu/?from=assessment&assessment={other.pk}&item={item.id}"
    assert client_editor_a.get(url).status_code == 404
    assert client_editor_a.get("/massnahmen/neu/?from=plan&plan=999").status_code == 404
    assert client_editor_a.get("/massnahmen/neu/?from=barrier&selection=nope").status_code == 404


def test_a_measure_from_a_promotion_plan_links_back(cast, client_editor_a):
    from ikoe.targets.models import PromotionPlan

    plan = PromotionPlan.objects.create(
        organisation=cast.orgs["A-AGY"],
        period_start=2025,
        period_end=2028,
        goals="Mehr Vielfalt",
        responsible="Personalreferat",
    )
    page = client_editor_a.get("/ziele/organisation/A-AGY/").content.decode()
    assert f"from=plan&amp;plan={plan.pk}" in page
    url = f"/massnahmen/neu/?from=plan&plan={plan.pk}"
    form = client_editor_a.get(url).content.decode()
    assert "promotion plan 2025–2028" in unescape(form)
    response = client_editor_a.post(
        url,
        {
            "organisation": cast.orgs["A-AGY"].pk,
            "title": "Mentoring",
            "type": "personnel",
            "status": "planned",
            "progress": "0",
        },
    )
    assert response.status_code == 302
    m = Measure.objects.get()
    assert m.origin_plan == plan
    detail = client_editor_a.get(f"/massnahmen/{m.pk}/").content.decode()
    assert "/ziele/organisation/A-AGY/" in detail


def test_the_navigation_offers_measures_to_members_only(cast, client_viewer_b, client_anonymous):
    assert 'href="/massnahmen/"' in client_viewer_b.get("/").content.decode()
    assert 'href="/massnahmen/"' not in client_anonymous.get("/").content.decode()
    index = text(client_viewer_b.get("/massnahmen/"))
    assert "Measures of Land B" in index and "Land A" not in index


def client_of(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_measure_from_a_finding_of_the_barrier_analysis_links_back(cast, client_coordinator_a):
    from ikoe.barriers.models import SelectionData

    data = SelectionData.objects.create(
        name="auswahl-2024",
        title="Auswahlverfahren 2024",
        land=cast.orgs["DE-BE"],
        form="counts",
        snapshot="x",
        snapshot_sha256="0" * 64,
    )
    url = "/massnahmen/neu/?from=barrier&selection=auswahl-2024&funnel=Polizei&stage=Test"
    form = unescape(client_coordinator_a.get(url).content.decode())
    assert "Lower the barrier at the stage “Test”" in form
    response = client_coordinator_a.post(
        url,
        {
            "organisation": cast.orgs["A-MIN"].pk,
            "title": "Testverfahren prüfen",
            "type": "recruitment",
            "status": "planned",
            "progress": "0",
        },
    )
    assert response.status_code == 302, text(response)
    m = Measure.objects.get()
    assert (m.origin, m.origin_selection, m.origin_funnel, m.origin_stage) == (
        "barrier",
        data,
        "Polizei",
        "Test",
    )
    detail = client_coordinator_a.get(f"/massnahmen/{m.pk}/").content.decode()
    assert "/auswahlverfahren/auswahl-2024/" in detail


def test_a_long_board_counts_every_measure_and_lists_one_page_at_a_time(
    agency_a, client_coordinator_a, monkeypatch
):
    from ikoe.measures import measure_views

    monkeypatch.setattr(measure_views, "BOARD_PAGE_SIZE", 3)
    for n in range(7):
        Measure.objects.create(organisation=agency_a, title=f"M{n}", type="recruitment")
    first = client_coordinator_a.get("/massnahmen/land/DE-BE/?group=status").content.decode()
    assert "Measures 1 to 3 of 7" in first  # this file reads the pages in English
    assert first.count('href="/massnahmen/') >= 3
    assert "page=2" in first and "group=status" in first[first.index('class="pager"') :]
    last = client_coordinator_a.get("/massnahmen/land/DE-BE/?group=status&page=3").content.decode()
    assert "Measures 7 to 7 of 7" in last and "M6" in last
    # the count table still covers all seven
    counts = last[last.index("<tfoot>") : last.index("</tfoot>")]
    assert '<td class="num">7</td>' in counts
