"""The fixed test cast: two Länder, an organisation tree in each, and one user per role edge.

Every view test can check its permission edges with the same people. Use the fixtures by name:

Organisations (``Organisation``; ``cast.orgs[code]`` for all of them)
    ``land_a``      DE-BE, named “Land A”
    ``land_b``      DE-HH, named “Land B”
    ``ministry_a``  A-MIN   ministry in Land A
    ``agency_a``    A-AGY   agency below A-MIN   (the agency editor's agency)
    ``unit_a``      A-UNIT  unit below A-AGY
    ``agency_a2``   A-AGY2  a second agency below A-MIN (outside the agency editor's scope)
    ``ministry_b``  B-MIN, ``agency_b`` B-AGY, ``unit_b`` B-UNIT   the same in Land B

Users (``User``; each has exactly one membership)
    ``federal_coordinator``  federal coordinator, nationwide
    ``coordinator_a``        coordinator of Land A
    ``data_steward_a``       data steward of Land A
    ``editor_a``             editor in Land A, agency A-AGY only (the “Land A agency editor”)
    ``agency_viewer_a``      viewer in Land A, agency A-AGY only
    ``agency_steward_a``     data steward in Land A, agency A-AGY only
    ``viewer_b``             viewer of Land B
    ``staff_admin``          administrator, nationwide, staff with all admin rights (superuser)

Clients (``django.test.Client``, logged in as the user of the same name)
    ``client_federal``, ``client_coordinator_a``, ``client_data_steward_a``, ``client_editor_a``,
    ``client_agency_viewer_a``, ``client_agency_steward_a``, ``client_viewer_b``,
    ``client_staff_admin``, and ``client_anonymous`` (nobody logged in).

``cast`` holds all of the above (``cast.users["editor_a"]``, ``cast.clients[...]`` needs the
client fixtures). The rules every view test checks: ``client_viewer_b`` gets 404 on Land A's
unreleased objects, and the agency-limited members of Land A get 404 on anything of an
unreleased survey outside A-AGY and its units (other agencies, ministries, the Land as a whole).
All users have the password ``cast.password``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.test import Client

from ikoe.accounts.models import Membership, Role
from ikoe.organisations.models import Organisation

PASSWORD = "cast-password-2024"

# code, name, parent, kind – in the order they are created
ORGANISATIONS = [
    ("DE-BE", "Land A", "", "land"),
    ("A-MIN", "Ministry A", "DE-BE", "ministry"),
    ("A-AGY", "Agency A", "A-MIN", "agency"),
    ("A-UNIT", "Unit A", "A-AGY", "unit"),
    ("A-AGY2", "Agency A2", "A-MIN", "agency"),
    ("DE-HH", "Land B", "", "land"),
    ("B-MIN", "Ministry B", "DE-HH", "ministry"),
    ("B-AGY", "Agency B", "B-MIN", "agency"),
    ("B-UNIT", "Unit B", "B-AGY", "unit"),
]

# user name, role, Land code, agency code
USERS = [
    ("federal_coordinator", Role.FEDERAL_COORDINATOR, "", ""),
    ("coordinator_a", Role.COORDINATOR, "DE-BE", ""),
    ("data_steward_a", Role.DATA_STEWARD, "DE-BE", ""),
    ("editor_a", Role.EDITOR, "DE-BE", "A-AGY"),
    ("agency_viewer_a", Role.VIEWER, "DE-BE", "A-AGY"),
    ("agency_steward_a", Role.DATA_STEWARD, "DE-BE", "A-AGY"),
    ("viewer_b", Role.VIEWER, "DE-HH", ""),
    ("staff_admin", Role.ADMINISTRATOR, "", ""),
]


@dataclass
class Cast:
    orgs: dict[str, Organisation]
    users: dict[str, AbstractUser]
    clients: dict[str, Client] = field(default_factory=dict)
    password: str = PASSWORD  # every cast member's password, for tests of the login form


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path_factory):
    """Every test gets its own restricted folder and upload folder, never the real ones."""
    base = tmp_path_factory.mktemp("ikoe-data")
    settings.RESTRICTED_DIR = base / "restricted"
    settings.MEDIA_ROOT = base / "uploads"


@pytest.fixture
def cast(db) -> Cast:
    orgs: dict[str, Organisation] = {}
    for code, name, parent, kind in ORGANISATIONS:
        org = Organisation.objects.filter(code=code).first() or Organisation(code=code)
        org.name, org.kind, org.parent = name, kind, orgs.get(parent)
        org.save()
        orgs[code] = org
    user_model = get_user_model()
    users: dict[str, AbstractUser] = {}
    for username, role, land, agency in USERS:
        admin = role == Role.ADMINISTRATOR
        user = user_model.objects.create_user(
            username, f"{username}@example.org", PASSWORD, is_staff=admin, is_superuser=admin
        )
        membership = Membership(user=user, role=role, land=orgs.get(land), agency=orgs.get(agency))
        membership.full_clean()
        membership.save()
        users[username] = user
    return Cast(orgs, users)


def _org(code: str):
    @pytest.fixture
    def fixture(cast: Cast) -> Organisation:
        return cast.orgs[code]

    return fixture


land_a = _org("DE-BE")
land_b = _org("DE-HH")
ministry_a = _org("A-MIN")
agency_a = _org("A-AGY")
unit_a = _org("A-UNIT")
agency_a2 = _org("A-AGY2")
ministry_b = _org("B-MIN")
agency_b = _org("B-AGY")
unit_b = _org("B-UNIT")


def _user(username: str):
    @pytest.fixture
    def fixture(cast: Cast) -> AbstractUser:
        return cast.users[username]

    return fixture


federal_coordinator = _user("federal_coordinator")
coordinator_a = _user("coordinator_a")
data_steward_a = _user("data_steward_a")
editor_a = _user("editor_a")
agency_viewer_a = _user("agency_viewer_a")
agency_steward_a = _user("agency_steward_a")
viewer_b = _user("viewer_b")
staff_admin = _user("staff_admin")


def _client(username: str):
    @pytest.fixture
    def fixture(cast: Cast) -> Client:
        client = Client()
        client.force_login(cast.users[username])
        cast.clients[username] = client
        return client

    return fixture


client_federal = _client("federal_coordinator")
client_coordinator_a = _client("coordinator_a")
client_data_steward_a = _client("data_steward_a")
client_editor_a = _client("editor_a")
client_agency_viewer_a = _client("agency_viewer_a")
client_agency_steward_a = _client("agency_steward_a")
client_viewer_b = _client("viewer_b")
client_staff_admin = _client("staff_admin")


@pytest.fixture
def client_anonymous(cast: Cast) -> Client:
    client = Client()
    cast.clients["anonymous"] = client
    return client
