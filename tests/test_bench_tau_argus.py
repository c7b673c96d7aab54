"""The benchmark's bridge to tau-ARGUS (``bench/tau_argus.py``) and its attackers (``bench/attacker.py``).

The files written for tau-ARGUS, the reading of its output and the attackers are tested
always. The tests that run tau-ARGUS need ``pytauargus`` (``pip install -e '.[bench]'``, not
part of ``./dev test``) and are skipped without it: they protect tiny tables whose pattern is
worked out by hand and check that it comes back on ikoe's cells (codes, ``_T`` totals, the
organisation hierarchy).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.attacker import audit_lb1, lp_interval
from bench.tau_argus import read_pattern, run_tau_argus, write_batch
from ikoe.stats.disclosure import TOTAL, CellSystem, Hierarchy, Table, audit

ORG = Hierarchy.from_parents(
    [("L1", ""), ("A1", "L1"), ("A2", "L1"), ("L2", ""), ("A3", "L2"), ("A4", "L2")]
)

# (A3, f) = (A4, f) = 1 and so (L2, f) = 2 are primary at k = 3.
BY_AGENCY = Table.from_bottom(
    ["org", "sex"],
    [
        (("A1", "f"), 5),
        (("A1", "m"), 9),
        (("A2", "f"), 8),
        (("A2", "m"), 7),
        (("A3", "f"), 1),
        (("A3", "m"), 12),
        (("A4", "f"), 1),
        (("A4", "m"), 13),
    ],
    {"org": ORG},
)

# Row a is all primary, its total (a, _T) = 2 as well; (c, y) is empty.
ROWS = Table.from_bottom(
    ["r", "c"],
    [
        (("a", "x"), 1),
        (("a", "y"), 1),
        (("b", "x"), 3),
        (("b", "y"), 4),
        (("c", "x"), 10),
        (("c", "y"), 0),
    ],
)


def keys_with(table: Table, status: np.ndarray, letter: str) -> set[tuple[str, ...]]:
    return {table.key(int(i)) for i in np.flatnonzero(status == letter)}


# --- the files ---------------------------------------------------------------------------------


def test_the_batch_lists_every_cell_and_the_hierarchy_with_tau_argus_total_code(
    tmp_path: Path,
) -> None:
    batch = write_batch(BY_AGENCY, tmp_path)
    assert (tmp_path / "v0.hrc").read_text() == "L1\n@A1\n@A2\nL2\n@A3\n@A4\n"
    assert not (tmp_path / "v1.hrc").exists()  # sex is flat
    lines = (tmp_path / "table.tab").read_text().splitlines()
    assert len(lines) == BY_AGENCY.size == 21
    assert lines[0] == "Total;Total;56;56"  # the grand total first, count and frequency
    assert "L2;f;2;2" in lines
    arb = batch.read_text().splitlines()
    assert "<SAFETYRULE> FREQ(3,30)" in arb
    assert "<READTABLE> 0" in arb
    assert "<SUPPRESS> MOD(1,5,1,1,0)" in arb


def test_given_protection_levels_mark_the_primary_cells_unsafe(tmp_path: Path) -> None:
    batch = write_batch(BY_AGENCY, tmp_path, lower=1, upper=2)
    lines = (tmp_path / "table.tab").read_text().splitlines()
    assert "A3;f;1;1;U;1;2" in lines
    assert "Total;Total;56;56;S;;" in lines
    assert "<SAFETYRULE> " in batch.read_text().splitlines()  # no rule: statuses as given
    assert "<STATUS>" in (tmp_path / "table.rda").read_text()


def test_a_code_that_cannot_be_written_is_refused(tmp_path: Path) -> None:
    bad = Table.from_bottom(["r"], [(("Total",), 1), (("x",), 4)])
    with pytest.raises(ValueError, match="cannot be written"):
        write_batch(bad, tmp_path)


def test_tau_argus_output_is_read_back_onto_ikoe_cells(tmp_path: Path) -> None:
    out = tmp_path / "pattern.tab"
    rows = []
    status = {("a", "x"): "U", ("a", TOTAL): "U", ("b", TOTAL): "M", ("c", "y"): "E"}
    for key, value in ROWS.items():
        codes = ";".join('"' + ("Total" if c == TOTAL else c) + '"' for c in key)
        rows.append(f"{codes};{value:.0f};{value:.0f};{value:.0f};{status.get(key, 'S')};0;0")
    rows[-1] = rows[-1].replace('"y"', '" y"')  # tau-ARGUS pads short codes of flat variables
    out.write_text("\n".join(reversed(rows)) + "\n")  # the order of the lines does not matter
    read = read_pattern(ROWS, out)
    assert keys_with(ROWS, read, "U") == {("a", "x"), ("a", TOTAL)}
    assert keys_with(ROWS, read, "M") == {("b", TOTAL)}
    assert keys_with(ROWS, read, "E") == {("c", "y")}

    out.write_text("\n".join(rows[1:]) + "\n")
    with pytest.raises(ValueError, match="not listed"):
        read_pattern(ROWS, out)
    out.write_text("\n".join([*rows, rows[0]]) + "\n")
    with pytest.raises(ValueError, match="twice"):
        read_pattern(ROWS, out)
    ax = ROWS.index(("a", "x"))
    assert rows[ax].startswith('"a";"x";1;')
    for wrong, message in (('"a";"z";1;', "unknown cell"), ('"a";"x";2;', "ikoe has 1")):
        changed = [*rows[:ax], wrong + rows[ax].split(";", 3)[3], *rows[ax + 1 :]]
        out.write_text("\n".join(changed) + "\n")
        with pytest.raises(ValueError, match=message):
            read_pattern(ROWS, out)


# --- the attackers -----------------------------------------------------------------------------


def test_the_attacker_who_knows_listed_cells_are_not_empty_gets_closer() -> None:
    system = CellSystem.from_table(ROWS)
    pattern = np.zeros(ROWS.size, dtype=bool)
    for key in [("a", "x"), ("a", "y"), ("a", TOTAL), ("b", "x"), ("b", "y"), ("b", TOTAL)]:
        pattern[ROWS.index(key)] = True
    primary = (ROWS.values > 0) & (ROWS.values < 3)
    ax = ROWS.index(("a", "x"))
    # column x: (a, x) + (b, x) = 14 - 10 = 4; row a: (a, x) + (a, y) = (a, _T)
    assert audit(system, pattern, primary, 2).interval(ax) == (0.0, 4.0)
    # at least 1 each: (b, x) >= 1 leaves (a, x) <= 3
    lb1 = audit_lb1(system, pattern, primary, 2)
    assert lb1.interval(ax) == (1.0, 3.0)
    assert lp_interval(system, pattern, ax) == pytest.approx((0.0, 4.0))
    assert lp_interval(system, pattern, ax, lower_bound_one=True) == pytest.approx((1.0, 3.0))
    # an empty cell is known to be empty even when suppressed: it protects nothing
    cy = ROWS.index(("c", "y"))
    with_empty = pattern.copy()
    with_empty[cy] = True
    assert (
        audit_lb1(system, with_empty, primary, 2).cells.tolist() == np.flatnonzero(pattern).tolist()
    )


# --- tau-ARGUS itself (needs pytauargus) -------------------------------------------------------


def test_modular_protects_a_hierarchical_table_and_the_pattern_lands_on_ikoe_cells() -> None:
    pytest.importorskip("pytauargus")
    result = run_tau_argus(BY_AGENCY)
    # Its own frequency rule finds ikoe's primary cells, subtotal (L2, f) = 2 included.
    assert keys_with(BY_AGENCY, result.status, "U") == {("A3", "f"), ("A4", "f"), ("L2", "f")}
    # By hand, sub-table by sub-table as Modular works: in Länder x sex, (L2, f) needs the
    # rectangle with L1 and m; inside L2 the rows of A3 and A4 cannot keep a single suppression;
    # inside L1 the suppressed (L1, f), (L1, m) need a row: A1 (5 + 9) is cheaper than A2 (8 + 7).
    assert keys_with(BY_AGENCY, result.status, "M") == {
        ("L1", "f"),
        ("L1", "m"),
        ("L2", "m"),
        ("A3", "m"),
        ("A4", "m"),
        ("A1", "f"),
        ("A1", "m"),
    }
    assert keys_with(BY_AGENCY, result.status, "E") == set()
    assert result.secondary.sum() == 7 and result.suppressed.sum() == 10


def test_modular_suppresses_totals_and_leaves_empty_cells_alone() -> None:
    pytest.importorskip("pytauargus")
    for lower, upper in ((None, None), (1.0, 2.0)):  # FREQ(3, 30), then given levels
        result = run_tau_argus(ROWS, lower=lower, upper=upper)
        assert keys_with(ROWS, result.status, "U") == {("a", "x"), ("a", "y"), ("a", TOTAL)}
        # row a and its total need a second row with its total: b (3 + 4 + 7) beats c
        assert keys_with(ROWS, result.status, "M") == {("b", "x"), ("b", "y"), ("b", TOTAL)}
        assert keys_with(ROWS, result.status, "E") == {("c", "y")}
        assert result.seconds >= result.suppress_seconds > 0


def test_a_failing_batch_reports_tau_argus_error(tmp_path: Path) -> None:
    pytest.importorskip("pytauargus")
    from bench.tau_argus import TauArgusError

    with pytest.raises(TauArgusError, match="failed"):
        run_tau_argus(ROWS, suppress="GH(1,100)", workdir=tmp_path / "run")
    assert (tmp_path / "run" / "batch.arb").exists()  # the files stay for a look


def test_codes_that_tau_argus_pads_come_back_as_ikoe_codes() -> None:
    pytest.importorskip("pytauargus")
    # "no" is written back as " no" (padded to the length of "yes")
    renamed = Table.from_bottom(
        ["r", "migration"],
        [((r, {"x": "yes", "y": "no"}[c]), v) for (r, c), v in ROWS.items() if TOTAL not in (r, c)],
    )
    result = run_tau_argus(renamed)
    assert keys_with(renamed, result.status, "U") == {("a", "yes"), ("a", "no"), ("a", TOTAL)}
    assert keys_with(renamed, result.status, "E") == {("c", "no")}
