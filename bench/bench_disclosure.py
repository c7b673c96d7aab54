"""Benchmark of secondary suppression: ikoe's engine beside tau-ARGUS, measured in the same run.

Run from the repository root::

    .venv/bin/python bench/bench_disclosure.py            # 4-D and 5-D, tau-ARGUS on the 4-D
    .venv/bin/python bench/bench_disclosure.py --tau-5d   # tau-ARGUS on the 5-D table too (slow)
    .venv/bin/python bench/bench_disclosure.py --tau-optimal   # and tau-ARGUS Optimal (4-D)
    .venv/bin/python bench/bench_disclosure.py --large    # also the table with > 50,000 cells

tau-ARGUS runs when ``pytauargus`` is installed (``.venv/bin/pip install -e '.[bench]'``); see
``bench/tau_argus.py`` for how it is driven. Without it the benchmark measures ikoe alone and
says so.

Tables (``tests/data/sdc``, see its README):

- ``4-D``: ``synth_4d.csv`` (organisation Land > ministry > agency, career group, sex), 6,015
  cells with totals, 839 primary at k = 3.
- ``5-D``: the same with migration background (yes/no) as a further dimension, 18,045 cells.
  The data has no such column, so it is generated: each agency gets a share drawn from
  Beta(2, 8) (mean 20 %), each bottom count is split binomially with that share; NumPy's
  ``default_rng(1)``, agencies in sorted order, rows in file order. This gives 3,493 primary
  cells at k = 3.
- ``5-D large`` (ikoe only): a larger administration: every agency gets three units
  (Land > ministry > agency > unit), counts are tripled (Poisson with mean 3n), split over the
  units with Dirichlet(2, 2, 2) shares and by migration background as above;
  ``default_rng(1)``. 61,245 cells.

For each table and protection width ``W`` the benchmark runs

- ikoe's ``protect`` (build, clean-up and the engine's own audit) at width ``W``;
- tau-ARGUS Modular with protection levels for the same width: at W = 2 tau-ARGUS's own
  frequency rule ``FREQ(3, 30)``, which gives every primary cell the lower and upper protection
  level 1 (the interval must contain n - 1 and n + 1); at other widths the same primary cells
  with the given levels 1 and W - 1 (the rule cannot express them);
- with ``--tau-optimal``, tau-ARGUS Optimal with a time limit, the same way;

and audits every pattern with the same attacker's linear program (``bench/attacker.py``): ``lb0``
as the peers audit (suppressed cells between 0 and the table maximum) and ``lb1`` (a published
table lists only non-empty groups: suppressed cells are at least 1, empty cells are known). It
prints wall-clock and CPU seconds, secondary cells, the suppressed total (sum of the secondary
cells' values; primary cells are not counted), the under-protected primary cells (interval
narrower than 2 and 3) under both attackers, and the ratios ikoe / tau-ARGUS. A sample of the
audit's intervals is recomputed with a plain linear program per cell (``--check``).

Times are printed, never asserted: they depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.attacker import Verdict, audit_lb1, check_sample  # noqa: E402
from ikoe.stats.disclosure import CellSystem, Hierarchy, Table, audit, protect  # noqa: E402

DATA = ROOT / "tests" / "data" / "sdc"
K = 3


@dataclass
class Row:
    table: str
    tool: str
    width: float  # the width the tool protected for
    wall: float
    cpu: float
    secondary: int
    empty_secondary: int
    total: float
    verdict: Verdict
    note: str = ""
    core: float | None = None  # tau-ARGUS: the suppression step alone (wall)
    check: float | None = None  # largest difference of the LP spot check

    def under(self, width: float, attacker: str = "lb0") -> int:
        return self.verdict.under(width, attacker)


def load_4d(
    data: Path,
) -> tuple[list[tuple[tuple[str, ...], float]], Hierarchy, list[dict[str, str]]]:
    with (data / "synth_4d_organisation_hierarchy.csv").open(encoding="utf-8") as fh:
        org = Hierarchy.from_parents([(r["code"], r["parent"]) for r in csv.DictReader(fh)])
    with (data / "synth_4d.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cells: list[tuple[tuple[str, ...], float]] = [
        ((r["agency"], r["career"], r["sex"]), float(r["n"])) for r in rows
    ]
    return cells, org, rows


def table_4d(data: Path = DATA) -> Table:
    cells, org, _ = load_4d(data)
    return Table.from_bottom(["org", "career", "sex"], cells, {"org": org})


def table_5d(data: Path = DATA, seed: int = 1, land: str | None = None) -> Table:
    """The 4-D table split by migration background (yes/no, drawn per agency); with ``land``
    only that Land (its ministries as the top level), drawn as in the whole table."""
    _, org, rows = load_4d(data)
    rng = np.random.default_rng(seed)
    share = {a: rng.beta(2, 8) for a in sorted({r["agency"] for r in rows})}
    cells: list[tuple[tuple[str, ...], float]] = []
    for r in rows:
        n = int(r["n"])
        yes = int(rng.binomial(n, share[r["agency"]]))
        if land is None or r["agency"].startswith(land + "M"):
            cells.append(((r["agency"], r["career"], r["sex"], "yes"), yes))
            cells.append(((r["agency"], r["career"], r["sex"], "no"), n - yes))
    if land is not None:
        agencies = sorted({key[0] for key, _ in cells})
        ministries = sorted({a[: len(land) + 2] for a in agencies})
        org = Hierarchy.from_parents(
            [(m, None) for m in ministries] + [(a, a[: len(land) + 2]) for a in agencies]
        )
    return Table.from_bottom(["org", "career", "sex", "migration"], cells, {"org": org})


def table_5d_large(data: Path = DATA, seed: int = 1, units: int = 3) -> Table:
    _, org, rows = load_4d(data)
    rng = np.random.default_rng(seed)
    agencies = sorted({r["agency"] for r in rows})
    pairs: list[tuple[str, str | None]] = [
        (c, org.parent_of(c) if org.parent_of(c) != "_T" else None) for c in org.codes[1:]
    ]
    unit_codes = {a: [f"{a}U{i + 1}" for i in range(units)] for a in agencies}
    for a in agencies:
        pairs.extend((u, a) for u in unit_codes[a])
    big_org = Hierarchy.from_parents(pairs)
    share = {a: rng.beta(2, 8) for a in agencies}
    split = {a: rng.dirichlet([2.0] * units) for a in agencies}
    cells: list[tuple[tuple[str, ...], float]] = []
    for r in rows:
        a = r["agency"]
        n = int(rng.poisson(3 * int(r["n"]))) if int(r["n"]) > 0 else 0
        for unit, m in zip(unit_codes[a], rng.multinomial(n, split[a]), strict=True):
            yes = int(rng.binomial(int(m), share[a]))
            cells.append(((unit, r["career"], r["sex"], "yes"), yes))
            cells.append(((unit, r["career"], r["sex"], "no"), int(m) - yes))
    return Table.from_bottom(["org", "career", "sex", "migration"], cells, {"org": big_org})


def primary_of(table: Table, k: int = K) -> np.ndarray:
    return (table.values > 0) & (table.values < k)


def judge(system: CellSystem, suppressed: np.ndarray, primary: np.ndarray) -> Verdict:
    """Both attackers on one pattern (the same code for every tool)."""
    t0 = time.perf_counter()
    lb0 = audit(system, suppressed, primary, K)
    lb1 = audit_lb1(system, suppressed, primary, K)
    return Verdict(lb0, lb1, time.perf_counter() - t0)


def run_ikoe(
    name: str,
    table: Table,
    system: CellSystem,
    width: float,
    workers: int,
    zero_complements: bool = True,
) -> Row:
    primary = primary_of(table)
    wall0, cpu0 = time.perf_counter(), _cpu()
    pattern = protect(system, primary, width, workers=workers, zero_complements=zero_complements)
    wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
    secondary = pattern.secondary
    return Row(
        name,
        "ikoe" if zero_complements else "ikoe, no empty complements",
        width,
        wall,
        cpu,
        pattern.secondary_count,
        int((secondary & (table.values == 0)).sum()),
        pattern.suppressed_total,
        judge(system, pattern.suppressed, primary),
    )


def run_tau(
    name: str,
    table: Table,
    system: CellSystem,
    width: float,
    method: str,
    mod: str,
    opt_minutes: int,
    timeout: float | None,
) -> Row:
    from bench.tau_argus import run_tau_argus

    primary = primary_of(table)
    if width == 2:
        levels: dict[str, float] = {}
        note = f"FREQ({K},30): LPL = UPL = 1"
    else:
        levels = {"lower": 1.0, "upper": width - 1.0}
        note = f"given LPL 1, UPL {width - 1:g}"
    spec = mod if method == "MOD" else f"OPT(1,{opt_minutes})"
    result = run_tau_argus(table, k=K, suppress=spec, timeout=timeout, **levels)
    if not np.array_equal(result.primary, primary):
        raise RuntimeError(f"{name}: tau-ARGUS's primary cells differ from ikoe's")
    secondary = result.secondary
    return Row(
        name,
        f"tau-ARGUS {'Modular' if method == 'MOD' else 'Optimal'}",
        width,
        result.seconds,
        result.cpu,
        int(secondary.sum()),
        int((secondary & (table.values == 0)).sum()),
        float(table.values[secondary].sum()),
        judge(system, result.suppressed, primary),
        note=f"{spec}, {note}",
        core=result.suppress_seconds,
    )


def spot_check(row: Row, system: CellSystem, suppressed: np.ndarray, n: int, seed: int) -> None:
    """Recompute ``n`` audited primary intervals (the narrowest first) with a plain LP."""
    if n <= 0:
        return
    report = row.verdict.lb0
    cells = report.cells[report.primary]
    if cells.size == 0:
        return
    widths = report.widths[report.primary]
    narrow = cells[np.argsort(widths, kind="stable")[: n // 2]]
    rest = np.setdiff1d(cells, narrow)
    rng = np.random.default_rng(seed)
    others = rng.choice(rest, size=min(n - narrow.size, rest.size), replace=False)
    row.check = check_sample(system, suppressed, row.verdict, np.concatenate([narrow, others]))


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def tau_available() -> str | None:
    """``None`` when tau-ARGUS can run, else why not."""
    try:
        import pytauargus  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return (
            "pytauargus is not installed (.venv/bin/pip install -e '.[bench]'): "
            "tau-ARGUS was not run."
        )
    return None


def fmt_row(r: Row) -> str:
    core = f" ({r.core:.1f} s suppression)" if r.core is not None else ""
    check = f" | {r.check:.1e}" if r.check is not None else " | –"
    return (
        f"| {r.table} | {r.tool} | {r.width:g} | {r.wall:.1f} s{core} | {r.cpu:.1f} s "
        f"| {r.secondary:,} ({r.empty_secondary} empty) | {r.total:,.0f} "
        f"| {r.under(2)} | {r.under(3)} | {r.under(2, 'lb1')} | {r.under(3, 'lb1')} "
        f"| {r.verdict.seconds:.1f} s{check} |"
    )


def ratio_lines(rows: list[Row]) -> list[str]:
    out = []
    for r in rows:
        if r.tool != "ikoe":
            continue
        for t in rows:
            if t.table != r.table or t.width != r.width or not t.tool.startswith("tau-ARGUS"):
                continue
            core = t.core if t.core else t.wall
            out.append(
                f"- {r.table}, W = {r.width:g}, ikoe / {t.tool}: time {r.wall / t.wall:.2f} "
                f"(against its suppression step alone {r.wall / core:.2f}), CPU "
                f"{r.cpu / t.cpu:.2f}, secondary cells {r.secondary / max(t.secondary, 1):.2f}, "
                f"suppressed total {r.total / max(t.total, 1.0):.2f}"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--data", default=str(DATA), help="folder with synth_4d.csv and its hierarchy"
    )
    parser.add_argument(
        "--large", action="store_true", help="also the 5-D table with > 50,000 cells"
    )
    parser.add_argument("--tables", default="4-D,5-D", help="tables to run, comma-separated")
    parser.add_argument("--widths", default="2,3", help="protection widths, comma-separated")
    parser.add_argument("--workers", type=int, default=1, help="processes for ikoe's clean-up")
    parser.add_argument("--no-tau", action="store_true", help="do not run tau-ARGUS")
    parser.add_argument(
        "--tau-5d", action="store_true", help="run tau-ARGUS Modular on the 5-D table too (minutes)"
    )
    parser.add_argument(
        "--tau-optimal", action="store_true", help="also tau-ARGUS Optimal on the 4-D table"
    )
    parser.add_argument(
        "--tau-optimal-minutes", type=int, default=5, help="time limit of Optimal (minutes)"
    )
    parser.add_argument(
        "--tau-mod",
        default="MOD(1,5,1,1,0)",
        help="tau-ARGUS Modular call: table, minutes per sub-table, singleton with singleton, "
        "singleton with several, frequency bounds (default: the peers' settings)",
    )
    parser.add_argument(
        "--tau-timeout", type=float, default=1800.0, help="seconds before a tau-ARGUS run is ended"
    )
    parser.add_argument(
        "--no-zero-complements",
        action="store_true",
        help="also run ikoe without empty cells as complements",
    )
    parser.add_argument(
        "--check", type=int, default=6, help="audited intervals per pattern rechecked by a plain LP"
    )
    args = parser.parse_args(argv)
    data = Path(args.data)
    widths = [float(w) for w in args.widths.split(",")]
    chosen = [t.strip() for t in args.tables.split(",")] + (["5-D large"] if args.large else [])
    makers = {"4-D": table_4d, "5-D": table_5d, "5-D large": table_5d_large}
    tables = [(name, makers[name](data)) for name in makers if name in chosen]
    why_not = "tau-ARGUS not requested (--no-tau)." if args.no_tau else tau_available()
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}, "
        f"load average {os.getloadavg()[0]:.1f}, ikoe workers={args.workers}"
    )
    if why_not:
        print(why_not)
    else:
        import pytauargus

        print(f"tau-ARGUS: pytauargus {pytauargus.__version__}, Modular as {args.tau_mod}")
    print()
    rows: list[Row] = []
    for name, table in tables:
        system = CellSystem.from_table(table)
        print(f"{name}: {table.size:,} cells, {int(primary_of(table).sum()):,} primary", flush=True)
        runs: list[tuple[str, float, str]] = []
        for width in widths:
            runs.append(("ikoe", width, ""))
            if args.no_zero_complements:
                runs.append(("ikoe-nz", width, ""))
            tau_here = name == "4-D" or (name == "5-D" and args.tau_5d)
            if not why_not and tau_here:
                runs.append(("tau", width, "MOD"))
                if args.tau_optimal and name == "4-D":
                    runs.append(("tau", width, "OPT"))
        for kind, width, method in runs:
            if kind == "tau":
                row = run_tau(
                    name,
                    table,
                    system,
                    width,
                    method,
                    args.tau_mod,
                    args.tau_optimal_minutes,
                    args.tau_timeout,
                )
            else:
                row = run_ikoe(name, table, system, width, args.workers, kind == "ikoe")
            suppressed = row.verdict.lb0.cells
            mask = np.zeros(table.size, dtype=bool)
            mask[suppressed] = True
            spot_check(row, system, mask, args.check, seed=int(width))
            rows.append(row)
            print("  " + fmt_row(row), flush=True)
            if row.note:
                print(f"    {row.note}")
    print()
    print(
        "| table | tool | W protected for | time (wall) | time (CPU) | secondary cells "
        "| suppressed total | under-protected W=2 | W=3 | lb1: W=2 | lb1: W=3 "
        "| audits | LP check |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(fmt_row(r))
    print()
    print(
        "Suppressed total: sum of the secondary cells' values. Under-protected: primary cells "
        "whose interval is narrower than 2 or 3; lb1: when suppressed cells are known to be at "
        "least 1 and empty cells known to be empty. LP check: largest difference between the "
        "audit's bounds and a plain linear program on a sample of cells."
    )
    lines = ratio_lines(rows)
    if lines:
        print()
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
