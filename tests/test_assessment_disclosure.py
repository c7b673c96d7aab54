"""The attacker's test of the anonymised comparisons of the IKÖ-Check (docs/assessment.md,
"Comparisons"; ikoe/assessment/comparison.py).

About 30 organisations in two Länder, of three kinds and three size classes, each with a random
finished assessment. Everything the pages serve is collected: the peer groups of every
organisation (as its results page shows them) and the aggregate of each Land with its items and
its breakdown by kind. The attacker knows the register (who is in which group, and that every
organisation takes part), the methodology (the published counts are off by at most 2; a count
of 0 stays 0) and all answers of their own organisation. They set up one integer programme
(scipy.optimize.milp, HiGHS): a binary level per organisation and item, a binary band per
organisation and dimension and overall, and every published count within 2 of the count it
describes. No other organisation may end up with one possible band or one possible level.
(The programme does not link the levels to the scores through the weights: with those links one
solve takes about a minute, and each published count has its own noise either way.)

With the noise switched off, the same attacker pins an organisation: the test is able to see a
leak.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from ikoe.assessment import comparison
from ikoe.assessment.comparison import OVERALL, Participant, Protector
from ikoe.assessment.questionnaire import load
from ikoe.organisations.models import Organisation
from ikoe.stats.assessment import band_index, score_assessment
from tests.test_assessment_results import QUESTIONNAIRES

pytestmark = pytest.mark.django_db

KINDS = ("agency", "association", "company")
SIZES = ("1-49", "50-249", "250-999")
TOLERANCE = comparison.MAX_DEVIATION


@dataclass
class World:
    orgs: dict[str, Organisation]
    people: list[Participant]
    levels: dict[int, dict[str, int | None]]


def make_world(seed: int, n: int = 30) -> World:
    rng = random.Random(seed)
    found = load("2026.1", QUESTIONNAIRES)
    weights = found.weights([])
    lands = {}
    for code, name in (("DE-BE", "Land A"), ("DE-HH", "Land B")):
        lands[code] = Organisation.objects.create(code=code, name=name, kind="land")
    ministries = {
        code: Organisation.objects.create(
            code=f"{code}-MIN", name="Ministry", kind="ministry", parent=land
        )
        for code, land in lands.items()
    }
    orgs: dict[str, Organisation] = {}
    people: list[Participant] = []
    levels: dict[int, dict[str, int | None]] = {}
    for i in range(n):
        land = "DE-BE" if i % 2 == 0 else "DE-HH"
        kind = KINDS[rng.randrange(3)]
        parent = ministries[land] if kind == "agency" else lands[land]
        org = Organisation.objects.create(
            code=f"O{i:02d}",
            name=f"Org {i}",
            kind=kind,
            parent=parent,
            size_class=SIZES[rng.randrange(3)],
        )
        orgs[org.code] = org
        # each organisation has its own habit, so that bands differ between organisations
        centre = rng.uniform(0.5, 3.5)
        answers = {
            item: max(0, min(4, round(rng.gauss(centre, 0.9))))
            for pairs in weights.values()
            for item, _w in pairs
        }
        scores = score_assessment(weights, answers)
        levels[i] = dict(answers)
        people.append(
            Participant(
                assessment_id=i,
                organisation_id=org.pk,
                code=org.code,
                land_id=org.land_id,
                kind=kind,
                size_class=org.size_class,
                version=found.version,
                scores=dict(scores.dimensions),
                overall=scores.overall,
            )
        )
    return World(orgs, people, levels)


@dataclass(frozen=True)
class Served:
    """One published count: which organisations it counts, of what, and its value."""

    members: frozenset[str]
    what: tuple[str, str, int]  # ("band", dimension, band) or ("level", item, level)
    value: int


def serve_everything(world: World, protect: Protector) -> list[Served]:
    """What the results pages of all organisations and the Land pages show."""
    found = load("2026.1", QUESTIONNAIRES)
    by_code = {p.code: p for p in world.people}
    served: set[Served] = set()

    def collect(group: comparison.Group, members: list[Participant]) -> None:
        if not group.shown:
            return
        codes = frozenset(p.code for p in members)
        for d in group.distributions:
            for band, value in enumerate(d.counts):
                served.add(Served(codes, ("band", d.key, band), value))

    for p in world.people:
        org = world.orgs[p.code]
        groups = comparison.peer_groups(
            org, p.size_class, found, {**p.scores, OVERALL: p.overall}, world.people, protect
        )
        for g in groups:
            members = {
                "kind": [q for q in world.people if q.kind == p.kind],
                "size": [q for q in world.people if q.size_class == p.size_class],
                "land": [q for q in world.people if q.land_id == p.land_id],
            }[g.key]
            collect(g, members)
    for land in Organisation.objects.filter(kind="land"):
        aggregate = comparison.land_aggregate(
            land,
            found,
            world.people,
            protect,
            levels_of=lambda ids: {i: world.levels[i] for i in ids},
        )
        in_land = [q for q in world.people if q.land_id == land.pk]
        collect(aggregate.whole, in_land)
        for g in aggregate.kinds:
            collect(g, [q for q in in_land if q.kind == g.key])
        codes = frozenset(q.code for q in in_land)
        for item in aggregate.items:
            if item.shown:
                for level, value in enumerate(item.counts):
                    served.add(Served(codes, ("level", item.item.id, level), value))
    assert all(by_code.keys() >= s.members for s in served)
    return sorted(served, key=lambda s: (s.what, sorted(s.members)))


class Attacker:
    """The integer programme of an attacker who is organisation ``own``."""

    def __init__(self, world: World, served: list[Served], own: str, tolerance: int) -> None:
        found = load("2026.1", QUESTIONNAIRES)
        self.found = found
        self.bounds = found.band_bounds
        self.codes = [p.code for p in world.people]
        self.keys = [d.id for d in found.dimensions] + [OVERALL]
        self.items = [(d.id, i.id, i.weight) for d in found.dimensions for i in d.items_for([])]
        nb, nl = len(self.bounds), 5
        index: dict[tuple, int] = {}
        for c in self.codes:
            for _d, item, _w in self.items:
                for level in range(nl):
                    index[("y", c, item, level)] = len(index)
            for k in self.keys:
                for b in range(nb):
                    index[("x", c, k, b)] = len(index)
        self.index = index
        n = len(index)
        rows: list[tuple[dict[int, float], float, float]] = []
        for c in self.codes:
            for _d, item, _w in self.items:  # one level per item
                rows.append(({index[("y", c, item, lv)]: 1.0 for lv in range(nl)}, 1, 1))
            for k in self.keys:  # one band per dimension and overall
                rows.append(({index[("x", c, k, b)]: 1.0 for b in range(nb)}, 1, 1))
        for s in served:
            kind, what, cat = s.what
            if kind == "level" and cat == nl:  # not applicable: no generated answer says so
                assert s.value == 0
                continue
            var = "x" if kind == "band" else "y"
            row = {index[(var, c, what, cat)]: 1.0 for c in s.members}
            rows.append((row, max(0, s.value - tolerance), s.value + tolerance))
            if s.value > 0:  # a count of 0 stays 0
                rows.append((row, 1, np.inf))
        lower_bounds = np.zeros(n)
        upper_bounds = np.ones(n)
        integrality = np.ones(n)
        own_person = next(p for p in world.people if p.code == own)
        for _d, item, _w in self.items:  # the attacker knows their own answers
            level = world.levels[own_person.assessment_id][item]
            for lv in range(nl):
                j = index[("y", own, item, lv)]
                lower_bounds[j] = upper_bounds[j] = 1.0 if lv == level else 0.0
        for k in self.keys:  # and so their own bands
            band = band_index(own_person.score(k), self.bounds)  # type: ignore[arg-type]
            for b in range(nb):
                j = index[("x", own, k, b)]
                lower_bounds[j] = upper_bounds[j] = 1.0 if b == band else 0.0
        matrix = lil_matrix((len(rows), n))
        lo, hi = np.empty(len(rows)), np.empty(len(rows))
        for r, (row, a, b) in enumerate(rows):
            for j, v in row.items():
                matrix[r, j] = v
            lo[r], hi[r] = a, b
        self.constraints = LinearConstraint(matrix.tocsr(), lo, hi)
        self.lower, self.upper, self.integrality = lower_bounds, upper_bounds, integrality
        self.own = own
        self.rng = np.random.default_rng(0)

    def solve(self, fixed_zero: int | None = None) -> np.ndarray | None:
        lower, upper = self.lower.copy(), self.upper.copy()
        if fixed_zero is not None:
            upper[fixed_zero] = 0.0
        result = milp(
            self.rng.normal(size=lower.size),
            constraints=self.constraints,
            integrality=self.integrality,
            bounds=Bounds(lower, upper),
            options={"time_limit": 20},
        )
        return result.x if result.status == 0 else None

    def pinned(self) -> list[tuple[str, str]]:
        """Organisations with exactly one feasible band of a dimension (or overall), or one
        feasible level of an item."""
        seen: dict[tuple[str, str, str], set[int]] = {}
        choices = [(var, c, k) for (var, c, k, *_rest) in self.index if var in ("x", "y")]
        choices = list(dict.fromkeys(choices))
        width = {"x": len(self.bounds), "y": 5}

        def record(x: np.ndarray) -> None:
            for var, c, k in choices:
                for b in range(width[var]):
                    if x[self.index[(var, c, k, b)]] > 0.5:
                        seen.setdefault((var, c, k), set()).add(b)

        for _round in range(3):
            x = self.solve()
            assert x is not None, "the true answers must always be feasible"
            record(x)
        out = []
        for var, c, k in choices:
            if c == self.own or len(seen[(var, c, k)]) >= 2:
                continue
            (band,) = seen[(var, c, k)]
            x = self.solve(fixed_zero=self.index[(var, c, k, band)])
            if x is None:
                out.append((c, k))
            else:
                record(x)
        return out


@pytest.mark.parametrize(("seed", "own"), [(14, "O00"), (27, "O07")])
def test_no_organisation_is_pinned_to_a_band(seed, own):
    world = make_world(seed=seed)
    served = serve_everything(world, Protector(secret="attacker-test", ptable=comparison.PTABLE))
    assert len(served) > 300  # peer groups, Land aggregates, items and kinds were all served
    assert any(s.what[0] == "level" for s in served)
    exact = serve_everything(world, Protector(secret="attacker-test", ptable=None))
    assert [s.value for s in served] != [s.value for s in exact]  # the noise is on
    attacker = Attacker(world, served, own=own, tolerance=TOLERANCE)
    assert attacker.pinned() == []


def test_without_noise_the_attacker_pins_an_organisation():
    world = make_world(seed=14)
    served = serve_everything(world, Protector(secret="attacker-test", ptable=None))
    attacker = Attacker(world, served, own="O00", tolerance=0)
    assert attacker.pinned() != []
