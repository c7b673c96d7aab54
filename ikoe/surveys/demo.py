"""Load the synthetic demo survey of “Musterland (synthetisch)” so a newcomer sees the whole flow."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.db import transaction

from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
from ikoe.ingest import demo as generator
from ikoe.organisations.services import ensure_demo_organisations
from ikoe.surveys.models import Survey

DEMO_SURVEY = "demo-musterland-2024"
DEMO_DATASET = "demo-musterland"
# The demo Land's benchmark is Berlin's published population share 2023 (Mikrozensus,
# data/reference/benchmarks.csv), because the demo is calibrated on Berlin's staff survey.
DEMO_POPULATION_SHARE = 39.4


def ensure_demo_benchmark() -> None:
    dataset, _ = BenchmarkDataset.objects.get_or_create(
        name=DEMO_DATASET,
        defaults={
            "title": "Musterland (synthetisch): Vergleichswert",
            "format": BenchmarkDataset.Format.CSV,
            "file_name": "(synthetic)",
            "sha256": "",
            "source": "Synthetic: Berlin's Mikrozensus 2023 share used for the demo Land",
        },
    )
    Benchmark.objects.get_or_create(
        dataset=dataset,
        region_code=generator.LAND_CODE,
        year=2023,
        measure="population_share",
        definition="migrationshintergrund_weiterer_sinn",
        defaults={
            "region_name": generator.LAND_NAME,
            "unit": "%",
            "value": DEMO_POPULATION_SHARE,
            "derived": True,
            "source": "Synthetic demo: the value is Berlin's population share 2023 (Destatis, Mikrozensus 2023)",
        },
    )


def load_demo() -> Survey | None:
    """Create the demo Land, its benchmark and its survey, released; ``None`` when already there.

    The release goes through :func:`ikoe.surveys.release.set_release` like any other, so the
    survey's history shows it; import and release happen in one transaction.
    """
    from ikoe.surveys.pipeline import import_survey
    from ikoe.surveys.release import Channel, operator_name, set_release

    if Survey.objects.filter(name=DEMO_SURVEY).exists():
        return None
    ensure_demo_organisations()
    ensure_demo_benchmark()
    demo = generator.generate_demo()
    with tempfile.TemporaryDirectory() as tmp:
        responses = Path(tmp) / "musterland-2024.parquet"
        totals = Path(tmp) / "musterland-2024-totals.parquet"
        demo.respondents.write_parquet(responses)
        demo.totals.write_parquet(totals)
        with transaction.atomic():
            survey = import_survey(
                responses,
                name=DEMO_SURVEY,
                year=generator.REFERENCE_YEAR,
                title="Beschäftigtenbefragung Musterland 2024 (synthetisch)",
                population="Landesverwaltung Musterland (synthetisch)",
                fieldwork="synthetisch",
                totals=totals,
                synthetic=True,
            )
            set_release(survey, True, channel=Channel.IMPORT, username=operator_name())
        return survey
