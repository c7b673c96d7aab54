"""Interim disclosure rules (ikoe.monitoring.publication) with the default settings: cells with
fewer than 3 declared respondents, with 1 or 2 persons with a migration background, or where
everybody declared has one are secret (``.``); bases under 10 publish no share (``/``); a sibling
group with exactly one suppressed cell gets a second one suppressed (secondary).

First on hand-made tables, then end to end through an import whose cells land in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ikoe.monitoring.models import IndicatorCell
from ikoe.monitoring.publication import DisclosureRules, primary_reason, protect_estimates
from ikoe.monitoring.surveys import import_survey
from tests.test_survey_import import people, write_csv

SENSITIVE = ("yes", "share", "se", "ci_lower", "ci_upper")


def table(rows: Sequence[tuple[Any, ...]], by: Sequence[str] = ("unit",)) -> pl.DataFrame:
    """An estimates table: the ``by`` values, then declared and yes (everybody declared)."""
    width = len(by)
    declared = [int(r[width]) for r in rows]
    yes = [int(r[width + 1]) for r in rows]
    share = [y / n if n else None for y, n in zip(yes, declared, strict=True)]
    return pl.DataFrame(
        {
            **{d: [r[i] for r in rows] for i, d in enumerate(by)},
            "respondents": declared,
            "declared": declared,
            "yes": yes,
            "share": share,
            "se": [0.01] * len(rows),
            "ci_lower": [0.0] * len(rows),
            "ci_upper": [1.0] * len(rows),
        }
    )


def protect(
    rows: Sequence[tuple[Any, ...]], by: Sequence[str] = ("unit",)
) -> dict[tuple[Any, ...], dict]:
    out = protect_estimates(table(rows, by), list(by), DisclosureRules())
    return {tuple(r[d] for d in by): r for r in out.iter_rows(named=True)}


def verdict(cell: dict) -> tuple[str, str, str]:
    return cell["status"], cell["symbol"], cell["reason"]


# ---------------------------------------------------------------------------------------------
# Primary rules


def test_a_cell_with_two_declared_respondents_is_secret():
    cells = protect([("a", 2, 0), ("b", 40, 12), ("c", 40, 12)])
    assert verdict(cells[("a",)]) == ("primary", ".", "min_declared")
    assert all(cells[("a",)][c] is None for c in SENSITIVE)
    assert cells[("a",)]["declared"] == 2  # the base itself is not secret


def test_a_cell_with_one_person_with_a_migration_background_is_secret():
    cells = protect([("a", 40, 1), ("b", 40, 12), ("c", 40, 12)])
    assert verdict(cells[("a",)]) == ("primary", ".", "min_count")
    assert all(cells[("a",)][c] is None for c in SENSITIVE)


def test_a_cell_with_two_persons_with_a_migration_background_is_secret_and_three_are_not():
    assert primary_reason(2, 40, DisclosureRules()) == ("min_count", ".")
    assert primary_reason(3, 40, DisclosureRules()) is None


def test_a_cell_where_everybody_who_declared_has_a_migration_background_is_secret():
    cells = protect([("a", 12, 12), ("b", 40, 12), ("c", 40, 12)])
    assert verdict(cells[("a",)]) == ("primary", ".", "group")
    assert all(cells[("a",)][c] is None for c in SENSITIVE)


def test_a_base_under_ten_declared_publishes_no_share():
    cells = protect([("a", 8, 4), ("b", 9, 0), ("c", 40, 12), ("d", 40, 12)])
    assert verdict(cells[("a",)]) == ("primary", "/", "n_min")
    assert verdict(cells[("b",)]) == ("primary", "/", "n_min")
    assert cells[("a",)]["share"] is None and cells[("b",)]["share"] is None


def test_cells_at_the_thresholds_and_cells_without_anyone_with_a_migration_background_are_published():
    cells = protect([("a", 10, 3), ("b", 40, 0), ("c", 10, 7)])
    assert {k: verdict(c) for k, c in cells.items()} == {
        ("a",): ("published", "", ""),
        ("b",): ("published", "", ""),
        ("c",): ("published", "", ""),
    }
    assert cells[("a",)]["share"] == pytest.approx(0.3)


def test_the_thresholds_are_configurable():
    strict = DisclosureRules(min_declared=5, min_count=5, n_min=20)
    assert primary_reason(4, 4, strict) == ("min_declared", ".")
    assert primary_reason(4, 30, strict) == ("min_count", ".")
    assert primary_reason(6, 15, strict) == ("n_min", "/")
    assert primary_reason(12, 12, DisclosureRules(group_disclosure=False)) is None


# ---------------------------------------------------------------------------------------------
# Secondary suppression


def test_a_single_suppressed_sibling_pulls_the_smallest_published_sibling():
    # Land total: 67 declared, 21 yes. With only "a" hidden, a = 21 − 12 − 8 = 1.
    cells = protect([("a", 2, 1), ("b", 40, 12), ("c", 25, 8)])
    assert verdict(cells[("a",)]) == ("primary", ".", "min_declared")
    assert verdict(cells[("c",)]) == ("secondary", ".", "secondary")
    assert verdict(cells[("b",)]) == ("published", "", "")
    assert all(cells[("c",)][c] is None for c in SENSITIVE)
    # What an attacker learns from the total and the published sibling: a + c = 21 − 12 = 9,
    # two unknowns for one equation.
    hidden = [k for k, c in cells.items() if c["yes"] is None]
    assert len(hidden) == 2


def test_secondary_suppression_works_within_each_group_of_siblings():
    cells = protect(
        [
            ("A-AGY", "w", 2, 1),
            ("A-AGY", "m", 30, 9),
            ("A-AGY2", "w", 30, 9),
            ("A-AGY2", "m", 30, 9),
        ],
        by=("agency", "gender"),
    )
    assert verdict(cells[("A-AGY", "w")])[0] == "primary"
    assert verdict(cells[("A-AGY", "m")]) == ("secondary", ".", "secondary")
    assert verdict(cells[("A-AGY2", "w")])[0] == "published"
    assert verdict(cells[("A-AGY2", "m")])[0] == "published"


def test_two_suppressed_siblings_need_no_secondary_suppression():
    cells = protect([("a", 2, 0), ("b", 40, 1), ("c", 40, 12), ("d", 30, 9)])
    assert [verdict(cells[(k,)])[0] for k in "abcd"] == [
        "primary",
        "primary",
        "published",
        "published",
    ]


def test_an_unreliable_cell_also_pulls_a_sibling_because_its_count_is_withheld():
    cells = protect([("a", 8, 4), ("b", 40, 12), ("c", 30, 9)])
    assert verdict(cells[("a",)]) == ("primary", "/", "n_min")
    assert verdict(cells[("c",)]) == ("secondary", ".", "secondary")


# ---------------------------------------------------------------------------------------------
# End to end: the cells an import stores


@pytest.fixture(autouse=True)
def restricted(tmp_path: Path, settings) -> Path:
    path = tmp_path / "ikoe-data" / "restricted"
    settings.RESTRICTED_DIR = path
    return path


def cells_of(survey, table_name: str, dimension: str) -> dict[str | None, IndicatorCell]:
    return {
        c.dims[dimension]: c
        for c in IndicatorCell.objects.filter(
            survey=survey, table=table_name, definition="mighev_short"
        )
    }


@pytest.mark.django_db
def test_an_import_stores_suppressed_cells_without_their_sensitive_figures(cast, tmp_path):
    # A-AGY: 2 declared (1 yes) and 3 without an answer; A-AGY2: 12 of 40.
    rows = people("A-AGY", 1, 1, 3) + people("A-AGY2", 12, 28)
    survey = import_survey(write_csv(tmp_path / "s.csv", rows), name="land-a-2024", year=2024)
    agencies = cells_of(survey, "land × ministry × agency", "agency")
    small, large = agencies["A-AGY"], agencies["A-AGY2"]
    assert (small.respondents, small.declared, small.status, small.symbol, small.reason) == (
        5,
        2,
        "primary",
        ".",
        "min_declared",
    )
    assert (large.status, large.symbol, large.reason) == ("secondary", ".", "secondary")
    for cell in (small, large):
        assert (cell.yes, cell.share, cell.se, cell.ci_low, cell.ci_high) == (
            None,
            None,
            None,
            None,
            None,
        )
    ministry = cells_of(survey, "land × ministry", "ministry")["A-MIN"]
    assert (ministry.status, ministry.declared, ministry.yes) == ("published", 42, 13)


@pytest.mark.django_db
def test_an_import_marks_every_primary_rule_with_its_symbol(cast, tmp_path):
    rows = (
        people("A-AGY", 1, 30, career="einfach")  # one person → "."
        + people("A-AGY", 12, 0, career="mittel")  # everybody → "."
        + people("A-AGY", 4, 4, career="gehoben")  # base 8 → "/"
        + people("A-AGY", 9, 21, career="hoeher")  # 9 of 30 → published
    )
    survey = import_survey(write_csv(tmp_path / "s.csv", rows), name="land-a-2024", year=2024)
    ladder = cells_of(survey, "land × career_group", "career_group")
    assert {k: (c.status, c.symbol, c.reason) for k, c in ladder.items()} == {
        "einfach": ("primary", ".", "min_count"),
        "mittel": ("primary", ".", "group"),
        "gehoben": ("primary", "/", "n_min"),
        "hoeher": ("published", "", ""),
    }
    assert ladder["hoeher"].share == pytest.approx(0.3)


@pytest.mark.xfail(
    strict=True,
    reason="Interim rule (ikoe/monitoring/publication.py, _secondary): sibling groups are formed "
    "only along the last dimension of each table, so a cell suppressed in land × ministry × agency "
    "× career_group can be recomputed exactly from land × ministry × career_group minus the other "
    "agency (DOMAIN.md §5 asks for protection across the hierarchy; the attacker's-LP engine of "
    "issue 4 should close this).",
)
@pytest.mark.django_db
def test_a_suppressed_cell_cannot_be_recomputed_through_another_published_table(cast, tmp_path):
    rows = (
        people("A-AGY", 1, 1, career="mittel")  # 2 declared → secret
        + people("A-AGY", 9, 21, career="gehoben")  # pulled as secondary
        + people("A-AGY2", 9, 21, career="mittel")
        + people("A-AGY2", 9, 21, career="gehoben")
    )
    survey = import_survey(write_csv(tmp_path / "s.csv", rows), name="land-a-2024", year=2024)
    detail = {
        (c.dims["agency"], c.dims["career_group"]): c
        for c in IndicatorCell.objects.filter(
            survey=survey,
            table="land × ministry × agency × career_group",
            definition="mighev_short",
        )
    }
    assert detail[("A-AGY", "mittel")].yes is None
    assert detail[("A-AGY", "gehoben")].status == "secondary"
    ministry = cells_of(survey, "land × ministry × career_group", "career_group")["mittel"]
    other = detail[("A-AGY2", "mittel")]
    recomputable = ministry.yes is not None and other.yes is not None
    assert not recomputable, f"A-AGY mittel = {ministry.yes} − {other.yes}"
