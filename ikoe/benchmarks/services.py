"""Import public benchmark figures: the reference CSV and GENESIS-Online exports.

:func:`import_benchmark_file` reads a file (:mod:`ikoe.ingest.benchmarks`) and stores the
figures of one :class:`~ikoe.benchmarks.models.BenchmarkDataset` in one transaction. Nothing is
stored when any problem is found; importing the same file again replaces the dataset's rows.
The formats, columns and conventions are described for users in ``docs/imports.md``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

import ikoe
from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
from ikoe.errors import ImportFailed, excerpt
from ikoe.ingest.benchmarks import BenchmarkFile, read_benchmark_file, sha256_of
from ikoe.ingest.text import read_bytes
from ikoe.regions import FEDERAL, GERMANY, LAENDER

REFERENCE_FILE_NAME = "benchmarks.csv"


def import_benchmark_file(
    path: str | Path, name: str | None = None, year: int | None = None
) -> BenchmarkDataset:
    """Import a benchmark file as the dataset ``name`` (default: file stem or GENESIS table code).

    ``year`` is the year of every figure of a GENESIS table without a time dimension (one that
    names its year only in its title or a footnote). Everything is checked before anything is
    stored; the rows of an existing dataset of the same name are replaced in the same
    transaction.
    """
    checked = read_benchmark_file(path, year=year)
    dataset_name = (name or checked.default_name).strip()
    if not dataset_name or len(dataset_name) > 200:
        raise ImportFailed.single(
            "name",
            _("The dataset name must have between 1 and 200 characters; “%(name)s” has %(length)d.")
            % {"name": excerpt(dataset_name), "length": len(dataset_name)},
            file=str(path),
        )
    return _store(checked, dataset_name)


def _store(checked: BenchmarkFile, name: str) -> BenchmarkDataset:
    with transaction.atomic():
        dataset, _created = BenchmarkDataset.objects.select_for_update().get_or_create(
            name=name,
            defaults={
                "format": checked.format,
                "file_name": checked.path.name[:255],
                "sha256": checked.sha256,
            },
        )
        dataset.title = checked.title[:500]
        dataset.format = checked.format
        dataset.file_name = checked.path.name[:255]
        dataset.sha256 = checked.sha256
        dataset.source = checked.source
        dataset.save()
        dataset.rows.all().delete()
        Benchmark.objects.bulk_create(
            [Benchmark(dataset=dataset, **asdict(row)) for row in checked.rows], batch_size=1000
        )
    return dataset


# --- reference data -----------------------------------------------------------------------------


def reference_file_candidates() -> list[Path]:
    """Where the shipped reference CSV is looked for: the repository, then the working directory."""
    repo = Path(ikoe.__file__).resolve().parent.parent
    return [
        repo / "data" / "reference" / REFERENCE_FILE_NAME,
        Path.cwd() / "data" / "reference" / REFERENCE_FILE_NAME,
    ]


def reference_file() -> Path:
    candidates = reference_file_candidates()
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ImportFailed.single(
        "reference_missing",
        _("The reference data file was not found. Looked in: %(places)s.")
        % {"places": ", ".join(str(c) for c in candidates)},
    )


def load_reference_data(path: str | Path | None = None) -> BenchmarkDataset | None:
    """Import ``data/reference/benchmarks.csv`` unless the same file is already loaded.

    Returns the dataset when it was (re)loaded and ``None`` when nothing changed (same SHA-256).
    """
    file = Path(path) if path is not None else reference_file()
    digest = sha256_of(read_bytes(file))
    if BenchmarkDataset.objects.filter(name=file.stem, sha256=digest).exists():
        return None
    return import_benchmark_file(file)


# --- summary ------------------------------------------------------------------------------------


@dataclass
class DatasetSummary:
    name: str
    format: str
    file_name: str
    rows: int
    regions: list[str]
    years: list[int]
    measures: list[str]


def summarise(dataset: BenchmarkDataset) -> DatasetSummary:
    rows = list(dataset.rows.values_list("region_code", "year", "measure", "unit"))
    order = {code: n for n, code in enumerate([GERMANY, FEDERAL, *LAENDER])}
    regions = sorted({r[0] for r in rows}, key=lambda c: (order.get(c, len(order)), c))
    years = sorted({r[1] for r in rows if r[1] is not None})
    measures = sorted({f"{r[2]} ({r[3]})" if r[3] else r[2] for r in rows})
    return DatasetSummary(
        dataset.name, dataset.format, dataset.file_name, len(rows), regions, years, measures
    )
