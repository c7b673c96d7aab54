"""Scores of the IKÖ-Check, the self-assessment of an organisation (docs/assessment.md).

Every item is answered on a scale of 0 to 4 – 0 none, 1 planned or ad hoc, 2 partly, 3 in most
units, 4 systematic and evaluated – or as *not applicable*. A level is worth ``25 · level``
points, so the scale runs from 0 to 100:

    score(dimension) = Σ wᵢ · 25 · levelᵢ / Σ wᵢ        over the items answered with a level
    overall          = mean of the dimension scores that have one

An item answered *not applicable* (and, in a draft, an item not answered yet) leaves the sum and
the denominator alike; a dimension whose items are all not applicable has no score and leaves the
mean of the overall score. The maturity band of a score is the last band whose lower bound it
reaches.

>>> items = {"strategy": [("1.1", 0.5), ("1.2", 0.3), ("1.3", 0.2)], "services": [("4.1", 1.0)]}
>>> scores = score_assessment(items, {"1.1": 4, "1.2": 2, "1.3": None, "4.1": 1})
>>> round(scores.dimensions["strategy"], 4)   # (0.5·100 + 0.3·50) / 0.8
81.25
>>> scores.dimensions["services"], round(scores.overall, 3)   # (81.25 + 25) / 2
(25.0, 53.125)
>>> scores.answered, scores.not_applicable, scores.total
(4, 1, 4)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MAX_LEVEL = 4
POINTS_PER_LEVEL = 25.0
"""Level ``L`` is worth ``25 · L`` points: 0, 25, 50, 75, 100."""

Level = int | None
"""A level 0–4, or ``None`` for *not applicable*."""


def level_points(level: int) -> float:
    """The points of a level.

    >>> [level_points(level) for level in range(5)]
    [0.0, 25.0, 50.0, 75.0, 100.0]
    >>> level_points(5)
    Traceback (most recent call last):
    ...
    ValueError: a level runs from 0 to 4, not 5
    """
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"a level runs from 0 to {MAX_LEVEL}, not {level!r}")
    return POINTS_PER_LEVEL * level


def weighted_score(answers: Sequence[tuple[float, Level]]) -> float | None:
    """The weighted mean of the points of ``(weight, level)`` pairs; ``None`` levels (not
    applicable) leave numerator and denominator; ``None`` when no pair has a level.

    >>> weighted_score([(0.25, 4), (0.25, 0), (0.5, 2)])
    50.0
    >>> weighted_score([(0.25, 4), (0.75, None)])
    100.0
    >>> weighted_score([(1.0, None)]) is None
    True
    """
    total_weight = 0.0
    total = 0.0
    for weight, level in answers:
        if weight <= 0 or not math.isfinite(weight):
            raise ValueError(f"a weight must be positive, not {weight!r}")
        if level is None:
            continue
        total_weight += weight
        total += weight * level_points(level)
    if total_weight == 0:
        return None
    # Rounding may carry a mean of only 4s a hair above 100 (0.01 + 0.01 + 0.01 ≠ 0.03).
    return min(100.0, max(0.0, total / total_weight))


def overall_score(dimension_scores: Sequence[float | None]) -> float | None:
    """The unweighted mean of the dimension scores that exist.

    >>> overall_score([80.0, None, 40.0])
    60.0
    >>> overall_score([None]) is None
    True
    """
    present = [s for s in dimension_scores if s is not None]
    if not present:
        return None
    return sum(present) / len(present)


def band_index(score: float, lower_bounds: Sequence[float]) -> int:
    """The index of the maturity band of ``score``: the last band whose lower bound it reaches.

    >>> bounds = [0, 20, 40, 60, 80]
    >>> [band_index(s, bounds) for s in (0, 19.99, 20, 59.5, 80, 100)]
    [0, 0, 1, 2, 4, 4]
    """
    if not lower_bounds or lower_bounds[0] != 0:
        raise ValueError("the first band must start at 0")
    if any(b <= a for a, b in zip(lower_bounds, lower_bounds[1:], strict=False)):
        raise ValueError("band bounds must rise")
    if not 0 <= score <= 100:
        raise ValueError(f"a score runs from 0 to 100, not {score!r}")
    index = 0
    for i, bound in enumerate(lower_bounds):
        if score >= bound:
            index = i
    return index


@dataclass(frozen=True)
class Scores:
    """The scores of one assessment: per dimension (``None``: no item with a level), overall,
    and how many items are answered (a level or not applicable) of how many."""

    dimensions: dict[str, float | None]
    overall: float | None
    answered: int
    not_applicable: int
    total: int
    missing: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return self.answered == self.total

    @property
    def progress(self) -> float:
        """The share of items answered, 0–1."""
        return self.answered / self.total if self.total else 1.0


def score_assessment(
    items: Mapping[str, Sequence[tuple[str, float]]],
    answers: Mapping[str, Level],
) -> Scores:
    """The scores of an assessment.

    ``items`` lists, per dimension in order, the ``(item id, weight)`` pairs that the assessment
    asks (the core items and those of its sector modules); ``answers`` maps an item id to its
    level or ``None`` for not applicable – an item missing from ``answers`` is not answered yet
    and counts like not applicable in the score. Answers to items not asked are an error.

    >>> score_assessment({"d": [("a", 1.0), ("b", 1.0)]}, {"a": 3}).missing
    ('b',)
    >>> score_assessment({"d": [("a", 1.0)]}, {"x": 3})
    Traceback (most recent call last):
    ...
    ValueError: answers to items not in the questionnaire: x
    """
    asked = {item for pairs in items.values() for item, _weight in pairs}
    unknown = sorted(set(answers) - asked)
    if unknown:
        raise ValueError("answers to items not in the questionnaire: " + ", ".join(unknown))
    dimensions: dict[str, float | None] = {}
    missing: list[str] = []
    for dimension, pairs in items.items():
        answered_pairs: list[tuple[float, Level]] = []
        for item, weight in pairs:
            if item in answers:
                answered_pairs.append((weight, answers[item]))
            else:
                missing.append(item)
                answered_pairs.append((weight, None))
        dimensions[dimension] = weighted_score(answered_pairs)
    return Scores(
        dimensions=dimensions,
        overall=overall_score(list(dimensions.values())),
        answered=len(answers),
        not_applicable=sum(1 for level in answers.values() if level is None),
        total=len(asked),
        missing=tuple(missing),
    )


def band_counts(scores: Sequence[float], lower_bounds: Sequence[float]) -> list[int]:
    """How many of ``scores`` fall in each maturity band (the distribution of a peer group).

    >>> band_counts([5, 25, 30, 90, 100], [0, 20, 40, 60, 80])
    [1, 2, 0, 0, 2]
    """
    counts = [0] * len(lower_bounds)
    for score in scores:
        counts[band_index(score, lower_bounds)] += 1
    return counts


def level_counts(levels: Sequence[Level]) -> list[int]:
    """How many answers give each level 0–4, and last how many say not applicable.

    >>> level_counts([0, 4, 4, None, 2])
    [1, 0, 1, 0, 2, 1]
    """
    counts = [0] * (MAX_LEVEL + 2)
    for level in levels:
        counts[MAX_LEVEL + 1 if level is None else level] += 1
    return counts
