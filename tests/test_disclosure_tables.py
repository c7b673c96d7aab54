"""Complete tables: hierarchies, every subtotal and the grand total ``_T``, linked tables."""

from __future__ import annotations

import numpy as np
import pytest

from ikoe.stats.disclosure import (
    TOTAL,
    CellSystem,
    Hierarchy,
    HierarchyError,
    LinkError,
    Table,
    TableError,
    link_tables,
)

ORG = Hierarchy.from_parents(
    [
        ("L1", ""),
        ("M1", "L1"),
        ("A1", "M1"),
        ("A2", "M1"),
        ("M2", "L1"),
        ("A3", "M2"),
        ("L2", ""),
        ("A4", "L2"),
    ]
)


def test_hierarchy_keeps_the_given_order_in_pre_order() -> None:
    assert ORG.codes == ("_T", "L1", "M1", "A1", "A2", "M2", "A3", "L2", "A4")
    assert ORG.leaves == ("A1", "A2", "A3", "A4")
    assert ORG.ancestors_of("A3") == ("M2", "L1", TOTAL)
    assert ORG.children_of(TOTAL) == ("L1", "L2")
    assert [ORG.depth_of(c) for c in ("_T", "L1", "M1", "A1")] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("pairs", "code"),
    [
        ([("a", ""), ("a", "")], "duplicate"),
        ([("a", "b")], "unknown-parent"),
        ([("a", "b"), ("b", "a")], "cycle"),
        ([("a", "a")], "cycle"),
        ([(TOTAL, "")], "reserved"),
        ([("", "")], "empty"),
    ],
)
def test_hierarchy_errors_name_the_problem(pairs, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(HierarchyError) as err:
        Hierarchy.from_parents(pairs)
    assert err.value.code == code


def test_the_complete_table_has_every_subtotal_and_the_grand_total() -> None:
    cells = [
        (("A1", "f"), 1),
        (("A1", "m"), 2),
        (("A2", "f"), 3),
        (("A3", "m"), 4),
        (("A4", "f"), 5),
    ]
    t = Table.from_bottom(["org", "sex"], cells, {"org": ORG})
    assert t.shape == (9, 3)
    assert t.size == 27
    assert t.key(0) == (TOTAL, TOTAL)
    assert t.value((TOTAL, TOTAL)) == 15
    assert t.value(("M1", TOTAL)) == 6
    assert t.value(("L1", "f")) == 4
    assert t.value(("L1", "m")) == 6
    assert t.value(("L2", TOTAL)) == 5
    assert t.value(("A2", "m")) == 0  # not listed: zero
    assert t.value((TOTAL, "f")) == 9


def test_every_relation_holds_and_each_subtotal_has_one_relation_per_dimension() -> None:
    rng = np.random.default_rng(7)
    cells = [((a, s), float(rng.integers(0, 20))) for a in ORG.leaves for s in ("f", "m", "d")]
    t = Table.from_bottom(["org", "sex"], cells, {"org": ORG})
    r = t.relations()
    assert np.abs(r @ t.values).max() == 0
    # org: 5 codes with children x 4 sex codes; sex: 1 total x 9 org codes
    assert r.shape == (5 * 4 + 1 * 9, t.size)
    assert set(np.unique(r.data)) == {-1.0, 1.0}


def test_microdata_counts_and_weights() -> None:
    records = [("A1", "f"), ("A1", "f"), ("A3", "m")]
    counts = Table.from_microdata(["org", "sex"], records, {"org": ORG})
    assert counts.value(("A1", "f")) == 2
    assert counts.value(("L1", TOTAL)) == 3
    weighted = Table.from_microdata(["org", "sex"], records, {"org": ORG}, weights=[1.5, 2.0, 0.5])
    assert weighted.value((TOTAL, TOTAL)) == 4.0


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        ([(("M1", "f"), 1)], "not-bottom"),
        ([(("A9", "f"), 1)], "unknown-code"),
        ([(("A1", "f"), 1), (("A1", "f"), 2)], "duplicate"),
        ([(("A1", "f"), -1)], "negative"),
        ([(("A1",), 1)], "arity"),
    ],
)
def test_bad_bottom_cells_are_refused(cells, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TableError) as err:
        Table.from_bottom(["org", "sex"], cells, {"org": ORG})
    assert err.value.code == code


def test_linked_tables_share_cells_and_keep_every_relation() -> None:
    by_sex = Table.from_bottom(
        ["org", "sex"], [(("A1", "f"), 1), (("A2", "m"), 4), (("A4", "f"), 2)], {"org": ORG}
    )
    by_career = Table.from_bottom(
        ["org", "career"], [(("A1", "x"), 1), (("A2", "y"), 4), (("A4", "x"), 2)], {"org": ORG}
    )
    linked = link_tables([by_sex, by_career])
    system = linked.system
    assert system.grid.dims == ("org", "sex", "career")
    # shared: the org column (sex = career = _T), 9 cells
    assert system.size == by_sex.size + by_career.size - 9
    for t, members in zip(linked.tables, linked.members, strict=True):
        assert np.array_equal(system.values[members], t.values)
    assert np.abs(system.relations @ system.values).max() == 0
    same = (
        linked.members[0][by_sex.index(("A2", TOTAL))]
        == linked.members[1][by_career.index(("A2", TOTAL))]
    )
    assert same


def test_a_table_by_land_links_with_a_table_by_agency() -> None:
    land = Hierarchy.from_parents([("L1", ""), ("L2", "")])
    by_agency = Table.from_bottom(["org"], [((a,), 1.0) for a in ORG.leaves], {"org": ORG})
    by_land = Table.from_bottom(
        ["org", "sex"], [(("L1", "f"), 1), (("L1", "m"), 2), (("L2", "f"), 1)], {"org": land}
    )
    linked = link_tables([by_agency, by_land])
    assert linked.system.size == 9 + 9 - 3


def test_linking_refuses_different_trees_and_different_values() -> None:
    other = Hierarchy.from_parents(
        [("L1", ""), ("A1", "L1"), ("A2", "L1"), ("L2", ""), ("A3", "L2"), ("A4", "L2")]
    )
    t1 = Table.from_bottom(["org"], [((a,), 1.0) for a in ORG.leaves], {"org": ORG})
    t2 = Table.from_bottom(["org"], [((a,), 1.0) for a in other.leaves], {"org": other})
    with pytest.raises(LinkError) as err:
        link_tables([t1, t2])
    assert err.value.code == "hierarchy"
    t3 = Table.from_bottom(["org"], [((a,), 2.0) for a in ORG.leaves], {"org": ORG})
    with pytest.raises(LinkError) as err:
        link_tables([t1, t3])
    assert err.value.code == "values"


def test_cell_system_of_a_table() -> None:
    t = Table.from_bottom(["sex"], [(("f",), 3), (("m",), 4)])
    system = CellSystem.from_table(t)
    assert system.upper == 7
    assert system.key(1) == ("f",)
    assert system.grid.lookup(np.array([0, 2, 5])).tolist() == [0, 2, -1]
