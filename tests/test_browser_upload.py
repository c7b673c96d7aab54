"""The survey upload in a real browser, as a data steward of the demo Land: the upload page, the
mapping step with its value step, the diagnostics and the survey pages fit a desktop and a phone
screen, pass axe-core (WCAG 2.1 AA) and show no internal code names."""

from __future__ import annotations

import os

import pytest

from ikoe.benchmarks.services import load_reference_data
from tests.browser import axe_violations, browser  # noqa: F401  (fixture)
from tests.test_survey_upload_steps import internal_codes_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "datenpflege-2024-demo"
SHOTS = os.environ.get("IKOE_SCREENSHOTS", "")  # a folder for screenshots of the pages, if set

# Every element inside the screen, unless it sits in a container that scrolls or clips by
# itself (a wide table in its scrolling wrapper on a phone); the page itself never scrolls
# sideways.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width)
    out.push('page scrolls sideways: ' + document.documentElement.scrollWidth);
  const contained = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || (r.left >= -1 && r.right <= width + 1)) continue;
    if (!contained(el))
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' +
               Math.round(r.left) + '..' + Math.round(r.right));
  }
  return out.slice(0, 10);
}"""

# An HR export: German headings, career groups as 1/2/3, the country of birth as a country.
EXPORT = [
    "Lfd. Nr.;Dienststelle;Laufbahngruppe;Geschlecht;Staatsangehörigkeit;Geburtsland;"
    "Mutter im Ausland geboren;Vater im Ausland geboren"
]
AGENCIES = ["DE-XX-02-01", "DE-XX-03-01", "DE-XX-04-03"]
for _i in range(1, 91):
    _migrant = _i % 5 == 0
    EXPORT.append(
        ";".join(
            [
                str(_i),
                AGENCIES[_i % 3],
                str(1 + _i % 3),
                "w" if _i % 2 else "m",
                "andere" if _migrant else "deutsch",
                "Türkei" if _migrant else "Deutschland",
                "nein",
                "nein",
            ]
        )
    )


@pytest.fixture
def steward_page(live_server, browser, tmp_path):  # noqa: F811
    """A browser page signed in through the login form as a data steward of the demo Land."""
    from django.contrib.auth import get_user_model

    from ikoe.accounts.models import Membership, Role
    from ikoe.organisations.models import Organisation
    from ikoe.surveys.demo import load_demo

    load_reference_data()
    load_demo()
    user = get_user_model().objects.create_user("datenpflege", password=PASSWORD)
    Membership.objects.create(
        user=user, role=Role.DATA_STEWARD, land=Organisation.objects.get(code="DE-XX")
    )
    context = browser.new_context(locale="de-DE", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.base = live_server.url
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "datenpflege")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click(".login-form button[type=submit]")
    yield page
    context.close()


def check(page, what: str) -> None:  # type: ignore[no-untyped-def]
    """The page fits the screen, has no WCAG violation and shows no internal code name."""
    assert page.evaluate(TOO_WIDE) == [], what
    assert axe_violations(page) == [], what
    assert internal_codes_in(page.evaluate("document.body.innerText")) == [], what
    assert page.console_errors == [], what


@pytest.mark.parametrize("width", [1366, 390])
def test_a_data_steward_uploads_maps_and_imports_a_german_hr_export(steward_page, tmp_path, width):
    page = steward_page
    page.set_viewport_size({"width": width, "height": 900})
    export = tmp_path / "personal-export.csv"
    export.write_bytes(("\r\n".join(EXPORT) + "\r\n").encode("utf-8-sig"))

    page.goto(page.base + "/befragungen/hochladen/")
    check(page, "upload page")
    page.click("summary:text('Die Spalten der Beispieldatei')")
    check(page, "upload page with the columns of the sample file")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/upload-{width}.png", full_page=True)
    assert page.locator("a[href='/befragungen/hochladen/beispiel-befragung.csv']").count() == 1

    page.set_input_files("#id_survey_file", str(export))
    page.fill("#id_name", "xx-export-2024")
    page.fill("#id_year", "2024")
    with page.expect_navigation():
        page.click("button:text('Weiter zur Spaltenzuordnung')")
    assert page.locator("h1").inner_text() == "Spalten zuordnen"
    check(page, "mapping step")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/mapping-{width}.png", full_page=True)
    # The columns are recognised by their German headings, and marked so.
    assert page.locator("#survey-columns .status-automatic").count() == 8
    # The career groups 1/2/3 and the country wait for a choice; the rest is preselected.
    assert (
        page.locator(
            "#h-values ~ * .status-unrecognised, #h-values ~ .value-table .status-unrecognised"
        ).count()
        == 4
    )
    entry = page.get_by_label("„1“ steht für")
    assert entry.locator("option").all_inner_texts()[1:5] == [
        "einfacher Dienst",
        "mittlerer Dienst",
        "gehobener Dienst",
        "höherer Dienst",
    ]

    # Importing before choosing: each open entry is named in the error summary.
    with page.expect_navigation():
        page.click("button:text('Befragung importieren')")
    assert page.title().startswith("Fehler:")
    assert page.locator("#error-summary li").count() == 4
    check(page, "mapping step with errors")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/mapping-errors-{width}.png", full_page=True)

    for text, choice in (("1", "mittel"), ("2", "gehoben"), ("3", "hoeher"), ("Türkei", "yes")):
        page.get_by_label(f"„{text}“ steht für").select_option(choice)
    with page.expect_navigation():
        page.click("button:text('Befragung importieren')")
    assert page.url.endswith("/befragungen/xx-export-2024/diagnose/")
    assert "90 Befragte" in page.locator(".messages").inner_text()
    check(page, "diagnostics of the new survey")
    assert "CSV, UTF-8 mit Byte-Order-Mark" in page.locator("dl.facts").first.inner_text()

    page.goto(page.base + "/befragungen/xx-export-2024/")
    check(page, "overview of the new survey")
    for path in (
        "/befragungen/demo-musterland-2024/",
        "/befragungen/demo-musterland-2024/diagnose/",
    ):
        page.goto(page.base + path)
        check(page, path)


def test_a_data_steward_uploads_selection_data_on_a_phone(steward_page, tmp_path):
    """The upload of selection data at 390 px: the page with its column tables open, the error
    summary of a bad file (focused, every problem with row and column), then the sample file of
    the page itself imported and the overview of the new data."""
    page = steward_page
    page.set_viewport_size({"width": 390, "height": 900})

    def fits(what: str) -> None:
        assert page.evaluate(TOO_WIDE) == [], what
        assert axe_violations(page) == [], what
        assert page.console_errors == [], what

    page.goto(page.base + "/auswahlverfahren/")
    with page.expect_navigation():
        page.click("a:text('Auswahldaten hochladen')")
    assert page.locator("h1").inner_text() == "Auswahldaten hochladen"
    for summary in page.locator("details > summary").all():
        summary.click()
    fits("upload page with the columns of both forms")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/selection-upload-390.png", full_page=True)

    sample = page.request.get(
        page.base + "/auswahlverfahren/hochladen/beispiel-auswahlverfahren.csv"
    )
    assert sample.ok
    lines = sample.body().decode("utf-8-sig").splitlines()
    bad = tmp_path / "auswahl-fehler.csv"
    # Row 2: more passed than entered.
    first = lines[1].split(";")
    first[-1] = str(int(first[-2]) + 5)
    bad.write_text("\r\n".join([lines[0], ";".join(first), *lines[2:]]), encoding="utf-8")

    page.set_input_files("#id_file", str(bad))
    page.fill("#id_name", "xx-auswahl-2024")
    with page.expect_navigation():
        page.click("button:text('Prüfen und importieren')")
    assert page.title().startswith("Fehler:")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    problems = page.locator("#error-summary ol li").all_inner_texts()
    assert len(problems) == 1
    assert problems[0].startswith("auswahl-fehler.csv, Zeile 2, Spalte „Bestanden“: ")
    fits("upload page with the error summary")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/selection-upload-errors-390.png", full_page=True)

    good = tmp_path / "beispiel-auswahlverfahren.csv"
    good.write_bytes(sample.body())
    page.set_input_files("#id_file", str(good))
    with page.expect_navigation():
        page.click("button:text('Prüfen und importieren')")
    assert page.url.endswith("/auswahlverfahren/xx-auswahl-2024/")
    assert "wurden importiert: 2 Verfahren" in page.locator(".messages").inner_text()
    assert "Nicht freigegeben" in page.locator(".status-banner").inner_text()
    fits("overview of the uploaded selection data")
