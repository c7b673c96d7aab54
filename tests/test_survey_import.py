"""Importing a staff survey: ``ikoe import-survey`` and :func:`ikoe.surveys.pipeline.import_survey`.

The files are written by hand under the test cast's organisation codes (Land A: ``A-MIN`` with
the agencies ``A-AGY`` and ``A-AGY2``). Each respondent's raw answers are one of three patterns
so the expected figures can be counted by hand:

* ``yes``: not German, born abroad, immigrated 1990 → migration background (MighEV) and
  immigration history (Einwanderungsgeschichte);
* ``no``: German, neither the person nor a parent born abroad → none under either definition;
* ``None``: every question on citizenship and origin left unanswered → "unknown".

The snapshot is written to the restricted folder only when the database transaction commits,
so tests that look at restricted storage run with ``transaction=True``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from ikoe.cli import main
from ikoe.surveys import pipeline as surveys
from ikoe.surveys.models import IndicatorCell, Survey, SurveyPart
from ikoe.surveys.pipeline import clean_restricted_storage, import_survey
from ikoe.surveys.publication import needs_republishing

HEADER = (
    "respondent_id",
    "organisation",
    "career_group",
    "gender",
    "german",
    "born_abroad",
    "immigration_year",
    "mother_born_abroad",
    "father_born_abroad",
)


def answers(migration_background: bool | None, year: str = "1990") -> list[str]:
    """The raw answers (german … father_born_abroad) of the three patterns of the module docstring."""
    if migration_background is None:
        return ["", "", "", "", ""]
    if migration_background:
        return ["nein", "ja", year, "nein", "nein"]
    return ["ja", "nein", "", "nein", "nein"]


def respondent(
    rid: str,
    organisation: str,
    migration_background: bool | None,
    career: str = "mittel",
    gender: str = "w",
) -> list[str]:
    return [rid, organisation, career, gender, *answers(migration_background)]


def bare_survey(name: str, land: Any, *, published: bool = False, **fields: Any) -> Survey:
    """A survey of one Land stored without an import (no snapshot, no cells), with its part."""
    values: dict[str, Any] = {
        "title": name,
        "year": 2024,
        "respondents": 50,
        "snapshot": "none.parquet",
        "snapshot_sha256": "0" * 64,
        "diagnostics": {"definitions_derived": ["mighev_short"]},
        **fields,
    }
    survey = Survey.objects.create(name=name, land=land, published=published, **values)
    SurveyPart.objects.create(
        survey=survey, land=land, respondents=survey.respondents, published=published
    )
    return survey


def mark_published(surveys: QuerySet[Survey], published: bool = True) -> None:
    """Set the release flags of surveys and all their parts directly, without release records
    (as a database of an older version, or one restored from a backup, may hold them)."""
    SurveyPart.objects.filter(survey__in=surveys).update(published=published)
    surveys.update(published=published)


def people(
    organisation: str,
    yes: int,
    no: int,
    unknown: int = 0,
    *,
    prefix: str = "",
    career: str = "mittel",
    gender: str = "w",
) -> list[list[str]]:
    """``yes`` + ``no`` + ``unknown`` respondents of one organisation, with ids such as
    ``A-AGY-mittel-w-001`` (or ``<prefix>001``)."""
    statuses: list[bool | None] = [True] * yes + [False] * no + [None] * unknown
    tag = prefix or f"{organisation}-{career}-{gender}-"
    return [
        respondent(f"{tag}{i:03d}", organisation, s, career, gender)
        for i, s in enumerate(statuses, 1)
    ]


def write_csv(
    path: Path,
    rows: Iterable[Sequence[str]],
    header: Sequence[str] = HEADER,
    encoding: str = "utf-8-sig",
) -> Path:
    """A German CSV file (``;``; UTF-8 with byte-order mark unless told otherwise)."""
    text = "\n".join(";".join(r) for r in [header, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def basic_rows() -> list[list[str]]:
    """35 respondents of Land A: A-AGY 6 yes, 12 no, 2 unknown; A-AGY2 4 yes, 10 no, 1 unknown."""
    return people("A-AGY", 6, 12, 2) + people("A-AGY2", 4, 10, 1)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``ikoe`` and give (exit code, stdout, stderr); the language is restored afterwards."""
    language = translation.get_language()
    try:
        code = main(argv)
    finally:
        if language:
            translation.activate(language)
        else:
            translation.deactivate()
    out = capsys.readouterr()
    return code, out.out, out.err


def import_cli(
    capsys: pytest.CaptureFixture[str],
    path: Path,
    *extra: str,
    name: str = "land-a-2024",
    year: str = "2024",
) -> tuple[int, str, str]:
    """``ikoe import-survey PATH --name NAME --year YEAR [EXTRA…]``."""
    return run_cli(["import-survey", str(path), "--name", name, "--year", year, *extra], capsys)


def stored_files(restricted: Path) -> list[Path]:
    """Every file below the restricted directory, and any temporary folder of an import."""
    return sorted(p for p in restricted.rglob("*") if p.is_file() or p.name.startswith(".tmp-"))


@pytest.fixture(autouse=True)
def restricted(tmp_path: Path, settings) -> Path:
    """This test's own restricted storage (never the real ``var/``), named for the assertions."""
    path = tmp_path / "ikoe-data" / "restricted"
    settings.RESTRICTED_DIR = path
    return path


# ---------------------------------------------------------------------------------------------
# Success


@pytest.mark.django_db(transaction=True)
def test_a_survey_imported_through_the_cli_prints_its_counts_in_german(
    cast, tmp_path, restricted, capsys
):
    path = write_csv(tmp_path / "befragung.csv", basic_rows())
    code, out, err = import_cli(capsys, path)
    assert (code, err) == (0, "")
    cells = IndicatorCell.objects.count()
    lines = out.splitlines()
    assert lines[0] == "Befragung „land-a-2024“ (Land A, 2024) importiert: 35 Befragte."
    # 32 of 35 declared under both definitions: 91.4 %, in German number format.
    # Definitions by their names, not their codes.
    assert re.fullmatch(
        r"  Migrationshintergrund, Kurzform \(MighEV § 6\): 32 \D+ \(91,4 %\)", lines[1]
    ), lines[1]
    assert re.fullmatch(r"  Einwanderungsgeschichte \(Destatis\): 32 \D+ \(91,4 %\)", lines[2]), (
        lines[2]
    )
    assert lines[3:5] == [
        "  Nicht gewichtet (keine Personalbestandszahlen angegeben).",
        f"  {cells} geschützte Tabellenzellen veröffentlicht.",
    ]
    summary = Survey.objects.get().diagnostics["disclosure"]
    assert re.fullmatch(
        rf"  Geheimhaltung: {summary['primary']} primär und {summary['secondary']} sekundär "
        rf"gesperrte von {summary['cells']} Zellen \(k = 3, W = 3\); Prüfung bestanden, .*",
        lines[5],
    ), lines[5]


@pytest.mark.django_db(transaction=True)
def test_an_imported_survey_has_its_row_its_restricted_snapshot_and_its_protected_cells(
    cast, tmp_path, restricted, capsys
):
    path = write_csv(tmp_path / "befragung.csv", basic_rows())
    code, _out, _err = import_cli(capsys, path, "--title", "Befragung Land A")
    assert code == 0
    survey = Survey.objects.get()
    assert (survey.name, survey.title, survey.land.code, survey.year) == (
        "land-a-2024",
        "Befragung Land A",
        "DE-BE",
        2024,
    )
    assert (survey.respondents, survey.weighted, survey.published, survey.synthetic) == (
        35,
        False,
        False,
        False,
    )
    assert survey.diagnostics["definitions_derived"] == ["mighev_short", "einwanderungsgeschichte"]
    assert survey.diagnostics["declared"] == {"mighev_short": 32, "einwanderungsgeschichte": 32}
    assert survey.diagnostics["respondents_by_organisation"] == {"A-AGY": 20, "A-AGY2": 15}

    # The snapshot: in restricted storage, nothing else there, the checksum of what is stored.
    snapshot = restricted / "surveys" / survey.snapshot
    assert stored_files(restricted) == [snapshot]
    assert hashlib.sha256(snapshot.read_bytes()).hexdigest() == survey.snapshot_sha256
    assert pl.read_parquet(snapshot).height == 35

    # The protected cells, counted by hand: 10 of 32 declared overall; 6 of 18 and 4 of 14.
    land = IndicatorCell.objects.get(survey=survey, table="land", definition="mighev_short")
    assert (land.respondents, land.declared, land.yes, land.status) == (35, 32, 10, "published")
    assert land.share == pytest.approx(10 / 32)
    agencies = {
        c.dims["agency"]: (c.respondents, c.declared, c.yes, c.share)
        for c in IndicatorCell.objects.filter(
            survey=survey, table="land × ministry × agency", definition="mighev_short"
        )
    }
    assert agencies == {
        "A-AGY": (20, 18, 6, pytest.approx(6 / 18)),
        "A-AGY2": (15, 14, 4, pytest.approx(4 / 14)),
    }
    tables = set(IndicatorCell.objects.filter(survey=survey).values_list("table", flat=True))
    assert tables == {
        "land",
        "land × ministry",
        "land × ministry × agency",
        "land × career_group",
        "land × ministry × career_group",
        "land × gender",
        "land × ministry × agency × career_group",
    }


@pytest.mark.django_db(transaction=True)
def test_reimporting_under_the_same_name_replaces_the_survey_and_its_cells(
    cast, tmp_path, restricted, capsys
):
    first = write_csv(tmp_path / "v1.csv", basic_rows())
    second = write_csv(tmp_path / "v2.csv", people("A-AGY", 5, 15) + people("A-AGY2", 3, 17))
    assert import_cli(capsys, first)[0] == 0
    old = Survey.objects.get()
    assert import_cli(capsys, second)[0] == 0
    survey = Survey.objects.get()
    assert survey.pk != old.pk and survey.respondents == 40
    assert not IndicatorCell.objects.filter(survey_id=old.pk).exists()
    land = IndicatorCell.objects.get(survey=survey, table="land", definition="mighev_short")
    assert (land.respondents, land.declared, land.yes) == (40, 40, 8)
    assert (restricted / "surveys" / survey.snapshot).is_file()
    assert pl.read_parquet(restricted / "surveys" / survey.snapshot).height == 40


@pytest.mark.django_db(transaction=True)
def test_reimporting_under_the_same_name_leaves_only_the_new_snapshot_in_restricted_storage(
    cast, tmp_path, restricted
):
    import_survey(write_csv(tmp_path / "v1.csv", basic_rows()), name="land-a-2024", year=2024)
    import_survey(
        write_csv(tmp_path / "v2.csv", people("A-AGY", 5, 15)), name="land-a-2024", year=2024
    )
    survey = Survey.objects.get()
    assert stored_files(restricted) == [restricted / "surveys" / survey.snapshot]


@pytest.mark.django_db(transaction=True)
def test_cleaning_restricted_storage_removes_snapshots_no_survey_refers_to(
    cast, tmp_path, restricted
):
    import_survey(write_csv(tmp_path / "v1.csv", basic_rows()), name="land-a-2024", year=2024)
    import_survey(
        write_csv(tmp_path / "v2.csv", people("A-AGY", 5, 15)), name="land-a-2024", year=2024
    )
    folder = restricted / "surveys"
    interrupted = folder / ".tmp-interrupted"
    interrupted.mkdir()
    two_hours_ago = time.time() - 7200
    os.utime(interrupted, (two_hours_ago, two_hours_ago))
    being_written = folder / ".tmp-being-written"  # a snapshot written right now stays
    being_written.mkdir()
    (folder / "orphan.parquet").write_bytes(b"PAR1")
    survey = Survey.objects.get()
    assert clean_restricted_storage() == 2
    assert stored_files(restricted) == sorted([folder / survey.snapshot, being_written])


# ---------------------------------------------------------------------------------------------
# Bad input: exit 1, every problem with row and column, nothing stored


def nothing_stored(restricted: Path) -> None:
    assert not Survey.objects.exists()
    assert not IndicatorCell.objects.exists()
    assert stored_files(restricted) == []


def _rows_with(row: int, column: str, value: str) -> list[list[str]]:
    """The basic rows with one cell changed; ``row`` as a spreadsheet counts (header = 1)."""
    rows = basic_rows()
    rows[row - 2][HEADER.index(column)] = value
    return rows


FUTURE = str(timezone.now().year + 1)

BAD_CELLS = [
    pytest.param(
        3,
        "organisation",
        "X-NOPE",
        "„X-NOPE“ ist kein Code der Organisationshierarchie.",
        id="unknown organisation code",
    ),
    pytest.param(
        4,
        "career_group",
        "sehr hoch",
        "„sehr hoch“ ist kein gültiger Wert; erwartet wird einer der Werte ",
        id="value outside the code list",
    ),
    pytest.param(
        2,
        "immigration_year",
        FUTURE,
        f"Das Jahr {FUTURE} liegt in der Zukunft (nach {timezone.now().year}).",
        id="immigration year in the future",
    ),
]


@pytest.mark.parametrize(("row", "column", "value", "message"), BAD_CELLS)
@pytest.mark.django_db(transaction=True)
def test_a_bad_cell_is_reported_with_row_and_column_and_nothing_is_stored(
    cast, tmp_path, restricted, capsys, row, column, value, message
):
    path = write_csv(tmp_path / "befragung.csv", _rows_with(row, column, value))
    code, out, err = import_cli(capsys, path)
    assert (code, out) == (1, "")
    assert f"{path}, Zeile {row}, Spalte „{column}“: {message}" in err
    assert err.rstrip().endswith("Es wurde nichts gespeichert.")
    nothing_stored(restricted)


@pytest.mark.django_db(transaction=True)
def test_duplicate_respondent_ids_are_reported_at_the_repeated_row(
    cast, tmp_path, restricted, capsys
):
    rows = basic_rows()
    rows[5][0] = rows[0][0]  # row 7 repeats the id of row 2
    path = write_csv(tmp_path / "befragung.csv", rows)
    code, _out, err = import_cli(capsys, path)
    assert code == 1
    assert (
        f"Zeile 7, Spalte „respondent_id“: Die Befragten-ID „{rows[0][0]}“ kommt mehrfach vor; "
        "sie steht zuerst in Zeile 2." in err
    )
    assert "Es wurde nichts gespeichert." in err
    nothing_stored(restricted)


@pytest.mark.django_db(transaction=True)
def test_every_problem_of_a_file_is_listed_not_only_the_first(cast, tmp_path, restricted, capsys):
    rows = basic_rows()
    rows[1][HEADER.index("organisation")] = "X-NOPE"  # row 3
    rows[9][HEADER.index("gender")] = "x"  # row 11
    rows[20][HEADER.index("immigration_year")] = "neunzehnhundert"  # row 22
    path = write_csv(tmp_path / "befragung.csv", rows)
    code, _out, err = import_cli(capsys, path)
    assert code == 1
    lines = err.splitlines()
    assert [line.split(": ")[0].removeprefix(f"{path}, ") for line in lines[:-1]] == [
        "Zeile 3, Spalte „organisation“",
        "Zeile 11, Spalte „gender“",
        "Zeile 22, Spalte „immigration_year“",
    ]
    assert lines[-1] == "Es wurde nichts gespeichert."
    nothing_stored(restricted)


@pytest.mark.django_db(transaction=True)
def test_an_empty_file_is_rejected(cast, tmp_path, restricted, capsys):
    path = tmp_path / "leer.csv"
    path.write_bytes(b"")
    code, _out, err = import_cli(capsys, path)
    assert code == 1
    assert err.splitlines() == [f"{path}: Die Datei ist leer.", "Es wurde nichts gespeichert."]
    nothing_stored(restricted)


@pytest.mark.django_db(transaction=True)
def test_a_file_with_a_header_but_no_rows_is_rejected_at_the_header_row(
    cast, tmp_path, restricted, capsys
):
    path = write_csv(tmp_path / "kopf.csv", [])
    code, _out, err = import_cli(capsys, path)
    assert code == 1
    assert f"{path}, Zeile 1: Die Datei hat eine Kopfzeile, aber keine Datenzeilen." in err
    nothing_stored(restricted)


def _with_cp1252_byte(line: int, column: str) -> bytes:
    """The basic rows as UTF-8 with a byte-order mark, but with a Windows-1252 "ü" (0xFC) as the
    first character of ``column`` in spreadsheet row ``line``."""
    lines = "\n".join(";".join(r) for r in [HEADER, *basic_rows()]).encode("utf-8").split(b"\n")
    cells = lines[line - 1].split(b";")
    cells[HEADER.index(column)] = b"\xfc" + cells[HEADER.index(column)]
    lines[line - 1] = b";".join(cells)
    return b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n"


@pytest.mark.django_db(transaction=True)
def test_a_file_in_a_wrong_encoding_is_rejected_at_the_row_of_the_bad_byte(
    cast, tmp_path, restricted, capsys
):
    # A byte-order mark promises UTF-8, but row 4 holds a Windows-1252 "ü".
    path = tmp_path / "kaputt.csv"
    path.write_bytes(_with_cp1252_byte(4, "organisation"))
    code, _out, err = import_cli(capsys, path)
    assert code == 1
    assert f"{path}, Zeile 4: Die Datei ist weder UTF-8- noch Windows-1252-Text" in err
    assert "Es wurde nichts gespeichert." in err
    nothing_stored(restricted)


@pytest.mark.django_db(transaction=True)
def test_a_bad_byte_at_the_start_of_a_row_of_a_bom_file_is_reported_at_that_row_and_byte(
    cast, tmp_path, restricted, capsys
):
    data = _with_cp1252_byte(4, "respondent_id")
    offset = data.index(b"\xfc")
    path = tmp_path / "kaputt.csv"
    path.write_bytes(data)
    code, _out, err = import_cli(capsys, path)
    assert code == 1
    assert (
        f"{path}, Zeile 4: Die Datei ist weder UTF-8- noch Windows-1252-Text (Byte {offset})" in err
    )


@pytest.mark.django_db(transaction=True)
def test_a_utf16_file_is_rejected_as_neither_utf8_nor_windows_1252(
    cast, tmp_path, restricted, capsys
):
    path = write_csv(tmp_path / "utf16.csv", basic_rows(), encoding="utf-16")
    code, _out, err = import_cli(capsys, path)
    assert code == 1
    assert f"{path}, Zeile 1: Die Datei ist weder UTF-8- noch Windows-1252-Text" in err
    nothing_stored(restricted)


def test_a_survey_with_respondents_in_two_laender_imports_as_a_joint_survey(cast, tmp_path, capsys):
    path = write_csv(tmp_path / "zwei.csv", basic_rows() + people("B-AGY", 4, 10))
    code, out, _err = import_cli(capsys, path, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["land"] is None and result["lands"] == ["DE-BE", "DE-HH"]
    assert result["parts"]["DE-HH"]["respondents"] == 14
    survey = Survey.objects.get(name="land-a-2024")
    assert [(p.land.code, p.respondents) for p in survey.parts_list] == [
        ("DE-BE", 35),
        ("DE-HH", 14),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_survey_name_that_cannot_be_part_of_a_url_is_rejected(cast, tmp_path, restricted, capsys):
    path = write_csv(tmp_path / "befragung.csv", basic_rows())
    code, _out, err = import_cli(capsys, path, name="Land A 2024")
    assert code == 1
    assert "Es wurde nichts gespeichert." in err
    nothing_stored(restricted)


@pytest.mark.parametrize("year", ["-5", "99999"])
@pytest.mark.django_db(transaction=True)
def test_an_impossible_survey_year_is_rejected(cast, tmp_path, restricted, capsys, year):
    path = write_csv(tmp_path / "befragung.csv", basic_rows())
    code, _out, err = import_cli(capsys, path, year=year)
    assert code == 1
    assert "Es wurde nichts gespeichert." in err
    nothing_stored(restricted)


# ---------------------------------------------------------------------------------------------
# Failures inside the database transaction


@pytest.mark.django_db(transaction=True)
def test_an_import_that_fails_inside_the_transaction_leaves_no_trace(
    cast, tmp_path, restricted, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full while storing cells")

    monkeypatch.setattr(surveys, "store_cells", broken)
    path = write_csv(tmp_path / "befragung.csv", basic_rows())
    with pytest.raises(RuntimeError, match="disk full"):
        import_survey(path, name="land-a-2024", year=2024)
    nothing_stored(restricted)
    assert list((restricted / "surveys").iterdir()) == []  # not even an empty temporary folder


@pytest.mark.django_db(transaction=True)
def test_a_failed_reimport_keeps_the_previous_survey_whole(cast, tmp_path, restricted, monkeypatch):
    survey = import_survey(
        write_csv(tmp_path / "v1.csv", basic_rows()), name="land-a-2024", year=2024
    )
    cells = IndicatorCell.objects.filter(survey=survey).count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while storing cells")

    monkeypatch.setattr(surveys, "store_cells", broken)
    with pytest.raises(RuntimeError):
        import_survey(
            write_csv(tmp_path / "v2.csv", people("A-AGY", 5, 15)), name="land-a-2024", year=2024
        )
    kept = Survey.objects.get()
    assert (kept.pk, kept.respondents) == (survey.pk, 35)
    assert IndicatorCell.objects.filter(survey=kept).count() == cells
    assert stored_files(restricted) == [restricted / "surveys" / kept.snapshot]


@pytest.mark.django_db(transaction=True)
def test_an_import_inside_an_enclosing_transaction_keeps_its_snapshot(cast, tmp_path, restricted):
    path = write_csv(tmp_path / "befragung.csv", basic_rows())
    with transaction.atomic():
        survey = import_survey(path, name="land-a-2024", year=2024)
    assert (restricted / "surveys" / survey.snapshot).is_file()


@pytest.mark.django_db(transaction=True)
def test_an_import_inside_an_enclosing_transaction_that_rolls_back_publishes_no_snapshot(
    cast, tmp_path, restricted
):
    class Abandoned(Exception):
        pass

    path = write_csv(tmp_path / "befragung.csv", basic_rows())
    with pytest.raises(Abandoned), transaction.atomic():
        import_survey(path, name="land-a-2024", year=2024)
        raise Abandoned
    assert not Survey.objects.exists() and not IndicatorCell.objects.exists()
    # At most a temporary folder is left, for clean_restricted_storage(); no snapshot in place.
    assert list((restricted / "surveys").glob("*.parquet")) == []
    clean_restricted_storage()
    assert stored_files(restricted) == []


# ---------------------------------------------------------------------------------------------
# Weighting to personnel totals

# Two agencies × two genders, everybody declared (counted by hand):
#
#   respondents         w          m           staff (totals)   w     m
#   A-AGY          3 of 4 yes  1 of 6 yes        A-AGY         50    50
#   A-AGY2         4 of 8 yes  3 of 12 yes       A-AGY2       150   150
#
# The respondents are post-stratified to the cells of the totals, and every cell has fewer than
# 20 respondents: each is collapsed into the cell of the same gender at the parent organisation
# (A-MIN: w 12 respondents, m 18), then at the Land (DE-BE: the same), and at the top the gender
# is dropped: one cell, the Land, with 30 respondents and 400 staff. Every weight is 400/30, the
# weighted share of the Land is the unweighted 11/30, the Kish design effect 1.

TINY = (
    people("A-AGY", 3, 1, gender="w")
    + people("A-AGY", 1, 5, gender="m")
    + people("A-AGY2", 4, 4, gender="w")
    + people("A-AGY2", 3, 9, gender="m")
)
TINY_TOTALS = [
    ["A-AGY", "w", "50"],
    ["A-AGY", "m", "50"],
    ["A-AGY2", "w", "150"],
    ["A-AGY2", "m", "150"],
]
TINY_WEIGHTED_SHARE = 11 / 30

# Five times as many respondents in every cell (20, 30, 40, 60): no cell is sparse, and each
# respondent's weight is the head count of the cell over its respondents: A-AGY w 50/20 = 2.5,
# m 50/30 = 1.66…, A-AGY2 w 150/40 = 3.75, m 150/60 = 2.5. Weighted share of the Land:
#   (15·2.5 + 5·5/3 + 20·3.75 + 15·2.5) / 400 = (37.5 + 8.333… + 75 + 37.5) / 400 = 0.395833…
# (unweighted: 55/150 = 0.3667). Kish design effect n·Σw²/(Σw)²:
#   Σw² = 20·6.25 + 30·(5/3)² + 40·14.0625 + 60·6.25 = 1145.8333…; 150·1145.8333…/400² = 1.07421875.

FIVEFOLD = (
    people("A-AGY", 15, 5, gender="w")
    + people("A-AGY", 5, 25, gender="m")
    + people("A-AGY2", 20, 20, gender="w")
    + people("A-AGY2", 15, 45, gender="m")
)
FIVEFOLD_WEIGHTED_SHARE = (15 * 2.5 + 5 * 5 / 3 + 20 * 3.75 + 15 * 2.5) / 400


def write_tiny(tmp_path: Path, rows: Sequence[Sequence[str]] = TINY) -> tuple[Path, Path]:
    survey = write_csv(tmp_path / "klein.csv", rows)
    totals = write_csv(
        tmp_path / "personal.csv", TINY_TOTALS, header=("organisation", "gender", "headcount")
    )
    return survey, totals


@pytest.mark.django_db(transaction=True)
def test_a_survey_imported_with_totals_is_weighted_and_says_how(cast, tmp_path, capsys):
    survey_file, totals = write_tiny(tmp_path, FIVEFOLD)
    code, out, _err = import_cli(capsys, survey_file, "--totals", str(totals), name="klein")
    assert code == 0
    survey = Survey.objects.get()
    assert survey.weighted is True
    assert survey.population_size == 400
    weighting = survey.diagnostics["weighting"]
    assert weighting["method"] == "post-stratification"
    assert weighting["converged"] is True and weighting["iterations"] == 1
    assert weighting["weight_min"] == pytest.approx(5 / 3)
    assert weighting["weight_max"] == pytest.approx(3.75)
    assert weighting["design_effect"] == pytest.approx(1.07421875)
    assert weighting["population"] == pytest.approx(400)
    assert weighting["min_cell_respondents"] == 20
    [cells] = weighting["cells"]
    assert (cells["fine_cells"], cells["cells"], cells["collapsed"]) == (4, 4, 0)
    assert "Nach den Personalbestandszahlen gewichtet, durch Poststratifikation." in out
    assert "organisation × gender: gewichtet auf 4 Zellen; 0 von 4 Zellen" in out
    [line] = [x for x in out.splitlines() if "1,67–3,75" in x]  # weights in German format
    assert "1,07" in line  # design effect


@pytest.mark.django_db(transaction=True)
def test_the_weighted_land_share_is_the_post_stratified_share(cast, tmp_path):
    survey_file, totals = write_tiny(tmp_path, FIVEFOLD)
    survey = import_survey(survey_file, name="klein", year=2024, totals=totals)
    land = IndicatorCell.objects.get(survey=survey, table="land", definition="mighev_short")
    assert land.weighted is True
    assert land.share == pytest.approx(FIVEFOLD_WEIGHTED_SHARE, rel=1e-9)
    assert land.share == pytest.approx(0.3958333333)
    assert land.headcount == pytest.approx(400)
    assert (land.respondents, land.declared, land.yes) == (150, 150, 55)
    genders = {
        c.dims["gender"]: c.share
        for c in IndicatorCell.objects.filter(
            survey=survey, table="land × gender", definition="mighev_short"
        )
    }
    # w: (15·2.5 + 20·3.75)/200 = 0.5625; m: (5·5/3 + 15·2.5)/200 = 0.2291666…
    assert genders == {"w": pytest.approx(0.5625), "m": pytest.approx(45.8333333 / 200)}


@pytest.mark.django_db(transaction=True)
def test_sparse_cells_are_collapsed_up_to_the_land(cast, tmp_path):
    survey_file, totals = write_tiny(tmp_path)
    survey = import_survey(survey_file, name="klein", year=2024, totals=totals)
    land = IndicatorCell.objects.get(survey=survey, table="land", definition="mighev_short")
    assert land.share == pytest.approx(TINY_WEIGHTED_SHARE, rel=1e-12)
    assert land.headcount == pytest.approx(400)
    genders = {
        c.dims["gender"]: c.share
        for c in IndicatorCell.objects.filter(
            survey=survey, table="land × gender", definition="mighev_short"
        )
    }
    assert genders == {"w": pytest.approx(7 / 12), "m": pytest.approx(4 / 18)}
    [cells] = survey.diagnostics["weighting"]["cells"]
    assert (cells["fine_cells"], cells["cells"], cells["collapsed"]) == (4, 1, 4)
    assert cells["pooled"] == [
        {
            "organisation": "DE-BE",
            "classes": {},
            "cells": 4,
            "respondents": 30,
            "headcount": pytest.approx(400),
            "below_threshold": False,
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_the_weights_are_computed_again_from_the_restricted_snapshot(cast, tmp_path):
    survey_file, totals = write_tiny(tmp_path, FIVEFOLD)
    survey = import_survey(survey_file, name="klein", year=2024, totals=totals)
    data, design = surveys.load_frame(survey)
    assert design is not None and data.height == 150
    frame = data.select("agency", "gender").with_columns(pl.Series("w", design.weights)).unique()
    weights = {f"{agency}/{gender}": w for agency, gender, w in frame.iter_rows()}
    assert weights == {
        "A-AGY/w": pytest.approx(2.5),
        "A-AGY/m": pytest.approx(5 / 3),
        "A-AGY2/w": pytest.approx(3.75),
        "A-AGY2/m": pytest.approx(2.5),
    }


@pytest.mark.django_db(transaction=True)
def test_the_weighting_diagnostics_name_the_cells_as_the_totals_file_does(cast, tmp_path):
    survey_file, totals = write_tiny(tmp_path)
    survey = import_survey(survey_file, name="klein", year=2024, totals=totals)
    weighting = survey.diagnostics["weighting"]
    assert weighting["margins"] == ["organisation × gender"]
    assert weighting["files"] == ["personal.csv"]


# Totals by gender and by career group in separate files (the same 160 staff of A-AGY), with 20
# respondents in every gender × career group: raking reaches the product of the margins at
# once, (w, mittel) 100·80/160 = 50 persons for 20 respondents, 2.5 each; men 1.5 each.

CROSSED = [
    row
    for career in ("mittel", "gehoben")
    for gender, yes in (("w", 6), ("m", 3))
    for row in people("A-AGY", yes, 20 - yes, career=career, gender=gender)
]


def write_crossed(tmp_path: Path, career_totals: Sequence[str] = ("80", "80")) -> list[Path]:
    return [
        write_csv(
            tmp_path / "personal-geschlecht.csv",
            [["A-AGY", "w", "100"], ["A-AGY", "m", "60"]],
            header=("organisation", "gender", "headcount"),
        ),
        write_csv(
            tmp_path / "personal-laufbahn.csv",
            [["A-AGY", "mittel", career_totals[0]], ["A-AGY", "gehoben", career_totals[1]]],
            header=("organisation", "career_group", "headcount"),
        ),
    ]


@pytest.mark.django_db(transaction=True)
def test_totals_in_several_files_are_raked_across(cast, tmp_path, capsys):
    survey_file = write_csv(tmp_path / "umfrage.csv", CROSSED)
    by_gender, by_career = write_crossed(tmp_path)
    code, out, err = import_cli(
        capsys, survey_file, "--totals", str(by_gender), "--totals", str(by_career), name="kreuz"
    )
    assert (code, err) == (0, "")
    survey = Survey.objects.get()
    assert survey.population_size == 160
    assert survey.diagnostics["staff_by_organisation"] == {"A-AGY": 160}
    weighting = survey.diagnostics["weighting"]
    assert weighting["method"] == "raking" and weighting["converged"] is True
    assert weighting["margins"] == ["organisation × gender", "organisation × career_group"]
    assert weighting["files"] == ["personal-geschlecht.csv", "personal-laufbahn.csv"]
    land = IndicatorCell.objects.get(survey=survey, table="land", definition="mighev_short")
    # (2·6·2.5 + 2·3·1.5) / 160 = 39/160
    assert land.share == pytest.approx(39 / 160)
    data, design = surveys.load_frame(survey)
    assert design is not None
    frame = data.select("gender").with_columns(pl.Series("w", design.weights)).unique()
    assert {g: w for g, w in frame.iter_rows()} == {
        "w": pytest.approx(2.5),
        "m": pytest.approx(1.5),
    }
    assert "durch Raking über 2 Dateien mit Personalbestandszahlen" in out
    assert "organisation × career_group: gewichtet auf 2 Zellen" in out


@pytest.mark.django_db(transaction=True)
def test_totals_files_that_count_different_staff_are_rejected(cast, tmp_path, restricted, capsys):
    survey_file = write_csv(tmp_path / "umfrage.csv", CROSSED)
    by_gender, by_career = write_crossed(tmp_path, ("80", "90"))
    code, _out, err = import_cli(
        capsys, survey_file, "--totals", str(by_gender), "--totals", str(by_career), name="kreuz"
    )
    assert code == 1
    assert "personal-geschlecht.csv: 160, personal-laufbahn.csv: 170" in err
    assert "personal-laufbahn.csv" in err and "Spalte „headcount“" in err
    assert "Es wurde nichts gespeichert." in err
    nothing_stored(restricted)


@pytest.mark.django_db(transaction=True)
def test_answers_the_totals_do_not_list_are_rejected(cast, tmp_path, restricted, capsys):
    survey_file, totals = write_tiny(tmp_path, TINY + people("A-AGY", 1, 1, gender="d"))
    code, _out, err = import_cli(capsys, survey_file, "--totals", str(totals), name="klein")
    assert code == 1
    # the answers in words (“divers”, not the code “d”), and what the totals list
    assert "2 Befragte" in err and "„divers“" in err and "Spalte „gender“" in err
    assert "Frauen" in err
    assert "personal.csv" in err and "Es wurde nichts gespeichert." in err
    nothing_stored(restricted)


@pytest.mark.django_db(transaction=True)
def test_totals_of_another_land_are_rejected(cast, tmp_path, restricted, capsys):
    survey_file = write_csv(tmp_path / "klein.csv", TINY)
    totals = write_csv(
        tmp_path / "personal.csv",
        [*TINY_TOTALS, ["B-AGY", "w", "70"]],
        header=("organisation", "gender", "headcount"),
    )
    code, _out, err = import_cli(capsys, survey_file, "--totals", str(totals), name="klein")
    assert code == 1
    assert "DE-HH (70)" in err and "Spalte „organisation“" in err
    nothing_stored(restricted)


@pytest.mark.django_db(transaction=True)
def test_totals_that_miss_an_organisation_of_the_respondents_are_rejected(
    cast, tmp_path, restricted, capsys
):
    survey_file = write_csv(tmp_path / "klein.csv", TINY)
    totals = write_csv(
        tmp_path / "personal.csv", TINY_TOTALS[:2], header=("organisation", "gender", "headcount")
    )
    code, _out, err = import_cli(capsys, survey_file, "--totals", str(totals), name="klein")
    assert code == 1
    assert "Spalte „organisation“" in err and "Es wurde nichts gespeichert." in err
    nothing_stored(restricted)


@pytest.mark.django_db(transaction=True)
def test_republishing_weights_again_and_says_so(cast, tmp_path):
    """A survey weighted by the former raking to margins is post-stratified when its tables are
    protected again (``ikoe publish``), and its diagnostics say so."""
    survey_file, totals = write_tiny(tmp_path, FIVEFOLD)
    survey = import_survey(survey_file, name="klein", year=2024, totals=totals)
    former = {"method": "raking", "margins": ["organisation", "gender"], "iterations": 2}
    survey.diagnostics = {**survey.diagnostics, "weighting": former}
    survey.save(update_fields=["diagnostics"])
    # Its cells are out of date: ikoe serve protects them again at start, release waits.
    assert needs_republishing(survey)
    surveys.republish(survey)
    survey.refresh_from_db()
    weighting = survey.diagnostics["weighting"]
    assert weighting["method"] == "post-stratification"
    assert weighting["margins"] == ["organisation × gender"]
    assert weighting["min_cell_respondents"] == 20
    land = IndicatorCell.objects.get(survey=survey, table="land", definition="mighev_short")
    assert land.share == pytest.approx(FIVEFOLD_WEIGHTED_SHARE, rel=1e-9)
    assert not needs_republishing(survey)


@pytest.mark.django_db(transaction=True)
def test_a_totals_column_the_survey_did_not_ask_is_added_up(cast, tmp_path):
    """The totals break gender down by age group, which the survey did not ask: the cells are
    organisation × gender, with the age groups added up (50 = 20 + 30, …)."""
    survey_file = write_csv(tmp_path / "klein.csv", FIVEFOLD)
    totals = write_csv(
        tmp_path / "personal.csv",
        [
            [org, gender, age, count]
            for org, gender, total in TINY_TOTALS
            for age, count in (
                ("unter 30", str(int(total) * 2 // 5)),
                ("30-39", str(int(total) * 3 // 5)),
            )
        ],
        header=("organisation", "gender", "age_group", "headcount"),
    )
    survey = import_survey(survey_file, name="klein", year=2024, totals=totals)
    assert survey.diagnostics["weighting"]["margins"] == ["organisation × gender"]
    land = IndicatorCell.objects.get(survey=survey, table="land", definition="mighev_short")
    assert land.share == pytest.approx(FIVEFOLD_WEIGHTED_SHARE, rel=1e-9)


@pytest.mark.parametrize(
    "rows",
    [
        # five respondents: too few for any pattern of secret cells
        ["A-AGY;ja;nein"] * 4 + ["A-AGY;nein;ja"],
        # one agency, its Land no more than that agency: a secret cell has nothing beside it
        # to hide with (the engine's search once failed on it with "max() arg is an empty
        # sequence")
        ["A-AGY;nein;ja" if i % 5 == 0 else "A-AGY;ja;nein" for i in range(90)],
    ],
    ids=["five-respondents", "nothing-beside-a-secret-cell"],
)
def test_a_survey_that_cannot_be_protected_is_refused_with_a_message_not_a_crash(
    cast, tmp_path, rows
):
    from ikoe.errors import ImportFailed

    path = tmp_path / "klein.csv"
    path.write_text("organisation;german;born_abroad\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with translation.override("de"), pytest.raises(ImportFailed) as failed:
        import_survey(path, name="klein", year=2024)
    assert "statistische Geheimhaltung nicht schützen" in failed.value.report()
    assert not Survey.objects.exists() and not IndicatorCell.objects.exists()
