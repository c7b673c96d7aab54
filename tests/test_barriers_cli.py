"""``ikoe barriers``: JSON and German CSV output, pooling, a reference group, bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.utils import translation

from ikoe import cli
from ikoe.ingest.selection import read_selection
from ikoe.stats.barriers import OVERALL, WITH, WITHOUT, analyse_all, pool

DATA = Path(__file__).parent / "data" / "selection"
COUNTS = DATA / "verfahren_de.csv"
APPLICANTS = DATA / "bewerbende_en.csv"
FIELDS = [
    "entered",
    "passed",
    "selection_rate",
    "impact_ratio",
    "ir_ci_low",
    "ir_ci_high",
    "four_fifths",
    "test",
    "p_value",
    "p_holm",
    "shortfall",
    "flip_one_reverses",
]


@pytest.fixture
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    yield
    translation.deactivate()


@pytest.fixture
def german(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "de"
    yield
    translation.deactivate()


def run_json(capsys, *args: str) -> dict:  # type: ignore[no-untyped-def]
    assert cli.main(["barriers", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_every_stage_group_and_the_whole_procedure(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = run_json(capsys, str(COUNTS))
    assert doc["ok"] is True and doc["form"] == "counts" and doc["procedures"] == 2
    rows = doc["results"]
    assert len(rows) == 2 * 7 * 3  # procedures × (6 stages + whole procedure) × groups
    for field in ("procedure", "organisation", "year", "career_group", "stage", "group", *FIELDS):
        assert field in rows[0]
    police_test = next(
        r
        for r in rows
        if r["procedure"] == "Polizei-Anwärter 2024"
        and r["stage"] == "schriftlicher Test"
        and r["group"] == WITH
    )
    # 79 of 198 against 260 of 510: IR = 0.39899/0.50980 = 0.7826, adverse impact; z test.
    assert police_test["impact_ratio"] == pytest.approx((79 / 198) / (260 / 510))
    assert police_test["four_fifths"] is True and police_test["test"] == "z"
    assert police_test["compared_with"] == WITHOUT
    # Exactly what the statistics give for the file.
    table = read_selection(COUNTS)
    expected = [r for rs in analyse_all(table.procedures) for r in rs]
    assert [(r["stage"], r["group"], r["p_holm"]) for r in rows] == [
        (r.stage, r.group, r.p_holm) for r in expected
    ]
    overall = [r for r in rows if r["stage"] == OVERALL and r["group"] == WITH]
    assert [(r["entered"], r["passed"]) for r in overall] == [(240, 27), (150, 22)]
    assert "pooled" not in doc


def test_pooled_by_organisation_and_year(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = run_json(capsys, str(COUNTS), "--pool-by", "Dienststelle,year")
    assert doc["pool_by"] == ["organisation", "year"]
    expected = pool(read_selection(COUNTS).procedures, ["organisation", "year"])
    assert [p["odds_ratio"] for p in doc["pooled"]] == [p.odds_ratio for p in expected]
    assert [p["stage"] for p in doc["pooled"]][-1] == OVERALL
    first = doc["pooled"][0]
    for field in ("odds_ratio", "p_value", "homogeneity_statistic", "homogeneity_p", "strata"):
        assert field in first
    assert first["strata"] == 2


def test_a_reference_group_by_its_code(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = run_json(capsys, str(COUNTS), "--reference", "ohne")
    assert doc["reference"] == WITHOUT
    compared = {r["compared_with"] for r in doc["results"] if r["group"] == WITH}
    assert compared == {WITHOUT}


def test_one_row_per_applicant(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = run_json(capsys, str(APPLICANTS))
    assert doc["form"] == "applicants" and doc["stage_order"] == "known"
    hire = next(r for r in doc["results"] if r["stage"] == "Einstellung" and r["group"] == WITH)
    # 1 of 1 against 5 of 5: everybody who reached the hire was hired; Fisher, p = 1.
    assert (hire["selection_rate"], hire["test"], hire["p_value"]) == (1.0, "fisher", 1.0)


def test_german_csv(german, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["barriers", str(COUNTS), "--csv", "--pool-by", "organisation"]) == 0
    text = capsys.readouterr().out
    stages, pooled = text.split("\r\n\r\n")
    rows = list(csv.DictReader(io.StringIO(stages), delimiter=";"))
    assert list(rows[0])[:6] == [
        "procedure",
        "organisation",
        "year",
        "career_group",
        "stage",
        "group",
    ]
    assert set(FIELDS) <= set(rows[0])
    test = next(r for r in rows if r["stage"] == "schriftlicher Test" and r["group"] == WITH)
    assert test["four_fifths"] == "ja" and test["flip_one_reverses"] == "nein"
    assert test["impact_ratio"].startswith("0,78263") and "." not in test["impact_ratio"]
    assert next(r for r in rows if r["group"] == "keine Angabe")["p_value"] == ""
    pooled_rows = list(csv.DictReader(io.StringIO(pooled), delimiter=";"))
    assert len(pooled_rows) == 7 and pooled_rows[0]["odds_ratio"].startswith("0,")
    # --out writes the same with a byte-order mark for Excel.
    out = tmp_path / "barrieren.csv"
    assert cli.main(["barriers", str(COUNTS), "--csv", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfprocedure;organisation")
    assert capsys.readouterr().out == ""


def test_bad_input_exits_1_with_every_problem(english, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Verfahren;Stufe;Gruppe;Beworben;Bestanden\n"
        "P;Bewerbung;mit;10;12\n"
        "P;schriftlicher Test;mit;20;3\n"
        "P;Bewerbung;Ausland;4;1\n",
        encoding="utf-8",
    )
    assert cli.main(["barriers", str(bad), "--csv"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0].startswith(f"{bad}, row 2, column “Bestanden”: 12 passed, but only 10")
    assert lines[1].startswith(f"{bad}, row 4, column “Gruppe”: Unknown group “Ausland”")
    assert lines[-1] == "Nothing was stored."
    # With --json the problems come as JSON.
    assert cli.main(["barriers", str(bad), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    assert [(p["row"], p["column"]) for p in doc["problems"]] == [(2, "Bestanden"), (4, "Gruppe")]


def test_bad_options(english, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["barriers", str(COUNTS), "--csv", "--reference", "Ausland"]) == 1
    assert "The reference group “Ausland” does not occur in the file" in capsys.readouterr().err
    assert cli.main(["barriers", str(APPLICANTS), "--csv", "--pool-by", "career_group"]) == 1
    assert "the file has no such column" in capsys.readouterr().err
    assert cli.main(["barriers", str(COUNTS), "--csv", "--pool-by", "agency_type"]) == 1
    assert "use any of: procedure, organisation, year, career_group" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # --json or --csv is required
        cli.main(["barriers", str(COUNTS)])
