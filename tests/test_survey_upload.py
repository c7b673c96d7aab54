"""Upload of a staff survey by a data steward: files, column mapping, import (never rows)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.pipeline import restricted_dir
from tests.test_survey_import import bare_survey

pytestmark = pytest.mark.django_db

# A German survey tool's export: own headings, Windows-1252, semicolons, CRLF, German codes.
HEADER = [
    "Befragten-Nr",
    "Dienststelle",
    "Laufbahngruppe",
    "Geschlecht",
    "Staatsangehörigkeit deutsch",
    "Geburtsland Ausland",
    "Zuzugsjahr",
    "Mutter im Ausland",
    "Vater im Ausland",
    "Bemerkung",
]
# What the data steward chooses for each heading ("" ignores the column).
CHOICES = {
    "Befragten-Nr": "respondent_id",
    "Dienststelle": "organisation",
    "Laufbahngruppe": "career_group",
    "Geschlecht": "gender",
    "Staatsangehörigkeit deutsch": "german",
    "Geburtsland Ausland": "born_abroad",
    "Zuzugsjahr": "immigration_year",
    "Mutter im Ausland": "mother_born_abroad",
    "Vater im Ausland": "father_born_abroad",
    "Bemerkung": "",
}
ORGS = ["A-AGY", "A-AGY2", "A-UNIT"]
CAREERS = ["gehobener Dienst", "mittlerer Dienst", "höherer Dienst"]
SECRET_ID = "BE-2024-0007"  # a respondent id that must never appear on a page
SECRET_REMARK = "Kantine zu laut"


def respondent(i: int, org: str | None = None) -> list[str]:
    migrant = i % 4 == 0
    return [
        f"BE-2024-{i:04d}",
        org or ORGS[i % 3],
        CAREERS[i % 3],
        "weiblich" if i % 2 else "männlich",
        "nein" if migrant else "ja",
        "ja" if migrant else "nein",
        "1992" if migrant else "",
        "ja" if i % 5 == 0 else "nein",
        "k.A." if i % 7 == 0 else "nein",
        SECRET_REMARK if i == 7 else "",
    ]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    text = "\r\n".join(";".join(row) for row in rows) + "\r\n"
    path.write_bytes(text.encode("cp1252"))
    return path


@pytest.fixture(autouse=True)
def _storage_and_language(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.RESTRICTED_DIR = tmp_path / "restricted"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def survey_csv(tmp_path) -> Path:
    return write_csv(
        tmp_path / "Mitarbeiterbefragung 2024.csv", [HEADER] + [respondent(i) for i in range(1, 61)]
    )


def upload(client: Client, path: Path, **fields: object):
    data: dict[str, object] = {
        "name": "be-2024",
        "year": "2024",
        "title": "Beschäftigtenbefragung Berlin 2024",
        "population": "Landesverwaltung",
        "fieldwork": "03/2024–05/2024",
        **fields,
    }
    with path.open("rb") as survey_file:
        return client.post(reverse("surveys:upload"), {"survey_file": survey_file, **data})


def mapping_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def selects(html: str) -> dict[str, str]:
    """heading (label text) → the name of its select."""
    labels = dict(re.findall(r'<label for="id_([a-z]+_col_\d+)">([^<]+)', html))
    return {text.strip(): name for name, text in labels.items()}


def mapping_post(html: str, choices: dict[str, str]) -> dict[str, str]:
    names = selects(html)
    return {names[heading]: target for heading, target in choices.items() if heading in names}


def pending_files(settings) -> list[Path]:
    return [p for p in (Path(settings.MEDIA_ROOT) / "pending").rglob("*") if p.is_file()]


def restricted_files() -> list[Path]:
    return [p for p in restricted_dir().rglob("*") if p.is_file()]


def test_anonymous_visitors_are_sent_to_the_login_page(client_anonymous):
    for url in (reverse("surveys:upload"), "/befragungen/hochladen/abc/zuordnung/"):
        response = client_anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_viewer_of_land_b_is_refused(client_viewer_b, survey_csv):
    assert client_viewer_b.get(reverse("surveys:upload")).status_code == 403
    assert upload(client_viewer_b, survey_csv).status_code == 403
    assert client_viewer_b.get("/befragungen/hochladen/abc/zuordnung/").status_code == 403
    assert not Survey.objects.exists()


def test_an_agency_editor_is_refused_too(client_editor_a):
    assert client_editor_a.get(reverse("surveys:upload")).status_code == 403


def test_the_upload_form_is_labelled_grouped_and_names_the_lands_of_the_data_steward(
    client_data_steward_a,
):
    html = client_data_steward_a.get(reverse("surveys:upload")).content.decode()

    assert html.count("<fieldset>") == 3 and "<legend>Files</legend>" in html
    assert '<label for="id_survey_file">Survey file</label>' in html
    assert 'aria-describedby="id_survey_file_helptext"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "You can import surveys for: Land A." in html


@pytest.mark.django_db(transaction=True)
def test_the_data_steward_of_land_a_uploads_a_german_csv_with_own_column_names_and_maps_them(
    client_data_steward_a, data_steward_a, land_a, survey_csv, settings
):
    url = mapping_url(upload(client_data_steward_a, survey_csv))
    page = client_data_steward_a.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert set(selects(html)) == set(HEADER)
    assert pending_files(settings), "the file waits in the pending folder"

    response = client_data_steward_a.post(url, {**mapping_post(html, CHOICES), "import": ""})

    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:diagnostics", args=["be-2024"])
    survey = Survey.objects.get(name="be-2024")
    assert (survey.land, survey.year, survey.respondents) == (land_a, 2024, 60)
    assert survey.title == "Beschäftigtenbefragung Berlin 2024"
    assert survey.created_by == data_steward_a
    assert survey.mapping["columns"] == {h: (c or None) for h, c in CHOICES.items()}
    # The entries of the value step, recognised and confirmed, are saved with the survey.
    assert survey.mapping["values"] == {
        "career_group": {
            "gehobener dienst": "gehoben",
            "hoeherer dienst": "hoeher",
            "mittlerer dienst": "mittel",
        },
        "gender": {"maennlich": "m", "weiblich": "w"},
    }
    assert survey.diagnostics["file"] == "Mitarbeiterbefragung_2024.csv"
    assert survey.diagnostics["encoding"] == "cp1252"
    assert IndicatorCell.objects.filter(survey=survey).exists()
    assert [p.name for p in restricted_files()] == [survey.snapshot]
    assert pending_files(settings) == []
    assert url not in str(client_data_steward_a.session.get("survey_uploads"))

    diagnostics = client_data_steward_a.get(response["Location"])
    assert "was imported: 60 respondents" in diagnostics.content.decode()


def test_the_mapping_page_shows_headings_and_entries_of_categories_never_a_row(
    client_data_steward_a, survey_csv
):
    url = mapping_url(upload(client_data_steward_a, survey_csv))
    html = client_data_steward_a.get(url).content.decode()

    assert "Staatsangehörigkeit deutsch" in html and "Befragten-Nr" in html
    # Columns of categories in their own spellings list their entries, with what they are read as.
    assert "“gehobener Dienst” stands for" in html and "“weiblich” stands for" in html
    # Never an id, a year, a free text, nor a row.
    for value in (SECRET_ID, SECRET_REMARK, "1992", "BE-2024-0001"):
        assert value not in html
    names = selects(html)
    # Preselected from the canonical names and aliases; the tool's own names are left to the user.
    assert re.search(
        rf'name="{names["Dienststelle"]}"[^>]*>.*?<option value="organisation" selected>',
        html,
        re.S,
    )
    assert re.search(
        rf'name="{names["Zuzugsjahr"]}"[^>]*>.*?<option value="immigration_year" selected>',
        html,
        re.S,
    )
    assert re.search(rf'name="{names["Bemerkung"]}"[^>]*>\s*<option value="" selected>', html)


def test_a_mapping_file_preselects_the_columns_and_its_value_assignments_apply(
    client_data_steward_a, tmp_path, land_a
):
    rows = [["Nr", "Behörde", "Sex", "F1", "F2"]]
    rows += [
        [str(i), "12" if i % 2 else "13", "1" if i % 2 else "2", "1", "2" if i % 5 == 0 else "1"]
        for i in range(1, 41)
    ]
    path = write_csv(tmp_path / "export.csv", rows)
    yaml = tmp_path / "werkzeug.yaml"
    yaml.write_text(
        "columns:\n  Nr: respondent_id\n  Sex: gender\n  F1: german\n  F2: born_abroad\n"
        "values:\n  organisation: {'12': A-AGY, '13': A-AGY2}\n  gender: {1: w, 2: m}\n"
        "  german: {1: ja, 2: nein}\n  born_abroad: {1: nein, 2: ja}\n",
        encoding="utf-8",
    )
    with yaml.open("rb") as mapping_file:
        url = mapping_url(upload(client_data_steward_a, path, mapping_file=mapping_file))
    html = client_data_steward_a.get(url).content.decode()
    names = selects(html)
    assert re.search(rf'name="{names["Sex"]}"[^>]*>.*?<option value="gender" selected>', html, re.S)
    assert re.search(
        rf'name="{names["Behörde"]}"[^>]*>.*?<option value="organisation" selected>', html, re.S
    )
    chosen = {
        "Nr": "respondent_id",
        "Behörde": "organisation",
        "Sex": "gender",
        "F1": "german",
        "F2": "born_abroad",
    }

    response = client_data_steward_a.post(url, mapping_post(html, chosen))

    assert response.status_code == 302, response.content.decode()[:3000]
    survey = Survey.objects.get(name="be-2024")
    assert survey.land == land_a
    assert survey.mapping["columns"] == chosen
    assert survey.mapping["values"]["gender"] == {"1": "w", "2": "m"}
    assert survey.mapping["mapping_file"] == "werkzeug.yaml"


def test_a_file_with_errors_shows_every_problem_with_row_and_column_and_stores_nothing(
    client_data_steward_a, tmp_path, settings
):
    rows = [HEADER] + [respondent(i) for i in range(1, 21)]
    rows[2][1] = "A-XYZ"  # spreadsheet row 3: no such organisation
    rows[4][6] = "neunzehn"  # row 5: not a year
    path = write_csv(tmp_path / "befragung.csv", rows)
    url = mapping_url(upload(client_data_steward_a, path))
    html = client_data_steward_a.get(url).content.decode()

    response = client_data_steward_a.post(url, mapping_post(html, CHOICES))

    assert response.status_code == 200
    page = response.content.decode()
    names = selects(html)
    assert "The survey could not be imported. Nothing was stored." in page
    assert (
        f'<a href="#id_{names["Dienststelle"]}">befragung.csv, row 3, column “Dienststelle”</a>: '
        "“A-XYZ” is not a code of the organisation hierarchy." in page
    )
    assert (
        f'<a href="#id_{names["Zuzugsjahr"]}">befragung.csv, row 5, column “Zuzugsjahr”</a>' in page
    )
    field = f"id_{names['Zuzugsjahr']}"
    assert f'aria-describedby="{field}_helptext {field}_problems"' in page
    assert 'id="error-summary" role="alert" tabindex="-1"' in page
    assert str(settings.MEDIA_ROOT) not in page  # no server paths
    assert not Survey.objects.exists()
    assert not IndicatorCell.objects.exists()
    assert restricted_files() == []
    assert pending_files(settings), "the upload stays for another try"


def test_choosing_one_column_twice_or_no_organisation_is_explained_at_the_field(
    client_data_steward_a, survey_csv
):
    url = mapping_url(upload(client_data_steward_a, survey_csv))
    html = client_data_steward_a.get(url).content.decode()
    choices = {**CHOICES, "Dienststelle": "", "Bemerkung": "gender"}

    response = client_data_steward_a.post(url, mapping_post(html, choices))

    page = response.content.decode()
    field = selects(html)["Bemerkung"]
    assert (
        "Choose “Organisation code” for the column that holds the codes of the organisations."
        in page
    )
    assert f'<ul class="errorlist" id="id_{field}_error">' in page
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in page
    assert f'<a href="#id_{field}">Bemerkung: “Geschlecht” is assigned to “Gender” already' in page
    assert not Survey.objects.exists()


def import_problems(
    client: Client, path: Path, choices: dict[str, str] = CHOICES, **fields: object
) -> list[str]:
    """Upload, map the columns as ``choices`` says and import; the problems listed for the file."""
    url = mapping_url(upload(client, path, **fields))
    html = client.get(url).content.decode()
    response = client.post(url, mapping_post(html, choices))
    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.content.decode()
    assert "The survey could not be imported. Nothing was stored." in page
    listed = re.search(r'<ol class="errorlist"[^>]*>(.*?)</ol>', page, re.S)
    assert listed, page
    return [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li>(.*?)</li>", listed.group(1))]


def test_a_file_of_land_b_is_refused_as_if_its_codes_did_not_exist(
    client_data_steward_a, tmp_path, settings
):
    rows = [HEADER] + [respondent(i, org=("B-AGY" if i % 2 else "X-NOPE")) for i in range(1, 41)]
    path = write_csv(tmp_path / "hamburg.csv", rows)

    problems = import_problems(client_data_steward_a, path)

    text = " ".join(problems)
    assert "“B-AGY” is not a code of the organisation hierarchy." in text
    assert "“X-NOPE” is not a code of the organisation hierarchy." in text
    assert {p.split(": ", 1)[1] for p in problems if "B-AGY" in p or "X-NOPE" in p} == {
        "“B-AGY” is not a code of the organisation hierarchy.",
        "“X-NOPE” is not a code of the organisation hierarchy.",
    }
    assert "Land B" not in text and "DE-HH" not in text
    assert not Survey.objects.exists()
    assert restricted_files() == []


def test_one_code_of_land_b_among_land_as_gets_the_message_of_an_unknown_code(
    client_data_steward_a, tmp_path
):
    rows = [HEADER] + [respondent(i) for i in range(1, 41)]
    rows[3][1] = "B-UNIT"
    rows[5][1] = "A-NOPE"
    path = write_csv(tmp_path / "befragung.csv", rows)

    problems = import_problems(client_data_steward_a, path)

    assert problems[:2] == [
        "befragung.csv, row 4, column “Dienststelle”: “B-UNIT” is not a code of the "
        "organisation hierarchy.",
        "befragung.csv, row 6, column “Dienststelle”: “A-NOPE” is not a code of the "
        "organisation hierarchy.",
    ]


def test_personnel_totals_with_a_code_of_land_b_get_the_message_of_an_unknown_code(
    client_data_steward_a, survey_csv, tmp_path
):
    totals = tmp_path / "personal.csv"
    totals.write_text(
        "organisation;headcount\nA-AGY;40\nA-AGY2;30\nA-UNIT;20\nB-AGY;10\nA-NOPE;5\n",
        encoding="utf-8",
    )
    with totals.open("rb") as totals_file:
        problems = import_problems(
            client_data_steward_a,
            survey_csv,
            {**CHOICES, "organisation": "organisation", "headcount": "headcount"},
            totals_file=totals_file,
        )

    assert "personal.csv, row 5, column “organisation”: “B-AGY” is not a code of the " in (
        " ".join(problems)
    )
    assert "“A-NOPE” is not a code of the organisation hierarchy." in " ".join(problems)
    assert not Survey.objects.exists()


def test_a_survey_of_another_land_cannot_be_replaced_by_taking_its_name(
    client_data_steward_a, survey_csv, land_b
):
    bare_survey("hh-2024", land_b, title="HH")

    taken = upload(client_data_steward_a, survey_csv, name="hh-2024", replace="on")
    free = upload(client_data_steward_a, survey_csv, name="hh-2023", replace="on")

    assert taken.status_code == free.status_code == 200
    message = (
        "The short name begins with the abbreviation of the Land of the survey and a hyphen: be-"
    )
    assert message in taken.content.decode() and message in free.content.decode()
    assert "taken" not in taken.content.decode()
    assert Survey.objects.get(name="hh-2024").land == land_b


def test_a_name_of_the_own_form_taken_in_another_land_is_refused_without_saying_where(
    client_data_steward_a, survey_csv, land_b
):
    # Imported on the command line, where the form of names is not enforced.
    bare_survey("be-2024", land_b, title="HH")

    page = upload(client_data_steward_a, survey_csv, replace="on").content.decode()

    assert "This short name cannot be used. Choose another one" in page
    assert "be-2024-2" in page
    for hint in ("taken", "Land B", "another Land", "DE-HH"):
        assert hint not in page, hint
    assert Survey.objects.get(name="be-2024").land == land_b


def test_a_short_name_without_the_lands_abbreviation_is_explained(
    client_data_steward_a, survey_csv
):
    page = upload(client_data_steward_a, survey_csv, name="umfrage-2024").content.decode()

    assert '<a href="#id_name">' in page
    assert (
        "begins with the abbreviation of the Land of the survey and a hyphen: be-, e.g. be-2024."
        in (page)
    )


def test_a_broken_file_or_mapping_file_is_refused_at_the_upload_with_its_problem(
    client_data_steward_a, tmp_path, settings
):
    empty = tmp_path / "leer.csv"
    empty.write_bytes(b"")
    bad_yaml = tmp_path / "map.yaml"
    bad_yaml.write_text("columns:\n  Nr: respondant_id\n", encoding="utf-8")
    good = write_csv(tmp_path / "ok.csv", [HEADER, respondent(1)])

    page = upload(client_data_steward_a, empty).content.decode()
    assert 'href="#id_survey_file"' in page
    with bad_yaml.open("rb") as mapping_file:
        page = upload(client_data_steward_a, good, mapping_file=mapping_file).content.decode()

    assert (
        "line 2: “respondant_id” is not a column name of the survey format. Did you mean "
        "Respondent id (column respondent_id)?" in page
    )
    assert 'aria-describedby="id_mapping_file_helptext id_mapping_file_error"' in page
    # The good survey file is kept for the next try, the broken mapping file is not.
    assert [p.name for p in pending_files(settings)] == ["ok.csv"]
    assert "Kept from your last try: ok.csv (CSV)." in page


def test_the_pending_upload_belongs_to_its_session_and_can_be_cancelled(
    client_data_steward_a, client_coordinator_a, survey_csv, settings
):
    url = mapping_url(upload(client_data_steward_a, survey_csv))

    assert client_coordinator_a.get(url).status_code == 404
    response = client_data_steward_a.post(url, {"cancel": ""})
    assert response["Location"] == reverse("surveys:upload")
    assert pending_files(settings) == []
    assert client_data_steward_a.get(url).status_code == 404


def test_pending_uploads_older_than_a_day_are_deleted_on_the_next_upload(
    client_data_steward_a, survey_csv, settings
):
    import os
    import time

    mapping_url(upload(client_data_steward_a, survey_csv))
    (old,) = (Path(settings.MEDIA_ROOT) / "pending").iterdir()
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    assert oct(old.stat().st_mode & 0o777) == "0o700"

    mapping_url(upload(client_data_steward_a, survey_csv))

    remaining = list((Path(settings.MEDIA_ROOT) / "pending").iterdir())
    assert len(remaining) == 1 and remaining[0] != old


def test_csrf_protection_is_on(cast, data_steward_a, survey_csv):
    client = Client(enforce_csrf_checks=True)
    client.force_login(data_steward_a)
    page = client.get(reverse("surveys:upload")).content.decode()

    assert 'name="csrfmiddlewaretoken"' in page
    assert upload(client, survey_csv).status_code == 403


def test_replacing_a_survey_of_the_own_land_must_be_confirmed(
    client_data_steward_a, survey_csv, land_a
):
    bare_survey("be-2024", land_a, title="Alt")

    refused = upload(client_data_steward_a, survey_csv)
    confirmed = upload(client_data_steward_a, survey_csv, replace="on")

    page = refused.content.decode()
    assert '<a href="#id_replace">' in page
    assert "Your Land has a survey with the short name “be-2024” already." in page
    assert confirmed.status_code == 302


def test_the_short_name_of_the_upload_page_cannot_be_taken(client_data_steward_a, survey_csv):
    page = upload(client_data_steward_a, survey_csv, name="hochladen").content.decode()

    assert "“hochladen” is a reserved word of the page addresses" in page


def test_a_parquet_file_shows_its_headings_and_format(client_data_steward_a, tmp_path):
    import polars as pl

    path = tmp_path / "befragung.parquet"
    pl.DataFrame(
        {"Dienststelle": ["A-AGY", "A-UNIT"], "Deutsch": [True, False], "Lfd": [SECRET_ID, "x"]}
    ).write_parquet(path)

    url = mapping_url(upload(client_data_steward_a, path))
    html = client_data_steward_a.get(url).content.decode()

    assert "Columns of the survey file befragung.parquet (Parquet)" in html
    assert set(selects(html)) == {"Dienststelle", "Deutsch", "Lfd"}
    assert SECRET_ID not in html
