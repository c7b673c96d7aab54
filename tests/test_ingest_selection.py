"""The reader of selection data (ikoe.ingest.selection): both forms, every kind of bad input,
messages in German and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from ikoe.errors import ImportFailed
from ikoe.ingest.selection import read_selection
from ikoe.stats.barriers import NOT_DECLARED, WITH, WITHOUT

DATA = Path(__file__).parent / "data" / "selection"
HEADER = "Verfahren;Stufe;Gruppe;Beworben;Bestanden"


def write(tmp_path: Path, text: str, name: str = "verfahren.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(
    path: Path, language: str = "en", **kwargs
) -> list[tuple[int | None, str | None, str]]:  # type: ignore[no-untyped-def]
    with translation.override(language), pytest.raises(ImportFailed) as info:
        read_selection(path, **kwargs)
    return [(p.row, p.column, p.message) for p in info.value.problems]


# --------------------------------------------------------------------------------------------
# Both forms


def test_counts_in_german_conventions_and_windows_1252() -> None:
    table = read_selection(DATA / "verfahren_de.csv")
    assert table.form == "counts" and table.stage_order == "known" and table.rows == 36
    assert table.stages == (
        "Bewerbung",
        "formal geeignet",
        "schriftlicher Test",
        "Auswahlgespräch",  # read as Windows-1252
        "Angebot",
        "Einstellung",
    )
    assert table.groups == (WITH, WITHOUT, NOT_DECLARED)
    assert table.columns == ("organisation", "year", "career_group")
    police, tax = table.procedures
    assert (police.procedure, police.organisation, police.year, police.career_group) == (
        "Polizei-Anwärter 2024",
        "PP-Nord",
        2024,
        "gehobener Dienst",
    )
    assert police.count("schriftlicher Test", WITH) == (198, 79)
    assert police.count("Auswahlgespräch", WITHOUT) == (258, 120)  # two withdrew after the test
    assert tax.count("Einstellung", NOT_DECLARED) == (2, 2)


def test_one_row_per_applicant_is_aggregated() -> None:
    table = read_selection(DATA / "bewerbende_en.csv")
    assert table.form == "applicants" and table.rows == 34
    [p] = table.procedures
    assert p.stages == ("Bewerbung", "schriftlicher Test", "Auswahlgespräch", "Einstellung")
    # The file's last stages (tests/data/selection/README.md), without migration background:
    # 2 ended at Bewerbung (failed), 8 failed the test, 1 passed it and withdrew, 5 failed the
    # interview, 5 were hired. Entered Bewerbung 21, passed 19; the test 19 → 11; the
    # interview 10 → 5; hire 5 → 5.
    assert [p.count(s, WITHOUT) for s in p.stages] == [(21, 19), (19, 11), (10, 5), (5, 5)]
    # With: 2, 5, 2 failed at the three stages, 1 hired.
    assert [p.count(s, WITH) for s in p.stages] == [(10, 8), (8, 3), (3, 1), (1, 1)]
    # Not declared ("k.A."): 1 failed the test, 1 the interview, 1 hired.
    assert [p.count(s, NOT_DECLARED) for s in p.stages] == [(3, 3), (3, 2), (2, 1), (1, 1)]


def test_stage_order_from_a_column_and_from_first_appearance(tmp_path: Path) -> None:
    # Unknown stage names: with a stage_order column the numbers decide …
    text = (
        "procedure,stage,stage_order,group,entered,passed\n"
        "P,Interview,2,with,10,5\nP,Interview,2,without,20,12\n"
        "P,Screening,1,with,30,10\nP,Screening,1,without,40,20\n"
        "Q,Screening,1,with,5,5\nQ,Final round,3,with,4,1\nQ,Interview,2,with,5,4\n"
    )
    table = read_selection(write(tmp_path, text))
    assert table.stage_order == "column"
    assert table.stages == ("Screening", "Interview", "Final round")
    assert table.procedures[0].stages == ("Screening", "Interview")
    # … without it, the order of first appearance (counts only).
    text = "procedure,stage,group,entered,passed\nP,Screening,with,30,10\nP,Interview,with,10,5\n"
    table = read_selection(write(tmp_path, text))
    assert table.stage_order == "appearance" and table.stages == ("Screening", "Interview")
    # The order given (--stages) wins over everything.
    text = "procedure,stage,group,entered,passed\nP,Interview,with,10,5\nP,Screening,with,30,10\n"
    table = read_selection(write(tmp_path, text), stages=["screening", "interview"])
    assert table.stage_order == "given" and table.procedures[0].stages == ("Screening", "Interview")


def test_group_codes_and_further_groups(tmp_path: Path) -> None:
    text = f"{HEADER}\nP;Bewerbung;mit MH;10;5\nP;Bewerbung;ohne;10;5\nP;Bewerbung;k.A.;1;1\nP;Bewerbung;EU-Ausland;3;1\n"
    path = write(tmp_path, text)
    assert "“EU-Ausland”" in problems(path)[0][2]
    table = read_selection(path, groups=["EU-Ausland"])
    assert table.groups == (WITH, WITHOUT, NOT_DECLARED, "EU-Ausland")


def test_an_excel_workbook(tmp_path: Path) -> None:
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "verfahren.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Verfahren", "Jahr", "Stufe", "Gruppe", "Beworben", "Bestanden"])
    sheet.write_row(1, 0, ["P", 2024, "Bewerbung", "mit Migrationshintergrund", 12, 6])
    sheet.write_row(3, 0, ["P", 2024, "Bewerbung", "ohne Migrationshintergrund", 20, -1])
    book.close()
    assert problems(path) == [
        (4, "Bestanden", "Counts cannot be negative (“-1”). Expected a whole number of 0 or more.")
    ]


# --------------------------------------------------------------------------------------------
# Bad input: every problem with row and column, all of them in one list


def test_every_problem_of_a_counts_file_is_listed(tmp_path: Path) -> None:
    text = (
        f"{HEADER};Jahr\n"
        "P;Bewerbung;mit;10;12;2024\n"  # 2: passed > entered
        "P;Bewerbung;ohne;-3;0;2024\n"  # 3: negative
        "P;Bewerbung;Ausland;5;1;2024\n"  # 4: unknown group
        "P;schriftlicher Test;ohne;4;2;20x4\n"  # 5: bad year
        "Q;Bewerbung;mit;10;5;2024\n"
        "Q;schriftlicher Test;mit;8;3;2024\n"  # 7: more entered than passed before (5)
        "Q;schriftlicher Test;mit;8;3;2024\n"  # 8: repeats row 7
        "Q;Einstellung;mit;2,5;1;2024\n"  # 9: not a whole number
        ";Einstellung;ohne;;1;2024\n"  # 10: no procedure, empty count
    )
    found = problems(write(tmp_path, text))
    assert found == [
        (2, "Bestanden", "12 passed, but only 10 entered the stage. Expected at most as many passes as entrants."),
        (3, "Beworben", "Counts cannot be negative (“-3”). Expected a whole number of 0 or more."),
        (4, "Gruppe", "Unknown group “Ausland”. Expected “mit Migrationshintergrund”, “ohne Migrationshintergrund”, “keine Angabe”. Further groups are allowed when they are named: on the upload page under “Further groups”, on the command line with --group."),
        (5, "Jahr", "“20x4” is not a valid year. Expected a four-digit year between 1900 and 2100, such as 2024."),
        (9, "Beworben", "“2,5” is not a whole number. Expected a whole number of 0 or more."),
        (10, "Verfahren", "The procedure is empty. Expected the name or code of the selection procedure."),
        (10, "Beworben", "The cell is empty. Expected a whole number of 0 or more."),
        (8, "Stufe", "This row repeats row 7: the same procedure, stage and group. Each may appear only once; add the counts up or delete one of the rows."),
    ]  # fmt: skip


def test_more_entering_a_stage_than_passed_the_one_before(tmp_path: Path) -> None:
    text = f"{HEADER}\nQ;Bewerbung;mit;10;5\nQ;schriftlicher Test;mit;8;3\nQ;Bewerbung;ohne;10;5\n"
    assert problems(write(tmp_path, text)) == [
        (
            3,
            "Beworben",
            "8 applicants of the group “mit Migrationshintergrund” entered the stage “schriftlicher "
            "Test”, but only 5 passed the stage before (“Bewerbung”). Expected at most as many; are "
            "the stages in the right order?",
        )
    ]
    # A group without a row at the stage before counts 0 there.
    text = f"{HEADER}\nQ;Bewerbung;mit;10;5\nQ;schriftlicher Test;ohne;1;0\n"
    assert problems(write(tmp_path, text))[0][:2] == (3, "Beworben")


def test_stages_out_of_order(tmp_path: Path) -> None:
    head = "procedure;stage;stage_order;group;entered;passed\n"
    # One stage with two numbers, two stages with one number.
    text = head + "P;A;1;mit;10;5\nP;A;2;ohne;10;5\nP;B;1;mit;5;2\n"
    assert problems(write(tmp_path, text)) == [
        (3, "stage_order", "The stage “A” has the number 2 here but 1 in row 2 of the same procedure. Expected one number per stage."),
        (4, "stage_order", "The stages “A” (row 2) and “B” of the same procedure both have the number 1. Expected one stage per number."),
    ]  # fmt: skip
    # Two procedures that order the stages differently.
    text = head + "P;A;1;mit;10;5\nP;B;2;mit;5;2\nQ;B;1;mit;10;5\nQ;A;2;mit;5;2\n"
    [(row, column, message)] = problems(write(tmp_path, text))
    assert column == "stage_order" and row in (3, 5)
    assert message.startswith("The stages are out of order: in the procedure")
    # Two known stages of the same place in one procedure.
    text = f"{HEADER}\nP;formal geeignet;mit;10;5\nP;beförderungsfähig;mit;5;2\n"
    [(row, column, message)] = problems(write(tmp_path, text))
    assert (row, column) == (3, "Stufe") and "same place" in message
    # A stage outside the order given.
    text = f"{HEADER}\nP;Bewerbung;mit;10;5\nP;Probezeit;mit;5;2\n"
    [(row, column, message)] = problems(write(tmp_path, text), stages=["Bewerbung", "Einstellung"])
    assert (row, column) == (3, "Stufe") and "“Probezeit” is not one of the stages given" in message


def test_bad_applicant_rows(tmp_path: Path) -> None:
    text = (
        "applicant_id,procedure,group,last_stage,passed\n"
        "1,P,mit,Bewerbung,yes\n"
        "2,P,ohne,Bewerbung,maybe\n"  # not yes/no
        "1,P,ohne,Bewerbung,no\n"  # the same applicant again
        "3,P,mit,Probezeit,no\n"  # an unknown stage: its order cannot be known
    )
    assert problems(write(tmp_path, text)) == [
        (3, "passed", "“maybe” is not understood. Expected whether the applicant passed the last stage reached: ja or nein (yes/no, 1/0)."),
        (4, "applicant_id", "The applicant “1” already appears in row 2 of the same procedure. Expected one row per applicant."),
    ]  # fmt: skip
    text = "procedure,group,last_stage,passed\nP,mit,Bewerbung,yes\nP,mit,Probezeit,no\n"
    [(row, column, message)] = problems(write(tmp_path, text))
    assert (row, column) == (
        3,
        "last_stage",
    ) and "order of the stage “Probezeit” is not known" in message


def test_missing_columns_and_empty_files(tmp_path: Path) -> None:
    [(row, column, message)] = problems(
        write(tmp_path, "Verfahren;Stufe;Gruppe;Bestanden\nP;A;mit;3\n")
    )
    assert (row, column) == (1, "entered") and message.startswith("The column “entered” is missing")
    assert problems(write(tmp_path, "")) == [(None, None, "The file is empty.")]
    assert problems(write(tmp_path, f"{HEADER}\n")) == [
        (1, None, "The file has a header row but no data rows.")
    ]


def test_messages_in_german(tmp_path: Path) -> None:
    text = f"{HEADER}\nP;Bewerbung;mit;10;12\nP;Bewerbung;Ausland;5;1\nP;Test;mit;20;1\n"
    found = problems(write(tmp_path, text), language="de")
    assert found == [
        (2, "Bestanden", "12 haben bestanden, aber nur 10 haben die Stufe erreicht. Erwartet: höchstens so viele wie eingetreten."),
        (3, "Gruppe", "Unbekannte Gruppe „Ausland“. Erwartet: „mit Migrationshintergrund“, „ohne Migrationshintergrund“, „keine Angabe“. Weitere Gruppen sind erlaubt, wenn sie genannt werden: beim Hochladen im Feld „Weitere Gruppen“, auf der Kommandozeile mit --group."),
    ]  # fmt: skip
    with translation.override("de"), pytest.raises(ImportFailed) as info:
        read_selection(write(tmp_path, text))
    assert info.value.report().endswith("Es wurde nichts gespeichert.")
    assert "verfahren.csv, Zeile 2, Spalte „Bestanden“" in info.value.report()
