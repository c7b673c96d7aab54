"""Practices like a given one (docs/exchange.md, "Similar practices").

Two practices are alike by what they share: each shared code of a facet counts its weight
(:data:`WEIGHTS`), each shared keyword :data:`KEYWORD_WEIGHT` (keywords compared without case).
The candidates come from the database: the practices the reader sees (the published ones and
those of their scope) that share at least one IKÖ-Check dimension or measure type with the
practice – found through the bit masks – newest first, at most :data:`CANDIDATES` of them. They
are scored here (:func:`score`, pure) and the best :func:`similar` ones returned, ties by recency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q

from ikoe.exchange import vocab
from ikoe.exchange.models import Practice

WEIGHTS: dict[str, int] = {
    "dimensions": 3,
    "measure_types": 3,
    "sectors": 2,
    "target_groups": 1,
}
"""Points per shared code of each facet."""
KEYWORD_WEIGHT = 2
"""Points per shared keyword."""
CANDIDATES = 300
"""Practices read from the database at most before scoring."""


def _get(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def keywords_of(record: Any) -> set[str]:
    """The record's keywords (separated by ";"), without case.

    >>> sorted(keywords_of({"keywords": "Polizei; Ausbildung ;;"}))
    ['ausbildung', 'polizei']
    """
    text = _get(record, "keywords") or ""
    return {k.strip().casefold() for k in text.split(";") if k.strip()}


@dataclass
class Shared:
    """What two practices share, and the score it gives."""

    score: int = 0
    codes: dict[str, list[str]] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)


def score(a: Any, b: Any) -> Shared:
    """What ``a`` and ``b`` (practices or content dicts) share, and the score.

    >>> score({"dimensions": ["personnel", "services"], "keywords": "Polizei"},
    ...       {"dimensions": ["personnel"], "keywords": "polizei; Schule"}).score
    5
    """
    result = Shared()
    for facet, weight in WEIGHTS.items():
        mine = set(_get(a, facet) or [])
        theirs = set(_get(b, facet) or [])
        common = [code for code in vocab.codes(vocab.MULTI[facet]) if code in mine & theirs]
        if common:
            result.codes[facet] = common
            result.score += weight * len(common)
    words = sorted(keywords_of(a) & keywords_of(b))
    result.keywords = words
    result.score += KEYWORD_WEIGHT * len(words)
    return result


@dataclass
class Match:
    practice: Practice
    shared: Shared

    @property
    def score(self) -> int:
        return self.shared.score

    def labels(self) -> list[str]:
        """What is shared, in words: the labels of the codes, then the keywords."""
        found = [
            vocab.label(vocab.MULTI[facet], code)
            for facet in WEIGHTS
            for code in self.shared.codes.get(facet, [])
        ]
        return found + self.shared.keywords


def candidates(practice: Practice, user: Any) -> list[Practice]:
    """The practices the user sees that share a dimension or a measure type with ``practice``,
    newest first, at most :data:`CANDIDATES`."""
    dims, types = practice.dimensions_mask, practice.measure_types_mask
    if not dims and not types:
        return []
    qs = (
        Practice.objects.visible_to(user)
        .exclude(pk=practice.pk)
        .annotate(
            shared_dims=F("dimensions_mask").bitand(dims),
            shared_types=F("measure_types_mask").bitand(types),
        )
        .filter(Q(shared_dims__gt=0) | Q(shared_types__gt=0))
        .select_related("land", "organisation")
        .order_by("-updated_at", "pk")
    )
    return list(qs[:CANDIDATES])


def rank(practice: Any, found: list[Practice], limit: int) -> list[Match]:
    """The best ``limit`` of ``found`` by their score against ``practice`` (pure; ``found`` is
    newest first, and the order among equal scores is kept)."""
    matches = [Match(p, score(practice, p)) for p in found]
    matches = [m for m in matches if m.score > 0]
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]


def similar(practice: Practice, user: Any, limit: int = 5) -> list[Match]:
    """Up to ``limit`` practices like ``practice`` that the user may see, best first."""
    return rank(practice, candidates(practice, user), limit)
