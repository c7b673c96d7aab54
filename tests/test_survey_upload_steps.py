"""The upload's mapping step as a data steward meets it: columns recognised by their German
headings and marked so, the entries of columns of categories assigned on the page, files kept
after an error, the sample file, and texts without internal code names."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ikoe.accounts.models import Membership, Role
from ikoe.errors import ImportFailed
from ikoe.ingest.mapping import (
    _HEADER_ALIASES,
    _VALUE_ALIASES,
    CANONICAL,
    alias_key,
    load_mapping,
    resolve_header,
    value_key,
)
from ikoe.ingest.survey import read_survey
from ikoe.labels import COLUMN_LABELS
from ikoe.organisations.models import Organisation
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.sample import SAMPLE_COLUMNS, SAMPLE_ROWS
from tests.test_survey_upload import mapping_url, pending_files, upload


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"  # tests that read German set "de" themselves


# --- the check for internal code names in visible text (also used by the browser test) ------

# Code names of the survey format and of its values, definitions and encodings, which a data
# steward should never have to read. Each is matched as a whole word, case-sensitively (German
# words such as “Einwanderungsgeschichte” or “gehobener” are not codes).
INTERNAL_CODES = sorted(
    {
        *CANONICAL,
        "hoeher",
        "gehoben",
        "ausbildung",
        "beamte",
        "tarif",
        "mighev_short",
        "mikrozensus_wide",
        "einwanderungsgeschichte",
        "precomputed",
        "yes_no",
        "utf-8-sig",
        "cp1252",
    }
)
# The one place a code may stand: in brackets after the name, where a mapping file needs it.
ALLOWED_CODE = re.compile(r"\((?:Spalte|column) [a-z_]+\)")


def internal_codes_in(text: str) -> list[str]:
    """The internal code names that the visible ``text`` contains outside the allowed brackets."""
    text = ALLOWED_CODE.sub("", text)
    return [
        code for code in INTERNAL_CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)
    ]


def test_the_check_finds_code_names_but_allows_them_in_the_brackets_of_a_column():
    assert internal_codes_in("Laufbahngruppe (career_group): hoeher, CSV (csv, utf-8-sig)") == [
        "career_group",
        "hoeher",
        "utf-8-sig",
    ]
    assert internal_codes_in("Meinten Sie Laufbahngruppe (Spalte career_group)?") == []
    assert internal_codes_in("gehobener Dienst, Einwanderungsgeschichte (Destatis)") == []


def visible_text(page: str) -> str:
    """The text of a page as a reader gets it, with the options of every select."""
    page = re.sub(r"(?s)<(script|style|title)\b.*?</\1>", " ", page)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# --- recognition of headings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "column"),
    [
        ("Lfd. Nr.", "respondent_id"),
        ("laufende Nummer", "respondent_id"),
        ("Nr.", "respondent_id"),
        ("ID", "respondent_id"),
        ("Befragten-ID", "respondent_id"),
        ("Befragten-Nr", "respondent_id"),
        ("  LFD.NR ", "respondent_id"),
        ("Laufbahngruppe", "career_group"),
        ("Besoldungsgruppe/Laufbahn", "career_group"),
        ("Besoldungsgruppe / Laufbahn", "career_group"),
        ("Laufbahn-Gruppe", "career_group"),
        ("Geschlecht", "gender"),
        ("Geschlecht (w/m/d)", "gender"),
        ("Altersgruppe", "age_group"),
        ("Staatsangehörigkeit", "german"),
        ("Staatsangehoerigkeit deutsch", "german"),
        ("Geburtsland", "born_abroad"),
        ("Geburtsland der Mutter", "mother_born_abroad"),
        ("Dienststelle", "organisation"),
        ("Behörde", "organisation"),
        ("BEHOERDE:", "organisation"),
        ("Beschäftigungsverhältnis", "employment"),
        ("Führungsfunktion", "leadership"),
        ("Zuzugsjahr Vater", "father_immigration_year"),
        ("Personalbestand", "headcount"),
    ],
)
def test_common_german_headings_are_recognised_whatever_their_case_spaces_or_punctuation(
    heading, column
):
    assert resolve_header(heading, None) == column


@pytest.mark.parametrize(
    "heading", ["F7", "Bemerkung", "Kommentar", "Alter", "Besoldungsgruppe", "Status", "Nummer"]
)
def test_other_headings_are_not_guessed(heading):
    assert resolve_header(heading, None) is None


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_name_of_every_column_is_itself_a_recognised_heading(language):
    with translation.override(language):
        named = {name: resolve_header(str(label), None) for name, label in COLUMN_LABELS.items()}
    assert named == {name: name for name in COLUMN_LABELS}
    assert set(COLUMN_LABELS) == set(CANONICAL)


def test_no_heading_and_no_spelling_stands_for_two_things():
    owners: dict[str, set[str]] = {}
    for column, aliases in _HEADER_ALIASES.items():
        for alias in (column, *aliases):
            owners.setdefault(alias_key(alias), set()).add(column)
    assert {key: names for key, names in owners.items() if len(names) > 1} == {}
    for column, table in _VALUE_ALIASES.items():
        codes: dict[str, set[str]] = {}
        for code, spellings in table.items():
            for spelling in spellings:
                codes.setdefault(value_key(spelling), set()).add(code)
        assert {k: v for k, v in codes.items() if len(v) > 1} == {}, column


# --- the mapping step in the browser's place -----------------------------------------------

ORGS = ["A-AGY", "A-AGY2", "A-UNIT"]
# 120 respondents: by career group 40, 50 and 30, of whom 12, 10 and 3 are not German and born
# abroad (a migration background under every definition); the others are German, born in
# Germany, with parents born in Germany.
CAREERS = {"mittel": (40, 12), "gehoben": (50, 10), "hoeher": (30, 3)}
NUMBERS = {"mittel": "1", "gehoben": "2", "hoeher": "3"}
COUNTRIES = ["Türkei", "Polen"]


def staff(own_codes: bool) -> list[list[str]]:
    """The respondents, with the headings and codes of an HR export (``own_codes``: career
    groups 1/2/3, citizenship “deutsch”/“andere”, country of birth) or the canonical ones."""
    if own_codes:
        header = [
            "Lfd. Nr.",
            "Dienststelle",
            "Laufbahngruppe",
            "Geschlecht",
            "Staatsangehörigkeit",
            "Geburtsland",
            "Mutter im Ausland geboren",
            "Vater im Ausland geboren",
        ]
    else:
        header = [
            "respondent_id",
            "organisation",
            "career_group",
            "gender",
            "german",
            "born_abroad",
            "mother_born_abroad",
            "father_born_abroad",
        ]
    rows = [header]
    number = 0
    for career, (count, migrants) in CAREERS.items():
        for k in range(count):
            number += 1
            migrant = k < migrants
            if own_codes:
                citizenship = "andere" if migrant else "deutsch"
                birth = COUNTRIES[k % 2] if migrant else "Deutschland"
                group = NUMBERS[career]
            else:
                citizenship = "nein" if migrant else "ja"
                birth = "ja" if migrant else "nein"
                group = career
            gender = "w" if number % 2 else "m"
            rows.append(
                [str(number), ORGS[number % 3], group, gender, citizenship, birth, "nein", "nein"]
            )
    return rows


def write_file(path: Path, rows: list[list[str]]) -> Path:
    path.write_bytes(("\r\n".join(";".join(r) for r in rows) + "\r\n").encode("utf-8-sig"))
    return path


def browser_data(page: str) -> dict[str, str]:
    """What a browser sends for the page's form: each select with its selected option."""
    data = {}
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', body)
        data[name] = html_lib.unescape(chosen.group(1)) if chosen else ""
    return data


def column_selects(page: str) -> dict[str, str]:
    """Heading → the name of its select."""
    labels = re.findall(r'<label for="id_([a-z]+_col_\d+)">([^<]+)', page)
    return {html_lib.unescape(text).strip(): name for name, text in labels}


def entry_selects(page: str) -> dict[str, str]:
    """Entry of the file → the name of its select in the value step."""
    labels = re.findall(
        r'<label for="id_(value_\w+)">[“„]([^”“<]*)[”“] (?:stands for|steht für)</label>', page
    )
    return {html_lib.unescape(text): name for name, text in labels}


def statuses(page: str) -> dict[str, str]:
    """Field name → how its column or entry was assigned (the marker beside its select)."""
    return dict(
        (field, status)
        for status, field in re.findall(
            r'<span class="status status-([a-z]+)" id="id_(\w+)_helptext">', page
        )
    )


def test_the_mapping_step_marks_which_columns_were_recognised_and_which_were_chosen_by_hand(
    client_data_steward_a, tmp_path
):
    rows = [["Lfd. Nr.", "Behörde", "LG", "Geschlecht (w/m/d)", "Staatsangehörigkeit", "F9"]]
    rows += [[str(i), "A-AGY", "2", "w", "ja", "x"] for i in range(1, 11)]
    url = mapping_url(upload(client_data_steward_a, write_file(tmp_path / "hr.csv", rows)))
    page = client_data_steward_a.get(url).content.decode()
    names = column_selects(page)
    marks = statuses(page)

    assert {heading: marks[name] for heading, name in names.items()} == {
        "Lfd. Nr.": "automatic",
        "Behörde": "automatic",
        "LG": "unrecognised",
        "Geschlecht (w/m/d)": "automatic",
        "Staatsangehörigkeit": "automatic",
        "F9": "unrecognised",
    }
    assert page.count("recognised automatically</span>") == 4
    assert 'aria-describedby="id_survey_col_0_helptext"' in page

    # The steward assigns “LG” by hand and ignores the recognised citizenship column; the page
    # shows the entries of the columns as assigned now (nothing is imported).
    data = {
        **browser_data(page),
        names["LG"]: "career_group",
        names["Staatsangehörigkeit"]: "",
        "check": "",
    }
    again = client_data_steward_a.post(url, data)
    page = again.content.decode()
    marks = statuses(page)

    assert again.status_code == 200 and not Survey.objects.exists()
    assert marks[names["LG"]] == "manual" and marks[names["Staatsangehörigkeit"]] == "manual"
    assert marks[names["Behörde"]] == "automatic"
    assert set(entry_selects(page)) == {"2"}  # the entries of “LG”, now a career group
    assert 'id="error-summary"' not in page  # showing entries is not an error


@pytest.mark.django_db(transaction=True)
def test_entries_assigned_on_the_page_give_the_same_figures_as_the_file_with_codes(
    client_data_steward_a, tmp_path, land_a
):
    own = write_file(tmp_path / "personal-export.csv", staff(own_codes=True))
    url = mapping_url(upload(client_data_steward_a, own, name="be-2024-export"))
    page = client_data_steward_a.get(url).content.decode()
    entries = entry_selects(page)
    marks = statuses(page)

    # The career groups 1/2/3 and the countries are not recognised; “deutsch”, “andere” (of a
    # citizenship column) and “Deutschland” (of a country of birth) are, and are preselected.
    assert set(entries) == {"1", "2", "3", "andere", "deutsch", "Deutschland", "Polen", "Türkei"}
    assert {e for e, name in entries.items() if marks[name] == "unrecognised"} == {
        "1",
        "2",
        "3",
        "Polen",
        "Türkei",
    }
    data = browser_data(page)
    assert data[entries["deutsch"]] == "yes" and data[entries["andere"]] == "no"
    assert data[entries["Deutschland"]] == "no"
    # The choices are the categories in words, never their codes.
    assert re.search(r'<option value="hoeher">higher service \(höherer Dienst\)</option>', page)

    data.update(
        {
            entries["1"]: "mittel",
            entries["2"]: "gehoben",
            entries["3"]: "hoeher",
            entries["Türkei"]: "yes",
            entries["Polen"]: "yes",
            "import": "",
        }
    )
    response = client_data_steward_a.post(url, data)
    assert response.status_code == 302, visible_text(response.content.decode())[:3000]
    by_page = Survey.objects.get(name="be-2024-export")
    assert by_page.mapping["values"]["career_group"] == {
        "1": "mittel",
        "2": "gehoben",
        "3": "hoeher",
    }
    assert by_page.mapping["values"]["born_abroad"] == {
        "deutschland": False,
        "polen": True,
        "tuerkei": True,
    }

    coded = write_file(tmp_path / "codes.csv", staff(own_codes=False))
    url = mapping_url(upload(client_data_steward_a, coded, name="be-2024-codes"))
    page = client_data_steward_a.get(url).content.decode()
    assert entry_selects(page) == {}  # the canonical codes need no assignment
    response = client_data_steward_a.post(url, {**browser_data(page), "import": ""})
    assert response.status_code == 302
    by_codes = Survey.objects.get(name="be-2024-codes")

    def cells(survey: Survey) -> list[tuple]:
        fields = ("table", "definition", "weighted", "respondents", "declared", "yes", "share")
        return sorted(
            (str(sorted(c["dims"].items())), *(c[f] for f in fields), c["status"], c["symbol"])
            for c in IndicatorCell.objects.filter(survey=survey).values(
                "dims", *fields, "status", "symbol"
            )
        )

    assert cells(by_page) == cells(by_codes)
    # … and they are the figures counted by hand: 25 of 120; 12 of 40, 10 of 50, 3 of 30.
    land = IndicatorCell.objects.get(survey=by_page, table="land", definition="mighev_short")
    assert (land.respondents, land.declared, land.yes) == (120, 120, 25)
    assert land.share == pytest.approx(25 / 120)
    groups = {
        c.dims["career_group"]: (c.respondents, c.yes, c.share)
        for c in IndicatorCell.objects.filter(
            survey=by_page, table="land × career_group", definition="mighev_short"
        )
    }
    assert groups == {
        "mittel": (40, 12, pytest.approx(12 / 40)),
        "gehoben": (50, 10, pytest.approx(10 / 50)),
        "hoeher": (30, 3, pytest.approx(3 / 30)),
    }


def test_an_entry_left_without_a_choice_is_asked_for_and_nothing_is_imported(
    client_data_steward_a, tmp_path
):
    own = write_file(tmp_path / "export.csv", staff(own_codes=True))
    url = mapping_url(upload(client_data_steward_a, own))
    page = client_data_steward_a.get(url).content.decode()
    entries = entry_selects(page)
    data = {**browser_data(page), entries["1"]: "mittel", entries["2"]: "gehoben", "import": ""}

    response = client_data_steward_a.post(url, data)

    page = response.content.decode()
    assert response.status_code == 200 and not Survey.objects.exists()
    assert 'id="error-summary"' in page
    field = f"id_{entries['3']}"
    assert (
        f'<a href="#{field}">“3” in the column “Career group”: Choose what this entry of the '
        "file stands for.</a>" in page
    )
    assert f'aria-describedby="{field}_helptext {field}_error"' in page
    # What was chosen stays chosen.
    assert browser_data(page)[entries["1"]] == "mittel"


def test_the_value_step_lists_at_most_30_entries_and_never_those_of_ids_or_free_text(
    client_data_steward_a, tmp_path
):
    rows = [["Lfd. Nr.", "Dienststelle", "Altersklasse", "Status", "Anmerkung", "Deutsch"]]
    for i in range(1, 201):
        rows.append([f"ID-{i:04d}", "A-AGY", f"Klasse {i % 40}", "x", f"Text Nummer {i}", "ja"])
    url = mapping_url(upload(client_data_steward_a, write_file(tmp_path / "viel.csv", rows)))
    page = client_data_steward_a.get(url).content.decode()
    names = column_selects(page)
    data = {**browser_data(page), names["Anmerkung"]: "gender", "check": ""}

    page = client_data_steward_a.post(url, data).content.decode()

    entries = entry_selects(page)
    # 40 classes of age: the first 30 are listed, and the page says there are 10 more.
    assert len([e for e in entries if e.startswith("Klasse")]) == 30
    assert "Klasse 0" in entries and "Klasse 29" in entries and "Klasse 30" not in entries
    assert "Only the first 30 different entries are listed; the column has 10 more." in page
    # A column of 200 different texts in 200 rows assigned to gender lists none of them.
    assert "This column has 200 different entries in 200 rows" in page
    assert "Text Nummer" not in page
    # The respondent ids are never listed.
    assert "ID-0001" not in page


def test_a_mapping_file_still_assigns_values_and_the_page_shows_them(
    client_data_steward_a, tmp_path
):
    own = write_file(tmp_path / "export.csv", staff(own_codes=True))
    yaml = tmp_path / "werkzeug.yaml"
    yaml.write_text(
        "values:\n  career_group: {1: einfach, 2: gehoben, 3: höherer Dienst}\n", encoding="utf-8"
    )
    with yaml.open("rb") as mapping_file:
        url = mapping_url(upload(client_data_steward_a, own, mapping_file=mapping_file))
    page = client_data_steward_a.get(url).content.decode()
    entries = entry_selects(page)
    marks = statuses(page)
    data = browser_data(page)

    assert {e: data[entries[e]] for e in ("1", "2", "3")} == {
        "1": "einfach",
        "2": "gehoben",
        "3": "hoeher",
    }
    assert {marks[entries[e]] for e in ("1", "2", "3")} == {"mapping"}
    assert "from the mapping file" in page


# --- files kept after an error -------------------------------------------------------------


def step_one(client: Client, token: str = "", files: dict[str, Path] | None = None, **fields):
    """Post step 1 as a browser does: the facts, the token of a kept upload, chosen files."""
    data: dict[str, object] = {
        "name": "be-2024",
        "year": "2024",
        "title": "Befragung",
        "population": "",
        "fieldwork": "",
        "upload": token,
        **fields,
    }
    handles = {f"{role}_file": path.open("rb") for role, path in (files or {}).items()}
    try:
        return client.post(reverse("surveys:upload"), {**data, **handles})
    finally:
        for handle in handles.values():
            handle.close()


def kept_token(page: str) -> str:
    found = re.search(r'<input type="hidden" name="upload" value="([^"]+)">', page)
    assert found, "the page holds the kept upload"
    return found.group(1)


def test_after_a_form_error_the_chosen_files_are_kept_and_used_on_the_next_try(
    client_data_steward_a, tmp_path, settings
):
    survey = write_file(tmp_path / "befragung.csv", staff(own_codes=False))
    totals = tmp_path / "personal.csv"
    totals.write_text("organisation;headcount\nA-AGY;50\nA-AGY2;50\nA-UNIT;50\n", encoding="utf-8")

    refused = step_one(
        client_data_steward_a, files={"survey": survey, "totals": totals}, name="umfrage-2024"
    )

    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Kept from your last try: befragung.csv (CSV)." in page
    assert "Kept from your last try: personal.csv (CSV)." in page
    assert "The files you chose are kept" in page
    assert sorted(p.name for p in pending_files(settings)) == ["befragung.csv", "personal.csv"]

    # The next try corrects the name and chooses no file: the kept ones are used.
    accepted = step_one(client_data_steward_a, kept_token(page))

    url = mapping_url(accepted)
    mapping = client_data_steward_a.get(url).content.decode()
    assert "Columns of the survey file befragung.csv (CSV)" in mapping
    assert "Columns of the personnel totals personal.csv (CSV)" in mapping


def test_a_kept_file_can_be_dropped_or_replaced(client_data_steward_a, tmp_path, settings):
    survey = write_file(tmp_path / "alt.csv", staff(own_codes=False))
    totals = tmp_path / "personal.csv"
    totals.write_text("organisation;headcount\nA-AGY;50\n", encoding="utf-8")
    page = step_one(
        client_data_steward_a, files={"survey": survey, "totals": totals}, name="x"
    ).content.decode()
    token = kept_token(page)
    assert 'name="drop_totals"' in page

    newer = write_file(tmp_path / "neu.csv", staff(own_codes=True))
    response = step_one(client_data_steward_a, token, files={"survey": newer}, drop_totals="on")

    mapping = client_data_steward_a.get(mapping_url(response)).content.decode()
    assert "Columns of the survey file neu.csv (CSV)" in mapping
    assert "personnel totals" not in mapping
    assert [p.name for p in pending_files(settings)] == ["neu.csv"]


def test_without_a_kept_file_the_survey_file_is_asked_for(client_data_steward_a):
    page = step_one(client_data_steward_a).content.decode()

    assert '<a href="#id_survey_file">Survey file: Choose the survey file.</a>' in page


@pytest.mark.django_db(transaction=True)
def test_after_problems_in_the_file_a_corrected_file_replaces_it_and_the_rest_is_kept(
    client_data_steward_a, tmp_path, land_a
):
    rows = staff(own_codes=False)
    rows[3][1] = "A-NOPE"
    broken = write_file(tmp_path / "befragung.csv", rows)
    url = mapping_url(
        upload(client_data_steward_a, broken, title="Befragung 2024", population="Verwaltung")
    )
    page = client_data_steward_a.get(url).content.decode()
    failed = client_data_steward_a.post(url, {**browser_data(page), "import": ""})
    page = failed.content.decode()
    assert "“A-NOPE” is not a code of the organisation hierarchy." in page
    back = re.search(r'<a href="(/befragungen/hochladen/\?upload=[^"]+)">', page)
    assert back, "the mapping step links back to step 1 with the kept upload"

    step = client_data_steward_a.get(html_lib.unescape(back.group(1))).content.decode()
    # The facts are filled in and the file is kept.
    assert 'value="be-2024"' in step and 'value="Befragung 2024"' in step
    assert "Kept from your last try: befragung.csv (CSV)." in step

    fixed = write_file(tmp_path / "befragung-korrigiert.csv", staff(own_codes=False))
    again = step_one(
        client_data_steward_a,
        kept_token(step),
        files={"survey": fixed},
        title="Befragung 2024",
        population="Verwaltung",
    )
    assert mapping_url(again) == url  # the same upload, now with the corrected file
    page = client_data_steward_a.get(url).content.decode()
    done = client_data_steward_a.post(url, {**browser_data(page), "import": ""})

    assert done.status_code == 302
    survey = Survey.objects.get(name="be-2024")
    assert survey.respondents == 120 and survey.population == "Verwaltung"
    assert survey.diagnostics["file"] == "befragung-korrigiert.csv"


# --- the sample file -----------------------------------------------------------------------


@pytest.fixture
def demo_steward(db):
    """A data steward of the demo Land, whose organisation codes the sample file uses."""
    from ikoe.surveys.demo import ensure_demo_organisations

    ensure_demo_organisations()
    user = get_user_model().objects.create_user("datenpflege", password="x")
    Membership.objects.create(
        user=user, role=Role.DATA_STEWARD, land=Organisation.objects.get(code="DE-XX")
    )
    client = Client()
    client.force_login(user)
    return client


def test_the_sample_file_is_a_german_csv_with_the_headings_the_mapping_step_recognises(
    client_anonymous,
):
    response = client_anonymous.get(reverse("surveys:upload-sample"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="beispiel-befragung.csv"' in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with byte-order mark, for German Excel
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0].split(";") == [c.heading for c in SAMPLE_COLUMNS]
    assert lines[0].startswith("Lfd. Nr.;Dienststelle;Laufbahngruppe;Beschäftigungsverhältnis")
    assert [line.count(";") for line in lines[1:-1]] == [len(SAMPLE_COLUMNS) - 1] * 24
    assert lines[-1] == ""
    for column in SAMPLE_COLUMNS:
        assert resolve_header(column.heading, None) == column.name


@pytest.mark.django_db(transaction=True)
def test_the_sample_file_imports_through_the_upload_without_any_problem(demo_steward):
    sample = demo_steward.get(reverse("surveys:upload-sample")).content
    path = Path(reverse("surveys:upload-sample")).name
    upload_page = demo_steward.get(reverse("surveys:upload")).content.decode()
    assert f'href="{reverse("surveys:upload-sample")}"' in upload_page
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = demo_steward.post(
        reverse("surveys:upload"),
        {
            "survey_file": SimpleUploadedFile(path, sample, "text/csv"),
            "name": "xx-beispiel",
            "year": "2024",
        },
    )
    url = mapping_url(response)
    page = demo_steward.get(url).content.decode()
    marks = statuses(page)

    columns = [marks[name] for name in column_selects(page).values()]
    assert columns == ["automatic"] * len(SAMPLE_COLUMNS)
    assert "unrecognised" not in marks.values()  # every entry is understood as it stands

    done = demo_steward.post(url, {**browser_data(page), "import": ""})

    assert done.status_code == 302, visible_text(done.content.decode())[:2000]
    survey = Survey.objects.get(name="xx-beispiel")
    assert survey.respondents == len(SAMPLE_ROWS) == 24
    assert survey.diagnostics["encoding"] == "utf-8-sig"
    # 23 of 24 answered the questions on migration background.
    assert survey.diagnostics["declared"]["mighev_short"] == 23
    land = IndicatorCell.objects.get(survey=survey, table="land", definition="mighev_short")
    # So few respondents keep most figures secret, this one too; the import still stores them.
    assert (land.respondents, land.declared, land.status) == (24, 23, "secondary")
    assert IndicatorCell.objects.filter(survey=survey, status="published").exists()


@pytest.mark.django_db(transaction=True)
def test_a_survey_too_small_to_protect_is_refused_with_a_message_not_a_server_error(
    demo_steward, tmp_path
):
    from ikoe.surveys.sample import sample_survey_csv

    lines = sample_survey_csv().decode("utf-8-sig").split("\r\n")
    small = tmp_path / "klein.csv"
    small.write_text("\r\n".join(lines[:6]) + "\r\n", encoding="utf-8")  # 5 respondents
    url = mapping_url(upload(demo_steward, small, name="xx-klein"))
    page = demo_steward.get(url).content.decode()

    response = demo_steward.post(url, {**browser_data(page), "import": ""})

    text = visible_text(response.content.decode())
    assert response.status_code == 200
    assert (
        "klein.csv : The figures of this survey cannot be protected by the disclosure control: "
        "with 5 respondents, too few people stand behind its tables" in text
    )
    assert "The survey could not be imported. Nothing was stored." in text
    assert not Survey.objects.filter(name="xx-klein").exists()


def test_the_upload_page_explains_every_column_of_the_sample(client_data_steward_a, settings):
    settings.LANGUAGE_CODE = "de"
    page = client_data_steward_a.get(reverse("surveys:upload")).content.decode()

    text = visible_text(page)
    assert "Beispieldatei herunterladen" in text
    for column in SAMPLE_COLUMNS:
        assert column.heading in text, column.heading


# --- texts in words --------------------------------------------------------------------------


def test_file_messages_name_columns_and_values_in_words_for_the_command_line_too(tmp_path):
    no_answers = tmp_path / "ohne.csv"
    no_answers.write_text("Dienststelle;Laufbahngruppe\n0101;3\n", encoding="utf-8")
    with translation.override("de"):
        with pytest.raises(ImportFailed) as caught:
            read_survey(no_answers, organisation_codes={"0101"}, current_year=2025)
        messages = [p.message for p in caught.value.problems]
        with pytest.raises(ImportFailed) as mapping_failed:
            mapping = tmp_path / "map.yaml"
            mapping.write_text("columns:\n  LG: laufbahngruppe\nvalues:\n  gender: {1: frau}\n")
            load_mapping(mapping)
        mapping_messages = [p.message for p in mapping_failed.value.problems]

    assert (
        "Am nächsten kommt die Definition „Migrationshintergrund, Kurzform (MighEV § 6)“; "
        "ergänzen Sie dafür: „Deutsche Staatsangehörigkeit“, „Im Ausland geboren“." in messages[0]
    )
    assert messages[1] == (
        "„3“ ist kein gültiger Wert; erwartet wird einer der Werte „einfacher Dienst“, "
        "„mittlerer Dienst“, „gehobener Dienst“, „höherer Dienst“, „in Ausbildung“, bei "
        "fehlender Antwort eine leere Zelle, „k.A.“ oder „keine Angabe“."
    )
    assert mapping_messages[0] == (
        "„laufbahngruppe“ ist kein Spaltenname des Befragungsformats. Meinten Sie "
        "Laufbahngruppe (Spalte career_group)?"
    )
    for text in messages:
        assert internal_codes_in(text) == [], text


@pytest.mark.django_db(transaction=True)
def test_the_upload_mapping_and_diagnostics_pages_show_no_internal_code_names(
    client_data_steward_a, tmp_path, settings
):
    settings.LANGUAGE_CODE = "de"
    pages = {"upload": client_data_steward_a.get(reverse("surveys:upload"))}
    rows = staff(own_codes=True)
    rows[0] += ["Zuzugsjahr"]
    rows[1:] = [row + [""] for row in rows[1:]]
    rows[5][-1] = "neunzehn"
    own = write_file(tmp_path / "export.csv", rows)
    pages["form error"] = upload(client_data_steward_a, own, name="x-1")
    url = mapping_url(upload(client_data_steward_a, own))
    pages["mapping"] = client_data_steward_a.get(url)
    page = pages["mapping"].content.decode()
    entries = entry_selects(page)
    data = browser_data(page)
    pages["entries missing"] = client_data_steward_a.post(url, {**data, "import": ""})
    data.update(
        {
            entries["1"]: "mittel",
            entries["2"]: "gehoben",
            entries["3"]: "hoeher",
            entries["Türkei"]: "yes",
            entries["Polen"]: "yes",
        }
    )
    pages["file problems"] = client_data_steward_a.post(url, {**data, "import": ""})
    assert "„neunzehn“ ist keine Jahreszahl" in pages["file problems"].content.decode()
    names = column_selects(page)
    data[names["Zuzugsjahr"]] = ""
    done = client_data_steward_a.post(url, {**data, "import": ""})
    assert done.status_code == 302
    pages["diagnostics"] = client_data_steward_a.get(done["Location"])
    pages["overview"] = client_data_steward_a.get(reverse("surveys:overview", args=["be-2024"]))

    for name, response in pages.items():
        assert response.status_code == 200, name
        text = visible_text(response.content.decode())
        assert internal_codes_in(text) == [], (name, text[:3000])
    assert "CSV, UTF-8 mit Byte-Order-Mark" in visible_text(pages["diagnostics"].content.decode())
