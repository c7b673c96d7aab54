"""Importing benchmark figures: reference CSV, GENESIS exports, errors, the command line.

Messages are asserted in English under ``translation.override("en")`` until the German
translations exist; then each of these assertions gets its German twin under "de".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import translation

from ikoe import cli
from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
from ikoe.benchmarks.services import import_benchmark_file, load_reference_data, reference_file
from ikoe.errors import ImportFailed, Problem

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "data" / "reference" / "benchmarks.csv"
GENESIS = Path(__file__).resolve().parent / "data" / "genesis"
FLAT = GENESIS / "12411-0002_de_flat.csv"

GERMAN_CSV = (
    "Regionscode;Region;Jahr;Kennzahl;Konzept;Wert (%);Abgeleitet;Quelle\r\n"
    "DE-BE;Berlin;2023;population_share;migrationshintergrund_weiterer_sinn;39,4;ja;Destatis, Mikrozensus 2023\r\n"
    "DE-BW;Baden-Württemberg;2023;population_share;migrationshintergrund_weiterer_sinn;37,1;ja;Destatis, Mikrozensus 2023\r\n"
    "DE;Deutschland;2019;public_service_employed_share;migrationshintergrund_weiterer_sinn;14,5;nein;dbb magazin 3/2022\r\n"
)
ENGLISH_CSV = (
    "region_code,region_name,year,measure,concept,value_percent,derived,source\n"
    'DE-BE,Berlin,2023,population_share,migrationshintergrund_weiterer_sinn,39.4,yes,"Destatis, Mikrozensus 2023"\n'
    "DE-BUND,Bund,2024,administration_staff_survey_share,migrationshintergrund,16.2,no,integrationsbeauftragte.de\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def only_problem(path: Path, name: str | None = None, year: int | None = None) -> Problem:
    with translation.override("en"), pytest.raises(ImportFailed) as failed:
        import_benchmark_file(path, name=name, year=year)
    assert len(failed.value.problems) == 1, failed.value.report()
    return failed.value.problems[0]


# --- reference CSV ------------------------------------------------------------------------------


def test_the_reference_csv_loads_all_52_figures() -> None:
    dataset = import_benchmark_file(REFERENCE)
    assert dataset.name == "benchmarks"
    assert dataset.format == BenchmarkDataset.Format.CSV
    assert dataset.rows.count() == 52
    assert dataset.rows.filter(measure="population_share").count() == 34


def test_the_reference_csv_gives_berlin_2023_a_population_share_of_39_4_percent() -> None:
    import_benchmark_file(REFERENCE)
    berlin = Benchmark.objects.get(region_code="DE-BE", year=2023, measure="population_share")
    assert berlin.value == 39.4
    assert (berlin.unit, berlin.symbol, berlin.region_name) == ("%", "", "Berlin")
    assert berlin.definition == "migrationshintergrund_weiterer_sinn"
    assert berlin.derived is True
    assert berlin.source.startswith(
        "https://www.destatis.de/EN/Themes/Society-Environment/Population/"
    )
    staff = Benchmark.objects.get(
        region_code="DE-BE", year=2024, measure="administration_staff_survey_share"
    )
    assert (staff.value, staff.derived) == (21.7, False)


def test_the_shipped_file_is_found_next_to_the_package() -> None:
    assert reference_file() == REFERENCE


def test_loading_the_reference_data_again_skips_an_unchanged_file() -> None:
    first = load_reference_data()
    assert first is not None and first.rows.count() == 52
    ids = sorted(first.rows.values_list("id", flat=True))
    assert load_reference_data() is None
    assert sorted(Benchmark.objects.values_list("id", flat=True)) == ids


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_a_german_convention_csv_loads_in_windows_1252_and_utf_8_with_bom(
    tmp_path: Path, encoding: str
) -> None:
    dataset = import_benchmark_file(write(tmp_path, "kennzahlen.csv", GERMAN_CSV, encoding))
    assert dataset.name == "kennzahlen"
    rows = {(b.region_code, b.year): b for b in dataset.rows.all()}
    assert rows["DE-BE", 2023].value == 39.4
    assert rows["DE-BW", 2023].region_name == "Baden-Württemberg"
    assert rows["DE-BW", 2023].derived is True
    assert rows["DE", 2019].derived is False
    assert rows["DE-BE", 2023].source == "Destatis, Mikrozensus 2023"


def test_an_english_convention_csv_loads(tmp_path: Path) -> None:
    dataset = import_benchmark_file(write(tmp_path, "figures.csv", ENGLISH_CSV))
    values = sorted(dataset.rows.values_list("region_code", "value", "derived"))
    assert values == [("DE-BE", 39.4, True), ("DE-BUND", 16.2, False)]


def test_importing_the_same_file_again_changes_nothing() -> None:
    fields = (
        "region_code",
        "region_name",
        "year",
        "measure",
        "definition",
        "value",
        "unit",
        "derived",
        "source",
    )
    import_benchmark_file(REFERENCE)
    before = sorted(Benchmark.objects.values_list(*fields))
    import_benchmark_file(REFERENCE)
    assert BenchmarkDataset.objects.count() == 1
    assert sorted(Benchmark.objects.values_list(*fields)) == before


def test_importing_a_changed_file_under_the_same_name_replaces_the_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "figures.csv", ENGLISH_CSV)
    import_benchmark_file(path)
    path.write_text(ENGLISH_CSV.splitlines()[0] + "\n" + ENGLISH_CSV.splitlines()[1] + "\n")
    dataset = import_benchmark_file(path)
    assert list(dataset.rows.values_list("region_code", flat=True)) == ["DE-BE"]
    assert Benchmark.objects.count() == 1


def test_a_name_given_by_the_user_names_the_dataset(tmp_path: Path) -> None:
    dataset = import_benchmark_file(
        write(tmp_path, "figures.csv", ENGLISH_CSV), name="Mikrozensus 2023"
    )
    assert dataset.name == "Mikrozensus 2023"


# --- GENESIS ------------------------------------------------------------------------------------


def test_a_genesis_table_is_stored_in_long_form_with_its_source() -> None:
    dataset = import_benchmark_file(GENESIS / "12411-0002.csv")
    assert (dataset.name, dataset.format) == ("12411-0002", BenchmarkDataset.Format.GENESIS)
    assert dataset.title == "Bevölkerung: Deutschland, Stichtag, Nationalität"
    assert dataset.rows.count() == 147
    row = dataset.rows.get(period="31.12.1970", classification__Nationalität="Deutsche")
    assert (row.value, row.year, row.region_code, row.region_name) == (
        58263259,
        1970,
        "DE",
        "Deutschland",
    )
    assert (row.measure, row.measure_label, row.unit, row.definition) == (
        "Bevölkerungsstand",
        "Bevölkerungsstand",
        "Anzahl",
        "",
    )
    assert row.source == (
        "Statistisches Bundesamt (Destatis), GENESIS-Online, table 12411-0002, Stand 08.04.2020 / 17:09:43"
    )
    assert dataset.source == row.source


@pytest.mark.parametrize(
    ("code", "rows"),
    [
        ("12411-0002", 147),
        ("12521-0008", 988),
        ("21341-0003", 390),
        ("21611-0111", 1216),
        ("11111-0001", 374),
        ("12411-0010", 16),
        ("12521-0002", 123),
        ("23211-0002", 123),
    ],
)
def test_every_real_genesis_export_imports(code: str, rows: int) -> None:
    dataset = import_benchmark_file(GENESIS / f"{code}.csv")
    assert (dataset.name, dataset.rows.count()) == (code, rows)


def test_the_total_of_a_table_by_land_is_stored_as_germany() -> None:
    dataset = import_benchmark_file(GENESIS / "11111-0001.csv")
    germany = dataset.rows.get(region_code="DE", year=2016)
    assert (germany.value, germany.region_name, germany.period, germany.unit) == (
        357578.17,
        "Deutschland",
        "31.12.2016",
        "qkm",
    )
    assert dataset.rows.get(region_code="DE-BE", year=1995).value == 890.82
    assert dataset.rows.values("region_code").distinct().count() == 17


def test_a_table_by_gemeinden_is_refused_once_with_its_regional_level() -> None:
    path = GENESIS / "wohngebiete_sachsen.csv"
    problem = only_problem(path)
    assert (problem.file, problem.row, problem.column) == (str(path), 11, "A")
    assert problem.message == (
        "No figure of the table is for Germany or a Land: its regions are “Gemeinden” (the first "
        "row shows “14; Freistaat Sachsen”). Only figures for Germany and the Länder can be "
        "benchmarks. Export the table again with the regional level Deutschland or Bundesländer."
    )
    with translation.override("de"), pytest.raises(ImportFailed) as failed:
        import_benchmark_file(path)
    assert failed.value.problems[0].message.startswith(
        "Kein Wert der Tabelle gilt für Deutschland oder ein Land: Ihre Regionen sind „Gemeinden“"
    )
    assert not BenchmarkDataset.objects.exists()


TEMPORARY = (
    "GENESIS-Tabelle: Temporär\n"
    "Beispiel: Bundesländer, Jahr;;\n"
    "Beispielstatistik;;\n"
    "Berichtsjahr: 2014;;\n"
    "Anzahl der Beispiele (Anzahl);;\n"
    ";Beispiel;Beispiel\n"
    ";a;b\n"
    "Berlin;1;2\n"
    "Bremen;3;-\n"
    "_____\n"
    "(C)opyright Statistisches Bundesamt, Wiesbaden 2015\n"
    "Stand: 01.02.2015 / 10:00:00\n"
)


@pytest.mark.parametrize(
    ("file_name", "name"),
    [("beispiel.csv", "beispiel"), ("Temporär.csv", "Beispiel: Bundesländer, Jahr")],
)
def test_a_temporary_table_is_named_after_its_file_or_else_its_title(
    tmp_path: Path, file_name: str, name: str
) -> None:
    # Illustrative values in the layout of older exports (see wohngebiete_sachsen.csv).
    dataset = import_benchmark_file(write(tmp_path, file_name, TEMPORARY, "cp1252"))
    assert dataset.name == name
    assert dataset.source == (
        "Statistisches Bundesamt, Wiesbaden, GENESIS-Online, Beispiel: Bundesländer, Jahr, "
        "Stand 01.02.2015 / 10:00:00"
    )
    rows = list(
        dataset.rows.order_by("region_code", "id").values_list(
            "region_code", "year", "value", "symbol"
        )
    )
    assert rows == [
        ("DE-BE", 2014, 1.0, ""),
        ("DE-BE", 2014, 2.0, ""),
        ("DE-HB", 2014, 3.0, ""),
        ("DE-HB", 2014, None, "-"),
    ]


# A single-year table as users have it: the year only in a footnote. Illustrative values.
SINGLE_YEAR = (
    "GENESIS-Tabelle: 12999-0004\n"
    "Bevölkerung: Bundesländer, Migrationshintergrund;;\n"
    "Mikrozensus;;\n"
    "Bevölkerung (1000);;\n"
    ";Migrationshintergrund;Migrationshintergrund\n"
    ";mit Migrationshintergrund;ohne Migrationshintergrund\n"
    "Berlin;1,5;2,5\n"
    "Bremen;3;4\n"
    "__________\n"
    "Ergebnisse des Mikrozensus 2018\n"
    "© Statistisches Bundesamt (Destatis), 2019\n"
    "Stand: 01.08.2019 / 10:00:00\n"
)


def test_a_single_year_table_is_refused_with_the_year_option_named(tmp_path: Path) -> None:
    path = write(tmp_path, "12999-0004.csv", SINGLE_YEAR, "cp1252")
    problem = only_problem(path)
    assert (problem.row, problem.column) == (None, None)
    assert problem.message.startswith("The table has no time dimension.")
    assert problem.message.endswith(
        "(such as “Ergebnisse des Mikrozensus 2018”), give that year when importing: "
        f"ikoe import-benchmarks {path} --year 2018."
    )
    with translation.override("de"), pytest.raises(ImportFailed) as failed:
        import_benchmark_file(path)
    german = failed.value.problems[0].message
    assert german.startswith("Die Tabelle hat keine Zeitdimension.")
    assert german.endswith(
        f"geben Sie dieses Jahr beim Import an: ikoe import-benchmarks {path} --year 2018."
    )
    assert not BenchmarkDataset.objects.exists()


def test_a_single_year_table_imports_with_the_year_given(tmp_path: Path) -> None:
    path = write(tmp_path, "12999-0004.csv", SINGLE_YEAR, "cp1252")
    dataset = import_benchmark_file(path, year=2018)
    assert dataset.name == "12999-0004"
    rows = list(
        dataset.rows.order_by("region_code", "id").values_list(
            "region_code", "year", "period", "classification", "value"
        )
    )
    assert rows == [
        ("DE-BE", 2018, "2018", {"Migrationshintergrund": "mit Migrationshintergrund"}, 1.5),
        ("DE-BE", 2018, "2018", {"Migrationshintergrund": "ohne Migrationshintergrund"}, 2.5),
        ("DE-HB", 2018, "2018", {"Migrationshintergrund": "mit Migrationshintergrund"}, 3.0),
        ("DE-HB", 2018, "2018", {"Migrationshintergrund": "ohne Migrationshintergrund"}, 4.0),
    ]
    assert set(dataset.rows.values_list("measure", "unit")) == {("Bevölkerung", "1000")}


def test_a_year_given_for_a_table_with_its_own_time_is_refused() -> None:
    problem = only_problem(GENESIS / "21341-0003.csv", year=2018)
    assert (problem.row, problem.column) == (7, "2009 (C)")
    assert problem.message == (
        "The table has its own time (here “2009”), but the year 2018 was given for it. A year can "
        "only be given for a table without a time dimension; import this table without the year."
    )
    assert not BenchmarkDataset.objects.exists()


def test_a_year_given_for_a_table_of_that_one_year_changes_nothing() -> None:
    dataset = import_benchmark_file(GENESIS / "12411-0010.csv", year=2020)
    assert dataset.rows.count() == 16
    assert set(dataset.rows.values_list("year", "period")) == {(2020, "31.12.2020")}


def test_a_year_given_for_a_reference_csv_or_out_of_range_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "figures.csv", ENGLISH_CSV)
    assert only_problem(path, year=2023).message.startswith(
        "A year can only be given for a GENESIS table without a time dimension; this file is a "
        "reference CSV"
    )
    assert only_problem(GENESIS / "12411-0010.csv", year=20).message == (
        "The year 20 is outside 1900 to 2100. Expected a year such as 2018."
    )
    assert not BenchmarkDataset.objects.exists()


def test_a_genesis_table_by_land_stores_land_codes_and_keeps_dashes_as_symbols() -> None:
    theatres = import_benchmark_file(GENESIS / "21611-0111.csv")
    assert (
        theatres.rows.filter(region_code="DE-HB", year=2018, measure="Spielstätten").get().value
        == 12
    )
    professors = import_benchmark_file(GENESIS / "21341-0003.csv")
    dashes = professors.rows.filter(symbol="-")
    assert dashes.count() == 42
    assert not dashes.filter(value__isnull=False).exists()


def test_a_genesis_flat_file_imports_under_its_table_code() -> None:
    dataset = import_benchmark_file(FLAT)
    assert (dataset.name, dataset.format) == ("12411-0002", BenchmarkDataset.Format.GENESIS_FLAT)
    assert dataset.rows.count() == 4
    row = dataset.rows.get(year=2017, classification={"Nationalität": "Ausländer"})
    assert (row.value, row.symbol, row.period) == (9678868, "e", "2017-12-31")


def test_a_genesis_table_with_a_region_that_is_no_land_is_rejected(tmp_path: Path) -> None:
    text = (
        "GENESIS-Tabelle: 12999-0003\n"
        "Beispiel: Bundesländer, Jahre;;\n"
        "Beispielstatistik;;\n"
        "Anzahl der Beispiele (Anzahl);;\n"
        ";2022;2023\n"
        "Berlin;1;2\n"
        "Früheres Bundesgebiet;3;4\n"
        "Bremen;5;6\n"
        "__________\n"
        "© Statistisches Bundesamt (Destatis), 2024\n"
    )
    path = write(tmp_path, "12999-0003.csv", text, "cp1252")
    with translation.override("en"), pytest.raises(ImportFailed) as failed:
        import_benchmark_file(path)
    assert [(p.row, p.column) for p in failed.value.problems] == [(7, "2022 (B)"), (7, "2023 (C)")]
    assert failed.value.problems[0].message == (
        "The region “Früheres Bundesgebiet” is not Germany or a Land, so its figures cannot be used "
        "as benchmarks. Export the table for Germany or the Länder only."
    )
    assert not BenchmarkDataset.objects.exists()


# --- bad input ----------------------------------------------------------------------------------
# English text until the German translations exist; then assert the German text under "de".


def test_an_unknown_land_code_is_reported_with_row_and_column(tmp_path: Path) -> None:
    text = GERMAN_CSV.replace("DE-BW;Baden-Württemberg", "DE-XY;Baden-Württemberg")
    problem = only_problem(write(tmp_path, "codes.csv", text, "cp1252"))
    assert (problem.row, problem.column) == (3, "Regionscode")
    assert problem.message.startswith(
        "Unknown region code “DE-XY”. Expected DE for Germany, DE-BUND for the federal administration "
        "or the ISO code of a Land: DE-BW, DE-BY, DE-BE,"
    )
    assert not Benchmark.objects.exists()


def test_a_region_name_that_does_not_match_its_code_is_reported(tmp_path: Path) -> None:
    text = ENGLISH_CSV.replace("DE-BE,Berlin", "DE-BE,Bayern")
    problem = only_problem(write(tmp_path, "names.csv", text))
    assert (problem.row, problem.column) == (2, "region_name")
    assert (
        problem.message
        == "The region name “Bayern” does not match the code DE-BE, which stands for Berlin."
    )


def test_a_non_numeric_value_is_reported_with_row_and_column(tmp_path: Path) -> None:
    text = GERMAN_CSV.replace(";37,1;", ";viel;")
    problem = only_problem(write(tmp_path, "values.csv", text, "cp1252"))
    assert (problem.row, problem.column) == (3, "Wert (%)")
    assert (
        problem.message
        == "“viel” is not a number. Expected a percentage between 0 and 100, such as 39,4."
    )
    with translation.override("en"):
        assert str(problem).endswith("values.csv, row 3, column “Wert (%)”: " + problem.message)


def test_a_decimal_point_in_a_semicolon_file_is_reported_instead_of_read_as_thousands(
    tmp_path: Path,
) -> None:
    text = GERMAN_CSV.replace(";14,5;", ";14.5;")
    problem = only_problem(write(tmp_path, "points.csv", text, "cp1252"))
    assert (problem.row, problem.column) == (4, "Wert (%)")
    assert problem.message == (
        "“14.5” uses a decimal point, but semicolon-separated files use the decimal comma. "
        "Expected a percentage such as 39,4."
    )


def test_a_share_above_100_percent_is_reported(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, "range.csv", ENGLISH_CSV.replace(",39.4,", ",139.4,")))
    assert (problem.row, problem.column) == (2, "value_percent")
    assert (
        problem.message
        == "139.4 is outside 0 to 100. Expected a percentage between 0 and 100, such as 39.4."
    )


def test_a_bad_year_is_reported_with_row_and_column(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, "years.csv", ENGLISH_CSV.replace(",2024,", ",24,")))
    assert (problem.row, problem.column) == (3, "year")
    assert (
        problem.message
        == "“24” is not a valid year. Expected a four-digit year between 1900 and 2100, such as 2023."
    )


def test_an_empty_file_is_reported(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, "empty.csv", ""))
    assert problem.message == "The file is empty."
    assert (problem.file, problem.row, problem.column) == (str(tmp_path / "empty.csv"), None, None)


def test_a_header_without_rows_is_reported(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, "header.csv", ENGLISH_CSV.splitlines()[0] + "\n"))
    assert (problem.row, problem.message) == (2, "The file has a header row but no data rows.")


@pytest.mark.parametrize(
    ("content", "byte", "row"),
    [
        # UTF-16 with byte-order mark ("Unicode text" from Excel): the first NUL byte follows "R".
        (GERMAN_CSV.encode("utf-16"), 3, 1),
        # Binary, like the start of an XLSX workbook: 0x81 (undefined in Windows-1252) sits at
        # byte 8 + 0x81 = 137, after the line feed at byte 8 + 0x0a = 18, so in row 2.
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), 137, 2),
    ],
)
def test_a_file_in_the_wrong_encoding_is_reported(
    tmp_path: Path, content: bytes, byte: int, row: int
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_bytes(content)
    problem = only_problem(path)
    assert problem.row == row
    assert problem.column is None
    assert problem.message.startswith(
        f"The file is neither UTF-8 nor Windows-1252 text (byte {byte}). "
    )
    assert problem.message.endswith(
        "Save it as CSV (UTF-8) or CSV (semicolon-separated) and try again."
    )


def test_a_missing_column_is_reported_with_its_name(tmp_path: Path) -> None:
    lines = [line.rsplit(";", 1)[0] for line in GERMAN_CSV.splitlines()]
    problem = only_problem(write(tmp_path, "columns.csv", "\n".join(lines) + "\n", "cp1252"))
    assert (problem.row, problem.column) == (1, "source")
    assert problem.message.startswith(
        "The column “source” is missing. Expected the columns region_code, region_name, year, measure, "
        "concept, value_percent, derived, source in the first row"
    )


def test_a_duplicate_row_is_reported_with_the_row_it_repeats(tmp_path: Path) -> None:
    lines = GERMAN_CSV.splitlines()
    text = "\n".join([*lines, lines[1].replace(";39,4;", ";39,5;")]) + "\n"
    problem = only_problem(write(tmp_path, "twice.csv", text, "cp1252"))
    assert (problem.row, problem.column) == (5, "Regionscode, Jahr, Kennzahl, Konzept")
    assert problem.message == (
        "This row repeats row 2: the same region, year, measure and concept. "
        "Each figure may appear only once; delete one of the two rows."
    )


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        GERMAN_CSV.replace("DE-BW;", "XX;")
        .replace(";14,5;", ";abc;")
        .replace(";2023;", ";20x3;", 1)
    )
    with pytest.raises(ImportFailed) as failed:
        import_benchmark_file(write(tmp_path, "many.csv", text, "cp1252"))
    assert [(p.row, p.column) for p in failed.value.problems] == [
        (2, "Jahr"),
        (3, "Regionscode"),
        (4, "Wert (%)"),
    ]


def test_nothing_is_stored_and_nothing_replaced_when_a_file_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "figures.csv", ENGLISH_CSV)
    import_benchmark_file(path)
    before = sorted(Benchmark.objects.values_list("region_code", "value"))
    path.write_text(ENGLISH_CSV.replace(",16.2,", ",n/a,"))
    with pytest.raises(ImportFailed):
        import_benchmark_file(path)
    assert sorted(Benchmark.objects.values_list("region_code", "value")) == before
    assert BenchmarkDataset.objects.get().sha256 != ""


# --- command line -------------------------------------------------------------------------------


@pytest.fixture
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    yield
    translation.deactivate()


def test_the_command_prints_what_was_imported(english, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["import-benchmarks", str(GENESIS / "21341-0003.csv")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Imported the dataset “21341-0003” (GENESIS-Online table) from 21341-0003.csv: 390 figures.",
        "Regions: DE",
        "Years: 2009–2018",
        "Measures: Professoren (Anzahl)",
    ]


def test_the_command_takes_a_dataset_name_and_prints_json(english, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["import-benchmarks", str(REFERENCE), "--name", "reference", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["ok"], result["name"], result["rows"]) == (True, "reference", 52)
    assert result["years"] == [2017, 2018, 2019, 2021, 2023, 2024]
    assert result["regions"][:3] == ["DE", "DE-BUND", "DE-BW"]


def test_the_command_imports_a_single_year_table_with_year(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "12999-0004.csv", SINGLE_YEAR, "cp1252")
    assert cli.main(["import-benchmarks", str(path)]) == 1
    assert f"{path}: The table has no time dimension." in capsys.readouterr().err
    assert cli.main(["import-benchmarks", str(path), "--year", "2018"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Imported the dataset “12999-0004” (GENESIS-Online table) from 12999-0004.csv: 4 figures.",
        "Regions: DE-BE, DE-HB",
        "Years: 2018",
        "Measures: Bevölkerung (1000)",
    ]


def test_the_command_exits_1_and_prints_the_problem(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "codes.csv", GERMAN_CSV.replace("DE-BW;", "DE-XY;"), "cp1252")
    assert cli.main(["import-benchmarks", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{path}, row 3, column “Regionscode”: Unknown region code “DE-XY”." in captured.err
    assert captured.err.rstrip().endswith("Nothing was stored.")
    assert not BenchmarkDataset.objects.exists()


def test_an_english_region_name_is_accepted_whatever_the_active_language(tmp_path: Path) -> None:
    text = ENGLISH_CSV.replace("DE-BE,Berlin", "DE-BY,Bavaria")
    with translation.override("de"):
        dataset = import_benchmark_file(write(tmp_path, "bavaria.csv", text))
    assert dataset.rows.get(region_code="DE-BY").region_name == "Bayern"
