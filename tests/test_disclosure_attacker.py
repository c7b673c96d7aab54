"""An outside attacker against everything a survey publishes (issue 8, "done when").

The attacker (:mod:`tests.attacker`) is built only from the cells ``/api/v1/surveys/<name>/cells``
serves and from the methodology: additivity along every hierarchy, the same respondents under
every definition, the joint statuses the definitions allow (:mod:`ikoe.stats.definitions`),
at least one respondent in every listed row, and whole numbers. It imports nothing from the
disclosure engine or from the publication module. Only the judging uses the truth (the restricted
snapshot): a count whose true value is 1 to k - 1 (respondents, with or without a migration
background), or a "no" count of 0 where everybody who answered has a migration background, must
not be published and must keep an interval at least W wide. Cells withheld only as unreliable
(``/``) are not required to be wide; their counts are never 1 to k - 1 anyway.

The first tests check the attacker itself on hand-made tables whose answers are known by hand.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from django.db import transaction
from django.test import Client, TestCase, override_settings

from ikoe.ingest import demo as generator
from ikoe.organisations.services import ensure_demo_organisations
from ikoe.stats.definitions import ANSWER_COLUMNS, Definition
from ikoe.surveys.demo import load_demo
from ikoe.surveys.figures import indicator_table
from ikoe.surveys.models import IndicatorCell, Survey, SurveyRelease
from ikoe.surveys.pipeline import import_survey, load_frame
from ikoe.surveys.release import set_release
from tests.attacker import (
    Assessment,
    Attacker,
    Cell,
    Count,
    Interval,
    cells_from_api,
    cells_from_truth,
    joint_statuses,
    true_figures,
)

K = 3
W = 3
MIGHEV = "mighev_short"
MZ = "mikrozensus_wide"
EG = "einwanderungsgeschichte"
# The questions of the hand-made surveys in tests.test_survey_import
SMALL_QUESTIONNAIRE = (
    "german",
    "born_abroad",
    "immigration_year",
    "mother_born_abroad",
    "father_born_abroad",
)
LAND = ("land",)
BY_AGENCY = ("land", "agency")
BY_GENDER = ("land", "gender")


def respondents(groups: list[tuple[dict[str, str], tuple[str, ...], int]]) -> pl.DataFrame:
    """Hand-made respondents: (codes of the classifying columns, statuses, how many)."""
    rows: list[dict[str, Any]] = []
    for codes, statuses, n in groups:
        rows += [{"land": "L", **codes, **dict(zip(("m", "e"), statuses, strict=True))}] * n
    frame = pl.DataFrame(rows)
    return frame.rename({"m": f"status_{MIGHEV}", "e": f"status_{EG}"})


def span(interval: Interval) -> tuple[int, int]:
    return interval.lower, interval.upper


def two_definition_attacker(cells: list[Cell], **options: Any) -> Attacker:
    combos = joint_statuses([MIGHEV, EG], SMALL_QUESTIONNAIRE)
    return Attacker(cells, [MIGHEV, EG], combos, **options)


# ---------------------------------------------------------------------------------------------
# The attacker itself, on cases known by hand


def test_the_definitions_nest_so_that_only_18_of_27_joint_statuses_can_occur():
    combos = joint_statuses([MIGHEV, MZ, EG], ANSWER_COLUMNS)
    assert len(combos) == 18
    # An Einwanderungsgeschichte is a MighEV migration background ...
    assert all(m == "yes" for m, _mz, e in combos if e == "yes")
    # ... and MighEV "no" (German, nobody immigrated) rules one out.
    assert all(e == "no" for m, _mz, e in combos if m == "no")
    # Mikrozensus and MighEV do not nest: each can say yes where the other says no.
    assert ("yes", "no", "no") in combos and ("no", "yes", "no") in combos


def test_an_einwanderungsgeschichte_count_is_pinned_by_the_mighev_figures_of_its_cell():
    # A: nobody with a MighEV migration background, so nobody with an Einwanderungsgeschichte.
    # Its EG "yes" and that of B are hidden; the Land gives only their sum, 0 + 3.
    data = respondents(
        [
            ({"agency": "A"}, ("no", "no"), 6),
            ({"agency": "B"}, ("yes", "yes"), 3),
            ({"agency": "B"}, ("yes", "no"), 1),
            ({"agency": "B"}, ("no", "no"), 2),
            ({"agency": "C"}, ("yes", "yes"), 1),
            ({"agency": "C"}, ("yes", "no"), 1),
            ({"agency": "C"}, ("no", "no"), 6),
        ]
    )
    hidden = {Count("yes", BY_AGENCY, ("L", a), EG) for a in "AB"}
    cells = cells_from_truth(data, [LAND, BY_AGENCY], [MIGHEV, EG], hidden)
    a, b = (Count("yes", BY_AGENCY, ("L", agency), EG) for agency in "AB")
    nested = two_definition_attacker(cells).intervals()
    assert span(nested[a]) == (0, 0) and span(nested[b]) == (3, 3)
    # An attacker who does not know how the definitions nest sees 0..3 for both.
    every = list(itertools.product(("yes", "no", "unknown"), repeat=2))
    naive = Attacker(cells, [MIGHEV, EG], every).intervals()
    assert span(naive[a]) == (0, 3) and span(naive[b]) == (0, 3)


def test_a_listed_row_has_at_least_one_respondent():
    # A (1 respondent) and B (2) are hidden; the Land says A + B = 3.
    data = respondents(
        [
            ({"agency": "A"}, ("no", "no"), 1),
            ({"agency": "B"}, ("no", "no"), 2),
            ({"agency": "C"}, ("yes", "yes"), 3),
            ({"agency": "C"}, ("no", "no"), 4),
        ]
    )
    hidden = {Count("respondents", BY_AGENCY, ("L", a)) for a in "AB"}
    cells = cells_from_truth(data, [LAND, BY_AGENCY], [MIGHEV, EG], hidden)
    a = Count("respondents", BY_AGENCY, ("L", "A"))
    assert span(two_definition_attacker(cells).intervals()[a]) == (1, 2)
    forgetful = two_definition_attacker(cells, listed_at_least_one=False)
    assert span(forgetful.intervals()[a]) == (0, 3)


def test_tables_meet_at_the_land_per_joint_status_not_only_per_definition():
    # Agency A: 3 (yes, yes), 3 (yes, unknown), 3 (no, no); agency B: 3 (unknown, no) and 3
    # (no, no). Their published figures fix every joint status: nobody is unknown under both
    # definitions. By gender, the MighEV "yes" of w and m are hidden (the Land: 3 + 3).
    # w alone: 3 with EG unknown and 3 with MighEV unknown; they could all be unknown under
    # both (then w's MighEV "yes" may be anything from 0 to 3), but the agencies rule that
    # out: the three with EG unknown have MighEV "yes".
    data = respondents(
        [
            ({"agency": "A", "gender": "w"}, ("yes", "unknown"), 3),
            ({"agency": "A", "gender": "m"}, ("yes", "yes"), 3),
            ({"agency": "A", "gender": "m"}, ("no", "no"), 3),
            ({"agency": "B", "gender": "w"}, ("unknown", "no"), 3),
            ({"agency": "B", "gender": "m"}, ("no", "no"), 3),
        ]
    )
    hidden = {Count("yes", BY_GENDER, ("L", g), MIGHEV) for g in "wm"}
    w = Count("yes", BY_GENDER, ("L", "w"), MIGHEV)
    linked = cells_from_truth(data, [LAND, BY_AGENCY, BY_GENDER], [MIGHEV, EG], hidden)
    assert span(two_definition_attacker(linked).intervals()[w]) == (3, 3)
    alone = cells_from_truth(data, [LAND, BY_GENDER], [MIGHEV, EG], hidden)
    assert span(two_definition_attacker(alone).intervals()[w]) == (0, 3)


def test_a_share_withheld_only_as_unreliable_tells_that_at_least_k_have_no_migration_background():
    # A's share is "/" (8 answered, fewer than 10): so neither 1 nor 2 are without a migration
    # background, nor 0: at least 3 are, and at most 5 with. B's "yes" is hidden beside it; the
    # Land gives A + B = 6, so B has at least 1.
    data = respondents(
        [
            ({"agency": "A"}, ("yes", "no"), 4),
            ({"agency": "A"}, ("no", "no"), 4),
            ({"agency": "B"}, ("yes", "no"), 2),
            ({"agency": "B"}, ("no", "no"), 18),
        ]
    )
    hidden = {Count("yes", BY_AGENCY, ("L", a), MIGHEV) for a in "AB"}
    cells = [
        replace(c, symbol="/") if c.key == ("L", "A") and c.definition == MIGHEV else c
        for c in cells_from_truth(data, [LAND, BY_AGENCY], [MIGHEV, EG], hidden)
    ]
    b = Count("yes", BY_AGENCY, ("L", "B"), MIGHEV)
    assert span(two_definition_attacker(cells).intervals()[b]) == (0, 6)
    assert span(two_definition_attacker(cells, symbols=True).intervals()[b]) == (1, 6)


def test_the_shortcuts_give_the_same_intervals_as_one_linprog_per_bound():
    rng = np.random.default_rng(8)
    combos = joint_statuses([MIGHEV, MZ, EG], ANSWER_COLUMNS)
    n = 120
    statuses = [combos[i] for i in rng.integers(0, len(combos), n)]
    data = pl.DataFrame(
        {
            "land": ["L"] * n,
            "ministry": rng.choice(["M1", "M2"], n).tolist(),
            "agency": rng.choice(np.array(["a", "b", "c", None], dtype=object), n).tolist(),
            "gender": rng.choice(
                np.array(["w", "m", None], dtype=object), n, p=[0.5, 0.45, 0.05]
            ).tolist(),
            **{f"status_{d}": [s[j] for s in statuses] for j, d in enumerate((MIGHEV, MZ, EG))},
        }
    )
    tables = [LAND, ("land", "ministry"), ("land", "ministry", "agency"), BY_GENDER]
    full = cells_from_truth(data, tables, [MIGHEV, MZ, EG])
    every = [c for c in true_figures(data, full, [MIGHEV, MZ, EG]) if c.table != LAND]
    hidden = {every[i] for i in rng.choice(len(every), 40, replace=False)}
    cells = cells_from_truth(data, tables, [MIGHEV, MZ, EG], hidden)
    attacker = Attacker(cells, [MIGHEV, MZ, EG], combos)
    exact = attacker.intervals(exact=True)
    quick = attacker.intervals()
    assert exact and set(exact) == set(quick)
    for count, interval in exact.items():
        assert (interval.lower, interval.upper) == attacker.reference_interval(count), count
        assert interval.exact
        if quick[count].exact:
            assert quick[count] == interval
        else:  # certified by feasible tables only: inside the true interval, and wide enough
            assert interval.lower <= quick[count].lower <= quick[count].upper <= interval.upper
            assert quick[count].width >= W


# ---------------------------------------------------------------------------------------------
# The published surveys


@dataclass
class Published:
    survey: Survey
    truth: pl.DataFrame  # the restricted respondents with their statuses: for judging only
    restricted: Path | None = None  # where its snapshot lies


def attack(
    client: Client, published: Published, beside: list[Cell] | None = None, symbols: bool = False
) -> Assessment:
    """Everything the API serves about the survey (and ``beside`` it), attacked; judged against
    the truth. ``symbols``: the attacker also reads what "/" says."""
    clock = time.perf_counter()
    name = published.survey.name
    payload = client.get(f"/api/v1/surveys/{name}/cells").json()
    [listing] = [s for s in client.get("/api/v1/surveys").json() if s["name"] == name]
    definitions = listing["definitions"]
    cells = cells_from_api(payload) + list(beside or [])
    # The questionnaire (which questions were asked) is public; the answers are not.
    combos = joint_statuses(definitions, published.truth.columns)
    attacker = Attacker(cells, definitions, combos, symbols=symbols)
    # The model holds for the true table, and every bound it proves holds for the truth.
    assert attacker.violation(attacker.true_point(published.truth)) < 1e-9
    intervals = attacker.intervals(width=W)
    truth = true_figures(published.truth, cells, definitions)
    wrong = [c for c, i in intervals.items() if i.exact and not i.lower <= truth[c] <= i.upper]
    assert not wrong, wrong[:5]
    assessment = Assessment(intervals, truth, attacker.figures, k=K, width=W)
    print(
        f"\n{name}: {len(cells)} cells, {attacker.size} variables, {attacker.solves} programs, "
        f"{attacker.seconds:.1f} s solving, {time.perf_counter() - clock:.1f} s in all\n"
        f"{assessment.summary()}"
    )
    return assessment


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Published]:
    """The demo survey, loaded once for the module and rolled back at the end."""
    restricted = tmp_path_factory.mktemp("attacker-demo") / "restricted"
    with (
        django_db_blocker.unblock(),
        override_settings(RESTRICTED_DIR=restricted),
        transaction.atomic(),
    ):
        with TestCase.captureOnCommitCallbacks(execute=True):
            survey = load_demo()
        assert survey is not None
        data, _design = load_frame(survey)
        yield Published(survey, data, restricted)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_no_suppressed_count_of_the_demo_survey_can_be_narrowed_below_the_protection_width(
    demo, client
):
    assessment = attack(client, demo)
    assert not assessment.failures(), assessment.summary()


@pytest.mark.django_db
@pytest.mark.parametrize(("seed", "scale"), [(1, 0.02), (3, 0.05)])
def test_no_suppressed_count_of_a_generated_survey_can_be_narrowed_below_the_protection_width(
    seed, scale, client, tmp_path: Path, django_capture_on_commit_callbacks
):
    ensure_demo_organisations()
    generated = generator.generate_demo(seed, scale)
    answers, totals = tmp_path / "survey.parquet", tmp_path / "totals.parquet"
    generated.respondents.write_parquet(answers)
    generated.totals.write_parquet(totals)
    with django_capture_on_commit_callbacks(execute=True):
        survey = import_survey(
            answers,
            name=f"generated-{seed}",
            year=generator.REFERENCE_YEAR,
            totals=totals,
            synthetic=True,
        )
        set_release(survey, True, channel=SurveyRelease.Channel.COMMAND, username="test")
    data, _design = load_frame(survey)
    assessment = attack(client, Published(survey, data))
    assert not assessment.failures(), assessment.summary()


@pytest.mark.django_db
def test_a_share_withheld_as_unreliable_tells_nothing_about_a_secret_cell(demo, client):
    # "/" says that no rule of confidentiality applies to the share; it never stands on the
    # counts that protect another cell (those show "."), so reading it narrows nothing secret.
    assessment = attack(client, demo, symbols=True)
    assert not assessment.failures(), assessment.summary()


BESIDE = ("land", "career_group", "gender")


@pytest.mark.django_db
def test_a_table_published_beside_the_release_gives_nothing_away_with_the_released_tables(
    demo, client
):
    # A table that is not among the standard tables, asked for under every definition (the
    # same pattern each time), attacked together with everything the survey publishes.
    beside = []
    statuses = set()
    for definition in demo.survey.diagnostics["definitions_derived"]:
        with override_settings(RESTRICTED_DIR=demo.restricted):
            table = indicator_table(
                demo.survey, BESIDE, Definition(definition), weighted=False, benchmark=None
            )
        statuses |= set(table.get_column("status").to_list())
        beside += [
            Cell(
                BESIDE,
                tuple(row[d] for d in BESIDE),
                definition,
                row["respondents"],
                row["declared"],
                row["yes"],
                row["symbol"] or "",
            )
            for row in table.iter_rows(named=True)
        ]
    assert statuses == {"published", "primary", "secondary"}
    for symbols in (False, True):
        assessment = attack(client, demo, beside, symbols=symbols)
        assert not assessment.failures(), assessment.summary()


# ---------------------------------------------------------------------------------------------
# Nothing but the symbol for a suppressed cell

HIDDEN_FIGURES = ("share", "se", "ci_low", "ci_high", "headcount", "effective_n")


@pytest.mark.django_db
def test_a_suppressed_cell_carries_no_head_count_share_standard_error_interval_or_effective_n(
    demo, client
):
    served = client.get(f"/api/v1/surveys/{demo.survey.name}/cells").json()
    suppressed = [c for c in served if c["status"] != "published"]
    assert suppressed
    leaks = [
        (c["table"], c["dims"], c["definition"], figure)
        for c in suppressed
        for figure in HIDDEN_FIGURES
        if c.get(figure) is not None
    ]
    assert not leaks, f"{len(leaks)} figures of suppressed cells are served, e.g. {leaks[:3]}"
    stored = IndicatorCell.objects.filter(survey=demo.survey).exclude(status="published")
    kept = [
        (c.table, c.dims, c.definition, figure)
        for c in stored
        for figure in HIDDEN_FIGURES
        if getattr(c, figure) is not None
    ]
    assert not kept, f"{len(kept)} figures of suppressed cells are stored, e.g. {kept[:3]}"
