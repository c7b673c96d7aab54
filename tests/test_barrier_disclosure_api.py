"""An outside attacker against everything the public API serves of selection data (issue 12).

The attacker is :mod:`tests.funnel_attacker`, built without the engine: it reads, as anybody
without an account, every funnel ``GET /api/v1/selection/<name>/funnels`` serves and the
analysis of every funnel against every comparison group
(``…/funnels/<number>/analysis?reference=…``), and knows the methodology (docs/disclosure.md,
"Selection funnels"): the stages nest (passed of a stage is entered of the next one, but for
those who left), groups sum to the total, a pooled funnel is the sum of its procedures, listed
groups have applicants, counts are whole numbers, and whether everybody who passed a stage went
on (not served; handed over from the file, a stronger attacker than the API makes). Each
selection rate the analysis serves is one more equation.

Only the judging reads the file (the truth, parsed here without the platform's reader): every
count (entered, passed, failed, left; of a group or of all applicants) of 1 to k − 1, or that
tells that everybody of a stage whose group is known has a migration background, must not be
served and must keep an interval at least W wide; every served count must be the true one;
every figure of the analysis must stand on served counts alone.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client

from ikoe.barriers.models import FunnelCell
from ikoe.barriers.pipeline import import_selection
from ikoe.barriers.release import Channel, set_release
from ikoe.disclosure_rules import current_rules
from tests.funnel_attacker import (
    ENTERED,
    PASSED,
    Count,
    FunnelAttacker,
    Shown,
    is_shown,
    sensitive_counts,
    shown_from_api,
    true_counts,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "selection"
WITH, WITHOUT, NOT_DECLARED = (
    "mit Migrationshintergrund",
    "ohne Migrationshintergrund",
    "keine Angabe",
)
ALWAYS = (WITH, WITHOUT)  # the groups every funnel lists, also without applicants
OVERALL = "overall"
HEADER = ("Verfahren", "Dienststelle", "Jahr", "Stufe", "Gruppe", "Beworben", "Bestanden")
FIGURES = (
    "selection_rate",
    "impact_ratio",
    "ir_ci_low",
    "ir_ci_high",
    "four_fifths",
    "test",
    "p_value",
    "p_holm",
    "shortfall",
    "flip_one_reverses",
)


# ---------------------------------------------------------------------------------------------
# The truth: the file's counts, for judging only


@dataclass
class Truth:
    """One procedure of the file: ``counts[(stage, group)] = (entered, passed)``."""

    procedure: str
    organisation: str
    year: int | None
    career_group: str = ""
    stages: tuple[str, ...] = ()
    counts: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.procedure, self.organisation, self.year, self.career_group)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g for _s, g in self.counts))

    def count(self, stage: str, group: str) -> tuple[int, int]:
        return self.counts.get((stage, group), (0, 0))

    def continues(self) -> tuple[bool, ...]:
        """Whether everybody who passed each stage entered the next one."""
        return tuple(
            all(self.count(s, g)[1] == self.count(t, g)[0] for g in self.groups)
            for s, t in zip(self.stages, self.stages[1:], strict=False)
        )


def read_truth(path: Path) -> list[Truth]:
    """The procedures of a counts file with the headings of ``HEADER`` (stages in file order)."""
    found: dict[tuple[str, str, int | None], Truth] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            year = int(row["Jahr"]) if row["Jahr"] else None
            t = found.setdefault(
                (row["Verfahren"], row["Dienststelle"], year),
                Truth(row["Verfahren"], row["Dienststelle"], year),
            )
            if row["Stufe"] not in t.stages:
                t.stages += (row["Stufe"],)
            t.counts[(row["Stufe"], row["Gruppe"])] = (int(row["Beworben"]), int(row["Bestanden"]))
    return list(found.values())


def write_file(procedures: Sequence[Truth], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADER)
        for p in procedures:
            for stage in p.stages:
                for group in p.groups:
                    out.writerow(
                        [p.procedure, p.organisation, p.year, stage, group, *p.count(stage, group)]
                    )
    return path


def generated(seed: int, procedures: int = 10) -> list[Truth]:
    """Procedures of three organisations in two years with small groups: some with a written
    test, some without; some applicants leave between stages."""
    rng = np.random.default_rng(seed)
    stage_lists = (
        ("Bewerbung", "schriftlicher Test", "Auswahlgespräch", "Einstellung"),
        ("Bewerbung", "Auswahlgespräch", "Einstellung"),
    )
    out = []
    for i in range(procedures):
        stages = stage_lists[int(rng.integers(0, 3) == 0)]
        truth = Truth(f"Verfahren {i}", ("A-AGY", "A-AGY2", "A-UNIT")[i % 3], 2023 + i % 2)
        truth.stages = stages
        for group, share in ((WITH, 0.3), (WITHOUT, 0.55), (NOT_DECLARED, 0.15)):
            current = int(rng.binomial(30, share))
            if current == 0:
                continue
            for stage, rate in zip(stages, (0.8, 0.5, 0.5, 0.8), strict=False):
                passed = int(rng.binomial(current, rate))
                truth.counts[(stage, group)] = (current, passed)
                current = passed - int(rng.binomial(passed, 0.1))
        out.append(truth)
    return out


# ---------------------------------------------------------------------------------------------
# What the public API serves, attacked


@dataclass
class Served:
    funnels: list[dict[str, Any]]
    analyses: list[tuple[dict[str, Any], dict[str, Any]]]  # (funnel, analysis) per reference


def fetch_everything(client: Client, name: str) -> Served:
    """Every funnel, and the analysis of each against the default and every listed group."""
    base = f"/api/v1/selection/{name}/funnels"
    answer = client.get(base)
    assert answer.status_code == 200
    funnels = answer.json()
    analyses = []
    for f in funnels:
        for reference in (None, *f["groups"]):
            query = {"reference": reference} if reference else {}
            one = client.get(f"{base}/{f['number']}/analysis", query)
            assert one.status_code == 200, one.content
            analyses.append((f, one.json()))
    return Served(funnels, analyses)


def served_counts(page: Shown, stage: str, group: str) -> tuple[int | None, int | None]:
    return page.figures.get((stage, group), (None, None))


def stands_on(page: Shown, stage: str, group: str) -> tuple[int, int] | None:
    """``(entered, passed)`` behind a figure of ``group`` at ``stage`` (or the whole funnel),
    when every count it needs is served; else ``None``."""
    if stage == OVERALL:
        pairs = [served_counts(page, s, group) for s in page.stages]
        if any(None in pair for pair in pairs):
            return None
        return pairs[0][0], pairs[-1][1]  # type: ignore[return-value]
    pair = served_counts(page, stage, group)
    return None if None in pair else pair  # type: ignore[return-value]


def rate_equations(
    pages: Mapping[int, Shown], served: Served
) -> Iterator[tuple[Count, Count, float]]:
    """Every selection rate served, as the attacker's equation passed = rate · entered."""
    for funnel, result in served.analyses:
        page = pages[funnel["number"]]
        base = (page.stages, page.procedure, page.pool)
        for r in result["results"]:
            if r["selection_rate"] is None:
                continue
            if r["stage"] == OVERALL:
                first, last = 0, len(page.stages) - 1
            else:
                first = last = page.stages.index(r["stage"])
            yield (
                Count(*base, last, r["group"], PASSED),
                Count(*base, first, r["group"], ENTERED),
                r["selection_rate"],
            )


def check_analyses(pages: Mapping[int, Shown], served: Served) -> int:
    """Every figure of every analysis stands on served counts of the group and of its
    comparison group, and is what those counts give; a stage and group whose counts are not all
    served has no figure. Returns the number of figures checked."""
    checked = 0
    for funnel, result in served.analyses:
        page = pages[funnel["number"]]
        for r in result["results"]:
            own = stands_on(page, r["stage"], r["group"])
            figures = {f: r[f] for f in FIGURES if r[f] is not None}
            if own is None:
                assert not figures, (funnel["number"], r)
                continue
            entered, passed = own
            if r["selection_rate"] is not None:
                assert r["selection_rate"] == pytest.approx(passed / entered)
            if r["compared_with"] is None:
                # not compared; or the comparison group itself, with the ratio 1 to itself
                assert set(figures) <= {"selection_rate", "impact_ratio"}, (funnel["number"], r)
                assert r["impact_ratio"] in (None, 1.0), (funnel["number"], r)
                checked += len(figures)
                continue
            other = stands_on(page, r["stage"], r["compared_with"])
            assert other is not None, (funnel["number"], r)
            e_c, p_c = other
            if r["impact_ratio"] is not None:
                assert r["impact_ratio"] == pytest.approx((passed / entered) / (p_c / e_c))
            if r["shortfall"] is not None:
                pooled = (passed + p_c) / (entered + e_c)
                assert r["shortfall"] == pytest.approx(entered * pooled - passed)
            checked += len(figures)
    return checked


@dataclass
class Verdict:
    secret: set[Count]
    served: list[Count]  # secret counts the API serves
    narrow: dict[Count, Any]
    figures: int


def attack(client: Client, name: str, truth: Sequence[Truth], k: int, width: float) -> Verdict:
    served = fetch_everything(client, name)
    continues = {p.key: p.continues() for p in truth}
    pages = shown_from_api(served.funnels, continues)
    # shown_from_api keeps the order of the funnels served
    by_number = {f["number"]: page for f, page in zip(served.funnels, pages, strict=True)}
    counts = true_counts(pages, truth)
    # Every served count is the true one.
    for page in pages:
        for (stage, group), (entered, passed) in page.figures.items():
            base = (page.stages, page.procedure, page.pool, page.stages.index(stage), group)
            if entered is not None:
                assert entered == counts[Count(*base, ENTERED)]
            if passed is not None:
                assert passed == counts[Count(*base, PASSED)]
    figures = check_analyses(by_number, served)
    attacker = FunnelAttacker(pages, ALWAYS, rate_equations(by_number, served))
    secret = sensitive_counts(counts, k)
    narrow = {}
    served_secret = [c for c in sorted(secret, key=repr) if is_shown(pages, c)]
    for c in sorted(secret, key=repr):
        interval = attacker.interval(c)
        assert interval.lower <= counts[c] <= interval.upper, (c, interval, counts[c])
        if interval.width < width:
            narrow[c] = (interval, counts[c])
    print(
        f"\n{name}: {len(pages)} funnels, {len(served.analyses)} analyses with {figures} figures, "
        f"{attacker.size} unknowns, {len(secret)} secret counts, {len(served_secret)} served, "
        f"{len(narrow)} narrowed"
    )
    return Verdict(secret, served_secret, narrow, figures)


@pytest.fixture
def rules() -> tuple[int, float]:
    rules = current_rules()
    return rules.engine.min_count, rules.width


def publish(path: Path, name: str, land: Any) -> None:
    data = import_selection(path, name=name, land=land)
    set_release(data, True, channel=Channel.COMMAND, username="test")


def test_the_test_file_served_to_the_public_holds_against_the_attacker(
    cast, land_a, client_anonymous, rules
):
    file = DATA / "auswahl_land_a.csv"
    publish(file, "auswahl-a-2024", land_a)
    verdict = attack(client_anonymous, "auswahl-a-2024", read_truth(file), *rules)
    assert not verdict.served, verdict.served
    assert not verdict.narrow, verdict.narrow
    # The 2 of 30 with a migration background who passed A-AGY2's interview are among the
    # secret counts the attacker tried, and figures of the analysis were served and checked.
    assert any(
        c.procedure is not None
        and c.procedure[1] == "A-AGY2"
        and c.group == WITH
        and c.kind == PASSED
        for c in verdict.secret
    )
    assert verdict.figures > 50


@pytest.mark.parametrize("seed", [4, 11])
def test_generated_procedures_with_small_groups_served_to_the_public_hold_against_the_attacker(
    seed, cast, land_a, client_anonymous, rules, tmp_path
):
    truth = generated(seed)
    publish(write_file(truth, tmp_path / "auswahl.csv"), f"generiert-{seed}", land_a)
    verdict = attack(client_anonymous, f"generiert-{seed}", truth, *rules)
    assert len(verdict.secret) > 20
    assert not verdict.served, verdict.served
    assert not verdict.narrow, verdict.narrow
    assert verdict.figures > 20


def test_the_attack_notices_a_secret_count_that_a_pooled_funnel_gives_away(
    cast, land_a, client_anonymous, rules
):
    # Checks the attack through the API: were the funnel of A-AGY2's procedures to serve the
    # 2 of 30 who passed the interview, the attacker would read it there, and would know the
    # procedure's own count exactly (the only procedure of A-AGY2, so the same persons).
    file = DATA / "auswahl_land_a.csv"
    publish(file, "auswahl-a-2024", land_a)
    pooled = FunnelCell.objects.get(
        pooling="organisation",
        organisation__code="A-AGY2",
        stage="Auswahlgespräch",
        group=WITH,
    )
    assert pooled.passed is None
    pooled.passed, pooled.passed_status, pooled.passed_symbol = 2, "published", ""
    pooled.save()
    verdict = attack(client_anonymous, "auswahl-a-2024", read_truth(file), *rules)
    served = [(c.pool, c.group, c.kind) for c in verdict.served]
    assert ((("organisation", "A-AGY2"),), WITH, PASSED) in served
    procedure = next(
        c
        for c in verdict.narrow
        if c.procedure is not None
        and c.procedure[1] == "A-AGY2"
        and c.stage == 2
        and (c.group, c.kind) == (WITH, PASSED)
    )
    interval, true = verdict.narrow[procedure]
    assert (interval.lower, interval.upper, true) == (2, 2, 2)


def test_before_the_release_the_public_gets_nothing_to_attack(cast, land_a, client_anonymous):
    import_selection(DATA / "auswahl_land_a.csv", name="auswahl-a-2024", land=land_a)
    assert client_anonymous.get("/api/v1/selection").json() == []
    assert client_anonymous.get("/api/v1/selection/auswahl-a-2024/funnels").status_code == 404


def test_the_attacker_reads_a_rate_of_a_secret_count_as_the_count_itself():
    # Checks the attacker: were a selection rate served beside a secret passed count (2 of 30
    # at the last stage), the rate alone would give the count away; without it the count keeps
    # its interval.
    stages = ("Bewerbung", "Auswahlgespräch")
    key = ("P", "A", 2024, "")
    figures = {
        ("Bewerbung", "_T"): (None, None),
        ("Auswahlgespräch", "_T"): (None, None),
        ("Bewerbung", WITH): (40, 30),
        ("Auswahlgespräch", WITH): (30, None),
        ("Bewerbung", WITHOUT): (50, 45),
        ("Auswahlgespräch", WITHOUT): (45, 20),
    }
    page = Shown(stages, key, (), (WITH, WITHOUT), figures, (True,))
    secret = Count(stages, key, (), 1, WITH, PASSED)
    alone = FunnelAttacker([page], ALWAYS).interval(secret)
    assert (alone.lower, alone.upper) == (0, 30)
    rate = (secret, Count(stages, key, (), 1, WITH, ENTERED), 2 / 30)
    leaked = FunnelAttacker([page], ALWAYS, [rate]).interval(secret)
    assert (leaked.lower, leaked.upper) == (2, 2)
    assert math.isclose(leaked.width, 0)
