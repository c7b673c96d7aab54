"""Reading and validating staff-survey files, mapping files and personnel totals."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from django.utils import translation

from ikoe.errors import ImportFailed, Problem
from ikoe.ingest.mapping import AGE_GROUPS, CAREER_GROUPS, load_mapping
from ikoe.ingest.survey import SurveyFile, read_survey, read_totals

DATA = Path(__file__).parent / "data" / "surveys"
CODES = {"0101", "0102", "0201"}
YEAR = 2025

HEADER = "id;organisation;career_group;gender;german;born_abroad;immigration_year;mother_born_abroad;mother_immigration_year;father_born_abroad;father_immigration_year"
GOOD = "1;0101;gehoben;w;ja;nein;;nein;;nein;"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write(tmp_path: Path, text: str, name: str = "survey.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def survey(path: Path, **kwargs) -> SurveyFile:
    kwargs.setdefault("organisation_codes", CODES)
    kwargs.setdefault("current_year", YEAR)
    return read_survey(path, **kwargs)


def problems(path: Path, **kwargs) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        survey(path, **kwargs)
    return caught.value


def only(failed: ImportFailed) -> Problem:
    assert len(failed.problems) == 1, failed.report()
    return failed.problems[0]


# --- formats -----------------------------------------------------------------------------------


def test_a_german_csv_in_windows_1252_with_german_headers_reads():
    result = survey(DATA / "survey_de_cp1252.csv")
    d = result.diagnostics
    assert (d.format, d.encoding, d.delimiter) == ("csv", "cp1252", ";")
    assert d.rows_read == 5 and d.blank_rows_skipped == 1
    assert d.columns_used["Führungskraft"] == "leadership"
    assert d.columns_used["Laufende Nummer"] == "respondent_id"
    assert d.columns_ignored == ["Bemerkung"]
    assert d.rows_per_organisation == {"0101": 2, "0102": 1, "0201": 2}
    assert d.definitions == ["mighev_short", "mikrozensus_wide", "einwanderungsgeschichte"]
    data = result.data
    assert result.has_respondent_id
    assert data["organisation"].to_list() == ["0101", "0101", "0102", "0201", "0201"]  # zeros kept
    assert data["career_group"].to_list() == ["gehoben", "hoeher", "mittel", "ausbildung", None]
    assert data["gender"].to_list() == ["w", "m", "d", "w", None]
    assert data["german"].to_list() == [True, True, False, None, True]  # "k.A." is no answer
    assert data["born_abroad"].to_list() == [False, True, False, None, False]  # "keine Angabe" too
    assert data["immigration_year"].to_list() == [None, 1991, None, None, None]
    assert data["father_immigration_year"].to_list() == [None, 1991, 1983, None, 1962]
    assert d.answers_per_item["german"] == 4


def test_an_english_csv_in_utf8_with_bom_and_canonical_headers_reads():
    result = survey(DATA / "survey_en_utf8_bom.csv")
    d = result.diagnostics
    assert (d.encoding, d.delimiter) == ("utf-8-sig", ",")
    assert d.definitions == ["precomputed"]
    data = result.data
    assert data["respondent_id"].to_list() == ["a1", "a2", "a3", "a4"]
    assert data["gender"].to_list() == ["w", "m", "w", None]  # "female" is an alias
    assert data["age_group"].to_list() == ["40-49", "60+", "unter 30", "30-39"]
    assert data["leadership"].to_list() == [False, True, False, None]
    assert data["migration_background"].to_list() == [True, False, True, None]


def test_the_canonical_frame_has_nullable_booleans_small_integer_years_and_enums():
    schema = survey(DATA / "survey_de_cp1252.csv").data.schema
    assert schema["organisation"] == pl.Enum(sorted(CODES))
    assert schema["career_group"] == pl.Enum(list(CAREER_GROUPS))
    assert schema["age_group"] == pl.Enum(list(AGE_GROUPS))
    assert schema["leadership"] == pl.Boolean
    assert schema["german"] == pl.Boolean
    assert schema["immigration_year"] == pl.Int16
    assert schema["respondent_id"] == pl.String
    assert list(schema)[:2] == ["respondent_id", "organisation"]


def _xlsx(path: Path, rows: list[list[object]], first_row: int = 0) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Befragung")
    for offset, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is not None:
                sheet.write(first_row + offset, column, value)
    workbook.close()
    return path


def test_an_xlsx_workbook_reads_with_numbers_and_text_cells(tmp_path):
    path = _xlsx(
        tmp_path / "survey.xlsx",
        [
            ["Organisation", "Geschlecht", "Migrationshintergrund", "Zuzugsjahr"],
            ["0101", "w", "ja", 1990],
            ["0102", "m", 0, None],
            ["0201", None, True, 2001],
        ],
    )
    result = survey(path)
    assert result.diagnostics.format == "xlsx"
    assert result.diagnostics.encoding is None
    assert result.data["organisation"].to_list() == ["0101", "0102", "0201"]
    assert result.data["migration_background"].to_list() == [True, False, True]
    assert result.data["immigration_year"].to_list() == [1990, None, 2001]


def test_xlsx_problems_name_the_sheet_row_even_when_the_table_starts_lower(tmp_path):
    path = _xlsx(
        tmp_path / "survey.xlsx",
        [
            ["organisation", "gender", "migration_background"],
            ["0101", "w", "ja"],
            ["0101", "x", "ja"],
        ],
        first_row=2,  # the header is in sheet row 3
    )
    problem = only(problems(path))
    assert (problem.row, problem.column) == (5, "gender")
    assert "“x” is not a valid value" in problem.message


def test_a_parquet_file_with_typed_columns_reads(tmp_path):
    path = tmp_path / "survey.parquet"
    pl.DataFrame(
        {
            "respondent_id": [101, 102, 103],
            "organisation": ["0101", "0102", "0201"],
            "gender": pl.Series(["w", "m", None], dtype=pl.Categorical),
            "migration_background": [True, False, None],
            "immigration_year": pl.Series([1980, None, 2020], dtype=pl.Int64),
        }
    ).write_parquet(path)
    result = survey(path)
    assert result.diagnostics.format == "parquet"
    assert result.data["respondent_id"].to_list() == ["101", "102", "103"]
    assert result.data["migration_background"].to_list() == [True, False, None]
    assert result.data["immigration_year"].to_list() == [1980, None, 2020]


def test_parquet_problems_count_rows_as_the_record_number_plus_one_for_a_header(tmp_path):
    path = tmp_path / "survey.parquet"
    pl.DataFrame(
        {"organisation": ["0101", "0101", "9999"], "migration_background": [True, False, True]}
    ).write_parquet(path)
    problem = only(problems(path))
    assert (problem.row, problem.column) == (4, "organisation")  # third record


# --- mapping -----------------------------------------------------------------------------------


def test_a_mapping_file_translates_the_files_own_headers_and_codes():
    mapping = load_mapping(DATA / "own_codes_mapping.yaml")
    result = survey(DATA / "own_codes.csv", mapping=mapping)
    data = result.data
    assert data["respondent_id"].to_list() == ["17", "18", "19"]
    assert data["organisation"].to_list() == ["0101", "0102", "0101"]
    assert data["career_group"].to_list() == ["gehoben", "hoeher", None]  # 9 means no answer
    assert data["gender"].to_list() == ["w", "m", "d"]
    assert data["age_group"].to_list() == ["30-39", "50-59", "unter 30"]
    assert data["german"].to_list() == [True, False, None]
    assert data["born_abroad"].to_list() == [False, True, None]  # the file's 1 means Germany
    assert data["mother_immigration_year"].to_list() == [None, 1970, None]
    assert result.diagnostics.columns_ignored == ["Kommentar"]


def test_a_mapping_file_keeps_yes_no_and_numbers_as_text(tmp_path):
    path = write(
        tmp_path, "values:\n  leadership:\n    yes: nein\n    no: ja\n    1: ja\n", "m.yaml"
    )
    mapping = load_mapping(path)
    assert mapping.values["leadership"] == {"yes": False, "no": True, "1": True}


def test_a_mapping_file_with_unknown_canonical_names_is_rejected_with_line_and_suggestion(tmp_path):
    path = write(
        tmp_path,
        "columns:\n  Geschl: gender\n  LG: carreer_group\nvalues:\n  sex:\n    1: w\n",
        "m.yaml",
    )
    with pytest.raises(ImportFailed) as caught:
        load_mapping(path)
    first, second = caught.value.problems
    assert first.row == 3
    assert "“carreer_group” is not a column name of the survey format" in first.message
    # the code is what the mapping file needs, after the name a data steward reads
    assert "Did you mean Career group (column career_group)?" in first.message
    assert second.row == 5 and "“sex” is not a column name of the survey format" in second.message
    assert "Did you mean Gender (column gender)?" in second.message  # “Sex” is a heading of it


def test_a_mapping_file_rejects_codes_outside_the_code_list_and_double_targets(tmp_path):
    path = write(
        tmp_path,
        "columns:\n  A: gender\n  B: gender\nvalues:\n  gender:\n    1: femme\n  immigration_year:\n    x: 1990\nextra: 1\n",
        "m.yaml",
    )
    with pytest.raises(ImportFailed) as caught:
        load_mapping(path)
    messages = {p.row: p.message for p in caught.value.problems}
    assert "both mapped to Gender (column gender)" in messages[3]
    assert (
        "“femme” is not a value of Gender (column gender); map to one of: “weiblich”, "
        "“männlich”, “divers”, or to “keine Angabe” for no answer." in messages[6]
    )
    assert "its values cannot be mapped" in messages[7]
    assert "Unknown section “extra”" in messages[9]


def test_a_mapping_file_that_is_not_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "columns:\n  A: gender\n   B: [\n", "m.yaml")
    with pytest.raises(ImportFailed) as caught:
        load_mapping(path)
    problem = caught.value.problems[0]
    assert problem.code == "yaml" and problem.row == 3


def test_two_columns_standing_for_the_same_canonical_column_are_a_problem(tmp_path):
    path = write(tmp_path, "organisation;Geschlecht;gender;migration_background\n0101;w;w;ja\n")
    problem = only(problems(path))
    assert (problem.row, problem.column) == (1, "gender")
    assert "“Geschlecht” and “gender” both stand for “Gender”" in problem.message


# --- bad input ---------------------------------------------------------------------------------


def test_a_file_in_neither_utf8_nor_windows_1252_is_rejected(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n", encoding="utf-16")
    problem = only(problems(path))
    assert problem.code == "encoding"
    assert "neither UTF-8 nor Windows-1252" in problem.message


def test_an_empty_file_is_rejected(tmp_path):
    assert only(problems(write(tmp_path, ""))).message == "The file is empty."
    assert only(problems(write(tmp_path, "\r\n \n"))).message == "The file is empty."


def test_a_file_with_only_a_header_is_rejected(tmp_path):
    problem = only(problems(write(tmp_path, f"{HEADER}\n\n")))
    assert problem.row == 1 and "no data rows" in problem.message


def test_a_missing_organisation_column_is_named(tmp_path):
    path = write(tmp_path, "Geschlecht;migration_background\nw;ja\n")
    problem = only(problems(path))
    assert (problem.row, problem.column) == (1, "organisation")
    assert "The required column “Organisation code” is missing" in problem.message
    assert "“Geschlecht”" in problem.message  # the columns found


def test_a_file_without_any_migration_answers_names_what_is_missing(tmp_path):
    path = write(tmp_path, "organisation;german_since_birth;mother_born_abroad\n0101;ja;nein\n")
    problem = only(problems(path))
    assert problem.code == "missing_answers" and problem.row == 1
    assert (
        "either a column with the migration background already derived or the raw answers"
        in problem.message
    )
    assert (
        "Closest is the definition “migration background in the broad sense (Mikrozensus)”"
        in problem.message
    )
    assert (
        "add: one of “Mother German since birth” or “Father German since birth”." in problem.message
    )


def test_a_file_with_citizenship_and_birth_abroad_only_allows_the_mighev_short_form(tmp_path):
    path = write(tmp_path, "organisation;german;born_abroad\n0101;ja;nein\n")
    assert survey(path).diagnostics.definitions == ["mighev_short"]


def test_unknown_organisation_codes_are_listed_with_row_and_column(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n{GOOD}\n2;0999;gehoben;w;ja;nein;;nein;;nein;\n3;101;mittel;m;ja;nein;;nein;;nein;\n",
    )
    failed = problems(path)
    first, second = failed.problems
    assert (first.row, first.column) == (3, "organisation")
    assert "“0999” is not a code of the organisation hierarchy" in first.message
    assert (second.row, second.column) == (4, "organisation")
    assert "Did you mean “0101”?" in second.message
    assert "tests" not in str(first) and "survey.csv, row 3, column “organisation”" in str(first)


def test_a_missing_organisation_code_in_a_row_is_a_problem(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n2; ;gehoben;w;ja;nein;;nein;;nein;\n")
    problem = only(problems(path))
    assert (problem.row, problem.column) == (3, "organisation")
    assert "organisation code is missing" in problem.message


def test_values_outside_the_code_lists_are_listed_with_what_was_expected(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n2;0101;oberer;x;vielleicht;nein;;nein;;nein;\n")
    failed = problems(path)
    by_column = {p.column: p for p in failed.problems}
    assert set(by_column) == {"career_group", "gender", "german"}
    assert all(p.row == 3 for p in failed.problems)
    assert (
        "“oberer” is not a valid value; expected one of “einfacher Dienst”, “mittlerer Dienst”, "
        "“gehobener Dienst”, “höherer Dienst”, “in Ausbildung”, or an empty cell"
        in by_column["career_group"].message
    )
    assert (
        "“x” is not a valid value; expected one of “weiblich”, “männlich”, “divers”"
        in by_column["gender"].message
    )
    assert (
        "“vielleicht” is not a yes/no answer; expected ja/nein, yes/no, 1/0"
        in by_column["german"].message
    )


def test_immigration_years_in_the_future_or_before_1900_or_not_years_are_rejected(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n{GOOD}\n2;0101;gehoben;w;nein;ja;2026;ja;1899;ja;neunzehn\n3;0101;gehoben;w;nein;ja;2025;ja;1900;ja;1990.0\n",
    )
    failed = problems(path)
    assert [(p.row, p.column) for p in failed.problems] == [
        (3, "immigration_year"),
        (3, "mother_immigration_year"),
        (3, "father_immigration_year"),
    ]
    future, early, text = (p.message for p in failed.problems)
    assert "The year 2026 lies in the future (after 2025)" in future
    assert "The year 1899 lies before 1900" in early
    assert "“neunzehn” is not a year" in text


def test_duplicate_respondent_ids_name_the_first_row(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n{GOOD}\n2;0101;gehoben;w;ja;nein;;nein;;nein;\n1;0102;gehoben;w;ja;nein;;nein;;nein;\n",
    )
    problem = only(problems(path))
    assert (problem.row, problem.column) == (4, "id")
    assert "The respondent id “1” appears more than once; it is first in row 2" in problem.message


def test_a_row_with_more_fields_than_the_header_is_named(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n{GOOD};extra\n{GOOD};\n")
    problem = only(problems(path))
    assert problem.row == 3 and "12 fields, but the header row has only 11" in problem.message


def test_blank_lines_count_as_rows_like_in_a_spreadsheet(tmp_path):
    path = write(
        tmp_path, f"\n{HEADER}\r\n{GOOD}\r\n\r\n2;0101;gehoben;w;ja;nein;;nein;;nein;2030\r\n"
    )
    problem = only(problems(path))
    assert (problem.row, problem.column) == (5, "father_immigration_year")


def test_a_cell_with_a_line_break_does_not_shift_the_row_numbers(tmp_path):
    path = write(
        tmp_path, f'{HEADER};note\n{GOOD};"two\nlines"\n2;0101;gehoben;q;ja;nein;;nein;;nein;;\n'
    )
    problem = only(problems(path))
    assert (problem.row, problem.column) == (3, "gender")


def test_every_problem_is_listed_up_to_the_limit_with_the_count_of_the_rest(tmp_path):
    rows = "\n".join(f"{i};0101;gehoben;q;ja;nein;;nein;;nein;" for i in range(1, 31))
    failed = problems(write(tmp_path, f"{HEADER}\n{rows}\n"), limit=5)
    assert [p.row for p in failed.problems] == [2, 3, 4, 5, 6]
    assert failed.more == 25
    report = failed.report()
    assert "… and 25 more problems." in report
    assert report.endswith("Nothing was stored.")


def test_problems_come_in_file_order_header_first(tmp_path):
    path = write(
        tmp_path, "organisation;Geschlecht;gender;migration_background\n0999;w;w;ja\n0101;w;x;ja\n"
    )
    failed = problems(path)
    assert [(p.row, p.column) for p in failed.problems] == [
        (1, "gender"),
        (2, "organisation"),
    ]


# --- personnel totals --------------------------------------------------------------------------


def test_personnel_totals_read_with_german_thousands_separators():
    totals = read_totals(DATA / "totals_de.csv", CODES)
    assert totals.columns == ["organisation", "career_group", "gender", "headcount"]
    assert totals["headcount"].to_list() == [1234, 980, 120, 0, 35]
    assert totals.schema["headcount"] == pl.Int64
    assert totals.schema["gender"] == pl.Enum(["w", "m", "d"])


def test_personnel_totals_reject_bad_counts_missing_values_and_repeated_combinations(tmp_path):
    path = write(
        tmp_path,
        "Organisation;Geschlecht;Anzahl\n0101;w;10\n0101;m;-3\n0101;w;4\n0102;;5\n0102;k.A.;2,5\n",
        "totals.csv",
    )
    with pytest.raises(ImportFailed) as caught:
        read_totals(path, CODES)
    found = [(p.row, p.column, p.code) for p in caught.value.problems]
    assert found == [
        (3, "Anzahl", "invalid_headcount"),
        (4, "Organisation", "duplicate_total"),
        (5, "Geschlecht", "missing_value"),
        (6, "Geschlecht", "invalid_code_required"),
        (6, "Anzahl", "invalid_headcount"),
    ]
    duplicate = caught.value.problems[1].message
    assert "“0101 / w” appears more than once; it is first in row 2" in duplicate


def test_personnel_totals_cannot_be_broken_down_by_raw_answers(tmp_path):
    path = write(tmp_path, "organisation;born_abroad;headcount\n0101;ja;3\n", "totals.csv")
    with pytest.raises(ImportFailed) as caught:
        read_totals(path, CODES)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column, problem.code) == (1, "born_abroad", "not_classifying")


def test_personnel_totals_need_a_headcount_column(tmp_path):
    path = write(tmp_path, "organisation;gender\n0101;w\n", "totals.csv")
    with pytest.raises(ImportFailed) as caught:
        read_totals(path, CODES)
    assert [(p.column, p.code) for p in caught.value.problems] == [("headcount", "missing_column")]


def test_a_damaged_workbook_or_parquet_file_is_rejected_with_a_clear_message(tmp_path):
    xlsx = tmp_path / "survey.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "cannot be read as an Excel workbook (XLSX)" in only(problems(xlsx)).message
    parquet = tmp_path / "survey.parquet"
    parquet.write_bytes(b"PAR1 not really parquet")
    assert "cannot be read as Parquet" in only(problems(parquet)).message


def test_a_parquet_column_with_nested_values_is_named(tmp_path):
    path = tmp_path / "survey.parquet"
    pl.DataFrame(
        {"organisation": ["0101"], "migration_background": [True], "gender": [["w", "m"]]}
    ).write_parquet(path)
    problem = only(problems(path))
    assert (problem.row, problem.column, problem.code) == (1, "gender", "parquet_type")
