"""Anonymised comparisons of the IKÖ-Check: peer groups and the aggregate of a Land
(docs/assessment.md, "Comparisons").

A self-assessment belongs to the organisation that made it; others see it only inside
distributions of groups of at least ``settings.ASSESSMENT_MIN_PEERS`` (5) organisations, and
every number of such a distribution is protected with the cell key method of the disclosure
engine (:mod:`ikoe.stats.disclosure.cellkey`):

- **Population.** Per organisation its latest finished assessment that agreed to comparisons
  (``in_comparison``).
- **Record keys** come from the organisations' codes and a secret
  (``settings.ASSESSMENT_KEY_SECRET``); the cell key of a count is the fractional part of the sum
  of the record keys of the organisations it counts, so the same organisations get the same noise
  in every group, page and request, and asking again cannot average the noise away.
- **Noise** from :data:`PTABLE`: at most ±2, variance 1, ``js = 1`` (no count is published as 1;
  a count of 0 stays 0). Group sizes are perturbed like every other count.
- Only counts per maturity band (and, for a Land, per level of an item) are published: never a
  name, a minimum or maximum, or a mean of exact values.
- **Questionnaire versions.** A distribution uses the band bounds of one questionnaire version;
  an assessment made with another version is counted with its stored scores when that version's
  bounds are the same, and left out otherwise. Item distributions count only assessments of the
  same version (an item is defined by its version).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment.models import Answer, Assessment, DimensionScore
from ikoe.assessment.questionnaire import Questionnaire
from ikoe.errors import ImportFailed
from ikoe.organisations.models import Organisation
from ikoe.stats.assessment import MAX_LEVEL, band_index
from ikoe.stats.disclosure.cellkey import PerturbationTable, record_keys_from_ids

OVERALL = "overall"
MAX_DEVIATION = 2
VARIANCE = 1.0
JS = 1
PTABLE = PerturbationTable.build(MAX_DEVIATION, VARIANCE, js=JS)
"""The noise of every published count: at most ±2, variance 1, no count published as 1."""


def min_peers() -> int:
    return int(settings.ASSESSMENT_MIN_PEERS)


def perturbation_table() -> PerturbationTable | None:
    """The perturbation table in force (``None`` would publish exact counts: only the attacker
    test switches the noise off, to show that it then finds organisations)."""
    return PTABLE


@dataclass(frozen=True)
class Participant:
    """One organisation in the comparisons: its latest finished assessment that agreed."""

    assessment_id: int
    organisation_id: int
    code: str
    land_id: int | None
    kind: str
    size_class: str
    version: str
    scores: dict[str, float | None]
    overall: float | None

    def score(self, key: str) -> float | None:
        return self.overall if key == OVERALL else self.scores.get(key)


def population(lands: Iterable[int] | None = None) -> list[Participant]:
    """Per organisation its latest finished assessment with ``in_comparison`` (see the module).

    Read as plain rows, not model objects: a comparison reads every organisation's scores."""
    finished = Assessment.objects.finished().filter(in_comparison=True)
    if lands is not None:
        finished = finished.filter(organisation__land_id__in=list(lands))
    chosen: dict[int, tuple[Any, ...]] = {}
    fields = (
        "pk",
        "organisation_id",
        "organisation__code",
        "organisation__land_id",
        "organisation__kind",
        "size_class",
        "organisation__size_class",
        "questionnaire_version",
        "overall_score",
    )
    for row in finished.order_by("finished_at", "pk").values_list(*fields):
        chosen[row[1]] = row  # the latest wins; of equal times the highest pk
    scores: dict[int, dict[str, float | None]] = {row[0]: {} for row in chosen.values()}
    for assessment_id, dimension, score in DimensionScore.objects.filter(
        assessment__in=finished
    ).values_list("assessment_id", "dimension", "score"):
        if assessment_id in scores:
            scores[assessment_id][dimension] = score
    return [
        Participant(
            assessment_id=pk,
            organisation_id=organisation_id,
            code=code,
            land_id=land_id,
            kind=kind,
            size_class=size_class or organisation_size,
            version=version,
            scores=scores[pk],
            overall=overall,
        )
        for (
            pk,
            organisation_id,
            code,
            land_id,
            kind,
            size_class,
            organisation_size,
            version,
            overall,
        ) in sorted(chosen.values(), key=lambda row: row[2])
    ]


@cache
def _record_key(code: str, secret: str) -> float:
    return float(record_keys_from_ids([code], secret)[0])


class Protector:
    """Perturbs counts of organisations with the cell key method."""

    def __init__(self, secret: str | None = None, ptable: PerturbationTable | None = None) -> None:
        self.secret = secret if secret is not None else str(settings.ASSESSMENT_KEY_SECRET)
        self.ptable = ptable

    def count(self, codes: Iterable[str]) -> int:
        """The published count of the organisations ``codes``."""
        members = sorted(set(codes))
        if self.ptable is None:
            return len(members)
        key = sum(_record_key(c, self.secret) for c in members) % 1.0
        return len(members) + self.ptable.noise(len(members), key)


def protector() -> Protector:
    return Protector(ptable=perturbation_table())


def _bounds(version: str) -> tuple[float, ...] | None:
    try:
        return tuple(questionnaires.load(version).band_bounds)
    except (KeyError, ImportFailed):  # not shipped (any more), or a broken file: left out
        return None


def comparable(people: Sequence[Participant], found: Questionnaire) -> list[Participant]:
    """The participants whose version has the same band bounds as ``found``."""
    bounds = tuple(found.band_bounds)
    return [p for p in people if p.version == found.version or _bounds(p.version) == bounds]


@dataclass(frozen=True)
class Distribution:
    """How many organisations of a group are in each maturity band (published counts)."""

    key: str  # a dimension id or "overall"
    title: str
    counts: list[int]
    own_band: int | None = None


@dataclass(frozen=True)
class Group:
    """A peer group or a part of a Land aggregate; ``shown`` only with enough organisations."""

    key: str
    label: str
    shown: bool
    size: int | None = None  # published (perturbed) size, only when shown
    distributions: list[Distribution] = field(default_factory=list)


def _titles(found: Questionnaire) -> list[tuple[str, str]]:
    return [(d.id, str(d.title)) for d in found.dimensions] + [(OVERALL, _("Overall score"))]


def distributions(
    members: Sequence[Participant],
    found: Questionnaire,
    protect: Protector,
    own: dict[str, float | None] | None = None,
) -> list[Distribution]:
    """Per dimension and overall the published count of ``members`` in each band; ``own`` marks
    the band of the own scores."""
    bounds = found.band_bounds
    out = []
    for key, title in _titles(found):
        cells: list[list[str]] = [[] for _b in bounds]
        for p in members:
            score = p.score(key)
            if score is not None:
                cells[band_index(score, bounds)].append(p.code)
        own_score = own.get(key) if own is not None else None
        out.append(
            Distribution(
                key,
                title,
                [protect.count(c) for c in cells],
                band_index(own_score, bounds) if own_score is not None else None,
            )
        )
    return out


def _group(
    key: str,
    label: str,
    members: Sequence[Participant],
    found: Questionnaire,
    protect: Protector,
    own: dict[str, float | None] | None = None,
) -> Group:
    if len(members) < min_peers():
        return Group(key, label, shown=False)
    return Group(
        key,
        label,
        shown=True,
        size=protect.count(p.code for p in members),
        distributions=distributions(members, found, protect, own),
    )


def own_scores(scores_dimensions: dict[str, float | None], overall: float | None) -> dict:
    return {**scores_dimensions, OVERALL: overall}


def peer_groups(
    organisation: Organisation,
    size_class: str,
    found: Questionnaire,
    own: dict[str, float | None],
    people: Sequence[Participant] | None = None,
    protect: Protector | None = None,
) -> list[Group]:
    """The peer groups of ``organisation``: the same kind nationwide, the same size class
    nationwide, the same Land (every kind); each shown only with enough organisations."""
    protect = protect or protector()
    members = comparable(population() if people is None else people, found)
    groups = [
        _group(
            "kind",
            _("Organisations of the same kind (%(kind)s), nationwide")
            % {"kind": organisation.get_kind_display()},
            [p for p in members if p.kind == organisation.kind],
            found,
            protect,
            own,
        )
    ]
    if size_class:
        groups.append(
            _group(
                "size",
                _("Organisations of the same size (%(size)s), nationwide")
                % {"size": Organisation.SizeClass(size_class).label},
                [p for p in members if p.size_class == size_class],
                found,
                protect,
                own,
            )
        )
    if organisation.land_id is not None:
        land = organisation.land
        groups.append(
            _group(
                "land",
                _("Organisations in %(land)s") % {"land": land.name if land else ""},
                [p for p in members if p.land_id == organisation.land_id],
                found,
                protect,
                own,
            )
        )
    return groups


@dataclass(frozen=True)
class ItemDistribution:
    """How many organisations answered an item with each level 0–4 and not applicable."""

    item: questionnaires.Item
    shown: bool
    counts: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class LandAggregate:
    land: Organisation
    version: str
    whole: Group
    items: list[ItemDistribution]
    kinds: list[Group]

    @property
    def shown(self) -> bool:
        return self.whole.shown


def land_aggregate(
    land: Organisation,
    found: Questionnaire | None = None,
    people: Sequence[Participant] | None = None,
    protect: Protector | None = None,
    levels_of: Callable[[Sequence[int]], dict[int, dict[str, int | None]]] | None = None,
) -> LandAggregate:
    """The anonymised aggregate of a Land: its organisations (perturbed count), their bands per
    dimension, the levels of every item, and the same per kind of organisation with enough
    members; nothing of a group below the minimum."""
    protect = protect or protector()
    found = found or questionnaires.load(questionnaires.current_version())
    everyone = population([land.pk]) if people is None else people
    members = comparable([p for p in everyone if p.land_id == land.pk], found)
    whole = _group("land", land.name, members, found, protect)
    items: list[ItemDistribution] = []
    kinds: list[Group] = []
    if whole.shown:
        same = [p for p in members if p.version == found.version]
        levels = (levels_of or _levels)([p.assessment_id for p in same])
        for item in found.items():
            asked = [p for p in same if item.id in levels.get(p.assessment_id, {})]
            if len(asked) < min_peers():
                items.append(ItemDistribution(item, shown=False))
                continue
            cells: list[list[str]] = [[] for _n in range(MAX_LEVEL + 2)]
            for p in asked:
                level = levels[p.assessment_id][item.id]
                cells[MAX_LEVEL + 1 if level is None else level].append(p.code)
            items.append(ItemDistribution(item, True, [protect.count(c) for c in cells]))
        labels = dict(Organisation.Kind.choices)
        for kind in sorted({p.kind for p in members}, key=lambda k: str(labels.get(k, k))):
            group = [p for p in members if p.kind == kind]
            if len(group) >= min_peers():
                kinds.append(_group(kind, str(labels.get(kind, kind)), group, found, protect))
    return LandAggregate(land, found.version, whole, items, kinds)


def _levels(assessment_ids: Sequence[int]) -> dict[int, dict[str, int | None]]:
    out: dict[int, dict[str, int | None]] = {pk: {} for pk in assessment_ids}
    for a in Answer.objects.filter(assessment_id__in=list(assessment_ids)).values_list(
        "assessment_id", "item_id", "level"
    ):
        out[a[0]][a[1]] = a[2]
    return out
