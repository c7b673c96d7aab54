"""``ikoe project``: JSON and German CSV, the example of the methodology, percentages and
fractions, answers that are not errors (reached, impossible) and input that is refused."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.utils import translation

from ikoe import cli
from ikoe.stats.projection import (
    required_hiring_share,
    steady_state,
    trajectory,
    years_to_target,
)

EXAMPLE = ["--share", "10%", "--target", "20%", "--years", "10", "--exit-rate", "5%"]


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


def project(capsys, *args: str, code: int = 0) -> dict:  # type: ignore[no-untyped-def]
    assert cli.main(["project", *args, "--json"]) == code
    return json.loads(capsys.readouterr().out)


def test_the_example_of_the_methodology(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = project(capsys, *EXAMPLE)
    assert doc["ok"] is True and doc["status"] == "feasible" and doc["reason"] is None
    assert doc["required_hiring_share"] == pytest.approx(0.349213, abs=1e-6)
    assert "years_to_target" not in doc  # only with --hiring-share
    # the trajectory at the required share: from 10 % to 20 % in year 10
    assert [p["year"] for p in doc["trajectory"]] == list(range(11))
    assert doc["trajectory"][0]["share"] == 0.1
    assert doc["trajectory"][10]["share"] == pytest.approx(0.2, abs=1e-12)
    assert doc["trajectory_hiring_share"] == doc["required_hiring_share"]
    assert doc["steady_state_share"] == doc["required_hiring_share"]
    assert (
        doc["inputs"] | {"share": 0.1, "target": 0.2, "years": 10, "exit_rate": 0.05}
        == doc["inputs"]
    )
    assert "34.92 % of the hires" in doc["summary"].replace("\u00a0", " ")


def test_with_a_hiring_share_the_years_to_target_and_its_trajectory(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = project(capsys, *EXAMPLE, "--hiring-share", "40%", "--growth", "1%")
    assert doc["years_to_target"] == pytest.approx(years_to_target(0.1, 0.2, 0.05, 0.4, 0.01))
    assert doc["required_hiring_share"] == pytest.approx(
        required_hiring_share(0.1, 0.2, 10, 0.05, 0.01).share
    )
    assert [p["share"] for p in doc["trajectory"]] == trajectory(0.1, 10, 0.05, 0.4, 0.01)
    assert doc["steady_state_share"] == 0.4 and doc["trajectory_hiring_share"] == 0.4
    # ln(0.2/0.3)/ln(0.95/1.01) = 6.62 years
    assert "after 6.6 years (during year 7)" in doc["summary"]


def test_separate_exit_rates(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = project(
        capsys,
        *EXAMPLE,
        "--exit-rate-group",
        "8%",
        "--exit-rate-other",
        "4%",
        "--hiring-share",
        "0.5",
    )
    rates = {"exit_rate_group": 0.08, "exit_rate_other": 0.04}
    need = required_hiring_share(0.1, 0.2, 10, 0.05, **rates)
    assert doc["required_hiring_share"] == pytest.approx(need.share, abs=1e-15)
    assert doc["steady_state_share"] == pytest.approx(steady_state(0.5, **rates))
    assert doc["steady_state_share"] == pytest.approx(0.5 * 0.04 / (0.5 * 0.04 + 0.5 * 0.08))
    assert [p["share"] for p in doc["trajectory"]] == trajectory(0.1, 10, 0.05, 0.5, **rates)
    assert doc["inputs"]["exit_rate_group"] == 0.08 and doc["inputs"]["exit_rate_other"] == 0.04
    # one rate given separately: the other is --exit-rate
    one = project(capsys, *EXAMPLE, "--exit-rate-group", "8%")
    assert one["inputs"]["exit_rate_other"] == 0.05
    assert one["required_hiring_share"] == pytest.approx(
        required_hiring_share(0.1, 0.2, 10, 0.05, exit_rate_group=0.08).share
    )


@pytest.mark.parametrize("share", ["10%", "10 %", "0.1", "0,1", ".1", "10,0%"])
def test_percentages_and_fractions_mean_the_same(english, capsys, share) -> None:  # type: ignore[no-untyped-def]
    doc = project(
        capsys, "--share", share, "--target", "0.2", "--years", "10", "--exit-rate", "0,05"
    )
    assert doc["inputs"]["share"] == pytest.approx(0.1)
    assert doc["required_hiring_share"] == pytest.approx(0.349213, abs=1e-6)


def test_a_negative_growth_may_follow_the_option_as_it_is(english, capsys) -> None:  # type: ignore[no-untyped-def]
    for growth in ("-2%", "-0.02", "\u22122 %", "-2,0%"):
        doc = project(capsys, *EXAMPLE, "--growth", growth)
        assert doc["inputs"]["growth"] == pytest.approx(-0.02)
        assert doc["required_hiring_share"] == pytest.approx(
            required_hiring_share(0.1, 0.2, 10, 0.05, -0.02).share
        )


def test_german_csv(german, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["project", *EXAMPLE, "--hiring-share", "40%", "--csv"]) == 0
    text = capsys.readouterr().out
    measures, path = text.split("\r\n\r\n")
    rows = dict(csv.reader(io.StringIO(measures), delimiter=";"))
    assert rows["measure"] == "value"
    assert rows["status"] == "feasible" and rows["reason"] == ""
    assert rows["required_hiring_share"].startswith("0,349213")
    assert float(rows["years_to_target"].replace(",", ".")) == pytest.approx(
        years_to_target(0.1, 0.2, 0.05, 0.4)
    )
    assert rows["steady_state_share"] == "0,4" and rows["share"] == "0,1"
    table = list(csv.reader(io.StringIO(path), delimiter=";"))
    assert table[0] == ["year", "share"] and len(table) == 12
    assert [float(s.replace(",", ".")) for _, s in table[1:]] == trajectory(0.1, 10, 0.05, 0.4)


def test_a_target_reached_already_is_an_answer(german, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = project(capsys, "--share", "25%", "--target", "20%", "--years", "5", "--exit-rate", "5%")
    assert doc["ok"] is True and doc["status"] == "reached"
    assert doc["required_hiring_share"] is None and doc["trajectory"] == []
    assert "bereits" in doc["summary"]  # German
    at = project(
        capsys,
        "--share",
        "25%",
        "--target",
        "20%",
        "--years",
        "5",
        "--exit-rate",
        "5%",
        "--hiring-share",
        "10%",
    )
    assert at["years_to_target"] == 0.0 and len(at["trajectory"]) == 6


def test_an_impossible_target_says_how_far_every_hire_gets(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = project(capsys, "--share", "10%", "--target", "50%", "--years", "2", "--exit-rate", "5%")
    assert doc["status"] == "impossible" and doc["reason"] == "above_all_hires"
    assert doc["required_hiring_share"] == pytest.approx(4.2026, abs=1e-4)
    assert doc["reachable_share"] == pytest.approx(0.18775)
    assert doc["trajectory_hiring_share"] == 1.0  # the most that hiring can do
    assert doc["trajectory"][-1]["share"] == pytest.approx(0.18775)
    assert "even if every hire had a migration background" in doc["summary"]


def test_more_than_the_pool_supplies(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = project(capsys, *EXAMPLE, "--pool", "30%")
    assert doc["status"] == "above_pool" and doc["reason"] == "above_pool"
    assert doc["reachable_share"] == pytest.approx(0.3 + (0.1 - 0.3) * 0.95**10)
    assert "applicant pool supplies (30" in doc["summary"]


def test_nobody_hired(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = project(capsys, "--share", "10%", "--target", "20%", "--years", "5", "--exit-rate", "0")
    assert (doc["status"], doc["reason"]) == ("impossible", "no_hires")
    assert doc["steady_state_share"] is None  # the share does not move
    assert {p["share"] for p in doc["trajectory"]} == {0.1}
    assert "Nobody is hired" in doc["summary"]


@pytest.mark.parametrize(
    ("args", "option", "says"),
    [
        (["--share", "20"], "--share", "„20“ ist mehrdeutig"),
        (["--share", "1"], "--share", "oder den Bruch 0,01"),
        (["--share", "120%"], "--share", "über 100"),
        (["--share", "zehn"], "--share", "keine Zahl"),
        (["--exit-rate=-5%"], "--exit-rate", "nicht negativ"),
        (["--years", "0"], "--years", "ganze Zahl von 1 bis 200"),
        (["--years", "2.5"], "--years", "ganze Zahl"),
        (["--growth", "-8%"], "--growth", "höchstens um 5"),
        (["--growth", "-100%"], "--growth", "ganzes Personal"),
        (["--exit-rate-group", "8%", "--growth", "-6%"], "--growth", "höchstens um 5"),
    ],
)
def test_bad_input_is_refused_in_german(german, capsys, args, option, says) -> None:  # type: ignore[no-untyped-def]
    values = dict(zip(EXAMPLE[::2], EXAMPLE[1::2], strict=True))
    for a in args:
        if "=" in a:
            name, value = a.split("=", 1)
            values[name] = value
    pairs = [a for a in args if "=" not in a]
    values |= dict(zip(pairs[::2], pairs[1::2], strict=True))
    argv = ["project", *(f"{k}={v}" for k, v in values.items()), "--csv"]
    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{option}: ")
    assert says in captured.err.replace("\u00a0", " "), captured.err


def test_every_problem_is_named_at_once_in_json(english, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = project(
        capsys, "--share", "20", "--target", "x", "--years", "ten", "--exit-rate=-1%", code=1
    )
    assert doc["ok"] is False
    assert [(p["code"], p["column"]) for p in doc["problems"]] == [
        ("ambiguous", "--share"),
        ("number", "--target"),
        ("years", "--years"),
        ("negative", "--exit-rate"),
    ]
    assert "write 20% for 20 percent, or the fraction 0.2" in doc["problems"][0]["text"].replace(
        "Write", "write"
    )


def test_the_help_is_german_and_shows_percent_signs(german, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit:
        cli.main(["project", "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert "--exit-rate-group" in out and "„5 %“" in out.replace("\u00a0", " ")
