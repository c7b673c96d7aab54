"""Benchmark of the barrier analysis (ikoe.stats.barriers): 10,000 procedures, pooled.

Generates 10,000 synthetic selection procedures of 6 stages (application, formally eligible,
written test, interview, offer, hire) and 3 groups (with and without a migration background,
not declared) in 200 agencies over 5 years: from 10 to about 400 applicants each (a
long-tailed size), about a quarter with a migration background and 5 % not declared; every
stage lets through a share that varies by procedure, somewhat lower for applicants with a
migration background at the written test and the interview, and a few applicants withdraw
between stages. So the later stages are small and need Fisher's exact test, the early ones
the z test, as in real procedures.

Times, on the same data:

1. ``analyse_all``: every stage and the whole procedure of every procedure, every group
   (rates, impact ratios with intervals, four-fifths rule, z or Fisher test, shortfall, the
   flip of one decision, Holm within each procedure) — the result objects included;
2. ``pool`` by agency and year (1,000 strata): Mantel–Haenszel, CMH, Breslow–Day per stage;
3. both together: "all statistics" of the goal (under 2 s).

Each is run ``--repeat`` times (default 3); the best and the median are printed, with how
many tests were z and Fisher. Usage::

    .venv/bin/python bench/bench_barriers.py
    .venv/bin/python bench/bench_barriers.py --procedures 100000 --repeat 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ikoe.stats.barriers import (  # noqa: E402
    NOT_DECLARED,
    WITH,
    WITHOUT,
    Procedure,
    analyse_all,
    pool,
)

STAGES = (
    "Bewerbung",
    "formal geeignet",
    "schriftlicher Test",
    "Auswahlgespräch",
    "Angebot",
    "Einstellung",
)
GROUPS = (WITH, WITHOUT, NOT_DECLARED)
SHARES = np.array([0.25, 0.70, 0.05])
PASS = np.array([0.85, 0.55, 0.45, 0.6, 0.9, 1.0])  # per stage, the group without
PENALTY = np.array([1.0, 1.0, 0.85, 0.85, 1.0, 1.0])  # factor for "with" at each stage


def procedures(count: int, seed: int = 2024) -> list[Procedure]:
    rng = np.random.default_rng(seed)
    sizes = np.minimum(10 + rng.pareto(1.6, count) * 40, 400).astype(np.int64)
    out = []
    for i in range(count):
        entered = np.zeros((len(STAGES), 3), dtype=np.int64)
        passed = np.zeros_like(entered)
        entered[0] = rng.multinomial(sizes[i], SHARES)
        base = np.clip(PASS * rng.uniform(0.85, 1.15, len(STAGES)), 0.05, 1.0)
        for k in range(len(STAGES)):
            rate = np.array([base[k] * PENALTY[k], base[k], base[k]])
            passed[k] = rng.binomial(entered[k], np.clip(rate, 0, 1))
            if k + 1 < len(STAGES):
                stay = rng.binomial(passed[k], 0.97)  # some withdraw
                entered[k + 1] = stay
        out.append(
            Procedure(
                f"V{i:05d}",
                STAGES,
                GROUPS,
                entered.tolist(),
                passed.tolist(),
                organisation=f"B{i % 200:03d}",
                year=2020 + (i // 200) % 5,
                career_group=("mittlerer Dienst", "gehobener Dienst", "höherer Dienst")[i % 3],
            )
        )
    return out


def timed(repeat: int, work):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--procedures", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    data = procedures(args.procedures)
    print(f"generated {len(data):,} procedures in {time.perf_counter() - start:.1f} s")

    t_analyse, results = timed(args.repeat, lambda: analyse_all(data))
    t_pool, pooled = timed(args.repeat, lambda: pool(data, by=("organisation", "year")))
    t_all, _ = timed(
        args.repeat, lambda: (analyse_all(data), pool(data, by=("organisation", "year")))
    )

    rows = [r for rs in results for r in rs]
    tests = [r.test for r in rows if r.test]
    print(
        f"{len(rows):,} stage × group results, {len(tests):,} tests "
        f"({tests.count('z'):,} z, {tests.count('fisher'):,} Fisher); "
        f"{len(pooled)} pooled results over {pooled[0].strata if pooled else 0} strata"
    )
    for name, times in (("analyse_all", t_analyse), ("pool", t_pool), ("all statistics", t_all)):
        print(f"{name:15s} best {min(times):6.3f} s   median {statistics.median(times):6.3f} s")
    goal = min(t_all)
    print(f"goal: all statistics under 2 s -> {'met' if goal < 2 else 'NOT met'} ({goal:.2f} s)")


if __name__ == "__main__":
    main()
