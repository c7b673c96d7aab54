"""Scores of the IKÖ-Check (ikoe/stats/assessment.py): hand-computed cases and numpy as the
independent reference for the weighted mean (docs/assessment.md, "Scores")."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ikoe.stats.assessment import (
    band_counts,
    band_index,
    level_counts,
    overall_score,
    score_assessment,
    weighted_score,
)

BOUNDS = [0, 20, 40, 60, 80]


def test_a_dimension_is_the_weighted_mean_of_its_levels_without_not_applicable():
    # (0.2·100 + 0.3·50) / (0.2 + 0.3) = 35 / 0.5 = 70: the item not applicable leaves the
    # denominator, so the other two carry the whole dimension.
    assert weighted_score([(0.2, 4), (0.3, 2), (0.5, None)]) == pytest.approx(70.0)
    # with a level 1 instead of not applicable: (20 + 15 + 0.5·25) / 1 = 47.5
    assert weighted_score([(0.2, 4), (0.3, 2), (0.5, 1)]) == pytest.approx(47.5)
    # every level 0 is 0, every level 4 is 100, whatever the weights
    assert weighted_score([(0.7, 0), (0.3, 0)]) == 0.0
    assert weighted_score([(0.7, 4), (0.3, 4)]) == pytest.approx(100.0)


def test_the_overall_score_is_the_plain_mean_of_the_dimensions_that_have_one():
    items = {
        "strategy": [("1.1", 0.5), ("1.2", 0.5)],
        "services": [("4.1", 0.25), ("4.2", 0.75)],
        "funding": [("6.1", 1.0)],
    }
    scores = score_assessment(items, {"1.1": 3, "1.2": 1, "4.1": 0, "4.2": 4, "6.1": None})
    # strategy (75 + 25) / 2 = 50; services 0.25·0 + 0.75·100 = 75; funding all n/a: none
    assert scores.dimensions == {"strategy": 50.0, "services": 75.0, "funding": None}
    assert scores.overall == pytest.approx(62.5)
    assert (scores.answered, scores.not_applicable, scores.total) == (5, 1, 5)
    assert scores.complete and scores.progress == 1.0


def test_a_draft_counts_what_is_answered_and_names_the_rest():
    items = {"strategy": [("1.1", 0.5), ("1.2", 0.5)], "services": [("4.1", 1.0)]}
    scores = score_assessment(items, {"1.1": 2})
    assert scores.dimensions == {"strategy": 50.0, "services": None}
    assert scores.missing == ("1.2", "4.1")
    assert not scores.complete and scores.progress == pytest.approx(1 / 3)


def test_bad_levels_and_weights_are_refused():
    with pytest.raises(ValueError, match="0 to 4"):
        weighted_score([(1.0, 5)])
    with pytest.raises(ValueError, match="0 to 4"):
        weighted_score([(1.0, True)])
    with pytest.raises(ValueError, match="positive"):
        weighted_score([(0.0, 2)])
    with pytest.raises(ValueError, match="not in the questionnaire"):
        score_assessment({"d": [("a", 1.0)]}, {"b": 1})


def test_bands_take_their_lower_bound_and_end_at_100():
    assert [band_index(s, BOUNDS) for s in (0, 19.999, 20, 40, 79.99, 80, 100)] == [
        0,
        0,
        1,
        2,
        3,
        4,
        4,
    ]
    assert band_counts([0, 20, 21, 99, 100, 60], BOUNDS) == [1, 2, 0, 1, 2]
    assert level_counts([None, None, 3, 0]) == [1, 0, 0, 1, 0, 2]
    with pytest.raises(ValueError):
        band_index(100.5, BOUNDS)
    with pytest.raises(ValueError):
        band_index(10, [5, 20])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.01, max_value=1.0),
            st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_weighted_mean_agrees_with_numpy(pairs):
    answered = [(w, level) for w, level in pairs if level is not None]
    got = weighted_score(pairs)
    if not answered:
        assert got is None
        return
    weights = np.array([w for w, _level in answered])
    points = np.array([25.0 * level for _w, level in answered])
    assert got == pytest.approx(float(np.average(points, weights=weights)), rel=1e-12)
    assert 0.0 <= got <= 100.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=100)), min_size=1))
def test_the_overall_mean_agrees_with_numpy(values):
    present = [v for v in values if v is not None]
    got = overall_score(values)
    if not present:
        assert got is None
    else:
        assert got == pytest.approx(float(np.mean(present)), rel=1e-12, abs=1e-12)
