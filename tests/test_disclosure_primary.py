"""Primary rules: each configurable, each recording its reason."""

from __future__ import annotations

import numpy as np
import pytest

from ikoe.stats.disclosure import (
    TOTAL,
    EstimateCell,
    Reason,
    Rules,
    Status,
    Table,
    count_flags,
    protect_estimates,
    protect_table,
    reason_names,
    share_flags,
)


def names(flags: np.ndarray) -> list[tuple[str, ...]]:
    return [reason_names(int(f)) for f in flags]


def test_minimum_frequency_marks_1_to_k_minus_1_and_not_zero() -> None:
    counts = np.array([0, 1, 2, 3, 4, 10])
    assert names(count_flags(counts, Rules())) == [(), ("frequency",), ("frequency",), (), (), ()]
    assert names(count_flags(counts, Rules(min_count=5))) == [(), *[("frequency",)] * 4, ()]


def test_zero_cells_only_when_a_rule_says_so() -> None:
    assert names(count_flags(np.array([0, 5]), Rules(zero_sensitive=True))) == [("zero",), ()]


def test_share_base_default_10() -> None:
    flags = share_flags(np.array([9, 10, 30]), np.array([3, 3, 3]), np.array([9, 10, 30]), Rules())
    assert names(flags) == [("share-base",), (), ()]
    off = share_flags(np.array([9]), np.array([3]), None, Rules(share_base=None))
    assert names(off) == [()]


def test_group_disclosure_when_everyone_shares_the_sensitive_answer() -> None:
    n = np.array([12, 12, 12])
    s = np.array([12, 11, 0])
    assert names(share_flags(n, s, None, Rules())) == [("group-disclosure",), (), ()]
    both = share_flags(n, s, None, Rules(group_both_sides=True))
    assert names(both) == [("group-disclosure",), (), ("group-disclosure",)]
    near = share_flags(n, s, None, Rules(group_threshold=0.9))
    assert names(near) == [("group-disclosure",), ("group-disclosure",), ()]


def test_declaration_rate() -> None:
    n = np.array([20, 20, 20])
    declared = np.array([11, 12, 20])
    s = np.array([2, 2, 2])
    assert names(share_flags(n, s, declared, Rules())) == [("declaration-rate",), (), ()]
    assert names(share_flags(n, s, declared, Rules(min_declaration_rate=None))) == [(), (), ()]


def test_several_reasons_are_kept_together() -> None:
    flags = share_flags(np.array([8]), np.array([2]), np.array([4]), Rules())
    assert reason_names(int(flags[0])) == ("share-base", "declaration-rate")
    assert int(flags[0]) == Reason.SHARE_BASE | Reason.DECLARATION


@pytest.mark.parametrize(
    "kwargs", [{"min_count": 0}, {"group_threshold": 0.4}, {"min_declaration_rate": 1.5}]
)
def test_rules_refuse_nonsense(kwargs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        Rules(**kwargs)


def test_protect_table_records_reasons_per_cell() -> None:
    t = Table.from_bottom(
        ["r", "c"],
        [
            (("a", "x"), 1),
            (("a", "y"), 5),
            (("b", "x"), 4),
            (("b", "y"), 6),
            (("c", "x"), 0),
            (("c", "y"), 8),
        ],
    )
    result = protect_table(t)
    rows = {key: (status, reasons) for key, _, status, reasons, _ in result.rows()}
    assert rows[("a", "x")] == (Status.PRIMARY, ("frequency",))
    assert rows[("c", "x")][0] in (Status.PUBLISHED, Status.SECONDARY)  # zero: not sensitive
    assert all(
        reasons == ("secondary",) for status, reasons in rows.values() if status is Status.SECONDARY
    )
    assert rows[(TOTAL, TOTAL)] == (Status.PUBLISHED, ())


def test_estimates_report_count_and_share_separately() -> None:
    cells = [
        EstimateCell(("A", "f"), 12, 12),  # everyone with the sensitive answer: group disclosure
        EstimateCell(("A", "m"), 30, 6),
        EstimateCell(("B", "f"), 25, 5),
        EstimateCell(("B", "m"), 2, 0),  # too few: count and share
        EstimateCell(("C", "f"), 28, 9, 15),  # 15 of 28 answered: below 60 %
        EstimateCell(("C", "m"), 33, 4),
        EstimateCell(("D", "f"), 40, 8),
        EstimateCell(("D", "m"), 41, 9),
    ]
    out = {r.key: r for r in protect_estimates(["org", "sex"], cells)}
    assert out[("A", "f")].share_status is Status.PRIMARY
    assert out[("A", "f")].share_reasons == ("group-disclosure",)
    assert out[("A", "f")].share == 1.0
    assert out[("B", "m")].count_status is Status.PRIMARY
    assert out[("B", "m")].count_reasons == ("frequency",)
    assert "share-base" in out[("B", "m")].share_reasons
    assert out[("C", "f")].share_status is Status.PRIMARY
    # C's counts behind the share also protect another cell: that is a reason too
    assert out[("C", "f")].share_reasons == ("declaration-rate", "secondary")
    assert out[("C", "f")].share == pytest.approx(9 / 15)
    assert out[(TOTAL, TOTAL)].count == 211
    # every suppressed count reports the attacker's interval, at least W = 3 wide for primaries
    for r in out.values():
        if r.count_status is Status.PRIMARY:
            lo, hi = r.count_interval  # type: ignore[misc]
            assert hi - lo >= 3 - 1e-9
        if r.count_status is Status.PUBLISHED:
            assert r.count_interval is None


def test_estimates_without_shares_are_plain_counts() -> None:
    cells = [EstimateCell(("A",), 2), EstimateCell(("B",), 7), EstimateCell(("C",), 9)]
    out = {r.key: r for r in protect_estimates(["org"], cells)}
    assert out[("A",)].count_status is Status.PRIMARY
    assert out[("A",)].share is None and out[("A",)].share_status is None
    assert sum(r.count_status is not Status.PUBLISHED for r in out.values()) == 2


def test_estimates_refuse_inconsistent_input() -> None:
    with pytest.raises(ValueError):
        protect_estimates(["org"], [EstimateCell(("A",), 5, 6)])
    with pytest.raises(ValueError):
        protect_estimates(["org"], [EstimateCell(("A",), 5, 1), EstimateCell(("B",), 5)])
