"""The shared parts of every page with figures (issue 11): the legend of symbols under each
table, the source box, the status banner with the next step, no negative shortfall, and the
Ländervergleich saying which years and Länder it has."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ikoe.benchmarks.services import load_reference_data
from ikoe.surveys.pipeline import import_survey
from ikoe.surveys.release import Channel, set_release
from tests.test_survey_import import people, write_csv
from tests.test_survey_pages import DEMO_SURVEY, demo  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

LEGEND = "Zeichen:"


def tables_and_what_follows(html: str) -> list[str]:
    """For each data table: the markup from the end of the table to the next heading or table."""
    out = []
    for match in re.finditer(r"</table>", html):
        rest = html[match.end() :]
        stop = re.search(r"<h2|<table", rest)
        out.append(rest[: stop.start()] if stop else rest)
    return out


def test_every_table_of_the_survey_overview_has_the_legend_and_the_source_right_under_it(
    demo,  # noqa: F811
    client_anonymous,
):
    html = client_anonymous.get(f"/befragungen/{DEMO_SURVEY}/").content.decode()
    after = tables_and_what_follows(html)
    assert len(after) >= 6
    for part in after:
        assert LEGEND in part
    # The legend explains all four symbols, "x" included.
    legend = html[html.index(LEGEND) : html.index("</p>", html.index(LEGEND))]
    for symbol in (".", "/", "x", "–"):
        assert f"<b>{symbol}</b>" in legend
    # The source box names the survey, the definition and where the benchmark comes from.
    source = re.search(r'<aside class="source-box".*?</aside>', html, re.S).group(0)
    assert "Musterland" in source and "Definition: Migrationshintergrund" in source
    assert "Vergleichswert: Musterland (synthetisch), 2023" in source and "Destatis" in source


def test_a_benchmark_with_another_definition_is_warned_about_under_the_table(
    demo,  # noqa: F811
    client_anonymous,
):
    same = client_anonymous.get(f"/befragungen/{DEMO_SURVEY}/").content.decode()
    assert "nur eingeschränkt vergleichbar" in same  # MighEV against the Mikrozensus
    # The Einwanderungsgeschichte against a benchmark of the same definition: no warning.
    from ikoe.benchmarks.models import Benchmark

    mz = Benchmark.objects.get(region_code="DE-XX", measure="population_share")
    eg = Benchmark.objects.create(
        dataset=mz.dataset,
        region_code="DE-XX",
        region_name=mz.region_name,
        year=2023,
        measure="population_share",
        definition="einwanderungsgeschichte",
        unit="%",
        value=30.0,
    )
    page = client_anonymous.get(
        f"/befragungen/{DEMO_SURVEY}/",
        {"definition": "einwanderungsgeschichte", "benchmark": eg.pk},
    ).content.decode()
    assert "nur eingeschränkt vergleichbar" not in page


def test_a_group_above_the_benchmark_has_no_shortfall_not_a_negative_one(
    demo,  # noqa: F811
    client_anonymous,
):
    # A benchmark of 5 %: every published group is above it.
    html = client_anonymous.get(f"/befragungen/{DEMO_SURVEY}/", {"custom": "5"}).content.decode()
    assert "kein Rückstand" in html
    assert not re.search(r"Rückstand</dt><dd>-", html)
    rows = re.findall(r'<td class="num">(-\d[\d.]*)</td>\s*<td>', html)
    assert rows == []


@pytest.fixture
def unreleased(cast, tmp_path):
    path = write_csv(tmp_path / "a.csv", people("A-AGY", 12, 30) + people("A-AGY2", 11, 25))
    return import_survey(
        path,
        name="land-a-2024",
        year=2024,
        population="Landesverwaltung A",
        fieldwork="März bis April 2024",
    )


def test_the_status_banner_says_who_sees_the_survey_and_what_comes_next(
    unreleased, client_coordinator_a, client_data_steward_a, client_anonymous
):
    url = "/befragungen/land-a-2024/"
    coordinator = client_coordinator_a.get(url).content.decode()
    assert "Nicht freigegeben" in coordinator
    assert "nur für Ihr Land sichtbar: Mitglieder von Land A und die Bundesebene" in coordinator
    assert "Nächster Schritt:" in coordinator and "dann die Befragung freigeben" in coordinator
    steward = client_data_steward_a.get(url).content.decode()
    assert "Importdiagnose prüfen; die Freigabe erteilt die Koordination" in steward
    diagnostics = client_data_steward_a.get(url + "diagnose/").content.decode()
    assert diagnostics.rindex("Nächster Schritt") > diagnostics.rindex("</table>")
    # The population and the fieldwork entered at import are on the page.
    assert "Landesverwaltung A" in coordinator and "März bis April 2024" in coordinator
    set_release(unreleased, True, channel=Channel.COMMAND, username="op")
    public = client_anonymous.get(url).content.decode()
    assert "Freigegeben" in public and "für alle sichtbar" in public
    assert "Nächster Schritt" not in public


@pytest.fixture
def reference():
    load_reference_data()


def test_a_year_without_figures_is_named_not_replaced_silently(client: Client, reference):
    html = client.get(reverse("benchmarks:laendervergleich"), {"year": "1999"}).content.decode()
    assert "Für 1999 gibt es keine Werte dieser Kennzahl; Werte gibt es für" in html
    plain = client.get(reverse("benchmarks:laendervergleich")).content.decode()
    assert "gibt es keine Werte dieser Kennzahl" not in plain
    assert LEGEND in plain


def test_a_measure_with_values_for_a_few_laender_says_so_above_the_table(client, reference):
    from ikoe.benchmarks.comparison import available_series

    few = next(s for s in available_series() if s.measure == "administration_staff_survey_share")
    html = client.get(reverse("benchmarks:laendervergleich"), {"series": few.key}).content.decode()
    message = re.search(r"Für diese Kennzahl lieg(?:t|en) nur für (\d+) der 16 Länder", html)
    assert message and int(message.group(1)) < 16
    assert html.index(message.group(0)) < html.index("<table")


def test_a_chart_says_how_many_groups_it_leaves_out_and_none_is_drawn_for_the_benchmark_alone(
    demo,  # noqa: F811
    client_anonymous,
):
    html = client_anonymous.get(f"/befragungen/{DEMO_SURVEY}/").content.decode()
    for section in re.findall(r"<section aria-labelledby=\"h-\w+\">.*?</section>", html, re.S):
        if "<table" not in section:
            continue
        secret = len(
            re.findall(r"<td class=\"num\"><abbr title=\"[^\"]*\">[./]</abbr></td>", section)
        )
        figure = re.search(r"<figcaption>(.*?)</figcaption>", section, re.S)
        if figure is None:
            # no chart: then no group of the table has a share to draw
            assert not re.search(r"<td class=\"num\">\d+,\d</td>", section)
            continue
        said = re.search(r"(\d+) Gruppen? (?:ist|sind) gesperrt", figure.group(1))
        assert (int(said.group(1)) if said else 0) == secret


def test_a_chart_of_rows_without_any_share_is_not_drawn():
    from ikoe.surveys.models import IndicatorCell
    from ikoe.surveys.views import Row, _chart

    secret = IndicatorCell(status="primary", symbol=".", share=None)
    assert _chart([Row("A", secret), Row("B", secret)], "t", "c", 0.3, "Vergleichswert") is None
    shown = IndicatorCell(status="published", share=0.2)
    chart = _chart([Row("A", secret), Row("B", shown)], "t", "c", 0.3, "Vergleichswert")
    assert chart is not None and chart.left_out == 1 and "<svg" in chart.svg


def test_the_diagnostics_name_the_file_and_the_questions_in_words(
    unreleased, client_data_steward_a
):
    html = client_data_steward_a.get("/befragungen/land-a-2024/diagnose/").content.decode()
    assert "(CSV, UTF-8 mit Byte-Order-Mark)" in html and "utf-8-sig" not in html
    # Every question by its German name, without its code.
    assert '<th scope="row">Deutsche Staatsangehörigkeit</th>' in html
    assert "(german)" not in html and not re.search(r"<th scope=\"row\">german</th>", html)


def test_the_diagnostics_explain_k_n_min_w_and_what_each_suppression_count_counts(
    unreleased, client_data_steward_a
):
    html = client_data_steward_a.get("/befragungen/land-a-2024/diagnose/").content.decode()
    assert "k: so wenige Personen darf eine veröffentlichte Zahl mindestens umfassen (3)" in html
    assert "n<sub>min</sub>: so viele Antworten braucht ein veröffentlichter Anteil" in html
    assert "Was die Zahlen zählen:" in html


def test_the_home_page_shows_each_member_their_tasks_and_everyone_the_survey_card(
    unreleased, client_coordinator_a, client_data_steward_a, client_viewer_b, client_anonymous
):
    coordinator = client_coordinator_a.get("/").content.decode()
    assert "Befragungen, die auf Ihre Freigabe warten" in coordinator
    assert 'href="/befragungen/land-a-2024/freigabe/"' in coordinator
    steward = client_data_steward_a.get("/").content.decode()
    assert "Neueste Importe Ihres Landes" in steward
    assert 'href="/befragungen/land-a-2024/diagnose/"' in steward
    assert "Befragungen, die auf Ihre Freigabe warten" not in steward
    assert "Sie können eine Befragung Ihres Landes hochladen." in steward
    for other in (client_viewer_b, client_anonymous):
        page = other.get("/").content.decode()
        assert "Ihre Aufgaben" not in page and "land-a-2024" not in page
        assert 'href="/befragungen/"' in page  # the card for the staff surveys
    set_release(unreleased, True, channel=Channel.COMMAND, username="op")
    assert "auf Ihre Freigabe warten" not in client_coordinator_a.get("/").content.decode()


def test_the_laendervergleich_has_a_tile_map_of_the_sixteen_laender_with_the_values(
    client, reference
):
    html = client.get(reverse("benchmarks:laendervergleich")).content.decode()
    svg = re.search(r'<svg role="img"[^>]*class="tile-map">.*?</svg>', html, re.S).group(0)
    assert svg.count("<rect") == 16
    # Berlin's square holds its value from the table (39.4 % in 2023).
    assert re.search(r">BE</text><text[^>]*>39,4</text>", svg)
    # Every square's text contrasts with its colour at 4.5:1 at least (WCAG 1.4.3).
    from ikoe.reports.tilemap import contrast

    pairs = re.findall(r'fill="(#\w{6})"/><text[^>]*fill="(#\w{6})"', svg)
    assert len(pairs) == 16
    for fill, ink in pairs:
        rgb = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in (fill, ink)]
        assert contrast(*rgb) >= 4.5, (fill, ink)
    assert "Karte der Länder" in html


def test_the_tasks_on_the_home_page_take_as_many_queries_for_five_surveys_as_for_one(
    unreleased, client_federal
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ikoe.surveys.models import Survey, SurveyPart

    def home() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client_federal.get("/").content.decode()
        return len(queries.captured_queries), page

    one, page = home()
    assert page.count("/freigabe/") == 1 and "(Land A, 2024)" in page  # not "2.024"
    land = unreleased.parts_list[0].land
    for i in range(4):
        clone = Survey.objects.get(pk=unreleased.pk)
        clone.pk, clone.name = None, f"land-a-{2020 + i}"
        clone.save()
        SurveyPart.objects.create(survey=clone, land=land, respondents=10)
    many, page = home()
    assert page.count("/freigabe/") == 5
    assert many == one


def test_the_methods_page_states_the_rules_in_force_and_the_diagnostics_link_to_it(
    unreleased,
    demo,  # noqa: F811
    client_data_steward_a,
    client_staff_admin,
    client_anonymous,
    settings,  # noqa: F811
):
    page = client_anonymous.get("/methodik/").content.decode()
    assert "k = 3" in page and "n<sub>min</sub> = 10" in page and "W = 3" in page
    assert "weniger als 20 Befragten" in page
    for anchor in ("definitionen", "gewichtung", "designeffekt", "geheimhaltung", "zeichen"):
        assert f'id="{anchor}"' in page and f'href="#{anchor}"' in page
    settings.SDC_MIN_COUNT = 5
    assert "k = 5" in client_anonymous.get("/methodik/").content.decode()
    diagnostics = client_data_steward_a.get("/befragungen/land-a-2024/diagnose/").content.decode()
    assert 'href="/methodik/#geheimhaltung"' in diagnostics
    # the design effect of a weighted survey (the demo) links to its explanation
    weighted = client_staff_admin.get(f"/befragungen/{DEMO_SURVEY}/diagnose/").content.decode()
    assert 'href="/methodik/#designeffekt"' in weighted
    overview = client_data_steward_a.get("/befragungen/land-a-2024/").content.decode()
    assert 'href="/methodik/"' in overview  # in the source box
    client_anonymous.cookies["django_language"] = "en"
    english = client_anonymous.get("/methodik/").content.decode()
    assert "How the IKÖ-Monitor computes and protects its figures" in english
    assert "fewer than 20 respondents" in english
