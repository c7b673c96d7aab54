"""Disclosure control of published survey tables (ikoe.surveys.publication) on the engine.

First hand-made respondent frames with hand-worked expectations for each primary rule, then
imports whose cells land in the database, checked by an attacker's linear program written
here, independently of the engine: from everything a survey publishes (every table, every
definition) no suppressed figure can be pinned down to an interval narrower than W = 3.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.utils import translation
from scipy.optimize import linprog

from ikoe.stats.definitions import Definition
from ikoe.stats.publication import PublicationRules, normalise_by
from ikoe.surveys.models import IndicatorCell
from ikoe.surveys.pipeline import compute_tables, import_survey
from ikoe.surveys.publication import reason_labels
from tests.test_survey_import import mark_published, people, write_csv

MIGHEV = Definition.MIGHEV_SHORT
SHARE_FIGURES = ("yes", "share", "se", "ci_lower", "ci_upper")
BY_AGENCY = ("land", "ministry", "agency")


def frame(groups: Sequence[tuple[str, int, int, int]]) -> pl.DataFrame:
    """Respondents of agencies below ministry M of Land L: (agency, yes, no, unknown)."""
    agency, status = [], []
    for code, yes, no, unknown in groups:
        agency += [code] * (yes + no + unknown)
        status += ["yes"] * yes + ["no"] * no + ["unknown"] * unknown
    n = len(agency)
    return pl.DataFrame(
        {
            "land": ["L"] * n,
            "ministry": ["M"] * n,
            "agency": agency,
            "unit": pl.Series([None] * n, dtype=pl.String),
            "status_mighev_short": status,
        }
    )


def protect(
    groups: Sequence[tuple[str, int, int, int]], rules: PublicationRules | None = None
) -> dict[str, dict]:
    data = frame(groups)
    publication = compute_tables(
        data, [(BY_AGENCY, MIGHEV)], design=None, rules=rules or PublicationRules()
    )
    table = publication.tables[(BY_AGENCY, MIGHEV.value)]
    assert publication.summary["under_protected"] == 0
    return {row["agency"]: row for row in table.iter_rows(named=True)}


def verdict(cell: dict) -> tuple[str, str, str]:
    return cell["status"], cell["symbol"], cell["reason"]


PLENTY = [("b", 12, 28, 0), ("c", 12, 28, 0), ("d", 9, 21, 0)]


# ---------------------------------------------------------------------------------------------
# Primary rules, each with its reason and symbol


def test_a_cell_with_two_respondents_is_secret_with_its_counts():
    cells = protect([("a", 1, 1, 0), *PLENTY])
    status, symbol, reason = verdict(cells["a"])
    assert (status, symbol) == ("primary", ".")
    assert reason.split(",")[0] == "frequency"
    assert {"attribute-frequency", "share-base"} <= set(reason.split(","))
    assert cells["a"]["respondents"] is None and cells["a"]["declared"] is None
    assert all(cells["a"][c] is None for c in SHARE_FIGURES)


def test_one_person_with_a_migration_background_hides_the_share_but_not_the_respondents():
    cells = protect([("a", 1, 39, 0), *PLENTY])
    assert verdict(cells["a"]) == ("primary", ".", "attribute-frequency")
    assert (cells["a"]["respondents"], cells["a"]["declared"]) == (40, 40)
    assert all(cells["a"][c] is None for c in SHARE_FIGURES)


def test_two_persons_without_a_migration_background_give_it_away_as_well():
    cells = protect([("a", 38, 2, 0), *PLENTY])
    assert verdict(cells["a"]) == ("primary", ".", "attribute-frequency")


def test_a_cell_where_everybody_who_answered_has_a_migration_background_is_secret():
    cells = protect([("a", 12, 0, 0), *PLENTY])
    assert verdict(cells["a"]) == ("primary", ".", "group-disclosure")


def test_a_base_under_ten_publishes_no_share_and_says_it_is_unreliable():
    cells = protect([("a", 4, 4, 0), *PLENTY])
    assert verdict(cells["a"]) == ("primary", "/", "share-base")
    assert cells["a"]["respondents"] == 8 and cells["a"]["share"] is None


def test_a_low_declaration_rate_publishes_no_share():
    # 15 of 30 answered (50 % < 60 %); 5 with, 10 without a migration background.
    cells = protect([("a", 5, 10, 15), *PLENTY])
    assert verdict(cells["a"]) == ("primary", "/", "declaration-rate")
    assert cells["a"]["respondents"] == 30


def test_cells_at_the_thresholds_and_cells_without_anyone_with_a_migration_background_are_published():
    cells = protect([("a", 3, 7, 0), ("b", 0, 40, 0), ("c", 7, 3, 0), ("d", 6, 12, 12)])
    assert {k: verdict(c) for k, c in cells.items()} == {k: ("published", "", "") for k in "abcd"}
    assert cells["a"]["share"] == pytest.approx(0.3)
    assert cells["d"]["share"] == pytest.approx(6 / 18)  # 18 of 30 answered: exactly 60 %


def test_the_thresholds_are_configurable():
    strict = PublicationRules(min_count=5, share_base=20, min_declaration_rate=0.5, width=5)
    cells = protect([("a", 4, 26, 0), ("e", 6, 9, 0), ("f", 10, 12, 22), *PLENTY], strict)
    assert verdict(cells["a"]) == ("primary", ".", "attribute-frequency")
    # e's share (base 15 < 20) is unreliable, and its counts are also the complement that
    # protects a's: "." with both reasons, since "/" would tell a reader that e has at least
    # 5 without a migration background (and none or at least 5 with), which narrows a.
    assert verdict(cells["e"]) == ("primary", ".", "share-base,secondary")
    assert verdict(cells["f"])[0] == "published"  # 50 % answered is enough here


# ---------------------------------------------------------------------------------------------
# Secondary suppression, checked by the attacker's linear program


def interval(target: str, cells: dict[str, dict], total_yes: int) -> tuple[float, float]:
    """Attacker: the published yes counts, the Land total, and 0 <= yes <= declared."""
    hidden = [k for k, c in cells.items() if c["yes"] is None]
    known = sum(c["yes"] for c in cells.values() if c["yes"] is not None)
    bounds = [(0, cells[k]["declared"] or cells[k]["respondents"] or total_yes) for k in hidden]
    a_eq, b_eq = [np.ones(len(hidden))], [total_yes - known]
    goal = np.array([1.0 if k == target else 0.0 for k in hidden])
    lo = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    hi = linprog(-goal, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    return lo.fun, -hi.fun


def test_a_single_suppressed_share_pulls_a_complement():
    # Land: 21 + 1 + 8 yes. With only "a" hidden, a = total − 12 − 8.
    cells = protect([("a", 1, 39, 0), ("b", 12, 28, 0), ("c", 8, 17, 0)])
    assert verdict(cells["a"])[0] == "primary"
    complements = [k for k, c in cells.items() if c["status"] == "secondary"]
    assert complements and all(
        verdict(cells[k]) == ("secondary", ".", "secondary") for k in complements
    )
    lo, hi = interval("a", cells, 21)
    assert hi - lo >= 3


def test_every_figure_of_a_secondary_cell_that_would_give_the_share_away_is_empty():
    cells = protect([("a", 1, 39, 0), ("b", 12, 28, 0), ("c", 8, 17, 0)])
    for cell in cells.values():
        if cell["status"] != "published":
            assert all(cell[c] is None for c in SHARE_FIGURES)


def test_tables_are_normalised_to_full_paths_of_the_hierarchy():
    assert normalise_by(["agency", "gender"]) == ("land", "ministry", "agency", "gender")


def test_reason_codes_have_labels():
    with translation.override("de"):
        assert reason_labels("secondary") == [
            "gesperrt, damit sich eine andere gesperrte Zelle nicht zurückrechnen lässt"
        ]
    with translation.override("en"):
        assert reason_labels("frequency,share-base") == [
            "too few respondents",
            "too few answers for a reliable share",
        ]


# ---------------------------------------------------------------------------------------------
# End to end: everything an import stores, against an independent attacker


@pytest.fixture(autouse=True)
def restricted(tmp_path: Path, settings) -> Path:
    path = tmp_path / "ikoe-data" / "restricted"
    settings.RESTRICTED_DIR = path
    return path


def cells_of(survey, table_name: str, definition: str = "mighev_short") -> list[IndicatorCell]:
    return list(
        IndicatorCell.objects.filter(survey=survey, table=table_name, definition=definition)
    )


ORG_LEVELS = ("land", "ministry", "agency", "unit")


def attacker_interval(survey, definition: str, target: IndicatorCell) -> tuple[float, float]:
    """Minimise and maximise the target's yes count subject to every stored cell of the
    definition: published counts are known, each hidden count lies between 0 and the cell's
    published base, and the tables add up: a cell is the sum of its children along each
    classifying dimension and along the deepest organisation level of its table."""
    cells = list(IndicatorCell.objects.filter(survey=survey, definition=definition))
    tables: dict[str, list[IndicatorCell]] = {}
    for c in cells:
        tables.setdefault(c.table, []).append(c)
    unknown = [c for c in cells if c.yes is None]
    column = {c.pk: j for j, c in enumerate(unknown)}
    land_total = max(c.respondents or 0 for c in cells)
    rows, rhs = [], []
    for name, members in tables.items():
        dims = name.split(" × ")
        org = [d for d in dims if d in ORG_LEVELS]
        removable = [d for d in dims if d not in ORG_LEVELS] + org[-1:]
        for d in removable:
            parent_dims = [k for k in dims if k != d]
            parents = tables.get(" × ".join(parent_dims), [])
            for parent in parents:
                row = np.zeros(len(unknown))
                constant = 0.0
                group = [parent] + [
                    s for s in members if all(s.dims[k] == parent.dims[k] for k in parent_dims)
                ]
                for sign, cell in zip([1.0] + [-1.0] * (len(group) - 1), group, strict=True):
                    if cell.yes is None:
                        row[column[cell.pk]] += sign
                    else:
                        constant += sign * cell.yes
                if row.any():
                    rows.append(row)
                    rhs.append(-constant)
    bounds = [(0, c.declared if c.declared is not None else land_total) for c in unknown]
    goal = np.zeros(len(unknown))
    goal[column[target.pk]] = 1.0
    kwargs = {"A_eq": np.array(rows), "b_eq": np.array(rhs)} if rows else {}
    lo = linprog(goal, bounds=bounds, method="highs", **kwargs)
    hi = linprog(-goal, bounds=bounds, method="highs", **kwargs)
    assert lo.status == 0 and hi.status == 0
    return lo.fun, -hi.fun


@pytest.mark.django_db
def test_an_import_stores_suppressed_cells_without_their_sensitive_figures(cast, tmp_path):
    # A-AGY: 2 of 5 answered (1 yes); A-AGY2: 12 of 40.
    rows = people("A-AGY", 1, 1, 3) + people("A-AGY2", 12, 28)
    survey = import_survey(write_csv(tmp_path / "s.csv", rows), name="land-a-2024", year=2024)
    agencies = {c.dims["agency"]: c for c in cells_of(survey, "land × ministry × agency")}
    small = agencies["A-AGY"]
    assert (small.respondents, small.status, small.symbol) == (5, "primary", ".")
    assert "attribute-frequency" in small.reason.split(",")
    for cell in agencies.values():
        if cell.status != "published":
            assert (cell.yes, cell.share, cell.se, cell.ci_low, cell.ci_high) == (None,) * 5
    assert survey.diagnostics["disclosure"]["under_protected"] == 0
    assert survey.diagnostics["disclosure"]["rules"]["min_count"] == 3


@pytest.mark.django_db
def test_an_import_marks_every_primary_rule_with_its_symbol(cast, tmp_path):
    rows = (
        people("A-AGY", 1, 30, career="einfach")  # one person → "."
        + people("A-AGY", 12, 0, career="mittel")  # everybody → "."
        + people("A-AGY", 4, 4, career="gehoben")  # base 8 → "/"
        + people("A-AGY", 9, 21, career="hoeher")  # 9 of 30
    )
    survey = import_survey(write_csv(tmp_path / "s.csv", rows), name="land-a-2024", year=2024)
    ladder = {c.dims["career_group"]: c for c in cells_of(survey, "land × career_group")}
    assert (ladder["einfach"].status, ladder["einfach"].symbol) == ("primary", ".")
    assert ladder["einfach"].reason == "attribute-frequency"
    assert (ladder["mittel"].symbol, ladder["mittel"].reason) == (".", "group-disclosure")
    assert (ladder["gehoben"].symbol, ladder["gehoben"].reason) == ("/", "share-base")
    assert ladder["hoeher"].status in ("published", "secondary")


@pytest.mark.django_db
def test_a_suppressed_cell_cannot_be_recomputed_through_another_published_table(cast, tmp_path):
    # Formerly a gap of the interim rules: A-AGY × mittel (2 answered) was recomputable from
    # land × ministry × career_group minus A-AGY2 × mittel.
    rows = (
        people("A-AGY", 1, 1, career="mittel")
        + people("A-AGY", 9, 21, career="gehoben")
        + people("A-AGY2", 9, 21, career="mittel")
        + people("A-AGY2", 9, 21, career="gehoben")
    )
    survey = import_survey(write_csv(tmp_path / "s.csv", rows), name="land-a-2024", year=2024)
    detail = {
        (c.dims["agency"], c.dims["career_group"]): c
        for c in cells_of(survey, "land × ministry × agency × career_group")
    }
    secret = detail[("A-AGY", "mittel")]
    assert secret.yes is None and secret.status == "primary"
    ministry = {
        c.dims["career_group"]: c for c in cells_of(survey, "land × ministry × career_group")
    }
    other = detail[("A-AGY2", "mittel")]
    assert ministry["mittel"].yes is None or other.yes is None
    definitions = survey.diagnostics["definitions_derived"]
    assert len(definitions) >= 2
    for definition in definitions:
        target = next(
            c
            for c in cells_of(survey, "land × ministry × agency × career_group", definition)
            if c.dims == secret.dims
        )
        lo, hi = attacker_interval(survey, definition, target)
        assert hi - lo >= 3 - 1e-9, (definition, lo, hi)


@pytest.mark.django_db
def test_every_definition_publishes_the_same_counts_of_respondents(cast, tmp_path):
    rows = (
        people("A-AGY", 1, 1, career="mittel")
        + people("A-AGY", 2, 30, career="gehoben")
        + people("A-AGY2", 9, 21, career="mittel")
        + people("A-AGY2", 9, 1, 2, career="gehoben")
        + people("A-UNIT", 5, 5, career="hoeher")
    )
    survey = import_survey(write_csv(tmp_path / "s.csv", rows), name="land-a-2024", year=2024)
    counts: dict[tuple, set] = {}
    for c in IndicatorCell.objects.filter(survey=survey):
        counts.setdefault((c.table, tuple(sorted(c.dims.items()))), set()).add(c.respondents)
    assert counts and all(len(v) == 1 for v in counts.values())
    for c in IndicatorCell.objects.filter(survey=survey, status="primary"):
        lo, hi = attacker_interval(survey, c.definition, c) if c.yes is None else (0, 0)
        if "attribute-frequency" in c.reason or "group-disclosure" in c.reason:
            assert hi - lo >= 3 - 1e-9, (c.table, c.dims, c.definition, lo, hi)


# ---------------------------------------------------------------------------------------------
# A further table beside the published ones; republishing; what data stewards and the public see


SCENARIO = (
    people("A-AGY", 1, 1, career="mittel")
    + people("A-AGY", 2, 30, career="gehoben")
    + people("A-AGY2", 9, 21, career="mittel")
    + people("A-AGY2", 9, 1, 2, career="gehoben")
    + people("A-UNIT", 5, 5, career="hoeher", gender="m")
)


@pytest.mark.django_db
def test_a_further_table_leaves_the_published_pattern_as_it_is(
    cast, tmp_path, django_capture_on_commit_callbacks
):
    from ikoe.surveys.figures import published_tables
    from ikoe.surveys.pipeline import load_frame, standard_requests

    with django_capture_on_commit_callbacks(execute=True):
        survey = import_survey(
            write_csv(tmp_path / "s.csv", SCENARIO), name="land-a-2024", year=2024
        )
    data, _design = load_frame(survey)
    standard = standard_requests(data)
    custom = (normalise_by(["agency", "gender"]), MIGHEV)
    # Protected beside what the import stored, the standard tables come out as stored.
    both = compute_tables(data, [*standard, custom], design=None, released=published_tables(survey))
    figures = ("respondents", "declared", "yes", "status", "symbol")
    for by, definition in standard:
        stored = {
            tuple(c.dims[d] for d in by): tuple(getattr(c, f) for f in figures)
            for c in IndicatorCell.objects.filter(
                survey=survey, table=" × ".join(by), definition=definition.value
            )
        }
        again = both.tables[(by, definition.value)]
        assert stored == {
            tuple(None if row[d] is None else str(row[d]) for d in by): tuple(
                row[f] for f in figures
            )
            for row in again.iter_rows(named=True)
        }, by
    assert both.summary["under_protected"] == 0
    assert (custom[0], MIGHEV.value) in both.tables


@pytest.mark.django_db
def test_changed_rules_are_applied_by_ikoe_publish(
    cast, tmp_path, django_capture_on_commit_callbacks, settings, capsys
):
    from ikoe.cli import main
    from ikoe.surveys.models import Survey
    from ikoe.surveys.publication import needs_republishing

    with django_capture_on_commit_callbacks(execute=True):
        survey = import_survey(
            write_csv(tmp_path / "s.csv", SCENARIO), name="land-a-2024", year=2024
        )
    assert not needs_republishing(survey)
    settings.SDC_MIN_COUNT = 10
    settings.SDC_WIDTH = 10
    assert needs_republishing(survey)
    assert main(["publish", "--outdated"]) == 0
    out = capsys.readouterr().out
    assert "„land-a-2024“ erneut veröffentlicht" in out
    assert "(k = 10, W = 10); Prüfung bestanden" in out
    survey = Survey.objects.get(pk=survey.pk)
    assert survey.diagnostics["disclosure"]["rules"]["min_count"] == 10
    assert not needs_republishing(survey)
    hoeher = next(
        c for c in cells_of(survey, "land × career_group") if c.dims["career_group"] == "hoeher"
    )
    assert hoeher.yes is None  # 5 with a migration background: fewer than k = 10


@pytest.mark.django_db
def test_data_stewards_see_per_publication_why_cells_were_suppressed(
    cast, tmp_path, client_data_steward_a
):
    from django.urls import reverse

    survey = import_survey(write_csv(tmp_path / "s.csv", SCENARIO), name="land-a-2024", year=2024)
    html = client_data_steward_a.get(reverse("surveys:diagnostics", args=[survey.name])).content
    text = html.decode()
    cells = cells_of(survey, "land × ministry × agency × career_group")
    primary = sum(c.status == "primary" for c in cells)
    secondary = sum(c.status == "secondary" for c in cells)
    row = (
        r"<th scope=\"row\">Land × Ministerium × Behörde × Laufbahngruppe</th>"
        r"<td>[^<]*MighEV[^<]*</td>"
        rf"<td class=\"num\">{len(cells)}</td><td class=\"num\">{len(cells) - primary - secondary}</td>"
        rf"<td class=\"num\">{primary}</td><td class=\"num\">{secondary}</td>"
    )
    assert re.search(row, text), "no row for the agency × career group table"
    assert "zu wenige Personen mit oder zu wenige ohne Migrationshintergrund" in text
    assert "Prüfung" in text and "bestanden" in text


@pytest.mark.django_db
def test_the_public_sees_symbols_and_the_rules_but_never_why_a_cell_is_secret(
    cast, tmp_path, client_anonymous
):
    from django.urls import reverse

    from ikoe.surveys.models import Survey

    survey = import_survey(write_csv(tmp_path / "s.csv", SCENARIO), name="land-a-2024", year=2024)
    mark_published(Survey.objects.filter(pk=survey.pk), True)
    html = client_anonymous.get(reverse("surveys:overview", args=[survey.name])).content.decode()
    assert "weniger als 3 Befragten" in html and "auf weniger als 3 Personen" in html
    for code, label in REASON_LABELS_DE.items():
        assert label not in html, code


REASON_LABELS_DE = {
    "attribute-frequency": "zu wenige Personen mit oder zu wenige ohne Migrationshintergrund",
    "group-disclosure": "alle Befragten mit Angabe haben einen Migrationshintergrund",
}
