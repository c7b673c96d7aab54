"""``ikoe indicators``: protected indicators of an imported survey by any dimensions.

Uses the two-agencies × two-genders survey of :mod:`tests.test_survey_import` (counts and
hand-raked weights are worked out there) against a population benchmark of 39.4 % for Land A.
The command reads the restricted snapshot, which is moved into place when the import's
transaction commits, hence ``transaction=True``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
from ikoe.ingest import demo as demo_generator
from ikoe.surveys.demo import load_demo
from ikoe.surveys.pipeline import import_survey
from tests.test_survey_import import (
    FIVEFOLD,
    FIVEFOLD_WEIGHTED_SHARE,
    HEADER,
    TINY,
    people,
    respondent,
    run_cli,
    write_csv,
    write_tiny,
)

FIELDS = [
    "respondents",
    "declared",
    "share",
    "ci_low",
    "ci_high",
    "benchmark",
    "gap_pp",
    "index",
    "shortfall",
    "flags",
    "status",
    "symbol",
]
Z = 1.959963984540054  # two-sided 95 % normal quantile


def wilson(m: int, n: int) -> tuple[float, float]:
    """The Wilson score interval written out (docs/domain.md §4)."""
    p = m / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture(autouse=True)
def restricted(tmp_path: Path, settings) -> Path:
    path = tmp_path / "ikoe-data" / "restricted"
    settings.RESTRICTED_DIR = path
    return path


def add_benchmark(
    region: str, value: float, year: int = 2023, measure: str = "population_share"
) -> Benchmark:
    dataset, _ = BenchmarkDataset.objects.get_or_create(
        name="test", defaults={"title": "Test", "format": "csv", "file_name": "-", "sha256": ""}
    )
    return Benchmark.objects.create(
        dataset=dataset,
        region_code=region,
        region_name=region,
        year=year,
        measure=measure,
        definition="migrationshintergrund_weiterer_sinn",
        unit="%",
        value=value,
    )


@pytest.fixture
def tiny(cast, tmp_path):
    """The tiny survey, imported with its totals, and Land A's population share 39.4 %."""
    add_benchmark("DE-BE", 39.4)
    survey_file, totals = write_tiny(tmp_path)
    return import_survey(survey_file, name="klein", year=2024, totals=totals)


def indicators(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code, out, err = run_cli(["indicators", *args], capsys)
    if code == 0 and "--json" in args:
        return code, json.loads(out), err
    return code, out, err


def by_key(
    records: list[dict[str, Any]], *dims: str
) -> dict[tuple[str | None, ...], dict[str, Any]]:
    return {tuple(r[d] for d in dims): r for r in records}


# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_json_records_have_exactly_the_by_dimensions_and_the_indicator_fields(tiny, capsys):
    code, records, err = indicators(capsys, "--survey", "klein", "--by", "agency,gender", "--json")
    assert (code, err) == (0, "")
    assert len(records) == 4
    for record in records:
        assert list(record) == ["agency", "gender", *FIELDS]


@pytest.mark.django_db(transaction=True)
def test_the_unweighted_land_share_has_the_hand_computed_wilson_interval(tiny, capsys):
    code, records, _err = indicators(capsys, "--survey", "klein", "--by", "land", "--json")
    assert code == 0
    [land] = records
    assert (land["land"], land["respondents"], land["declared"]) == ("DE-BE", 30, 30)
    assert land["share"] == pytest.approx(11 / 30)
    low, high = wilson(11, 30)
    # p = 11/30, z² = 3.8415: centre (p + z²/60)/(1 + z²/30) = 0.38180, half-width 0.16306.
    assert (low, high) == (pytest.approx(0.218739, abs=1e-6), pytest.approx(0.544864, abs=1e-6))
    assert land["ci_low"] == pytest.approx(low, abs=1e-12)
    assert land["ci_high"] == pytest.approx(high, abs=1e-12)
    assert (land["status"], land["symbol"]) == ("published", "")


@pytest.mark.django_db(transaction=True)
def test_representation_against_the_lands_population_share_is_computed_as_in_domain_md(
    tiny, capsys
):
    code, records, _err = indicators(capsys, "--survey", "klein", "--by", "land,gender", "--json")
    assert code == 0
    cells = by_key(records, "gender")
    # w: 7 of 12; m: 4 of 18; benchmark b = 0.394.
    for gender, m, n in (("w", 7, 12), ("m", 4, 18)):
        r = m / n
        record = cells[(gender,)]
        assert record["benchmark"] == pytest.approx(0.394)
        assert record["gap_pp"] == pytest.approx(100 * (r - 0.394))
        assert record["index"] == pytest.approx(r / 0.394)
        assert record["shortfall"] == pytest.approx(n * 0.394 - m)
    assert cells[("m",)]["gap_pp"] == pytest.approx(-17.1778, abs=1e-4)
    # m: 22.2 % < 80 % of 39.4 % (31.5 %); 7.09 expected, 3.09 short; z = −3.09/2.07 = −1.49 (not ≤ −2);
    # P(X ≤ 4 | n = 18, b = 0.394) = 0.087 (not < 0.025).
    assert cells[("m",)]["flags"] == ["80_percent", "whole_person"]
    assert cells[("w",)]["flags"] == []


@pytest.mark.django_db(transaction=True)
def test_a_chosen_benchmark_replaces_the_lands_population_share(tiny, capsys):
    employed = add_benchmark("DE", 14.5, year=2019, measure="public_service_share")
    code, records, _err = indicators(
        capsys, "--survey", "klein", "--by", "land", "--benchmark", str(employed.pk), "--json"
    )
    assert code == 0
    assert records[0]["benchmark"] == pytest.approx(0.145)
    assert records[0]["gap_pp"] == pytest.approx(100 * (11 / 30 - 0.145))


@pytest.mark.django_db(transaction=True)
def test_weighted_indicators_use_the_post_stratified_share(cast, tmp_path, capsys):
    """Five times the tiny survey: no cell is sparse, so the weights are head count over
    respondents per organisation × gender, and the weighted share differs from the unweighted."""
    add_benchmark("DE-BE", 45.0)
    survey_file, totals = write_tiny(tmp_path, FIVEFOLD)
    import_survey(survey_file, name="klein", year=2024, totals=totals)
    code, records, _err = indicators(
        capsys, "--survey", "klein", "--by", "land", "--weighted", "--json"
    )
    assert code == 0
    [land] = records
    assert land["share"] == pytest.approx(FIVEFOLD_WEIGHTED_SHARE, rel=1e-9)
    assert abs(land["share"] - 55 / 150) > 0.02  # not the unweighted share
    assert land["gap_pp"] == pytest.approx(100 * (FIVEFOLD_WEIGHTED_SHARE - 0.45), rel=1e-9)
    # The basis of the shortfall is the weighted head count (400), not the respondents.
    assert land["shortfall"] == pytest.approx(400 * (0.45 - FIVEFOLD_WEIGHTED_SHARE), rel=1e-9)
    assert land["ci_low"] < land["share"] < land["ci_high"]


@pytest.mark.django_db(transaction=True)
def test_suppressed_cells_carry_a_symbol_but_no_share(tiny, capsys):
    code, records, _err = indicators(capsys, "--survey", "klein", "--by", "agency,gender", "--json")
    assert code == 0
    cells = by_key(records, "agency", "gender")
    # A-AGY w: 3 of 4, so one person without a migration background (".", besides the base
    # under 10); A-AGY m: 1 of 6 → one person ("."). A-AGY2 w: 4 of 8 → base under 10, and
    # its counts keep A-AGY w's open beside the Land's women (7), so "." rather than "/" (which
    # would tell that it has at least 3 without a migration background); A-AGY2 m: 3 of 12
    # would be published, but with the agency total it would give away A-AGY2 w (".").
    assert {k: (r["status"], r["symbol"]) for k, r in cells.items()} == {
        ("A-AGY", "w"): ("suppressed", "."),
        ("A-AGY", "m"): ("suppressed", "."),
        ("A-AGY2", "w"): ("suppressed", "."),
        ("A-AGY2", "m"): ("suppressed", "."),
    }
    for key, record in cells.items():
        if record["status"] == "suppressed":
            hidden = {
                f: record[f] for f in ("share", "ci_low", "ci_high", "gap_pp", "index", "shortfall")
            }
            assert hidden == dict.fromkeys(hidden), key
            assert record["flags"] == []
            assert record["declared"] > 0  # no count is below 3: the bases stay published


@pytest.mark.django_db(transaction=True)
def test_csv_output_has_a_header_of_the_dimensions_and_the_indicator_fields(tiny, capsys):
    code, out, _err = indicators(capsys, "--survey", "klein", "--by", "agency", "--csv")
    assert code == 0
    first = out.splitlines()[0]
    delimiter = ";" if ";" in first else ","
    rows = list(csv.reader(io.StringIO(out), delimiter=delimiter))
    assert rows[0] == ["agency", *FIELDS]
    assert sorted(r[0] for r in rows[1:]) == ["A-AGY", "A-AGY2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--survey", "gibt-es-nicht", "--by", "land"],
            "Es gibt keine Befragung „gibt-es-nicht“. Vorhandene Befragungen: klein.",
            id="unknown survey",
        ),
        pytest.param(
            ["--survey", "klein", "--by", "land,bundesland"],
            "Unbekanntes Gliederungsmerkmal bundesland; zulässig sind: land, ministry, agency,",
            id="unknown dimension",
        ),
        pytest.param(
            ["--survey", "klein", "--by", "land", "--definition", "mz"],
            "Die Antworten der Befragung lassen die Definition „mz“ nicht zu.",
            id="definition not derivable",
        ),
        pytest.param(
            ["--survey", "klein", "--by", "land", "--benchmark", "999999"],
            "Es gibt keinen Vergleichswert mit der ID 999999.",
            id="unknown benchmark",
        ),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_bad_requests_exit_1_with_a_german_message(tiny, capsys, args, message):
    code, out, err = indicators(capsys, *args, "--json")
    assert (code, out) == (1, "")
    assert message in err
    assert err.rstrip().endswith("Es wurde nichts gespeichert.")


@pytest.mark.django_db(transaction=True)
def test_a_dimension_the_survey_did_not_ask_exits_1_with_a_german_message(tiny, capsys):
    code, _out, err = indicators(capsys, "--survey", "klein", "--by", "land,leadership", "--json")
    assert code == 1
    assert "leadership" in err and "Es wurde nichts gespeichert." in err


@pytest.mark.django_db(transaction=True)
def test_a_repeated_dimension_does_not_crash_the_command(tiny, capsys):
    code, _out, _err = indicators(capsys, "--survey", "klein", "--by", "agency,agency", "--json")
    assert code in (0, 1)


@pytest.mark.django_db(transaction=True)
def test_weighted_indicators_of_a_survey_without_totals_exit_1(cast, tmp_path, capsys):
    import_survey(write_csv(tmp_path / "s.csv", TINY), name="ohne-gewichte", year=2024)
    code, _out, err = indicators(capsys, "--survey", "ohne-gewichte", "--weighted", "--json")
    assert code == 1
    assert "Zur Befragung liegen keine Personalbestandszahlen vor" in err


# ---------------------------------------------------------------------------------------------
# The demo survey unweighted: Berlin's 2024 ladder


@pytest.mark.django_db(transaction=True)
def test_the_demo_survey_unweighted_reproduces_berlins_shares_by_career_group(cast, capsys):
    load_demo()
    code, records, _err = indicators(
        capsys, "--survey", "demo-musterland-2024", "--by", "career_group", "--json"
    )
    assert code == 0
    shares = {r["career_group"]: r for r in records}
    for group, berlin in demo_generator.BERLIN_SHARE_BY_CAREER_GROUP.items():
        record = shares[group]
        assert record["status"] == "published"
        # The demo sets the count of each career group to round(share × declared).
        assert abs(record["share"] - berlin) <= 0.5 / record["declared"] + 1e-12, group
    ladder = [shares[g]["share"] for g in ("einfach", "mittel", "gehoben", "hoeher")]
    assert ladder == sorted(ladder, reverse=True)
    assert [round(100 * s, 1) for s in ladder] == [30.9, 23.5, 21.2, 19.0]


# ---------------------------------------------------------------------------------------------
# Nothing of a respondent leaves through the command line

SECRET_ID = "GEHEIM-ID-4711"
SECRET_COMMENT = "Vertraulicher Freitext 0815"


@pytest.mark.django_db(transaction=True)
def test_no_cli_output_contains_a_respondent_id_or_a_raw_answer(cast, tmp_path, capsys):
    rows = [[*r, ""] for r in people("A-AGY", 6, 12, 2) + people("A-AGY2", 4, 10, 1)]
    rows[0][0] = SECRET_ID
    rows[0][-1] = SECRET_COMMENT
    odd = respondent("R-ODD", "A-AGY2", True)
    odd[HEADER.index("immigration_year")] = "1953"  # a distinctive year
    rows.append([*odd, SECRET_COMMENT])
    header = (*HEADER, "Kommentar")
    path = write_csv(tmp_path / "befragung.csv", rows, header=header)
    outputs = []
    for args in (
        ["import-survey", str(path), "--name", "land-a-2024", "--year", "2024"],
        ["import-survey", str(path), "--name", "land-a-2024", "--year", "2024", "--json"],
    ):
        code, out, err = run_cli(args, capsys)
        assert code == 0
        outputs.append(out + err)
    for by in ("land", "agency", "agency,career_group,gender", "ministry,gender"):
        for fmt in ("--json", "--csv"):
            for definition in ("mighev", "eg"):
                code, out, err = indicators(
                    capsys, "--survey", "land-a-2024", "--by", by, "--definition", definition, fmt
                )
                assert code == 0
                outputs.append(json.dumps(out) if fmt == "--json" else out + err)
    for text in outputs:
        for secret in (SECRET_ID, "R-ODD", SECRET_COMMENT, "1953", "A-AGY-mittel-w-0"):
            assert secret not in text


@pytest.mark.django_db(transaction=True)
def test_a_table_that_cannot_be_protected_beside_the_published_ones_is_refused(
    cast, tmp_path, capsys
):
    # Published: A-AGY × höherer Dienst has 0 of 12 with a migration background (share 0 %).
    # By gender, its 2 men are too few to publish, so their count must stay open by 3
    # persons; but every cell that could move with it is published or known to be empty
    # (no men in A-AGY × mittlerer Dienst, no women in A-AGY2 × mittlerer Dienst …), which
    # fixes it at 2: the table cannot be released beside the others.
    rows = (
        people("A-AGY", 0, 2, career="hoeher", gender="m")
        + people("A-AGY", 0, 10, career="hoeher", gender="w")
        + people("A-AGY", 9, 21, career="mittel", gender="w")
        + people("A-AGY2", 9, 21, career="mittel", gender="m")
        + people("A-AGY2", 8, 20, career="hoeher", gender="w")
    )
    import_survey(write_csv(tmp_path / "s.csv", rows), name="streng", year=2024)
    code, out, err = indicators(
        capsys, "--survey", "streng", "--by", "agency,career_group,gender", "--json"
    )
    assert code != 0 and out == ""
    # Why, in one sentence a ministry employee understands.
    [reason] = [line for line in err.splitlines() if "Diese Tabelle" in line]
    assert reason.endswith(
        "Diese Tabelle wird nicht veröffentlicht: Nach „Geschlecht“ aufgeteilt, zerfielen "
        "bereits veröffentlichte Gruppen in so kleine Teile, dass sie sich aus den "
        "veröffentlichten Zahlen errechnen ließen; wählen Sie weniger oder gröbere Merkmale."
    )
    assert reason.count(".") == 1 and "2" not in reason  # one sentence, and no count of it
    # The published tables themselves come out as they are.
    code, records, _err = indicators(
        capsys, "--survey", "streng", "--by", "agency,career_group", "--json"
    )
    assert code == 0
    hoeher = by_key(records, "agency", "career_group")[("A-AGY", "hoeher")]
    assert (hoeher["share"], hoeher["status"]) == (0.0, "published")


def test_every_reason_for_a_refusal_is_one_sentence_in_german_and_in_english():
    from ikoe.surveys.figures import TableRefused

    refusals = [
        TableRefused("t", ["gender"]),
        TableRefused("t", ["career_group", "gender"]),
        TableRefused("t"),
        TableRefused("t", outdated=True),
    ]
    for language in ("de", "en"):
        with translation.override(language):
            reasons = [r.reason for r in refusals]
        for reason in reasons:
            assert reason.endswith(".") and reason.count(". ") == 0, reason
    with translation.override("en"):
        assert refusals[1].reason.startswith(
            "This table is not published: broken down by “Career group” and “Gender”, groups"
        )
    with translation.override("de"):
        assert refusals[1].reason.startswith(
            "Diese Tabelle wird nicht veröffentlicht: Nach „Laufbahngruppe“ und „Geschlecht“"
        )


@pytest.mark.django_db(transaction=True)
def test_a_table_beside_tables_protected_with_an_older_method_waits_for_them(tiny, capsys):
    # What the stored symbols tell depends on the method that made them.
    tiny.diagnostics["disclosure"]["method"] = "joint-statuses-1"
    tiny.save(update_fields=["diagnostics"])
    code, out, err = indicators(capsys, "--survey", "klein", "--by", "agency,gender", "--json")
    assert (code, out) == (1, "")
    assert "mit einem älteren Verfahren geschützt und müssen zuerst neu geschützt werden" in err
