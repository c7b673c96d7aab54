"""The public pages in a real browser: keyboard, focus, language, phone width, WCAG 2.1 AA."""

from __future__ import annotations

import re

import pytest

from ikoe.benchmarks.services import load_reference_data
from tests.browser import axe_violations, browser  # noqa: F401  (fixture)
from tests.test_survey_import import mark_published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    load_reference_data()
    return live_server.url


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


@pytest.mark.parametrize(
    "path",
    ["/", "/laendervergleich/", "/login/", "/schnittstelle/", "/methodik/", "/ziele/szenarien/"],
)
def test_public_pages_have_no_wcag_violations(site, page, path):
    page.goto(site + path)
    assert page.locator("html").get_attribute("lang") == "de"
    assert axe_violations(page) == []
    assert page.console_errors == []  # nothing blocked by the content security policy


def test_the_skip_link_is_the_first_tab_stop_and_visible(site, page):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Zum Inhalt springen"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_a_keyboard_user_can_choose_a_measure_and_year(site, page):
    page.goto(site + "/laendervergleich/")
    page.focus("#id_series")
    option = page.locator("#id_series option", has_text=re.compile("IntMK.*weiteren Sinn"))
    page.select_option("#id_series", value=option.get_attribute("value"))
    page.focus("button[type=submit]:text('Anzeigen')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    row = page.locator("tr", has=page.locator("th", has_text="Hamburg"))
    assert row.locator("td").all_inner_texts() == ["19,7", "33,3", "-13,6"]
    assert page.locator("svg[role=img] desc").count() == 2  # the bar chart and the tile map


def test_the_language_switch_shows_the_english_page(site, page):
    page.goto(site + "/laendervergleich/")
    with page.expect_navigation():
        page.click("button[name=language][value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Comparison of the Länder"
    row = page.locator("tr", has=page.locator("th", has_text="Berlin"))
    assert row.locator("td").all_inner_texts() == ["39.4"]


def test_pages_fit_a_phone_screen_without_sideways_scrolling(site, browser):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": 375, "height": 740})
    page = context.new_page()
    for path in ("/", "/laendervergleich/", "/schnittstelle/"):
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    context.close()


# Every text of every chart on the page: its box, the box of its SVG, its text (measured by
# Chromium with the fonts it really uses).
CHART_TEXTS = """() => [...document.querySelectorAll('svg[role=img]')].flatMap(svg => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left - box.left, right: box.right - r.right,
            top: r.top - box.top, bottom: box.bottom - r.bottom, height: r.height};
  });
})"""


def assert_chart_texts_in_full(page, expected):  # type: ignore[no-untyped-def]
    texts = page.evaluate(CHART_TEXTS)
    shown = [t["text"] for t in texts]
    for label in expected:
        assert any(label in text for text in shown), (label, shown)
    for t in texts:
        assert "…" not in t["text"], t
        assert min(t["left"], t["right"], t["top"], t["bottom"]) >= -0.5, t
        assert t["height"] >= 10, t  # still readable after the SVG is scaled to the screen


@pytest.mark.parametrize(
    ("locale", "land"),
    [("de-DE", "Mecklenburg-Vorpommern"), ("en-GB", "Mecklenburg-Western Pomerania")],
)
@pytest.mark.parametrize("width", [360, 1280])
def test_chart_labels_are_not_clipped_in_the_browser(site, browser, locale, land, width):  # noqa: F811
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(site + "/laendervergleich/")
    assert page.locator("html").get_attribute("lang") == locale[:2]
    assert_chart_texts_in_full(page, [land])
    context.close()


@pytest.fixture
def demo_site(live_server):
    from ikoe.barriers.demo import load_demo_selection
    from ikoe.surveys.demo import load_demo

    load_reference_data()
    load_demo()
    load_demo_selection()
    return live_server.url


@pytest.mark.parametrize(
    "path",
    [
        "/befragungen/",
        "/befragungen/demo-musterland-2024/",
        "/befragungen/demo-musterland-2024/?custom=abc",
        "/befragungen/demo-musterland-2024/organisation/DE-XX-01/",
        "/befragungen/demo-musterland-2024/organisation/DE-XX-01-01/",
    ],
)
def test_survey_pages_have_no_wcag_violations(demo_site, page, path):
    page.goto(demo_site + path)
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_the_career_group_ladder_is_visible_at_a_glance(demo_site, page):
    page.goto(demo_site + "/befragungen/demo-musterland-2024/")
    section = page.locator("section", has=page.locator("h2", has_text="Laufbahngruppe"))
    labels = section.locator("svg[role=img] text").all_text_contents()
    order = [label for label in labels if "Dienst" in label]
    assert order == ["einfacher Dienst", "mittlerer Dienst", "gehobener Dienst", "höherer Dienst"]
    chart = section.locator("svg[role=img]")
    assert chart.bounding_box()["width"] > 300


@pytest.mark.parametrize(
    ("locale", "careers"),
    [
        ("de-DE", ["einfacher Dienst", "mittlerer Dienst", "gehobener Dienst", "höherer Dienst"]),
        (
            "en-GB",
            [
                "lower service (einfacher Dienst)",
                "middle service (mittlerer Dienst)",
                "upper service (gehobener Dienst)",
                "higher service (höherer Dienst)",
            ],
        ),
    ],
)
def test_career_group_labels_are_not_clipped_on_a_phone(demo_site, browser, locale, careers):  # noqa: F811
    context = browser.new_context(locale=locale, viewport={"width": 360, "height": 900})
    page = context.new_page()
    page.goto(demo_site + "/befragungen/demo-musterland-2024/")
    assert_chart_texts_in_full(page, careers)
    context.close()


@pytest.fixture
def coordinator_page(demo_site, page):
    """The page, signed in through the login form as the coordinator of the demo Land."""
    from django.contrib.auth import get_user_model

    from ikoe.accounts.models import Membership, Role
    from ikoe.organisations.models import Organisation

    password = "koordination-2024-demo"
    user = get_user_model().objects.create_user("koordination", password=password)
    Membership.objects.create(
        user=user, role=Role.COORDINATOR, land=Organisation.objects.get(code="DE-XX")
    )
    page.goto(demo_site + "/login/?next=/befragungen/")
    page.fill("#id_username", "koordination")
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return page


def test_a_coordinator_withdraws_and_releases_with_the_keyboard_on_an_accessible_page(
    demo_site, coordinator_page
):
    page = coordinator_page
    release = demo_site + "/befragungen/demo-musterland-2024/freigabe/"
    page.goto(demo_site + "/befragungen/demo-musterland-2024/")
    with page.expect_navigation():
        page.click("a[href='/befragungen/demo-musterland-2024/freigabe/']")
    assert page.url == release
    # Released (the demo): the withdrawal form.
    assert axe_violations(page) == []
    page.focus("button[type=submit]:text('Freigabe zurückziehen')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "ist zurückgezogen" in page.locator(".messages").inner_text()
    # Not released: the release form with its confirmation box.
    assert axe_violations(page) == []
    page.focus("button[type=submit]:text('Freigeben')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Not confirmed: the error summary links to the box; the same page again, still accessible.
    assert page.title().startswith("Fehler:")
    assert axe_violations(page) == []
    page.click("#error-summary a[href='#id_release-confirm']")
    assert page.evaluate("document.activeElement.id") == "id_release-confirm"
    page.keyboard.press("Space")
    page.focus("button[type=submit]:text('Freigeben')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "ist freigegeben" in page.locator(".messages").inner_text()
    history = page.locator("section[aria-labelledby=h-history] tbody tr").all_inner_texts()
    assert len(history) == 3 and "koordination" in history[0]


# --- accounts: password reset, lockout, membership pages, agency-limited survey pages ----------


@pytest.fixture
def sign_in(page, cast):
    """Signs the browser in through the login form as a cast member (or another user)."""

    def sign_in(site: str, username: str) -> None:
        page.goto(site + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", cast.password)
        with page.expect_navigation():
            page.click(".login-form button[type=submit]")

    return sign_in


@pytest.mark.parametrize(
    "path",
    [
        "/passwort/vergessen/",
        "/passwort/vergessen/gesendet/",
        "/passwort/neu/MQ/kein-gueltiger-link/",
        "/passwort/neu/fertig/",
    ],
)
def test_password_reset_pages_have_no_wcag_violations(site, page, path):
    page.goto(site + path)
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_the_lockout_page_has_no_wcag_violations(site, page, cast):
    page.goto(site + "/login/")
    for _ in range(5):
        page.fill("#id_username", "viewer_b")
        page.fill("#id_password", "falsch")
        with page.expect_navigation():
            page.click(".login-form button[type=submit]")
    assert page.locator("h1").inner_text() == "Die Anmeldung ist pausiert"
    assert axe_violations(page) == []


def test_membership_pages_have_no_wcag_violations(site, page, cast, sign_in):
    from ikoe.accounts.models import Membership

    sign_in(site, "coordinator_a")
    editor = Membership.objects.get(user=cast.users["editor_a"])
    paths = [
        "/mitglieder/DE-BE/",
        "/mitglieder/DE-BE/hinzufuegen/",
        f"/mitglieder/DE-BE/{editor.pk}/",
        f"/mitglieder/DE-BE/{editor.pk}/entfernen/",
    ]
    for path in paths:
        page.goto(site + path)
        assert axe_violations(page) == [], path
        assert page.console_errors == [], path
    # the add form with its error summary, reached by keyboard
    page.goto(site + "/mitglieder/DE-BE/hinzufuegen/")
    page.fill("#id_person", "niemand")
    page.focus("main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#error-summary").count() == 1
    assert axe_violations(page) == []


def test_the_federal_choice_of_laender_has_no_wcag_violations(site, page, cast, sign_in):
    sign_in(site, "federal_coordinator")
    page.goto(site + "/mitglieder/")
    assert axe_violations(page) == []


@pytest.fixture
def agency_member(demo_site, cast):
    """An unreleased demo survey and a member limited to two of its agencies, data steward for one."""
    from django.contrib.auth import get_user_model

    from ikoe.accounts.models import Membership, Role
    from ikoe.organisations.models import Organisation
    from ikoe.surveys.models import Survey

    mark_published(Survey.objects.filter(name="demo-musterland-2024"), False)
    user = get_user_model().objects.create_user("behoerde", "behoerde@example.org", cast.password)
    land = Organisation.objects.get(code="DE-XX")
    for code, role in (("DE-XX-01-01", Role.VIEWER), ("DE-XX-02-01", Role.DATA_STEWARD)):
        agency = Organisation.objects.get(code=code)
        Membership.objects.create(user=user, role=role, land=land, agency=agency)
    return user


@pytest.mark.parametrize(
    "path",
    [
        "/befragungen/",
        "/befragungen/demo-musterland-2024/",
        "/befragungen/demo-musterland-2024/organisation/DE-XX-01-01/",
        "/befragungen/demo-musterland-2024/diagnose/",
    ],
)
def test_survey_pages_of_an_agency_member_have_no_wcag_violations(
    demo_site, page, agency_member, sign_in, path
):
    sign_in(demo_site, "behoerde")
    response = page.goto(demo_site + path)
    assert response is not None and response.status == 200
    assert axe_violations(page) == []
    assert page.console_errors == []


@pytest.fixture
def joint_site(live_server, tmp_path):
    """A released joint survey of Berlin and Hamburg beside the real reference data."""
    from ikoe.organisations.services import import_organisations
    from ikoe.surveys.pipeline import import_survey
    from ikoe.surveys.release import Channel, set_release
    from tests.test_survey_import import people, write_csv

    load_reference_data()
    import_organisations("tests/data/organisations/tree.csv")
    rows = (
        people("BE-LEA", 40, 90)
        + people("BE-SENINN", 12, 30, career="gehoben")
        + people("HH-POL", 35, 110, gender="m")
        + people("HH-BIS", 9, 25, career="gehoben")
    )
    survey = import_survey(
        write_csv(tmp_path / "gemeinsam.csv", rows),
        name="gemeinsam-2024",
        year=2024,
        title="Gemeinsame Befragung Berlin und Hamburg",
    )
    set_release(survey, True, channel=Channel.COMMAND, username="test")
    return live_server.url


JOINT_PAGES = [
    "/befragungen/gemeinsam-2024/",
    "/befragungen/gemeinsam-2024/?land=DE-HH",
    "/befragungen/gemeinsam-2024/laendervergleich/",
]


@pytest.mark.parametrize("path", JOINT_PAGES)
def test_joint_survey_pages_have_no_wcag_violations(joint_site, page, path):
    page.goto(joint_site + path)
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_the_laendervergleich_of_a_joint_survey_fits_a_phone_and_names_every_land(
    joint_site,
    browser,  # noqa: F811
):
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 800})
    page = context.new_page()
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 800})
        for path in JOINT_PAGES:
            page.goto(joint_site + path)
            # no sideways scrolling; in the grouped chart (two series) no label is cut off, too
            # small to read, or on top of another, the legend included
            assert page.evaluate(FITS) == [], (width, path)
    labels = " ".join(page.locator("svg[role=img] text").all_text_contents())
    assert "Berlin" in labels and "Hamburg" in labels
    row = page.locator("tr", has=page.locator("th", has_text="Hamburg"))
    # Hamburg: 44 of 179 in the public service; 33.3 % in the population (Mikrozensus 2023).
    assert row.locator("td").all_inner_texts()[0] == "24,6"
    context.close()


WIDTH_PAGES = [
    "/",
    "/laendervergleich/",
    "/laendervergleich/?series={public}",
    "/befragungen/",
    "/befragungen/demo-musterland-2024/",
    "/befragungen/demo-musterland-2024/organisation/DE-XX-01/",
    "/befragungen/demo-musterland-2024/organisation/DE-XX-01-01/",
    "/befragungen/demo-musterland-2024/diagnose/",
    "/befragungen/demo-musterland-2024/freigabe/",
    "/befragungen/hochladen/",
    "/schnittstelle/",
    "/methodik/",
    "/auswahlverfahren/",
    "/auswahlverfahren/demo-musterland-auswahl/",
    "/auswahlverfahren/demo-musterland-auswahl/trichter/1/",
    "/auswahlverfahren/demo-musterland-auswahl/trichter/13/",
    "/auswahlverfahren/demo-musterland-auswahl/freigabe/",
    "/ziele/szenarien/",
    "/ziele/szenarien/?{scenarios}",
    "/ziele/szenarien/?s1-share=abc&s2-name=Nur+ein+Name",
    "/ziele/",
    "/ziele/?sort=-share",
    "/ziele/organisation/DE-XX-01-01/",
]

# Three scenarios of the scenario page, one with a long name and a target out of reach.
SCENARIOS = (
    "s1-share=10&s1-target=20&s1-horizon=10&s1-exit_rate=5&s1-hiring_share=25"
    "&s2-name=Senatsverwaltung+f%C3%BCr+Stadtentwicklung%2C+Bauen+und+Wohnen"
    "&s2-share=12%2C5&s2-target=30&s2-horizon=25&s2-exit_rate=4%2C5&s2-growth=-1&s2-hiring_share=45"
    "&s3-share=15&s3-target=60&s3-horizon=3&s3-exit_rate=3&s3-hiring_share=30"
)

FITS = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('page scrolls sideways');
  for (const svg of document.querySelectorAll('svg[role=img]')) {
    const box = svg.getBoundingClientRect();
    const seen = [];
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (!r.width) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.push('label cut off: ' + t.textContent);
      // readable after the SVG is scaled to the screen: a line at least 10 px high
      const lines = Math.max(1, t.querySelectorAll('tspan').length);
      if (r.height / lines < 10) out.push('label too small: ' + t.textContent + ' ' + (r.height / lines).toFixed(1));
      for (const [o, text] of seen)
        if (r.left < o.right - 1 && o.left < r.right - 1 && r.top < o.bottom - 1 && o.top < r.bottom - 1)
          out.push('labels overlap: ' + text + ' / ' + t.textContent);
      seen.push([r, t.textContent]);
    }
  }
  if (window.innerWidth >= 1366)
    for (const w of document.querySelectorAll('.table-wrap'))
      if (w.scrollWidth > w.clientWidth + 1) out.push('table scrolls: ' + w.textContent.slice(0, 40));
  return out;
}"""


WITHOUT_LEGEND = """() => [...document.querySelectorAll('table.data')]
  .filter(t => !(t.closest('.table-wrap')?.nextElementSibling?.classList.contains('symbol-legend')))
  .map(t => (t.caption ? t.caption.textContent : t.textContent).trim().slice(0, 60))"""


@pytest.mark.parametrize("width", [1366, 390, 320])
def test_every_page_fits_the_screen_and_no_chart_label_is_cut_off(coordinator_page, width):
    from ikoe.benchmarks.comparison import available_series

    public = next(s for s in available_series() if s.is_public_service and len(s.years) == 1)
    page = coordinator_page
    base = page.url.split("/befragungen")[0]
    page.set_viewport_size({"width": width, "height": 900})
    for path in WIDTH_PAGES:
        page.goto(base + path.format(public=public.key, scenarios=SCENARIOS))
        assert page.evaluate(FITS) == [], (width, path)
        if (
            path.startswith(
                ("/laendervergleich", "/befragungen/demo-musterland-2024/", "/auswahlverfahren/")
            )
            and not (path.endswith(("diagnose/", "freigabe/")))
            or path.split("?")[0] == "/ziele/"
        ):
            # every table with figures has the legend of symbols right under it
            assert page.evaluate(WITHOUT_LEGEND) == [], (width, path)
        assert axe_violations(page) == [], (width, path)


# --- the scenario page: htmx updates in place, and the form works without JavaScript ----------


def test_the_scenario_page_updates_its_results_in_place_with_htmx(site, page):
    page.goto(site + "/ziele/szenarien/")
    page.evaluate("window.notReloaded = true")  # a whole new page would forget it
    needed = page.locator("section[aria-labelledby=h-key-figures] tbody tr").nth(2)
    assert needed.locator("td").inner_text() == "erreichbar: es braucht 34,9 % der Einstellungen"
    with page.expect_response(lambda r: "/ziele/szenarien/?" in r.url) as answer:
        page.fill("#id_s1-target", "30")
        page.press("#id_s1-target", "Tab")  # leaving the field is a change
    assert answer.value.request.headers.get("hx-request") == "true"
    # (0.30 − 0.10·0.598737)/0.401263 = 0.598439 instead of the example's 0.349213
    page.wait_for_function(
        "document.querySelector('#scenario-results').textContent.includes('59,8 %')"
    )
    assert needed.locator("td").inner_text() == "erreichbar: es braucht 59,8 % der Einstellungen"
    assert page.evaluate("window.notReloaded") is True
    assert "s1-target=30" in page.url  # the address is the link to these inputs
    assert page.evaluate("document.activeElement.id") == "id_s1-horizon"  # focus stays put
    assert page.locator("#scenario-live").inner_text() == "Die Ergebnisse sind aktualisiert."
    # A wrong entry: its message appears beside the field and above the results, in place.
    page.fill("#id_s1-exit_rate", "viel")
    page.keyboard.press("Enter")  # Enter submits the form, which htmx takes over
    page.wait_for_selector("#id_s1-exit_rate_errors li")
    assert "„viel“ ist keine Zahl" in page.locator("#id_s1-exit_rate_errors").inner_text()
    assert page.locator("#error-summary a[href='#id_s1-exit_rate']").count() == 1
    assert page.evaluate("window.notReloaded") is True
    assert page.title().startswith("Fehler:")
    assert axe_violations(page) == []
    assert page.console_errors == []  # nothing refused by the content security policy


def test_the_scenario_page_works_without_javascript(site, browser):  # noqa: F811
    context = browser.new_context(
        locale="de-DE", java_script_enabled=False, viewport={"width": 390, "height": 800}
    )
    page = context.new_page()
    page.goto(site + "/ziele/szenarien/")
    page.fill("#id_s2-share", "10")
    page.fill("#id_s2-target", "20")
    page.fill("#id_s2-horizon", "10")
    page.fill("#id_s2-exit_rate", "5")
    page.fill("#id_s2-hiring_share", "34,9")
    with page.expect_navigation():
        page.click("button[type=submit]:text('Berechnen')")
    assert "s2-hiring_share=34%2C9" in page.url
    head = page.locator("section[aria-labelledby=h-key-figures] thead th").all_inner_texts()
    assert head == ["Beispiel: von 10 % auf 20 % in 10 Jahren", "Szenario 2"]
    row = page.locator("section[aria-labelledby=h-key-figures] tbody tr").nth(4)
    assert row.locator("td").nth(1).inner_text().startswith("20,0 %")
    assert page.locator("svg[role=img]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    context.close()


@pytest.mark.parametrize(("locale", "name"), [("de-DE", "Szenario 3"), ("en-GB", "Scenario 3")])
@pytest.mark.parametrize("width", [320, 1366])
def test_the_scenario_chart_shows_every_label_in_full(site, browser, locale, name, width):  # noqa: F811
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(site + "/ziele/szenarien/?" + SCENARIOS)
    assert_chart_texts_in_full(page, ["Senatsverwaltung", name])
    assert page.evaluate(FITS) == []
    context.close()


# --- targets: the board, an organisation's target, the forms (signed in as the coordination) ----


TARGET_PAGES = [
    "/ziele/",
    "/ziele/?sort=-share",
    "/ziele/?ministry=DE-XX-01",
    "/ziele/organisation/DE-XX-01-01/",
    "/ziele/organisation/DE-XX-01-01/ziel/",
    "/ziele/land/DE-XX/alle/",
    "/ziele/organisation/DE-XX-01-01/foerderplan/neu/",
]


@pytest.fixture
def demo_targets(demo_site):
    """Targets for every agency of the demo Land (its benchmark, 2030; assumptions for one)."""
    from django.contrib.auth import get_user_model

    from ikoe.organisations.models import Organisation
    from ikoe.targets.services import (
        Assumptions,
        default_benchmark,
        set_all_to_benchmark,
        set_target,
    )

    land = Organisation.objects.get(code="DE-XX")
    user = get_user_model().objects.create_user("zielsetzung")
    benchmark = default_benchmark(land)
    agencies = list(Organisation.objects.filter(land=land, kind="agency"))
    set_all_to_benchmark(
        agencies, user, benchmark=benchmark, deadline=2030, definition="mikrozensus_wide"
    )
    set_target(
        Organisation.objects.get(code="DE-XX-01-01"),
        user,
        share=0.3,
        deadline=2032,
        definition="mikrozensus_wide",
        assumptions=Assumptions(exit_rate=0.05, hiring_share=0.35, note="Personalstatistik"),
    )
    return demo_site


def test_target_pages_have_no_wcag_violations_and_fit_a_phone(demo_targets, coordinator_page):
    page = coordinator_page
    for path in TARGET_PAGES:
        response = page.goto(demo_targets + path)
        assert response is not None and response.status == 200, path
        assert axe_violations(page) == [], path
        assert page.console_errors == [], path
    page.set_viewport_size({"width": 390, "height": 800})
    for path in TARGET_PAGES:
        page.goto(demo_targets + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    # the form with its error summary, still accessible
    page.goto(demo_targets + "/ziele/organisation/DE-XX-01-01/ziel/")
    page.fill("#id_deadline", "1999")
    page.focus("main form button[type=submit]:text('Das Ziel speichern')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Fehler:")
    assert axe_violations(page) == []
    page.click("#error-summary a[href='#id_deadline']")
    assert page.evaluate("document.activeElement.id") == "id_deadline"


def test_the_board_sorts_with_the_keyboard_without_javascript(demo_targets, coordinator_page):
    page = coordinator_page
    page.goto(demo_targets + "/ziele/")
    heading = page.locator("th[aria-sort]")
    assert heading.count() == 1 and "Dienststelle" in heading.inner_text()
    page.focus("button.sort-button:text('Aktueller Anteil in %')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=share" in page.url
    assert "Aktueller Anteil" in page.locator("th[aria-sort=ascending]").inner_text()
    page.focus("button.sort-button:text('Aktueller Anteil in %')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=-share" in page.url
    assert page.locator("th[aria-sort=descending]").count() == 1


# --- the IKÖ-Check: the pages to fill it in, public and signed in -------------------------------


@pytest.fixture
def assessment_site(live_server, cast, monkeypatch, tmp_path):
    """The small test questionnaire; a draft of Agency A with answers and an evidence file, and
    a finished check of Land A shared with the Land."""
    from django.core.files.base import ContentFile

    from ikoe.assessment import services
    from tests.test_assessment_pages import PDF, answer_all, small_questionnaire

    small_questionnaire.__wrapped__(monkeypatch, tmp_path)
    editor = cast.users["editor_a"]
    draft = services.start(cast.orgs["A-AGY"], editor, sectors=["education"])
    answer_all(draft, editor, skip=("str-2", "ser-edu", "coo-1", "coo-2"))
    services.answer(
        draft,
        "str-1",
        editor,
        level=2,
        evidence_text="Leitbild 2024",
        evidence_link="https://example.org/leitbild",
        evidence_file=ContentFile(PDF, name="leitbild.pdf"),
    )
    done = services.start(cast.orgs["DE-BE"], cast.users["coordinator_a"])
    answer_all(done, cast.users["coordinator_a"])
    services.finish(done, cast.users["coordinator_a"])
    return live_server.url, draft, done


def test_the_assessment_pages_have_no_wcag_violations_and_fit_a_phone(
    assessment_site, page, sign_in
):
    site, draft, done = assessment_site
    public = ["/ikoe-check/", "/ikoe-check/fragebogen/2026.1/", "/ikoe-check/registrieren/"]
    own = [
        "/ikoe-check/",
        "/ikoe-check/neu/",
        f"/ikoe-check/{draft.pk}/",
        f"/ikoe-check/{draft.pk}/teil/strategy/",
        f"/ikoe-check/{draft.pk}/teil/services/",
        f"/ikoe-check/{draft.pk}/einstellungen/",
        f"/ikoe-check/{draft.pk}/ergebnis/",
        f"/ikoe-check/{draft.pk}/massnahmenplan/",
    ]
    for paths, who in ((public, None), (own, "editor_a")):
        if who:
            sign_in(site, who)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for path in paths:
                response = page.goto(site + path)
                assert response is not None and response.status == 200, path
                assert axe_violations(page) == [], (width, path)
                assert page.evaluate(FITS) == [], (width, path)
                assert page.evaluate(WITHOUT_LEGEND) == [], (width, path)
                assert page.console_errors == [], path
    # the form of a dimension with its error summary, reached by keyboard
    page.goto(site + f"/ikoe-check/{draft.pk}/teil/strategy/")
    page.fill("#id_str-2-evidence_text", "Protokoll")
    page.focus("main form button[name=save]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Fehler:")
    assert axe_violations(page) == []
    page.click("#error-summary a[href='#id_str-2-level_0']")
    assert page.evaluate("document.activeElement.id") == "id_str-2-level_0"
    # a finished check of the Land, read by its coordination
    sign_in(site, "coordinator_a")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in (
            f"/ikoe-check/{done.pk}/",
            f"/ikoe-check/{done.pk}/teil/strategy/",
            f"/ikoe-check/{done.pk}/ergebnis/",
            f"/ikoe-check/{done.pk}/massnahmenplan/",
            "/ikoe-check/land/DE-BE/",
        ):
            page.goto(site + path)
            assert axe_violations(page) == [], (width, path)
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap'))
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
            assert page.evaluate(FITS) == [], (width, path, wide)
            assert page.evaluate(WITHOUT_LEGEND) == [], (width, path)
    # the anonymised overview of a Land with enough checks: the demo Land's 31
    from ikoe.assessment.demo import load_demo_assessments
    from ikoe.organisations.services import ensure_demo_organisations

    ensure_demo_organisations()
    assert load_demo_assessments() == 31
    sign_in(site, "federal_coordinator")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(site + "/ikoe-check/land/DE-XX/")
        assert page.locator("table").count() > 3
        assert axe_violations(page) == [], width
        assert page.evaluate(FITS) == [], width
        assert page.evaluate(WITHOUT_LEGEND) == [], width


def test_registering_works_without_javascript_on_a_phone(assessment_site, browser):  # noqa: F811
    site = assessment_site[0]
    context = browser.new_context(
        locale="de-DE", java_script_enabled=False, viewport={"width": 390, "height": 800}
    )
    page = context.new_page()
    page.goto(site + "/ikoe-check/registrieren/")
    page.fill("#id_name", "Verein Brücken e. V.")
    page.check("#id_kind_0")
    page.select_option("#id_land", "DE-BE")
    page.check("#id_size_class_0")
    page.fill("#id_first_name", "Aylin")
    page.fill("#id_last_name", "Demir")
    page.fill("#id_email", "aylin@bruecken.example")
    page.fill("#id_password1", "lange-Brücke-über-die-Spree")
    page.fill("#id_password2", "lange-Brücke-über-die-Spree")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/ikoe-check/neu/")
    assert page.locator("#id_organisation_0").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    context.close()


# --- measures: the anchoring register (public pages) ------------------------------------------

ANCHORING_PAGES = [
    "/massnahmen/verankerung/",
    "/massnahmen/verankerung/?land=DE-BUND&instrument=decree",
    "/massnahmen/verankerung/DE-BE/",
    "/massnahmen/verankerung/laendervergleich/",
]


def test_the_anchoring_pages_have_no_wcag_violations_fit_a_phone_and_have_legends(site, browser):  # noqa: F811
    from ikoe.measures.anchoring import load_shipped_provisions

    load_shipped_provisions()
    for width in (1366, 390):
        context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
        page = context.new_page()
        for path in ANCHORING_PAGES:
            response = page.goto(site + path)
            assert response is not None and response.status == 200, path
            assert page.evaluate(FITS) == [], (width, path)
            assert page.evaluate(WITHOUT_LEGEND) == [], (width, path)
            assert axe_violations(page) == [], (width, path)
        # the certainty markers are on the page, set apart
        page.goto(site + "/massnahmen/verankerung/DE-BE/")
        assert page.locator("mark.certainty", has_text="unverifiziert").count() >= 1
        context.close()


# --- measures: the board with its timeline, one measure, the forms (signed in as the coordination)


@pytest.fixture
def demo_measures(demo_site):
    """Measures of the demo Land: a parent with two parts, an overdue milestone, dates for the
    timeline."""
    from datetime import date, timedelta

    from ikoe.measures import services
    from ikoe.organisations.models import Organisation

    today = date.today()
    agency = Organisation.objects.get(code="DE-XX-01-01")
    parent = services.create_measure(
        None,
        organisation=agency,
        title="Interkulturelle Öffnung der Bürgerdienste",
        type="access",
        dimension="services",
        status="in_progress",
        start=today - timedelta(days=300),
        end=today + timedelta(days=400),
    )
    for title, progress in (("Mehrsprachige Formulare", 20), ("Sprachmittlung am Schalter", 60)):
        services.create_measure(
            None,
            organisation=agency,
            title=title,
            type="access",
            dimension="services",
            status="in_progress",
            progress=progress,
            parent=parent,
            start=today - timedelta(days=200),
            end=today - timedelta(days=10),
        )
    services.add_milestone(parent, None, title="Konzept abgestimmt", due=today - timedelta(days=7))
    return demo_site, parent.pk


def test_measure_pages_have_no_wcag_violations_fit_a_phone_and_have_the_legend(
    demo_measures, coordinator_page
):
    site, pk = demo_measures
    paths = [
        "/massnahmen/",
        "/massnahmen/land/DE-XX/",
        "/massnahmen/land/DE-XX/?group=dimension",
        "/massnahmen/organisation/DE-XX-01-01/",
        f"/massnahmen/{pk}/",
        "/massnahmen/neu/?organisation=DE-XX-01-01",
        f"/massnahmen/{pk}/bearbeiten/",
        f"/massnahmen/{pk}/meilenstein/",
        f"/massnahmen/{pk}/loeschen/",
        "/massnahmen/land/DE-XX/austausch/",
    ]
    page = coordinator_page
    for path in paths:
        response = page.goto(site + path)
        assert response is not None and response.status == 200, path
        assert axe_violations(page) == [], path
        assert page.console_errors == [], path
        # every data table is followed by the legend of symbols
        missing = page.evaluate(
            """() => [...document.querySelectorAll('table.data')].filter(t => {
                const next = t.closest('.table-wrap').nextElementSibling;
                return !(next && next.classList.contains('symbol-legend'));
            }).length"""
        )
        assert missing == 0, path
    page.goto(site + "/massnahmen/land/DE-XX/")
    assert page.locator("svg.timeline[role=img] title").count() == 1
    assert page.locator("tr.overdue").count() >= 1
    page.set_viewport_size({"width": 390, "height": 800})
    for path in paths:
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    # the form with its error summary, still accessible
    page.goto(site + "/massnahmen/neu/?organisation=DE-XX-01-01")
    page.fill("#id_start", "2026-01-01")
    page.fill("#id_end", "2025-01-01")


# --- measures: trainings and funding programmes (signed in as the coordination of Land A) -----


@pytest.fixture
def measures_site(live_server, cast):
    """Counts, offers and a programme with two checks in Land A (the test cast)."""
    from datetime import date
    from decimal import Decimal

    from ikoe.measures import funding, training
    from ikoe.measures.models import FUNDING_CRITERIA

    user = cast.users["coordinator_a"]
    agency, agency2 = cast.orgs["A-AGY"], cast.orgs["A-AGY2"]
    offer = training.save_offer(
        user,
        agency,
        {
            "title": "Interkulturelle Kompetenz im Bürgerkontakt",
            "provider": "Verwaltungsakademie",
            "format": "blended",
            "hours": Decimal("7.5"),
            "contents": ["competence", "anti_discrimination"],
            "groups": ["front_office", "leadership", "trainees"],
        },
    )
    training.save_record(user, agency, 2024, "front_office", staff=120, planned=60, trained=30)
    training.save_record(user, agency2, 2024, "front_office", staff=80, planned=20, trained=25)
    training.save_record(user, agency2, 2024, "casework", staff=300, planned=None, trained=12)
    programme = funding.save_programme(user, agency, {"title": "Integrationsfonds"})
    answers = dict(zip(FUNDING_CRITERIA, ["yes", "yes", "partly", "no", "no", "yes"], strict=True))
    funding.add_check(user, programme, answers, checked_on=date(2024, 3, 1))
    funding.add_check(user, programme, dict.fromkeys(FUNDING_CRITERIA, "partly"))
    return live_server.url, offer.pk, programme.pk


def test_training_and_funding_pages_are_accessible_fit_a_phone_and_have_the_legend(
    measures_site, page, sign_in
):
    site, offer, programme = measures_site
    sign_in(site, "coordinator_a")
    paths = [
        "/massnahmen/fortbildung/land/DE-BE/?year=2024",
        "/massnahmen/fortbildung/angebot/neu/?land=DE-BE",
        f"/massnahmen/fortbildung/angebot/{offer}/",
        "/massnahmen/fortbildung/teilnahme/neu/?land=DE-BE&organisation=A-AGY&year=2024&group=front_office",
        "/massnahmen/foerderprogramme/land/DE-BE/",
        f"/massnahmen/foerderprogramme/{programme}/",
        "/massnahmen/foerderprogramme/neu/?land=DE-BE",
        f"/massnahmen/foerderprogramme/{programme}/pruefung/",
    ]
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            response = page.goto(site + path)
            assert response is not None and response.status == 200, path
            assert axe_violations(page) == [], (width, path)
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap'))
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
            assert page.evaluate(FITS) == [], (width, path, wide)
            assert page.evaluate(WITHOUT_LEGEND) == [], (width, path)
            assert page.console_errors == [], path
    # the counts form refuses more trained than staff, with the summary linked to the field
    page.goto(site + paths[3])
    page.fill("#id_trained", "130")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.title().startswith("Fehler:")
    assert axe_violations(page) == []

    page.click("#error-summary a[href='#id_trained']")
    assert page.evaluate("document.activeElement.id") == "id_trained"
    # the check form: radio groups answered by keyboard, the error summary for a missing one
    page.goto(site + f"/massnahmen/foerderprogramme/{programme}/pruefung/")
    assert page.locator("fieldset.choices").count() == 6


# --- exchange: programme consultations (signed in as the coordination of Land A) --------------


@pytest.fixture
def consultation_site(live_server, cast):
    """An open consultation with two questions, and a closed one that Land A answered."""
    from datetime import timedelta

    from django.utils import timezone

    from ikoe.exchange import consultations
    from ikoe.exchange.models import Consultation, ConsultationQuestion

    today = timezone.localdate()
    made = []
    for title, deadline in (
        ("Konsultation zum Bundesprogramm Vielfalt in der Verwaltung", today + timedelta(days=14)),
        ("Konsultation zum Bundesprogramm Ausbildung", today + timedelta(days=1)),
    ):
        c = Consultation.objects.create(
            title=title,
            programme="Bundesprogramm Interkulturelle Öffnung der Landesverwaltungen 2027–2030",
            federal_body="Bundesministerium des Innern und für Heimat",
            description="Förderung von Projekten der interkulturellen Öffnung.\nZweiter Absatz.",
            deadline=deadline,
        )
        for n, text in enumerate(
            [
                "Welche Strukturen der interkulturellen Öffnung bestehen in Ihrem Land?",
                "Welche Förderbedingungen halten Sie für notwendig?",
            ],
            start=1,
        ):
            ConsultationQuestion.objects.create(
                consultation=c, number=n, text=text, guidance="Höchstens eine Seite."
            )
        consultations.open_consultation(c)
        made.append(c)
    closed = made[1]
    answers = {q.pk: "Eine Landesstelle koordiniert " * 8 for q in closed.questions.all()}
    consultations.save_response(
        cast.users["coordinator_a"],
        closed,
        cast.orgs["DE-BE"],
        answers,
        {
            "local_structures": "Integrationsbeauftragte in allen Ressorts",
            "programmes": "Landesprogramm Vielfalt (2019–2023), evaluiert",
            "recommendations": "Mehrsprachige Förderaufrufe",
        },
        submit=True,
    )
    Consultation.objects.filter(pk=closed.pk).update(deadline=today - timedelta(days=1))
    return live_server.url, made[0].pk, closed.pk


def test_consultation_pages_are_accessible_fit_a_phone_and_have_the_legend(
    consultation_site, page, sign_in
):
    site, open_pk, closed_pk = consultation_site
    sign_in(site, "coordinator_a")
    paths = [
        "/austausch/konsultationen/",
        f"/austausch/konsultationen/{open_pk}/",
        f"/austausch/konsultationen/{open_pk}/antwort/DE-BE/",
        f"/austausch/konsultationen/{closed_pk}/",
        f"/austausch/konsultationen/{closed_pk}/auswertung/",
    ]
    for width in (1366, 390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            response = page.goto(site + path)
            assert response is not None and response.status == 200, path
            assert axe_violations(page) == [], (width, path)
            assert page.evaluate(FITS) == [], (width, path)
            assert page.evaluate(WITHOUT_LEGEND) == [], (width, path)
            assert page.console_errors == [], path
    # the synthesis names the Länder without an answer in words, per question
    page.goto(site + paths[4])
    row = page.locator("#caption-q1").locator("xpath=..").locator("tr", has_text="Land B")
    assert row.locator("td").inner_text() in ("keine Antwort", "no answer given")
    # submitting with an empty question shows the error summary, linked to the field
    page.goto(site + paths[2])
    with page.expect_navigation():
        page.click("main form button[value=submit]")
    assert page.title().startswith(("Fehler:", "Error:"))
    assert axe_violations(page) == []
    first = page.locator("#error-summary a").first
    target = first.get_attribute("href")
    first.click()
    assert "#" + page.evaluate("document.activeElement.id") == target


def test_the_federal_consultation_pages_are_accessible_and_fit_a_phone(
    consultation_site, page, sign_in
):
    from datetime import timedelta

    from django.utils import timezone

    from ikoe.exchange.models import Consultation, ConsultationQuestion

    site, open_pk, closed_pk = consultation_site
    draft = Consultation.objects.create(
        title="Entwurf einer Konsultation",
        programme="Programm",
        federal_body="Bundesamt",
        description="Entwurf",
        deadline=timezone.localdate() + timedelta(days=30),
    )
    ConsultationQuestion.objects.create(consultation=draft, number=1, text="Erste Frage?")
    sign_in(site, "federal_coordinator")
    paths = [
        "/austausch/konsultationen/",
        "/austausch/konsultationen/neu/",
        f"/austausch/konsultationen/{draft.pk}/",
        f"/austausch/konsultationen/{draft.pk}/fragen/",
        f"/austausch/konsultationen/{draft.pk}/eroeffnen/",
        f"/austausch/konsultationen/{open_pk}/",
        f"/austausch/konsultationen/{open_pk}/bearbeiten/",
        f"/austausch/konsultationen/{closed_pk}/auswertung/",
    ]
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            response = page.goto(site + path)
            assert response is not None and response.status == 200, path
            assert axe_violations(page) == [], (width, path)
            assert page.evaluate(FITS) == [], (width, path)
            assert page.evaluate(WITHOUT_LEGEND) == [], (width, path)
    # the add form's error summary, reached by keyboard
    page.goto(site + paths[1])
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert axe_violations(page) == []
    page.click("#error-summary a[href='#id_title']")
    assert page.evaluate("document.activeElement.id") == "id_title"


# --- the exchange of practices: a record, its form, the review queue, the comparison ----------


@pytest.fixture
def practices_site(live_server, cast):
    """Three published practices of Land A (one with every section filled, a certainty marker,
    sources and an attachment) and a submitted one waiting for the coordination."""
    from django.core.files.base import ContentFile

    from ikoe.exchange import services, workflow
    from ikoe.exchange.models import Practice, PracticeAttachment

    coordinator = cast.users["coordinator_a"]
    agency = cast.orgs["A-AGY"]

    def make(title: str, **values: object) -> Practice:
        practice = Practice(
            title=title,
            summary="Mehr Auszubildende mit Einwanderungsgeschichte in der Landesverwaltung.",
            level="land",
            lead_body="Senatsverwaltung für Inneres",
            lead_type="ministry",
            status="running",
            dimensions=["personnel", "services"],
            measure_types=["recruitment", "training"],
            sectors=["administration", "security"],
            target_groups=["young_people", "applicants"],
            keywords="Ausbildung; Polizei",
            organisation=agency,
            land=agency.land,
            region_code="DE-BE",
            **values,
        )
        services.save_practice(practice, coordinator)
        return practice

    full = make(
        "Berlin braucht dich! – Ausbildungskampagne mit Migrantenorganisationen",
        partners="Migrantenorganisationen, Schulen, Betriebe",
        contact_role="Projektleitung",
        contact="projekt@example.org",
        starting_point="Wenige Bewerbungen von Jugendlichen mit Einwanderungsgeschichte.",
        goals="Anteil der Auszubildenden auf 25 % erhöhen [nicht verifiziert]",
        activities="Betriebsbegegnungen an Schulen\nElternabende",
        started="2006-09-01",
        cost_band="medium",
        funding_source="Landeshaushalt",
        outcomes="Der Anteil stieg deutlich.",
        evaluation="external",
        evaluation_link="https://example.org/evaluation-mit-einem-sehr-langen-namen-ohne-leerzeichen-2023",
        prerequisites="Netzwerk mit Schulen",
        certainty="[nicht verifiziert]",
        sources="https://example.org/quelle-mit-einem-sehr-langen-pfad/und-noch-mehr/bericht-2023.pdf\nJahresbericht 2023",
    )
    PracticeAttachment.objects.create(
        practice=full, title="Konzept", file=ContentFile(b"%PDF-1.4", name="konzept.pdf"), size=8
    )
    others = [make(f"Praxis {n}: Mentoring für Nachwuchskräfte") for n in (2, 3)]
    for p in (full, *others):
        Practice.objects.filter(pk=p.pk).update(state=Practice.State.SUBMITTED)
        p.refresh_from_db()
        workflow.publish(p, coordinator, "Geprüft und veröffentlicht.")
    waiting = make("Sprachmittlung im Bürgeramt")
    workflow.submit(waiting, coordinator)
    return live_server.url, full.pk, [full.pk, *(p.pk for p in others)]


def test_practice_pages_are_accessible_and_fit_a_phone(practices_site, page, sign_in):
    site, pk, ids = practices_site
    compare = "/austausch/vergleich/?ids=" + ",".join(map(str, ids))
    page.goto(site + f"/austausch/praxis/{pk}/")  # anonymous: the public record
    assert axe_violations(page) == []
    assert page.locator("mark.certainty").count() >= 1
    sign_in(site, "coordinator_a")
    paths = [
        f"/austausch/praxis/{pk}/",
        "/austausch/praxis/neu/",
        f"/austausch/praxis/{pk}/bearbeiten/",
        "/austausch/praxis/pruefung/",
        compare,
        compare + ",999",
        f"/austausch/praxis/{pk}/versionen/",
        f"/austausch/praxis/{pk}/versionen/1/",
        f"/austausch/praxis/{pk}/anhang/neu/",
    ]
    for width in (1366, 1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            response = page.goto(site + path)
            assert response is not None and response.status == 200, path
            assert axe_violations(page) == [], (width, path)
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap'))
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
            assert page.evaluate(FITS) == [], (width, path, wide)
            assert page.console_errors == [], path
    # the form's error summary links to the fields, the checkbox group included
    page.goto(site + "/austausch/praxis/neu/")
    page.fill("#id_title", "")
    with page.expect_navigation():
        page.click("main form.practice-form button[type=submit]")
    assert page.title().startswith("Fehler:")
    assert page.locator("#error-summary a[href='#id_dimensions']").count() == 1
    assert axe_violations(page) == []
    # the review step by keyboard: the coordinator sends the waiting practice back with a reason
    page.goto(site + "/austausch/praxis/pruefung/")
    page.click("text=Sprachmittlung im Bürgeramt")
    page.fill("#id_text", "Bitte die Ziele in Zahlen angeben.")
    page.focus("button[name=action][value=return]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".review-timeline").inner_text().count("Bitte die Ziele in Zahlen") == 1
    assert axe_violations(page) == []


def test_the_practice_search_is_accessible_and_fits_a_phone(practices_site, page):
    site, pk, ids = practices_site
    paths = [
        "/austausch/",
        "/austausch/?q=Ausbildung&dimension=personnel",
        "/austausch/?q=Wortohnetreffer",
    ]
    for width in (1366, 1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            response = page.goto(site + path)
            assert response is not None and response.status == 200, path
            assert axe_violations(page) == [], (width, path)
            assert page.evaluate(FITS) == [], (width, path)
            assert page.console_errors == [], path
    # a word form is marked, and ticking two records compares them
    page.goto(site + "/austausch/?q=Ausbildung")
    assert page.locator(".hit mark").count() >= 1
    page.check(f"#cmp-{ids[0]}")
    page.check(f"#cmp-{ids[1]}")
    with page.expect_navigation():
        page.click("#compare-form button")
    assert "/austausch/vergleich/" in page.url
    assert page.locator("main table").count() >= 1
