"""Benchmark of secondary suppression against the peers' figures (``../shared/data/sdc/README.md``).

Run from the repository root::

    .venv/bin/python bench/bench_disclosure.py            # 4-D and 5-D tables, W = 2 and 3
    .venv/bin/python bench/bench_disclosure.py --large    # also the table with > 50,000 cells

Tables:

- ``4-D``: ``synth_4d.csv`` (organisation Land > ministry > agency, career group, sex), 6,015
  cells with totals, 839 primary at k = 3 - the peers' table.
- ``5-D``: the same with migration background (yes/no) as a further dimension, 18,045 cells.
  The data has no such column, so it is generated: each agency gets a share drawn from
  Beta(2, 8) (mean 20 %), each bottom count is split binomially with that share; NumPy's
  ``default_rng(1)``, agencies in sorted order, rows in file order. This gives 3,493 primary
  cells at k = 3 (the peers report 3,497 for their split).
- ``5-D large``: a larger administration: every agency gets three units (Land > ministry >
  agency > unit), counts are tripled (Poisson with mean 3n), split over the units with
  Dirichlet(2, 2, 2) shares and by migration background as above; ``default_rng(1)``.
  61,245 cells.

For each table and protection width ``W`` the benchmark prints the wall-clock and CPU time of
``protect`` (build, clean-up and the engine's own audit), the number of secondary cells, the
suppressed total (sum of the secondary cells) and the result of a separate audit of the
released pattern at W = 2 and W = 3 (primary cells whose interval is narrower).

tau-ARGUS: when ``pytauargus`` imports and a tau-ARGUS executable is found (``TAUARGUS_EXE`` or
``TauArgus`` on the path), the benchmark says so; the binaries are not available here, so the
peers' published figures are printed instead.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ikoe.stats.disclosure import CellSystem, Hierarchy, Table, audit, protect  # noqa: E402

PEERS = """\
Peers on the 4-D table (README, 2-core machine, k = 3):
| tool and method | time | secondary | suppressed total | under-protected W=2 | W=3 |
|---|---|---|---|---|---|
| tau-ARGUS Modular | 3-11 s | 1,063 | 9,596 | 0 | 84 |
| tau-ARGUS Optimal (5-min limit) | 304 s | 783 | 7,217 | 0 | 272 |
| sdcTable SIMPLEHEURISTIC | 96 s | 1,184 | 10,015 | 5 | 109 |
| sdcTable GAUSS | 791 s | 1,148 | 16,219 | 0 | 9 |
| sdcTable HYPERCUBE | 38 s | 3,038 | 204,063 | 0 | 0 |
| SSB GaussSuppression | 5 s | 1,160 | 10,191 | | |
5-D (18,045 cells, 3,497 primary): tau-ARGUS Modular 297 s, 4,311 secondary, 22 under W=2,
1,318 under W=3; GaussSuppression 20 s, 5,704 secondary; SIMPLEHEURISTIC no result in 25 min.
"""


@dataclass
class Row:
    table: str
    cells: int
    primary: int
    width: float
    wall: float
    cpu: float
    secondary: int
    total: float
    under2: int
    under3: int
    audit_wall: float


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


def table_4d(data: Path) -> Table:
    cells, org, _ = load_4d(data)
    return Table.from_bottom(["org", "career", "sex"], cells, {"org": org})


def table_5d(data: Path, seed: int = 1) -> Table:
    _, org, rows = load_4d(data)
    rng = np.random.default_rng(seed)
    share = {a: rng.beta(2, 8) for a in sorted({r["agency"] for r in rows})}
    cells: list[tuple[tuple[str, ...], float]] = []
    for r in rows:
        n = int(r["n"])
        yes = int(rng.binomial(n, share[r["agency"]]))
        cells.append(((r["agency"], r["career"], r["sex"], "yes"), yes))
        cells.append(((r["agency"], r["career"], r["sex"], "no"), n - yes))
    return Table.from_bottom(["org", "career", "sex", "migration"], cells, {"org": org})


def table_5d_large(data: Path, seed: int = 1, units: int = 3) -> Table:
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


def run(name: str, table: Table, width: float, workers: int, k: int = 3) -> Row:
    system = CellSystem.from_table(table)
    primary = (table.values > 0) & (table.values < k)
    wall0, cpu0 = time.perf_counter(), _cpu()
    pattern = protect(system, primary, width, workers=workers)
    wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
    audit0 = time.perf_counter()
    report = audit(system, pattern.suppressed, primary, width)  # a fresh, separate audit
    audit_wall = time.perf_counter() - audit0
    return Row(
        name,
        table.size,
        int(primary.sum()),
        width,
        wall,
        cpu,
        pattern.secondary_count,
        pattern.suppressed_total,
        int(report.under_protected(2).size),
        int(report.under_protected(3).size),
        audit_wall,
    )


def _cpu() -> float:
    """CPU seconds of this process and of its finished worker processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def tauargus_note() -> str:
    try:
        import pytauargus  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return (
            "tau-ARGUS: pytauargus is not installed and the tau-ARGUS binaries are not available "
            "here, so Modular was not run; the peers' published figures are shown instead."
        )
    exe = os.environ.get("TAUARGUS_EXE") or shutil.which("TauArgus") or shutil.which("TauArgus.exe")
    if not exe:
        return (
            "tau-ARGUS: pytauargus imports, but no tau-ARGUS executable was found (set TAUARGUS_EXE); "
            "Modular was not run."
        )
    return (
        f"tau-ARGUS: pytauargus and {exe} are present; run Modular with the same table and k = 3 "
        "through pytauargus to compare (not automated here: it could not be tested without the binaries)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        default=str(ROOT.parent / "shared" / "data" / "sdc"),
        help="folder with synth_4d.csv and its hierarchy",
    )
    parser.add_argument(
        "--large", action="store_true", help="also the 5-D table with > 50,000 cells"
    )
    parser.add_argument("--widths", default="2,3", help="protection widths, comma-separated")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes for the clean-up (default 1)"
    )
    args = parser.parse_args(argv)
    data = Path(args.data)
    widths = [float(w) for w in args.widths.split(",")]
    tables = [("4-D", table_4d(data)), ("5-D", table_5d(data))]
    if args.large:
        tables.append(("5-D large", table_5d_large(data)))
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}, "
        f"workers={args.workers}"
    )
    print(tauargus_note())
    print()
    rows = []
    for name, table in tables:
        for width in widths:
            row = run(name, table, width, args.workers)
            rows.append(row)
            print(
                f"{row.table:10s} W={row.width:g}: {row.wall:7.1f} s wall, {row.cpu:7.1f} s CPU, "
                f"{row.secondary:6d} secondary, total {row.total:9.0f}, "
                f"under-protected W=2: {row.under2}, W=3: {row.under3}",
                flush=True,
            )
    print()
    print(
        "| table | cells | primary | W | time (wall) | time (CPU) | secondary | suppressed total "
        "| under-protected W=2 | W=3 | separate audit |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.table} | {r.cells:,} | {r.primary:,} | {r.width:g} | {r.wall:.1f} s | {r.cpu:.1f} s "
            f"| {r.secondary:,} | {r.total:,.0f} | {r.under2} | {r.under3} | {r.audit_wall:.1f} s |"
        )
    print()
    print(PEERS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
