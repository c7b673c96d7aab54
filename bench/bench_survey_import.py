"""Benchmark of the staff-survey import path (ikoe.surveys.pipeline), end to end.

Generates a synthetic staff survey of one fictitious Land ("Benchland (synthetisch)", code
``DE-ZZ``: 16 ministries, ~300 agencies of very different sizes, 5 career groups, 3 genders,
5 age groups; raw MighEV / Mikrozensus / Einwanderungsgeschichte answers consistent with each
other, ~7 % who skip the whole migration block and 2–3 % item non-response; response rates
that differ by agency and career group) plus personnel totals (agency × career group × gender),
writes it as German CSV (UTF-8 with BOM, ``;``, ``ja``/``nein``) and as Parquet, and times

1. ``import_survey`` end to end with totals, once from the CSV and once from the Parquet file:
   read and validate, derive the status under all three definitions, rake to the totals, write
   the restricted snapshot, compute, protect and store the standard tables for every definition;
2. separately, what ``ikoe indicators --weighted`` does (``ikoe.surveys.figures``): the
   published table land × ministry × agency × career_group with the benchmark, read from its
   protected cells; with ``--custom`` also two tables beyond the standard ones, computed from
   the snapshot (``load_frame``, weights) and protected beside the published cells, or
   refused with the reason: land × ministry × agency × career_group × gender (issue 10) and
   land × ministry × agency × gender.

Every timed step runs in its own child process against one temporary IKOE_DATA_DIR (SQLite
database + restricted storage), so each step reports its own peak resident memory
(``resource.getrusage``, Linux ``ru_maxrss``). The figures go to ``docs/performance.md``.

Usage::

    .venv/bin/python bench/bench_survey_import.py                  # 1,000,000 respondents
    .venv/bin/python bench/bench_survey_import.py --rows 5000000   # the five-million goal
    .venv/bin/python bench/bench_survey_import.py --rows 200000 --keep /tmp/bench
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

ROOT = Path(__file__).resolve().parents[1]

LAND = "DE-ZZ"
LAND_NAME = "Benchland (synthetisch)"
BY = ("land", "ministry", "agency", "career_group")  # a standard table, as published
CUSTOM = (  # tables beside the release
    ("land", "ministry", "agency", "career_group", "gender"),
    ("land", "ministry", "agency", "gender"),
)
CAREERS = ("einfach", "mittel", "gehoben", "hoeher", "ausbildung")
CAREER_MIX = (0.04, 0.36, 0.38, 0.15, 0.07)
CAREER_SHARE = (0.309, 0.235, 0.212, 0.190, 0.414)  # Berlin 2024 (docs/domain.md §9)
CAREER_RESPONSE = (0.7, 0.8, 1.05, 1.5, 0.6)
GENDERS = ("w", "m", "d")
AGES = ("unter 30", "30-39", "40-49", "50-59", "60+")
EMPLOYMENT = ("beamte", "tarif", "ausbildung")
RESPONSE_RATE = 0.22  # Berlin 2024: about 31,600 of 143,000
GOALS = {"import": 30.0, "weights + indicators": 10.0, "memory_gb": 4.0}


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux: ru_maxrss in KB).

    Linux carries ``ru_maxrss`` over from the parent through fork and exec, so the steps run
    as children of a lean parent that never holds the data (see :func:`main`).
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_hwm_mb() -> float | None:
    """The same peak from ``/proc/self/status`` (VmHWM, reset at exec), as a cross-check."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------------------------
# Data


def organisations(rng: np.random.Generator) -> list[tuple[str, str, str, str]]:
    """(code, name, parent, kind): the Land, 16 ministries, ~300 agencies."""
    rows = [(LAND, LAND_NAME, "", "land")]
    for m in range(1, 17):
        ministry = f"{LAND}-{m:02d}"
        rows.append((ministry, f"Ministerium {m} (synthetisch)", LAND, "ministry"))
        for a in range(1, int(rng.integers(8, 30)) + 1):
            rows.append(
                (f"{ministry}-{a:03d}", f"Behörde {m}.{a} (synthetisch)", ministry, "agency")
            )
    return rows


def generate(
    rows: int, seed: int = 2024
) -> tuple[list[tuple[str, str, str, str]], pl.DataFrame, pl.DataFrame]:
    """Organisations, respondents (as text, the way a survey tool exports them) and totals."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    orgs = organisations(rng)
    staffed = [o for o in orgs if o[3] != "land"]
    sizes = 1.0 / np.arange(1, len(staffed) + 1) ** 0.9  # a few large agencies, many small ones
    rng.shuffle(sizes)
    staff_total = int(rows / RESPONSE_RATE)
    staff = rng.multinomial(staff_total, sizes / sizes.sum())

    # Personnel totals: organisation × career group × gender.
    by_career = np.array([rng.multinomial(n, CAREER_MIX) for n in staff])  # orgs × 5
    women = np.array([0.45, 0.6, 0.6, 0.52, 0.55])
    cells = np.zeros((len(staffed), 5, 3), dtype=np.int64)
    for c in range(5):
        p = np.array([women[c] * 0.997, 0.997 * (1 - women[c]), 0.003])
        cells[:, c, :] = np.array([rng.multinomial(n, p) for n in by_career[:, c]])
    org_idx, career_idx, gender_idx = np.nonzero(cells)
    headcount = cells[org_idx, career_idx, gender_idx]

    # Respondents per cell: the response rate varies by organisation and career group and is
    # scaled so that the expected number of respondents is ``rows``.
    org_factor = np.exp(rng.normal(0.0, 0.35, len(staffed)))[org_idx]
    relative = org_factor * np.array(CAREER_RESPONSE)[career_idx]
    rate = np.minimum(rows / float((headcount * relative).sum()) * relative, 0.95)
    answered = rng.binomial(headcount, rate)
    n = int(answered.sum())
    org = np.repeat(org_idx, answered)
    career = np.repeat(career_idx, answered)
    gender = np.repeat(gender_idx, answered)

    age = rng.choice(5, n, p=[0.12, 0.23, 0.23, 0.27, 0.15])
    age = np.where(career == 4, np.where(rng.random(n) < 0.85, 0, 1), age)
    employment = np.where(
        career == 4, 2, np.where(rng.random(n) < np.array([0.15, 0.45, 0.6, 0.7, 0])[career], 0, 1)
    )
    leadership = rng.random(n) < np.array([0.01, 0.03, 0.1, 0.35, 0.0])[career]

    # Migration background (MighEV short form) with Berlin's shares by career group, then raw
    # answers consistent with it: foreign nationals, naturalised immigrants, Aussiedler, and
    # people born in Germany to two or to one immigrated parent(s).
    status = rng.random(n) < np.array(CAREER_SHARE)[career]
    pattern = np.where(status, rng.choice(5, n, p=[0.15, 0.25, 0.15, 0.25, 0.20]), -1)
    immigrant = np.isin(pattern, (0, 1, 2))
    second = np.isin(pattern, (3, 4))
    mother_first = rng.random(n) < 0.5
    mother_abroad = immigrant | (pattern == 3) | ((pattern == 4) & mother_first)
    father_abroad = immigrant | (pattern == 3) | ((pattern == 4) & ~mother_first)
    own_year = np.where(pattern == 2, rng.integers(1988, 2006, n), rng.integers(1960, 2024, n))
    parent_year = np.where(immigrant, own_year, rng.integers(1955, 2000, n))
    german = pattern != 0
    german_since_birth = ~status | (second & (rng.random(n) < 0.2))

    skipped = rng.random(n) < 0.07  # the whole block on citizenship and origin

    def hide(series: pl.Series, hidden: np.ndarray) -> pl.Series:
        return series.scatter(np.flatnonzero(hidden), None)

    def yes_no(values: np.ndarray, missing: float = 0.0) -> pl.Series:
        text = pl.Series(["nein", "ja"], dtype=pl.String).gather(values.astype(np.int64))
        return hide(text, skipped | (rng.random(n) < missing))

    def year(values: np.ndarray, given: np.ndarray) -> pl.Series:
        return hide(pl.Series(values).cast(pl.String), skipped | ~given)

    def coded(labels: tuple[str, ...], values: np.ndarray, missing: float) -> pl.Series:
        text = pl.Series(labels, dtype=pl.String).gather(values.astype(np.int64))
        return hide(text, rng.random(n) < missing)

    codes = pl.Series([o[0] for o in staffed], dtype=pl.String)
    ids = pl.select(pl.lit("ZZ") + pl.int_range(1, n + 1).cast(pl.String).str.zfill(8)).to_series()
    respondents = pl.DataFrame(
        [
            ids.alias("respondent_id"),
            codes.gather(org).alias("organisation"),
            coded(CAREERS, career, 0.10).alias("career_group"),
            coded(EMPLOYMENT, employment, 0.02).alias("employment"),
            coded(GENDERS, gender, 0.02).alias("gender"),
            coded(AGES, age, 0.03).alias("age_group"),
            yes_no(leadership, 0.02).alias("leadership"),
            yes_no(german, 0.01).alias("german"),
            yes_no(german_since_birth, 0.02).alias("german_since_birth"),
            yes_no(immigrant, 0.01).alias("born_abroad"),
            year(own_year, immigrant).alias("immigration_year"),
            yes_no(mother_abroad, 0.02).alias("mother_born_abroad"),
            year(parent_year, mother_abroad).alias("mother_immigration_year"),
            yes_no(~mother_abroad, 0.03).alias("mother_german_since_birth"),
            yes_no(father_abroad, 0.02).alias("father_born_abroad"),
            year(parent_year, father_abroad).alias("father_immigration_year"),
            yes_no(~father_abroad, 0.03).alias("father_german_since_birth"),
        ]
    )
    # The respondents in a random order, as a survey tool delivers them.
    respondents = respondents.sample(fraction=1.0, shuffle=True, seed=seed)
    totals = pl.DataFrame(
        {
            "organisation": codes.gather(org_idx),
            "career_group": np.array(CAREERS)[career_idx].tolist(),
            "gender": np.array(GENDERS)[gender_idx].tolist(),
            "headcount": headcount,
        }
    )
    return orgs, respondents, totals


# ---------------------------------------------------------------------------------------------
# Child processes: one timed step each, against the same IKOE_DATA_DIR


def django_setup(data_dir: Path) -> None:
    """Set up Django on a temporary SQLite database and restricted storage (before any import)."""
    os.environ["IKOE_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "ikoe.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def step_setup(work: Path) -> dict[str, Any]:
    from django.core.management import call_command

    from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
    from ikoe.organisations.models import Organisation

    call_command("migrate", verbosity=0)
    made: dict[str, Organisation] = {}
    for code, name, parent, kind in json.loads((work / "organisations.json").read_text()):
        made[code] = Organisation.objects.create(
            code=code, name=name, kind=kind, parent=made.get(parent)
        )
    dataset = BenchmarkDataset.objects.create(
        name="bench",
        title="Benchmark (synthetisch)",
        format="csv",
        file_name="-",
        sha256="",
        source="synthetic",
    )
    Benchmark.objects.create(
        dataset=dataset,
        region_code=LAND,
        region_name=LAND_NAME,
        year=2023,
        measure="population_share",
        definition="migrationshintergrund_weiterer_sinn",
        unit="%",
        value=39.4,
        source="synthetic",
    )
    return {"organisations": len(made)}


def step_generate(work: Path, rows: int, seed: int) -> dict[str, Any]:
    start = time.perf_counter()
    orgs, respondents, totals = generate(rows, seed)
    (work / "organisations.json").write_text(json.dumps(orgs))
    respondents.write_csv(work / "survey.csv", separator=";", include_bom=True, null_value="")
    respondents.write_parquet(work / "survey.parquet")
    totals.write_csv(work / "totals.csv", separator=";", include_bom=True)
    return {
        "seconds": time.perf_counter() - start,
        "respondents": respondents.height,
        "agencies": sum(1 for o in orgs if o[3] == "agency"),
        "ministries": sum(1 for o in orgs if o[3] == "ministry"),
        "total_cells": totals.height,
        "staff": int(totals["headcount"].sum()),
        "sizes_mb": {
            name: (work / name).stat().st_size / 1e6
            for name in ("survey.csv", "survey.parquet", "totals.csv")
        },
    }


def _timed(module: Any, name: str, spent: dict[str, float]) -> None:
    """Wrap ``module.name`` so the time spent in it is added up under ``name``."""
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

    setattr(module, name, wrapper)


def step_import(work: Path, fmt: str) -> dict[str, Any]:
    from ikoe.surveys import pipeline as surveys

    spent: dict[str, float] = {}
    for name in ("read_survey", "read_totals", "derive_all", "build_design", "publish"):
        _timed(surveys, name, spent)
    start = time.perf_counter()
    survey = surveys.import_survey(
        work / f"survey.{fmt}",
        name=f"bench-{fmt}",
        year=2024,
        totals=work / "totals.csv",
    )
    seconds = time.perf_counter() - start
    weighting = survey.diagnostics["weighting"]
    return {
        "seconds": seconds,
        "breakdown": spent,
        "respondents": survey.respondents,
        "cells": survey.cells.count(),
        "definitions": survey.diagnostics["definitions_derived"],
        "method": weighting["method"],
        "weighting_cells": [
            f"{c['fine_cells']:,} cells, {c['collapsed']:,} collapsed, weighted to {c['cells']:,}"
            for c in weighting.get("cells") or []
        ],
        "iterations": weighting["iterations"],
        "converged": weighting["converged"],
        "weight_range": [weighting["weight_min"], weighting["weight_max"]],
        "design_effect": weighting["design_effect"],
        "disclosure": survey.diagnostics.get("disclosure", {}),
    }


def step_indicators(work: Path, fmt: str, custom: bool = False) -> dict[str, Any]:
    """What ``ikoe indicators --weighted`` does: a published table read from its cells, and
    (``custom``) further tables computed and protected beside the published cells."""
    from ikoe.stats.definitions import Definition
    from ikoe.surveys.figures import TableRefused, benchmark_for, indicator_table
    from ikoe.surveys.models import Survey

    survey = Survey.objects.select_related("land").get(name=f"bench-{fmt}")
    benchmark = benchmark_for(survey)
    start = time.perf_counter()
    table = indicator_table(survey, BY, Definition.MIGHEV_SHORT, weighted=True, benchmark=benchmark)
    done = time.perf_counter()
    status = table.get_column("status").value_counts().sort("status")
    result: dict[str, Any] = {
        "seconds": done - start,
        "cells": table.height,
        "status": {str(k): int(v) for k, v in status.iter_rows()},
    }
    if custom:
        result["custom"] = []
        for by in CUSTOM:
            clock = time.perf_counter()
            try:
                extra = indicator_table(
                    survey, by, Definition.MIGHEV_SHORT, weighted=True, benchmark=None
                )
                counts = extra.get_column("status").value_counts().sort("status")
                answer = {str(k): int(v) for k, v in counts.iter_rows()}
            except TableRefused as exc:
                answer = {"refused": exc.reason}
            seconds = time.perf_counter() - clock
            result["custom"].append({"by": by, "seconds": seconds, "answer": answer})
    return result


def child(args: argparse.Namespace) -> None:
    work = Path(args.work)
    if args.step == "generate":
        result = step_generate(work, args.rows, args.seed)
    else:
        django_setup(work / "data")
        if args.step == "setup":
            result = step_setup(work)
        elif args.step == "import":
            result = step_import(work, args.format)
        else:
            result = step_indicators(work, args.format, args.custom)
    result["peak_mb"] = peak_mb()
    result["vm_hwm_mb"] = vm_hwm_mb()
    result["load"] = os.getloadavg()[0]  # other work on the machine distorts the times
    print("RESULT " + json.dumps(result))


def run_child(step: str, args: argparse.Namespace, work: Path, fmt: str = "csv") -> dict[str, Any]:
    command = [sys.executable, __file__, "--step", step, "--work", str(work), "--format", fmt]
    command += ["--rows", str(args.rows), "--seed", str(args.seed)]
    if args.custom:
        command.append("--custom")
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"step {step} failed")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return dict(json.loads(line[len("RESULT ") :]))


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="respondents (default 1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    parser.add_argument(
        "--formats", default="csv,parquet", help="which files to import (csv,parquet)"
    )
    parser.add_argument(
        "--custom",
        action="store_true",
        help="also time tables beyond the standard ones (… × gender) beside the release",
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="csv", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        child(args)
        return 0

    # This parent stays lean (no numpy, polars or Django): every step runs in its own child.
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ikoe-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"ikoe survey import benchmark: {args.rows:,} respondents requested; work dir {work}")
    print(
        f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    try:
        gen = run_child("generate", args, work)
        print(
            f"  generated {gen['respondents']:,} respondents, {gen['agencies']} agencies in "
            f"{gen['ministries']} ministries, {gen['total_cells']:,} cells of personnel totals "
            f"({gen['staff']:,} staff) in {gen['seconds']:.1f} s"
        )
        print(
            "    " + ", ".join(f"{name} {size:,.1f} MB" for name, size in gen["sizes_mb"].items())
        )
        run_child("setup", args, work)

        failed = False
        for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
            imp = run_child("import", args, work, fmt)
            ind = run_child("indicators", args, work, fmt)
            parts = ", ".join(f"{name} {sec:.1f} s" for name, sec in imp["breakdown"].items())
            print(f"\n  from {fmt.upper()}:")
            print(
                f"    import_survey end to end: {imp['seconds']:.1f} s, peak RSS {imp['peak_mb']:,.0f} MB "
                f"(VmHWM {imp['vm_hwm_mb'] or 0:,.0f} MB)"
            )
            print(f"      of which {parts}")
            print(
                f"      {imp['respondents']:,} respondents, {imp['cells']:,} protected cells, definitions "
                f"{', '.join(imp['definitions'])}; {imp['method']} "
                f"({'; '.join(imp['weighting_cells'])}), {imp['iterations']} sweeps, converged "
                f"{imp['converged']}, weights {imp['weight_range'][0]:.2f}–{imp['weight_range'][1]:.2f}, "
                f"deff {imp['design_effect']:.3f}"
            )
            sdc = imp["disclosure"]
            print(
                f"      disclosure control: {sdc.get('cells', 0):,} cells of the linked system, "
                f"{sdc.get('primary', 0):,} primary, {sdc.get('secondary', 0):,} secondary, "
                f"under-protected {sdc.get('under_protected')}, {sdc.get('seconds', 0):.1f} s"
            )
            print(
                f"    indicators {' × '.join(BY)} (weighted, benchmark; the published cells) "
                f"{ind['seconds']:.2f} s, peak RSS "
                f"{ind['peak_mb']:,.0f} MB (VmHWM {ind['vm_hwm_mb'] or 0:,.0f} MB)"
            )
            print(f"      {ind['cells']:,} cells: {ind['status']}")
            for extra in ind.get("custom", []):
                answer = extra["answer"]
                told = (
                    f"refused: {answer['refused']}"
                    if "refused" in answer
                    else f"published, {sum(answer.values()):,} rows: {answer}"
                )
                print(
                    f"    beside the release: {' × '.join(extra['by'])} "
                    f"{extra['seconds']:.1f} s, {told}"
                )
            print(
                f"    1-minute load average after the steps: {imp['load']:.1f} / {ind['load']:.1f}"
            )
            peak_gb = max(imp["peak_mb"], ind["peak_mb"]) / 1024
            verdicts = (
                ("import within 30 s", imp["seconds"] <= GOALS["import"]),
                (
                    "weights + indicators within 10 s",
                    ind["seconds"] <= GOALS["weights + indicators"],
                ),
                ("peak memory under 4 GB", peak_gb < GOALS["memory_gb"]),
            )
            print(
                "    goals: "
                + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in verdicts)
            )
            failed |= not all(ok for _name, ok in verdicts)
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
