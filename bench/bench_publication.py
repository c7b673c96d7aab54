"""Benchmark of disclosure control on the platform path: the demo survey and a larger one.

For each survey — the synthetic demo of Musterland (``ikoe.ingest.demo``, 3,201 respondents) and,
with ``--scale``, the same generator at a larger scale (``--scale 6.25``: about 200,000) — it
times, in a temporary ``IKOE_DATA_DIR``:

1. ``compute_tables`` for the standard tables under every definition, protected together as
   the import does (cells of the linked system, primary and secondary cells, the audit);
2. ``compute_table`` for tables beyond the standard ones, protected beside the published
   tables of step 1 (what ``ikoe indicators`` does with the stored cells), or refused:
   land × ministry × agency × career_group × gender (issue 10) and land × career_group ×
   gender.

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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CUSTOM = (
    ("land", "ministry", "agency", "career_group", "gender"),
    ("land", "career_group", "gender"),
)


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
    from ikoe.stats.definitions import derivable_definitions, derive_all
    from ikoe.surveys import pipeline as surveys
    from ikoe.surveys.demo import ensure_demo_organisations
    from ikoe.surveys.publication import current_rules

    ensure_demo_organisations()
    demo = generator.generate_demo(seed, scale)
    data = surveys.with_levels(demo.respondents, surveys.organisation_levels())
    data = derive_all(data, derivable_definitions(data.columns))
    design, _ = surveys.build_design(data, demo.totals)
    for column in surveys.CLASSIFYING:
        if column in data.columns:
            data = data.with_columns(pl.col(column).cast(pl.String))
    print(f"  {data.height:,} respondents (seed {seed}, scale {scale})")

    rules = current_rules()
    start = time.perf_counter()
    publication = surveys.compute_tables(
        data, surveys.standard_requests(data), design=design, rules=rules
    )
    seconds = time.perf_counter() - start
    summary = publication.summary
    print(
        f"    standard tables ({summary['tables']}): {seconds:.1f} s; "
        f"{summary['cells']:,} cells, {summary['primary']:,} primary, "
        f"{summary['secondary']:,} secondary, suppressed total {summary['suppressed_total']:,.0f}, "
        f"under-protected {summary['under_protected']}, narrowest {summary['narrowest_interval']}"
    )
    for by in CUSTOM:
        beside(data, design, rules, by, publication.tables)


def beside(data: Any, design: Any, rules: Any, by: tuple[str, ...], published: Any) -> None:
    """``compute_table`` for ``by`` beside the ``published`` tables: the answer and its time."""
    from ikoe.stats.definitions import Definition
    from ikoe.stats.disclosure import ProtectionFailed
    from ikoe.surveys import pipeline as surveys

    start = time.perf_counter()
    try:
        table = surveys.compute_table(
            data,
            by,
            definition=Definition.MIGHEV_SHORT,
            design=design,
            rules=rules,
            published=published,
        )
    except ProtectionFailed as exc:  # the platform refuses a table it cannot protect
        seconds = time.perf_counter() - start
        why = "before any search" if exc.cells.size else "after the search"
        print(f"    beside the release, {' × '.join(by)}: refused {why}, after {seconds:.1f} s")
    else:
        seconds = time.perf_counter() - start
        counts = dict(sorted(table.get_column("status").value_counts().rows()))
        print(
            f"    beside the release, {' × '.join(by)}: published after {seconds:.1f} s, "
            f"{table.height:,} rows {counts}"
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
