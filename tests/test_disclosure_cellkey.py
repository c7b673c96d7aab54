"""The cell key method: record keys, cell keys, the perturbation table and its noise."""

from __future__ import annotations

import numpy as np
import pytest

from ikoe.stats.disclosure import (
    TOTAL,
    Hierarchy,
    PerturbationTable,
    Table,
    cell_keys,
    perturb_table,
    record_keys,
    record_keys_from_ids,
)


@pytest.mark.parametrize(("d", "v", "js"), [(2, 1.0, 0), (3, 2.0, 0), (2, 0.5, 1), (4, 3.0, 2)])
def test_every_row_is_a_distribution_with_mean_zero_and_no_forbidden_results(
    d: int, v: float, js: int
) -> None:
    ptable = PerturbationTable.build(d, v, js)
    assert ptable.values.tolist() == list(range(-d, d + 1))
    assert np.allclose(ptable.probabilities.sum(axis=1), 1.0)
    assert (ptable.probabilities >= 0).all()
    for i in range(ptable.probabilities.shape[0] + 3):
        assert ptable.mean(i) == pytest.approx(0.0, abs=1e-6)
        row = ptable.probabilities[ptable.row(i)]
        results = i + ptable.values
        forbidden = (results < 0) | ((results > 0) & (results <= js))
        assert row[forbidden].sum() == 0
    # counts far from zero get the full variance and symmetric noise
    last = ptable.probabilities[-1]
    assert ptable.variance_of(100) == pytest.approx(v, rel=1e-6)
    assert np.allclose(last, last[::-1])


def test_empty_cells_stay_empty() -> None:
    ptable = PerturbationTable.build(2, 1.0)
    assert [ptable.noise(0, k) for k in (0.0, 0.3, 0.999)] == [0, 0, 0]


def test_the_noise_is_a_function_of_the_cell_key() -> None:
    ptable = PerturbationTable.build(2, 1.0)
    keys = np.linspace(0, 0.999, 50)
    noise = [ptable.noise(10, k) for k in keys]
    assert noise == sorted(noise)  # inverse lookup in the cumulative distribution
    assert noise[0] == -2 and noise[-1] == 2
    assert ptable.perturb(np.full(50, 10), keys).tolist() == [10 + n for n in noise]
    # the share of each noise value matches its probability for uniform keys
    many = np.random.default_rng(0).random(200_000)
    drawn = ptable.perturb(np.full(many.size, 10), many) - 10
    freq = np.array([(drawn == v).mean() for v in ptable.values])
    assert np.allclose(freq, ptable.probabilities[-1], atol=0.005)


def test_cell_keys_are_the_fractional_part_of_summed_record_keys() -> None:
    records = [("A", "f"), ("A", "m"), ("B", "f"), ("A", "f")]
    keys = np.array([0.75, 0.5, 0.25, 0.5])
    table = cell_keys(["org", "sex"], records, keys)
    assert table.value(("A", "f")) == pytest.approx(0.25)  # 0.75 + 0.5 = 1.25
    assert table.value(("A", TOTAL)) == pytest.approx(0.75)
    assert table.value((TOTAL, TOTAL)) == pytest.approx(0.0)


def test_the_same_cell_gets_the_same_noise_in_every_table() -> None:
    rng = np.random.default_rng(4)
    org = Hierarchy.from_parents([("L1", ""), ("A1", "L1"), ("A2", "L1"), ("L2", ""), ("A3", "L2")])
    records = [
        (
            str(rng.choice(["A1", "A2", "A3"])),
            str(rng.choice(["f", "m"])),
            str(rng.choice(["x", "y"])),
        )
        for _ in range(300)
    ]
    keys = record_keys(len(records), seed=99)
    ptable = PerturbationTable.build(2, 1.0)
    by_sex = [(o, s) for o, s, _ in records]
    by_career = [(o, c) for o, _, c in records]
    t1 = perturb_table(
        Table.from_microdata(["org", "sex"], by_sex, {"org": org}),
        cell_keys(["org", "sex"], by_sex, keys, {"org": org}),
        ptable,
    )
    t2 = perturb_table(
        Table.from_microdata(["org", "career"], by_career, {"org": org}),
        cell_keys(["org", "career"], by_career, keys, {"org": org}),
        ptable,
    )
    for o in ("A1", "L1", TOTAL):
        assert t1.value((o, TOTAL)) == t2.value((o, TOTAL))
    # and the same again on a second run
    again = perturb_table(
        Table.from_microdata(["org", "sex"], by_sex, {"org": org}),
        cell_keys(["org", "sex"], by_sex, keys, {"org": org}),
        ptable,
    )
    assert np.array_equal(t1.values, again.values)
    original = Table.from_microdata(["org", "sex"], by_sex, {"org": org})
    assert np.abs(t1.values - original.values).max() <= 2
    assert (t1.values >= 0).all()


def test_record_keys_from_ids_do_not_depend_on_order() -> None:
    a = record_keys_from_ids(["p1", "p2", "p3"], "secret")
    b = record_keys_from_ids(["p3", "p1", "p2"], "secret")
    assert a.tolist() == [b[1], b[2], b[0]]
    assert ((a >= 0) & (a < 1)).all()
    assert not np.array_equal(a, record_keys_from_ids(["p1", "p2", "p3"], "other"))


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError):
        PerturbationTable.build(0, 1.0)
    with pytest.raises(ValueError):
        PerturbationTable.build(2, 0.0)
    with pytest.raises(ValueError):
        perturb_table(
            Table.from_bottom(["a"], [(("x",), 1)]),
            Table.from_bottom(["b"], [(("x",), 1)]),
            PerturbationTable.build(),
        )
