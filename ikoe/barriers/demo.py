"""Load the synthetic selection data of “Musterland (synthetisch)”, released, so that a newcomer
sees the barrier analysis at work (data/demo/auswahlverfahren-musterland.csv: four invented
procedures of two agencies in 2023 and 2024)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from ikoe.barriers.models import SelectionData
from ikoe.ingest import demo as generator
from ikoe.organisations.models import Organisation
from ikoe.organisations.services import ensure_demo_organisations

DEMO_SELECTION = "demo-musterland-auswahl"
DEMO_FILE = (
    Path(__file__).resolve().parents[2] / "data" / "demo" / "auswahlverfahren-musterland.csv"
)


def load_demo_selection() -> SelectionData | None:
    """Import and release the demo selection data; ``None`` when they are there already."""
    from ikoe.barriers.pipeline import import_selection
    from ikoe.barriers.release import Channel, set_release

    if not DEMO_FILE.is_file() or SelectionData.objects.filter(name=DEMO_SELECTION).exists():
        return None
    ensure_demo_organisations()
    land = Organisation.objects.get(code=generator.LAND_CODE)
    with transaction.atomic():
        data = import_selection(
            DEMO_FILE,
            name=DEMO_SELECTION,
            land=land,
            title="Auswahlverfahren Musterland 2023–2024 (synthetisch)",
        )
        set_release(data, True, channel=Channel.IMPORT, username="ikoe")
    return data
