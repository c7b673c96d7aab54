"""Benchmark of disclosure control on the platform path: the demo survey and a larger one.

For each survey — the synthetic demo of Musterland (``ikoe.ingest.demo``, 3,201 respondents) and,
with ``--scale``, the same generator at a larger scale (``--scale 6.25``: about 200,000) — it
times, in a temporary ``IKOE_DATA_DIR``:

1. ``compute_tables`` for the standard tables under every definition, protected together as
   ``publish_cells`` does (cells of the linked system, primary and secondary cells, the audit);
2. ``compute_table`` for a table beyond the standard ones, land × ministry × agency ×
   career_group × gender, protected beside the published pattern (or refused).

Usage::

    .venv/bin/python bench/bench_publication.py                 # the demo
    .venv/bin/python bench/bench_publication.py --scale 6.25    # also about 200,000 respondents

The figures go to ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CUSTOM_BY = ("land", "ministry", "agency", "career_group", "gender")


def setup(data_dir: str) -> None:
    os.environ["IKOE_DATA_DIR"] = data_dir
    sys.path.insert(0, str(ROOT))
    from ikoe.cli import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def measure(scale: float, seed: int) -> None:
    import polars as pl

    from ikoe.ingest import demo as generator
    from ikoe.stats.definitions import Definition, derivable_definitions, derive_all
    from ikoe.surveys import pipeline as surveys
    from ikoe.surveys.demo import ensure_demo_organisations

    ensure_demo_organisations()
    demo = generator.generate_demo(seed, scale)
    data = surveys.with_levels(demo.respondents, surveys.organisation_levels())
    data = derive_all(data, derivable_definitions(data.columns))
    design, _ = surveys.build_design(data, demo.totals)
    for column in surveys.CLASSIFYING:
        if column in data.columns:
            data = data.with_columns(pl.col(column).cast(pl.String))
    print(f"  {data.height:,} respondents (seed {seed}, scale {scale})")

    start = time.perf_counter()
    publication = surveys.compute_tables(data, surveys.standard_requests(data), design=design)
    seconds = time.perf_counter() - start
    summary = publication.summary
    print(
        f"    standard tables ({summary['tables']}): {seconds:.1f} s; "
        f"{summary['cells']:,} cells, {summary['primary']:,} primary, "
        f"{summary['secondary']:,} secondary, suppressed total {summary['suppressed_total']:,.0f}, "
        f"under-protected {summary['under_protected']}, narrowest {summary['narrowest_interval']}"
    )
    start = time.perf_counter()
    try:
        table = surveys.compute_table(
            data, CUSTOM_BY, definition=Definition.MIGHEV_SHORT, design=design, benchmark=None
        )
    except Exception as exc:  # the platform refuses a table it cannot protect
        print(
            f"    beside the release, {' × '.join(CUSTOM_BY)}: refused after "
            f"{time.perf_counter() - start:.1f} s ({type(exc).__name__})"
        )
    else:
        counts = table.get_column("status").value_counts().rows()
        print(
            f"    beside the release, {' × '.join(CUSTOM_BY)}: {time.perf_counter() - start:.1f} s, "
            f"{table.height:,} rows, {dict(counts)}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", default=[])
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    print(
        f"ikoe publication benchmark on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="ikoe-bench-pub-") as tmp:
        setup(tmp)
        for scale in [0.1, *args.scale]:
            measure(scale, args.seed)
    print(f"  load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
