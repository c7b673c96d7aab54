"""The scenario page (issue 13, ``/ziele/szenarien/``): up to three scenarios of the stock-flow
projection, every figure on the page the projection's own, messages in German that name the
field, the English page complete, and the partial answer of htmx requests."""

from __future__ import annotations

import math
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from ikoe.formats import fmt
from ikoe.middleware import CSP
from ikoe.stats.projection import (
    required_hiring_share,
    share_after,
    steady_state,
    trajectory,
    years_to_target,
)
from ikoe.targets.scenario_forms import ScenarioForm
from tests.test_survey_pages import german_number, section, table_rows

pytestmark = pytest.mark.django_db

URL = "/ziele/szenarien/"
YEAR = timezone.localdate().year


def scenario(number: int, **fields: str) -> dict[str, str]:
    return {f"s{number}-{name}": value for name, value in fields.items()}


def key_figures(html: str) -> dict[str, list[str]]:
    """The key figures table: row heading → the cell of each scenario, as text."""
    return dict(table_rows(section(html, "key-figures")))


def paths(html: str) -> list[tuple[str, list[str]]]:
    return table_rows(section(html, "paths"))


def percent(text: str) -> float:
    """ "34,9 %" (the first percentage in the text) as 34.9."""
    match = re.search(r"(-?[\d.]+,\d) %", text)
    assert match, text
    return german_number(match.group(1))


def test_the_url_is_named_and_public(client_anonymous):
    assert reverse("targets:scenarios") == URL
    response = client_anonymous.get(URL)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CSP


def test_the_page_opens_with_the_example_of_the_methods_labelled_as_an_example(client):
    html = client.get(URL).content.decode()
    assert "Szenario 1 (Beispiel)" in html
    assert "Szenario 1 ist mit einem Beispiel ausgefüllt" in html
    assert 'value="Beispiel: von 10 % auf 20 % in 10 Jahren"' in html
    for name, value in (("share", "10"), ("target", "20"), ("horizon", "10"), ("exit_rate", "5")):
        assert f'name="s1-{name}" value="{value}"' in html
    figures = key_figures(html)
    # By hand: r = 0.95, r¹⁰ = 0.598737, h* = (0.20 − 0.10·0.598737)/(1 − 0.598737) = 0.349213.
    assert figures["Nötiger Einstellungsanteil für das Ziel"] == [
        "erreichbar: es braucht 34,9 % der Einstellungen"
    ]
    assert round(required_hiring_share(0.10, 0.20, 10, 0.05).share, 6) == 0.349213
    # At the example's hiring share of 25 %: T = ln(0.05/0.15)/ln(0.95) = 21.42 years, so the
    # share reaches 20 % in the 22nd year; in the target year it is 25 − 15·0.598737 = 16.0 %.
    assert figures["Jahre bis zum Ziel beim eingegebenen Einstellungsanteil"] == [
        f"21,4 Jahre (erreicht {YEAR + 22})"
    ]
    assert figures["Anteil im Zieljahr beim eingegebenen Einstellungsanteil"] == [
        f"16,0 % im Jahr {YEAR + 10}: Ziel um 4,0 Prozentpunkte verfehlt"
    ]
    assert figures["Langfristiger Anteil (Gleichgewicht)"] == ["25,0 %"]
    # The chart with its description, and the source box.
    assert html.count('<svg role="img"') == 1 and '<desc id="scenario-chart-desc">' in html
    source = re.search(r'<aside class="source-box".*?</aside>', html, re.S).group(0)
    assert "Modellrechnung, keine Daten" in source and 'href="/methodik/"' in source
    assert "Die Formeln stehen auf der Methodikseite" in source


THREE = {
    **scenario(
        1,
        name="Langsam",
        share="8,5",
        target="20",
        horizon=str(YEAR + 12),
        exit_rate="4,2",
        growth="1,5",
        hiring_share="26",
    ),
    **scenario(
        2,
        name="Schrumpfend",
        share="12.5",
        target="25 %",
        horizon="8",
        exit_rate="6",
        growth="-2",
        hiring_share="40",
    ),
    **scenario(3, share="15", target="18", horizon="5", exit_rate="3", hiring_share="15"),
}


def test_every_figure_on_the_page_is_the_projections_own(client):
    html = client.get(URL, THREE).content.decode()
    figures = key_figures(html)
    inputs = [
        (0.085, 0.20, 12, 0.042, 0.015, 0.26),
        (0.125, 0.25, 8, 0.06, -0.02, 0.40),
        (0.15, 0.18, 5, 0.03, 0.0, 0.15),
    ]
    needed = figures["Nötiger Einstellungsanteil für das Ziel"]
    years = figures["Jahre bis zum Ziel beim eingegebenen Einstellungsanteil"]
    at_target = figures["Anteil im Zieljahr beim eingegebenen Einstellungsanteil"]
    steady = figures["Langfristiger Anteil (Gleichgewicht)"]
    assert len(needed) == 3
    for i, (p0, target, t, s, g, h) in enumerate(inputs):
        requirement = required_hiring_share(p0, target, t, s, g)
        assert requirement.status == "feasible"
        assert percent(needed[i]) == round(100 * requirement.share, 1)
        assert percent(at_target[i]) == round(100 * share_after(p0, t, s, h, g), 1)
        assert percent(steady[i]) == round(100 * steady_state(h), 1)
        when = years_to_target(p0, target, s, h, g)
        if when is None:
            assert years[i].startswith("nie: bei diesem Einstellungsanteil nähert sich")
        else:
            number = german_number(years[i].split(" Jahre")[0])
            assert number == round(when, 1)
            assert f"(erreicht {YEAR + math.ceil(when)})" in years[i]
    assert years[2] == "nie: bei diesem Einstellungsanteil nähert sich der Anteil nur 15,0 % an"
    # The table of the chart: every year to the last target year, each scenario's trajectory.
    rows = paths(html)
    assert [int(year) for year, _cells in rows] == list(range(YEAR, YEAR + 13))
    for i, (p0, _target, _t, s, g, h) in enumerate(inputs):
        expected = trajectory(p0, 12, s, h, g)
        shown = [german_number(cells[i].split()[0]) for _year, cells in rows]
        assert shown == [round(100 * p, 1) for p in expected]
    # The share in each scenario's target year is marked in the table.
    assert "(Zieljahr)" in rows[8][1][1] and "(Zieljahr)" in rows[5][1][2]
    # The names, the default name of an unnamed scenario, and the chart's description.
    head = re.search(r"<thead>(.*?)</thead>", section(html, "key-figures"), re.S).group(1)
    assert re.findall(r'<th scope="col">(.*?)</th>', head) == [
        "Langsam",
        "Schrumpfend",
        "Szenario 3",
    ]
    description = re.search(r'<desc id="scenario-chart-desc">(.*?)</desc>', html).group(1)
    end = f"{100 * share_after(0.085, 12, 0.042, 0.26, 0.015):.1f}".replace(".", ",")
    assert end == "17,3"
    assert unescape(description).startswith(
        f"Langsam: von 8,5 % im Jahr {YEAR} auf {end} % im Jahr {YEAR + 12} "
        f"bei einem Einstellungsanteil von 26,0 %; Ziel 20,0 % im Jahr {YEAR + 12}; Schrumpfend:"
    )


def test_a_target_out_of_reach_or_reached_already_says_why(client):
    query = {
        **scenario(1, share="10", target="50", horizon="2", exit_rate="5", hiring_share="30"),
        **scenario(2, share="25", target="20", horizon="10", exit_rate="5", hiring_share="10"),
        **scenario(
            3, share="10", target="20", horizon="10", exit_rate="5", growth="-5", hiring_share="30"
        ),
    }
    figures = key_figures(client.get(URL, query).content.decode())
    impossible = required_hiring_share(0.10, 0.50, 2, 0.05)
    assert impossible.status == "impossible" and round(100 * impossible.share, 1) == 420.3
    assert figures["Nötiger Einstellungsanteil für das Ziel"] == [
        "nicht erreichbar: es bräuchte 420,3 % der Einstellungen",
        "bereits erreicht: der Anteil liegt beim Ziel oder darüber",
        "nicht erreichbar: niemand wird eingestellt, weil der Personalbestand so schnell "
        "schrumpft, wie Beschäftigte ausscheiden",
    ]
    assert figures["Jahre bis zum Ziel beim eingegebenen Einstellungsanteil"] == [
        "nie: bei diesem Einstellungsanteil nähert sich der Anteil nur 30,0 % an",
        "0: bereits erreicht",
        "nie: niemand wird eingestellt",
    ]
    # Reached now, but at a hiring share below the target the share falls below it again.
    assert figures["Anteil im Zieljahr beim eingegebenen Einstellungsanteil"][1] == (
        f"19,0 % im Jahr {YEAR + 10}: Ziel um 1,0 Prozentpunkte verfehlt"
    )
    assert round(100 * share_after(0.25, 10, 0.05, 0.10), 1) == 19.0


def test_german_and_english_decimal_marks_and_a_percent_sign_give_the_same_figures(client):
    base = {"target": "20", "horizon": "10", "exit_rate": "5", "hiring_share": "30"}
    query = {
        **scenario(1, share="12,5", **base),
        **scenario(2, share="12.5", **base),
        **scenario(3, share=" 12,5 % ", **base),
    }
    figures = key_figures(client.get(URL, query).content.decode())
    needed = figures["Nötiger Einstellungsanteil für das Ziel"]
    assert len(set(needed)) == 1
    assert percent(needed[0]) == round(100 * required_hiring_share(0.125, 0.2, 10, 0.05).share, 1)


def test_messages_are_german_name_the_field_and_say_what_is_expected(client):
    query = {
        **scenario(1, share="abc", target="20", horizon="10", exit_rate="5", hiring_share="25"),
        **scenario(2, name="Nur ein Name"),
        **scenario(
            3,
            share="10",
            target="150",
            horizon="1999",
            exit_rate="5",
            growth="-8",
            hiring_share="25",
        ),
    }
    response = client.get(URL, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>Fehler: Szenarien", html)
    summary = re.search(r'<div class="message error error-summary".*?</div>', html, re.S).group(0)
    items = [unescape(re.sub(r"<[^>]+>", "", i)) for i in re.findall(r"<li>(.*?)</li>", summary)]
    assert items == [
        "Szenario 1: „Anteil heute“: „abc“ ist keine Zahl; erwartet wird eine Prozentzahl "
        "zwischen 0 und 100, z. B. 12,5.",
        "Nur ein Name: „Anteil heute“ fehlt; erwartet wird eine Prozentzahl zwischen 0 und 100, "
        "z. B. 12,5.",
        "Nur ein Name: „Ziel“ fehlt; erwartet wird eine Prozentzahl zwischen 0 und 100, z. B. 20.",
        f"Nur ein Name: „Zieljahr oder Jahre“ fehlt; erwartet wird ein Jahr von {YEAR + 1} bis "
        f"{YEAR + 50} oder eine Zahl von Jahren von 1 bis 50, z. B. {YEAR + 10} oder 10.",
        "Nur ein Name: „Abgangsquote“ fehlt; erwartet wird eine Prozentzahl zwischen 0 und 50, "
        "z. B. 5.",
        "Nur ein Name: „Einstellungsanteil“ fehlt; erwartet wird eine Prozentzahl zwischen 0 und "
        "100, z. B. 25.",
        "Szenario 3: „Ziel“: 150,0 % liegt außerhalb; erwartet wird eine Prozentzahl zwischen 0 "
        "und 100, z. B. 20.",
        f"Szenario 3: „Zieljahr oder Jahre“: 1999 liegt außerhalb; erwartet wird ein Jahr von "
        f"{YEAR + 1} bis {YEAR + 50} oder eine Zahl von Jahren von 1 bis 50, z. B. {YEAR + 10} "
        "oder 10.",
        "Szenario 3: „Wachstum des Personalbestands“ kann nicht unter −5,0 % liegen: Bei 5,0 % "
        "Abgängen im Jahr kann der Personalbestand ohne Entlassungen nicht schneller schrumpfen.",
    ]
    # Each message links to its field and stands beside it too; the field is marked invalid.
    assert 'href="#id_s1-share"' in summary and 'href="#id_s3-growth"' in summary
    errors = re.search(r'<div id="id_s1-share_errors".*?</div>', html, re.S).group(0)
    assert "„Anteil heute“: „abc“ ist keine Zahl" in errors
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_s1-share"', html)
    # No scenario with a problem is computed; nothing else is.
    assert "<table" not in html.split("error-summary", 1)[1].split("source-box")[0]


def test_a_valid_scenario_is_computed_beside_one_with_a_problem(client):
    query = {
        **scenario(1, share="10", target="20", horizon="10", exit_rate="5", hiring_share="25"),
        **scenario(2, share="10", target="20", horizon="10", exit_rate="x", hiring_share="25"),
    }
    html = client.get(URL, query).content.decode()
    assert "Szenario 2: „Abgangsquote“: „x“ ist keine Zahl; erwartet wird eine Prozentzahl" in html
    assert list(key_figures(html)["Langfristiger Anteil (Gleichgewicht)"]) == ["25,0 %"]


def test_up_to_three_scenarios_and_empty_ones_are_left_out(client):
    fourth = {f"s4-{k.split('-', 1)[1]}": v for k, v in scenario(1, share="1").items()}
    html = client.get(URL, {**THREE, **fourth}).content.decode()
    assert len(key_figures(html)["Langfristiger Anteil (Gleichgewicht)"]) == 3
    assert 'name="s4-' not in html
    assert html.count('<fieldset class="scenario ') == 3
    # Only scenario 2 filled in: one column; scenarios 1 and 3 are no error.
    only = scenario(2, share="10", target="20", horizon="10", exit_rate="5", hiring_share="25")
    html = client.get(URL, only).content.decode()
    assert "error-summary" not in html
    assert key_figures(html)["Langfristiger Anteil (Gleichgewicht)"] == ["25,0 %"]
    assert 'name="s1-share" inputmode' in html  # scenario 1 is empty now, not the example
    # Everything emptied: no results, and the way back to the example.
    html = client.get(URL, scenario(1, share="")).content.decode()
    assert "Alle Szenarien sind leer" in html and "<svg" not in html


def test_the_link_to_the_scenarios_holds_every_input(client):
    html = client.get(URL, THREE).content.decode()
    link = unescape(re.search(r'<p class="share-link"><a href="([^"]+)"', html).group(1))
    again = client.get(link).content.decode()
    assert key_figures(again) == key_figures(html)
    assert "s3-name" not in link  # empty fields are left out of the address


def test_the_english_page_is_complete(client):
    client.cookies["django_language"] = "en"
    html = client.get(URL, THREE).content.decode()
    assert '<html lang="en">' in html
    for text in (
        "Scenarios: hiring and targets",
        "Share now",
        "Target year or years",
        "Exit rate",
        "Growth of the workforce",
        "Hiring share",
        "Hiring share needed for the target",
        "Long-run share (steady state)",
        "Model calculation, no data",
        "feasible: it takes 31.5 % of the hires",
    ):
        assert text in html, text
    assert percent_en(key_figures_en(html)["Long-run share (steady state)"][2]) == 15.0
    for german in ("Szenario", "Anteil heute", "Einstellungsanteil", "Zieljahr", "Eckwerte"):
        assert german not in html, german
    assert "Scenario 3" in html
    example = client.get(URL).content.decode()
    assert "Example: 10 % to 20 % in 10 years" in example and "Scenario 1 (example)" in example
    wrong = client.get(URL, scenario(1, share="abc")).content.decode()
    assert (
        "Scenario 1: “Share now”: “abc” is not a number; expected is a percentage between 0 and "
        "100, such as 12.5." in wrong
    )


def key_figures_en(html: str) -> dict[str, list[str]]:
    return dict(table_rows(section(html, "key-figures")))


def percent_en(text: str) -> float:
    return float(re.search(r"(-?[\d,]+\.\d) %", text).group(1).replace(",", ""))


def test_htmx_gets_the_results_and_the_messages_of_the_fields_only(client):
    query = {
        **THREE,
        **scenario(3, share="abc", target="18", horizon="5", exit_rate="3", hiring_share="15"),
    }
    response = client.get(URL, query, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html and "<nav" not in html
    assert html.startswith("<title>Fehler: Szenarien: Einstellungen und Ziele")
    # The results of the two valid scenarios, with their chart.
    assert len(key_figures(html)["Langfristiger Anteil (Gleichgewicht)"]) == 2
    assert html.count('<svg role="img"') == 1
    # Every field's message swapped in out of band: the faulty one filled, the others emptied.
    oob = re.findall(
        r'<div id="(id_s\d-\w+)_errors" class="field-errors" hx-swap-oob="true">'
        r"(.*?)</div>",
        html,
        re.S,
    )
    assert len(oob) == 3 * len(ScenarioForm.FIGURES)  # 3 scenarios × 9 fields
    assert [name for name, text in oob if text] == ["id_s3-share"]
    # The status line for screen readers, and the error summary without its own alert.
    assert re.search(
        r'<p id="scenario-live"[^>]*hx-swap-oob="innerHTML">Die Ergebnisse sind '
        r"aktualisiert; 1 Eingabe hat einen Fehler",
        html,
    )
    assert 'role="alert"' not in html and "autofocus" not in html
    # The address bar gets the link to these inputs; caches keep the two answers apart.
    assert response.headers["HX-Replace-Url"].startswith("/ziele/szenarien/?s1-name=Langsam")
    assert "HX-Request" in response.headers["Vary"]
    # The same address without htmx (or to restore the history) is the whole page.
    for headers in ({}, {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}):
        page = client.get(URL, query, **headers).content.decode()
        assert "<html" in page and "<form" in page and 'role="alert"' in page


def test_htmx_is_served_from_this_host_under_the_content_security_policy(client):
    html = client.get(URL).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body == "" for _attrs, body in scripts)  # no inline script
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _body in scripts]
    assert sources == ["/static/django_htmx/htmx-2.min.js"]
    assert client.get(sources[0]).status_code == 200
    # htmx would otherwise add an inline style, which "style-src 'self'" refuses.
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html).group(1)
    assert '"includeIndicatorStyles": false' in config and '"allowEval": false' in config
    assert "script-src 'self'" in CSP and "style-src 'self'" in CSP
    form = re.search(r'<form method="get"[^>]*>', html, re.S).group(0)
    assert 'method="get"' in form and 'action="/ziele/szenarien/"' in form
    assert 'hx-get="/ziele/szenarien/"' in form and 'hx-target="#scenario-results"' in form
    assert 'id="scenario-live" class="visually-hidden" role="status" aria-live="polite"' in html


def test_the_page_is_the_same_for_every_member_and_the_public(
    client_anonymous, client_viewer_b, client_editor_a, client_agency_viewer_a
):
    pages = [
        key_figures(c.get(URL, THREE).content.decode())
        for c in (client_anonymous, client_viewer_b, client_editor_a, client_agency_viewer_a)
    ]
    assert all(page == pages[0] for page in pages)


def test_the_main_navigation_links_the_page(client):
    html = client.get(URL).content.decode()
    assert '<a href="/ziele/szenarien/" aria-current="page">Szenarien</a>' in html
    assert '<a href="/ziele/szenarien/">Szenarien</a>' in client.get("/").content.decode()


def test_separate_exit_rates_follow_the_model_with_two_rates(client):
    # 10 % now, 7 % of staff with and 4 % without a migration background leave each year, no
    # growth, 30 % of hires with: after one year M = 0.10·0.93 = 0.093, O = 0.90·0.96 =
    # 0.864, hires 1 − 0.957 = 0.043, of them 0.0129 with: p₁ = 0.093 + 0.0129 = 0.1059.
    query = scenario(
        1,
        share="10",
        target="20",
        horizon="10",
        exit_rate="5",
        exit_rate_group="7",
        exit_rate_other="4",
        hiring_share="30",
    )
    html = client.get(URL, query).content.decode()
    rates = {"exit_rate_group": 0.07, "exit_rate_other": 0.04}
    path = trajectory(0.10, 10, 0.05, 0.30, **rates)
    assert round(path[1], 6) == 0.1059
    rows = dict(paths(html))
    assert rows[str(YEAR + 1)] == [fmt(100 * path[1], 1)]
    figures = key_figures(html)
    needed = required_hiring_share(0.10, 0.20, 10, 0.05, **rates)
    assert figures["Nötiger Einstellungsanteil für das Ziel"] == [
        f"erreichbar: es braucht {fmt(100 * needed.share, 1)} % der Einstellungen"
    ]
    assert (
        "Abgänge 7,0 % im Jahr bei Beschäftigten mit Migrationshintergrund"
        in (figures["Annahmen"][0])
    )
    # With the same rate for both groups the page gives the one-rate figures.
    same = scenario(1, share="10", target="20", horizon="10", exit_rate="5", hiring_share="30")
    one = key_figures(client.get(URL, same).content.decode())
    both = key_figures(
        client.get(
            URL, {**same, "s1-exit_rate_group": "5", "s1-exit_rate_other": "5"}
        ).content.decode()
    )
    assert (
        one["Nötiger Einstellungsanteil für das Ziel"]
        == both["Nötiger Einstellungsanteil für das Ziel"]
    )


def test_one_separate_exit_rate_alone_is_refused_naming_the_other(client):
    query = scenario(
        1,
        share="10",
        target="20",
        horizon="10",
        exit_rate="5",
        exit_rate_group="7",
        hiring_share="30",
    )
    html = client.get(URL, query).content.decode()
    assert "„Abgangsrate der Beschäftigten ohne Migrationshintergrund“ wird auch gebraucht" in html
    # Both fields are marked optional in their labels, like the growth.
    for name in ("exit_rate_group", "exit_rate_other", "growth"):
        label = re.search(rf'<label for="id_s2-{name}">(.*?)</label>', html, re.S)
        assert label is not None and "(optional)" in label.group(1), name
    label = re.search(r'<label for="id_s2-share">(.*?)</label>', html, re.S)
    assert label is not None and "(optional)" not in label.group(1)
