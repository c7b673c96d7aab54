"""Tables of estimates protected together (protect_linked_estimates), fixed cells, released
patterns and empty groups known to the attacker; hand-worked where the numbers are small."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ikoe.stats.disclosure import (
    TOTAL,
    CellSystem,
    EstimateCell,
    EstimateResult,
    EstimateTable,
    Hierarchy,
    ReleaseBlocks,
    Shown,
    Status,
    Table,
    api,
    audit,
    protect,
    protect_linked_estimates,
)
from ikoe.stats.disclosure.secondary import repair

ORG = Hierarchy.from_parents([("L", None), ("A", "L"), ("B", "L"), ("C", "L")])
CAREER = Hierarchy.flat(["mittel", "gehoben", "hoeher"])


def test_a_fixed_cell_is_a_free_complement_and_stays_suppressed():
    # a = 1 is sensitive. With c (6) suppressed already, a + c = 32 − 5 − 20 = 7 leaves a
    # anywhere in [0, 7]: no further cell is needed.
    table = Table.from_bottom(["org"], [(("a",), 1), (("b",), 5), (("c",), 6), (("d",), 20)])
    system = CellSystem.from_table(table)
    primary = np.array([table.key(i) == ("a",) for i in range(table.size)])
    fixed = np.array([table.key(i) == ("c",) for i in range(table.size)])
    pattern = protect(system, primary, 3.0, fixed=fixed)
    assert [table.key(i) for i in np.flatnonzero(pattern.suppressed)] == [("a",), ("c",)]
    assert pattern.audit.interval(table.index(("a",))) == pytest.approx((0.0, 7.0))
    # A fixed cell nobody needs is not published again by the clean-up.
    useless = np.array([table.key(i) == ("d",) for i in range(table.size)])
    kept = protect(system, np.zeros(table.size, dtype=bool), 3.0, fixed=useless)
    assert kept.suppressed[table.index(("d",))]


def cells(rows: list[tuple[str, str, int, int]]) -> list[EstimateCell]:
    return [EstimateCell((org, career), yes + no, yes, yes + no) for org, career, yes, no in rows]


ROWS = [
    ("A", "mittel", 1, 1),  # two respondents: secret
    ("A", "gehoben", 2, 30),  # two with a migration background: share secret
    ("A", "hoeher", 5, 5),
    ("B", "mittel", 9, 21),
    ("B", "gehoben", 9, 1),  # one without: share secret
    ("C", "mittel", 8, 20),
    ("C", "gehoben", 7, 25),
    ("C", "hoeher", 6, 14),
    # B × hoeher has nobody
]


def by_org_and_career(attribute: str = "_mighev") -> EstimateTable:
    return EstimateTable(("org", "career"), cells(ROWS), {"org": ORG, "career": CAREER}, attribute)


def by_org(attribute: str = "_mighev") -> EstimateTable:
    totals: dict[str, list[int]] = {}
    for org, _career, yes, no in ROWS:
        totals.setdefault(org, [0, 0])
        totals[org][0] += yes
        totals[org][1] += no
    return EstimateTable(
        ("org",),
        [EstimateCell((o,), y + n, y, y + n) for o, (y, n) in totals.items()],
        {"org": ORG},
        attribute,
    )


def test_linked_tables_share_one_status_per_cell_and_pass_the_audit():
    (detail, overview), pattern = protect_linked_estimates(
        [by_org_and_career(), by_org()], empty_known=True
    )
    assert pattern.audit.ok
    detail_by = {r.key: r for r in detail}
    overview_by = {r.key: r for r in overview}
    for org in ("L", "A", "B", "C"):
        assert detail_by[(org, TOTAL)].share_status == overview_by[(org,)].share_status
        assert detail_by[(org, TOTAL)].count_status == overview_by[(org,)].count_status
    assert detail_by[("A", "mittel")].count_status is Status.PRIMARY
    assert detail_by[("A", "gehoben")].share_reasons == ("frequency",)
    assert detail_by[("B", "gehoben")].share_status is Status.PRIMARY  # one person without
    # The audit again, separately: every primary cell keeps at least W = 3.
    report = audit(pattern.system, pattern.suppressed, pattern.primary, 3.0)
    assert report.ok and report.under_protected().size == 0


def test_empty_groups_known_to_the_attacker_are_never_complements():
    (detail,), pattern = protect_linked_estimates([by_org_and_career()], empty_known=True)
    system = pattern.system
    empty = [i for i in range(system.size) if system.key(i)[:2] == ("B", "hoeher")]
    assert empty and not pattern.suppressed[empty].any()
    # Without it, the engine may lean on the empty group, which a list of non-empty groups
    # gives away.
    _results, loose = protect_linked_estimates([by_org_and_career()], empty_known=False)
    assert loose.audit.ok and loose.suppressed[empty].any()


def test_two_definitions_share_their_counts_of_respondents():
    mighev, mz = by_org_and_career("_mighev"), by_org_and_career("_mz")
    (a, b), pattern = protect_linked_estimates([mighev, mz], empty_known=True)
    assert pattern.audit.ok
    for ra, rb in zip(a, b, strict=True):
        assert ra.key == rb.key and ra.count_status == rb.count_status


def test_a_released_pattern_does_not_change_when_a_table_is_added():
    (first,), released = protect_linked_estimates([by_org_and_career()], empty_known=True)
    (again, extra), pattern = protect_linked_estimates(
        [by_org_and_career(), by_org()], empty_known=True, released=released
    )
    assert [(r.count_status, r.share_status) for r in again] == [
        (r.count_status, r.share_status) for r in first
    ]
    assert pattern.audit.ok and len(extra) == 5


def shown(results: list[EstimateResult]) -> list[Shown]:
    """What a release of these results shows: the bottom rows' published figures."""
    return [
        Shown(
            r.key,
            r.definition,
            count=r.count_status is Status.PUBLISHED,
            declared=r.count_status is Status.PUBLISHED and r.declared_status is Status.PUBLISHED,
            share=r.share_status is Status.PUBLISHED,
        )
        for r in results
        if TOTAL not in r.key
    ]


def test_a_table_released_earlier_keeps_what_it_showed_when_a_table_is_added():
    (first,), _pattern = protect_linked_estimates([by_org_and_career()], empty_known=True)
    released = replace(by_org_and_career(), shown=shown(first))
    (again, extra), pattern = protect_linked_estimates([released, by_org()], empty_known=True)
    bottom = [(r.count_status, r.share_status) for r in first if TOTAL not in r.key]
    assert [(r.count_status, r.share_status) for r in again if TOTAL not in r.key] == bottom
    assert pattern.audit.ok and len(extra) == 5
    # The release showed the bottom rows only: A's and B's totals (beside their secret cells)
    # stay withheld, C's and the Land's follow from rows it showed, so they are published.
    statuses = {r.key: r.count_status for r in extra}
    assert statuses[("A",)] is Status.SECONDARY and statuses[("B",)] is Status.SECONDARY
    assert statuses[("C",)] is Status.PUBLISHED and statuses[("L",)] is Status.PUBLISHED


def test_a_table_that_splits_a_small_published_group_is_refused_before_any_search(monkeypatch):
    # A has 3 respondents, published; split by sex into 1 and 2, each listed (so at least 1):
    # each lies in [1, 2] whatever else is withheld.
    sex = Hierarchy.flat(["f", "m"])
    rows = [("A", "f", 1), ("A", "m", 2), ("B", "f", 20), ("B", "m", 25), ("C", "f", 30)]
    by_sex = EstimateTable(
        ("org", "sex"), [EstimateCell((o, x), n) for o, x, n in rows], {"org": ORG, "sex": sex}
    )
    totals = {"A": 3, "B": 45, "C": 30}
    by_org_released = EstimateTable(
        ("org",),
        [EstimateCell((o,), n) for o, n in totals.items()],
        {"org": ORG},
        shown=[Shown((o,), count=True) for o in (*totals, "L")],
    )

    def no_search(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("searched")

    monkeypatch.setattr(api, "protect", no_search)
    with pytest.raises(ReleaseBlocks) as refused:
        protect_linked_estimates([by_org_released, by_sex], empty_known=True)
    assert refused.value.cells.size > 0


def test_a_cell_the_release_gives_away_counts_as_published():
    # The Land is the only code below the total: the release shows L, so the total is known
    # although no row of the release shows it, and a table by sex alone may publish it.
    org = Hierarchy.from_parents([("L", None), ("A", "L"), ("B", "L")])
    sex = Hierarchy.flat(["f", "m"])
    rows = [("A", "f", 12), ("A", "m", 14), ("B", "f", 20), ("B", "m", 25)]
    by_org_released = EstimateTable(
        ("org",),
        [EstimateCell(("A",), 26), EstimateCell(("B",), 45)],
        {"org": org},
        shown=[Shown((o,), count=True) for o in ("A", "B", "L")],
    )
    by_sex = EstimateTable(
        ("sex",),
        [EstimateCell((x,), sum(n for _o, y, n in rows if y == x)) for x in ("f", "m")],
        {"sex": sex},
    )
    (_released, alone), pattern = protect_linked_estimates(
        [by_org_released, by_sex], empty_known=True
    )
    assert pattern.audit.ok
    assert [r.count_status for r in alone] == [Status.PUBLISHED] * 3


def test_repair_adds_the_cheapest_complement_and_publishes_nothing_again():
    # Only a = 1 suppressed: the total gives it away exactly. Repair suppresses b (5, the
    # cheapest), so a + b = 32 − 6 − 20 = 6 and a may be anything in [0, 6].
    table = Table.from_bottom(["org"], [(("a",), 1), (("b",), 5), (("c",), 6), (("d",), 20)])
    system = CellSystem.from_table(table)
    a, b, d = (table.index((code,)) for code in "abd")
    primary = np.zeros(table.size, dtype=bool)
    primary[a] = True
    assert not audit(system, primary, primary, 3.0).ok
    pattern = repair(system, primary, primary, 3.0)
    assert sorted(np.flatnonzero(pattern.suppressed).tolist()) == sorted([a, b])
    assert pattern.audit.interval(a) == pytest.approx((0.0, 6.0))
    # With d suppressed already (a + d = 21), a is protected: nothing is added, d stays.
    seed = primary.copy()
    seed[d] = True
    kept = repair(system, primary, seed, 3.0)
    assert sorted(np.flatnonzero(kept.suppressed).tolist()) == sorted([a, d])
