"""Upload of selection data by a data steward (``/auswahlverfahren/hochladen/``): who may upload
for which Land, the import all or nothing with every problem named by file, row and column, the
sample files and their round trip, and that the uploaded file is never kept (the cast of
tests/conftest.py: Land A = DE-BE, Land B = DE-HH)."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from ikoe.accounts.models import Membership, Role
from ikoe.barriers import pipeline
from ikoe.barriers.models import FunnelCell, SelectionData, SelectionRelease
from ikoe.barriers.pipeline import import_selection, restricted_dir
from ikoe.barriers.release import Channel, set_release
from ikoe.barriers.sample import (
    APPLICANTS_PROCEDURE,
    GROUPS,
    PROCEDURES,
    STAGES,
    applicant_rows,
    count_rows,
)
from ikoe.ingest.selection import read_selection
from ikoe.stats.disclosure import ProtectionFailed

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "selection"
FILE = DATA / "auswahl_land_a.csv"  # two procedures in A-AGY and A-AGY2 (Land A)
UPLOAD = "/auswahlverfahren/hochladen/"
SAMPLE = "/auswahlverfahren/hochladen/beispiel-auswahlverfahren.csv"
SAMPLE_APPLICANTS = "/auswahlverfahren/hochladen/beispiel-bewerbende.csv"
HEADER = ["Verfahren", "Jahr", "Laufbahngruppe", "Stufe", "Gruppe", "Beworben", "Bestanden"]


def post(client: Client, path: Path, name: str = "be-auswahl-2024", **fields: object):
    data: dict[str, object] = {"name": name, "title": "Auswahl Land A 2024", **fields}
    with path.open("rb") as file:
        return client.post(UPLOAD, {"file": file, **data})


def text(response) -> str:  # type: ignore[no-untyped-def]
    """The visible text of a page, tags removed and whitespace collapsed."""
    page = re.sub(r"(?s)<(script|style|title)\b.*?</\1>", " ", response.content.decode())
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def summary(response) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    found = re.search(r'<div class="message error error-summary".*?</div>', html, re.S)
    assert found, html[:3000]
    return found.group(0)


def stored_nothing(settings) -> bool:  # type: ignore[no-untyped-def]
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    folder = restricted_dir()
    restricted = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return (
        not SelectionData.objects.exists()
        and not FunnelCell.objects.exists()
        and not SelectionRelease.objects.exists()
        and files == []
        and restricted == []
    )


def pending_files(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def moved(land: str) -> list[str]:
    """The lines of FILE with its two agencies moved to agencies of Land B (``"DE-HH"``) or to
    codes that exist nowhere."""
    a, a2 = ("B-AGY", "B-UNIT") if land == "DE-HH" else ("X-AGY", "X-AGY2")
    lines = FILE.read_text("utf-8").splitlines()
    return [line.replace(";A-AGY2;", f";{a2};").replace(";A-AGY;", f";{a};") for line in lines]


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


# --- who may upload --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page_and_may_read_the_samples(
    client_anonymous, tmp_path, settings
):
    response = client_anonymous.get(UPLOAD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert post(client_anonymous, FILE).status_code == 302
    for url in (SAMPLE, SAMPLE_APPLICANTS):
        assert client_anonymous.get(url).status_code == 200
    assert stored_nothing(settings)


@pytest.mark.parametrize("member", ["viewer_b", "editor_a", "agency_viewer_a", "coordinator_a"])
def test_members_below_the_data_steward_role_are_refused(cast, member, settings):
    client = Client()
    client.force_login(cast.users[member])
    if member == "coordinator_a":
        # A coordinator of the Land includes the data steward's role: the page is open.
        assert client.get(UPLOAD).status_code == 200
        return
    assert client.get(UPLOAD).status_code == 403
    assert post(client, FILE).status_code == 403
    assert stored_nothing(settings)


def test_a_data_steward_limited_to_an_agency_reads_why_and_cannot_post(
    client_agency_steward_a, settings
):
    page = client_agency_steward_a.get(UPLOAD)
    assert page.status_code == 200
    assert "für ein ganzes Land" in text(page)
    assert 'type="file"' not in page.content.decode()

    assert post(client_agency_steward_a, FILE).status_code == 403
    assert stored_nothing(settings)


def test_the_steward_of_land_a_cannot_upload_for_land_b(client_data_steward_a, settings):
    response = post(client_data_steward_a, FILE, name="hh-auswahl-2024", land="DE-HH")

    assert response.status_code == 200
    assert "Land B" not in text(response)  # the other Land is not even offered
    assert 'href="#id_land"' in summary(response)
    assert stored_nothing(settings)


def test_agencies_of_another_land_get_the_message_of_agencies_that_do_not_exist(
    client_data_steward_a, tmp_path, settings
):
    other = post(client_data_steward_a, write(tmp_path / "andere.csv", moved("DE-HH")))
    nowhere = post(client_data_steward_a, write(tmp_path / "andere.csv", moved("")))

    assert other.status_code == 200
    box = html_lib.unescape(summary(other))
    assert (
        "andere.csv, Spalte „Dienststelle“</a>: Die Organisation „B-AGY“ gehört nicht zu Land A"
        in box
    )
    # Nothing tells that B-AGY exists (in Land B): codes that exist nowhere read the same.
    assert box.replace("B-", "X-").replace("X-UNIT", "X-AGY2") == html_lib.unescape(
        summary(nowhere)
    )
    assert stored_nothing(settings)


def test_a_steward_of_two_lands_chooses_the_land_and_uploads_for_land_b(
    cast, data_steward_a, land_b, tmp_path, settings
):
    Membership.objects.create(user=data_steward_a, role=Role.DATA_STEWARD, land=land_b)
    client = Client()
    client.force_login(data_steward_a)
    path = write(tmp_path / "hamburg.csv", moved("DE-HH"))

    page = client.get(UPLOAD).content.decode()
    assert '<select name="land"' in page
    assert '<option value="DE-BE">Land A</option>' in page
    assert '<option value="DE-HH">Land B</option>' in page
    assert post(client, path, name="hh-auswahl-2024").status_code == 200  # no Land chosen
    response = post(client, path, name="hh-auswahl-2024", land="DE-HH")

    assert response.status_code == 302, summary(response)
    data = SelectionData.objects.get()
    assert data.land == land_b and data.name == "hh-auswahl-2024"


# --- the page --------------------------------------------------------------------------------


def test_the_page_explains_both_forms_with_their_columns_and_links_the_samples(
    client_data_steward_a,
):
    response = client_data_steward_a.get(UPLOAD)
    html = response.content.decode()
    page = text(response)

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert '<label for="id_file">Auswahldatei</label>' in html
    assert 'aria-describedby="id_file_helptext"' in html
    assert '<input type="hidden" name="land" value="DE-BE"' in html
    assert "Land: Land A" in page
    assert "Sie können Auswahldaten hochladen für: Land A." in page
    assert "(be-), z. B. be-auswahl-2024" in page
    assert f'href="{SAMPLE}" download' in html and f'href="{SAMPLE_APPLICANTS}" download' in html
    # Both forms, each with its required columns.
    assert "Zahlen je Stufe und Gruppe" in page and "Eine Zeile je bewerbender Person" in page
    for heading in ("Verfahren", "Stufe", "Gruppe", "Beworben", "Bestanden", "Letzte Stufe"):
        assert f'<th scope="row">{heading}</th>' in html
    assert "Dienststelle" in page and "(optional)" in page


def test_the_list_and_the_home_page_offer_the_upload_to_stewards_of_a_whole_land_only(cast):
    link = f'href="{UPLOAD}"'
    for member, offered in (
        ("data_steward_a", True),
        ("federal_coordinator", True),
        ("agency_steward_a", False),
        ("viewer_b", False),
    ):
        client = Client()
        client.force_login(cast.users[member])
        assert (link in client.get("/auswahlverfahren/").content.decode()) is offered, member
        assert (link in client.get("/").content.decode()) is offered, member
    anonymous = Client()
    assert link not in anonymous.get("/auswahlverfahren/").content.decode()
    assert link not in anonymous.get("/").content.decode()


# --- success ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_data_steward_uploads_a_file_and_is_sent_to_the_overview_with_the_next_step(
    client_data_steward_a, data_steward_a, land_a, settings
):
    response = post(client_data_steward_a, FILE)

    assert response.status_code == 302, summary(response)
    assert response["Location"] == reverse("barriers:overview", args=["be-auswahl-2024"])
    data = SelectionData.objects.get(name="be-auswahl-2024")
    assert (data.land, data.title, data.procedures, data.form) == (
        land_a,
        "Auswahl Land A 2024",
        2,
        "counts",
    )
    assert data.created_by == data_steward_a and not data.published
    assert data.source_name == "auswahl_land_a.csv"
    assert FunnelCell.objects.filter(data=data).count() > 0
    # A-AGY2: 2 of 30 passed the interview, below k = 3: stored as a secret count only.
    secret = FunnelCell.objects.get(
        data=data,
        pooling="procedure",
        organisation__code="A-AGY2",
        stage="Auswahlgespräch",
        group="mit Migrationshintergrund",
    )
    assert secret.passed is None and secret.passed_symbol == "."
    # The snapshot is in restricted storage; the uploaded file is gone.
    assert [p.name for p in restricted_dir().iterdir()] == [data.snapshot]
    assert pending_files(settings) == []

    overview = client_data_steward_a.get(response["Location"])
    page = text(overview)
    assert "Die Auswahldaten „Auswahl Land A 2024“ wurden importiert: 2 Verfahren" in page
    assert "dann gibt die Koordination von Land A die Daten auf ihrer Freigabeseite frei" in page
    assert "Nicht freigegeben" in page


def test_a_coordinator_is_led_to_the_release_page_after_the_upload(client_coordinator_a):
    response = post(client_coordinator_a, FILE)

    assert response.status_code == 302, summary(response)
    overview = client_coordinator_a.get(response["Location"]).content.decode()
    assert 'href="/auswahlverfahren/be-auswahl-2024/freigabe/"' in overview


def test_the_order_of_the_stages_given_on_the_page_is_used(
    client_data_steward_a, tmp_path, settings
):
    # Applicants of stages the platform does not know: their order must be given.
    names = dict(zip(STAGES, ("Vorauswahl", "Fachaufgabe", "Gespräch", "Zusage"), strict=True))
    lines = ["Bewerber-ID;Verfahren;Gruppe;Letzte Stufe;Bestanden"]
    lines += [f"{r[0]};{r[1]};{r[4]};{names[r[5]]};{r[6]}" for r in applicant_rows()]
    path = write(tmp_path / "bewerbende.csv", lines)

    refused = post(client_data_steward_a, path)
    assert "Die Stellung der Stufe „Vorauswahl“ im Verfahren ist nicht bekannt" in summary(refused)
    assert "auf der Seite zum Hochladen" in summary(refused)
    assert stored_nothing(settings)

    response = post(
        client_data_steward_a, path, stages="Vorauswahl\r\nFachaufgabe\r\nGespräch\r\nZusage"
    )

    assert response.status_code == 302, summary(response)
    stages = dict(FunnelCell.objects.values_list("stage_index", "stage").distinct())
    assert stages == {0: "Vorauswahl", 1: "Fachaufgabe", 2: "Gespräch", 3: "Zusage"}


# --- bad files: every problem named, nothing stored -----------------------------------------


def test_a_bad_file_shows_every_problem_with_row_and_column_and_stores_nothing(
    client_data_steward_a, tmp_path, settings
):
    lines = FILE.read_text("utf-8").splitlines()
    # Row 3: more passed than entered; row 5: a count that is not a number.
    lines[2] = "Ausbildung 2024;A-AGY;2024;Bewerbung;ohne Migrationshintergrund;300;310"
    lines[4] = "Ausbildung 2024;A-AGY;2024;schriftlicher Test;mit Migrationshintergrund;viele;72"
    path = write(tmp_path / "Auswahl 2024.csv", lines)

    response = post(client_data_steward_a, path)

    assert response.status_code == 200
    assert stored_nothing(settings)
    box = summary(response)
    assert 'role="alert"' in box and 'tabindex="-1"' in box and "autofocus" in box
    assert "Die Auswahldaten konnten nicht importiert werden. Es wurde nichts gespeichert." in box
    assert "Die Datei hat 2 Probleme." in box
    items = [
        html_lib.unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", box)
    ]
    assert items == [
        "Auswahl 2024.csv, Zeile 3, Spalte „Bestanden“: 310 haben bestanden, aber nur 300 haben "
        "die Stufe erreicht. Erwartet: höchstens so viele wie eingetreten.",
        "Auswahl 2024.csv, Zeile 5, Spalte „Beworben“: „viele“ ist keine ganze Zahl. Erwartet: "
        "eine ganze Zahl ab 0.",
    ]
    assert box.count('href="#id_file"') == 2
    html = response.content.decode()
    assert re.search(r'<input type="file" name="file"[^>]*aria-invalid="true"', html)
    assert "<title>Fehler:" in html
    # What the user typed stays; the file must be chosen again.
    assert 'value="be-auswahl-2024"' in html


def test_a_file_with_more_procedures_than_a_page_can_protect_is_refused_before_protecting(
    client_data_steward_a, settings, monkeypatch
):
    settings.SELECTION_UPLOAD_MAX_PROCEDURES = 1

    def never(*args, **kwargs):  # the refusal comes before the slow protection
        raise AssertionError("protected although the file has too many procedures")

    monkeypatch.setattr("ikoe.barriers.pipeline.protect", never)
    response = post(client_data_steward_a, FILE)

    assert response.status_code == 200
    assert stored_nothing(settings)
    box = html_lib.unescape(re.sub(r"<[^>]+>", "", summary(response)))
    assert "enthält 2 Auswahlverfahren; die Hochladeseite schützt höchstens 1 auf einmal" in box
    assert "ikoe import-selection" in box


def test_the_messages_are_english_for_an_english_reader(client_data_steward_a, tmp_path):
    lines = FILE.read_text("utf-8").splitlines()
    lines[2] = "Ausbildung 2024;A-AGY;2024;Bewerbung;ohne Migrationshintergrund;300;310"
    path = write(tmp_path / "auswahl.csv", lines)
    client_data_steward_a.cookies["django_language"] = "en"

    box = html_lib.unescape(re.sub(r"<[^>]+>", "", summary(post(client_data_steward_a, path))))

    assert "The selection data could not be imported. Nothing was stored." in box
    assert (
        "auswahl.csv, row 3, column “Bestanden”: 310 passed, but only 300 entered the stage." in box
    )


def test_funnels_that_cannot_be_protected_are_refused_and_nothing_is_stored(
    client_data_steward_a, settings, monkeypatch
):
    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ProtectionFailed(np.array([1]), None)

    monkeypatch.setattr(pipeline, "protect_funnels", fail)

    response = post(client_data_steward_a, FILE)

    assert response.status_code == 200
    box = summary(response)
    assert (
        '<li><a href="#id_file">auswahl_land_a.csv</a>: Die Auswahldaten sind zu klein, um sicher '
        "veröffentlicht zu werden" in box
    )
    assert stored_nothing(settings)


def test_a_file_of_another_kind_is_refused_before_it_is_read(
    client_data_steward_a, tmp_path, settings
):
    path = tmp_path / "auswahl.pdf"
    path.write_bytes(b"%PDF-1.4")

    response = post(client_data_steward_a, path)

    assert response.status_code == 200
    assert 'href="#id_file"' in summary(response)
    assert "„pdf“" in summary(response)
    assert stored_nothing(settings)


# --- names -----------------------------------------------------------------------------------


def test_the_name_begins_with_the_lands_abbreviation(client_data_steward_a, settings):
    response = post(client_data_steward_a, FILE, name="auswahl-2024")

    assert response.status_code == 200
    assert 'href="#id_name"' in summary(response)
    assert "mit dem Kürzel des Landes und einem Bindestrich: be-" in summary(response)
    assert stored_nothing(settings)


def test_replacing_data_of_the_land_needs_the_box_and_ends_their_release(
    client_data_steward_a, land_a, tmp_path
):
    old = import_selection(FILE, name="be-auswahl-2024", land=land_a)
    set_release(old, True, channel=Channel.COMMAND, username="op")

    refused = post(client_data_steward_a, FILE)
    assert 'href="#id_replace"' in summary(refused)
    assert SelectionData.objects.get().pk == old.pk

    response = post(client_data_steward_a, FILE, replace="on")

    assert response.status_code == 302, summary(response)
    new = SelectionData.objects.get()
    assert new.pk != old.pk and not new.published
    page = text(client_data_steward_a.get(response["Location"]))
    assert "ersetzen freigegebene Auswahldaten mit demselben Kurznamen" in page


def test_a_name_taken_by_another_land_is_refused_without_naming_it(
    client_data_steward_a, land_b, tmp_path
):
    sample = write(tmp_path / "zahlen.csv", [";".join(r) for r in [HEADER, *count_rows()]])
    import_selection(
        sample, name="be-auswahl-2024", land=land_b
    )  # the command line's names are free

    response = post(client_data_steward_a, FILE, replace="on")

    assert response.status_code == 200
    box = summary(response)
    assert "Dieser Kurzname kann nicht verwendet werden" in box and "be-auswahl-2024-2" in box
    assert "Land B" not in text(response)
    assert SelectionData.objects.get().land == land_b


# --- the sample files ------------------------------------------------------------------------


def test_the_sample_files_are_german_csv_with_invented_counts(client_anonymous, tmp_path):
    counts = client_anonymous.get(SAMPLE)
    applicants = client_anonymous.get(SAMPLE_APPLICANTS)

    for response, name in (
        (counts, "beispiel-auswahlverfahren.csv"),
        (applicants, "beispiel-bewerbende.csv"),
    ):
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        assert response.content.startswith(b"\xef\xbb\xbf")
    lines = counts.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Verfahren;Jahr;Laufbahngruppe;Stufe;Gruppe;Beworben;Bestanden"
    assert len(lines) == 1 + len(PROCEDURES) * len(STAGES) * len(GROUPS)
    assert applicant_rows()[0][0] == "B-0001"
    # Both files read as the form they show; the file of applicants is the second procedure.
    counts_path = tmp_path / "zahlen.csv"
    counts_path.write_bytes(counts.content)
    applicants_path = tmp_path / "bewerbende.csv"
    applicants_path.write_bytes(applicants.content)
    by_counts = {p.procedure: p for p in read_selection(counts_path).procedures}
    table = read_selection(applicants_path)
    assert table.form == "applicants" and table.stages == STAGES
    assert table.procedures[0].entered == by_counts[APPLICANTS_PROCEDURE[0]].entered
    assert table.procedures[0].passed == by_counts[APPLICANTS_PROCEDURE[0]].passed
    assert len(count_rows()) == len(lines) - 1


@pytest.mark.parametrize(("url", "procedures"), [(SAMPLE, 2), (SAMPLE_APPLICANTS, 1)])
def test_each_sample_file_is_accepted_by_the_upload_as_it_is(
    client_data_steward_a, tmp_path, url, procedures
):
    path = tmp_path / url.rsplit("/", 1)[1]
    path.write_bytes(client_data_steward_a.get(url).content)

    response = post(client_data_steward_a, path, name="be-beispiel")

    assert response.status_code == 302, summary(response)
    data = SelectionData.objects.get(name="be-beispiel")
    assert data.procedures == procedures
    assert FunnelCell.objects.filter(data=data).exists()


def test_an_excel_workbook_is_accepted(client_data_steward_a, tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "auswahl.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate([HEADER, *count_rows()]):
        for c, value in enumerate(row):
            sheet.write(r, c, int(value) if value.isdigit() else value)
    book.close()

    response = post(client_data_steward_a, path)

    assert response.status_code == 302, summary(response)
    assert SelectionData.objects.get().procedures == 2
