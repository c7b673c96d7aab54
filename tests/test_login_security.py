"""Signing in safely: login throttling (django-axes), password reset by e-mail, HSTS, and the
settings behind them (e-mail, proxies) read strictly from the environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def attempt(client: Client, username: str, password: str, address: str = "192.0.2.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


# --- throttling ------------------------------------------------------------------------------


def test_five_wrong_passwords_pause_the_login_of_that_user_name_from_that_address(cast, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client()
    answers = [attempt(client, "viewer_b", "falsch").status_code for _ in range(5)]

    assert answers == [200, 200, 200, 200, 429]
    locked = attempt(client, "viewer_b", cast.password)
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Die Anmeldung ist pausiert" in html
    assert "5-mal" in html and "15 Minuten" in html
    assert 'href="/passwort/vergessen/"' in html


def test_the_pause_is_for_the_user_name_and_address_together(cast):
    client = Client()
    for _ in range(5):
        attempt(client, "viewer_b", "falsch")

    other_address = attempt(Client(), "viewer_b", cast.password, address="198.51.100.9")
    other_name = attempt(Client(), "editor_a", cast.password)

    assert other_address.status_code == other_name.status_code == 302


def test_a_successful_login_resets_the_count(cast):
    client = Client()
    for _ in range(4):
        assert attempt(client, "viewer_b", "falsch").status_code == 200
    assert attempt(client, "viewer_b", cast.password).status_code == 302

    again = Client()
    answers = [attempt(again, "viewer_b", "falsch").status_code for _ in range(4)]

    assert answers == [200] * 4


def test_the_client_address_behind_a_proxy_comes_from_x_forwarded_for(cast, settings):
    settings.PROXY_COUNT = 1
    for _ in range(5):
        Client().post(
            LOGIN,
            {"username": "viewer_b", "password": "falsch"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )

    # Another client behind the same proxy is not paused.
    response = Client().post(
        LOGIN,
        {"username": "viewer_b", "password": cast.password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )

    assert response.status_code == 302


# --- password reset ---------------------------------------------------------------------------


def test_the_login_page_links_to_the_password_reset(client_anonymous):
    html = client_anonymous.get(LOGIN).content.decode()

    assert '<a href="/passwort/vergessen/">Passwort vergessen?</a>' in html


def reset_link(client: Client, email: str) -> str:
    response = client.post(reverse("password_reset"), {"email": email})
    assert response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    match = re.search(r"http://testserver(/passwort/neu/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_reset_e_mail_in_german_carries_a_link_that_sets_a_new_password(cast, client_anonymous):
    link = reset_link(client_anonymous, "viewer_b@example.org")

    (message,) = mail.outbox
    assert message.to == ["viewer_b@example.org"]
    assert message.subject == "IKÖ-Monitor: neues Passwort wählen"
    assert "viewer_b" in message.body
    form = client_anonymous.get(link, follow=True)
    assert "Neues Passwort wählen" in form.content.decode()
    done = client_anonymous.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Neues-Passwort-2025", "new_password2": "Neues-Passwort-2025"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    assert (
        "Ihr neues Passwort ist gespeichert"
        in client_anonymous.get(done["Location"]).content.decode()
    )
    assert attempt(Client(), "viewer_b", "Neues-Passwort-2025").status_code == 302
    assert attempt(Client(), "viewer_b", cast.password).status_code == 200
    # the link works once
    used = client_anonymous.get(link, follow=True).content.decode()
    assert "Dieser Link ist nicht gültig" in used


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(cast, client_anonymous):
    response = client_anonymous.post(reverse("password_reset"), {"email": "wer@example.org"})

    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_new_password_ends_the_pause(cast, client_anonymous):
    for _ in range(5):
        attempt(Client(), "viewer_b", "falsch")
    link = reset_link(client_anonymous, "viewer_b@example.org")
    form = client_anonymous.get(link, follow=True)
    client_anonymous.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Neues-Passwort-2025", "new_password2": "Neues-Passwort-2025"},
    )

    assert attempt(Client(), "viewer_b", "Neues-Passwort-2025").status_code == 302


def test_the_new_password_must_follow_the_password_rules(cast, client_anonymous):
    link = reset_link(client_anonymous, "viewer_b@example.org")
    form = client_anonymous.get(link, follow=True)

    response = client_anonymous.post(
        form.redirect_chain[-1][0], {"new_password1": "kurz", "new_password2": "kurz"}
    )

    assert response.status_code == 200
    assert "mindestens 12 Zeichen" in response.content.decode()


# --- HSTS ------------------------------------------------------------------------------------


def test_no_hsts_header_by_default(client_anonymous, settings):
    assert settings.SECURE_HSTS_SECONDS == 0

    response = client_anonymous.get("/", secure=True)

    assert "Strict-Transport-Security" not in response.headers


def test_the_hsts_header_is_sent_over_https_when_configured(settings):
    settings.SECURE_HSTS_SECONDS = 31536000

    secure = Client().get("/", secure=True)
    plain = Client().get("/")

    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in plain.headers


def test_subdomains_and_preload_are_added_only_when_set(settings):
    settings.SECURE_HSTS_SECONDS = 63072000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = Client().get("/", secure=True)

    assert response.headers["Strict-Transport-Security"] == (
        "max-age=63072000; includeSubDomains; preload"
    )


def test_behind_a_tls_proxy_the_forwarded_protocol_counts_as_https(settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    response = Client().get("/", HTTP_X_FORWARDED_PROTO="https")

    assert response.headers["Strict-Transport-Security"] == "max-age=3600"


# --- settings from the environment --------------------------------------------------------------


def settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    """Import ikoe.settings in a fresh interpreter with the given environment variables and
    print the settings named in ``SHOW``."""
    code = (
        "import ikoe.settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD); "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL); "
        "print(s.DEFAULT_FROM_EMAIL); "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.PROXY_COUNT, "
        "getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IKOE_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "IKOE_SECRET_KEY": "test", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_defaults_are_console_e_mail_no_hsts_and_five_attempts():
    result = settings_with()

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "0 False False",
        "django.core.mail.backends.console.EmailBackend  587 True False",
        "IKÖ-Monitor <ikoe@localhost>",
        "5 900.0 0 None",
    ]


def test_the_environment_sets_smtp_hsts_throttling_and_the_proxy():
    result = settings_with(
        IKOE_HSTS_SECONDS="31536000",
        IKOE_HSTS_INCLUDE_SUBDOMAINS="1",
        IKOE_EMAIL_HOST="smtp.example.de",
        IKOE_EMAIL_PORT="465",
        IKOE_EMAIL_SECURITY="tls",
        IKOE_EMAIL_FROM="IKÖ-Monitor Berlin <ikoe@berlin.example>",
        IKOE_LOGIN_FAILURE_LIMIT="3",
        IKOE_LOGIN_LOCKOUT_MINUTES="60",
        IKOE_PROXY_COUNT="1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "31536000 True False",
        "django.core.mail.backends.smtp.EmailBackend smtp.example.de 465 False True",
        "IKÖ-Monitor Berlin <ikoe@berlin.example>",
        "3 3600.0 1 ('HTTP_X_FORWARDED_PROTO', 'https')",
    ]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("IKOE_HSTS_SECONDS", "ein Jahr", "use a whole number from 0 to 63072000"),
        ("IKOE_HSTS_SECONDS", "-1", "use a whole number from 0 to 63072000"),
        ("IKOE_HSTS_PRELOAD", "vielleicht", "use one of 1/0, true/false, yes/no, on/off"),
        ("IKOE_EMAIL_SECURITY", "ssl", "use one of starttls, tls, none"),
        ("IKOE_EMAIL_FROM", "ikoe", "is not an e-mail address"),
        ("IKOE_LOGIN_FAILURE_LIMIT", "0", "use a whole number from 1 to 100"),
    ],
)
def test_a_value_the_platform_does_not_understand_stops_it_with_the_variables_name(
    variable, value, message
):
    result = settings_with(**{variable: value})

    assert result.returncode != 0
    assert f"{variable}={value!r}" in result.stderr
    assert message in result.stderr
