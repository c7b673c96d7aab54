"""Membership pages (/mitglieder/): coordinators manage their Land, the federal level every Land,
nobody beyond their reach; and the Django admin is for superusers only."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from ikoe.accounts.models import Membership, Role

pytestmark = pytest.mark.django_db

LIST_A = "/mitglieder/DE-BE/"
ADD_A = "/mitglieder/DE-BE/hinzufuegen/"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def membership_of(cast, username: str) -> Membership:
    return Membership.objects.get(user=cast.users[username])


def errors(response) -> str:
    """The text of the error summary and the field errors of a form page."""
    html = response.content.decode()
    found = re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", part) for part in found)


# --- who may open which page ----------------------------------------------------------------

PAGES = {
    "/mitglieder/": {
        "coordinator_a": 302,
        "federal_coordinator": 200,
        "staff_admin": 200,
        "data_steward_a": 403,
        "agency_steward_a": 403,
        "editor_a": 403,
        "viewer_b": 403,
        "anonymous": 302,
    },
    LIST_A: {
        "coordinator_a": 200,
        "federal_coordinator": 200,
        "staff_admin": 200,
        "data_steward_a": 403,
        "agency_steward_a": 403,
        "editor_a": 403,
        "viewer_b": 403,
        "anonymous": 302,
    },
    "/mitglieder/DE-HH/": {
        "coordinator_a": 404,
        "federal_coordinator": 200,
        "staff_admin": 200,
        "viewer_b": 403,
        "anonymous": 302,
    },
    ADD_A: {
        "coordinator_a": 200,
        "federal_coordinator": 200,
        "data_steward_a": 403,
        "viewer_b": 403,
        "anonymous": 302,
    },
    "/mitglieder/DE-HH/hinzufuegen/": {"coordinator_a": 404, "federal_coordinator": 200},
    "/mitglieder/DE-XX-GIBTS-NICHT/": {"coordinator_a": 404, "federal_coordinator": 404},
}


@pytest.mark.parametrize("url", PAGES)
def test_each_membership_page_answers_each_member_by_their_reach(cast, url):
    answers = {}
    for name in PAGES[url]:
        client = Client()
        if name != "anonymous":
            client.force_login(cast.users[name])
        answers[name] = client.get(url).status_code

    assert answers == PAGES[url]


def test_a_coordinator_of_one_land_goes_straight_to_its_members(client_coordinator_a):
    response = client_coordinator_a.get("/mitglieder/")

    assert response["Location"] == LIST_A


def test_the_list_shows_the_lands_memberships_and_no_other_lands(client_coordinator_a, cast):
    html = client_coordinator_a.get(LIST_A).content.decode()

    for name in ("coordinator_a", "data_steward_a", "editor_a", "agency_viewer_a"):
        assert name in html, name
    assert "viewer_b" not in html and "federal_coordinator" not in html
    assert "Agency A" in html and "the whole Land" in html
    # one's own membership has no change link
    own = membership_of(cast, "coordinator_a")
    assert f"/mitglieder/DE-BE/{own.pk}/" not in html
    assert "your own membership" in html


def test_the_federal_coordinator_chooses_among_all_laender(client_federal):
    html = client_federal.get("/mitglieder/").content.decode()

    assert 'href="/mitglieder/DE-BE/"' in html and 'href="/mitglieder/DE-HH/"' in html


def test_the_members_link_is_in_the_menu_of_coordinators_only(
    client_coordinator_a, client_data_steward_a
):
    assert 'href="/mitglieder/"' in client_coordinator_a.get("/").content.decode()
    assert 'href="/mitglieder/"' not in client_data_steward_a.get("/").content.decode()


# --- adding ----------------------------------------------------------------------------------


def test_a_coordinator_adds_an_existing_account_by_user_name(client_coordinator_a, cast):
    response = client_coordinator_a.post(
        ADD_A, {"person": "VIEWER_B", "role": "editor", "agency": cast.orgs["A-AGY2"].pk}
    )

    assert response.status_code == 302 and response["Location"] == LIST_A
    added = Membership.objects.get(user=cast.users["viewer_b"], land=cast.orgs["DE-BE"])
    assert (added.role, added.agency) == (Role.EDITOR, cast.orgs["A-AGY2"])
    page = client_coordinator_a.get(LIST_A).content.decode()
    assert "viewer_b now has the role Editor." in page
    assert mail.outbox == []


def test_a_coordinator_adds_an_existing_account_by_e_mail_address(client_coordinator_a, cast):
    response = client_coordinator_a.post(
        ADD_A, {"person": "Viewer_B@Example.org", "role": "viewer"}
    )

    assert response.status_code == 302
    assert Membership.objects.filter(
        user=cast.users["viewer_b"], land=cast.orgs["DE-BE"], agency=None, role="viewer"
    ).exists()


def test_a_new_colleague_gets_an_account_and_an_e_mail_with_a_working_link(
    client_coordinator_a, cast
):
    response = client_coordinator_a.post(
        ADD_A,
        {
            "person": "Anna.Muster@berlin.example",
            "first_name": "Anna",
            "last_name": "Muster",
            "role": "data_steward",
            "agency": cast.orgs["A-AGY"].pk,
        },
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(username="anna.muster@berlin.example")
    assert (user.email, user.get_full_name()) == ("Anna.Muster@berlin.example", "Anna Muster")
    assert Membership.objects.get(user=user).agency == cast.orgs["A-AGY"]
    (message,) = mail.outbox
    assert message.to == ["Anna.Muster@berlin.example"]
    assert message.subject == "Your access to the IKÖ-Monitor"
    assert "Data steward, Agency A in Land A" in message.body
    assert "anna.muster@berlin.example" in message.body
    link = re.search(r"http://testserver(/passwort/neu/\S+/)", message.body)
    assert link, message.body

    newcomer = Client()
    form = newcomer.get(link.group(1), follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = newcomer.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Sommer-im-Amt-2024", "new_password2": "Sommer-im-Amt-2024"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    signed_in = newcomer.post(
        reverse("login"),
        {"username": "anna.muster@berlin.example", "password": "Sommer-im-Amt-2024"},
    )
    assert signed_in.status_code == 302


def test_an_unknown_user_name_is_explained(client_coordinator_a):
    response = client_coordinator_a.post(ADD_A, {"person": "niemand", "role": "viewer"})

    assert response.status_code == 200
    assert "No account has this user name." in errors(response)
    assert '<a href="#id_person">' in response.content.decode()


def test_an_e_mail_address_that_cannot_be_a_user_name_is_explained(client_coordinator_a):
    response = client_coordinator_a.post(ADD_A, {"person": "o'neill@example.org", "role": "viewer"})

    assert response.status_code == 200
    assert "This e-mail address cannot be used as a user name." in errors(response)
    assert not get_user_model().objects.filter(email="o'neill@example.org").exists()


def test_the_exact_user_name_wins_over_one_differing_in_case(client_coordinator_a, cast):
    get_user_model().objects.create_user("Viewer_B", "other@example.org")

    client_coordinator_a.post(ADD_A, {"person": "Viewer_B", "role": "viewer"})

    added = Membership.objects.get(land__code="DE-BE", role="viewer", agency=None)
    assert added.user.email == "other@example.org"


def test_the_same_membership_twice_is_refused(client_coordinator_a, cast):
    response = client_coordinator_a.post(
        ADD_A, {"person": "editor_a", "role": "editor", "agency": cast.orgs["A-AGY"].pk}
    )

    assert "This person has this membership already." in errors(response)


def test_a_coordinator_membership_cannot_be_limited_to_an_agency(client_coordinator_a, cast):
    response = client_coordinator_a.post(
        ADD_A, {"person": "viewer_b", "role": "coordinator", "agency": cast.orgs["A-AGY"].pk}
    )

    assert "A coordinator works for the whole Land; leave the agency empty." in errors(response)
    assert not Membership.objects.filter(user=cast.users["viewer_b"], role="coordinator").exists()


# --- what an attacker would try ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["federal_coordinator", "administrator", "superuser"])
def test_no_role_above_coordinator_can_be_given(client_coordinator_a, cast, role):
    response = client_coordinator_a.post(ADD_A, {"person": "viewer_b", "role": role})

    assert response.status_code == 200
    assert "Choose one of the roles in the list." in errors(response)
    assert cast.users["viewer_b"].memberships.count() == 1


def test_an_agency_of_another_land_reads_like_one_that_does_not_exist(client_coordinator_a, cast):
    other_land = client_coordinator_a.post(
        ADD_A, {"person": "viewer_b", "role": "viewer", "agency": cast.orgs["B-AGY"].pk}
    )
    missing = client_coordinator_a.post(
        ADD_A, {"person": "viewer_b", "role": "viewer", "agency": 987654}
    )

    assert errors(other_land) == errors(missing)
    assert "Choose an agency of Land A from the list." in errors(other_land)
    assert "Land B" not in other_land.content.decode()
    assert cast.users["viewer_b"].memberships.count() == 1


def test_a_land_id_in_the_post_does_not_move_the_membership_to_another_land(
    client_coordinator_a, cast
):
    response = client_coordinator_a.post(
        ADD_A, {"person": "editor_a", "role": "viewer", "land": cast.orgs["DE-HH"].pk}
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(user=cast.users["editor_a"], land__code="DE-HH").exists()
    assert Membership.objects.filter(
        user=cast.users["editor_a"], land__code="DE-BE", role="viewer"
    ).exists()


def test_a_coordinator_cannot_add_members_to_another_land(client_coordinator_a, cast):
    response = client_coordinator_a.post(
        "/mitglieder/DE-HH/hinzufuegen/", {"person": "coordinator_a", "role": "data_steward"}
    )

    assert response.status_code == 404
    assert not Membership.objects.filter(land__code="DE-HH", role="data_steward").exists()


def test_a_membership_of_another_land_cannot_be_changed_by_its_id(client_coordinator_a, cast):
    other = membership_of(cast, "viewer_b")
    for url in (
        f"/mitglieder/DE-BE/{other.pk}/",
        f"/mitglieder/DE-HH/{other.pk}/",
        f"/mitglieder/DE-BE/{other.pk}/entfernen/",
        f"/mitglieder/DE-HH/{other.pk}/entfernen/",
    ):
        assert client_coordinator_a.get(url).status_code == 404, url
        assert client_coordinator_a.post(url, {"role": "coordinator"}).status_code == 404, url

    other.refresh_from_db()
    assert (other.role, other.land.code) == ("viewer", "DE-HH")


def test_a_nationwide_membership_is_not_reached_through_a_land(client_coordinator_a, cast):
    federal = membership_of(cast, "federal_coordinator")

    assert client_coordinator_a.post(f"/mitglieder/DE-BE/{federal.pk}/entfernen/").status_code == (
        404
    )
    assert Membership.objects.filter(pk=federal.pk).exists()


@pytest.mark.parametrize("role", ["federal_coordinator", "administrator", "viewer"])
def test_a_coordinator_cannot_change_or_remove_their_own_membership(
    client_coordinator_a, cast, role
):
    own = membership_of(cast, "coordinator_a")

    changed = client_coordinator_a.post(f"/mitglieder/DE-BE/{own.pk}/", {"role": role})
    removed = client_coordinator_a.post(f"/mitglieder/DE-BE/{own.pk}/entfernen/")

    assert changed.status_code == removed.status_code == 403
    own.refresh_from_db()
    assert own.role == Role.COORDINATOR


def test_a_data_steward_cannot_add_members(client_data_steward_a, cast):
    response = client_data_steward_a.post(
        ADD_A, {"person": "data_steward_a", "role": "coordinator"}
    )

    assert response.status_code == 403
    assert membership_of(cast, "data_steward_a").role == Role.DATA_STEWARD


# --- changing and removing ---------------------------------------------------------------------


def test_a_coordinator_changes_role_and_agency_of_a_member(client_coordinator_a, cast):
    membership = membership_of(cast, "editor_a")
    url = f"/mitglieder/DE-BE/{membership.pk}/"
    page = client_coordinator_a.get(url).content.decode()
    assert '<option value="editor" selected>' in page

    response = client_coordinator_a.post(url, {"role": "data_steward", "agency": ""})

    assert response["Location"] == LIST_A
    membership.refresh_from_db()
    assert (membership.role, membership.agency) == (Role.DATA_STEWARD, None)


def test_a_coordinator_removes_a_membership_after_confirming(client_coordinator_a, cast):
    membership = membership_of(cast, "agency_viewer_a")
    url = f"/mitglieder/DE-BE/{membership.pk}/entfernen/"

    confirm = client_coordinator_a.get(url)
    assert confirm.status_code == 200 and "agency_viewer_a" in confirm.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()

    response = client_coordinator_a.post(url)

    assert response["Location"] == LIST_A
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert get_user_model().objects.filter(username="agency_viewer_a").exists()


def test_the_federal_coordinator_manages_another_lands_members(client_federal, cast):
    membership = membership_of(cast, "viewer_b")

    response = client_federal.post(f"/mitglieder/DE-HH/{membership.pk}/", {"role": "coordinator"})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR


def test_the_membership_pages_speak_german_by_default(client_coordinator_a, settings):
    settings.LANGUAGE_CODE = "de"

    html = client_coordinator_a.get(ADD_A).content.decode()

    assert "Rollenzuweisung hinzufügen" in html
    assert "Benutzername oder E-Mail-Adresse" in html


# --- the Django admin is for superusers only ------------------------------------------------


@pytest.fixture
def staff_with_every_permission(cast):
    """A member of Land A who is staff and holds every model permission, but is no superuser."""
    user = get_user_model().objects.create_user(
        "staff_a", "staff_a@example.org", cast.password, is_staff=True
    )
    user.user_permissions.set(Permission.objects.all())
    Membership.objects.create(user=user, role=Role.VIEWER, land=cast.orgs["DE-BE"])
    client = Client()
    client.force_login(user)
    return user, client


def test_a_staff_member_with_every_permission_cannot_use_the_admin(
    staff_with_every_permission, cast
):
    user, client = staff_with_every_permission

    index = client.get(reverse("admin:index"))
    add = client.post(
        reverse("admin:accounts_membership_add"),
        {"user": user.pk, "role": "data_steward", "land": cast.orgs["DE-HH"].pk},
    )

    assert index.status_code == add.status_code == 302
    assert index["Location"].startswith(reverse("admin:login"))
    assert not Membership.objects.filter(user=user, land__code="DE-HH").exists()
    assert 'href="/admin/"' not in client.get("/").content.decode()


def test_the_superuser_uses_the_admin(client_staff_admin):
    assert client_staff_admin.get(reverse("admin:index")).status_code == 200
    assert 'href="/admin/"' in client_staff_admin.get("/").content.decode()
