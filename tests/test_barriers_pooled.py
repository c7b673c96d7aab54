"""Pooled funnels compared procedure by procedure (Cochran–Mantel–Haenszel) from published
counts only: hand-computed figures, statsmodels' ``StratifiedTable`` as the reference, secret
counts leaving a procedure out, and the section on the page of a pooled funnel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.utils import translation
from statsmodels.stats.contingency_tables import StratifiedTable

from ikoe.barriers.figures import Funnel, members, pooled_analysis, pooled_findings
from ikoe.barriers.models import FunnelCell
from ikoe.barriers.pipeline import import_selection
from ikoe.stats.barriers import OVERALL, WITH, WITHOUT

STAGES = ["Bewerbung", "Test"]


def _procedure(number, org, counts, secret=()):
    """A procedure funnel; ``counts[stage][group] = (entered, passed)``; ``secret`` pairs of
    (stage, group) whose passed count is withheld."""
    f = Funnel(number, "procedure", f"P{number}", org, 2024, "", 1, list(STAGES), [WITH, WITHOUT])
    for stage, by_group in counts.items():
        for group, (entered, passed) in by_group.items():
            hidden = (stage, group) in secret
            f.cells[(stage, group)] = FunnelCell(entered=entered, passed=None if hidden else passed)
    return f


def _pool(pooling="all", org=None):
    return Funnel(99, pooling, "", org, None, "", 3, list(STAGES), [WITH, WITHOUT])


def _three(secret=()):
    # The 2×2 tables of the test stage: [[s_g, f_g], [s_c, f_c]] = [[2, 8], [5, 5]],
    # [[3, 7], [6, 4]], [[1, 9], [4, 6]]; at the application stage everybody passed.
    out = []
    for n, (sg, sc) in enumerate(((2, 5), (3, 6), (1, 4)), start=1):
        counts = {
            "Bewerbung": {WITH: (10, 10), WITHOUT: (10, 10)},
            "Test": {WITH: (10, sg), WITHOUT: (10, sc)},
        }
        out.append(_procedure(n, None, counts, secret if n == 2 else ()))
    return out


def test_hand_computed_mantel_haenszel_over_three_procedures():
    # OR_MH = Σ(s_g·f_c/n) / Σ(f_g·s_c/n) = (2·5 + 3·4 + 1·6)/20 / ((8·5 + 7·6 + 9·4)/20)
    #       = 1.4 / 5.9 = 0.2373; CMH = (|6 − 10.5| − 0.5)² / 3.4868 = 4.5887, p = 0.0322.
    result = pooled_analysis(_pool(), _three())
    assert result is not None and result.group == WITH and result.compared_with == WITHOUT
    test = next(r for r in result.results if r.stage == "Test")
    assert test.strata == 3
    assert test.odds_ratio == pytest.approx(1.4 / 5.9, abs=1e-12)
    assert test.cmh_statistic == pytest.approx(4.0**2 / 3.486842105263158, rel=1e-9)
    assert test.p_value == pytest.approx(0.0322, abs=1e-4)
    # The whole procedure is the same as the test here (everybody passed the application).
    whole = next(r for r in result.results if r.stage == OVERALL)
    assert whole.odds_ratio == pytest.approx(test.odds_ratio)
    # Holm over the two tests that have a p-value (application: nobody failed, no test).
    assert test.p_holm == pytest.approx(min(1.0, 2 * test.p_value))


def test_the_same_figures_as_statsmodels():
    tables = [np.array([[2, 8], [5, 5]]), np.array([[3, 7], [6, 4]]), np.array([[1, 9], [4, 6]])]
    reference = StratifiedTable(tables)
    test = next(r for r in pooled_analysis(_pool(), _three()).results if r.stage == "Test")
    assert test.odds_ratio == pytest.approx(reference.oddsratio_pooled, rel=1e-12)
    low, high = reference.oddsratio_pooled_confint()
    assert (test.or_ci_low, test.or_ci_high) == (pytest.approx(low), pytest.approx(high))
    cmh = reference.test_null_odds(correction=True)
    assert test.cmh_statistic == pytest.approx(cmh.statistic)
    assert test.p_value == pytest.approx(cmh.pvalue)
    assert test.homogeneity_p == pytest.approx(
        reference.test_equal_odds(adjust=True).pvalue, abs=1e-9
    )


def test_a_secret_count_leaves_its_procedure_out_of_that_stage_only():
    result = pooled_analysis(_pool(), _three(secret={("Test", WITH)}))
    by_stage = {r.stage: r for r in result.results}
    assert by_stage["Test"].strata == 2  # procedure 2's test is not used ...
    # ... and computed from procedures 1 and 3 alone: (2·5 + 1·6)/(8·5 + 9·4) = 16/76
    assert by_stage["Test"].odds_ratio == pytest.approx(16 / 76)
    # ... nor its whole procedure (it needs every stage published), but its application is.
    assert by_stage[OVERALL].strata == 2
    assert by_stage["Bewerbung"].strata == 3
    assert result.procedures == 3


def test_only_the_procedures_of_the_pool_are_strata():
    a, b = object(), object()
    procs = [_procedure(1, a, {}), _procedure(2, b, {}), _procedure(3, a, {})]
    assert [f.number for f in members(_pool("organisation", a), procs)] == [1, 3]
    assert [f.number for f in members(_pool("all"), procs)] == [1, 2, 3]
    assert members(procs[0], procs) == []


def test_the_comparison_turns_round_with_the_reference_and_speaks_plainly():
    result = pooled_analysis(_pool(), _three(), reference=WITH)
    assert (result.group, result.compared_with) == (WITHOUT, WITH)
    test = next(r for r in result.results if r.stage == "Test")
    assert test.odds_ratio == pytest.approx(5.9 / 1.4)
    with translation.override("de"):
        texts = [f.text for f in pooled_findings(pooled_analysis(_pool(), _three()))]
    test_text = next(t for t in texts if "„Test“" in t)
    assert "über 3 Verfahren zusammen genommen" in test_text
    assert "0,24-mal so hoch wie die der Bewerbenden ohne Migrationshintergrund" in test_text
    assert "kann gut Zufall sein" in test_text and "p = 0,064 nach Holm" in test_text
    with translation.override("en"):
        texts = [f.text for f in pooled_findings(pooled_analysis(_pool(), _three()))]
    assert any("0.24 times those of the applicants without" in t for t in texts)


def test_no_comparable_procedure_gives_none():
    # Nobody without a migration background applied: there is nothing to compare with.
    counts = {"Bewerbung": {WITH: (10, 10)}, "Test": {WITH: (10, 2)}}
    assert pooled_analysis(_pool(), [_procedure(1, None, counts)]) is None


@pytest.mark.django_db
def test_the_pooled_page_shows_the_comparison_of_the_procedures(land_a, client_coordinator_a):
    client = client_coordinator_a
    data = import_selection(
        Path(__file__).parent / "data" / "selection" / "auswahl_land_a.csv",
        name="auswahl-a-2024",
        land=land_a,
    )
    numbers = sorted({c.funnel for c in FunnelCell.objects.filter(data=data, pooling="all")})
    page = client.get(f"/auswahlverfahren/auswahl-a-2024/trichter/{numbers[0]}/").content.decode()
    assert "Verfahren gemeinsam verglichen" in page
    one = sorted({c.funnel for c in FunnelCell.objects.filter(data=data, pooling="procedure")})
    page = client.get(f"/auswahlverfahren/auswahl-a-2024/trichter/{one[0]}/").content.decode()
    assert "Verfahren gemeinsam verglichen" not in page
    # A-AGY's written test (72 of 180 against 196 of 280): p far below 0.001, never "0,000".
    pages = [
        client.get(f"/auswahlverfahren/auswahl-a-2024/trichter/{n}/").content.decode() for n in one
    ]
    assert any("&lt; 0,001" in p for p in pages)
    assert not any(">0,000<" in p for p in pages)


def test_figures_in_words_are_rounded_half_up_not_cut_off():
    # Django's number_format cuts decimals off (0.0646 → "0,064"); the findings round.
    from ikoe.barriers.figures import _p, _percent

    with translation.override("de"):
        assert _p(0.0646) == "p = 0,065"
        assert _p(0.0004) == "p < 0,001"
        assert _percent(0.625) == "63"
