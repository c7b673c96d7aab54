"""The permission map: every URL has a rule, and the middleware applies it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse

from ikoe.accounts import permissions
from ikoe.accounts.models import Role
from ikoe.accounts.permissions import (
    ADMIN_SITE,
    LOGIN,
    PERMISSIONS,
    PUBLIC,
    PUBLIC_READ,
    ROLE,
    rule_for,
)


def url_names(
    resolver: URLResolver, namespace: str = "", route: str = ""
) -> Iterator[tuple[str | None, str]]:
    """Every URL pattern as (namespaced name or None, route), walking included URLconfs too."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern, inner, route + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            # the key the middleware looks up: unnamed patterns in a namespace get "namespace:"
            name = f"{namespace}{pattern.name or ''}" or None
            yield name, route + str(pattern.pattern)


ALL_URLS = list(url_names(get_resolver()))


def test_the_walk_finds_admin_api_i18n_and_account_urls():
    names = {name for name, _route in ALL_URLS}

    assert {"admin:index", "admin:login", "set_language", "login", "logout"} <= names
    assert "api-1.0.0:openapi-json" in names
    assert any(n and n.startswith("admin:organisations_organisation") for n in names)


def test_every_url_has_a_name_and_a_rule():
    missing = [
        f"{route} ({name or 'no name'})" for name, route in ALL_URLS if rule_for(name) is None
    ]

    assert not missing, (
        "These URLs have no rule in ikoe.accounts.permissions.PERMISSIONS "
        "(give each a name and add it there): " + ", ".join(missing)
    )


def test_every_rule_names_a_url_or_namespace_that_exists():
    names = {name for name, _route in ALL_URLS if name}
    namespaces = {name.rsplit(":", 1)[0] for name in names if ":" in name}
    stale = [
        key
        for key in PERMISSIONS
        if (key[:-2] not in namespaces if key.endswith(":*") else key not in names)
    ]

    assert not stale, "Rules for URLs that no longer exist: " + ", ".join(stale)


def test_exact_names_win_over_namespace_rules(monkeypatch):
    monkeypatch.setitem(PERMISSIONS, "admin:index", LOGIN)

    assert rule_for("admin:index") is LOGIN
    assert rule_for("admin:login") is ADMIN_SITE
    assert rule_for("nobody:knows") is None
    assert rule_for(None) is None
    assert rule_for("") is None


def test_the_rules_read_as_their_names():
    assert repr(PUBLIC) == "PUBLIC"
    assert repr(ROLE(Role.EDITOR)) == "ROLE(editor)"
    assert ROLE("editor") == ROLE(Role.EDITOR)


# --- the middleware, on a URLconf of its own ------------------------------------------------


def ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path("public/", ok, name="t-public"),
    path("login-only/", ok, name="t-login"),
    path("editors/", ok, name="t-editor"),
    path("read/", ok, name="t-read"),
    path("unmapped/", ok, name="t-unmapped"),
    path("unnamed/", ok),
    path("login/", ok, name="login"),
]

TEST_RULES = {
    "t-public": PUBLIC,
    "t-login": LOGIN,
    "t-editor": ROLE(Role.EDITOR),
    "t-read": PUBLIC_READ,
    "login": PUBLIC,
}


@pytest.fixture
def test_urls(monkeypatch):
    for name, rule in TEST_RULES.items():
        monkeypatch.setitem(permissions.PERMISSIONS, name, rule)
    with override_settings(ROOT_URLCONF=__name__):
        yield


pytestmark = pytest.mark.django_db

EXPECTED = [
    # url, anonymous, viewer_b, editor_a
    ("/public/", 200, 200, 200),
    ("/login-only/", 302, 200, 200),
    ("/editors/", 302, 403, 200),
    ("/unmapped/", 403, 403, 403),
    ("/unnamed/", 403, 403, 403),
]


@pytest.mark.parametrize(("url", "anonymous", "viewer", "editor"), EXPECTED)
def test_the_middleware_applies_the_rule_of_each_url(
    test_urls, client_anonymous, client_viewer_b, client_editor_a, url, anonymous, viewer, editor
):
    statuses = [
        c.get(url).status_code for c in (client_anonymous, client_viewer_b, client_editor_a)
    ]

    assert statuses == [anonymous, viewer, editor]


def test_anonymous_users_are_sent_to_the_login_page_and_back(test_urls, client_anonymous):
    response = client_anonymous.get("/editors/?x=1")

    assert response["Location"] == "/login/?next=/editors/%3Fx%3D1"


def test_public_read_lets_anyone_read_and_only_members_write(
    test_urls, client_anonymous, client_viewer_b
):
    assert client_anonymous.get("/read/").status_code == 200
    assert client_anonymous.post("/read/").status_code == 403
    assert client_viewer_b.post("/read/").status_code == 200


def test_the_admin_sends_anonymous_users_to_its_login(client_anonymous):
    response = client_anonymous.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_refuses_members_who_are_not_staff(client_coordinator_a):
    response = client_coordinator_a.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_api_can_be_read_without_an_account(client_anonymous):
    assert rule_for("api-1.0.0:openapi-json") is PUBLIC_READ
    assert client_anonymous.get(reverse("api-1.0.0:list_datasets")).status_code == 200


def test_an_unnamed_admin_url_falls_under_the_admin_rule(client_staff_admin, land_a):
    url = reverse("admin:organisations_organisation_changelist") + f"{land_a.pk}/"

    assert rule_for("admin:") is ADMIN_SITE
    assert client_staff_admin.get(url).status_code == 302  # the admin's redirect to the change page
