"""Accounts: memberships, roles, and the scope helper every query goes through."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import BooleanField, Case, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from ikoe.accounts.models import Membership, Role
from ikoe.accounts.scope import (
    ScopedQuerySet,
    forget_grants,
    get_object_for_user_or_404,
    has_role,
    is_nationwide,
    scope_queryset,
    visible,
    visible_lands,
    visible_organisations,
)
from ikoe.benchmarks.models import Benchmark
from ikoe.organisations.models import Organisation

pytestmark = pytest.mark.django_db

ALL_ORGS = {"DE-BE", "A-MIN", "A-AGY", "A-UNIT", "A-AGY2", "DE-HH", "B-MIN", "B-AGY", "B-UNIT"}


def user_of(cast, name):
    return AnonymousUser() if name == "anonymous" else cast.users[name]


def codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


class ReleasedRows(ScopedQuerySet):
    land_field = "land"
    agency_field = "pk"
    published_field = "released"


def released_rows() -> ReleasedRows:
    """Organisations standing in for data rows: A-UNIT is the one a coordinator released.

    The scope helper works on any queryset; the release flag is annotated here because the
    models with a real ``published`` field (surveys, indicators) come later. A real model
    declares the same with ``objects = ReleasedRows.as_manager()``.
    """
    return (
        ReleasedRows(model=Organisation)
        .exclude(kind="land")
        .annotate(
            released=Case(
                When(code="A-UNIT", then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


# --- reading: one case per cast member -------------------------------------------------------

READABLE_ROWS = {
    "federal_coordinator": {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2", "B-MIN", "B-AGY", "B-UNIT"},
    "staff_admin": {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2", "B-MIN", "B-AGY", "B-UNIT"},
    "coordinator_a": {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2"},
    "data_steward_a": {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2"},
    # rows of the agency and its units (not the Land's own rows, which belong to no agency)
    "editor_a": {"A-AGY", "A-UNIT"},
    "agency_viewer_a": {"A-AGY", "A-UNIT"},
    "agency_steward_a": {"A-AGY", "A-UNIT"},
    "viewer_b": {"B-MIN", "B-AGY", "B-UNIT", "A-UNIT"},
    "anonymous": {"A-UNIT"},
}


@pytest.mark.parametrize(("name", "expected"), READABLE_ROWS.items())
def test_each_cast_member_reads_exactly_their_scope_and_released_rows(cast, name, expected):
    user = user_of(cast, name)

    assert codes(released_rows().visible_to(user)) == expected
    assert (
        codes(scope_queryset(released_rows(), user, agency_field="pk", published_field="released"))
        == expected
    )


def test_an_agency_member_does_not_read_the_lands_own_rows_that_belong_to_no_agency(cast, editor_a):
    # Memberships have a Land and an optional agency: the Land-wide ones belong to no agency.
    rows = scope_queryset(Membership.objects.all(), editor_a, agency_field="agency")

    assert {m.user.username for m in rows} == {"editor_a", "agency_viewer_a", "agency_steward_a"}


def test_without_an_agency_field_an_agency_member_reads_the_lands_rows(cast, editor_a):
    qs = scope_queryset(Organisation.objects.exclude(kind="land"), editor_a)

    assert codes(qs) == {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2"}


def test_land_b_gets_404_on_land_as_unreleased_object(viewer_b, coordinator_a, unit_a, agency_a):
    assert get_object_for_user_or_404(released_rows(), coordinator_a, pk=agency_a.pk) == agency_a
    with pytest.raises(Http404):
        get_object_for_user_or_404(released_rows(), viewer_b, pk=agency_a.pk)
    # Released rows are public, so Land B sees them too; changing them is another matter.
    assert get_object_for_user_or_404(released_rows(), viewer_b, pk=unit_a.pk) == unit_a
    with pytest.raises(Http404):
        get_object_for_user_or_404(released_rows(), viewer_b, pk=unit_a.pk, role=Role.VIEWER)


def test_land_b_gets_404_on_land_as_organisation_page_through_the_scoped_lookup(
    viewer_b, coordinator_a, ministry_a
):
    assert get_object_for_user_or_404(Organisation, coordinator_a, code="A-MIN") == ministry_a
    with pytest.raises(Http404):
        get_object_for_user_or_404(Organisation, viewer_b, code="A-MIN")


# --- changing: role= needs the role within reach -------------------------------------------

EDITABLE_ROWS = {
    "federal_coordinator": {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2", "B-MIN", "B-AGY", "B-UNIT"},
    "coordinator_a": {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2"},
    "data_steward_a": {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2"},
    "editor_a": {"A-AGY", "A-UNIT"},
    "agency_viewer_a": set(),
    "agency_steward_a": {"A-AGY", "A-UNIT"},
    "viewer_b": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize(("name", "expected"), EDITABLE_ROWS.items())
def test_changing_needs_the_role_within_reach_and_released_rows_grant_nothing(cast, name, expected):
    qs = scope_queryset(
        released_rows(),
        user_of(cast, name),
        agency_field="pk",
        published_field="released",
        role=Role.EDITOR,
    )

    assert codes(qs) == expected


def test_releasing_needs_a_coordinator(cast):
    for name, expected in [
        ("coordinator_a", {"A-MIN", "A-AGY", "A-UNIT", "A-AGY2"}),
        ("data_steward_a", set()),
        ("editor_a", set()),
        ("federal_coordinator", set(ALL_ORGS) - {"DE-BE", "DE-HH"}),
    ]:
        qs = scope_queryset(
            released_rows(), cast.users[name], agency_field="pk", role=Role.COORDINATOR
        )
        assert codes(qs) == expected, name


# --- organisations ---------------------------------------------------------------------------

VISIBLE_ORGANISATIONS = {
    "federal_coordinator": ALL_ORGS,
    "coordinator_a": {"DE-BE", "A-MIN", "A-AGY", "A-UNIT", "A-AGY2", "DE-HH"},
    "data_steward_a": {"DE-BE", "A-MIN", "A-AGY", "A-UNIT", "A-AGY2", "DE-HH"},
    "editor_a": {"DE-BE", "A-MIN", "A-AGY", "A-UNIT", "DE-HH"},
    "agency_viewer_a": {"DE-BE", "A-MIN", "A-AGY", "A-UNIT", "DE-HH"},
    "agency_steward_a": {"DE-BE", "A-MIN", "A-AGY", "A-UNIT", "DE-HH"},
    "viewer_b": {"DE-BE", "DE-HH", "B-MIN", "B-AGY", "B-UNIT"},
    "anonymous": {"DE-BE", "DE-HH"},
}


@pytest.mark.parametrize(("name", "expected"), VISIBLE_ORGANISATIONS.items())
def test_everyone_sees_the_laender_and_members_the_tree_in_their_scope(cast, name, expected):
    assert codes(visible_organisations(user_of(cast, name))) == expected
    assert codes(visible(Organisation, user_of(cast, name))) == expected


def test_an_agency_editor_may_change_only_their_agency_and_its_units(editor_a):
    assert codes(visible_organisations(editor_a, Role.EDITOR)) == {"A-AGY", "A-UNIT"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("federal_coordinator", None),
        ("coordinator_a", {"DE-BE"}),
        ("data_steward_a", {"DE-BE"}),
        ("editor_a", {"DE-BE"}),
        ("viewer_b", {"DE-HH"}),
        ("anonymous", set()),
    ],
)
def test_visible_lands_are_the_members_laender(cast, name, expected):
    lands = codes(visible_lands(user_of(cast, name)))
    assert lands == (
        expected if expected is not None else codes(Organisation.objects.filter(kind="land"))
    )


def test_a_model_without_a_scope_rule_is_refused_not_shown(coordinator_a):
    with pytest.raises(ImproperlyConfigured, match="Benchmark has no scope rule"):
        visible(Benchmark, coordinator_a)


# --- roles -----------------------------------------------------------------------------------


def test_has_role_follows_the_role_order_within_reach(
    cast, land_a, land_b, agency_a, agency_a2, unit_a
):
    fed, coord, steward, editor, viewer = (
        cast.users[n]
        for n in ["federal_coordinator", "coordinator_a", "data_steward_a", "editor_a", "viewer_b"]
    )
    # the federal coordinator is a coordinator everywhere, but not an administrator
    assert has_role(fed, Role.COORDINATOR, land=land_b)
    assert has_role(fed, Role.FEDERAL_COORDINATOR)
    assert not has_role(fed, Role.ADMINISTRATOR)
    # a Land coordinator includes the lower roles in Land A only
    assert has_role(coord, Role.EDITOR, land=land_a)
    assert has_role(coord, Role.DATA_STEWARD, agency=unit_a)
    assert not has_role(coord, Role.VIEWER, land=land_b)
    assert not has_role(coord, Role.FEDERAL_COORDINATOR)
    # a data steward is an editor but not a coordinator
    assert has_role(steward, Role.EDITOR, land=land_a)
    assert not has_role(steward, Role.COORDINATOR, land=land_a)
    # the agency editor edits their agency and its units, not the Land as a whole
    assert has_role(editor, Role.EDITOR, agency=agency_a)
    assert has_role(editor, Role.EDITOR, agency=unit_a)
    assert not has_role(editor, Role.EDITOR, agency=agency_a2)
    assert not has_role(editor, Role.EDITOR, land=land_a)
    assert not has_role(editor, Role.DATA_STEWARD, agency=agency_a)
    assert has_role(editor, Role.EDITOR)  # somewhere
    # the viewer of Land B
    assert has_role(viewer, Role.VIEWER, land=land_b)
    assert not has_role(viewer, Role.EDITOR)
    assert not has_role(viewer, Role.VIEWER, land=land_a)
    # anonymous
    assert not has_role(AnonymousUser(), Role.VIEWER)


def test_only_federal_coordinators_and_administrators_are_nationwide(cast):
    assert {n for n, u in cast.users.items() if is_nationwide(u)} == {
        "federal_coordinator",
        "staff_admin",
    }


def test_an_inactive_user_has_no_scope(viewer_b):
    viewer_b.is_active = False
    forget_grants(viewer_b)

    assert not has_role(viewer_b, Role.VIEWER)
    assert codes(visible_organisations(viewer_b)) == {"DE-BE", "DE-HH"}


def test_grants_are_read_again_after_forget_grants(viewer_b, land_a):
    assert not has_role(viewer_b, Role.VIEWER, land=land_a)
    Membership.objects.create(user=viewer_b, land=land_a, role=Role.VIEWER)
    forget_grants(viewer_b)

    assert has_role(viewer_b, Role.VIEWER, land=land_a)


# --- memberships ----------------------------------------------------------------------------


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("role", "land", "agency", "message"),
    [
        (Role.EDITOR, None, None, "This role needs a Land."),
        (Role.EDITOR, "A-MIN", None, "Choose an organisation of kind Land."),
        (Role.EDITOR, "DE-BE", "B-AGY", "The agency must belong to the chosen Land."),
        (
            Role.EDITOR,
            "DE-BE",
            "A-UNIT",
            "Choose an agency or an organisation outside the administration.",
        ),
        (
            Role.FEDERAL_COORDINATOR,
            "DE-BE",
            None,
            "Federal coordinators and administrators work nationwide; leave Land and agency empty.",
        ),
    ],
)
def test_a_membership_must_fit_its_role(cast, english, role, land, agency, message):
    membership = Membership(
        user=cast.users["viewer_b"],
        role=role,
        land=cast.orgs.get(land),
        agency=cast.orgs.get(agency),
    )

    with pytest.raises(ValidationError) as info:
        membership.full_clean()

    assert message in str(info.value)


# --- admin -----------------------------------------------------------------------------------


def test_the_admin_speaks_german_by_default(client):
    html = client.get(reverse("admin:login")).content.decode()

    assert "Benutzername" in html
    assert "Anmelden" in html


def test_the_admin_index_names_the_platform_and_its_apps_in_german(client_staff_admin):
    html = client_staff_admin.get(reverse("admin:index")).content.decode()

    assert "<title>Übersicht | IKÖ-Monitor – Verwaltung</title>" in html
    assert ">IKÖ-Monitor – Verwaltung</a>" in html  # the site header
    for heading in [
        "Konten und Rollen",
        "Organisationen",
        "Öffentliche Vergleichswerte",
        "Beschäftigtenbefragungen",
        "Anmeldesperren",
    ]:
        assert f'class="section" title="Modelle der {heading}-Anwendung">{heading}</a>' in html
    # Not Django's name, no app without models (the migration history), no app labels, no
    # groups: access comes from memberships.
    for absent in ["Django", "Migrationsverlauf", "MONITORING", "Axes", "Gruppen"]:
        assert absent not in html


def test_the_admin_index_in_english(client_staff_admin):
    client_staff_admin.cookies["django_language"] = "en"
    html = client_staff_admin.get(reverse("admin:index")).content.decode()

    assert ">IKÖ-Monitor – Administration</a>" in html
    assert ">Sign-in lockouts</a>" in html
    assert "Django" not in html
    assert "Groups" not in html


def test_the_admin_user_page_offers_no_groups(client_staff_admin, viewer_b):
    html = client_staff_admin.get(
        reverse("admin:auth_user_change", args=[viewer_b.pk])
    ).content.decode()

    assert 'name="user_permissions"' in html
    assert 'name="groups"' not in html
    assert "Gruppen" not in html


def test_the_admin_edits_memberships_on_the_user_page(client_staff_admin, viewer_b, land_a):
    url = reverse("admin:auth_user_change", args=[viewer_b.pk])
    assert "memberships-TOTAL_FORMS" in client_staff_admin.get(url).content.decode()

    membership = viewer_b.memberships.get()
    data = {
        "username": "viewer_b",
        "is_active": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": membership.pk,
        "memberships-0-user": viewer_b.pk,
        "memberships-0-role": "viewer",
        "memberships-0-land": membership.land_id,
        "memberships-1-user": viewer_b.pk,
        "memberships-1-role": "editor",
        "memberships-1-land": land_a.pk,
    }
    response = client_staff_admin.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(viewer_b.memberships.values_list("role", "land__code")) == {
        ("viewer", "DE-HH"),
        ("editor", "DE-BE"),
    }


def test_the_admin_lists_memberships(client_staff_admin, cast):
    response = client_staff_admin.get(
        reverse("admin:accounts_membership_changelist"), {"role__exact": "editor"}
    )

    assert response.status_code == 200
    assert "editor_a" in response.content.decode()


def test_the_cast_spans_two_laender(cast):
    assert {m.land.code for m in Membership.objects.exclude(land=None)} == {"DE-BE", "DE-HH"}
    assert get_user_model().objects.count() == 8


def test_the_login_page_signs_a_cast_member_in_and_back_to_where_they_were(cast, client_anonymous):
    page = client_anonymous.get(reverse("login"), {"next": "/laendervergleich/"})
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()

    response = client_anonymous.post(
        reverse("login"),
        {"username": "viewer_b", "password": cast.password, "next": "/laendervergleich/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/laendervergleich/"
