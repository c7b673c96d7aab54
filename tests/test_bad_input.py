"""Bad input found by trying (issue 8): workbooks that unpack to gigabytes, very wide files,
huge or invisible cell contents in messages, formulas in CSV exports, and API parameters out of
range. Each is refused with a message and stores nothing; nothing answers with a server error.

The bombs are generated here, small; speed and memory are measured in
``bench/bench_bad_input.py`` (figures in ``docs/performance.md``), not asserted.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bench.bench_bad_input import CONTENT_TYPES, ROOT_RELS, WORKBOOK, WORKBOOK_RELS
from ikoe import cli
from ikoe.errors import ImportFailed, ProblemList, excerpt
from ikoe.ingest import xlsx as xlsx_module
from ikoe.ingest.survey import _read_raw, read_header, read_survey
from ikoe.organisations.admin import OrganisationForm
from ikoe.organisations.models import Organisation
from ikoe.organisations.services import import_organisations
from ikoe.reports.csv import neutralise, restore
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.pipeline import import_survey
from tests.test_survey_import import bare_survey
from tests.test_survey_upload import (
    CHOICES,
    HEADER,
    mapping_post,
    mapping_url,
    pending_files,
    respondent,
    restricted_files,
    selects,
    upload,
    write_csv,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _german(settings, tmp_path):
    settings.LANGUAGE_CODE = "de"
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.RESTRICTED_DIR = tmp_path / "restricted"
    yield
    translation.deactivate()


def nothing_stored(settings) -> None:
    assert not Survey.objects.exists()
    assert not IndicatorCell.objects.exists()
    assert restricted_files() == []
    assert pending_files(settings) == []


def form_errors(response) -> str:
    """The page's text without tags, for asserting messages."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


# ---------------------------------------------------------------------------------------------
# Workbooks built by hand: the parts of an XLSX file around one sheet's XML (the same parts
# the benchmark builds its files of, bench/bench_bad_input.py)


def sheet_xml(rows: bytes, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dim.encode()
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def workbook(path: Path, sheet: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def text_cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_row(headings: list[str]) -> bytes:
    cells = b"".join(
        text_cell(f"{xlsx_module.column_letters(i + 1)}1", h) for i, h in enumerate(headings)
    )
    return b'<row r="1">' + cells + b"</row>"


def bomb_of_identical_rows(path: Path, rows: int) -> Path:
    """A header, then ``rows`` identical rows without references: packs about a thousand times
    smaller than it unpacks."""
    row = b"<row>" + b"<c><v>1</v></c>" * 5 + b"</row>"
    return workbook(path, sheet_xml(header_row(["organisation"] * 5) + row * rows))


def with_declared_size(path: Path, member: str, size: int) -> Path:
    """Rewrite the unpacked size a zip file declares for ``member`` (local and central header),
    as a forged file would."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<L", data, info.header_offset + 22, size)
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == member.encode():
            struct.pack_into("<L", data, at + 24, size)
        at += 4
    path.write_bytes(bytes(data))
    return path


# ---------------------------------------------------------------------------------------------
# 1. XLSX bombs


def test_an_xlsx_of_millions_of_identical_rows_is_refused_at_the_upload_and_nothing_is_stored(
    client_data_steward_a, tmp_path, settings
):
    path = bomb_of_identical_rows(tmp_path / "bombe.xlsx", 2_000_000)
    assert path.stat().st_size < 1_000_000  # 2 million rows, about 160 MB unpacked

    response = upload(client_data_steward_a, path)

    assert response.status_code == 200  # the form again, with the message
    text = form_errors(response)
    assert "entpackt das" in text and "-Fache seiner gepackten Größe" in text
    assert "Die Datei wird zur Sicherheit nicht gelesen." in text
    nothing_stored(settings)


def test_a_workbook_that_declares_more_unpacked_bytes_than_allowed_is_refused_before_unpacking(
    tmp_path, settings
):
    settings.IMPORT_MAX_UNPACKED_MB = 1
    rows = b"".join(
        b'<row r="%d">' % r + text_cell(f"A{r}", f"Zeile {r} " + "x" * (r % 97)) + b"</row>"
        for r in range(2, 20_000)
    )
    path = workbook(tmp_path / "gross.xlsx", sheet_xml(header_row(["organisation"]) + rows))

    with pytest.raises(ImportFailed) as failed:
        read_header(path)

    message = failed.value.problems[0].message
    assert message.startswith("Entpackt würde die Excel-Arbeitsmappe 2,4 MB belegen")
    assert "eine Befragungsdatei darf höchstens 1 MB belegen" in message


def test_a_part_that_unpacks_to_more_than_it_declares_is_refused_as_damaged(tmp_path):
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(2, 500))
    path = workbook(tmp_path / "gefaelscht.xlsx", sheet_xml(header_row(["organisation"]) + rows))
    with_declared_size(path, "xl/worksheets/sheet1.xml", 1000)

    with pytest.raises(ImportFailed) as failed:
        read_header(path)

    assert "beschädigt" in str(failed.value)


def test_a_workbook_with_two_parts_of_one_name_is_refused_as_damaged(tmp_path):
    import warnings

    path = workbook(tmp_path / "doppelt.xlsx", sheet_xml(header_row(["organisation"])))
    far = header_row(["organisation"]) + b'<row r="9"><c r="XFD9"><v>1</v></c></row>'
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml(far))

    with pytest.raises(ImportFailed) as failed:
        read_header(path)

    assert failed.value.problems[0].code == "xlsx_damaged"


def test_two_cells_far_apart_are_refused_before_the_reader_asks_for_the_cells_between(
    client_data_steward_a, tmp_path, settings
):
    # The Excel reader would allocate 17 billion cells for this 1.5 KB file and abort the process.
    cells = header_row(["organisation"]) + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = workbook(tmp_path / "weit.xlsx", sheet_xml(cells, dimension="A1:A1"))

    response = upload(client_data_steward_a, path)

    text = form_errors(response)
    assert "Die Datei hat 16.384 Spalten; eine Befragungsdatei darf höchstens 500 haben." in text
    assert "Strg+Ende" in text
    nothing_stored(settings)


def test_a_sheet_whose_dimension_understates_its_cells_is_measured_by_its_cells(tmp_path):
    # 26 columns × 1,048,576 rows are 27 million cells, over the default of 25 million.
    cells = header_row(["organisation"]) + b'<row r="1048576"><c r="Z1048576"><v>1</v></c></row>'
    path = workbook(tmp_path / "luege.xlsx", sheet_xml(cells, dimension="A1:B2"))

    with pytest.raises(ImportFailed) as failed:
        read_survey(path, organisation_codes=["A-AGY"], current_year=2024)

    message = failed.value.problems[0].message
    assert message.startswith("Die Datei hat 1.048.576 Zeilen und 26 Spalten, 27.262.976 Zellen")
    assert "höchstens 25.000.000 Zellen" in message


def test_a_declared_dimension_beyond_the_limits_is_refused_at_once(tmp_path):
    cells = header_row(["organisation"]) + b'<row r="2"><c r="A2"><v>1</v></c></row>'
    path = workbook(tmp_path / "dimension.xlsx", sheet_xml(cells, dimension="A1:E20000000"))

    with pytest.raises(ImportFailed) as failed:
        read_header(path)

    assert failed.value.problems[0].code == "too_many_rows"


def test_cells_without_references_are_counted_along_their_row(tmp_path):
    # 600 cells without "r" in one row: the reader places them in columns A to WB.
    row = b"<row>" + b"<c><v>1</v></c>" * 600 + b"</row>"
    path = workbook(tmp_path / "ohne-bezug.xlsx", sheet_xml(header_row(["organisation"]) + row))

    with pytest.raises(ImportFailed) as failed:
        read_header(path)

    assert failed.value.problems[0].code == "too_many_columns"


def test_rows_and_cells_without_references_count_towards_the_cell_limit(tmp_path, settings):
    settings.IMPORT_MAX_XLSX_CELLS = 1000
    row = b"<row>" + b"<c><v>1</v></c>" * 5 + b"</row>"
    within = workbook(tmp_path / "klein.xlsx", sheet_xml(header_row(["organisation"]) + row * 150))
    beyond = workbook(tmp_path / "gross.xlsx", sheet_xml(header_row(["organisation"]) + row * 300))

    xlsx_module.check_workbook(within.read_bytes(), str(within))  # 151 rows × 5 columns
    with pytest.raises(ImportFailed) as failed:
        xlsx_module.check_workbook(beyond.read_bytes(), str(beyond))  # 301 rows × 5 columns

    assert failed.value.problems[0].message.startswith("Die Datei hat 301 Zeilen und 5 Spalten")


@pytest.mark.parametrize(
    ("prefix", "attribute"),
    [("", ' r = "A{row}"'), ("x:", " r='A{row}'"), ("", ' s="1" r="A{row}"')],
    ids=["spaces", "prefix-and-quote", "r-not-first"],
)
def test_unusual_but_valid_xml_does_not_hide_a_far_cell(tmp_path, prefix, attribute):
    far = attribute.format(row=1048576).replace("A", "XFD").encode()
    p = prefix.encode()
    rows = b'<%srow r="1048576"><%sc%s><%sv>1</%sv></%sc></%srow>' % (p, p, far, p, p, p, p)
    xml = sheet_xml(header_row(["organisation"]) + rows)
    if prefix:
        xml = xml.replace(b"<worksheet xmlns=", b"<worksheet xmlns:x=", 1)
    path = workbook(tmp_path / "ungewoehnlich.xlsx", xml)

    with pytest.raises(ImportFailed) as failed:
        xlsx_module.check_workbook(path.read_bytes(), str(path))

    assert failed.value.problems[0].code in ("too_many_columns", "too_many_cells")


@pytest.mark.parametrize(
    "row",
    [
        '<row r="{r}"><c s="1" r="A{r}"><v>1</v></c><c s="1" r="B{r}"><v>2</v></c></row>',
        "<row><c><v>1</v></c><c><v>2</v></c></row>",
        '<row><c r="A{r}"><v>1</v></c><c r="B{r}"><v>2</v></c></row>',
    ],
    ids=["style-before-reference", "no-references", "rows-without-numbers"],
)
def test_a_workbook_in_an_unusual_but_valid_form_within_the_limits_is_read(tmp_path, row):
    rows = "".join(row.format(r=r) for r in range(2, 3002)).encode()
    path = workbook(
        tmp_path / "anders.xlsx", sheet_xml(header_row(["organisation", "german"]) + rows)
    )

    xlsx_module.check_workbook(path.read_bytes(), str(path))

    assert read_header(path) == (["organisation", "german"], "xlsx")


def test_the_mapping_step_reads_only_the_header_row_of_a_workbook(client_data_steward_a, tmp_path):
    # Row 3 is broken XML: reading the whole sheet fails, reading the header does not.
    rows = (
        header_row(HEADER)
        + b'<row r="2">'
        + text_cell("A2", "BE-1")
        + text_cell("B2", "A-AGY")
        + b"</row>"
        + b'<row r="3"><c r="A3"><v>1</x></c></row>'
    )
    path = workbook(tmp_path / "kopf.xlsx", sheet_xml(rows))
    with pytest.raises(ImportFailed):
        read_survey(path, organisation_codes=["A-AGY"], current_year=2024)

    url = mapping_url(upload(client_data_steward_a, path))

    html = client_data_steward_a.get(url).content.decode()
    assert set(selects(html)) == set(HEADER)
    assert "(XLSX)" in html


def test_header_cells_read_for_the_mapping_are_those_the_import_reads(tmp_path):
    import xlsxwriter

    path = tmp_path / "zahlen.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for column, heading in enumerate(["organisation", 2024, 1.5, True, "  Geschlecht  "]):
        sheet.write(1, column + 1, heading)
    sheet.write(2, 1, "A-AGY")
    sheet.write(3, 0, "links")  # a cell left of the table: the import's frame starts at column A
    book.close()

    header, fmt = read_header(path)

    assert fmt == "xlsx"
    full = _read_raw(path, ProblemList())
    assert [h for h in header if h] == [h for h in full.header if h]
    assert header == ["organisation", "2024", "1.5", "true", "Geschlecht"]


def test_import_survey_on_the_command_line_refuses_a_bomb_and_stores_nothing(
    cast, tmp_path, settings, capsys
):
    path = bomb_of_identical_rows(tmp_path / "bombe.xlsx", 1_000_000)

    code = cli.main(["import-survey", str(path), "--name", "bombe", "--year", "2024"])

    assert code == 1
    assert "zur Sicherheit nicht gelesen" in capsys.readouterr().err
    nothing_stored(settings)


def test_a_parquet_file_whose_repeated_text_unpacks_to_gigabytes_is_refused(cast, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 1_200_000
    long_text = pa.DictionaryArray.from_arrays(
        pa.array([0] * rows, pa.int32()), pa.array(["x" * 2000])
    )
    path = tmp_path / "bombe.parquet"
    pq.write_table(pa.table({"organisation": long_text}), path, compression="zstd")
    assert path.stat().st_size < 1_000_000

    with pytest.raises(ImportFailed) as failed:
        import_survey(path, name="parkett", year=2024)

    assert "Entpackt würde die Parquet-Datei 2.289 MB belegen" in str(failed.value)
    assert not Survey.objects.exists()


@pytest.mark.parametrize(
    ("number", "above", "not_above"),
    [
        (1, [2, 10, 123], [0, 1]),
        (1048576, [1048577, 1048580, 2000000, 10**7], [1048576, 999999, 5]),
    ],
)
def test_the_search_for_a_larger_row_number_finds_exactly_the_larger_ones(number, above, not_above):
    pattern = re.compile(xlsx_module._number_above(number) + "$")
    assert all(pattern.fullmatch(str(n)) for n in above)
    assert not any(pattern.fullmatch(str(n)) for n in not_above)
    assert pattern.fullmatch("000" + str(number + 1))


@pytest.mark.parametrize("column", [1, 26, 27, 52, 500, 702, 703, 16383])
def test_the_search_for_a_column_further_right_finds_exactly_those(column):
    pattern = re.compile(xlsx_module._letters_above(xlsx_module.column_letters(column)))
    for other in (1, 2, 25, 26, 27, 28, 500, 501, 702, 703, 704, 16384):
        letters = xlsx_module.column_letters(other)
        found = bool(pattern.fullmatch(letters)) and bool(pattern.fullmatch(letters.lower()))
        assert found == (other > column), (column, other)


# ---------------------------------------------------------------------------------------------
# 2. Very wide CSV files and too large forms


def wide_csv(path: Path, columns: int, rows: int = 3) -> Path:
    header = ";".join(["Dienststelle", *(f"Frage {i}" for i in range(1, columns))])
    body = "\n".join(";".join(["A-AGY", *(["ja"] * (columns - 1))]) for _ in range(rows))
    path.write_text(header + "\n" + body + "\n", encoding="utf-8")
    return path


def test_a_csv_with_10000_columns_is_refused_at_the_upload_before_a_mapping_page_is_built(
    client_data_steward_a, tmp_path, settings
):
    path = wide_csv(tmp_path / "breit.csv", 10_000)

    response = upload(client_data_steward_a, path)

    assert response.status_code == 200
    assert len(response.content) < 50_000
    text = form_errors(response)
    assert (
        "Zeile 1: Die Datei hat 10.000 Spalten; eine Befragungsdatei darf höchstens 500 haben."
        in text
    )
    assert "zuordnung" not in response.get("Location", "")
    nothing_stored(settings)


def test_a_header_row_too_long_to_count_is_refused_as_having_more_columns_than_allowed(tmp_path):
    path = tmp_path / "endlos.csv"
    path.write_text(";".join(f"Spalte {i}" for i in range(600_000)) + "\n", encoding="utf-8")

    with pytest.raises(ImportFailed) as failed:
        read_header(path)

    assert failed.value.problems[0].message.startswith(
        "Die Datei hat mehr als 500 Spalten; eine Befragungsdatei darf höchstens 500 haben."
    )


def test_import_survey_on_the_command_line_refuses_a_file_with_too_many_columns(
    cast, tmp_path, settings, capsys
):
    path = wide_csv(tmp_path / "breit.csv", 501)

    code = cli.main(["import-survey", str(path), "--name", "breit", "--year", "2024"])

    err = capsys.readouterr().err
    assert code == 1
    assert "Die Datei hat 501 Spalten; eine Befragungsdatei darf höchstens 500 haben." in err
    assert "Es wurde nichts gespeichert." in err
    nothing_stored(settings)


def test_the_column_limit_is_a_setting(client_data_steward_a, tmp_path, settings):
    settings.IMPORT_MAX_COLUMNS = 20
    path = wide_csv(tmp_path / "breit.csv", 21)

    text = form_errors(upload(client_data_steward_a, path))

    assert "Die Datei hat 21 Spalten; eine Befragungsdatei darf höchstens 20 haben." in text


def test_a_heading_that_is_a_whole_text_is_refused(client_data_steward_a, tmp_path, settings):
    path = tmp_path / "text.csv"
    path.write_text("Dienststelle;" + "Lorem ipsum." * 200 + "\nA-AGY;1\n", encoding="utf-8")

    text = form_errors(upload(client_data_steward_a, path))

    assert "Die Überschrift hat 2.400 Zeichen; eine Überschrift darf höchstens 1.000 haben." in text
    nothing_stored(settings)


@pytest.mark.django_db(transaction=True)
def test_a_survey_with_500_columns_and_totals_with_500_more_can_be_mapped_and_imported(
    client_data_steward_a, tmp_path, settings
):
    extra = [f"Frage {i}" for i in range(1, 501 - len(HEADER))]
    rows = [HEADER + extra] + [respondent(i) + [""] * len(extra) for i in range(1, 31)]
    survey = write_csv(tmp_path / "befragung.csv", rows)
    totals = tmp_path / "personal.csv"
    totals_header = ["Dienststelle", "Anzahl", *(f"Merkmal {i}" for i in range(1, 499))]
    totals_rows = [f"{org};10" + ";" * 498 for org in ("A-AGY", "A-AGY2", "A-UNIT")]
    totals.write_text("\n".join([";".join(totals_header), *totals_rows]) + "\n", encoding="utf-8")
    with totals.open("rb") as totals_file:
        url = mapping_url(upload(client_data_steward_a, survey, totals_file=totals_file))
    html = client_data_steward_a.get(url).content.decode()
    names = selects(html)
    assert len(names) == 500 + 499  # "Dienststelle" is assigned in the survey's part
    # What a browser sends: every select, the token and the button, 1,001 fields in all.
    fields = {name: "" for name in names.values()}
    fields.update(mapping_post(html, CHOICES), **{names["Anzahl"]: "headcount"})
    fields.update(csrfmiddlewaretoken="x", **{"import": ""})
    assert len(fields) > 1000  # Django's default limit

    response = client_data_steward_a.post(url, fields)

    assert response.status_code == 302, form_errors(response)[:2000]
    assert Survey.objects.get().respondents == 30


def test_a_form_with_more_fields_than_allowed_gets_a_german_page_not_a_bare_400(
    client_data_steward_a, settings
):
    fields = {f"feld_{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client_data_steward_a.post(reverse("surveys:upload"), fields)

    assert response.status_code == 400
    text = form_errors(response)
    assert "Die Anfrage konnte nicht verarbeitet werden" in text
    assert "Das Formular hatte mehr Felder, als der Server annimmt (höchstens 1.610)." in text
    assert "Bad Request" not in text
    assert "IKÖ-Monitor" in text  # the site's own page, with its navigation


def test_a_form_larger_than_allowed_gets_a_german_page_too(client_data_steward_a, settings):
    body = "name=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client_data_steward_a.post(
        reverse("surveys:upload"), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert "Das Formular war größer, als der Server annimmt." in form_errors(response)


def test_the_400_page_is_english_when_the_user_reads_english(client_data_steward_a, settings):
    client_data_steward_a.cookies["django_language"] = "en"
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    text = form_errors(client_data_steward_a.post(reverse("surveys:upload"), fields))

    assert "The form had more fields than the server accepts (at most 1,610)." in text


@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("de", "Seite nicht gefunden", "Unter dieser Adresse gibt es keine Seite"),
        ("en", "Page not found", "There is no page at this address"),
    ],
)
def test_the_404_page_is_in_the_users_language(client_anonymous, language, title, text):
    client_anonymous.cookies["django_language"] = language

    response = client_anonymous.get("/gibt-es-nicht/")

    assert response.status_code == 404
    page = form_errors(response)
    assert title in page and text in page


def test_the_403_pages_are_german(client_viewer_b, data_steward_a, survey_csv_path):
    response = client_viewer_b.get(reverse("surveys:upload"))
    assert response.status_code == 403
    assert "Kein Zugriff" in form_errors(response)

    client = Client(enforce_csrf_checks=True)
    client.force_login(data_steward_a)
    refused = upload(client, survey_csv_path)
    assert refused.status_code == 403
    assert "Das Formular ist abgelaufen" in form_errors(refused)


def test_the_500_page_is_german_and_needs_no_request(rf):
    from django.views.defaults import server_error

    translation.activate("de")
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Fehler auf dem Server" in response.content.decode()


@pytest.fixture
def survey_csv_path(tmp_path) -> Path:
    return write_csv(tmp_path / "befragung.csv", [HEADER] + [respondent(i) for i in range(1, 11)])


# ---------------------------------------------------------------------------------------------
# 3. Messages quote a short excerpt of a cell, with control characters visible


def test_a_20_mb_cell_gives_a_short_message_on_the_mapping_page_and_nothing_is_stored(
    client_data_steward_a, tmp_path, settings
):
    rows = [HEADER] + [respondent(i) for i in range(1, 11)]
    rows[3][1] = "X" * 20_000_000  # spreadsheet row 4: the organisation code
    path = write_csv(tmp_path / "riesig.csv", rows)
    url = mapping_url(upload(client_data_steward_a, path))
    html = client_data_steward_a.get(url).content.decode()

    response = client_data_steward_a.post(url, mapping_post(html, CHOICES))

    assert response.status_code == 200
    assert len(response.content) < 100_000
    text = form_errors(response)
    assert "riesig.csv, Zeile 4, Spalte „Dienststelle“" in text
    assert f"„{'X' * 60}…“ ist kein Code der Organisationshierarchie." in text
    assert not Survey.objects.exists()


def test_control_characters_in_a_cell_are_shown_visibly(tmp_path, cast):
    path = tmp_path / "steuer.csv"
    path.write_bytes(
        b'organisation;german;born_abroad\n"A\tB\r\nC\x1b";ja;nein\nA-AGY;vielleicht\x00;nein\n'
    )

    with pytest.raises(ImportFailed) as failed:
        read_survey(path, organisation_codes=["A-AGY"], current_year=2024)

    messages = [p.message for p in failed.value.problems]
    assert messages[0].startswith("„A␉B↵C␛“ ist kein Code der Organisationshierarchie.")
    assert messages[1].startswith("„vielleicht␀“ ist keine Ja/Nein-Antwort")


def test_every_reader_quotes_an_excerpt(tmp_path, cast):
    huge = "Z" * 100_000
    organisations = tmp_path / "org.csv"
    organisations.write_text(f"code,name,parent,kind\nA-NEU,Neu,{huge},agency\n", encoding="utf-8")
    benchmarks = tmp_path / "kennzahlen.csv"
    benchmarks.write_text(
        "region_code,year,measure,concept,value_percent,source\n"
        f"DE-BE,2023,population_share,mh,{huge},Quelle\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "zuordnung.yaml"
    mapping.write_text(f"columns:\n  Nr: {huge}\n", encoding="utf-8")
    flat = (Path(__file__).parent / "data" / "genesis" / "12411-0002_de_flat.csv").read_text(
        encoding="utf-8-sig"
    )
    genesis = tmp_path / "12411-0002_de_flat.csv"
    genesis.write_text(flat.replace(";10089292;", f";{huge};", 1), encoding="utf-8-sig")
    from ikoe.ingest.benchmarks import read_benchmark_file
    from ikoe.ingest.genesis import read_genesis
    from ikoe.ingest.mapping import load_mapping

    for read in (
        lambda: import_organisations(organisations),
        lambda: read_benchmark_file(benchmarks),
        lambda: load_mapping(mapping),
        lambda: read_genesis(genesis),
    ):
        with pytest.raises(ImportFailed) as failed:
            read()
        report = failed.value.report()
        assert len(report) < 1000, report[:300]
        assert "Z" * 60 + "…" in report


def test_a_file_with_many_problems_lists_50_and_counts_the_rest(tmp_path, cast):
    path = tmp_path / "org.csv"
    lines = [f"=X{i},Name,A-MIN,agency" for i in range(80)]
    path.write_text("code,name,parent,kind\n" + "\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(ImportFailed) as failed:
        import_organisations(path)

    assert len(failed.value.problems) == 50
    assert failed.value.report().splitlines()[-2] == "… und 30 weitere Probleme."


def test_the_excerpt_shows_line_breaks_tabs_and_invisible_characters_and_cuts_long_texts():
    assert excerpt("Zeile 1\r\nZeile 2\rZeile 3\nZeile 4") == "Zeile 1↵Zeile 2↵Zeile 3↵Zeile 4"
    assert excerpt("a\tb\x00c\x7fd\x85e") == "a␉b␀c␡d↵e"
    assert excerpt("abc\u200b\u202e\ufeff") == "abc[U+200B][U+202E][U+FEFF]"
    assert excerpt("ä" * 61) == "ä" * 60 + "…"
    assert excerpt("ä" * 60) == "ä" * 60
    assert excerpt("\r\n" * 100) == "↵" * 60 + "…"


# ---------------------------------------------------------------------------------------------
# 4. Formulas in CSV exports, and organisation codes that look like formulas


def test_cells_that_start_like_formulas_get_an_apostrophe_but_numbers_stay_numbers():
    assert [neutralise(v) for v in ["=1+1", "+A1", "-A1", "@SUM(A1)", "\tA", "\rA"]] == [
        "'=1+1",
        "'+A1",
        "'-A1",
        "'@SUM(A1)",
        "'\tA",
        "'\rA",
    ]
    assert [neutralise(v) for v in [-3, -0.5, "-3", "-0,5", "+2", "1e-5", "-1.5E+3"]] == [
        "-3",
        "-0.5",
        "-3",
        "-0,5",
        "+2",
        "1e-5",
        "-1.5E+3",
    ]
    assert [neutralise(v) for v in ["A=1", "", None, "-", "- 3", "-3x"]] == [
        "A=1",
        "",
        "",
        "'-",
        "'- 3",
        "'-3x",
    ]
    assert restore(neutralise("=HYPERLINK(1)")) == "=HYPERLINK(1)"


def test_protect_neutralises_formula_codes_and_audit_reads_its_own_file_back(tmp_path, capsys):
    table = tmp_path / "tabelle.csv"
    table.write_text(
        "agency;sex;n\n=HYPERLINK(1);f;20\n=HYPERLINK(1);m;30\n@cmd;f;25\n@cmd;m;25\n"
        "-3;f;40\n-3;m;11\n+A;f;12\n+A;m;13\n",
        encoding="utf-8",
    )
    out = tmp_path / "geschuetzt.csv"
    args = ["--dims", "agency,sex", "--count", "n"]

    assert cli.main(["protect", str(table), *args, "--out", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    codes = {r[0] for r in rows[1:]}
    assert {"'=HYPERLINK(1)", "'@cmd", "-3", "'+A", "_T"} == codes
    assert all(r[2] == "" or re.fullmatch(r"\d+", r[2]) for r in rows[1:])

    capsys.readouterr()
    assert cli.main(["audit", str(out), *args, "--original", str(table)]) == 0


@pytest.mark.django_db(transaction=True)
def test_indicators_csv_neutralises_a_formula_code_and_keeps_negative_numbers(
    cast, tmp_path, capsys
):
    from tests.test_survey_import import people
    from tests.test_survey_import import write_csv as write_survey
    from tests.test_survey_indicators import add_benchmark, indicators

    ministry = Organisation.objects.get(code="A-MIN")
    Organisation.objects.create(code="=EVIL()", name="Alt", kind="agency", parent=ministry)
    add_benchmark("DE-BE", 60.0)
    rows = people("=EVIL()", 5, 10, prefix="e") + people("A-AGY", 6, 9, prefix="a")
    import_survey(write_survey(tmp_path / "alt.csv", rows), name="alt", year=2024)

    code, out, _err = indicators(capsys, "--survey", "alt", "--by", "agency", "--csv")

    assert code == 0
    records = list(csv.DictReader(io.StringIO(out)))
    by_agency = {r["agency"]: r for r in records}
    assert set(by_agency) == {"'=EVIL()", "A-AGY"}
    gap = by_agency["A-AGY"]["gap_pp"]
    assert gap.startswith("-") and float(gap) < 0  # a number, not "'-…"


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("=HYPERLINK(1)", "„=HYPERLINK(1)“ beginnt mit „=“"),
        ("+49", "„+49“ beginnt mit „+“"),
        ("-A", "„-A“ beginnt mit „-“"),
        ("@A", "„@A“ beginnt mit „@“"),
        ("A\x00B", "„A␀B“ enthält ein Steuerzeichen (hier als ␀ gezeigt)"),
        ("A\tB", "„A␉B“ enthält ein Steuerzeichen (hier als ␉ gezeigt)"),
    ],
)
def test_import_organisations_refuses_codes_that_look_like_formulas_or_hold_control_characters(
    tmp_path, cast, capsys, code, shown
):
    path = tmp_path / "org.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["code", "name", "parent", "kind"], [code, "Neu", "A-MIN", "agency"]]
        )
    before = Organisation.objects.count()

    assert cli.main(["import-organisations", str(path)]) == 1

    err = capsys.readouterr().err
    assert f"org.csv, Zeile 2, Spalte „code“: {shown}" in err
    assert Organisation.objects.count() == before


def test_the_admin_form_refuses_a_formula_code(cast):
    ministry = Organisation.objects.get(code="A-MIN")
    form = OrganisationForm(
        data={"code": "=1+1", "name": "Neu", "kind": "agency", "parent": ministry.pk}
    )
    assert not form.is_valid()
    assert "beginnt mit „=“" in form.errors["code"][0]


# ---------------------------------------------------------------------------------------------
# 5. API parameters out of range: 422 with a message, never a server error


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "limit=99999999999999999999",
            "limit=99999999999999999999 ist nicht zulässig; erwartet wird eine ganze Zahl von 1 bis 1.000.",
        ),
        ("limit=-1", "limit=-1 ist nicht zulässig"),
        ("limit=0", "limit=0 ist nicht zulässig"),
        ("limit=zehn", "limit=zehn ist nicht zulässig"),
        (
            "offset=-5",
            "offset=-5 ist nicht zulässig; erwartet wird eine ganze Zahl von 0 bis 1.000.000.000.",
        ),
        ("offset=99999999999999999999", "offset=99999999999999999999 ist nicht zulässig"),
        ("offset=1.5", "offset=1.5 ist nicht zulässig"),
        (
            "year=99999999999999999999",
            "year=99999999999999999999 ist nicht zulässig; erwartet wird ein Jahr von 1900 bis 2100.",
        ),
        ("measure=%00", "measure=␀ ist nicht zulässig"),
        ("region_code=" + "x" * 201, "region_code=" + "x" * 60 + "… ist nicht zulässig"),
    ],
)
def test_out_of_range_paging_and_filter_parameters_get_422_with_a_message(client, query, message):
    response = client.get(f"/api/v1/benchmarks?{query}", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 422
    body = response.json()
    assert message in body["message"]
    assert body["detail"]  # django-ninja's machine-readable list stays


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organisations?kind=%00",
        "/api/v1/organisations?land=%00",
        "/api/v1/surveys/%00/cells",
        "/api/v1/surveys/a-2024/cells?table=%00",
        "/api/v1/surveys/a-2024/cells?definition=" + "d" * 300,
    ],
)
def test_text_parameters_with_control_characters_or_too_long_get_422(client, cast, url):
    assert client.get(url).status_code == 422


def test_the_largest_allowed_page_is_served(client):
    from ikoe.benchmarks.services import load_reference_data

    load_reference_data()
    response = client.get("/api/v1/benchmarks?limit=1000&offset=1000000000")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_an_organisation_page_with_a_nul_in_its_address_is_not_found(client_coordinator_a, cast):
    bare_survey("a-2024", cast.orgs["DE-BE"], respondents=1, diagnostics={})
    assert client_coordinator_a.get("/befragungen/a-2024/organisation/A%00B/").status_code == 404


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_file_with_a_single_column_gets_a_message_not_a_crash(tmp_path, cast, suffix):
    import polars as pl

    path = tmp_path / f"eine-spalte.{suffix}"
    frame = pl.DataFrame({"organisation": ["A-AGY", "A-AGY2"]})
    if suffix == "csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)

    with pytest.raises(ImportFailed) as failed:
        read_survey(path, organisation_codes=["A-AGY", "A-AGY2"], current_year=2024)

    assert failed.value.problems[0].code == "missing_answers"


def test_csv_headings_for_the_mapping_are_decoded_as_the_import_decodes_the_whole_file(tmp_path):
    # A UTF-8 header, then a Windows-1252 "ä" further down: the whole file is Windows-1252.
    path = tmp_path / "gemischt.csv"
    path.write_bytes("Größe;organisation\n".encode() + b"x;A-AGY\n" * 20_000 + b"\xe4;A-AGY\n")

    header, fmt = read_header(path)

    assert (fmt, header) == ("csv", _read_raw(path, ProblemList()).header)
    assert header[0] == "GrÃ¶ÃŸe"
