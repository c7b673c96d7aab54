"""The methods page explains how projections are computed (section "zielwerte")."""

from __future__ import annotations


def test_the_methods_page_explains_the_projection_in_german_and_english(client_anonymous):
    page = client_anonymous.get("/methodik/").content.decode()
    assert 'id="zielwerte"' in page and 'href="#zielwerte"' in page
    assert "Ziele und Projektionen" in page
    assert "von 10 % auf 20 % zu kommen" in page and "34,9 % der Eingestellten" in page
    assert "ihren eigenen Abgangsraten" in page  # separate exit rates
    client_anonymous.cookies["django_language"] = "en"
    english = client_anonymous.get("/methodik/").content.decode()
    assert "Targets and projections" in english and "34.9 % of the hires" in english
