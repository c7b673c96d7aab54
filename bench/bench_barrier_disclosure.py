"""Benchmark of the disclosure control of selection funnels (``ikoe.stats.barrier_tables``).

Run from the repository root::

    .venv/bin/python bench/bench_barrier_disclosure.py                     # 1,000 procedures
    .venv/bin/python bench/bench_barrier_disclosure.py --procedures 200 --no-exact-audit

It generates ``--procedures`` recruitment procedures with the same six stages (application,
formally eligible, written test, interview, offer, hire) in ``--organisations`` organisations
over ``--years`` years, with the groups with and without a migration background and "keine
Angabe" (seeded: ``numpy.random.default_rng(--seed)``, see :func:`generate`), protects every
procedure's funnel and every pooled funnel (by organisation, by year, by both, all) with
k = 3 and W = 3, and prints the time, the size of the table and how many figures (entered and
passed of every stage, group and total of every funnel) are published, primary and secondary.

Times are printed, never asserted: they depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ikoe.stats.barrier_tables import (  # noqa: E402
    NOT_DECLARED,
    WITH,
    WITHOUT,
    FunnelCounts,
    figure_counts,
    protect_funnels,
)
from ikoe.stats.disclosure import Rules  # noqa: E402

STAGES = (
    "Bewerbung",
    "formal geeignet",
    "schriftlicher Test",
    "Vorstellungsgespräch",
    "Angebot",
    "Einstellung",
)
PASS_RATE = (0.85, 0.8, 0.45, 0.4, 0.7, 0.95)
"""Share passing each stage (the last: took up the post)."""
LEAVE_RATE = (0.0, 0.0, 0.08, 0.0, 0.15)
"""Share of those who passed a stage who do not enter the next one: invited to the interview
but did not come, offered the post but declined; elsewhere everybody who passed goes on."""
GROUPS = (WITH, WITHOUT, NOT_DECLARED)
GROUP_SHARE = (0.2, 0.72, 0.08)


def generate(procedures: int, organisations: int, years: int, seed: int) -> list[FunnelCounts]:
    """Seeded recruitment procedures.

    Applicants per procedure: 1 + a negative binomial with mean about 45 (many small
    procedures, some large ones), split over the groups multinomially with the shares
    20 / 72 / 8 %. At each stage the applicants of a group pass binomially with the stage's
    rate (:data:`PASS_RATE`), the group with a migration background at 0.85 times it (a
    barrier to find); of those who passed, :data:`LEAVE_RATE` (binomially) do not enter the
    next stage.
    """
    rng = np.random.default_rng(seed)
    out = []
    for i in range(procedures):
        total = 1 + int(rng.negative_binomial(2, 2 / (2 + 45)))
        n = rng.multinomial(total, GROUP_SHARE)
        entered: dict[tuple[str, str], int] = {}
        passed: dict[tuple[str, str], int] = {}
        for j, group in enumerate(GROUPS):
            current = int(n[j])
            for k, stage in enumerate(STAGES):
                rate = PASS_RATE[k] * (0.85 if group == WITH else 1.0)
                ok = int(rng.binomial(current, rate))
                entered[(stage, group)] = current
                passed[(stage, group)] = ok
                leave = LEAVE_RATE[k] if k < len(LEAVE_RATE) else 0.0
                current = ok - int(rng.binomial(ok, leave))
        out.append(
            FunnelCounts(
                f"Verfahren {i + 1:04d}",
                STAGES,
                entered,
                passed,
                organisation=f"Behörde {i % organisations + 1:02d}",
                year=2020 + (i // organisations) % years,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procedures", type=int, default=1000)
    parser.add_argument("--organisations", type=int, default=40)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pool-by", default="organisation,year")
    parser.add_argument("--no-exact-audit", action="store_true")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    funnels = generate(args.procedures, args.organisations, args.years, args.seed)
    pool_by = tuple(f for f in args.pool_by.split(",") if f)
    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{len(funnels)} procedures × {len(STAGES)} stages × {len(GROUPS)} groups, "
        f"{sum(f.count(STAGES[0], g)[0] for f in funnels for g in GROUPS):,} applicants; "
        f"pooled by {', '.join(pool_by) or 'nothing'}"
    )
    wall, cpu = time.perf_counter(), time.process_time()
    result = protect_funnels(
        funnels,
        Rules(min_count=3),
        3,
        pool_by,
        exact_audit=not args.no_exact_audit,
        workers=args.workers,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    counts = figure_counts(result)
    cells = int(result.stats["cells"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"time: {wall:.1f} s wall, {cpu:.1f} s CPU; peak memory {peak:,.0f} MB")
    print(
        f"table cells: {cells:,}; funnels: {len(result.funnels):,} "
        f"({sum(1 for _ in result.procedures()):,} procedures, "
        f"{sum(1 for _ in result.pools()):,} pooled)"
    )
    figures = sum(counts.values())
    print(
        f"figures (entered and passed per stage, group and total): {figures:,}; "
        f"published {counts['published']:,}, suppressed {counts['primary'] + counts['secondary']:,} "
        f"(primary {counts['primary']:,}, secondary {counts['secondary']:,})"
    )
    print(
        f"primary counts never published (failed, left): {int(result.stats['primary_hidden']):,}; "
        f"tables protected by withholding everything: {int(result.stats['fallback'])}"
    )
    narrow = [e for e in result.audit if e.status.value == "primary" and e.width < 3]
    print(
        f"audit: {'ok' if result.ok else 'FAILED'}; {len(result.audit):,} withheld counts with an "
        f"interval, {len(narrow)} primary ones narrower than W = 3"
    )
    for table in result.tables:
        print(
            "engine: "
            + ", ".join(
                f"{k} {v:.1f}" if isinstance(v, float) and not v.is_integer() else f"{k} {v:,.0f}"
                for k, v in table.stats.items()
            )
        )


if __name__ == "__main__":
    main()
