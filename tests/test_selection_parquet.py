"""Selection data as Parquet (ikoe.ingest.selection; docs/imports.md, "Selection procedures"):
both forms read as from CSV, the same checks and messages, row numbers as in the survey import
(the header is row 1, the first record row 2), and whole numbers stored as floating-point
numbers or as text read as the CSV path reads them. Through the upload page and the command
line too."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from django.utils import translation

from ikoe import cli
from ikoe.barriers.models import FunnelCell, SelectionData
from ikoe.errors import ImportFailed
from ikoe.ingest.selection import read_selection
from ikoe.stats.barriers import NOT_DECLARED, WITH, WITHOUT

DATA = Path(__file__).parent / "data" / "selection"
COUNTS = DATA / "verfahren_de.csv"  # German conventions, Windows-1252
APPLICANTS = DATA / "bewerbende_en.csv"
LAND_A = DATA / "auswahl_land_a.csv"


def counts_frame() -> pl.DataFrame:
    return pl.read_csv(COUNTS, separator=";", encoding="windows-1252")


def parquet(frame: pl.DataFrame, tmp_path: Path, name: str = "verfahren.parquet") -> Path:
    path = tmp_path / name
    frame.write_parquet(path)
    return path


def problems(
    path: Path, language: str = "en", **kwargs
) -> list[tuple[int | None, str | None, str]]:  # type: ignore[no-untyped-def]
    with translation.override(language), pytest.raises(ImportFailed) as info:
        read_selection(path, **kwargs)
    return [(p.row, p.column, p.message) for p in info.value.problems]


def same_table(a, b) -> None:  # type: ignore[no-untyped-def]
    """Everything but the file's name."""
    for field in ("form", "procedures", "stages", "groups", "columns", "stage_order", "rows"):
        assert getattr(a, field) == getattr(b, field), field
    assert a.headings == b.headings


# --------------------------------------------------------------------------------------------
# Both forms, as from CSV


def test_counts_as_parquet_give_what_the_csv_gives(tmp_path: Path) -> None:
    frame = counts_frame()
    assert frame.schema["Beworben"] == pl.Int64 and frame.schema["Jahr"] == pl.Int64
    table = read_selection(parquet(frame, tmp_path))
    same_table(table, read_selection(COUNTS))
    police = table.procedures[0]
    assert police.count("schriftlicher Test", WITH) == (198, 79)
    assert table.groups == (WITH, WITHOUT, NOT_DECLARED)


def test_applicants_as_parquet_give_what_the_csv_gives(tmp_path: Path) -> None:
    # passed stored as booleans, the group as a categorical column: read as yes/no and text.
    frame = pl.read_csv(APPLICANTS).with_columns(
        (pl.col("passed") == "yes").alias("passed"), pl.col("group").cast(pl.Categorical)
    )
    assert frame.schema["passed"] == pl.Boolean
    table = read_selection(parquet(frame, tmp_path, "bewerbende.parquet"))
    same_table(table, read_selection(APPLICANTS))
    assert table.form == "applicants"
    [p] = table.procedures
    assert [p.count(s, WITH) for s in p.stages] == [(10, 8), (8, 3), (3, 1), (1, 1)]


def test_the_stage_order_and_further_groups_are_taken_as_from_csv(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "procedure": ["P", "P", "P"],
            "stage": ["Interview", "Screening", "Screening"],
            "group": ["with", "with", "EU-Ausland"],
            "entered": [10, 30, 4],
            "passed": [5, 10, 3],
        }
    )
    path = parquet(frame, tmp_path)
    table = read_selection(path, stages=["screening", "interview"], groups=["EU-Ausland"])
    assert table.stage_order == "given" and table.procedures[0].stages == ("Screening", "Interview")
    assert table.groups == (WITH, "EU-Ausland")
    [(row, column, message)] = problems(path, stages=["screening", "interview"])
    assert (row, column) == (4, "group") and message.startswith("Unknown group “EU-Ausland”.")


# --------------------------------------------------------------------------------------------
# Numbers stored otherwise


def test_whole_numbers_stored_as_floats_or_text_are_read_as_from_csv(tmp_path: Path) -> None:
    # An export through pandas writes counts with a gap as floats (12.0), or every column as
    # text: both are the counts of the file, as “12,0” is 12 in a German CSV file.
    frame = counts_frame().with_columns(
        pl.col("Beworben").cast(pl.Float64),
        pl.col("Bestanden").cast(pl.String),
        pl.col("Jahr").cast(pl.Float64),
    )
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.col("Bestanden") + ".0")
        .otherwise(pl.col("Bestanden"))
        .alias("Bestanden")
    )
    assert frame["Bestanden"][0] == "220.0" and frame["Beworben"][0] == 240.0
    same_table(read_selection(parquet(frame, tmp_path)), read_selection(COUNTS))


def test_numbers_that_are_not_whole_are_refused_with_row_and_column(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "Verfahren": ["P"] * 6,
            "Stufe": ["Bewerbung"] * 6,
            "Gruppe": ["mit", "ohne", "k.A.", "EU", "EU2", "EU3"],
            "Beworben": [12.5, float("nan"), None, 1e300, 10.0, float("inf")],
            "Bestanden": ["3", "12,0", "1.234", "2", "-1", "4"],
        }
    )
    found = problems(parquet(frame, tmp_path), groups=["EU", "EU2", "EU3"])
    assert found == [
        (2, "Beworben", "“12.5” is not a whole number. Expected a whole number of 0 or more."),
        (3, "Beworben", "The cell is empty. Expected a whole number of 0 or more."),
        # Text is read with the decimal point: a German “12,0” or “1.234” is not taken for a
        # whole number, as it could be either.
        (3, "Bestanden", "“12,0” is not a whole number. Expected a whole number of 0 or more."),
        (4, "Beworben", "The cell is empty. Expected a whole number of 0 or more."),
        (4, "Bestanden", "“1.234” is not a whole number. Expected a whole number of 0 or more."),
        (5, "Beworben", "“1e+300” is not a whole number. Expected a whole number of 0 or more."),
        (6, "Bestanden", "Counts cannot be negative (“-1”). Expected a whole number of 0 or more."),
        (7, "Beworben", "“inf” is not a whole number. Expected a whole number of 0 or more."),
    ]


# --------------------------------------------------------------------------------------------
# The checks and messages of the CSV path


def test_more_passed_than_entered_is_named_with_row_and_column(tmp_path: Path) -> None:
    frame = pl.read_csv(LAND_A, separator=";").with_columns(
        pl.when(pl.int_range(pl.len()) == 3)  # the fourth record: row 5, as in the CSV file
        .then(200)
        .otherwise(pl.col("Bestanden"))
        .alias("Bestanden")
    )
    path = parquet(frame, tmp_path, "auswahl.parquet")
    message = (
        "200 passed, but only 180 entered the stage. Expected at most as many passes as entrants."
    )
    assert problems(path) == [(5, "Bestanden", message)]
    with translation.override("de"), pytest.raises(ImportFailed) as info:
        read_selection(path)
    assert info.value.report() == (
        f"{path}, Zeile 5, Spalte „Bestanden“: 200 haben bestanden, aber nur 180 haben die Stufe "
        "erreicht. Erwartet: höchstens so viele wie eingetreten.\nEs wurde nichts gespeichert."
    )
    # The same row of the same table as CSV has the same number.
    csv = tmp_path / "auswahl.csv"
    frame.write_csv(csv, separator=";")
    assert problems(csv) == [(5, "Bestanden", message)]


def test_missing_columns_blank_records_and_columns_of_other_types(tmp_path: Path) -> None:
    frame = pl.DataFrame({"Verfahren": ["P"], "Stufe": ["A"], "Gruppe": ["mit"], "Bestanden": [3]})
    [(row, column, message)] = problems(parquet(frame, tmp_path))
    assert (row, column) == (1, "entered") and message.startswith("The column “entered” is missing")
    # A record with nothing in it is skipped but counted, as a blank line of a CSV file.
    frame = pl.DataFrame(
        {
            "Verfahren": ["P", None, "P"],
            "Stufe": ["Bewerbung", None, "Bewerbung"],
            "Gruppe": ["mit", None, "ohne"],
            "Beworben": [10, None, 5],
            "Bestanden": [12, None, 5],
        }
    )
    assert problems(parquet(frame, tmp_path)) == [
        (2, "Bestanden", "12 passed, but only 10 entered the stage. Expected at most as many passes as entrants.")
    ]  # fmt: skip
    # A column of lists is refused where the analysis needs it, ignored elsewhere.
    frame = pl.DataFrame(
        {
            "Verfahren": ["P"],
            "Stufe": ["Bewerbung"],
            "Gruppe": ["mit"],
            "Beworben": [[10, 2]],
            "Bestanden": [5],
            "Notizen": [["a", "b"]],
        }
    )
    [(row, column, message)] = problems(parquet(frame, tmp_path))
    assert (row, column) == (1, "Beworben")
    assert message == (
        "The column has the type List(Int64), which selection data cannot use; expected text, "
        "whole numbers or yes/no."
    )
    table = read_selection(parquet(frame.with_columns(pl.lit(10).alias("Beworben")), tmp_path))
    assert table.procedures[0].count("Bewerbung", WITH) == (10, 5)


def test_a_file_that_is_not_parquet_or_too_large(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    fake = tmp_path / "verfahren.parquet"
    fake.write_bytes(COUNTS.read_bytes())
    assert problems(fake) == [
        (None, None, "The file cannot be read as Parquet: the file does not begin as a Parquet file does")
    ]  # fmt: skip
    broken = tmp_path / "kaputt.parquet"
    broken.write_bytes(parquet(counts_frame(), tmp_path).read_bytes()[:200])
    [(row, column, message)] = problems(broken)
    assert message.startswith("The file cannot be read as Parquet: ")
    settings.IMPORT_MAX_ROWS = 30
    [(row, column, message)] = problems(parquet(counts_frame(), tmp_path))
    assert message.startswith("The file has 37 rows;")  # 36 records and the header


# --------------------------------------------------------------------------------------------
# The command line and the upload page


@pytest.fixture
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    yield
    translation.deactivate()


def test_ikoe_barriers_reads_parquet(english, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = parquet(counts_frame(), tmp_path)
    assert cli.main(["barriers", str(path), "--json"]) == 0
    from_parquet = json.loads(capsys.readouterr().out)
    assert cli.main(["barriers", str(COUNTS), "--json"]) == 0
    from_csv = json.loads(capsys.readouterr().out)
    assert from_parquet.pop("file") == str(path) and from_csv.pop("file") == str(COUNTS)
    assert from_parquet == from_csv and from_parquet["results"]


@pytest.mark.django_db
def test_the_upload_page_and_import_selection_take_parquet(
    client_data_steward_a, tmp_path: Path
) -> None:
    path = parquet(pl.read_csv(LAND_A, separator=";"), tmp_path, "auswahl.parquet")
    with path.open("rb") as file:
        response = client_data_steward_a.post(
            "/auswahlverfahren/hochladen/", {"file": file, "name": "be-auswahl-2024", "title": "P"}
        )
    assert response.status_code == 302
    data = SelectionData.objects.get(name="be-auswahl-2024")
    assert data.source_name == "auswahl.parquet" and data.procedures == 2
    cell = FunnelCell.objects.get(
        data=data, pooling="procedure", organisation__code="A-AGY", stage="Bewerbung", group=WITH
    )
    assert (cell.entered, cell.passed) == (200, 180)
    assert (
        cli.main(["import-selection", str(path), "--name", "be-auswahl-2", "--land", "DE-BE"]) == 0
    )
    assert SelectionData.objects.get(name="be-auswahl-2").procedures == 2
