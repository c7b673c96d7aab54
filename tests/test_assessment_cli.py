"""``ikoe import-assessments`` and ``ikoe assessment-scores``: assessments filled in elsewhere
become finished assessments whose scores are those computed by hand from the file; bad input
is refused with file, row and column, and nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from django.utils import translation

from ikoe import cli
from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment.imports import import_assessments
from ikoe.assessment.models import Answer, Assessment
from ikoe.errors import ImportFailed

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "assessment"
GOOD = DATA / "good.csv"
VERSION = "2025.1"  # tests/data/assessment/questionnaires/2025.1.yaml

# By hand from good.csv and the weights of the test questionnaire (level L is worth 25·L points;
# n/a leaves numerator and denominator):
A_AGY = {
    "strategy": (0.5 * 100 + 0.3 * 50) / 0.8,  # 1.3 n/a
    "organisation": 0.6 * 75 + 0.4 * 25,
    "personnel": 50.0,
    "services": (0.6 * 100 + 0.4 * 0 + 0.5 * 50) / 1.5,  # with the education module's 4.E1
    "training": (0.6 * 25 + 0.4 * 75 + 0.5 * 100) / 1.5,  # and 5.E1
    "funding": None,  # both items n/a
    "cooperation": 0.6 * 0 + 0.4 * 100,
}
A_AGY_OVERALL = sum(s for s in A_AGY.values() if s is not None) / 6
B_AGY_OVERALL = ((0.5 * 75 + 0.3 * 25 + 0.2 * 25) + 6 * 25) / 7


@pytest.fixture(autouse=True)
def test_questionnaire(monkeypatch):
    monkeypatch.setattr(questionnaires, "QUESTIONNAIRE_DIR", DATA / "questionnaires")


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    translation.deactivate()


def good_lines() -> list[str]:
    return GOOD.read_text(encoding="utf-8").splitlines()


def write(tmp_path: Path, lines: list[str], name: str = "checks.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def problems_of(path: Path, version: str = VERSION, **kwargs) -> list:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportFailed) as caught:
        import_assessments(path, version, **kwargs)
    assert Assessment.objects.count() == 0 and Answer.objects.count() == 0
    return caught.value.problems


def test_a_good_file_gives_one_finished_assessment_per_organisation(cast):
    imported = import_assessments(GOOD, VERSION)

    assert [i.assessment.organisation.code for i in imported] == ["A-AGY", "B-AGY"]
    a = Assessment.objects.get(organisation__code="A-AGY")
    assert a.finished and a.questionnaire_version == VERSION
    assert a.sectors == ["education"]
    assert a.source == "Import good.csv"
    assert a.sharing == Assessment.Sharing.PRIVATE
    stored = {s.dimension: s.score for s in a.scores.all()}
    assert stored.keys() == A_AGY.keys()
    assert stored == pytest.approx(A_AGY)  # funding None: both its items n/a
    assert a.overall_score == pytest.approx(A_AGY_OVERALL)  # 57.708…
    b = Assessment.objects.get(organisation__code="B-AGY")
    assert b.sectors == [] and b.overall_score == pytest.approx(B_AGY_OVERALL)  # 28.571…
    answers = {x.item_id: x for x in a.answers.all()}
    assert len(answers) == 17
    assert answers["1.1"].evidence_link == "https://example.org/strategie.pdf"
    assert answers["1.1"].evidence_text == ""
    assert answers["1.2"].evidence_text == "Beschluss der Hausleitung vom 3. März"
    assert [answers[i].level for i in ("1.3", "6.1", "6.2")] == [None, None, None]


def test_finished_on_sets_the_day(cast):
    import datetime as dt

    [a, _b] = import_assessments(GOOD, VERSION, dt.date(2025, 11, 30))
    a.assessment.refresh_from_db()
    assert a.assessment.finished_at.date() == dt.date(2025, 11, 30)
    assert a.assessment.started_at <= a.assessment.finished_at


def test_xlsx_and_parquet_are_read_like_csv(cast, tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    rows = [line.split(";") for line in good_lines()]
    path = tmp_path / "checks.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            if r and c == 2 and value.isdigit():
                sheet.write_number(r, c, int(value))  # a number cell, as Excel stores it
            elif value:
                sheet.write_string(r, c, value)
    book.close()
    from_xlsx = {
        i.assessment.organisation.code: i.scores.overall for i in import_assessments(path, VERSION)
    }
    assert from_xlsx["A-AGY"] == pytest.approx(A_AGY_OVERALL)

    frame = pl.DataFrame(
        {
            "organisation": [r[0] for r in rows[1:]],
            "item": [r[1] for r in rows[1:]],
            # levels as floats, n/a as null: read as 2 and as a missing level
            "level": [float(r[2]) if r[2].isdigit() else None for r in rows[1:]],
        }
    )
    parquet = tmp_path / "checks.parquet"
    frame.write_parquet(parquet)
    problems = problems_of_after(parquet, existing=2)
    # the n/a rows are empty cells in the Parquet file: a missing level, with its row
    assert [(p.row, p.column) for p in problems] == [(4, "level"), (15, "level"), (16, "level")]
    frame = frame.with_columns(pl.col("level").cast(pl.String).fill_null("n/a"))
    frame.write_parquet(parquet)
    from_parquet = {
        i.assessment.organisation.code: i.scores.overall
        for i in import_assessments(parquet, VERSION)
    }
    assert from_parquet["B-AGY"] == pytest.approx(B_AGY_OVERALL)


def problems_of_after(path: Path, existing: int) -> list:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportFailed) as caught:
        import_assessments(path, VERSION)
    assert Assessment.objects.count() == existing
    return caught.value.problems


def bad(lines: list[str], row: int, replacement: str | None) -> list[str]:
    """good.csv with its row ``row`` (header: 1) replaced (``None``: left out; row 0: the
    replacement added at the end)."""
    out = list(lines)
    if row == 0:
        out.append(replacement or "")
    elif replacement is None:
        del out[row - 1]
    else:
        out[row - 1] = replacement
    return out


@pytest.mark.parametrize(
    ("row", "replacement", "at", "column", "says"),
    [
        (0, "X-NONE;1.1;4;", 34, "organisation", "There is no organisation with the code “X-NONE”"),
        (4, "A-AGY;1.3;5;", 4, "level", "“5” is not a level; expected 0, 1, 2, 3, 4 or n/a"),
        (4, "A-AGY;1.3;viel;", 4, "level", "“viel” is not a level"),
        (4, "A-AGY;1.3;;", 4, "level", "The level is missing"),
        (0, ";1.3;2;", 34, "organisation", "The organisation is missing"),
        (0, "A-AGY;9.9;2;", 34, "item", "version 2025.1 has no item “9.9”"),
        (
            0,
            "A-AGY;1.2;2;",
            34,
            "item",
            "answers the item 1.2 a second time (first in row 3)",
        ),
        (
            10,
            None,
            2,
            "item",
            "The organisation A-AGY does not answer the core items 4.2; every core item",
        ),
        (
            14,
            None,
            11,
            "item",
            "answers items of the sector module “Education” but not 5.E1; a module is answered "
            "completely or not at all",
        ),
        (
            2,
            "A-AGY;1.1;4;https://exa mple.org",
            2,
            "evidence",
            "“https://exa mple.org” is not a valid web address",
        ),
    ],
)
def test_every_bad_row_is_named_and_nothing_is_stored(
    cast, english, tmp_path, row, replacement, at, column, says
):
    path = write(tmp_path, bad(good_lines(), row, replacement))
    problems = problems_of(path)
    assert len(problems) == 1, problems
    [problem] = problems
    assert (problem.file, problem.row, problem.column) == (str(path), at, column)
    assert says in problem.message


def test_organisations_that_do_not_take_the_check_are_refused(cast, english, tmp_path):
    lines = [good_lines()[0]] + [
        line.replace("B-AGY", "B-UNIT") for line in good_lines() if line.startswith("B-AGY")
    ]
    [problem] = problems_of(write(tmp_path, lines))
    assert (problem.row, problem.column) == (2, "organisation")
    assert "B-UNIT (Unit B) is a Unit, which does not take the IKÖ-Check" in problem.message
    assert "Land, Ministry, Agency" in problem.message


def test_an_unknown_version_lists_the_available_ones(cast, english):
    [problem] = problems_of(GOOD, version="2024.7")
    assert problem.message == "There is no questionnaire version “2024.7”; available: 2025.1."


def test_a_date_in_the_future_is_refused(cast, english):
    import datetime as dt

    [problem] = problems_of(GOOD, finished_on=dt.date.today() + dt.timedelta(days=400))
    assert "lies in the future" in problem.message


def test_a_missing_column_is_named(cast, english, tmp_path):
    lines = [";".join(line.split(";")[:2] + line.split(";")[3:]) for line in good_lines()]
    [problem] = problems_of(write(tmp_path, lines))
    assert (problem.row, problem.column) == (1, "level")
    assert "expected the columns organisation, item, level, evidence" in problem.message


def test_german_headings_and_comma_separated_files(cast, tmp_path):
    lines = ["Organisation,Item,Stufe,Nachweis"] + [
        ",".join(line.split(";")) for line in good_lines()[1:] if "Beschluss" not in line
    ]
    lines.insert(2, "A-AGY,1.2,2,")
    path = write(tmp_path, lines)
    path.write_bytes(path.read_text().encode("cp1252"))  # Windows-1252, as German Excel saves
    result = {
        i.assessment.organisation.code: i.scores.overall for i in import_assessments(path, VERSION)
    }
    assert result["A-AGY"] == pytest.approx(A_AGY_OVERALL)


def test_all_problems_are_listed_together(cast, english, tmp_path):
    lines = bad(bad(good_lines(), 0, "X-NONE;1.1;4;"), 20, "B-AGY;1.2;7;")
    lines = bad(lines, 7, "A-AGY;3.1;2;https://")
    problems = problems_of(write(tmp_path, lines))
    assert [(p.row, p.column) for p in problems] == [
        (7, "evidence"),
        (20, "level"),
        (34, "organisation"),
    ]


# --- the commands ---------------------------------------------------------------------------


def test_the_import_command_prints_a_summary(cast, english, capsys):
    assert cli.main(["import-assessments", str(GOOD), "--questionnaire", VERSION]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Imported 2 assessments (questionnaire 2025.1) from {GOOD}:"
    assert "17 items answered, 3 of them not applicable" in out
    assert "Sector modules: Education" in out
    assert "Overall score: 57.7 (Advanced)" in out
    assert "  1. Strategy and legal anchoring: 81.3" in out
    assert "  6. Funding programmes: not applicable" in out
    assert "Overall score: 28.6 (Building)" in out


def test_the_import_command_prints_json(cast, english, capsys):
    args = ["import-assessments", str(GOOD), "--questionnaire", VERSION, "--json"]
    assert cli.main([*args, "--finished-on", "2025-06-30"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True
    a, b = result["assessments"]
    assert (a["organisation"], a["finished"], a["sectors"]) == (
        "A-AGY",
        "2025-06-30",
        ["education"],
    )
    assert (a["items"], a["not_applicable"]) == (17, 3)
    assert a["overall_score"] == pytest.approx(A_AGY_OVERALL)
    assert a["band"] == {"de": "Fortgeschritten", "en": "Advanced"}
    assert [d["id"] for d in a["dimensions"]] == list(A_AGY)
    assert a["dimensions"][0]["score"] == pytest.approx(81.25)
    assert b["band"]["en"] == "Building"


def test_bad_input_exits_1_with_the_problems(cast, english, tmp_path, capsys):
    path = write(tmp_path, bad(good_lines(), 4, "A-AGY;1.3;5;"))
    assert cli.main(["import-assessments", str(path), "--questionnaire", VERSION]) == 1
    err = capsys.readouterr().err
    assert f"{path}, row 4, column “level”: “5” is not a level" in err
    assert "Nothing was stored." in err
    assert cli.main(["import-assessments", str(path), "--questionnaire", VERSION, "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False and result["more"] == 0
    [problem] = result["problems"]
    assert (problem["file"], problem["row"], problem["column"], problem["code"]) == (
        str(path),
        4,
        "level",
        "level",
    )
    assert problem["text"].startswith(f"{path}, row 4, column “level”: ")
    assert Assessment.objects.count() == 0


def test_messages_are_german_by_default(cast, tmp_path, capsys):
    path = write(tmp_path, bad(good_lines(), 0, "X-NONE;1.1;4;"))
    assert cli.main(["import-assessments", str(path), "--questionnaire", VERSION]) == 1
    err = capsys.readouterr().err
    assert f"{path}, Zeile 34, Spalte „organisation“: " in err
    assert "Es wurde nichts gespeichert." in err


def test_a_bad_date_is_refused_by_the_parser(cast, english, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(
            [
                "import-assessments",
                str(GOOD),
                "--questionnaire",
                VERSION,
                "--finished-on",
                "30.6.2025",
            ]
        )
    assert exit.value.code == 2
    assert "“30.6.2025” is not a date; expected YYYY-MM-DD" in capsys.readouterr().err


def test_assessment_scores_prints_the_latest_or_all(cast, english, tmp_path, capsys):
    import datetime as dt

    import_assessments(GOOD, VERSION, dt.date(2025, 1, 15))
    # A year later every level 4 of the file is a 3: A-AGY's strategy is (0.5·75 + 0.3·50) / 0.8.
    later = write(tmp_path, [line.replace(";4;", ";3;") for line in good_lines()])
    import_assessments(later, VERSION, dt.date(2026, 1, 15))
    capsys.readouterr()

    assert cli.main(["assessment-scores", "--organisation", "A-AGY"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "A-AGY Agency A – questionnaire 2025.1, finished on 2026-01-15"
    assert "  1. Strategy and legal anchoring: 65.6" in out  # 65.625

    assert cli.main(["assessment-scores", "--organisation", "A-AGY", "--all", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["finished"] for r in results] == ["2025-01-15", "2026-01-15"]
    assert results[0]["overall_score"] == pytest.approx(A_AGY_OVERALL)
    assert results[1]["dimensions"][0]["score"] == pytest.approx((0.5 * 75 + 0.3 * 50) / 0.8)

    assert cli.main(["assessment-scores", "--organisation", "A-AGY", "--all"]) == 0
    out = capsys.readouterr().out
    assert out.index("2025-01-15") < out.index("2026-01-15")

    assert cli.main(["assessment-scores", "--organisation", "B-AGY", "--json"]) == 0
    single = json.loads(capsys.readouterr().out)
    assert single["organisation"] == "B-AGY" and single["band"]["en"] == "Building"


def test_assessment_scores_says_when_there_is_nothing(cast, english, capsys):
    assert cli.main(["assessment-scores", "--organisation", "NOPE"]) == 1
    assert "There is no organisation with the code “NOPE”" in capsys.readouterr().err
    assert cli.main(["assessment-scores", "--organisation", "A-AGY"]) == 1
    assert "A-AGY (Agency A) has no finished IKÖ-Check." in capsys.readouterr().err


def test_both_commands_have_help(cast, english, capsys):
    for name in ("import-assessments", "assessment-scores"):
        with pytest.raises(SystemExit) as exit:
            cli.main([name, "--help"])
        assert exit.value.code == 0
    out = capsys.readouterr().out
    assert "--questionnaire VERSION" in out and "--finished-on YYYY-MM-DD" in out
    assert "--organisation CODE" in out and "--all" in out
